import { describe, expect, it } from 'vitest';
import { CODE_ADDRESS, DATA_ADDRESS, dword, runProgram, word } from '../../test/core-harness.js';
import type { Cpu } from '../cpu/cpu.js';
import { Register, SegmentRegister } from '../cpu/registers.js';
import type { PortBus } from '../memory/index.js';
import { Vector } from '../system/vectors.js';
import { completeStringInput } from './io.js';

/** A port device that records every access and answers reads from a queue. */
function recordingDevice(ports: PortBus, base: number, count: number, inputs: number[] = []) {
  const accesses: string[] = [];
  ports.register(base, count, {
    read: (offset, width) => {
      accesses.push(`in ${(base + offset).toString(16)}/${width}`);
      return inputs.shift() ?? 0xffffffff;
    },
    write: (offset, width, value) => {
      accesses.push(`out ${(base + offset).toString(16)}/${width}=${value.toString(16)}`);
    },
  });
  return accesses;
}

const PORT = 0x3f8;
/** mov dx, 0x3f8 ; mov esi, DATA ; mov edi, DATA+0x100 ; mov ecx, n */
function prologue(count: number): number[] {
  return [
    0x66,
    0xba,
    ...word(PORT),
    0xbe,
    ...dword(DATA_ADDRESS),
    0xbf,
    ...dword(DATA_ADDRESS + 0x100),
    0xb9,
    ...dword(count),
  ];
}
const PROLOGUE_LENGTH = prologue(0).length;

describe('string I/O without the io intercept', () => {
  it('REP OUTSW writes each element to the port bus and REP INSD stores each input', () => {
    let accesses: string[] = [];
    // rep outsw ; mov ecx, 2 ; rep insd
    const run = runProgram([...prologue(3), 0xf3, 0x66, 0x6f, 0xb9, ...dword(2), 0xf3, 0x6d], {
      setup: (cpu, memory) => {
        memory.writeBytes(DATA_ADDRESS, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
        accesses = recordingDevice(cpu.ports, PORT, 8, [0x11223344, 0x55667788]);
      },
    });
    expect(accesses).toEqual(['out 3f8/2=201', 'out 3f8/2=403', 'out 3f8/2=605', 'in 3f8/4', 'in 3f8/4']);
    expect(run.memory.read32(DATA_ADDRESS + 0x100)).toBe(0x11223344);
    expect(run.memory.read32(DATA_ADDRESS + 0x104)).toBe(0x55667788);
    expect(run.esi).toBe(DATA_ADDRESS + 6);
    expect(run.edi).toBe(DATA_ADDRESS + 0x108);
    expect(run.ecx).toBe(0);
  });

  it('INS checks the destination before reading the port: a fault consumes no input', () => {
    let accesses: string[] = [];
    // insb with ES limited to 0xff and EDI = 0x100 (outside)
    const run = runProgram([...prologue(1), 0x6c], {
      setup: (cpu) => {
        cpu.setSegmentCache(SegmentRegister.Es, 0x10, DATA_ADDRESS, 0x100, 0x00409300);
        cpu.intercepts.exceptions.add(Vector.GeneralProtection);
        accesses = recordingDevice(cpu.ports, PORT, 8, [0x42]);
      },
    });
    // EDI = DATA+0x100, far above the limit.
    expect(run.exit).toEqual({ kind: 'exception', vector: Vector.GeneralProtection, errorCode: 0 });
    expect(accesses).toEqual([]);
  });
});

describe('string I/O with the io intercept', () => {
  const outsAt = CODE_ADDRESS + PROLOGUE_LENGTH;

  it('REP OUTSB exits once per element with the value; nothing reaches the port bus', () => {
    let accesses: string[] = [];
    const first = runProgram([...prologue(3), 0xf3, 0x6e], {
      setup: (cpu, memory) => {
        memory.writeBytes(DATA_ADDRESS, Uint8Array.from([0xa1, 0xa2, 0xa3]));
        accesses = recordingDevice(cpu.ports, PORT, 8);
        cpu.intercepts.io = true;
      },
    });
    const cpu = first.cpu;
    const exits = [first.exit];
    const states = [[cpu.eip, first.ecx, first.esi]];
    for (let index = 0; index < 3; index++) {
      exits.push(cpu.run(1000).exit);
      states.push([cpu.eip, cpu.readRegister(Register.Ecx), cpu.readRegister(Register.Esi)]);
    }
    const element = (value: number) => ({
      kind: 'io',
      port: PORT,
      width: 1,
      direction: 'out',
      value,
      string: true,
      repeat: true,
    });
    expect(exits).toEqual([
      element(0xa1),
      element(0xa2),
      element(0xa3),
      { kind: 'software-interrupt', vector: 0x80 },
    ]);
    // EIP stays at the REP OUTSB while elements remain, then moves past it.
    expect(states.slice(0, 3)).toEqual([
      [outsAt, 2, DATA_ADDRESS + 1],
      [outsAt, 1, DATA_ADDRESS + 2],
      [outsAt + 2, 0, DATA_ADDRESS + 3],
    ]);
    expect(accesses).toEqual([]);
  });

  it('OUTSD without REP exits once, EIP after it, ECX untouched', () => {
    const run = runProgram([...prologue(7), 0x6f], {
      setup: (cpu, memory) => {
        memory.write32(DATA_ADDRESS, 0xcafef00d);
        cpu.intercepts.io = true;
      },
    });
    expect(run.exit).toEqual({
      kind: 'io',
      port: PORT,
      width: 4,
      direction: 'out',
      value: 0xcafef00d,
      string: true,
      repeat: false,
    });
    expect(run.cpu.eip).toBe(outsAt + 1);
    expect(run.ecx).toBe(7);
    expect(run.esi).toBe(DATA_ADDRESS + 4);
  });

  it('REP INSW exits before each element; completeStringInput supplies the value', () => {
    let accesses: string[] = [];
    const first = runProgram([...prologue(2), 0xf3, 0x66, 0x6d], {
      setup: (cpu) => {
        accesses = recordingDevice(cpu.ports, PORT, 8, [0xdead]);
        cpu.intercepts.io = true;
      },
    });
    const cpu = first.cpu;
    const element = { kind: 'io', port: PORT, width: 2, direction: 'in', string: true, repeat: true };
    expect(first.exit).toEqual(element);
    expect([cpu.eip, first.ecx, first.edi]).toEqual([outsAt, 2, DATA_ADDRESS + 0x100]);
    expect(first.memory.read16(DATA_ADDRESS + 0x100)).toBe(0);

    // Resuming without a value exits again at the same element.
    expect(cpu.run(1000).exit).toEqual(element);
    expect(cpu.readRegister(Register.Ecx)).toBe(2);

    completeStringInput(cpu, 0x1234);
    expect(cpu.run(1000).exit).toEqual(element);
    expect([cpu.eip, cpu.readRegister(Register.Ecx), cpu.readRegister(Register.Edi)]).toEqual([
      outsAt,
      1,
      DATA_ADDRESS + 0x102,
    ]);
    completeStringInput(cpu, 0xabcd5678); // wider than the element: truncated to 16 bits
    expect(cpu.run(1000).exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
    expect(cpu.readRegister(Register.Ecx)).toBe(0);
    expect(first.memory.read16(DATA_ADDRESS + 0x100)).toBe(0x1234);
    expect(first.memory.read16(DATA_ADDRESS + 0x102)).toBe(0x5678);
    expect(first.memory.read16(DATA_ADDRESS + 0x104)).toBe(0);
    expect(accesses).toEqual([]);
  });

  it('a supplied value is dropped when the CPU is no longer at that element', () => {
    const first = runProgram([...prologue(1), 0x6c], {
      setup: (cpu) => {
        cpu.intercepts.io = true;
      },
    });
    const cpu = first.cpu;
    completeStringInput(cpu, 0x77);
    cpu.writeRegister(Register.Edi, DATA_ADDRESS + 0x200);
    expect(cpu.run(1000).exit).toMatchObject({ kind: 'io', direction: 'in', string: true });
    expect(first.memory.read8(DATA_ADDRESS + 0x200)).toBe(0);
    completeStringInput(cpu, 0x77);
    expect(cpu.run(1000).exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
    expect(first.memory.read8(DATA_ADDRESS + 0x200)).toBe(0x77);
  });

  it('REP with ECX = 0 performs and reports no access', () => {
    const run = runProgram([...prologue(0), 0xf3, 0x6c, 0xf3, 0x6e], {
      setup: (cpu) => {
        cpu.intercepts.io = true;
      },
    });
    expect(run.exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
  });
});

/** A 32-bit TSS at 0x30000 whose bitmap (at 0x68) allows only ports 0x100 and 0x101. */
function setUpBitmap(cpu: Cpu): void {
  const tss = 0x30000;
  const memory = cpu.memory;
  memory.write16(tss + 0x66, 0x68);
  memory.writeBytes(tss + 0x68, new Uint8Array(0x2001).fill(0xff));
  memory.write8(tss + 0x68 + (0x100 >>> 3), 0xfc);
  cpu.trSelector = 0x28;
  cpu.trBase = tss;
  cpu.trLimit = 0x68 + 0x2000;
  cpu.trFlags = 0x8b00; // busy 32-bit TSS
  cpu.intercepts.exceptions.add(Vector.GeneralProtection);
}

describe('string I/O permission (CPL 3 > IOPL 0: TSS bitmap)', () => {
  // mov dx, port ; mov esi, DATA ; mov edi, DATA+0x100 ; <instruction>
  function runAt(port: number, instruction: number[], intercept = false) {
    return runProgram(
      [
        0x66,
        0xba,
        ...word(port),
        0xbe,
        ...dword(DATA_ADDRESS),
        0xbf,
        ...dword(DATA_ADDRESS + 0x100),
        ...instruction,
      ],
      {
        mode: 'flat32-user',
        setup: (cpu) => {
          setUpBitmap(cpu);
          cpu.intercepts.io = intercept;
        },
      },
    );
  }
  const allowed = { kind: 'software-interrupt', vector: 0x80 };
  const denied = { kind: 'exception', vector: Vector.GeneralProtection, errorCode: 0 };

  it.each([
    ['OUTSB 0x101', 0x101, [0x6e], allowed],
    ['OUTSB 0x102', 0x102, [0x6e], denied],
    ['OUTSW 0x100', 0x100, [0x66, 0x6f], allowed],
    ['OUTSW 0x101 (0x102 denied)', 0x101, [0x66, 0x6f], denied],
    ['OUTSD 0x100 (0x102, 0x103 denied)', 0x100, [0x6f], denied],
    ['INSB 0x100', 0x100, [0x6c], allowed],
    ['INSW 0x101 (0x102 denied)', 0x101, [0x66, 0x6d], denied],
    ['INSD 0x0fe (0x0fe, 0x0ff denied)', 0xfe, [0x6d], denied],
    ['REP INSD 0x100', 0x100, [0xb9, ...dword(4), 0xf3, 0x6d], denied],
  ])('%s', (_name, port, instruction, expected) => {
    expect(runAt(port, instruction).exit).toEqual(expected);
  });

  it('a denied port faults before any intercept exit', () => {
    expect(runAt(0x102, [0x6e], true).exit).toEqual(denied);
    expect(runAt(0x101, [0x6e], true).exit).toMatchObject({ kind: 'io', port: 0x101, string: true });
  });
});

describe('string I/O and DR0-DR3 I/O breakpoints (CR4.DE)', () => {
  it.each([
    ['OUTSB', [0x6e]],
    ['REP INSW', [0xf3, 0x66, 0x6d]],
  ])('%s on a watched port raises a #DB trap after the instruction with B0 in DR6', (_name, instruction) => {
    const run = runProgram([...prologue(2), ...instruction], {
      setup: (cpu) => {
        cpu.cr4 |= 0x8; // DE
        cpu.debugRegisters[0] = PORT;
        cpu.debugRegisters[7] = 0x00020001; // L0, R/W0 = 10 (I/O), LEN0 = 1 byte
        cpu.intercepts.exceptions.add(Vector.Debug);
      },
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: Vector.Debug });
    expect(run.cpu.eip).toBe(CODE_ADDRESS + PROLOGUE_LENGTH + instruction.length);
    expect(run.cpu.debugRegisters[6]! & 1).toBe(1);
  });
});
