/**
 * The APIC wiring of the PC: ISA IRQs through the I/O APIC and local APIC to a CPU vector,
 * the 8259 through LINT0 (ExtINT), the local APIC timer on virtual time (and the HLT idle skip),
 * CPUID/IA32_APIC_BASE as the CPU sees them, and the MADT. Each test runs hand-assembled 32-bit
 * code on the machine's CPU (flat protected mode, IDT at 0x2000, code at 0x1000).
 */
import { describe, expect, it } from 'vitest';
import type { MachineConfig } from './machine-config.js';
import { createMachine, type Machine, type MachineStop } from './pc-machine.js';

const CODE = 0x1000;
const IDT = 0x2000;
const GDT = 0x3000;
const DATA = 0x5000;
const UNEXPECTED = 0x5100;
const STACK = 0x8000; // grows down below the handlers
const LAPIC = 0xfee00000;
const IOAPIC = 0xfec00000;

const base: MachineConfig = {
  memoryMiB: 16,
  commandLine: '',
  backend: 'none',
  deterministic: true,
  maxInstructions: 50_000_000,
  noReboot: true,
  isaDebugExit: true,
  serialOutput: () => {},
  bios: (() => {
    const image = new Uint8Array(4096).fill(0xf4); // never runs: the tests enter protected mode
    return image;
  })(),
};

const le32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
/** mov dword [address], imm32 */
const store = (address: number, value: number) => [0xc7, 0x05, ...le32(address), ...le32(value)];
/** mov al, status ; out 0xF4, al (isa-debug-exit: the run ends with (status << 1) | 1) */
const exitWith = (status: number) => [0xb0, status, 0xe6, 0xf4];
/** mov al, value ; out port, al */
const outByte = (port: number, value: number) => [0xb0, value, 0xe6, port];
/** sti ; hlt ; jmp back to the hlt */
const idle = [0xfb, 0xf4, 0xeb, 0xfd];
/** mov dword [LAPIC + 0xB0], 0 (EOI) */
const lapicEoi = store(LAPIC + 0xb0, 0);
/** Program PIT channel 0 in mode 2 with `count`. */
const pitPeriodic = (count: number) => [
  ...outByte(0x43, 0x34),
  ...outByte(0x40, count & 0xff),
  ...outByte(0x40, count >> 8),
];

/**
 * A machine running `code` at CODE in flat ring 0 with IF clear, and `handlers` (vector → code)
 * installed as interrupt gates.
 */
function prepare(
  config: Partial<MachineConfig>,
  code: number[],
  handlers: Record<number, number[]>,
): Machine {
  const machine = createMachine({ ...base, ...config });
  const { cpu, memory } = machine;
  cpu.enterFlatProtectedMode({ cpl: 0, gdtAddress: GDT });
  cpu.setFlags(0x2);
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 256 * 8 - 1;
  let handlerAddress = 0x8000;
  for (let vector = 0; vector < 256; vector++) {
    // An unexpected vector v ends the run with status 0x77 and v at UNEXPECTED.
    const stub = 0x6000 + vector * 16;
    memory.write32(IDT + vector * 8, (0x08 << 16) | stub);
    memory.write32(IDT + vector * 8 + 4, 0x8e00);
    memory.writeBytes(stub, Uint8Array.from([...store(UNEXPECTED, vector), ...exitWith(0x77)]));
  }
  for (const [vector, body] of Object.entries(handlers)) {
    memory.write32(IDT + Number(vector) * 8, (0x08 << 16) | (handlerAddress & 0xffff));
    memory.write32(IDT + Number(vector) * 8 + 4, (handlerAddress & 0xffff0000) | 0x8e00);
    memory.writeBytes(handlerAddress, Uint8Array.from(body));
    handlerAddress += 0x100;
  }
  memory.writeBytes(CODE, Uint8Array.from(code));
  cpu.eip = CODE;
  cpu.registers32[4] = STACK; // ESP
  return machine;
}

function run(machine: Machine): MachineStop {
  let stop: MachineStop | undefined;
  while (stop === undefined) stop = machine.runSlice(1_000_000);
  if (stop.kind === 'debug-exit' && stop.status === ((0x77 << 1) | 1))
    throw new Error(
      `unexpected vector ${machine.memory.read32(UNEXPECTED)} at ${machine.cpu.eip.toString(16)}`,
    );
  return stop;
}

const debugExit = (status: number): MachineStop => ({ kind: 'debug-exit', status: (status << 1) | 1 });

describe('the PC with APICs', () => {
  it('routes ISA IRQ0 (PIT) through I/O APIC pin 2 and the local APIC to the CPU vector', () => {
    const machine = prepare(
      {},
      [
        ...store(LAPIC + 0xf0, 0x1ff), // SVR: software enable, spurious vector 0xFF
        ...store(LAPIC + 0x350, 0x10700), // LINT0 masked (as Linux in APIC mode)
        ...store(IOAPIC, 0x10 + 2 * 2), // IOREGSEL: redirection entry 2, low dword
        ...store(IOAPIC + 0x10, 0x41), // vector 0x41, fixed, edge, unmasked
        ...pitPeriodic(11932),
        ...idle,
      ],
      { 65: exitWith(0x41) },
    );
    expect(run(machine)).toEqual(debugExit(0x41));
    expect(machine.localApic?.read(0x100 + 0x20, 4)).toBe(1 << 1); // ISR: 0x41 in service
  });

  it('re-delivers a level-triggered pin after each EOI while its line stays asserted', () => {
    // Pin 2 in level mode: the PIT's mode-2 OUT is high almost all the time, so each EOI
    // broadcast (vector 0x42 is level in TMR) finds the pin asserted and delivers it again.
    const machine = prepare(
      {},
      [
        ...store(LAPIC + 0xf0, 0x1ff),
        ...store(LAPIC + 0x350, 0x10700),
        ...store(IOAPIC, 0x10 + 2 * 2),
        ...store(IOAPIC + 0x10, 0x8042), // vector 0x42, level
        ...pitPeriodic(11932),
        ...idle,
      ],
      {
        66: [
          0xff,
          0x05,
          ...le32(DATA), // inc dword [DATA]
          ...lapicEoi,
          0x83,
          0x3d,
          ...le32(DATA),
          3, // cmp dword [DATA], 3
          0x75,
          4, // jne +4
          ...exitWith(0x42),
          0xcf, // iretd
        ],
      },
    );
    expect(run(machine)).toEqual(debugExit(0x42));
    expect(machine.memory.read32(DATA)).toBe(3);
  });

  it('passes the 8259 through LINT0 in ExtINT mode (virtual wire) with the APIC untouched', () => {
    const init8259 = [
      ...outByte(0x20, 0x11),
      ...outByte(0x21, 0x50), // master vectors 0x50-0x57
      ...outByte(0x21, 0x04),
      ...outByte(0x21, 0x01),
      ...outByte(0xa0, 0x11),
      ...outByte(0xa1, 0x58),
      ...outByte(0xa1, 0x02),
      ...outByte(0xa1, 0x01),
      ...outByte(0x21, 0xfe), // only IRQ0
      ...outByte(0xa1, 0xff),
    ];
    for (const apic of [true, false]) {
      const machine = prepare({ apic }, [...init8259, ...pitPeriodic(11932), ...idle], {
        80: exitWith(0x50),
      });
      expect(run(machine), `apic ${apic}`).toEqual(debugExit(0x50));
      expect(machine.localApic === undefined).toBe(!apic);
    }
  });

  it('fires the local APIC timer once in one-shot mode at the programmed virtual time, skipping HLT', () => {
    const machine = prepare(
      {},
      [
        ...store(LAPIC + 0xf0, 0x1ff),
        ...store(LAPIC + 0x3e0, 0xb), // divide by 1: one count per ns
        ...store(LAPIC + 0x320, 0x43), // LVT timer: one-shot, vector 0x43
        ...store(LAPIC + 0x380, 2_000_000), // initial count: 2 ms
        ...idle,
      ],
      { 67: exitWith(0x43) },
    );
    expect(run(machine)).toEqual(debugExit(0x43));
    const { instructions, virtualNanoseconds } = machine.statistics();
    expect(instructions).toBeLessThan(100);
    expect(virtualNanoseconds).toBeGreaterThanOrEqual(2_000_000);
    expect(virtualNanoseconds).toBeLessThan(2_000_100);
    expect(machine.localApic?.read(0x390, 4)).toBe(0); // current count
  });

  it('fires the local APIC timer every period in periodic mode, skipping HLT between ticks', () => {
    const machine = prepare(
      {},
      [
        ...store(LAPIC + 0xf0, 0x1ff),
        ...store(LAPIC + 0x3e0, 0x3), // divide by 16
        ...store(LAPIC + 0x320, 0x20044), // periodic, vector 0x44
        ...store(LAPIC + 0x380, 62_500), // 1 ms
        ...idle,
      ],
      {
        68: [
          0xff,
          0x05,
          ...le32(DATA), // inc dword [DATA]
          ...lapicEoi,
          0x83,
          0x3d,
          ...le32(DATA),
          5, // cmp dword [DATA], 5
          0x75,
          4, // jne +4
          ...exitWith(0x44),
          0xcf, // iretd
        ],
      },
    );
    expect(run(machine)).toEqual(debugExit(0x44));
    expect(machine.memory.read32(DATA)).toBe(5);
    const { instructions, virtualNanoseconds } = machine.statistics();
    expect(instructions).toBeLessThan(200);
    expect(virtualNanoseconds).toBeGreaterThanOrEqual(5_000_000);
    expect(virtualNanoseconds).toBeLessThan(5_000_200);
  });

  it('ends the slice when the timer is armed, so a short count is not overrun', () => {
    // A busy loop (no HLT): the timer must still interrupt at its deadline, not a slice later.
    const machine = prepare(
      {},
      [
        ...store(LAPIC + 0xf0, 0x1ff),
        ...store(LAPIC + 0x3e0, 0xb),
        ...store(LAPIC + 0x320, 0x45),
        ...store(LAPIC + 0x380, 1000),
        0xfb, // sti
        0xeb,
        0xfe, // jmp $
      ],
      { 69: exitWith(0x45) },
    );
    expect(run(machine)).toEqual(debugExit(0x45));
    expect(machine.statistics().instructions).toBeLessThan(1000 + 200);
  });

  it('advertises the APIC in CPUID and reaches it through IA32_APIC_BASE; refuses relocation with #GP', () => {
    const code = [
      0xb8,
      ...le32(1), // mov eax, 1
      0x0f,
      0xa2, // cpuid
      0x89,
      0x15,
      ...le32(DATA), // mov [DATA], edx
      0x89,
      0x1d,
      ...le32(DATA + 4), // mov [DATA + 4], ebx
      0xb9,
      ...le32(0x1b), // mov ecx, 0x1B
      0x0f,
      0x32, // rdmsr
      0xa3,
      ...le32(DATA + 8), // mov [DATA + 8], eax
      0xb8,
      ...le32(0xfed00900), // mov eax, 0xFED00900 (another base)
      0x31,
      0xd2, // xor edx, edx
      0x0f,
      0x30, // wrmsr: #GP
      ...exitWith(0x01),
    ];
    const gp = exitWith(0x0d);
    const machine = prepare({}, code, { 13: gp });
    expect(run(machine)).toEqual(debugExit(0x0d));
    expect(machine.memory.read32(DATA) & (1 << 9)).toBe(1 << 9);
    expect(machine.memory.read32(DATA + 4) >>> 24).toBe(0);
    expect(machine.memory.read32(DATA + 8)).toBe(0xfee00900);

    const plain = prepare({ apic: false }, [...code.slice(0, 13), ...exitWith(0x02)], {});
    expect(run(plain)).toEqual(debugExit(0x02));
    expect(plain.memory.read32(DATA) & (1 << 9)).toBe(0);
  });

  it('hides the APIC from CPUID once IA32_APIC_BASE disables it, and the 8259 then reaches the CPU', () => {
    const code = [
      0xb9,
      ...le32(0x1b), // mov ecx, 0x1B
      0xb8,
      ...le32(0xfee00000), // mov eax, 0xFEE00000 (enable bit clear)
      0x31,
      0xd2, // xor edx, edx
      0x0f,
      0x30, // wrmsr
      0xb8,
      ...le32(1),
      0x0f,
      0xa2, // cpuid
      0x89,
      0x15,
      ...le32(DATA), // mov [DATA], edx
      ...exitWith(0x03),
    ];
    const machine = prepare({}, code, {});
    expect(run(machine)).toEqual(debugExit(0x03));
    expect(machine.memory.read32(DATA) & (1 << 9)).toBe(0);
    expect(machine.localApic?.readBaseMsr()).toBe(0xfee00100);
  });

  it('never lets guest MMIO at odd offsets or widths reach the host as an exception', () => {
    const machine = prepare({}, [], {});
    for (const address of [
      LAPIC,
      LAPIC + 1,
      LAPIC + 0x3ff,
      LAPIC + 0xffc,
      IOAPIC + 4,
      IOAPIC + 0x11,
      IOAPIC + 0xffe,
    ]) {
      for (const width of [1, 2, 4] as const) {
        if ((address & 0xfff) + width > 0x1000) continue;
        const { memory } = machine;
        const write = width === 1 ? memory.write8 : width === 2 ? memory.write16 : memory.write32;
        const read = width === 1 ? memory.read8 : width === 2 ? memory.read16 : memory.read32;
        expect(() => write.call(memory, address, 0xffffffff)).not.toThrow();
        expect(() => read.call(memory, address)).not.toThrow();
      }
    }
  });
});

describe('the machine loop', () => {
  it('wakes a HLT whose timer expired within the slice instead of reporting idle-forever', () => {
    // The PIT is programmed mid-slice (mode 0, ~84 µs), a 200k-instruction loop overruns it,
    // then HLT: the expired count's IRQ0 is pending and must wake the CPU.
    const init8259 = [
      ...outByte(0x20, 0x11),
      ...outByte(0x21, 0x50),
      ...outByte(0x21, 0x04),
      ...outByte(0x21, 0x01),
      ...outByte(0x21, 0xfe),
    ];
    const code = [
      ...init8259,
      ...outByte(0x43, 0x30), // channel 0, lobyte/hibyte, mode 0
      ...outByte(0x40, 100),
      ...outByte(0x40, 0),
      0xb9,
      ...le32(200_000), // mov ecx, 200000
      0xe2,
      0xfe, // loop $
      ...idle,
    ];
    for (const apic of [true, false]) {
      const machine = prepare({ apic }, code, { 80: exitWith(0x50) });
      expect(run(machine), `apic ${apic}`).toEqual(debugExit(0x50));
    }
  });
});

/** The ACPI tables as the guest finds them: RSDP at 0xF0000 → RSDT → tables by signature. */
function acpiTables(machine: Machine): Map<string, { address: number; length: number }> {
  const { memory } = machine;
  const ascii = (address: number, length: number) =>
    String.fromCharCode(...Array.from({ length }, (_, index) => memory.read8(address + index)));
  expect(ascii(0xf0000, 8)).toBe('RSD PTR ');
  const rsdt = memory.read32(0xf0000 + 16);
  const tables = new Map<string, { address: number; length: number }>();
  const count = (memory.read32(rsdt + 4) - 36) / 4;
  for (let index = 0; index < count; index++) {
    const address = memory.read32(rsdt + 36 + index * 4);
    tables.set(ascii(address, 4), { address, length: memory.read32(address + 4) });
  }
  return tables;
}

describe('the MADT', () => {
  it('lists the local APIC, the I/O APIC, the IRQ0, SCI and PCI IRQ 10/11 overrides and LINT1 NMI, with a valid checksum', () => {
    const machine = createMachine(base);
    const madt = acpiTables(machine).get('APIC');
    expect(madt).toBeDefined();
    const { address, length } = madt!;
    const bytes = Array.from({ length }, (_, index) => machine.memory.read8(address + index));
    expect(bytes.reduce((sum, byte) => (sum + byte) & 0xff, 0)).toBe(0);
    expect(machine.memory.read32(address + 36)).toBe(LAPIC);
    const entries: number[][] = [];
    for (let offset = 44; offset < length; offset += bytes[offset + 1]) {
      entries.push(bytes.slice(offset, offset + bytes[offset + 1]));
    }
    expect(entries).toEqual([
      [0, 8, 0, 0, 1, 0, 0, 0], // processor 0, APIC id 0, enabled
      [1, 12, 0, 0, ...le32(IOAPIC), 0, 0, 0, 0], // I/O APIC id 0 at 0xFEC00000, GSI base 0
      [2, 10, 0, 0, 2, 0, 0, 0, 0, 0], // ISA IRQ0 → GSI 2
      [2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0], // SCI: GSI 9, active high, level
      [2, 10, 0, 10, 10, 0, 0, 0, 0x0d, 0], // PCI IRQ 10 (the DSDT _PRT): active high, level
      [2, 10, 0, 11, 11, 0, 0, 0, 0x0d, 0], // PCI IRQ 11
      [4, 6, 0xff, 0, 0, 1], // NMI on LINT1 of every processor
    ]);
    const fadt = acpiTables(machine).get('FACP')!;
    expect(machine.memory.read8(fadt.address + 44)).toBe(1); // INT_MODEL: APIC
  });

  it('is absent without APICs', () => {
    const machine = createMachine({ ...base, apic: false });
    expect([...acpiTables(machine).keys()]).toEqual(['FACP']);
  });
});
