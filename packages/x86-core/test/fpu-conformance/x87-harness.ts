/**
 * Shared pieces of the x87 conformance test: the operation table (kept in sync with
 * x87-oracle.c), a seeded vector generator, the QEMU oracle runner and our emulation of each
 * record through the FPU instruction layer.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fpu, type FpuHost, FpuOutcome } from '../../src/fpu/index.js';

/** Size of one result record. */
export const RESULT_BYTES = 160;

/** Which bytes of the result record an operation defines. */
export type OutputKind =
  | 'st0'
  | 'st0st1'
  | 'fsw'
  | 'flags'
  | 'mem2'
  | 'mem4'
  | 'mem8'
  | 'mem10'
  | 'environment'
  | 'save';

/** Operand generator for the B slot (A is always a random extended value). */
export type OperandKind = 'x80' | 'f32' | 'f64' | 'i16' | 'i32' | 'i64' | 'bcd' | 'none';

/** One x87 operation: its number in x87-oracle.c, the escape bytes we execute and what to compare. */
export interface Operation {
  /** Operation number (record field 0). */
  id: number;
  /** Mnemonic for reports. */
  name: string;
  /** Instructions: [opcode, modrm, linear address of the memory operand]. */
  steps: Array<[number, number, number]>;
  /** Result bytes compared. */
  output: OutputKind;
  /** Operand generator for B. */
  operand: OperandKind;
  /** Transcendental: compared with a tolerance instead of bit-exactly. */
  approximate?: boolean;
}

const OUT = 32; // our emulated memory: record at 0..31, result at 32..191
const reg = (opcode: number, modrm: number): [number, number, number] => [opcode, modrm, 0];
const mem = (opcode: number, digit: number, address: number): [number, number, number] => [
  opcode,
  digit << 3,
  address,
];

/** The operation table. */
export const OPERATIONS: Operation[] = [
  { id: 0, name: 'fadd', steps: [reg(0xd8, 0xc1)], output: 'st0', operand: 'x80' },
  { id: 1, name: 'fsub', steps: [reg(0xd8, 0xe1)], output: 'st0', operand: 'x80' },
  { id: 2, name: 'fsubr', steps: [reg(0xd8, 0xe9)], output: 'st0', operand: 'x80' },
  { id: 3, name: 'fmul', steps: [reg(0xd8, 0xc9)], output: 'st0', operand: 'x80' },
  { id: 4, name: 'fdiv', steps: [reg(0xd8, 0xf1)], output: 'st0', operand: 'x80' },
  { id: 5, name: 'fdivr', steps: [reg(0xd8, 0xf9)], output: 'st0', operand: 'x80' },
  { id: 6, name: 'fprem', steps: [reg(0xd9, 0xf8)], output: 'st0', operand: 'x80' },
  { id: 7, name: 'fprem1', steps: [reg(0xd9, 0xf5)], output: 'st0', operand: 'x80' },
  { id: 8, name: 'fscale', steps: [reg(0xd9, 0xfd)], output: 'st0', operand: 'x80' },
  { id: 9, name: 'fcom', steps: [reg(0xd8, 0xd1)], output: 'fsw', operand: 'x80' },
  { id: 10, name: 'fucom', steps: [reg(0xdd, 0xe1)], output: 'fsw', operand: 'x80' },
  { id: 11, name: 'fcomi', steps: [reg(0xdb, 0xf1)], output: 'flags', operand: 'x80' },
  { id: 12, name: 'fucomi', steps: [reg(0xdb, 0xe9)], output: 'flags', operand: 'x80' },
  { id: 13, name: 'fyl2x', steps: [reg(0xd9, 0xf1)], output: 'st0', operand: 'x80', approximate: true },
  { id: 14, name: 'fyl2xp1', steps: [reg(0xd9, 0xf9)], output: 'st0', operand: 'x80', approximate: true },
  { id: 15, name: 'fpatan', steps: [reg(0xd9, 0xf3)], output: 'st0', operand: 'x80', approximate: true },
  { id: 16, name: 'faddp', steps: [reg(0xde, 0xc1)], output: 'st0', operand: 'x80' },
  { id: 17, name: 'fsubp', steps: [reg(0xde, 0xe9)], output: 'st0', operand: 'x80' },
  { id: 18, name: 'fsubrp', steps: [reg(0xde, 0xe1)], output: 'st0', operand: 'x80' },
  { id: 19, name: 'fdivp', steps: [reg(0xde, 0xf9)], output: 'st0', operand: 'x80' },
  { id: 20, name: 'fdivrp', steps: [reg(0xde, 0xf1)], output: 'st0', operand: 'x80' },
  { id: 21, name: 'fsqrt', steps: [reg(0xd9, 0xfa)], output: 'st0', operand: 'none' },
  { id: 22, name: 'frndint', steps: [reg(0xd9, 0xfc)], output: 'st0', operand: 'none' },
  { id: 23, name: 'fxtract', steps: [reg(0xd9, 0xf4)], output: 'st0st1', operand: 'none' },
  { id: 24, name: 'fxam', steps: [reg(0xd9, 0xe5)], output: 'fsw', operand: 'none' },
  { id: 25, name: 'ftst', steps: [reg(0xd9, 0xe4)], output: 'fsw', operand: 'none' },
  { id: 26, name: 'f2xm1', steps: [reg(0xd9, 0xf0)], output: 'st0', operand: 'none', approximate: true },
  { id: 27, name: 'fsin', steps: [reg(0xd9, 0xfe)], output: 'st0', operand: 'none', approximate: true },
  { id: 28, name: 'fcos', steps: [reg(0xd9, 0xff)], output: 'st0', operand: 'none', approximate: true },
  { id: 29, name: 'fptan', steps: [reg(0xd9, 0xf2)], output: 'st0st1', operand: 'none', approximate: true },
  { id: 30, name: 'fsincos', steps: [reg(0xd9, 0xfb)], output: 'st0st1', operand: 'none', approximate: true },
  { id: 31, name: 'fchs', steps: [reg(0xd9, 0xe0)], output: 'st0', operand: 'none' },
  { id: 32, name: 'fabs', steps: [reg(0xd9, 0xe1)], output: 'st0', operand: 'none' },
  { id: 33, name: 'fxch', steps: [reg(0xd9, 0xc9)], output: 'st0st1', operand: 'x80' },
  { id: 40, name: 'fst m32', steps: [mem(0xd9, 2, OUT + 20)], output: 'mem4', operand: 'none' },
  { id: 41, name: 'fst m64', steps: [mem(0xdd, 2, OUT + 20)], output: 'mem8', operand: 'none' },
  { id: 42, name: 'fist m16', steps: [mem(0xdf, 2, OUT + 20)], output: 'mem2', operand: 'none' },
  { id: 43, name: 'fist m32', steps: [mem(0xdb, 2, OUT + 20)], output: 'mem4', operand: 'none' },
  {
    id: 44,
    name: 'fistp m64',
    steps: [mem(0xdf, 7, OUT + 20), reg(0xd9, 0xee)],
    output: 'mem8',
    operand: 'none',
  },
  {
    id: 45,
    name: 'fbstp',
    steps: [mem(0xdf, 6, OUT + 20), reg(0xd9, 0xee)],
    output: 'mem10',
    operand: 'none',
  },
  { id: 50, name: 'fld m32', steps: [mem(0xd9, 0, 18)], output: 'st0', operand: 'f32' },
  { id: 51, name: 'fld m64', steps: [mem(0xdd, 0, 18)], output: 'st0', operand: 'f64' },
  { id: 52, name: 'fbld', steps: [mem(0xdf, 4, 18)], output: 'st0', operand: 'bcd' },
  { id: 53, name: 'fild m16', steps: [mem(0xdf, 0, 18)], output: 'st0', operand: 'i16' },
  { id: 54, name: 'fild m32', steps: [mem(0xdb, 0, 18)], output: 'st0', operand: 'i32' },
  { id: 55, name: 'fild m64', steps: [mem(0xdf, 5, 18)], output: 'st0', operand: 'i64' },
  { id: 56, name: 'fadd m32', steps: [mem(0xd8, 0, 18)], output: 'st0', operand: 'f32' },
  { id: 57, name: 'fadd m64', steps: [mem(0xdc, 0, 18)], output: 'st0', operand: 'f64' },
  { id: 58, name: 'fmul m32', steps: [mem(0xd8, 1, 18)], output: 'st0', operand: 'f32' },
  { id: 59, name: 'fdiv m64', steps: [mem(0xdc, 6, 18)], output: 'st0', operand: 'f64' },
  { id: 60, name: 'fsubr m64', steps: [mem(0xdc, 5, 18)], output: 'st0', operand: 'f64' },
  { id: 61, name: 'fiadd m32', steps: [mem(0xda, 0, 18)], output: 'st0', operand: 'i32' },
  { id: 62, name: 'fidiv m16', steps: [mem(0xde, 6, 18)], output: 'st0', operand: 'i16' },
  { id: 63, name: 'fcom m32', steps: [mem(0xd8, 2, 18)], output: 'fsw', operand: 'f32' },
  { id: 64, name: 'ficom m32', steps: [mem(0xda, 2, 18)], output: 'fsw', operand: 'i32' },
  { id: 70, name: 'fld1', steps: [reg(0xd9, 0xe8)], output: 'st0', operand: 'none' },
  { id: 71, name: 'fldl2t', steps: [reg(0xd9, 0xe9)], output: 'st0', operand: 'none' },
  { id: 72, name: 'fldl2e', steps: [reg(0xd9, 0xea)], output: 'st0', operand: 'none' },
  { id: 73, name: 'fldpi', steps: [reg(0xd9, 0xeb)], output: 'st0', operand: 'none' },
  { id: 74, name: 'fldlg2', steps: [reg(0xd9, 0xec)], output: 'st0', operand: 'none' },
  { id: 75, name: 'fldln2', steps: [reg(0xd9, 0xed)], output: 'st0', operand: 'none' },
  { id: 76, name: 'fldz', steps: [reg(0xd9, 0xee)], output: 'st0', operand: 'none' },
  {
    id: 80,
    name: 'fnstenv+fldenv',
    steps: [mem(0xd9, 6, OUT + 36), mem(0xd9, 4, OUT + 36)],
    output: 'environment',
    operand: 'x80',
  },
  {
    id: 81,
    name: 'fnsave+frstor',
    steps: [mem(0xdd, 6, OUT + 48), mem(0xdd, 4, OUT + 48)],
    output: 'save',
    operand: 'x80',
  },
  {
    id: 82,
    name: 'fcompp',
    steps: [reg(0xde, 0xd9), reg(0xd9, 0xee), reg(0xd9, 0xee)],
    output: 'fsw',
    operand: 'x80',
  },
  {
    id: 83,
    name: 'fucompp',
    steps: [reg(0xda, 0xe9), reg(0xd9, 0xee), reg(0xd9, 0xee)],
    output: 'fsw',
    operand: 'x80',
  },
  { id: 84, name: 'fld st(1)', steps: [reg(0xd9, 0xc1)], output: 'st0st1', operand: 'x80' },
  { id: 85, name: 'fst st(1)', steps: [reg(0xdd, 0xd1)], output: 'st0st1', operand: 'x80' },
  {
    id: 86,
    name: 'fcomi+fcmovb',
    steps: [reg(0xdb, 0xf1), reg(0xda, 0xc1)],
    output: 'st0st1',
    operand: 'x80',
  },
  {
    id: 87,
    name: 'fcomi+fcmovnbe',
    steps: [reg(0xdb, 0xf1), reg(0xdb, 0xd1)],
    output: 'st0st1',
    operand: 'x80',
  },
  {
    id: 88,
    name: 'fincstp+fdecstp',
    steps: [reg(0xd9, 0xf7), reg(0xd9, 0xf6)],
    output: 'st0st1',
    operand: 'x80',
  },
  { id: 90, name: 'fldcw+fnstcw', steps: [mem(0xd9, 7, OUT + 20)], output: 'mem2', operand: 'none' },
  {
    id: 89,
    name: 'fist m32+fxam',
    steps: [mem(0xdb, 2, OUT + 20), reg(0xd9, 0xe5)],
    output: 'mem4',
    operand: 'none',
  },
];

/** A small seeded generator (xorshift32). */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  /** 32 random bits. */
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** Integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
  /** 64 random bits. */
  bits64(): bigint {
    return (BigInt(this.next()) << 32n) | BigInt(this.next());
  }
}

const J = 1n << 63n;
const SPECIALS: Array<[number, bigint]> = [
  [0, 0n],
  [0, 1n],
  [0, J - 1n],
  [0, J],
  [0, J | 1n],
  [1, J],
  [0x7ffe, (1n << 64n) - 1n],
  [0x7fff, J],
  [0x7fff, 0xc000000000000000n],
  [0x7fff, 0xc000000000001234n],
  [0x7fff, 0x8000000000000001n],
  [0x7fff, 0xbfffffffffffffffn],
  [0x3fff, 0x4000000000000000n],
  [0x7fff, 0n],
  [0x7fff, 0x4000000000000001n],
  [0x3fff, J],
  [0x3ffe, J],
  [0x3fff, 0xc000000000000000n],
  [0x4000, J],
  [0x4000, 0xc000000000000000n],
  [0x4002, 0xa000000000000000n],
  [0x4000, 0xc90fdaa22168c235n],
  [0x403e, J],
  [0x403e, (1n << 64n) - 1n],
  [0x403a, 0xde0b6b3a76400000n],
  [0x400d, 0xffff000000000000n],
  [0x401d, 0xffffffff00000000n],
  [0x3ffd, 0x95f619980c4336f7n],
  [0x3f80, J],
  [0x3c01, J],
  [0x3c00, 0xfffffffffffff800n],
  [0x43fe, 0xfffffffffffff800n],
  [0x43fe, 0xfffffffffffffc00n],
  [0x407e, 0xffffff8000000000n],
  [0x3f81, J],
  [0x3f6a, 0xc000000000000000n],
];

/** A random extended value drawn from specials and exponent bands that exercise rounding edges. */
export function randomExtended(random: Random): [number, bigint] {
  const sign = random.below(2) << 15;
  const choice = random.below(10);
  if (choice < 3) {
    const [exponent, significand] = SPECIALS[random.below(SPECIALS.length)]!;
    return [sign | exponent, significand];
  }
  const bands = [
    [0x3ff0, 0x4010],
    [0x3fb0, 0x4050],
    [0, 80],
    [0x7ff0, 0x7fff],
    [0x3f60, 0x3fa0],
    [0x3be0, 0x3c20],
    [0x43f0, 0x4400],
    [0x4070, 0x4090],
    [1, 0x7ffe],
  ];
  const [low, high] = bands[random.below(bands.length)]!;
  const exponent = low! + random.below(high! - low!);
  let significand = random.bits64();
  const shape = random.below(6);
  if (shape === 0) significand &= ~((1n << BigInt(random.below(64))) - 1n);
  if (shape === 1) significand |= (1n << BigInt(random.below(64))) - 1n;
  if (shape === 2) significand = (significand & ~0x7ffn) | 0x400n;
  if (exponent !== 0 || random.below(4) === 0) significand |= J;
  if (exponent === 0x7fff && random.below(2) === 0) significand = J;
  return [sign | exponent, significand];
}

function randomOperandBytes(random: Random, kind: OperandKind, a: [number, bigint]): Uint8Array {
  const bytes = new Uint8Array(10);
  const view = new DataView(bytes.buffer);
  switch (kind) {
    case 'x80':
    case 'none': {
      let value = randomExtended(random);
      if (random.below(4) === 0) {
        // Near the first operand, for cancellation and ties.
        value = [a[0] ^ (random.below(2) << 15), (a[1] ^ BigInt(random.below(16))) | (a[1] & J)];
      }
      view.setBigUint64(0, value[1], true);
      view.setUint16(8, value[0], true);
      break;
    }
    case 'f32': {
      const specials = [0, 1, 0x7fffff, 0x800000, 0x7f7fffff, 0x7f800000, 0x7fc00000, 0x7f800001, 0x3f800000];
      const raw = random.below(3) === 0 ? specials[random.below(specials.length)]! : random.next();
      view.setUint32(0, (raw ^ (random.below(2) << 31)) >>> 0, true);
      break;
    }
    case 'f64': {
      const specials = [
        0n,
        1n,
        0xfffffffffffffn,
        0x10000000000000n,
        0x7fefffffffffffffn,
        0x7ff0000000000000n,
        0x7ff8000000000000n,
        0x7ff0000000000001n,
      ];
      let raw = random.below(3) === 0 ? specials[random.below(specials.length)]! : random.bits64();
      if (random.below(2) === 0) raw &= ~(1n << 63n);
      else raw |= 1n << 63n;
      view.setBigUint64(0, raw, true);
      break;
    }
    case 'i16':
      view.setUint16(0, [0, 1, 0x7fff, 0x8000, 0xffff][random.below(6)] ?? random.next() & 0xffff, true);
      break;
    case 'i32':
      view.setUint32(0, [0, 1, 0x7fffffff, 0x80000000, 0xffffffff][random.below(6)] ?? random.next(), true);
      break;
    case 'i64':
      view.setBigUint64(0, [0n, 1n, (1n << 63n) - 1n, 1n << 63n][random.below(6)] ?? random.bits64(), true);
      break;
    case 'bcd':
      for (let index = 0; index < 9; index++) {
        const high = random.below(12);
        const low = random.below(12);
        bytes[index] =
          ((high > 9 && random.below(4) ? 9 : high) << 4) | (low > 9 && random.below(4) ? 9 : low);
      }
      bytes[9] = random.below(2) ? 0x80 : 0;
      break;
  }
  return bytes;
}

/** Builds `perOperation` 32-byte input records per operation, cycling through all RC × PC. */
export function generateRecords(seed: number, perOperation: number): Uint8Array {
  const random = new Random(seed);
  const records = new Uint8Array(OPERATIONS.length * perOperation * 32);
  const view = new DataView(records.buffer);
  let offset = 0;
  for (const operation of OPERATIONS) {
    for (let index = 0; index < perOperation; index++) {
      const roundingMode = index & 3;
      const precision = [3, 2, 0][(index >> 2) % 3]!;
      const a = randomExtended(random);
      view.setUint32(offset, operation.id, true);
      // FLDCW/FNSTCW gets any 16-bit value (the sequence raises no exception, so none is delivered).
      const control =
        operation.id === 90 ? random.next() & 0xffff : 0x7f | (precision << 8) | (roundingMode << 10);
      view.setUint16(offset + 4, control, true);
      view.setBigUint64(offset + 8, a[1], true);
      view.setUint16(offset + 16, a[0], true);
      records.set(randomOperandBytes(random, operation.operand, a), offset + 18);
      offset += 32;
    }
  }
  return records;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Builds the oracle (cached under .cache/) and returns its path. */
export function buildOracle(): string {
  const outputDirectory = join(here, '..', '..', '..', '..', '.cache', 'x86-core-fpu');
  mkdirSync(outputDirectory, { recursive: true });
  const binary = join(outputDirectory, 'x87-oracle');
  const source = join(here, 'x87-oracle.c');
  execFileSync('gcc', [
    '-m32',
    '-O1',
    '-static',
    '-nostdlib',
    '-ffreestanding',
    '-fno-pic',
    '-fno-stack-protector',
    // Linked low so that the CPU-level test can load it into a small flat memory.
    '-Wl,-Ttext-segment=0x400000',
    '-Wl,--build-id=none',
    '-o',
    binary,
    source,
  ]);
  if (!existsSync(binary)) throw new Error('oracle build failed');
  return binary;
}

/** Runs the records through qemu-i386 and returns the result records. */
export function runOracle(binary: string, records: Uint8Array): Uint8Array {
  const output = execFileSync('qemu-i386', [binary], { input: records, maxBuffer: 64 << 20 });
  return new Uint8Array(output.buffer, output.byteOffset, output.byteLength);
}

/** Runs the records through our FPU and returns the result records. */
export function runEmulation(records: Uint8Array): Uint8Array {
  const count = records.length / 32;
  const results = new Uint8Array(count * RESULT_BYTES);
  const memory = new Uint8Array(OUT + RESULT_BYTES);
  const view = new DataView(memory.buffer);
  let eflags = 0x202;
  const check = (address: number, size: number): number => {
    if (address < 0 || address + size > memory.length)
      throw new Error(`emulated access out of range: ${address}`);
    return address;
  };
  const host: FpuHost = {
    read8: (address) => memory[check(address, 1)]!,
    read16: (address) => view.getUint16(check(address, 2), true),
    read32: (address) => view.getUint32(check(address, 4), true),
    write8: (address, value) => {
      memory[check(address, 1)] = value;
    },
    write16: (address, value) => view.setUint16(check(address, 2), value, true),
    write32: (address, value) => view.setUint32(check(address, 4), value >>> 0, true),
    readEflags: () => eflags,
    writeComparisonFlags: (zero, parity, carry, setResult) => {
      if (setResult) eflags = (eflags & ~0x45) | (zero ? 0x40 : 0) | (parity ? 4 : 0) | (carry ? 1 : 0);
    },
    writeAx: () => {},
    readCr0: () => 0x80000033,
    isRealOrVirtual8086: () => false,
  };
  const operations = new Map(OPERATIONS.map((operation) => [operation.id, operation]));
  const fpu = new Fpu();
  const step = (opcode: number, modrm: number, address: number): void => {
    const outcome = fpu.execute(host, {
      opcode,
      modrm,
      address,
      operandSize32: true,
      instructionPointer: 0,
      codeSelector: 0,
      dataOffset: address,
      dataSelector: 0,
    });
    if (outcome !== FpuOutcome.Done) throw new Error(`unexpected outcome ${outcome}`);
  };
  for (let index = 0; index < count; index++) {
    memory.fill(0);
    memory.set(records.subarray(index * 32, index * 32 + 32), 0);
    eflags = 0x202;
    const operation = operations.get(view.getUint32(0, true));
    step(0xdb, 0xe3, 0);
    step(0xd9, 5 << 3, 4);
    step(0xdb, 5 << 3, 18);
    step(0xdb, 5 << 3, 8);
    if (operation) for (const [opcode, modrm, address] of operation.steps) step(opcode, modrm, address);
    step(0xdd, 7 << 3, OUT + 30);
    step(0xdb, 7 << 3, OUT);
    step(0xdb, 7 << 3, OUT + 10);
    view.setUint32(OUT + 32, eflags, true);
    results.set(memory.subarray(OUT, OUT + RESULT_BYTES), index * RESULT_BYTES);
  }
  return results;
}

/** Decodes 10 little-endian bytes as [signExponent, significand]. */
export function readExtendedBytes(bytes: Uint8Array, offset: number): [number, bigint] {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, 10);
  return [view.getUint16(8, true), view.getBigUint64(0, true)];
}

/** Hex of bytes, most significant first (as a number is written). */
export function hexBytes(bytes: Uint8Array, offset: number, length: number): string {
  let text = '';
  for (let index = length - 1; index >= 0; index--)
    text += bytes[offset + index]!.toString(16).padStart(2, '0');
  return text;
}

/**
 * Exact distance between two extended values in units of the last place of the larger one's
 * exponent; Infinity for NaN/∞ differences, sign differences (except ±0) and far-apart exponents.
 */
export function ulpDistance(first: [number, bigint], second: [number, bigint]): number {
  if (first[0] === second[0] && first[1] === second[1]) return 0;
  if ((first[0] & 0x7fff) === 0x7fff || (second[0] & 0x7fff) === 0x7fff) return Number.POSITIVE_INFINITY;
  const signed = ([signExponent, significand]: [number, bigint]): [number, bigint] => [
    signExponent & 0x7fff || 1,
    signExponent & 0x8000 ? -significand : significand,
  ];
  const [exponentA, valueA] = signed(first);
  const [exponentB, valueB] = signed(second);
  const low = Math.min(exponentA, exponentB);
  const high = Math.max(exponentA, exponentB);
  if (high - low > 100) return Number.POSITIVE_INFINITY;
  const difference = (valueA << BigInt(exponentA - low)) - (valueB << BigInt(exponentB - low));
  const magnitude = difference < 0n ? -difference : difference;
  return Number(magnitude) / 2 ** (high - low);
}

/**
 * Byte ranges of a result record that an operation defines: [start, end) pairs. The status word
 * is always included; registers the operation leaves empty are not (QEMU stores stale contents
 * for FSTP of an empty register, we store the default NaN, as the x87 does).
 */
export function relevantRanges(operation: Operation): Array<[number, number]> {
  const status: [number, number] = [30, 32];
  switch (operation.output) {
    case 'st0':
      return [[0, 10], status];
    case 'st0st1':
      return [[0, 20], status];
    case 'mem2':
      return [[20, 22], status];
    case 'mem4':
      return [[20, 24], status];
    case 'mem8':
      return [[20, 28], status];
    case 'mem10':
      return [[20, 30], status];
    case 'environment':
      return [[36, 48], status];
    case 'save':
      // Control, status and tag words, then the eight registers (FIP/FDP are not compared).
      return [[48, 60], [76, 156], status];
    default:
      return [status];
  }
}
