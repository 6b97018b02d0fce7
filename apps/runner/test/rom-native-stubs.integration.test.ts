/**
 * Per-call property tests of the vmi-native ROM on x86-core: from random register and memory
 * states, CALLing a call's stub (at a random ROM mapping) has the same architectural effect as the
 * native instruction run inline (or, where the VMI semantics differ from one instruction, as a
 * reference written here), and changes only the registers the call table lets it clobber.
 */
import { buildVmiNativeRom } from '@openvmi/vmi-native';
import {
  clobberedRegisters,
  type GeneralRegister,
  RelocationType,
  VMI_CALLS,
  type VmiCall,
  vmiCallByName,
} from '@openvmi/vmi-spec';
import { Cpu, PhysicalMemory, PortBus } from '@openvmi/x86-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const ROM = buildVmiNativeRom();
const CODE = 0x10000;
const SCRATCH = 0x20000;
const SCRATCH_BYTES = 0x100;
const GDT = 0x30000;
const TSS = 0x31000;
const STACK_TOP = 0x80000;
const REGISTER_INDEX: Record<GeneralRegister, number> = {
  eax: 0,
  ecx: 1,
  edx: 2,
  ebx: 3,
  esp: 4,
  ebp: 5,
  esi: 6,
  edi: 7,
};
const EFLAGS_IF = 0x200;
const SYSTEM_FLAGS = 0x200 | 0x3000 | 0x400 | 0x100; // IF, IOPL, DF, TF
const ROM_ADDRESSES = [0xc0000, 0xc8000, 0xd0000, 0xdf000];

/** A port device that answers a fixed function of the port and logs every access. */
function recordingPorts(log: string[]) {
  const ports = new PortBus();
  for (const base of [0x60, 0x80, 0x3f8]) {
    ports.register(base, 8, {
      read(offset, width) {
        const port = base + offset;
        log.push(`in ${port.toString(16)}/${width}`);
        return ((port * 0x9e3779b1) >>> 0) & (width === 4 ? 0xffffffff : (1 << (width * 8)) - 1);
      },
      write(offset, width, value) {
        log.push(`out ${(base + offset).toString(16)}/${width}=${value.toString(16)}`);
      },
    });
  }
  return ports;
}

interface Inputs {
  readonly registers: readonly number[]; // eax ecx edx ebx esp(ignored) ebp esi edi
  readonly stack: readonly number[]; // [ESP+4], [ESP+8]
  readonly scratch: Uint8Array;
  readonly eflags: number;
}

interface Snapshot {
  readonly reason: string;
  readonly registers: number[];
  /** Mutable so a reference can state the expected flags. */
  eflags: number;
  readonly system: Record<string, number | string>;
  readonly scratch: number[];
  readonly ports: string[];
}

/** A fresh machine in flat ring 0 with the ROM at `romAddress` and a GDT holding a TSS and an LDT. */
function run(code: Uint8Array, inputs: Inputs, romAddress: number): Snapshot {
  const log: string[] = [];
  const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
  memory.mapRom(romAddress, ROM.image);
  const cpu = new Cpu({ memory, ports: recordingPorts(log) });
  cpu.reset();
  cpu.enterFlatProtectedMode({ cpl: 0 });
  // GDT: 1 = 32-bit TSS at TSS (available), 2 = LDT at SCRATCH.
  memory.writeBytes(
    GDT + 8,
    Uint8Array.of(0x67, 0, TSS & 0xff, (TSS >> 8) & 0xff, (TSS >> 16) & 0xff, 0x89, 0, 0),
  );
  memory.writeBytes(GDT + 16, Uint8Array.of(0x0f, 0, 0, 0, 0x02, 0x82, 0, 0));
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = 0x1f;
  memory.writeBytes(SCRATCH, inputs.scratch);
  memory.writeBytes(CODE, code);
  for (const [index, value] of inputs.registers.entries()) cpu.registers32[index] = value;
  cpu.registers32[4] = STACK_TOP - 12;
  // At the stub's entry ESP = STACK_TOP - 16 (return address): [ESP+4] and [ESP+8] are these.
  memory.write32(STACK_TOP - 12, inputs.stack[0]);
  memory.write32(STACK_TOP - 8, inputs.stack[1]);
  // The P6 performance counters (40 bits), for RDPMC.
  cpu.msrs.set(0xc1, BigInt(inputs.stack[0]) | (BigInt(inputs.registers[5] & 0xff) << 32n));
  cpu.msrs.set(0xc2, BigInt(inputs.stack[1]) | (BigInt(inputs.registers[6] & 0xff) << 32n));
  cpu.setFlags(inputs.eflags);
  cpu.eip = CODE;
  const result = cpu.run(200);
  return {
    reason: result.reason,
    registers: [...cpu.registers32],
    eflags: cpu.getFlags(),
    system: {
      cr0: cpu.cr0,
      cr2: cpu.cr2,
      cr3: cpu.cr3,
      cr4: cpu.cr4,
      dr: [...cpu.debugRegisters].join(','),
      gdtr: `${cpu.gdtrBase}/${cpu.gdtrLimit}`,
      idtr: `${cpu.idtrBase}/${cpu.idtrLimit}`,
      ldtr: cpu.ldtrSelector,
      tr: cpu.trSelector,
      msrs: [...cpu.msrs.entries()].map(([index, value]) => `${index}=${value}`).join(','),
      eip: cpu.eip,
    },
    scratch: [...memory.ram.subarray(SCRATCH, SCRATCH + SCRATCH_BYTES)],
    ports: log,
  };
}

/** `call rel32` to the stub of `call` at `romAddress`, then HLT (at CODE + 5). */
function callStub(call: VmiCall, romAddress: number): Uint8Array {
  const target = romAddress + ROM.relocations[call.number].targetOffset;
  const displacement = (target - (CODE + 5)) | 0;
  const bytes = new Uint8Array(6);
  bytes[0] = 0xe8;
  new DataView(bytes.buffer).setInt32(1, displacement, true);
  bytes[5] = 0xf4;
  return bytes;
}

/** How the native side of one call is expressed. */
interface NativeCase {
  /** The native instruction bytes, run inline (HLT is appended). */
  readonly native?: readonly number[];
  /** Or: a reference that edits the initial state into the expected one. */
  readonly reference?: (snapshot: Snapshot, inputs: Inputs) => void;
  /** Constrains the random inputs (pointers into scratch, valid register numbers...). */
  readonly constrain?: (inputs: Inputs) => Inputs;
  /** Result registers compared only in their low `width` bytes (the stub zero-extends). */
  readonly resultWidth?: 1 | 2;
  /** Extra instructions retired by the stub may show in a counter (RDTSC): compare with a tolerance. */
  readonly tolerance?: number;
}

const u32 = fc.nat({ max: 0xffffffff });
const withRegisters = (inputs: Inputs, changes: Partial<Record<GeneralRegister, number>>): Inputs => {
  const registers = [...inputs.registers];
  for (const [name, value] of Object.entries(changes))
    registers[REGISTER_INDEX[name as GeneralRegister]] = value >>> 0;
  return { ...inputs, registers };
};
const pointer = (value: number) => SCRATCH + (value % (SCRATCH_BYTES / 8 - 1)) * 8;
const inputPort = (value: number) => [0x80, 0x3f8, 0x3fc][value % 3];
const stringIo = (inputs: Inputs): Inputs =>
  withRegisters(inputs, {
    ecx: inputs.registers[1] % 8,
    edx: inputPort(inputs.registers[2]),
    esi: SCRATCH + 0x40,
    edi: SCRATCH + 0x80,
  });
const safeCr0 = (value: number) => (value & 0x0005002e) | 0x11; // MP EM TS NE WP AM, with PE and ET
const safeCr4 = (value: number) => value & 0x0000009c; // TSD DE PSE PGE

const CASES: Record<string, NativeCase> = {
  CPUID: { native: [0x0f, 0xa2], constrain: (i) => withRegisters(i, { eax: i.registers[0] % 3 }) },
  WRMSR: {
    native: [0x0f, 0x30],
    constrain: (i) => withRegisters(i, { ecx: 0x174 + (i.registers[1] % 3), edx: 0 }),
  },
  RDPMC: { native: [0x0f, 0x33], constrain: (i) => withRegisters(i, { ecx: i.registers[1] % 2 }) },
  RDMSR: { native: [0x0f, 0x32], constrain: (i) => withRegisters(i, { ecx: 0x174 + (i.registers[1] % 3) }) },
  SetGDT: {
    native: [0x0f, 0x01, 0x10],
    constrain: (i) => withRegisters(i, { eax: pointer(i.registers[0]) }),
  },
  SetIDT: {
    native: [0x0f, 0x01, 0x18],
    constrain: (i) => withRegisters(i, { eax: pointer(i.registers[0]) }),
  },
  GetGDT: {
    native: [0x0f, 0x01, 0x00],
    constrain: (i) => withRegisters(i, { eax: pointer(i.registers[0]) }),
  },
  GetIDT: {
    native: [0x0f, 0x01, 0x08],
    constrain: (i) => withRegisters(i, { eax: pointer(i.registers[0]) }),
  },
  SetLDT: {
    native: [0x0f, 0x00, 0xd0],
    constrain: (i) => withRegisters(i, { eax: i.registers[0] % 2 === 0 ? 0 : 0x10 }),
  },
  SetTR: { native: [0x0f, 0x00, 0xd8], constrain: (i) => withRegisters(i, { eax: 0x08 }) },
  GetLDT: { native: [0x0f, 0x00, 0xc0], resultWidth: 2 },
  GetTR: { native: [0x0f, 0x00, 0xc8], resultWidth: 2 },
  WriteGDTEntry: {
    constrain: (i) => withRegisters(i, { eax: SCRATCH, edx: i.registers[2] % 16 }),
    reference: (s, i) => writeEntry(s, i),
  },
  WriteLDTEntry: {
    constrain: (i) => withRegisters(i, { eax: SCRATCH, edx: i.registers[2] % 16 }),
    reference: (s, i) => writeEntry(s, i),
  },
  WriteIDTEntry: {
    constrain: (i) => withRegisters(i, { eax: SCRATCH, edx: i.registers[2] % 16 }),
    reference: (s, i) => writeEntry(s, i),
  },
  UpdateKernelStack: { native: [] },
  SetCR0: {
    native: [0x0f, 0x22, 0xc0],
    constrain: (i) => withRegisters(i, { eax: safeCr0(i.registers[0]) }),
  },
  SetCR2: { native: [0x0f, 0x22, 0xd0] },
  SetCR3: { native: [0x0f, 0x22, 0xd8] },
  SetCR4: {
    native: [0x0f, 0x22, 0xe0],
    constrain: (i) => withRegisters(i, { eax: safeCr4(i.registers[0]) }),
  },
  GetCR0: { native: [0x0f, 0x20, 0xc0] },
  GetCR2: { native: [0x0f, 0x20, 0xd0] },
  GetCR3: { native: [0x0f, 0x20, 0xd8] },
  GetCR4: { native: [0x0f, 0x20, 0xe0] },
  WBINVD: { native: [0x0f, 0x09] },
  RDTSC: { native: [0x0f, 0x31], tolerance: 8 },
  CLTS: { native: [0x0f, 0x06] },
  EnableInterrupts: { native: [0xfb] },
  DisableInterrupts: { native: [0xfa] },
  GetInterruptMask: { native: [0x9c, 0x58, 0x25, 0x00, 0x02, 0x00, 0x00] }, // pushfd; pop eax; and eax, 0x200
  SetInterruptMask: {
    // VMI semantics: only the IF bit of EAX matters (Linux's native restore_fl is push eax; popfd).
    reference: (s, i) => {
      s.eflags = (s.eflags & ~EFLAGS_IF) | (i.registers[0] & EFLAGS_IF);
    },
  },
  SetPxE: { native: [0x89, 0x02], constrain: (i) => withRegisters(i, { edx: pointer(i.registers[2]) }) },
  SetPxELong: {
    native: [0x89, 0x51, 0x04, 0x89, 0x01], // mov [ecx+4], edx; mov [ecx], eax
    constrain: (i) => withRegisters(i, { ecx: pointer(i.registers[1]) }),
  },
  UpdatePxE: { native: [] },
  UpdatePxELong: { native: [] },
  MachineToPhysical: { native: [] },
  PhysicalToMachine: { native: [] },
  InvalPage: { native: [0x0f, 0x01, 0x38] },
  FlushTLB: {
    native: [0x0f, 0x20, 0xd9, 0x0f, 0x22, 0xd9],
    constrain: (i) => withRegisters(i, { eax: 1 + 2 * (i.registers[0] % 2) }),
  },
  INL: { native: [0xed], constrain: (i) => withRegisters(i, { edx: inputPort(i.registers[2]) }) },
  INB: {
    native: [0xec],
    resultWidth: 1,
    constrain: (i) => withRegisters(i, { edx: inputPort(i.registers[2]) }),
  },
  INW: {
    native: [0x66, 0xed],
    resultWidth: 2,
    constrain: (i) => withRegisters(i, { edx: inputPort(i.registers[2]) }),
  },
  INSL: { native: [0xf3, 0x6d], constrain: stringIo },
  INSB: { native: [0xf3, 0x6c], constrain: stringIo },
  INSW: { native: [0x66, 0xf3, 0x6d], constrain: stringIo },
  OUTL: { native: [0xef], constrain: (i) => withRegisters(i, { edx: inputPort(i.registers[2]) }) },
  OUTB: { native: [0xee], constrain: (i) => withRegisters(i, { edx: inputPort(i.registers[2]) }) },
  OUTW: { native: [0x66, 0xef], constrain: (i) => withRegisters(i, { edx: inputPort(i.registers[2]) }) },
  OUTSL: { native: [0xf3, 0x6f], constrain: stringIo },
  OUTSB: { native: [0xf3, 0x6e], constrain: stringIo },
  OUTSW: { native: [0x66, 0xf3, 0x6f], constrain: stringIo },
  SetIOPLMask: {
    reference: (s, i) => {
      s.eflags = (s.eflags & ~0x3000) | (i.registers[0] & 0x3000);
    },
  },
  IODelay: { native: [0xe6, 0x80] },
};

function writeEntry(snapshot: Snapshot, inputs: Inputs): void {
  const at = (inputs.registers[0] - SCRATCH + inputs.registers[2] * 8) >>> 0;
  const view = new DataView(Uint8Array.from(snapshot.scratch).buffer);
  view.setUint32(at, inputs.registers[1], true);
  view.setUint32(at + 4, inputs.stack[0], true);
  snapshot.scratch.splice(0, SCRATCH_BYTES, ...new Uint8Array(view.buffer));
}

// Debug registers: one case per existing register number.
for (const number of [0, 1, 2, 3, 6, 7]) {
  CASES[`SetDR/${number}`] = {
    native: [0x0f, 0x23, 0xc2 | (number << 3)],
    constrain: (i) => withRegisters(i, { eax: number }),
  };
  CASES[`GetDR/${number}`] = {
    native: [0x0f, 0x21, 0xc0 | (number << 3)],
    constrain: (i) => withRegisters(i, { eax: number }),
  };
}

const inputsArbitrary: fc.Arbitrary<Inputs> = fc.record({
  registers: fc.array(u32, { minLength: 8, maxLength: 8 }),
  stack: fc.array(u32, { minLength: 2, maxLength: 2 }),
  scratch: fc.uint8Array({ minLength: SCRATCH_BYTES, maxLength: SCRATCH_BYTES }),
  // IF and IOPL random, DF clear (string I/O calls assume it), reserved bit 1 set.
  eflags: fc.nat({ max: 0xffff }).map((value) => (value & (0x3000 | 0x200 | 0x8d5)) | 0x2),
});

const compared = (snapshot: Snapshot) => ({
  reason: snapshot.reason,
  system: { ...snapshot.system, eip: 0 },
  scratch: snapshot.scratch,
  ports: snapshot.ports,
});

describe('vmi-native stubs on x86-core', () => {
  it('has a property test for every CALL_REL call the harness can run in flat ring 0', () => {
    const covered = new Set(Object.keys(CASES).map((name) => name.split('/')[0]));
    const untested = VMI_CALLS.filter(
      (call) => ROM.relocations[call.number].type === RelocationType.CallRel && !covered.has(call.name),
    ).map((call) => call.name);
    // Halt, Reboot and Shutdown stop the CPU, and IRET and SYSEXIT (JUMP_REL) leave the caller:
    // each has its own test below.
    expect(untested).toEqual(['Halt', 'Reboot', 'Shutdown']);
  });

  for (const [caseName, nativeCase] of Object.entries(CASES)) {
    const call = vmiCallByName(caseName.split('/')[0]);
    it(`${caseName}: same effect as the native instruction, clobbering only what the convention allows`, () => {
      fc.assert(
        fc.property(inputsArbitrary, fc.constantFrom(...ROM_ADDRESSES), (raw, romAddress) => {
          const inputs = nativeCase.constrain ? nativeCase.constrain(raw) : raw;
          const viaStub = run(callStub(call, romAddress), inputs, romAddress);
          let expected: Snapshot;
          if (nativeCase.native !== undefined) {
            expected = run(Uint8Array.from([...nativeCase.native, 0xf4]), inputs, romAddress);
          } else {
            const unchanged = run(Uint8Array.of(0xf4), inputs, romAddress);
            expected = { ...unchanged, registers: [...unchanged.registers], scratch: [...unchanged.scratch] };
            nativeCase.reference?.(expected, inputs);
          }
          expect(viaStub.reason).toBe('halt');
          expect(compared(viaStub)).toEqual(compared(expected));
          expect(viaStub.eflags & SYSTEM_FLAGS).toBe(expected.eflags & SYSTEM_FLAGS);
          const clobbered = new Set(clobberedRegisters(call));
          for (const [name, index] of Object.entries(REGISTER_INDEX)) {
            const register = name as GeneralRegister;
            if (register === 'esp') {
              expect(viaStub.registers[index], 'esp').toBe(STACK_TOP - 12);
              continue;
            }
            if (!clobbered.has(register)) {
              expect(viaStub.registers[index], `${register} preserved`).toBe(
                withRegisters(inputs, {}).registers[index] >>> 0,
              );
            }
          }
          const isResult = (register: GeneralRegister) =>
            call.result.kind === 'cpuid' ||
            (call.result.kind === 'eax' && register === 'eax') ||
            (call.result.kind === 'edx:eax' && (register === 'eax' || register === 'edx'));
          for (const register of ['eax', 'ebx', 'ecx', 'edx'] as const) {
            if (!isResult(register)) continue;
            const index = REGISTER_INDEX[register];
            const got = viaStub.registers[index];
            const want = expected.registers[index];
            if (nativeCase.resultWidth !== undefined) {
              const bits = nativeCase.resultWidth * 8;
              expect(got >>> bits, `${register} zero-extended`).toBe(0);
              expect(got & ((1 << bits) - 1)).toBe(want & ((1 << bits) - 1));
            } else if (nativeCase.tolerance !== undefined) {
              expect(Math.abs(got - want)).toBeLessThanOrEqual(nativeCase.tolerance);
            } else {
              expect(got, register).toBe(want);
            }
          }
          // String I/O: ECX and the buffer register advance exactly as the native instruction's.
          if (call.clobbers === 'string-io') expect(viaStub.registers).toEqual(expected.registers);
        }),
        { numRuns: 15 },
      );
    });
  }

  /** Runs a call's stub from flat ring 0 until the CPU stops; the CPU stays available to resume. */
  function stoppingRun(call: string, inputs: Inputs, romAddress: number) {
    const log: string[] = [];
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    memory.mapRom(romAddress, ROM.image);
    const cpu = new Cpu({ memory, ports: recordingPorts(log) });
    cpu.reset();
    cpu.enterFlatProtectedMode({ cpl: 0 });
    memory.writeBytes(CODE, callStub(vmiCallByName(call), romAddress));
    for (const [index, value] of inputs.registers.entries()) cpu.registers32[index] = value;
    cpu.registers32[4] = STACK_TOP - 12;
    cpu.setFlags(inputs.eflags);
    cpu.eip = CODE;
    const result = cpu.run(200);
    return { cpu, log, result, registers: [...cpu.registers32] };
  }
  const romRange = (romAddress: number) => (eip: number) =>
    eip >= romAddress && eip < romAddress + ROM.image.length;

  it('Halt: halts with interrupts enabled (sti; hlt) and, once woken, returns with every register kept', () => {
    fc.assert(
      fc.property(inputsArbitrary, fc.constantFrom(...ROM_ADDRESSES), (inputs, romAddress) => {
        const { cpu, log, result, registers } = stoppingRun('Halt', inputs, romAddress);
        expect(result.reason).toBe('halt');
        expect(romRange(romAddress)(cpu.eip)).toBe(true);
        expect(cpu.getFlags() & EFLAGS_IF).toBe(EFLAGS_IF);
        expect(log).toEqual([]);
        // An interrupt handler that returned: the CPU continues after HLT, back to the caller.
        cpu.halted = false;
        expect(cpu.run(200).reason).toBe('halt');
        expect(romRange(romAddress)(cpu.eip)).toBe(false);
        const expected = [...withRegisters(inputs, {}).registers];
        expected[4] = STACK_TOP - 12;
        const clobbered = new Set(clobberedRegisters(vmiCallByName('Halt')));
        for (const [name, index] of Object.entries(REGISTER_INDEX)) {
          if (clobbered.has(name as GeneralRegister)) continue;
          expect(cpu.registers32[index], name).toBe(expected[index] >>> 0);
          if (name !== 'esp') expect(registers[index], `${name} at the halt`).toBe(expected[index] >>> 0);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('Reboot: pulses the reset line through the 8042 (0xFE to port 0x64), then stops for good', () => {
    fc.assert(
      fc.property(inputsArbitrary, fc.constantFrom(...ROM_ADDRESSES), (inputs, romAddress) => {
        const { cpu, log, result } = stoppingRun('Reboot', inputs, romAddress);
        expect(log).toEqual(['out 64/1=fe']);
        expect(result.reason).toBe('halt');
        expect(cpu.getFlags() & EFLAGS_IF).toBe(0);
        cpu.halted = false; // a spurious wake-up (NMI) must not return to the caller
        expect(cpu.run(200).reason).toBe('halt');
        expect(romRange(romAddress)(cpu.eip)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('Shutdown: stops the CPU with interrupts off and never returns', () => {
    fc.assert(
      fc.property(inputsArbitrary, fc.constantFrom(...ROM_ADDRESSES), (inputs, romAddress) => {
        const { cpu, log, result } = stoppingRun('Shutdown', inputs, romAddress);
        expect(log).toEqual([]);
        expect(result.reason).toBe('halt');
        expect(cpu.getFlags() & EFLAGS_IF).toBe(0);
        cpu.halted = false;
        expect(cpu.run(200).reason).toBe('halt');
        expect(romRange(romAddress)(cpu.eip)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  /**
   * The JUMP_REL calls: a `jmp rel32` to the stub (as Linux patches the site) against the native
   * instruction at the site. IRET returns to ring 0 with a random EFLAGS image; SYSEXIT leaves for
   * ring 3, where the HLT at the target raises #GP, intercepted so the state can be compared.
   */
  function jumpRun(code: Uint8Array, romAddress: number, setup: (cpu: Cpu, memory: PhysicalMemory) => void) {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    memory.mapRom(romAddress, ROM.image);
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.reset();
    cpu.enterFlatProtectedMode({ cpl: 0 });
    cpu.intercepts.exceptions.add(13);
    memory.writeBytes(CODE, code);
    memory.write8(CODE + 0x40, 0xf4);
    cpu.eip = CODE;
    setup(cpu, memory);
    const result = cpu.run(100);
    return {
      reason: result.reason,
      exit: result.exit?.kind === 'exception' ? result.exit.vector : -1,
      eip: cpu.eip,
      esp: cpu.registers32[4],
      eflags: cpu.getFlags(),
      cpl: cpu.cpl,
      cs: cpu.segmentSelector[1],
      ss: cpu.segmentSelector[2],
    };
  }
  const jumpTo = (call: string, romAddress: number) => {
    const target = romAddress + ROM.relocations[vmiCallByName(call).number].targetOffset;
    const bytes = new Uint8Array(5);
    bytes[0] = 0xe9;
    new DataView(bytes.buffer).setInt32(1, (target - (CODE + 5)) | 0, true);
    return bytes;
  };

  it('IRET (JUMP_REL): same return, flags and stack as the native IRET', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffff }), fc.constantFrom(...ROM_ADDRESSES), (flags, romAddress) => {
        const image = (flags & 0x0cd5) | 0x202; // arithmetic flags, DF, OF, TF off; IF on
        const setup = (cpu: Cpu, memory: PhysicalMemory) => {
          // GDT entry 1 (selector 0x08): flat 32-bit ring-0 code, for IRET to load CS from.
          memory.write32(GDT + 8, 0x0000ffff);
          memory.write32(GDT + 12, 0x00cf9b00);
          cpu.gdtrBase = GDT;
          cpu.gdtrLimit = 0x0f;
          cpu.registers32[4] = STACK_TOP - 12;
          memory.write32(STACK_TOP - 12, CODE + 0x40);
          memory.write32(STACK_TOP - 8, 0x08);
          memory.write32(STACK_TOP - 4, image);
        };
        const viaStub = jumpRun(jumpTo('IRET', romAddress), romAddress, setup);
        const native = jumpRun(Uint8Array.of(0xcf), romAddress, setup);
        expect(viaStub.reason).toBe('halt');
        expect(viaStub).toEqual(native);
        expect(viaStub.eflags & 0xfff).toBe(image & 0xfff);
      }),
      { numRuns: 15 },
    );
  });

  it('SYSEXIT (JUMP_REL): reaches ring 3 at EDX with ESP = ECX and interrupts enabled, as sti; sysexit', () => {
    fc.assert(
      fc.property(u32, fc.constantFrom(...ROM_ADDRESSES), (userStack, romAddress) => {
        const setup = (cpu: Cpu) => {
          cpu.msrs.set(0x174, 0x08n);
          cpu.setFlags(0x2); // IF off before: the stub must enable it with the exit
          cpu.registers32[2] = CODE + 0x40;
          cpu.registers32[1] = userStack;
        };
        const viaStub = jumpRun(jumpTo('SYSEXIT', romAddress), romAddress, setup);
        const native = jumpRun(Uint8Array.of(0xfb, 0x0f, 0x35), romAddress, setup);
        expect(viaStub).toEqual(native);
        expect(viaStub).toMatchObject({
          reason: 'exit',
          exit: 13,
          cpl: 3,
          cs: 0x1b,
          ss: 0x23,
          esp: userStack,
        });
        expect(viaStub.eflags & EFLAGS_IF).toBe(EFLAGS_IF);
      }),
      { numRuns: 15 },
    );
  });
});
