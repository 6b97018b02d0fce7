import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clobberedRegisters,
  VMI_CALL_COUNT,
  VMI_CALLS,
  VmiCallNumber,
  vmiCall,
  vmiCallByName,
} from './call-table.js';
import { VmiSpecError } from './errors.js';

// Names in number order as Linux's vmi.h / vmi_time.h and vmiCalls.h (v3) give them.
const EXPECTED_NAMES = [
  'CPUID',
  'WRMSR',
  'RDMSR',
  'SetGDT',
  'SetLDT',
  'SetIDT',
  'SetTR',
  'GetGDT',
  'GetLDT',
  'GetIDT',
  'GetTR',
  'WriteGDTEntry',
  'WriteLDTEntry',
  'WriteIDTEntry',
  'UpdateKernelStack',
  'SetCR0',
  'SetCR2',
  'SetCR3',
  'SetCR4',
  'GetCR0',
  'GetCR2',
  'GetCR3',
  'GetCR4',
  'WBINVD',
  'SetDR',
  'GetDR',
  'RDPMC',
  'RDTSC',
  'CLTS',
  'EnableInterrupts',
  'DisableInterrupts',
  'GetInterruptMask',
  'SetInterruptMask',
  'IRET',
  'SYSEXIT',
  'Halt',
  'Reboot',
  'Shutdown',
  'SetPxE',
  'SetPxELong',
  'UpdatePxE',
  'UpdatePxELong',
  'MachineToPhysical',
  'PhysicalToMachine',
  'AllocatePage',
  'ReleasePage',
  'InvalPage',
  'FlushTLB',
  'SetLinearMapping',
  'INL',
  'INB',
  'INW',
  'INSL',
  'INSB',
  'INSW',
  'OUTL',
  'OUTB',
  'OUTW',
  'OUTSL',
  'OUTSB',
  'OUTSW',
  'SetIOPLMask',
  'SetInitialAPState',
  'APICWrite',
  'APICRead',
  'IODelay',
  'GetCycleFrequency',
  'GetCycleCounter',
  'SetAlarm',
  'CancelAlarm',
  'GetWallclockTime',
  'WallclockUpdated',
  'SetCallbacks',
  'SetLazyMode',
];

describe('the VMI call table', () => {
  it('has calls 0-73 in number order with the API 3.0 names', () => {
    expect(VMI_CALL_COUNT).toBe(74);
    expect(VMI_CALLS.map((call) => call.name)).toEqual(EXPECTED_NAMES);
    for (const [index, call] of VMI_CALLS.entries()) expect(call.number).toBe(index);
  });

  it('rejects any number outside 0-73 with a typed error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 74 }),
          fc.integer({ max: -1 }),
          fc.double({ noInteger: true }),
          fc.constant(Number.NaN),
        ),
        (number) => {
          expect(() => vmiCall(number)).toThrow(VmiSpecError);
          try {
            vmiCall(number);
          } catch (error) {
            expect((error as VmiSpecError).code).toBe('unknown-call');
          }
        },
      ),
    );
  });

  it('looks calls up by name and number', () => {
    expect(vmiCallByName('SetCR3').number).toBe(17);
    expect(VmiCallNumber.SetLazyMode).toBe(73);
    expect(vmiCall(66).name).toBe('GetCycleFrequency');
    expect(() => vmiCallByName('SetCr3')).toThrow(/no VMI call is named/);
  });

  it('marks the interrupt-flag calls 29-32 flags-only and IRET/SYSEXIT non-returning', () => {
    for (const number of [29, 30, 31, 32]) expect(vmiCall(number).clobbers).toBe('flags-only');
    expect(VMI_CALLS.filter((call) => call.nonReturning).map((call) => call.number)).toEqual([33, 34]);
    expect(clobberedRegisters(vmiCall(31))).toEqual(['eax']);
    expect(clobberedRegisters(vmiCall(30))).toEqual([]);
    expect(new Set(clobberedRegisters(vmiCall(0)))).toEqual(new Set(['eax', 'ebx', 'ecx', 'edx']));
  });

  it('passes arguments 1-3 in eax, edx, ecx and the rest at [esp+4], [esp+8]', () => {
    const alarm = vmiCall(68);
    expect(alarm.arguments.map((argument) => argument.location)).toEqual([
      { kind: 'register', register: 'eax' },
      { kind: 'register', register: 'edx' },
      { kind: 'register', register: 'ecx' },
      { kind: 'stack', offset: 4 },
      { kind: 'stack', offset: 8 },
    ]);
    expect(vmiCall(11).arguments[3].location).toEqual({ kind: 'stack', offset: 4 });
  });

  it('records where Linux did not define the number', () => {
    const fromV3 = VMI_CALLS.filter((call) => call.source === 'vmi-calls-v3').map((call) => call.number);
    expect(fromV3).toEqual([49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 72]);
  });
});

describe('choices where the facts say UNVERIFIED (documented in README.md)', () => {
  it('passes SetPxELong as EAX low, EDX high, ECX pointer, [ESP+4] flags', () => {
    expect(vmiCall(39).arguments.map((argument) => [argument.name, argument.location])).toEqual([
      ['pte_low', { kind: 'register', register: 'eax' }],
      ['pte_high', { kind: 'register', register: 'edx' }],
      ['pointer', { kind: 'register', register: 'ecx' }],
      ['flags', { kind: 'stack', offset: 4 }],
    ]);
  });

  it('converts addresses in EAX for MachineToPhysical and PhysicalToMachine', () => {
    for (const number of [42, 43]) {
      expect(vmiCall(number).arguments.map((argument) => argument.location)).toEqual([
        { kind: 'register', register: 'eax' },
      ]);
      expect(vmiCall(number).result.kind).toBe('eax');
    }
  });

  it('defines no arguments for SetCallbacks', () => {
    expect(vmiCall(72).arguments).toEqual([]);
    expect(vmiCall(72).note).toContain('UNVERIFIED');
  });
});
