/**
 * The seeded random instruction-sequence generator of the CPU differential tests.
 *
 * Each sequence is a few instructions of one class, in GNU assembler Intel syntax, with its
 * initial registers, EFLAGS and a 256-byte memory image. The generator tracks which status
 * flags the SDM leaves undefined after each instruction: a later instruction that would read
 * an undefined flag gets a `cmp` in front of it (which defines all six), and the flags still
 * undefined at the end are masked out of the dumped EFLAGS. Operands that would make the
 * result undefined (BSF/BSR of zero, SHLD/SHRD past the width, division overflow) are never
 * generated. Sequence `i` of seed `s` depends only on `(s, i)`, so any sequence can be
 * regenerated alone.
 */

import { SeededRandom } from './random.js';

/** EFLAGS bits the generator reasons about. */
export const Flag = {
  Carry: 0x1,
  Parity: 0x4,
  Adjust: 0x10,
  Zero: 0x40,
  Sign: 0x80,
  Trap: 0x100,
  Direction: 0x400,
  Overflow: 0x800,
} as const;

/** The six arithmetic status flags. */
export const STATUS_FLAGS = 0x8d5;
/** The EFLAGS bits compared at the end of a sequence (status flags, DF and the always-one bit 1). */
export const COMPARED_FLAGS = STATUS_FLAGS | Flag.Direction | 0x2;

/** The classes of user-mode instructions the generator covers. */
export const INSTRUCTION_CLASSES = [
  'alu',
  'unary',
  'shift',
  'rotate',
  'double-shift',
  'multiply',
  'divide',
  'bcd',
  'bit-test',
  'bit-scan',
  'set-move-conditional',
  'string',
  'exchange',
  'cmpxchg8b',
  'extend',
  'stack',
  'flags',
  'address',
  'x87-arithmetic',
  'x87-load-store',
  'x87-compare',
  'x87-transcendental',
] as const;

/** One class of user-mode instructions. */
export type InstructionClass = (typeof INSTRUCTION_CLASSES)[number];

/** One generated sequence: what the program builder needs to emit it. */
export interface GeneratedSequence {
  index: number;
  instructionClass: InstructionClass;
  /** Initial EFLAGS (status flags and DF only). */
  initialFlags: number;
  /** Lines of the prologue that load registers (after EFLAGS are set). */
  registerSetup: string[];
  /** The instructions under test, one per line. */
  body: string[];
  /** Initial 256 bytes: the 64-byte window followed by the first 192 bytes of the stack area. */
  memory: Uint8Array;
  /** EFLAGS bits compared at the end. */
  flagsMask: number;
  /** x87 status-word bits compared at the end (0 for integer sequences, which skip the x87 dump). */
  fpuStatusMask: number;
  /**
   * Relative tolerance for ST0..ST7 (transcendental instructions: qemu-i386 computes FSIN, FCOS,
   * FPTAN and FSINCOS in host double precision, so only about 52 bits can agree). 0: exact.
   */
  tolerance: number;
}

/** Relative tolerance of the x87-transcendental class. */
export const TRANSCENDENTAL_TOLERANCE = 2 ** -40;
/** x87 status bits compared after transcendental instructions: IE, ZE, SF, C2 and TOP. */
const FPU_TRANSCENDENTAL_STATUS = 0x1 | 0x4 | 0x40 | 0x400 | 0x3800;

const REGISTERS_32 = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'] as const;
const REGISTERS_16 = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'] as const;
const REGISTERS_8 = ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh'] as const;
const ESP = 4;
const EBP = 5;
const CONDITIONS = [
  'o',
  'no',
  'b',
  'ae',
  'e',
  'ne',
  'be',
  'a',
  's',
  'ns',
  'p',
  'np',
  'l',
  'ge',
  'le',
  'g',
] as const;
/** Status flags each condition code reads. */
const CONDITION_READS: Record<(typeof CONDITIONS)[number], number> = {
  o: Flag.Overflow,
  no: Flag.Overflow,
  b: Flag.Carry,
  ae: Flag.Carry,
  e: Flag.Zero,
  ne: Flag.Zero,
  be: Flag.Carry | Flag.Zero,
  a: Flag.Carry | Flag.Zero,
  s: Flag.Sign,
  ns: Flag.Sign,
  p: Flag.Parity,
  np: Flag.Parity,
  l: Flag.Sign | Flag.Overflow,
  ge: Flag.Sign | Flag.Overflow,
  le: Flag.Sign | Flag.Overflow | Flag.Zero,
  g: Flag.Sign | Flag.Overflow | Flag.Zero,
};

type Width = 8 | 16 | 32;
const PTR: Record<Width | 64 | 80, string> = {
  8: 'byte ptr',
  16: 'word ptr',
  32: 'dword ptr',
  64: 'qword ptr',
  80: 'tbyte ptr',
};

/** One instruction with what it does to the status flags. */
interface Emitted {
  text: string;
  reads?: number;
  writes?: number;
  undefined?: number;
}

/** x87 status-word bits: exception flags (without DE, which QEMU 7 never sets), SF, ES, C0, C2, TOP, C3. */
const FPU_EXCEPTIONS = 0x3d | 0x40 | 0x80;
const FPU_TOP = 0x3800;
const FPU_CONDITIONS_023 = 0x4500;

function hex(value: number): string {
  return `0x${(value >>> 0).toString(16)}`;
}

/** Generates sequence `index` of `seed`. */
export function generateSequence(
  seed: number,
  index: number,
  classes: readonly InstructionClass[] = INSTRUCTION_CLASSES,
): GeneratedSequence {
  const random = new SeededRandom(seed, index);
  const instructionClass = random.pick(classes);
  return new SequenceBuilder(random, index, instructionClass).build();
}

class SequenceBuilder {
  private readonly reserved = new Set<number>([ESP]);
  private readonly values: number[] = [];
  private readonly setupOverrides = new Map<number, string>();
  private readonly body: string[] = [];
  private undefinedFlags = 0;
  private base = -1;
  private baseOffset = 0;
  private index = -1;
  private indexValue = 0;
  private readonly memory: Uint8Array;
  private fpuConditionsDefined = false;
  private fpuUsed = false;
  private fpuDepth = 0;
  private readonly stringPointers = new Set<number>();
  /** EBP points into the stack area (false after LEAVE loaded it from memory). */
  private framePointerValid = false;

  constructor(
    private readonly random: SeededRandom,
    private readonly sequenceIndex: number,
    private readonly instructionClass: InstructionClass,
  ) {
    for (let register = 0; register < 8; register++) this.values.push(random.interestingUint32());
    this.memory = new Uint8Array(256);
    for (let offset = 0; offset < 256; offset += 4) {
      const value = random.chance(0.3) ? random.interestingUint32() : random.nextUint32();
      this.memory[offset] = value & 0xff;
      this.memory[offset + 1] = (value >>> 8) & 0xff;
      this.memory[offset + 2] = (value >>> 16) & 0xff;
      this.memory[offset + 3] = value >>> 24;
    }
  }

  build(): GeneratedSequence {
    const random = this.random;
    let initialFlags = random.nextUint32() & STATUS_FLAGS;
    if (this.instructionClass === 'string' || random.chance(0.1)) {
      if (random.chance(0.5)) initialFlags |= Flag.Direction;
    }
    if (this.instructionClass === 'stack') {
      // ENTER/LEAVE need EBP to point into the stack area, untouched by other instructions.
      this.reserveRegister(EBP, `offset stack_area+${160 + 4 * random.between(0, 6)}`);
      this.framePointerValid = true;
    }
    if (this.instructionClass === 'string') {
      // Reserved before anything runs: no earlier instruction may have written them.
      this.stringPointer(6, 24, 40);
      this.stringPointer(7, 64, 190);
    }
    if (random.chance(0.6)) this.reserveAddressing();
    const count = this.instructionClass === 'string' ? random.between(1, 2) : random.between(1, 4);
    for (let step = 0; step < count; step++) this.generate();
    const registerSetup: string[] = [];
    for (let register = 0; register < 8; register++) {
      if (register === ESP) continue;
      const override = this.setupOverrides.get(register);
      registerSetup.push(`mov ${REGISTERS_32[register]}, ${override ?? hex(this.values[register] ?? 0)}`);
    }
    const transcendental = this.instructionClass === 'x87-transcendental';
    let fpuStatusMask = this.fpuUsed
      ? FPU_EXCEPTIONS | FPU_TOP | (this.fpuConditionsDefined ? FPU_CONDITIONS_023 : 0)
      : 0;
    if (transcendental) fpuStatusMask = FPU_TRANSCENDENTAL_STATUS;
    return {
      index: this.sequenceIndex,
      instructionClass: this.instructionClass,
      initialFlags,
      registerSetup,
      body: this.body,
      memory: this.memory,
      flagsMask: COMPARED_FLAGS & ~this.undefinedFlags,
      fpuStatusMask,
      tolerance: transcendental ? TRANSCENDENTAL_TOLERANCE : 0,
    };
  }

  // ---- registers and operands ------------------------------------------------------------

  private reserveAddressing(): void {
    const random = this.random;
    const candidates = [0, 1, 2, 3, 5, 6, 7].filter((register) => !this.reserved.has(register));
    this.base = random.pick(candidates);
    this.reserved.add(this.base);
    this.baseOffset = random.between(0, 48);
    this.setupOverrides.set(this.base, `offset win+${this.baseOffset}`);
    if (random.chance(0.6)) {
      const rest = candidates.filter((register) => register !== this.base);
      this.index = random.pick(rest);
      this.reserved.add(this.index);
      this.indexValue = random.between(0, 3);
      this.setupOverrides.set(this.index, hex(this.indexValue));
    }
  }

  /** Reserves a register for this sequence and gives it a fixed initial value. */
  private reserveRegister(register: number, value: string): boolean {
    if (this.reserved.has(register)) return false;
    this.reserved.add(register);
    this.setupOverrides.set(register, value);
    return true;
  }

  /** A register of `width` that may be written (index into the width's name table). */
  private destination(width: Width, exclude: readonly number[] = []): number {
    const options: number[] = [];
    for (let code = 0; code < 8; code++) {
      const full = width === 8 ? code & 3 : code;
      if (this.reserved.has(full) || exclude.includes(full)) continue;
      if (width !== 8 && code === ESP) continue;
      options.push(code);
    }
    return options.length === 0 ? 0 : this.random.pick(options);
  }

  /** Any register of `width` except ESP/SP. */
  private source(width: Width): number {
    const options = width === 8 ? [0, 1, 2, 3, 4, 5, 6, 7] : [0, 1, 2, 3, 5, 6, 7];
    return this.random.pick(options);
  }

  private name(width: Width, code: number): string {
    const table = width === 8 ? REGISTERS_8 : width === 16 ? REGISTERS_16 : REGISTERS_32;
    return table[code] ?? 'eax';
  }

  /** A memory operand of `bytes` size in the window, in one of the addressing forms. */
  private memory_(bytes: number, low = 0, high = 64 - bytes): string {
    const random = this.random;
    const offset = random.between(low, high);
    const forms: string[] = [`[win+${offset}]`];
    if (this.base >= 0) {
      const baseName = REGISTERS_32[this.base];
      const displacement = offset - this.baseOffset;
      forms.push(
        displacement === 0 ? `[${baseName}]` : `[${baseName}${displacement < 0 ? '' : '+'}${displacement}]`,
      );
      forms.push(`[${baseName}+${displacement + 0x1000}-0x1000]`);
      if (this.index >= 0) {
        const scale = random.pick([1, 2, 4, 8]);
        const withIndex = offset - this.baseOffset - scale * this.indexValue;
        forms.push(
          `[${baseName}+${REGISTERS_32[this.index]}*${scale}${withIndex < 0 ? '' : '+'}${withIndex}]`,
        );
        const noBase = offset - scale * this.indexValue;
        forms.push(`[${REGISTERS_32[this.index]}*${scale}+win${noBase < 0 ? '' : '+'}${noBase}]`);
      }
    }
    return random.pick(forms);
  }

  private memoryOperand(width: Width | 64 | 80, low?: number, high?: number): string {
    return `${PTR[width]} ${this.memory_(width / 8, low, high)}`;
  }

  private immediate(width: Width): string {
    const value = this.random.interestingUint32();
    if (width === 8) return hex(value & 0xff);
    if (width === 16) return hex(value & 0xffff);
    return hex(value);
  }

  private width(): Width {
    return this.random.pick([8, 16, 32] as const);
  }

  // ---- emission with flag tracking -------------------------------------------------------

  private emit(instruction: Emitted): void {
    const reads = instruction.reads ?? 0;
    if ((reads & this.undefinedFlags) !== 0) {
      const left = this.source(32);
      const right = this.source(32);
      this.body.push(`cmp ${REGISTERS_32[left]}, ${REGISTERS_32[right]}`);
      this.undefinedFlags &= ~STATUS_FLAGS;
    }
    this.body.push(instruction.text);
    this.undefinedFlags = (this.undefinedFlags & ~(instruction.writes ?? 0)) | (instruction.undefined ?? 0);
  }

  private generate(): void {
    switch (this.instructionClass) {
      case 'alu':
        this.alu();
        return;
      case 'unary':
        this.unary();
        return;
      case 'shift':
        this.shift();
        return;
      case 'rotate':
        this.rotate();
        return;
      case 'double-shift':
        this.doubleShift();
        return;
      case 'multiply':
        this.multiply();
        return;
      case 'divide':
        this.divide();
        return;
      case 'bcd':
        this.bcd();
        return;
      case 'bit-test':
        this.bitTest();
        return;
      case 'bit-scan':
        this.bitScan();
        return;
      case 'set-move-conditional':
        this.conditional();
        return;
      case 'string':
        this.string();
        return;
      case 'exchange':
        this.exchange();
        return;
      case 'cmpxchg8b':
        this.compareExchange8b();
        return;
      case 'extend':
        this.extend();
        return;
      case 'stack':
        this.stack();
        return;
      case 'flags':
        this.flags();
        return;
      case 'address':
        this.address();
        return;
      case 'x87-arithmetic':
        this.x87Arithmetic();
        return;
      case 'x87-load-store':
        this.x87LoadStore();
        return;
      case 'x87-compare':
        this.x87Compare();
        return;
      case 'x87-transcendental':
        this.x87Transcendental();
        return;
    }
  }

  /** Two-operand form: returns [destination, source] text for `width`, in every operand form. */
  private twoOperands(width: Width, allowImmediate = true): [string, string] {
    const random = this.random;
    const form = random.below(allowImmediate ? 5 : 3);
    switch (form) {
      case 0:
        return [this.name(width, this.destination(width)), this.name(width, this.source(width))];
      case 1:
        return [this.name(width, this.destination(width)), this.memoryOperand(width)];
      case 2:
        return [this.memoryOperand(width), this.name(width, this.source(width))];
      case 3: {
        const small = random.chance(0.4) && width !== 8;
        const value = small
          ? hex(random.between(-128, 127) & (width === 16 ? 0xffff : 0xffffffff))
          : this.immediate(width);
        const accumulator = random.chance(0.3) && !this.reserved.has(0);
        return [this.name(width, accumulator ? 0 : this.destination(width)), value];
      }
      default:
        return [this.memoryOperand(width), this.immediate(width)];
    }
  }

  private lockable(destination: string): string {
    return destination.includes('ptr') && this.random.chance(0.2) ? 'lock ' : '';
  }

  private alu(): void {
    const random = this.random;
    const operation = random.pick(['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp', 'test'] as const);
    const width = this.width();
    let [destination, source] = this.twoOperands(width);
    if (operation === 'test' && !destination.includes('ptr') && source.includes('ptr')) {
      [destination, source] = [source, destination];
    }
    const logic = operation === 'or' || operation === 'and' || operation === 'xor' || operation === 'test';
    const lock = operation === 'cmp' || operation === 'test' ? '' : this.lockable(destination);
    this.emit({
      text: `${lock}${operation} ${destination}, ${source}`,
      reads: operation === 'adc' || operation === 'sbb' ? Flag.Carry : 0,
      writes: STATUS_FLAGS,
      undefined: logic ? Flag.Adjust : 0,
    });
  }

  private unary(): void {
    const random = this.random;
    const operation = random.pick(['inc', 'dec', 'neg', 'not', 'mov', 'mov'] as const);
    const width = this.width();
    const target = random.chance(0.5) ? this.name(width, this.destination(width)) : this.memoryOperand(width);
    if (operation === 'mov') {
      const [destination, source] = this.twoOperands(width);
      this.emit({ text: `mov ${destination}, ${source}` });
      return;
    }
    const lock = this.lockable(target);
    if (operation === 'not') {
      this.emit({ text: `${lock}not ${target}` });
    } else if (operation === 'neg') {
      this.emit({ text: `${lock}neg ${target}`, writes: STATUS_FLAGS });
    } else {
      this.emit({ text: `${lock}${operation} ${target}`, writes: STATUS_FLAGS & ~Flag.Carry });
    }
  }

  private countOperand(width: Width): { text: string; count: number; setup?: string } {
    const random = this.random;
    const count = random.chance(0.5) ? random.between(0, width + 2) : random.between(0, 255);
    switch (random.below(3)) {
      case 0:
        return { text: '1', count: 1 };
      case 1:
        return { text: hex(count), count };
      default:
        return { text: 'cl', count, setup: `mov cl, ${hex(count)}` };
    }
  }

  /** Target of a shift or rotate; ECX is avoided when the count comes from CL. */
  private shiftTarget(width: Width, usesCl: boolean): string {
    if (this.random.chance(0.4)) return this.memoryOperand(width);
    return this.name(width, this.destination(width, usesCl ? [1] : []));
  }

  private clSetup(setup: string | undefined): boolean {
    if (setup === undefined) return true;
    if (this.reserved.has(1)) return false;
    this.body.push(setup);
    return true;
  }

  private shift(): void {
    const operation = this.random.pick(['shl', 'shr', 'sar', 'sal'] as const);
    const width = this.width();
    let count = this.countOperand(width);
    if (!this.clSetup(count.setup)) count = { text: '1', count: 1 };
    const target = this.shiftTarget(width, count.setup !== undefined);
    const masked = count.count & 31;
    if (masked === 0) {
      this.emit({ text: `${operation} ${target}, ${count.text}` });
      return;
    }
    let undefinedFlags = Flag.Adjust | (masked === 1 ? 0 : Flag.Overflow);
    if (operation !== 'sar' && masked >= width) undefinedFlags |= Flag.Carry;
    this.emit({
      text: `${operation} ${target}, ${count.text}`,
      writes: STATUS_FLAGS,
      undefined: undefinedFlags,
    });
  }

  private rotate(): void {
    const operation = this.random.pick(['rol', 'ror', 'rcl', 'rcr'] as const);
    const width = this.width();
    let count = this.countOperand(width);
    if (!this.clSetup(count.setup)) count = { text: '1', count: 1 };
    const target = this.shiftTarget(width, count.setup !== undefined);
    const masked = count.count & 31;
    const throughCarry = operation === 'rcl' || operation === 'rcr';
    const reads = throughCarry ? Flag.Carry : 0;
    if (masked === 0) {
      this.emit({ text: `${operation} ${target}, ${count.text}`, reads });
      return;
    }
    this.emit({
      text: `${operation} ${target}, ${count.text}`,
      reads,
      writes: Flag.Carry | Flag.Overflow,
      undefined: masked === 1 ? 0 : Flag.Overflow,
    });
  }

  private doubleShift(): void {
    const random = this.random;
    const operation = random.pick(['shld', 'shrd'] as const);
    const width = random.pick([16, 32] as const);
    const limit = width === 16 ? 15 : 31;
    let count = random.between(0, limit);
    if (random.chance(0.3)) count += 32;
    let countText = hex(count);
    const useCl = random.chance(0.5) && !this.reserved.has(1);
    if (useCl) {
      this.body.push(`mov cl, ${hex(count)}`);
      countText = 'cl';
    }
    const source = this.name(width, this.source(width));
    const target = random.chance(0.4)
      ? this.memoryOperand(width)
      : this.name(width, this.destination(width, useCl ? [1] : []));
    const masked = count & 31;
    if (masked === 0) {
      this.emit({ text: `${operation} ${target}, ${source}, ${countText}` });
      return;
    }
    this.emit({
      text: `${operation} ${target}, ${source}, ${countText}`,
      writes: STATUS_FLAGS,
      undefined: Flag.Adjust | (masked === 1 ? 0 : Flag.Overflow),
    });
  }

  private multiply(): void {
    const random = this.random;
    const width = this.width();
    const undefinedFlags = Flag.Sign | Flag.Zero | Flag.Adjust | Flag.Parity;
    const operand = random.chance(0.5) ? this.memoryOperand(width) : this.name(width, this.source(width));
    const implicitFree = !this.reserved.has(0) && (width === 8 || !this.reserved.has(2));
    const form = random.below(3);
    if ((form === 0 || width === 8) && implicitFree) {
      const operation = random.pick(['mul', 'imul'] as const);
      this.emit({ text: `${operation} ${operand}`, writes: STATUS_FLAGS, undefined: undefinedFlags });
      return;
    }
    const wide = width === 8 ? 32 : width;
    const destination = this.name(wide, this.destination(wide));
    const source = random.chance(0.5) ? this.memoryOperand(wide) : this.name(wide, this.source(wide));
    const text =
      form === 1 || width === 8
        ? `imul ${destination}, ${source}`
        : `imul ${destination}, ${source}, ${random.chance(0.5) ? hex(random.between(-128, 127) & (wide === 16 ? 0xffff : 0xffffffff)) : this.immediate(wide)}`;
    this.emit({ text, writes: STATUS_FLAGS, undefined: undefinedFlags });
  }

  private divide(): void {
    const random = this.random;
    if (this.reserved.has(0) || this.reserved.has(2)) {
      this.multiply();
      return;
    }
    const width = this.width();
    const signed = random.chance(0.5);
    const bits = BigInt(width);
    const modulus = 1n << bits;
    let divisor = BigInt(random.interestingUint32()) % modulus;
    if (divisor === 0n) divisor = 1n + BigInt(random.below(200));
    let dividend: bigint;
    if (!signed) {
      const quotient = BigInt(random.interestingUint32()) % modulus;
      const remainder = BigInt(random.nextUint32()) % divisor;
      dividend = quotient * divisor + remainder;
      if (dividend >= modulus * modulus) dividend = remainder;
    } else {
      const signedDivisor = divisor >= modulus / 2n ? divisor - modulus : divisor;
      const half = modulus / 2n;
      let quotient = (BigInt(random.interestingUint32()) % modulus) - half;
      if (quotient === -half && random.chance(0.5)) quotient += 1n;
      const magnitude = signedDivisor < 0n ? -signedDivisor : signedDivisor;
      let remainder = BigInt(random.nextUint32()) % magnitude;
      const value = quotient * signedDivisor;
      if (value < 0n || (value === 0n && random.chance(0.5))) remainder = -remainder;
      dividend = value + remainder;
      const quotientCheck = dividend / signedDivisor;
      if (quotientCheck < -half || quotientCheck >= half) dividend = remainder;
      dividend = dividend < 0n ? dividend + modulus * modulus : dividend;
    }
    const mask = modulus - 1n;
    const low = dividend & mask;
    const high = (dividend >> bits) & mask;
    if (width === 8) {
      this.body.push(`mov ax, ${hex(Number(dividend & 0xffffn))}`);
    } else {
      this.body.push(`mov ${this.name(width, 0)}, ${hex(Number(low))}`);
      this.body.push(`mov ${this.name(width, 2)}, ${hex(Number(high))}`);
    }
    let operand: string;
    const free = [1, 3, 5, 6, 7].filter((register) => !this.reserved.has(register));
    const usable = width === 8 ? free.filter((code) => code < 4) : free;
    if (random.chance(0.5) || usable.length === 0) {
      const address = this.memory_(width / 8);
      this.body.push(`mov ${PTR[width]} ${address}, ${hex(Number(divisor))}`);
      operand = `${PTR[width]} ${address}`;
    } else {
      const name = this.name(width, random.pick(usable));
      this.body.push(`mov ${name}, ${hex(Number(divisor))}`);
      operand = name;
    }
    this.emit({
      text: `${signed ? 'idiv' : 'div'} ${operand}`,
      writes: STATUS_FLAGS,
      undefined: STATUS_FLAGS,
    });
  }

  private bcd(): void {
    const random = this.random;
    if (this.reserved.has(0)) {
      this.alu();
      return;
    }
    const operation = random.pick(['daa', 'das', 'aaa', 'aas', 'aam', 'aad'] as const);
    if (random.chance(0.5)) this.body.push(`mov ax, ${hex(random.nextUint32() & 0xffff)}`);
    switch (operation) {
      case 'daa':
      case 'das':
        this.emit({
          text: operation,
          reads: Flag.Carry | Flag.Adjust,
          writes: STATUS_FLAGS,
          undefined: Flag.Overflow,
        });
        return;
      case 'aaa':
      case 'aas':
        this.emit({
          text: operation,
          reads: Flag.Adjust,
          writes: STATUS_FLAGS,
          undefined: Flag.Overflow | Flag.Sign | Flag.Zero | Flag.Parity,
        });
        return;
      default: {
        const base = random.chance(0.5) ? 10 : random.between(1, 255);
        this.emit({
          text: `${operation} ${base}`,
          writes: STATUS_FLAGS,
          undefined: Flag.Overflow | Flag.Adjust | Flag.Carry,
        });
      }
    }
  }

  private bitTest(): void {
    const random = this.random;
    const operation = random.pick(['bt', 'bts', 'btr', 'btc'] as const);
    const width = random.pick([16, 32] as const);
    const effect = {
      writes: STATUS_FLAGS & ~Flag.Zero,
      undefined: Flag.Overflow | Flag.Sign | Flag.Adjust | Flag.Parity,
    };
    const lock = operation !== 'bt' && random.chance(0.2) ? 'lock ' : '';
    switch (random.below(3)) {
      case 0:
        this.emit({
          text: `${operation} ${this.name(width, this.destination(width))}, ${this.name(width, this.source(width))}`,
          ...effect,
        });
        return;
      case 1: {
        const target = random.chance(0.5)
          ? this.memoryOperand(width)
          : this.name(width, this.destination(width));
        this.emit({
          text: `${target.includes('ptr') ? lock : ''}${operation} ${target}, ${hex(random.between(0, 255))}`,
          ...effect,
        });
        return;
      }
      default: {
        const free = [1, 3, 5, 6, 7, 0, 2].filter((register) => !this.reserved.has(register));
        if (free.length === 0) return;
        const register = random.pick(free);
        const bitOffset = random.between(-128, 127);
        this.body.push(`mov ${this.name(32, register)}, ${hex(bitOffset)}`);
        this.emit({
          text: `${lock}${operation} ${this.memoryOperand(width, 16, 44)}, ${this.name(width, register)}`,
          ...effect,
        });
      }
    }
  }

  private bitScan(): void {
    const random = this.random;
    const operation = random.pick(['bsf', 'bsr'] as const);
    const width = random.pick([16, 32] as const);
    const value =
      ((random.interestingUint32() | (1 << random.below(width))) & (width === 16 ? 0xffff : 0xffffffff)) >>>
      0;
    let source: string;
    if (random.chance(0.5)) {
      const address = this.memory_(width / 8);
      this.body.push(`mov ${PTR[width]} ${address}, ${hex(value)}`);
      source = `${PTR[width]} ${address}`;
    } else {
      const register = this.destination(32);
      source = this.name(width, register);
      this.body.push(`mov ${this.name(32, register)}, ${hex(value)}`);
    }
    this.emit({
      text: `${operation} ${this.name(width, this.destination(width))}, ${source}`,
      writes: STATUS_FLAGS,
      undefined: STATUS_FLAGS & ~Flag.Zero,
    });
  }

  private conditional(): void {
    const random = this.random;
    const condition = random.pick(CONDITIONS);
    const reads = CONDITION_READS[condition];
    if (random.chance(0.5)) {
      const target = random.chance(0.5) ? this.memoryOperand(8) : this.name(8, this.destination(8));
      this.emit({ text: `set${condition} ${target}`, reads });
    } else {
      const width = random.pick([16, 32] as const);
      const source = random.chance(0.5) ? this.memoryOperand(width) : this.name(width, this.source(width));
      this.emit({ text: `cmov${condition} ${this.name(width, this.destination(width))}, ${source}`, reads });
    }
    if (random.chance(0.3)) this.alu();
  }

  /** Makes `register` a string pointer at `win+low..high`, unless it already has another use. */
  private stringPointer(register: number, low: number, high: number): boolean {
    if (this.stringPointers.has(register)) return true;
    if (!this.reserveRegister(register, `offset win+${this.random.between(low, high)}`)) return false;
    this.stringPointers.add(register);
    return true;
  }

  private string(): void {
    const random = this.random;
    const operation = random.pick(['movs', 'cmps', 'scas', 'lods', 'stos'] as const);
    const suffix = random.pick(['b', 'w', 'd'] as const);
    const usesSource = operation === 'movs' || operation === 'cmps' || operation === 'lods';
    const usesDestination = operation !== 'lods';
    const writesAccumulator = operation === 'lods' || operation === 'scas' || operation === 'stos';
    if (
      (usesSource && !this.stringPointers.has(6)) ||
      (usesDestination && !this.stringPointers.has(7)) ||
      (writesAccumulator && operation === 'lods' && this.reserved.has(0))
    ) {
      this.alu();
      return;
    }
    let prefix = '';
    if (random.chance(0.6) && !this.reserved.has(1)) {
      prefix = operation === 'cmps' || operation === 'scas' ? random.pick(['repe ', 'repne ']) : 'rep ';
      this.body.push(`mov ecx, ${random.between(0, 5)}`);
    }
    const compares = operation === 'cmps' || operation === 'scas';
    this.emit({ text: `${prefix}${operation}${suffix}`, writes: compares ? STATUS_FLAGS : 0 });
  }

  private exchange(): void {
    const random = this.random;
    const width = this.width();
    switch (random.below(4)) {
      case 0: {
        const [destination, source] = this.twoOperands(width, false);
        if (destination.includes('ptr') || source.includes('ptr')) {
          const memory = destination.includes('ptr') ? destination : source;
          this.emit({ text: `xchg ${memory}, ${this.name(width, this.destination(width))}` });
        } else {
          this.emit({ text: `xchg ${destination}, ${this.name(width, this.destination(width))}` });
        }
        return;
      }
      case 1: {
        if (this.reserved.has(0)) return;
        const target = random.chance(0.5)
          ? this.memoryOperand(width)
          : this.name(width, this.destination(width));
        if (random.chance(0.4)) this.body.push(`mov ${this.name(width, 0)}, ${target}`);
        this.emit({
          text: `${this.lockable(target)}cmpxchg ${target}, ${this.name(width, this.source(width))}`,
          writes: STATUS_FLAGS,
        });
        return;
      }
      case 2: {
        const target = random.chance(0.5)
          ? this.memoryOperand(width)
          : this.name(width, this.destination(width));
        this.emit({
          text: `${this.lockable(target)}xadd ${target}, ${this.name(width, this.destination(width))}`,
          writes: STATUS_FLAGS,
        });
        return;
      }
      default:
        this.emit({ text: `bswap ${this.name(32, this.destination(32))}` });
    }
  }

  private compareExchange8b(): void {
    const random = this.random;
    if ([0, 1, 2, 3].some((register) => this.reserved.has(register))) {
      this.emit({ text: `bswap ${this.name(32, this.destination(32))}` });
      return;
    }
    const address = this.memory_(8);
    if (random.chance(0.5)) {
      this.body.push(`mov eax, dword ptr ${address}`);
      this.body.push(`mov edx, dword ptr ${address.replace(/\]$/, '+4]')}`);
    }
    this.emit({
      text: `${random.chance(0.3) ? 'lock ' : ''}cmpxchg8b qword ptr ${address}`,
      writes: Flag.Zero,
    });
  }

  private extend(): void {
    const random = this.random;
    switch (random.below(3)) {
      case 0: {
        if (this.reserved.has(0) || this.reserved.has(2)) return;
        this.emit({ text: random.pick(['cbw', 'cwde', 'cwd', 'cdq']) });
        return;
      }
      default: {
        const operation = random.pick(['movsx', 'movzx'] as const);
        const destinationWidth = random.pick([16, 32] as const);
        const sourceWidth = destinationWidth === 16 ? 8 : random.pick([8, 16] as const);
        const source = random.chance(0.5)
          ? this.memoryOperand(sourceWidth)
          : this.name(sourceWidth, this.source(sourceWidth));
        this.emit({
          text: `${operation} ${this.name(destinationWidth, this.destination(destinationWidth))}, ${source}`,
        });
      }
    }
  }

  private stack(): void {
    const random = this.random;
    switch (random.below(7)) {
      case 0:
        this.emit({
          text: `push ${random.chance(0.5) ? this.name(random.pick([16, 32] as const), this.source(32)) : this.memoryOperand(random.pick([16, 32] as const))}`,
        });
        return;
      case 1: {
        const width = random.pick([16, 32] as const);
        this.emit({ text: `push ${this.name(width, this.source(32))}` });
        this.emit({
          text: `pop ${random.chance(0.5) ? this.memoryOperand(width) : this.name(width, this.destination(width))}`,
        });
        return;
      }
      case 2:
        this.emit({
          text: `push ${random.chance(0.5) ? hex(random.between(-128, 127)) : this.immediate(32)}`,
        });
        return;
      case 3:
        if (this.reserved.size > 1) {
          this.emit({ text: 'pushad' });
          return;
        }
        this.emit({ text: 'pushad' });
        this.emit({ text: 'popad' });
        return;
      case 4: {
        if (!this.framePointerValid) {
          this.emit({ text: `push ${this.immediate(32)}` });
          return;
        }
        this.emit({ text: `enter ${random.between(0, 8) * 4}, ${random.between(0, 3)}` });
        if (random.chance(0.5)) this.emit({ text: `push ${this.immediate(32)}` });
        if (random.chance(0.7)) {
          this.emit({ text: 'leave' });
          this.framePointerValid = false;
        }
        return;
      }
      case 5:
        this.emit({ text: `pushfd`, reads: STATUS_FLAGS });
        return;
      default:
        this.emit({ text: `push ${hex(random.nextUint32() & (STATUS_FLAGS | Flag.Direction))}` });
        this.emit({ text: 'popfd', writes: STATUS_FLAGS });
    }
  }

  private flags(): void {
    const random = this.random;
    switch (random.below(6)) {
      case 0:
        this.emit({ text: random.pick(['clc', 'stc']), writes: Flag.Carry });
        return;
      case 1:
        this.emit({ text: 'cmc', reads: Flag.Carry, writes: Flag.Carry });
        return;
      case 2:
        this.emit({ text: random.pick(['cld', 'std']) });
        return;
      case 3:
        if (this.reserved.has(0)) return;
        this.emit({ text: 'lahf', reads: STATUS_FLAGS & ~Flag.Overflow });
        return;
      case 4:
        if (!this.reserved.has(0) && random.chance(0.5))
          this.body.push(`mov ah, ${hex(random.nextUint32() & 0xff)}`);
        this.emit({ text: 'sahf', writes: STATUS_FLAGS & ~Flag.Overflow });
        return;
      default:
        this.alu();
    }
  }

  private address(): void {
    const random = this.random;
    const width = random.pick([16, 32] as const);
    const base = this.source(32);
    const index = random.pick([0, 1, 2, 3, 5, 6, 7]);
    const scale = random.pick([1, 2, 4, 8]);
    const displacement = random.chance(0.5) ? random.between(-128, 127) : random.interestingUint32() | 0;
    const forms = [
      `[${REGISTERS_32[base]}+${REGISTERS_32[index]}*${scale}${displacement < 0 ? '' : '+'}${displacement}]`,
      `[${REGISTERS_32[base]}${displacement < 0 ? '' : '+'}${displacement}]`,
      `[${REGISTERS_32[index]}*${scale}]`,
      `[${REGISTERS_32[base]}]`,
      `[esp+${REGISTERS_32[index]}*${scale}]`,
    ];
    const operand = random.pick(forms);
    if (random.chance(0.8)) {
      this.emit({ text: `lea ${this.name(width, this.destination(width))}, ${operand}` });
    } else {
      if (this.reserved.has(3) || this.reserved.has(0)) return;
      this.body.push(`mov ebx, offset xlat_table`);
      this.emit({ text: 'xlatb' });
    }
  }

  // ---- x87 --------------------------------------------------------------------------------

  /**
   * Pushes one value. The x87 stack depth is tracked exactly: qemu-i386 does not model stack
   * overflow and underflow (IE/SF with the default NaN), so sequences never cause either.
   */
  private fpuLoad(): void {
    const random = this.random;
    this.fpuUsed = true;
    if (this.fpuDepth >= 7) this.fpuPop();
    const choice = random.below(8);
    if (choice === 0) {
      this.emit({ text: random.pick(['fld1', 'fldz', 'fldpi', 'fldl2e', 'fldl2t', 'fldlg2', 'fldln2']) });
    } else if (choice <= 3) {
      const format = random.pick([32, 64, 80] as const);
      const slot = random.below(format === 80 ? 16 : 32);
      const table = format === 32 ? 'float_table' : format === 64 ? 'double_table' : 'extended_table';
      this.emit({ text: `fld ${PTR[format]} [${table}+${(slot * format) / 8}]` });
    } else if (choice === 4) {
      this.emit({ text: `fld ${this.memoryOperand(random.pick([32, 64, 80] as const))}` });
    } else if (choice === 5) {
      this.emit({ text: `fild ${this.memoryOperand(random.pick([16, 32, 64] as const))}` });
    } else if (choice === 6 && this.fpuDepth > 0) {
      this.emit({ text: `fld st(${random.below(this.fpuDepth)})` });
    } else {
      this.emit({ text: `fld ${PTR[64]} [double_table+${random.below(32) * 8}]` });
    }
    this.fpuDepth++;
  }

  /** `digits` random packed-BCD digits (each nibble 0..9). */
  private bcdDigits(digits: number): number {
    let value = 0;
    for (let digit = 0; digit < digits; digit++) value = (value * 16 + this.random.below(10)) >>> 0;
    return value;
  }

  /** Discards ST0. */
  private fpuPop(): void {
    this.emit({ text: 'fstp st(0)' });
    this.fpuDepth--;
  }

  /** Loads until at least `minimum` registers are in use. */
  private fpuEnsure(minimum: number): void {
    while (this.fpuDepth < minimum) this.fpuLoad();
  }

  /** A register index in 0..depth-1 (or 1..depth-1 when `notTop`). */
  private fpuRegister(notTop = false): number {
    return notTop ? 1 + this.random.below(this.fpuDepth - 1) : this.random.below(this.fpuDepth);
  }

  private fpuPrologue(): void {
    if (this.fpuUsed) return;
    const random = this.random;
    this.fpuUsed = true;
    if (random.chance(0.3)) {
      const precision = random.pick([0, 2, 3]);
      const rounding = random.below(4);
      this.body.push(`mov word ptr [fpu_control], ${hex(0x3f | (precision << 8) | (rounding << 10))}`);
      this.body.push('fldcw word ptr [fpu_control]');
    }
    const loads = random.between(1, 3);
    for (let load = 0; load < loads; load++) this.fpuLoad();
  }

  private x87Arithmetic(): void {
    const random = this.random;
    this.fpuPrologue();
    if (this.fpuDepth < 2 && random.chance(0.7)) this.fpuLoad();
    this.fpuEnsure(1);
    const operation = random.pick(['fadd', 'fsub', 'fsubr', 'fmul', 'fdiv', 'fdivr'] as const);
    let text: string;
    switch (random.below(8)) {
      case 0:
        text = `${operation} st, st(${this.fpuRegister()})`;
        break;
      case 1:
        text = `${operation} st(${this.fpuRegister()}), st`;
        break;
      case 2:
        this.fpuEnsure(2);
        text = `${operation}p st(${this.fpuRegister(true)}), st`;
        this.fpuDepth--;
        break;
      case 3:
        text = `${operation} ${random.chance(0.5) ? PTR[32] : PTR[64]} ${random.chance(0.5) ? `[double_table+${random.below(16) * 8}]` : this.memory_(8)}`;
        break;
      case 4:
        text = `fi${operation.slice(1)} ${this.memoryOperand(random.pick([16, 32] as const))}`;
        break;
      case 5:
        text = random.pick(['fsqrt', 'fabs', 'fchs', 'frndint', 'fscale', 'fprem', 'fprem1', 'fxtract']);
        if (text === 'fscale' || text === 'fprem' || text === 'fprem1') this.fpuEnsure(2);
        if (text === 'fxtract') {
          if (this.fpuDepth >= 7) this.fpuPop();
          this.fpuEnsure(1);
          this.fpuDepth++;
        }
        if (text === 'fprem' || text === 'fprem1') {
          this.emit({ text });
          this.fpuConditionsDefined = true;
          return;
        }
        break;
      case 6:
        text = `fxch st(${this.fpuRegister()})`;
        break;
      default:
        this.fpuLoad();
        return;
    }
    this.emit({ text });
    this.fpuConditionsDefined = false;
  }

  private x87LoadStore(): void {
    const random = this.random;
    this.fpuPrologue();
    this.fpuEnsure(1);
    switch (random.below(6)) {
      case 0:
        this.fpuLoad();
        return;
      case 1: {
        const pop = random.chance(0.5);
        const format = pop ? random.pick([32, 64, 80] as const) : random.pick([32, 64] as const);
        this.emit({ text: `fst${pop ? 'p' : ''} ${this.memoryOperand(format)}` });
        if (pop) this.fpuDepth--;
        break;
      }
      case 2: {
        const pop = random.chance(0.5);
        const format = pop ? random.pick([16, 32, 64] as const) : random.pick([16, 32] as const);
        this.emit({ text: `fist${pop ? 'p' : ''} ${this.memoryOperand(format)}` });
        if (pop) this.fpuDepth--;
        break;
      }
      case 3:
        if (random.chance(0.5)) {
          this.emit({ text: `fbstp ${this.memoryOperand(80)}` });
          this.fpuDepth--;
        } else {
          if (this.fpuDepth >= 7) this.fpuPop();
          const address = this.memory_(10);
          this.body.push(`mov dword ptr ${address}, ${hex(this.bcdDigits(8))}`);
          this.body.push(`mov dword ptr ${address.replace(/\]$/, '+4]')}, ${hex(this.bcdDigits(8))}`);
          this.body.push(
            `mov word ptr ${address.replace(/\]$/, '+8]')}, ${hex(this.bcdDigits(2) | (random.chance(0.5) ? 0x8000 : 0))}`,
          );
          this.emit({ text: `fbld tbyte ptr ${address}` });
          this.fpuDepth++;
        }
        break;
      case 4:
        this.emit({ text: `fstp st(${this.fpuRegister()})` });
        this.fpuDepth--;
        break;
      default: {
        const condition = random.pick(['b', 'e', 'be', 'u', 'nb', 'ne', 'nbe', 'nu'] as const);
        const reads = condition.endsWith('u')
          ? Flag.Parity
          : condition.endsWith('be')
            ? Flag.Carry | Flag.Zero
            : condition.endsWith('b')
              ? Flag.Carry
              : Flag.Zero;
        this.emit({ text: `fcmov${condition} st, st(${this.fpuRegister()})`, reads });
      }
    }
    this.fpuConditionsDefined = false;
  }

  /**
   * FSIN/FCOS/FSINCOS/FPTAN on any loaded value, FPATAN, FYL2X, and F2XM1/FYL2XP1 only on
   * arguments inside the ranges the SDM defines them for (|x| <= 1, |x| < 1 - sqrt(2)/2).
   */
  private x87Transcendental(): void {
    const random = this.random;
    this.fpuUsed = true;
    const small = (): void => {
      if (this.fpuDepth >= 7) this.fpuPop();
      this.emit({ text: `fld qword ptr [small_table+${random.below(16) * 8}]` });
      this.fpuDepth++;
    };
    const operation = random.pick([
      'fsin',
      'fcos',
      'fsincos',
      'fptan',
      'fpatan',
      'fyl2x',
      'f2xm1',
      'fyl2xp1',
    ] as const);
    switch (operation) {
      case 'f2xm1':
      case 'fyl2xp1':
      case 'fsincos':
      case 'fptan':
        // FSINCOS/FPTAN push only for arguments below 2^63: keep the stack depth exact.
        if (operation === 'fyl2xp1') this.fpuEnsure(1);
        small();
        break;
      case 'fpatan':
      case 'fyl2x':
        this.fpuEnsure(2);
        break;
      default:
        if (random.chance(0.5)) small();
        else this.fpuEnsure(1);
    }
    if ((operation === 'fsincos' || operation === 'fptan') && this.fpuDepth >= 8) this.fpuPop();
    this.emit({ text: operation });
    if (operation === 'fsincos' || operation === 'fptan') this.fpuDepth++;
    if (operation === 'fpatan' || operation === 'fyl2x' || operation === 'fyl2xp1') this.fpuDepth--;
  }

  private x87Compare(): void {
    const random = this.random;
    this.fpuPrologue();
    this.fpuEnsure(2);
    switch (random.below(5)) {
      case 0: {
        const operation = random.pick(['fcom', 'fcomp', 'fucom', 'fucomp']);
        this.emit({ text: `${operation} st(${this.fpuRegister(true)})` });
        if (operation.endsWith('p')) this.fpuDepth--;
        break;
      }
      case 1: {
        const operation = random.pick(['fcom', 'fcomp']);
        this.emit({
          text: `${operation} ${random.chance(0.5) ? PTR[32] : PTR[64]} [double_table+${random.below(16) * 8}]`,
        });
        if (operation === 'fcomp') this.fpuDepth--;
        break;
      }
      case 2: {
        const operation = random.pick(['ftst', 'fxam', 'fcompp', 'fucompp']);
        this.emit({ text: operation });
        if (operation.endsWith('pp')) this.fpuDepth -= 2;
        break;
      }
      case 3: {
        const operation = random.pick(['fcomi', 'fcomip', 'fucomi', 'fucomip']);
        // The SDM clears OF, SF and AF; qemu-i386 (7.2) leaves them unchanged: not compared.
        this.emit({
          text: `${operation} st, st(${this.fpuRegister(true)})`,
          writes: STATUS_FLAGS,
          undefined: Flag.Overflow | Flag.Sign | Flag.Adjust,
        });
        if (operation.endsWith('p')) this.fpuDepth--;
        this.fpuConditionsDefined = false;
        return;
      }
      default:
        this.emit({ text: 'ftst' });
        if (this.reserved.has(0)) break;
        this.emit({ text: 'fnstsw ax' });
        this.emit({ text: 'sahf', writes: STATUS_FLAGS & ~Flag.Overflow });
        // AX now holds the status word, whose C1 the comparison leaves undefined.
        this.emit({ text: 'and ax, 0xfdff', writes: STATUS_FLAGS, undefined: Flag.Adjust });
        break;
    }
    this.fpuConditionsDefined = true;
  }
}
