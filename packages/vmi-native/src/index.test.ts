import {
  BACKEND_SPECIFICATION_VERSION,
  type BackendMachine,
  RelocationType,
  readRelocationTable,
  VMI_API_MAJOR,
  VMI_CALLS,
  validateVmiRom,
  vmiCallByName,
} from '@openvmi/vmi-spec';
import { describe, expect, it } from 'vitest';
import { buildVmiNativeRom, createVmiNativeBackend, vmiNativeIdentity } from './index.js';

const NOP_CALLS = ['AllocatePage', 'ReleasePage', 'SetLinearMapping', 'SetLazyMode'];
const NONE_CALLS = [
  'SetInitialAPState',
  'APICWrite',
  'APICRead',
  'GetCycleFrequency',
  'GetCycleCounter',
  'SetAlarm',
  'CancelAlarm',
  'GetWallclockTime',
  'WallclockUpdated',
  'SetCallbacks',
];

describe('the vmi-native ROM', () => {
  const rom = buildVmiNativeRom();
  const stub = (name: string, length: number) => {
    const offset = rom.relocations[vmiCallByName(name).number].targetOffset;
    return [...rom.image.subarray(offset, offset + length)];
  };

  it('is a ROM Linux accepts, with API 3 and a GPL v2 license', () => {
    const description = validateVmiRom(rom.image);
    expect(description.header.apiVersionMajor).toBe(VMI_API_MAJOR);
    expect(description.license).toBe('GPL v2');
    expect(description.header.virtualTop).toBe(0);
    expect(readRelocationTable(rom.image)).toEqual(rom.relocations);
  });

  it('uses NOP for calls with no native meaning, NONE for timer/APIC/AP calls, JUMP_REL for IRET and SYSEXIT', () => {
    for (const call of VMI_CALLS) {
      const type = rom.relocations[call.number].type;
      if (NOP_CALLS.includes(call.name)) expect(type, call.name).toBe(RelocationType.Nop);
      else if (NONE_CALLS.includes(call.name)) expect(type, call.name).toBe(RelocationType.None);
      else if (call.nonReturning) expect(type, call.name).toBe(RelocationType.JumpRel);
      else expect(type, call.name).toBe(RelocationType.CallRel);
    }
  });

  it('implements the interrupt-flag calls without touching any register but EAX and EFLAGS', () => {
    expect(stub('EnableInterrupts', 2)).toEqual([0xfb, 0xc3]); // sti; ret
    expect(stub('DisableInterrupts', 2)).toEqual([0xfa, 0xc3]); // cli; ret
    // pushfd; pop eax; and eax, 0x200; ret
    expect(stub('GetInterruptMask', 9)).toEqual([0x9c, 0x58, 0x81, 0xe0, 0x00, 0x02, 0x00, 0x00, 0xc3]);
    // test ah, 2; jz +2; sti; ret; cli; ret
    expect(stub('SetInterruptMask', 9)).toEqual([0xf6, 0xc4, 0x02, 0x74, 0x02, 0xfb, 0xc3, 0xfa, 0xc3]);
  });

  it('ends IRET and SYSEXIT with the instruction itself (they never return)', () => {
    expect(stub('IRET', 1)).toEqual([0xcf]);
    expect(stub('SYSEXIT', 3)).toEqual([0xfb, 0x0f, 0x35]); // sti; sysexit
  });

  it('toggles CR4.PGE for a global FlushTLB and reloads CR3 otherwise', () => {
    const code = stub('FlushTLB', 24);
    expect(code.slice(0, 4)).toEqual([0xa8, 0x02, 0x74, 0x11]); // test al, 2; jz local
    expect(code.slice(4, 7)).toEqual([0x0f, 0x20, 0xe1]); // mov ecx, cr4
    expect(code.slice(7, 9)).toEqual([0x89, 0xca]); // mov edx, ecx
    expect(code.slice(9, 15)).toEqual([0x81, 0xe2, 0x7f, 0xff, 0xff, 0xff]); // and edx, ~0x80
    expect(code.slice(15, 21)).toEqual([0x0f, 0x22, 0xe2, 0x0f, 0x22, 0xe1]); // cr4 = edx; cr4 = ecx
    expect(code.slice(21, 24)).toEqual([0x0f, 0x20, 0xd9]); // local: mov ecx, cr3
  });
});

describe('createVmiNativeBackend', () => {
  it('declares the backend interface and maps its ROM when attached', () => {
    const backend = createVmiNativeBackend();
    expect(backend.name).toBe(vmiNativeIdentity.name);
    expect(backend.specificationVersion).toBe(BACKEND_SPECIFICATION_VERSION);
    expect(backend.handledExits).toEqual([]);
    expect(backend.romAddress).toBe(0xc0000);
    const mapped: [number, Uint8Array][] = [];
    const machine = {
      registers: { read: () => 0, write: () => {} },
      memory: { mapRom: (address: number, bytes: Uint8Array) => mapped.push([address, bytes]) },
      intercepts: {},
    } as unknown as BackendMachine;
    const attachment = backend.attach(machine);
    expect(mapped).toEqual([[0xc0000, backend.rom?.image]]);
    expect(attachment.handleExit({ kind: 'hlt' })).toEqual({
      action: 'stop',
      reason: 'vmi-native handles no exits (got hlt)',
    });
  });

  it('refuses a ROM address Linux would not scan', () => {
    expect(() => createVmiNativeBackend({ romAddress: 0xc0100 })).toThrow(/2 KiB slot/);
    expect(() => createVmiNativeBackend({ romAddress: 0xe0000 })).toThrow(RangeError);
  });
});
