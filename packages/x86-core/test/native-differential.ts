/**
 * Differential check of the integer ISA against the host CPU: a seeded generator builds many
 * one-instruction cases (random registers and flags in, registers and flags out), packs them into
 * a static i386 ELF (written here byte by byte: no toolchain needed) that runs natively on an
 * x86-64 Linux host with IA-32 support (or under qemu-i386), and into our Cpu in flat mode. Flags
 * the SDM leaves undefined for an instruction are masked per case.
 */

import { Cpu, PhysicalMemory, PortBus, Register } from '../src/index.js';

/** Where the program is loaded (ELF p_vaddr). */
export const LOAD_ADDRESS = 0x08048000;
const HEADER_SIZE = 0x54; // ELF header (0x34) + one program header (0x20)
/** Each case stores 9 dwords (EAX..EDI with ESP slot, EFLAGS). */
const RECORD_DWORDS = 9 + 16;
/** Bytes of the data area every case may address (initialized per case, dumped after it). */
const DATA_BYTES = 64;
const ARITHMETIC = 0x8d5;

/** One generated case. */
export interface DifferentialCase {
  /** Assembly-like description for failure messages. */
  text: string;
  /** The instruction bytes under test. */
  bytes: number[];
  /** Input registers EAX..EDI (ESP is ignored: the harness owns the stack). */
  registers: number[];
  /** Input arithmetic flags. */
  flags: number;
  /** Flags left undefined by the SDM for this case (masked). */
  undefinedFlags: number;
  /** Initial contents of the 64-byte data area (16 dwords). */
  data: number[];
  /** ESP when the instruction starts (stack cases point it into the data area), else the harness stack. */
  stackPointer?: number;
}

/** Absolute address of the data area, fixed for all cases (set by buildProgram before generation is used). */
export const DATA_ADDRESS = 0x08800000;

/** The r/m operand bytes: the register form, or (one time in three) an absolute memory operand in the data area. */
function operand(random: Random, modrm: number): number[] {
  if (random.below(3) !== 0) return [modrm];
  const offset = random.below(DATA_BYTES - 8);
  return [(modrm & 0x38) | 0x05, ...dword(DATA_ADDRESS + offset)];
}

/** A small deterministic PRNG (mulberry32). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  below(limit: number): number {
    return this.next32() % limit;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)];
  }
  /** Interesting 32-bit values: edges more often than uniform ones. */
  value(): number {
    const edges = [
      0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
      0xfffffffe,
    ];
    const roll = this.below(4);
    if (roll === 0) return this.pick(edges);
    if (roll === 1) return this.below(0x100);
    return this.next32();
  }
}

const OF = 0x800;
const SF = 0x80;
const ZF = 0x40;
const AF = 0x10;
const PF = 0x4;
const CF = 0x1;

/** Registers a case may use as operands (ESP excluded: the harness owns the stack). */
const USABLE = [0, 1, 2, 3, 5, 6, 7];

function modrmRegisters(random: Random, reg: number | null = null): [number, number, number] {
  const regField = reg ?? random.pick(USABLE);
  const rm = random.pick(USABLE);
  return [0xc0 | (regField << 3) | rm, regField, rm];
}

/** Generates one case. */
export function generateCase(random: Random): DifferentialCase {
  const registers = Array.from({ length: 8 }, () => random.value());
  const data = Array.from({ length: DATA_BYTES / 4 }, () => random.value());
  const flags = random.next32() & ARITHMETIC;
  const prefix = random.below(4) === 0 ? [0x66] : [];
  const wide = prefix.length === 0;
  const kind = random.below(32);
  let bytes: number[];
  let text: string;
  let undefinedFlags = 0;
  switch (kind) {
    case 0:
    case 1: {
      // ALU r/m, reg (00-3B register forms, byte and full size)
      const op = random.below(8) * 8 + random.below(4);
      const [modrm] = modrmRegisters(random);
      bytes = [...prefix, op, ...operand(random, modrm)];
      text = `alu ${op.toString(16)} /${modrm.toString(16)}`;
      if ((op & 0x38) === 0x08 || (op & 0x38) === 0x20 || (op & 0x38) === 0x30) undefinedFlags = AF;
      break;
    }
    case 2: {
      // Group 1 with immediates (80, 81, 83)
      const op = random.pick([0x80, 0x81, 0x83]);
      const [modrm, reg] = modrmRegisters(random);
      const immediate =
        op === 0x81
          ? wide
            ? [random.below(256), random.below(256), random.below(256), random.below(256)]
            : [random.below(256), random.below(256)]
          : [random.below(256)];
      bytes = [...prefix, op, ...operand(random, modrm), ...immediate];
      text = `grp1 ${op.toString(16)} /${reg}`;
      if (reg === 1 || reg === 4 || reg === 6) undefinedFlags = AF;
      break;
    }
    case 3: {
      // INC/DEC/NEG/NOT
      const [modrm, reg] = modrmRegisters(random, random.below(4));
      if (reg < 2)
        bytes = [...prefix, random.pick([0xfe, 0xff]), ...operand(random, (modrm & 0xcf) | (reg << 3))];
      else bytes = [...prefix, random.pick([0xf6, 0xf7]), ...operand(random, modrm)];
      text = `unary /${reg}`;
      break;
    }
    case 4:
    case 5: {
      // Shifts and rotates: by 1, by CL, by imm8
      const form = random.below(3);
      const size = random.below(2);
      const [modrm, reg] = modrmRegisters(random, random.below(8));
      const count = random.below(3) === 0 ? random.below(64) : random.below(34);
      if (form === 0) bytes = [...prefix, 0xd0 + size, ...operand(random, modrm)];
      else if (form === 1) bytes = [...prefix, 0xd2 + size, ...operand(random, modrm)];
      else bytes = [...prefix, 0xc0 + size, ...operand(random, modrm), count];
      if (form === 1) registers[1] = (registers[1] & ~0xff) | count;
      const effective = form === 0 ? 1 : count & 0x1f;
      text = `shift /${reg} count ${effective}`;
      if (reg >= 4) undefinedFlags = AF | (effective > 1 ? OF : 0);
      else undefinedFlags = effective > 1 ? OF : 0;
      break;
    }
    case 6: {
      // SHLD/SHRD by imm8 and CL
      const op = random.pick([0xa4, 0xa5, 0xac, 0xad]);
      const [modrm] = modrmRegisters(random);
      const count = random.below(32);
      bytes = [...prefix, 0x0f, op, ...operand(random, modrm), ...(op & 1 ? [] : [count])];
      if (op & 1) registers[1] = (registers[1] & ~0xff) | count;
      text = `shxd ${op.toString(16)} count ${count}`;
      undefinedFlags = AF | (count > 1 ? OF : 0);
      if (!wide && count > 16) undefinedFlags = ARITHMETIC; // result itself undefined
      if (!wide && count > 16) return generateCase(random);
      break;
    }
    case 7: {
      // MUL/IMUL one operand, IMUL two and three operands
      const form = random.below(4);
      const [modrm] = modrmRegisters(random);
      if (form === 0)
        bytes = [...prefix, random.pick([0xf6, 0xf7]), ...operand(random, (modrm & 0xc7) | (4 << 3))];
      else if (form === 1)
        bytes = [...prefix, random.pick([0xf6, 0xf7]), ...operand(random, (modrm & 0xc7) | (5 << 3))];
      else if (form === 2) bytes = [...prefix, 0x0f, 0xaf, ...operand(random, modrm)];
      else bytes = [...prefix, 0x6b, ...operand(random, modrm), random.below(256)];
      text = `mul form ${form}`;
      undefinedFlags = SF | ZF | AF | PF;
      break;
    }
    case 8: {
      // DIV/IDIV with a guarded divisor (no #DE)
      const signed = random.below(2) === 1;
      const byte = random.below(2) === 0;
      const divisorRegister = random.pick([3, 5, 6, 7]);
      const size = byte ? 1 : wide ? 4 : 2;
      const divisor = (random.next32() | 1) >>> 0;
      registers[divisorRegister] = divisor;
      // Make the dividend's high part small enough.
      if (size === 4) {
        registers[2] = signed
          ? (registers[0] | 0) < 0
            ? 0xffffffff
            : 0
          : registers[2] % Math.max(1, divisor);
        if (signed && (divisor | 0) === -1) registers[divisorRegister] = 3;
      } else if (size === 2) {
        const divisor16 = divisor & 0xffff;
        registers[2] =
          (registers[2] & ~0xffff) |
          (signed ? ((registers[0] & 0x8000) !== 0 ? 0xffff : 0) : (registers[2] & 0xffff) % divisor16);
        if (signed && divisor16 === 0xffff) registers[divisorRegister] = 3;
      } else {
        const divisor8 = divisor & 0xff;
        registers[0] =
          (registers[0] & ~0xff00) |
          ((signed ? ((registers[0] & 0x80) !== 0 ? 0xff : 0) : ((registers[0] >>> 8) & 0xff) % divisor8) <<
            8);
        if (signed && divisor8 === 0xff) registers[divisorRegister] = 3;
        if (divisorRegister > 3) return generateCase(random); // no byte form of EBP/ESI/EDI
      }
      bytes = [...(byte ? [] : prefix), byte ? 0xf6 : 0xf7, 0xc0 | ((signed ? 7 : 6) << 3) | divisorRegister];
      text = `${signed ? 'idiv' : 'div'} size ${size}`;
      undefinedFlags = ARITHMETIC;
      break;
    }
    case 9: {
      // BCD
      const op = random.pick([0x27, 0x2f, 0x37, 0x3f, 0xd4, 0xd5]);
      bytes = op >= 0xd4 ? [op, 1 + random.below(255)] : [op];
      if (random.below(2) === 0) bytes = op >= 0xd4 ? [op, 10] : [op];
      text = `bcd ${op.toString(16)}`;
      undefinedFlags =
        op === 0x27 || op === 0x2f ? OF : op === 0x37 || op === 0x3f ? OF | SF | ZF | PF : OF | AF | CF;
      break;
    }
    case 10: {
      // BT/BTS/BTR/BTC register forms and 0F BA
      const [modrm] = modrmRegisters(random);
      if (random.below(2) === 0) bytes = [...prefix, 0x0f, random.pick([0xa3, 0xab, 0xb3, 0xbb]), modrm];
      else
        bytes = [
          ...prefix,
          0x0f,
          0xba,
          ...operand(random, (modrm & 0xc7) | ((4 + random.below(4)) << 3)),
          random.below(256),
        ];
      text = 'bt';
      undefinedFlags = OF | SF | AF | PF;
      break;
    }
    case 11: {
      // BSF/BSR
      const [modrm, , rm] = modrmRegisters(random);
      if (random.below(4) === 0) registers[rm] = 0;
      bytes = [...prefix, 0x0f, random.pick([0xbc, 0xbd]), ...operand(random, modrm)];
      text = 'bsf/bsr';
      undefinedFlags = CF | OF | SF | AF | PF;
      // The destination is undefined when the source is 0 (unchanged on Intel and QEMU).
      break;
    }
    case 12: {
      // SETcc / CMOVcc
      const condition = random.below(16);
      const [modrm] = modrmRegisters(random);
      bytes =
        random.below(2) === 0
          ? [0x0f, 0x90 + condition, ...operand(random, modrm & 0xc7)]
          : [...prefix, 0x0f, 0x40 + condition, ...operand(random, modrm)];
      text = `cc ${condition}`;
      break;
    }
    case 13: {
      // XCHG, XADD, CMPXCHG
      const [modrm] = modrmRegisters(random);
      const op = random.pick([[0x86], [0x87], [0x0f, 0xc0], [0x0f, 0xc1], [0x0f, 0xb0], [0x0f, 0xb1]]);
      bytes = [...prefix, ...op, ...operand(random, modrm)];
      text = `xchg-family ${op.map((b) => b.toString(16)).join(' ')}`;
      break;
    }
    case 14: {
      // BSWAP, CBW/CWDE, CWD/CDQ
      const op = random.pick([0x98, 0x99, 0xc8 + random.pick(USABLE)]);
      bytes = op >= 0xc8 ? [0x0f, op] : [...prefix, op];
      text = `conv ${op.toString(16)}`;
      break;
    }
    case 15: {
      // MOVZX/MOVSX
      const [modrm] = modrmRegisters(random);
      bytes = [...prefix, 0x0f, random.pick([0xb6, 0xb7, 0xbe, 0xbf]), ...operand(random, modrm)];
      text = 'movx';
      break;
    }
    case 16: {
      // TEST and MOV register forms
      const [modrm] = modrmRegisters(random);
      bytes = [...prefix, random.pick([0x84, 0x85, 0x88, 0x89, 0x8a, 0x8b]), ...operand(random, modrm)];
      text = 'test/mov';
      undefinedFlags = AF;
      break;
    }
    case 17: {
      // LEA with SIB, 32- and 16-bit addressing
      const reg = random.pick(USABLE);
      const base = random.pick(USABLE);
      const index = random.pick([0, 1, 2, 3, 5, 6, 7, 4]);
      const scale = random.below(4);
      const mod = random.below(3);
      const displacement =
        mod === 1
          ? [random.below(256)]
          : mod === 2
            ? [random.below(256), random.below(256), random.below(256), random.below(256)]
            : [];
      bytes = [
        ...prefix,
        0x8d,
        (mod << 6) | (reg << 3) | 4,
        (scale << 6) | (index << 3) | base,
        ...displacement,
      ];
      if (mod === 0 && base === 5) bytes.push(1, 2, 3, 4);
      text = 'lea';
      break;
    }
    case 18: {
      // flag instructions
      const op = random.pick([0xf5, 0xf8, 0xf9, 0x9e, 0x9f, 0xd6]);
      bytes = [op];
      text = `flag op ${op.toString(16)}`;
      break;
    }
    case 19: {
      // 16-bit addressing LEA
      const reg = random.pick(USABLE);
      const rm = random.below(8);
      const mod = random.below(3);
      const displacement =
        mod === 1
          ? [random.below(256)]
          : mod === 2
            ? [random.below(256), random.below(256)]
            : rm === 6 && mod === 0
              ? [random.below(256), random.below(256)]
              : [];
      bytes = [...prefix, 0x67, 0x8d, (mod << 6) | (reg << 3) | rm, ...displacement];
      text = 'lea16';
      break;
    }
    case 20: {
      // ADC/SBB chains with the incoming CF
      const op = random.pick([0x11, 0x13, 0x19, 0x1b, 0x10, 0x18]);
      const [modrm] = modrmRegisters(random);
      bytes = [...prefix, op, ...operand(random, modrm)];
      text = `adc/sbb ${op.toString(16)}`;
      break;
    }
    case 21: {
      // INC/DEC one-byte forms
      const register = random.pick(USABLE);
      bytes = [...prefix, random.pick([0x40, 0x48]) + register];
      text = 'inc/dec short';
      break;
    }
    case 22: {
      // Rotate through carry with all counts
      const [modrm] = modrmRegisters(random, random.pick([2, 3]));
      const count = random.below(40);
      bytes = [...prefix, random.pick([0xc0, 0xc1]), ...operand(random, modrm), count];
      text = `rcl/rcr count ${count}`;
      undefinedFlags = (count & 0x1f) > 1 ? OF : 0;
      break;
    }
    case 26:
    case 27: {
      // Stack instructions with ESP (and EBP) inside the data area, so pushes are compared
      const stackPointer = DATA_ADDRESS + 32 + 4 * random.below(3);
      registers[5] = DATA_ADDRESS + 24 + 4 * random.below(5); // EBP for ENTER/LEAVE
      const register = random.pick(USABLE);
      const choice = random.below(9);
      const forms: number[][] = [
        [0x50 + register], // push r32
        [0x58 + register], // pop r32
        [0x6a, random.below(256)], // push imm8
        prefix.length > 0 ? [0x68, random.below(256), random.below(256)] : [0x68, ...dword(random.next32())], // push imm16/32
        [0xff, 0x35, ...dword(DATA_ADDRESS + 4 * random.below(8))], // push dword [abs]
        [0x8f, 0x05, ...dword(DATA_ADDRESS + 4 * random.below(8))], // pop dword [abs]
        [random.pick([0x60, 0x61])], // pushad / popad
        [0xc8, random.below(16), 0, random.below(3)], // enter imm16, level 0-2
        [0xc9], // leave
      ];
      bytes = [...prefix, ...forms[choice]];
      if (prefix.length > 0 && choice >= 7) bytes = forms[choice]; // 16-bit ENTER/LEAVE: keep 32-bit
      text = `stack form ${choice}`;
      return {
        text: `${text}: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
        bytes,
        registers,
        flags,
        undefinedFlags,
        data,
        stackPointer,
      };
    }
    case 28: {
      // Jcc (short and near) skipping INC EDI: EDI shows whether the branch was taken
      const condition = random.below(16);
      bytes =
        random.below(2) === 0
          ? [0x70 + condition, 0x01, 0x47]
          : [0x0f, 0x80 + condition, 0x01, 0x00, 0x00, 0x00, 0x47];
      text = `jcc ${condition}`;
      break;
    }
    case 29: {
      // LOOP / LOOPE / LOOPNE / JECXZ with small counts (the branch skips INC EDI)
      registers[1] = random.pick([0, 1, 2, 0xffffffff, random.below(5)]);
      const op = random.pick([0xe0, 0xe1, 0xe2, 0xe3]);
      bytes = [op, 0x01, 0x47];
      text = `loop ${op.toString(16)} ecx=${registers[1]}`;
      break;
    }
    case 30: {
      // BT/BTS/BTR/BTC with a register bit offset into the data area (may reach other dwords)
      const op = random.pick([0xa3, 0xab, 0xb3, 0xbb]);
      const offsetRegister = random.pick([0, 1, 2, 3, 6, 7]);
      registers[offsetRegister] = wide
        ? (random.below(320) - 64) >>> 0
        : (registers[offsetRegister] & 0xffff0000) | ((random.below(320) - 64) & 0xffff);
      bytes = [...prefix, 0x0f, op, 0x05 | (offsetRegister << 3), ...dword(DATA_ADDRESS + 16)];
      text = `bt-memory ${op.toString(16)} offset ${registers[offsetRegister] | 0}`;
      undefinedFlags = OF | SF | AF | PF;
      break;
    }
    case 31: {
      // CMPXCHG8B (equal or not) and XLAT
      if (random.below(2) === 0) {
        const slot = random.below(6);
        if (random.below(2) === 0) {
          registers[0] = data[slot * 2];
          registers[2] = data[slot * 2 + 1];
        }
        bytes = [0x0f, 0xc7, 0x0d, ...dword(DATA_ADDRESS + slot * 8)];
        text = 'cmpxchg8b';
      } else {
        registers[3] = DATA_ADDRESS + random.below(8);
        registers[0] = (registers[0] & ~0xff) | random.below(48);
        bytes = [0xd7];
        text = 'xlat';
      }
      break;
    }
    case 24:
    case 25: {
      // String instructions with and without REP, both directions
      const op = random.pick([0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf]);
      const repeat = random.pick([[], [0xf3], [0xf2]]);
      registers[6] = DATA_ADDRESS + 24 + random.below(4);
      registers[7] = DATA_ADDRESS + 40 - random.below(4);
      registers[1] = random.below(5);
      const direction = random.below(2) === 0 ? 0 : 0x400;
      bytes = [...repeat, ...prefix, op];
      text = `string ${op.toString(16)} df=${direction ? 1 : 0}`;
      if (op === 0xa6 || op === 0xa7 || op === 0xae || op === 0xaf) undefinedFlags = 0;
      return {
        text: `${text}: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
        bytes,
        registers,
        flags: flags | direction,
        undefinedFlags,
        data,
      };
    }
    default: {
      // Group 3 TEST imm
      const [modrm] = modrmRegisters(random);
      bytes =
        random.below(2) === 0
          ? [0xf6, ...operand(random, modrm & 0xc7), random.below(256)]
          : [...prefix, 0xf7, ...operand(random, modrm & 0xc7), ...(wide ? [1, 2, 3, 4] : [1, 2])];
      text = 'test imm';
      undefinedFlags = AF;
      break;
    }
  }
  return {
    text: `${text}: ${bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ')}`,
    bytes,
    registers,
    flags,
    undefinedFlags,
    data,
  };
}

function dword(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** The code of all cases followed by write(1, results, n) and exit(0); returns code and the results address. */
export function buildProgram(cases: readonly DifferentialCase[]): {
  image: Uint8Array;
  resultsAddress: number;
  resultsBytes: number;
} {
  const code: number[] = [];
  const resultsBytes = cases.length * RECORD_DWORDS * 4;
  // Pass 1 to size the code, then place results after it (page aligned).
  const emit = (resultsAddress: number, stackTop: number): number[] => {
    const out: number[] = [];
    cases.forEach((testCase, index) => {
      const record = resultsAddress + index * RECORD_DWORDS * 4;
      out.push(0xbc, ...dword(stackTop)); // mov esp, stackTop
      out.push(0x68, ...dword(testCase.flags | 0x2)); // push flags
      out.push(0x9d); // popfd
      for (let register = 0; register < 8; register++) {
        if (register === 4) continue;
        out.push(0xb8 + register, ...dword(testCase.registers[register])); // mov reg, imm32 (flags unchanged)
      }
      for (let slot = 0; slot < DATA_BYTES / 4; slot++) {
        out.push(0xc7, 0x05, ...dword(DATA_ADDRESS + slot * 4), ...dword(testCase.data[slot])); // mov dword [data+4i], imm32
      }
      out.push(0xbc, ...dword(testCase.stackPointer ?? stackTop)); // mov esp, start ESP (flags unchanged)
      out.push(...testCase.bytes);
      out.push(0x89, 0x25, ...dword(record + 4 * 4)); // mov [record+16], esp
      out.push(0xbc, ...dword(stackTop)); // mov esp, stackTop (flags unchanged)
      out.push(0x9c); // pushfd
      for (let register = 0; register < 8; register++) {
        if (register === 4) continue;
        out.push(0x89, 0x05 | (register << 3), ...dword(record + register * 4)); // mov [record+r*4], reg
      }
      out.push(0x8f, 0x05, ...dword(record + 8 * 4)); // pop dword [record+32]
      for (let slot = 0; slot < DATA_BYTES / 4; slot++) {
        out.push(0xa1, ...dword(DATA_ADDRESS + slot * 4)); // mov eax, [data+4i]
        out.push(0xa3, ...dword(record + (9 + slot) * 4)); // mov [record+36+4i], eax
      }
    });
    // write(1, results, n); exit(0)
    out.push(
      0xb8,
      ...dword(4),
      0xbb,
      ...dword(1),
      0xb9,
      ...dword(resultsAddress),
      0xba,
      ...dword(resultsBytes),
      0xcd,
      0x80,
    );
    out.push(0xb8, ...dword(1), 0x31, 0xdb, 0xcd, 0x80);
    return out;
  };
  const sizing = emit(0, 0);
  const codeEnd = LOAD_ADDRESS + HEADER_SIZE + sizing.length;
  const resultsAddress = (codeEnd + 0xfff) & ~0xfff;
  const stackTop = resultsAddress + resultsBytes + 0x1000;
  for (const byte of emit(resultsAddress, stackTop)) code.push(byte);
  const fileSize = HEADER_SIZE + code.length;
  if (stackTop + 0x100 > DATA_ADDRESS)
    throw new RangeError(
      'buildProgram: too many cases for one program (at most about 15 000; run several seeds)',
    );
  const memorySize = DATA_ADDRESS + DATA_BYTES - LOAD_ADDRESS;
  const image = new Uint8Array(fileSize);
  const view = new DataView(image.buffer);
  image.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]);
  view.setUint16(16, 2, true); // ET_EXEC
  view.setUint16(18, 3, true); // EM_386
  view.setUint32(20, 1, true);
  view.setUint32(24, LOAD_ADDRESS + HEADER_SIZE, true); // entry
  view.setUint32(28, 0x34, true); // phoff
  view.setUint16(40, 0x34, true); // ehsize
  view.setUint16(42, 0x20, true); // phentsize
  view.setUint16(44, 1, true); // phnum
  view.setUint32(0x34, 1, true); // PT_LOAD
  view.setUint32(0x38, 0, true); // offset
  view.setUint32(0x3c, LOAD_ADDRESS, true); // vaddr
  view.setUint32(0x40, LOAD_ADDRESS, true); // paddr
  view.setUint32(0x44, fileSize, true); // filesz
  view.setUint32(0x48, memorySize, true); // memsz
  view.setUint32(0x4c, 7, true); // RWX
  view.setUint32(0x50, 0x1000, true); // align
  image.set(code, HEADER_SIZE);
  return { image, resultsAddress, resultsBytes };
}

/** Runs the program image in our Cpu (flat, CPL 3) and returns the bytes it writes to fd 1. */
export function runInEmulator(image: Uint8Array, budget = 50_000_000): Uint8Array {
  const memory = new PhysicalMemory({ ramBytes: 0x08900000 });
  const cpu = new Cpu({ memory, ports: new PortBus() });
  cpu.enterFlatProtectedMode({ cpl: 3 });
  memory.writeBytes(LOAD_ADDRESS, image);
  cpu.eip = LOAD_ADDRESS + HEADER_SIZE;
  cpu.intercepts.softwareInterrupts.add(0x80);
  const chunks: Uint8Array[] = [];
  for (;;) {
    const result = cpu.run(budget);
    if (result.reason !== 'exit' || result.exit?.kind !== 'software-interrupt') {
      throw new Error(`emulator stopped: ${JSON.stringify(result)} at eip ${cpu.eip.toString(16)}`);
    }
    const call = cpu.readRegister(Register.Eax);
    if (call === 1) break;
    if (call === 4) {
      const address = cpu.readRegister(Register.Ecx);
      const length = cpu.readRegister(Register.Edx);
      chunks.push(memory.readBytes(address, length));
      cpu.writeRegister(Register.Eax, length);
    } else {
      throw new Error(`unexpected syscall ${call}`);
    }
  }
  const total = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Compares two result dumps case by case; returns a description of each mismatch. */
export function compareResults(
  cases: readonly DifferentialCase[],
  expected: Uint8Array,
  actual: Uint8Array,
): string[] {
  const mismatches: string[] = [];
  const expectedView = new DataView(expected.buffer, expected.byteOffset, expected.byteLength);
  const actualView = new DataView(actual.buffer, actual.byteOffset, actual.byteLength);
  const names = [
    'eax',
    'ecx',
    'edx',
    'ebx',
    'esp',
    'ebp',
    'esi',
    'edi',
    'eflags',
    ...Array.from({ length: 16 }, (_, slot) => `data+${slot * 4}`),
  ];
  cases.forEach((testCase, index) => {
    const problems: string[] = [];
    for (let slot = 0; slot < RECORD_DWORDS; slot++) {
      const at = (index * RECORD_DWORDS + slot) * 4;
      if (at + 4 > expected.byteLength || at + 4 > actual.byteLength) {
        problems.push('missing output');
        break;
      }
      let want = expectedView.getUint32(at, true);
      let got = actualView.getUint32(at, true);
      if (slot === 8) {
        const mask = ARITHMETIC & ~testCase.undefinedFlags;
        want &= mask;
        got &= mask;
      }
      if (want !== got) problems.push(`${names[slot]} expected ${want.toString(16)} got ${got.toString(16)}`);
    }
    if (problems.length > 0) {
      const inputs = testCase.registers
        .map((value, register) => `${names[register]}=${value.toString(16)}`)
        .join(' ');
      mismatches.push(
        `${testCase.text} [${inputs} flags=${testCase.flags.toString(16)}]: ${problems.join(', ')}`,
      );
    }
  });
  return mismatches;
}
