import { BACKEND_SPECIFICATION_VERSION, type Backend, type BackendExit } from '@openvmi/vmi-spec';
import { describe, expect, it } from 'vitest';
import { createMachine, type MachineStop } from './pc-machine.js';

/** A 4 KiB firmware image whose reset vector jumps to `code` at F000:F000. */
function firmware(code: number[]): Uint8Array {
  const image = new Uint8Array(4096).fill(0x90);
  image.set(code, 0);
  const displacement = (0xf000 - 0xfff3) & 0xffff;
  image.set([0xe9, displacement & 0xff, displacement >> 8], 4096 - 16);
  return image;
}

// Real mode: OUT, IN (byte and word), REP INSB and REP OUTSB on port 0x510, then OUT 0xF4.
const program = firmware([
  ...[0xba, 0x10, 0x05], // mov dx, 0x510
  ...[0xb0, 0x5a, 0xee], // mov al, 0x5a ; out dx, al
  ...[0xec, 0x88, 0xc3], // in al, dx ; mov bl, al
  ...[0xed, 0x89, 0xc5], // in ax, dx ; mov bp, ax
  ...[0x31, 0xc0, 0x8e, 0xc0, 0x8e, 0xd8], // xor ax, ax ; mov es, ax ; mov ds, ax
  ...[0xbf, 0x00, 0x06, 0xb9, 0x03, 0x00, 0xfc, 0xf3, 0x6c], // mov di, 0x600 ; mov cx, 3 ; cld ; rep insb
  ...[0xbe, 0x00, 0x06, 0xb9, 0x03, 0x00, 0xf3, 0x6e], // mov si, 0x600 ; mov cx, 3 ; rep outsb
  ...[0xb0, 0x2a, 0xe6, 0xf4], // mov al, 0x2a ; out 0xf4, al
]);

/** A backend with no ROM that emulates port 0x510 itself through I/O exits. */
function portBackend(log: string[]): Backend {
  return {
    name: 'test-io',
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    rom: undefined,
    romAddress: 0xc0000,
    handledExits: ['io'],
    attach(machine) {
      machine.intercepts.add('io');
      let nextString = 0x10;
      return {
        handleExit(exit: BackendExit) {
          if (exit.kind !== 'io') return { action: 'resume' };
          const { port, width, direction, value, string, repeat } = exit;
          log.push(
            `${direction} ${port.toString(16)}/${width}${string ? ' string' : ''}${repeat ? ' rep' : ''}${value === undefined ? '' : ` =${value.toString(16)}`}`,
          );
          if (port === 0xf4) return { action: 'stop', reason: `exit ${value}` };
          if (direction === 'in')
            machine.completeInput(exit, string ? nextString++ : width === 1 ? 0x5b : 0x1234);
          return { action: 'resume' };
        },
      };
    },
  };
}

describe('a third-party backend on the PC', () => {
  it('sees every port access, with OUT values, and answers IN and INS through completeInput', () => {
    const log: string[] = [];
    const machine = createMachine({
      memoryMiB: 16,
      commandLine: '',
      backend: portBackend(log),
      deterministic: true,
      maxInstructions: 10_000,
      noReboot: true,
      isaDebugExit: false,
      serialOutput: () => {},
      bios: program,
    });
    let stop: MachineStop | undefined;
    while (stop === undefined) stop = machine.runSlice(1_000);
    expect(stop).toEqual({ kind: 'backend-stop', reason: 'exit 42' });
    expect(log).toEqual([
      'out 510/1 =5a',
      'in 510/1',
      'in 510/2',
      'in 510/1 string rep',
      'in 510/1 string rep',
      'in 510/1 string rep',
      'out 510/1 string rep =10',
      'out 510/1 string rep =11',
      'out 510/1 string rep =12',
      'out f4/1 =2a',
    ]);
    expect(machine.cpu.readRegister(3) & 0xff).toBe(0x5b); // BL from IN AL
    expect(machine.cpu.readRegister(5) & 0xffff).toBe(0x1234); // BP from IN AX
    expect([...machine.memory.ram.subarray(0x600, 0x603)]).toEqual([0x10, 0x11, 0x12]);
  });

  it('refuses a backend written for another version of the interface', () => {
    const backend = { ...portBackend([]), specificationVersion: 'openvmi-backend-v0' } as unknown as Backend;
    expect(() =>
      createMachine({
        memoryMiB: 16,
        commandLine: '',
        backend,
        deterministic: true,
        maxInstructions: 10,
        noReboot: true,
        isaDebugExit: false,
        serialOutput: () => {},
        bios: program,
      }),
    ).toThrow(/implements openvmi-backend-v0, not openvmi-backend-v1/);
  });
});
