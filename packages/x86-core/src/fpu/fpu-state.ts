/**
 * The x87 register file: eight physical 80-bit registers, TOP, the empty/valid tags, control and
 * status words and the last instruction/data pointers. Instruction semantics live in
 * `fpu-instructions.ts`.
 */
import { FLOATX80_ZERO, type Floatx80, floatx80Exponent, packFloatx80 } from './softfloat/floatx80.js';

/** Status word bits (TOP, bits 13..11, is kept separately in {@link FpuState.top}). */
export const StatusWord = {
  /** Invalid operation. */
  Invalid: 0x0001,
  /** Denormal operand. */
  Denormal: 0x0002,
  /** Zero divide. */
  ZeroDivide: 0x0004,
  /** Overflow. */
  Overflow: 0x0008,
  /** Underflow. */
  Underflow: 0x0010,
  /** Precision. */
  Precision: 0x0020,
  /** Stack fault (with IE; C1 tells overflow 1 / underflow 0). */
  StackFault: 0x0040,
  /** Exception summary: an unmasked exception is pending. */
  ErrorSummary: 0x0080,
  /** Condition code C0. */
  C0: 0x0100,
  /** Condition code C1. */
  C1: 0x0200,
  /** Condition code C2. */
  C2: 0x0400,
  /** Condition code C3. */
  C3: 0x4000,
  /** FPU busy (mirrors ES). */
  Busy: 0x8000,
} as const;

/** Control word fields. */
export const ControlWord = {
  /** The six exception mask bits (IM DM ZM OM UM PM). */
  ExceptionMasks: 0x003f,
  /** Precision control, bits 9..8: 0 = 24 bits, 2 = 53 bits, 3 = 64 bits (1 reserved: 64). */
  PrecisionShift: 8,
  /** Rounding control, bits 11..10. */
  RoundingShift: 10,
  /** Value after FNINIT. */
  Initial: 0x037f,
} as const;

/** Tag word encodings (two bits per physical register). */
export const Tag = { Valid: 0, Zero: 1, Special: 2, Empty: 3 } as const;

/** Versioned, JSON-safe snapshot of the FPU. */
export interface FpuSnapshot {
  /** Snapshot format version. */
  version: 1;
  /** Control word. */
  control: number;
  /** Status word without TOP. */
  status: number;
  /** Top-of-stack index 0..7. */
  top: number;
  /** Empty flags of the physical registers 0..7. */
  empty: boolean[];
  /** Physical registers 0..7 as 20 hex digits (sign/exponent then significand). */
  registers: string[];
  /** Last instruction pointer offset. */
  instructionPointer: number;
  /** Last instruction code-segment selector. */
  instructionSelector: number;
  /** Last opcode (11 bits). */
  opcode: number;
  /** Last data pointer offset. */
  dataPointer: number;
  /** Last data segment selector. */
  dataSelector: number;
}

/** The x87 state. All fields are plain numbers; registers hold immutable {@link Floatx80} values. */
export class FpuState {
  /** Physical registers R0..R7. */
  readonly registers: Floatx80[] = new Array<Floatx80>(8).fill(FLOATX80_ZERO);
  /** Empty flags of R0..R7 (1 = empty). */
  readonly empty = new Uint8Array(8);
  /** TOP: the physical index of ST(0). */
  top = 0;
  /** Control word (16 bits). */
  control: number = ControlWord.Initial;
  /** Status word without the TOP field. */
  status = 0;
  /** FIP: offset of the last non-control x87 instruction. */
  instructionPointer = 0;
  /** FCS: its code-segment selector. */
  instructionSelector = 0;
  /** FOP: low three bits of its first opcode byte and its ModRM byte. */
  opcode = 0;
  /** FDP: offset of its memory operand. */
  dataPointer = 0;
  /** FDS: selector of its memory operand. */
  dataSelector = 0;

  constructor() {
    this.initialize();
  }

  /** FNINIT: control 0x037F, status 0, all registers empty, pointers cleared. */
  initialize(): void {
    this.control = ControlWord.Initial;
    this.status = 0;
    this.top = 0;
    this.empty.fill(1);
    this.instructionPointer = 0;
    this.instructionSelector = 0;
    this.opcode = 0;
    this.dataPointer = 0;
    this.dataSelector = 0;
  }

  /** The physical index of ST(i). */
  physical(index: number): number {
    return (this.top + index) & 7;
  }

  /** ST(i). */
  st(index: number): Floatx80 {
    return this.registers[(this.top + index) & 7]!;
  }

  /** Writes ST(i) and marks it valid. */
  setSt(index: number, value: Floatx80): void {
    const physical = (this.top + index) & 7;
    this.registers[physical] = value;
    this.empty[physical] = 0;
  }

  /** Whether ST(i) is empty. */
  isEmpty(index: number): boolean {
    return this.empty[(this.top + index) & 7] === 1;
  }

  /** Decrements TOP and stores the value in the new ST(0). */
  push(value: Floatx80): void {
    this.top = (this.top - 1) & 7;
    this.registers[this.top] = value;
    this.empty[this.top] = 0;
  }

  /** Marks ST(0) empty and increments TOP. */
  pop(): void {
    this.empty[this.top] = 1;
    this.top = (this.top + 1) & 7;
  }

  /** The status word as FNSTSW stores it (TOP in bits 13..11). */
  statusWord(): number {
    return ((this.status & ~0x3800) | (this.top << 11)) & 0xffff;
  }

  /** Loads a status word (FLDENV/FRSTOR): TOP from bits 13..11, B follows ES. */
  setStatusWord(value: number): void {
    this.top = (value >> 11) & 7;
    let status = value & ~0x3800 & ~StatusWord.Busy & 0xffff;
    if (status & StatusWord.ErrorSummary) status |= StatusWord.Busy;
    this.status = status;
  }

  /** The full tag word, computing valid/zero/special from the register contents. */
  tagWord(): number {
    let tags = 0;
    for (let physical = 7; physical >= 0; physical--) {
      tags <<= 2;
      if (this.empty[physical]) {
        tags |= Tag.Empty;
        continue;
      }
      const value = this.registers[physical]!;
      const exponent = floatx80Exponent(value);
      if (exponent === 0 && value.significand === 0n) tags |= Tag.Zero;
      else if (exponent === 0 || exponent === 0x7fff || value.significand >> 63n === 0n) tags |= Tag.Special;
    }
    return tags;
  }

  /** Loads a tag word: only "empty" (11) versus anything else is kept, as on real hardware. */
  setTagWord(value: number): void {
    for (let physical = 0; physical < 8; physical++) {
      this.empty[physical] = ((value >> (physical * 2)) & 3) === Tag.Empty ? 1 : 0;
    }
  }

  /** A JSON-safe snapshot. */
  getState(): FpuSnapshot {
    return {
      version: 1,
      control: this.control,
      status: this.status,
      top: this.top,
      empty: Array.from(this.empty, (flag) => flag === 1),
      registers: this.registers.map(
        (value) =>
          value.signExponent.toString(16).padStart(4, '0') + value.significand.toString(16).padStart(16, '0'),
      ),
      instructionPointer: this.instructionPointer,
      instructionSelector: this.instructionSelector,
      opcode: this.opcode,
      dataPointer: this.dataPointer,
      dataSelector: this.dataSelector,
    };
  }

  /** Restores a snapshot from {@link getState}; throws on a malformed one. */
  static fromState(snapshot: FpuSnapshot): FpuState {
    if (snapshot.version !== 1 || snapshot.registers.length !== 8 || snapshot.empty.length !== 8) {
      throw new Error('FpuState.fromState: unsupported or malformed snapshot');
    }
    const state = new FpuState();
    state.control = snapshot.control & 0xffff;
    state.status = snapshot.status & 0xffff & ~0x3800;
    state.top = snapshot.top & 7;
    for (let physical = 0; physical < 8; physical++) {
      const text = snapshot.registers[physical]!;
      if (!/^[0-9a-f]{20}$/.test(text)) throw new Error('FpuState.fromState: bad register text');
      const signExponent = Number.parseInt(text.slice(0, 4), 16);
      state.registers[physical] = packFloatx80(
        signExponent >> 15,
        signExponent & 0x7fff,
        BigInt(`0x${text.slice(4)}`),
      );
      state.empty[physical] = snapshot.empty[physical] ? 1 : 0;
    }
    state.instructionPointer = snapshot.instructionPointer >>> 0;
    state.instructionSelector = snapshot.instructionSelector & 0xffff;
    state.opcode = snapshot.opcode & 0x7ff;
    state.dataPointer = snapshot.dataPointer >>> 0;
    state.dataSelector = snapshot.dataSelector & 0xffff;
    return state;
  }
}
