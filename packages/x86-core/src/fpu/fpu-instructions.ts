/**
 * x87 instruction semantics: the escape opcodes D8..DF and FWAIT (9B).
 *
 * The caller (the CPU) decodes prefixes and the ModRM/SIB bytes, computes the linear address of a
 * memory operand and calls {@link executeFpu}. Memory goes through {@link FpuHost} so that
 * segmentation, paging and faults stay the CPU's business: a host access may throw its own fault
 * object, and the FPU reads every operand before it changes any state, so a faulting instruction
 * can be restarted. Stores are written before the register stack is updated.
 *
 * Exceptions: flags accumulate in the status word; an unmasked one sets ES and B. It is delivered
 * on the next waiting x87 instruction or FWAIT as #MF (CR0.NE = 1) or, with CR0.NE = 0, through
 * {@link FpuHost.signalFerr} (the PC's FERR#/IRQ 13 path; execution continues as with IGNNE#).
 * CR0.EM or CR0.TS make the escapes raise #NM; FWAIT raises #NM when CR0.TS and CR0.MP are set.
 */
import { FpuState, StatusWord } from './fpu-state.js';
import {
  FLOATX80_DEFAULT_NAN,
  FLOATX80_ONE,
  FLOATX80_ZERO,
  FloatFlag,
  FloatRelation,
  type FloatRelationValue,
  FloatStatus,
  type Floatx80,
  float32ToFloatx80,
  float64ToFloatx80,
  floatx80Absolute,
  floatx80Add,
  floatx80Compare,
  floatx80Divide,
  floatx80EffectiveExponent,
  floatx80Multiply,
  floatx80Negate,
  floatx80Remainder,
  floatx80RoundToInteger,
  floatx80RoundToPrecision,
  floatx80Scale,
  floatx80SquareRoot,
  floatx80Subtract,
  floatx80ToFloat32,
  floatx80ToFloat64,
  floatx80ToInteger,
  integerToFloatx80,
  isInfinity,
  isInvalidEncoding,
  isNan,
  isSignalingNan,
  isZero,
  packFloatx80,
  silenceNan,
} from './softfloat/floatx80.js';
import { f2xm1, fpatan, fyl2x, fyl2xp1, sineCosineTangent } from './transcendental.js';

/** What the FPU needs from the CPU. Addresses are linear; reads return unsigned values. */
export interface FpuHost {
  /** Reads a byte at a linear address (may throw the CPU's fault). */
  read8(address: number): number;
  /** Reads a 16-bit word. */
  read16(address: number): number;
  /** Reads a 32-bit doubleword (unsigned). */
  read32(address: number): number;
  /** Writes a byte. */
  write8(address: number, value: number): void;
  /** Writes a 16-bit word. */
  write16(address: number, value: number): void;
  /** Writes a 32-bit doubleword. */
  write32(address: number, value: number): void;
  /** Current EFLAGS (FCMOVcc reads CF, ZF, PF). */
  readEflags(): number;
  /**
   * FCOMI/FUCOMI(P): clears OF, SF and AF (as the SDM and hardware do; QEMU 7.2 leaves them, see
   * docs/decisions/2026-11-28-fcomi-flags.md) and, when `setResult`, sets ZF, PF, CF from the
   * comparison. `setResult` is false when an unmasked invalid-operation exception (or stack
   * fault) aborted the comparison: ZF, PF, CF keep their values.
   */
  writeComparisonFlags(zero: boolean, parity: boolean, carry: boolean, setResult: boolean): void;
  /** FNSTSW AX. */
  writeAx(value: number): void;
  /** CR0 (EM, TS, MP, NE are read). */
  readCr0(): number;
  /** True in real-address or virtual-8086 mode (selects the real-mode FSTENV/FSAVE layout). */
  isRealOrVirtual8086(): boolean;
  /** Optional: raise FERR# (IRQ 13 on a PC) for a pending exception when CR0.NE = 0. */
  signalFerr?(): void;
  /**
   * Optional: throw the CPU's fault if any byte of [address, address + length) cannot be written.
   * Called before multi-part stores (m64, m80, BCD, FSTENV, FSAVE) so that they are all or nothing.
   */
  probeWrite?(address: number, length: number): void;
  /**
   * Optional: throw the CPU's fault (segment limit/rights #GP or #SS, #PF on any page) unless
   * all of [address, address + length) can be read (or written, when `write`). Called once per
   * memory-operand instruction, after the #NM and pending-#MF checks and before any byte is
   * read or written, with the operand's full size (2..108 bytes), so a faulting store writes
   * nothing.
   */
  checkMemoryOperand?(address: number, length: number, write: boolean): void;
}

/** Decoded x87 instruction as the CPU hands it over. */
export interface FpuInstruction {
  /** First opcode byte, 0xD8..0xDF. */
  opcode: number;
  /** The ModRM byte. */
  modrm: number;
  /** Linear address of the memory operand (ignored when ModRM.mod = 3). */
  address: number;
  /** 32-bit operand size (FSTENV/FSAVE layout). */
  operandSize32: boolean;
  /** Offset (EIP) of the instruction, recorded as FIP. */
  instructionPointer: number;
  /** CS selector, recorded as FCS. */
  codeSelector: number;
  /** Effective address offset of the memory operand, recorded as FDP. */
  dataOffset: number;
  /** Selector of the memory operand's segment, recorded as FDS. */
  dataSelector: number;
}

/** Outcome of an x87 instruction: 0 = completed, otherwise an exception vector to deliver. */
export const FpuOutcome = {
  /** Completed. */
  Done: 0,
  /** #UD: invalid opcode (undefined escape encodings, FISTTP which is SSE3). */
  InvalidOpcode: 6,
  /** #NM: device not available (CR0.EM / CR0.TS). */
  DeviceNotAvailable: 7,
  /** #MF: x87 floating-point error pending (CR0.NE = 1). */
  FloatingPointError: 16,
} as const;
/** One of {@link FpuOutcome}. */
export type FpuOutcomeValue = (typeof FpuOutcome)[keyof typeof FpuOutcome];

/** Options that choose between hardware and QEMU behaviour where they differ. */
export interface FpuOptions {
  /** Set C1 when a result was rounded up (real x87). QEMU never does; default false. */
  reportRoundUpInC1?: boolean;
}

const CR0_MP = 1 << 1;
const CR0_EM = 1 << 2;
const CR0_TS = 1 << 3;
const CR0_NE = 1 << 5;
const FLAG_CARRY = 0x01;
const FLAG_PARITY = 0x04;
const FLAG_ZERO = 0x40;

const CONDITION_MASK = StatusWord.C0 | StatusWord.C1 | StatusWord.C2 | StatusWord.C3;

/**
 * Bytes of the memory operand of escape `escapeIndex` (0 = D8 .. 7 = DF) with ModRM.reg `reg`,
 * or 0 for the undefined memory encodings (#UD): m16/m32/m64/m80 reals and integers, m80bcd,
 * the 2-byte control/status words, FSTENV/FLDENV 14 or 28 and FSAVE/FRSTOR 94 or 108 bytes
 * (16-bit or 32-bit operand size).
 */
export function memoryOperandLength(escapeIndex: number, reg: number, operandSize32: boolean): number {
  switch (escapeIndex) {
    case 0: // D8 m32real
    case 2: // DA m32int
      return 4;
    case 4: // DC m64real
      return 8;
    case 6: // DE m16int
      return 2;
    case 1: // D9: FLD/FST/FSTP m32, FLDENV, FLDCW, FNSTENV, FNSTCW
      if (reg === 1) return 0;
      if (reg === 4 || reg === 6) return operandSize32 ? 28 : 14;
      return reg === 5 || reg === 7 ? 2 : 4;
    case 3: // DB: FILD/FIST/FISTP m32int, FLD/FSTP m80
      if (reg === 1 || reg === 4 || reg === 6) return 0;
      return reg >= 5 ? 10 : 4;
    case 5: // DD: FLD/FST/FSTP m64, FRSTOR, FNSAVE, FNSTSW m16
      if (reg === 1 || reg === 5) return 0;
      if (reg === 4 || reg === 6) return (operandSize32 ? 28 : 14) + 80;
      return reg === 7 ? 2 : 8;
    default: // DF: FILD/FIST/FISTP m16int, FBLD/FBSTP m80bcd, FILD/FISTP m64int
      if (reg === 1) return 0;
      if (reg === 4 || reg === 6) return 10;
      return reg === 5 || reg === 7 ? 8 : 2;
  }
}

/** True when the memory form of escape `escapeIndex` / ModRM.reg writes memory. */
export function isMemoryStore(escapeIndex: number, reg: number): boolean {
  switch (escapeIndex) {
    case 1: // D9: FST, FSTP m32, FNSTENV, FNSTCW
      return reg === 2 || reg === 3 || reg === 6 || reg === 7;
    case 3: // DB: FIST, FISTP m32int, FSTP m80
      return reg === 2 || reg === 3 || reg === 7;
    case 5: // DD: FST, FSTP m64, FNSAVE, FNSTSW
      return reg === 2 || reg === 3 || reg === 6 || reg === 7;
    case 7: // DF: FIST, FISTP m16int, FBSTP, FISTP m64int
      return reg === 2 || reg === 3 || reg === 6 || reg === 7;
    default: // D8, DA, DC, DE: arithmetic and compares read their operand
      return false;
  }
}

/** The x87 unit: state plus a reusable softfloat status. */
export class Fpu {
  /** Architectural state. */
  state: FpuState;
  /** Scratch softfloat status, reset per instruction. */
  private readonly floatStatus = new FloatStatus();
  private readonly reportRoundUpInC1: boolean;

  constructor(state: FpuState = new FpuState(), options: FpuOptions = {}) {
    this.state = state;
    this.reportRoundUpInC1 = options.reportRoundUpInC1 ?? false;
  }

  /** FWAIT/WAIT (9B). */
  executeWait(host: FpuHost): FpuOutcomeValue {
    const cr0 = host.readCr0();
    if ((cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) return FpuOutcome.DeviceNotAvailable;
    return this.checkPending(host);
  }

  /** Executes one escape instruction. */
  execute(host: FpuHost, instruction: FpuInstruction): FpuOutcomeValue {
    const cr0 = host.readCr0();
    if (cr0 & (CR0_EM | CR0_TS)) return FpuOutcome.DeviceNotAvailable;
    const escapeIndex = instruction.opcode & 7;
    const modrm = instruction.modrm & 0xff;
    const mod = modrm >> 6;
    const reg = (modrm >> 3) & 7;
    const rm = modrm & 7;
    if (!isNonWaiting(escapeIndex, mod, reg, modrm)) {
      const pending = this.checkPending(host);
      if (pending !== FpuOutcome.Done) return pending;
    }
    if (mod !== 3 && host.checkMemoryOperand !== undefined) {
      const length = memoryOperandLength(escapeIndex, reg, instruction.operandSize32);
      if (length !== 0)
        host.checkMemoryOperand(instruction.address >>> 0, length, isMemoryStore(escapeIndex, reg));
    }
    const state = this.state;
    const status = this.floatStatus;
    status.flags = 0;
    status.roundedUp = false;
    status.roundingMode = (state.control >> 10) & 3;
    const precisionControl = (state.control >> 8) & 3;
    status.precision = precisionControl === 0 ? 24 : precisionControl === 2 ? 53 : 64;
    const control = isControlInstruction(escapeIndex, mod, reg, modrm);
    let outcome: FpuOutcomeValue;
    if (mod === 3) {
      outcome = this.executeRegister(host, escapeIndex, reg, rm, modrm);
    } else {
      outcome = this.executeMemory(host, escapeIndex, reg, instruction);
    }
    if (outcome !== FpuOutcome.Done) return outcome;
    if (!control) {
      state.instructionPointer = instruction.instructionPointer >>> 0;
      state.instructionSelector = instruction.codeSelector & 0xffff;
      state.opcode = ((escapeIndex << 8) | modrm) & 0x7ff;
      if (mod !== 3) {
        state.dataPointer = instruction.dataOffset >>> 0;
        state.dataSelector = instruction.dataSelector & 0xffff;
      }
    }
    return FpuOutcome.Done;
  }

  /** Delivers a pending unmasked exception (ES set) before a waiting instruction. */
  private checkPending(host: FpuHost): FpuOutcomeValue {
    if ((this.state.status & StatusWord.ErrorSummary) === 0) return FpuOutcome.Done;
    if (host.readCr0() & CR0_NE) return FpuOutcome.FloatingPointError;
    host.signalFerr?.();
    return FpuOutcome.Done;
  }

  /** Whether the exceptions in `flags` are all masked by the control word. */
  private masked(flags: number): boolean {
    return (flags & ~this.state.control & 0x3f) === 0;
  }

  /** ORs exception flags into the status word, setting ES/B if any is unmasked. */
  private raiseFlags(flags: number): void {
    const state = this.state;
    state.status |= flags & 0x7f;
    if (state.status & ~state.control & 0x3f) {
      state.status |= StatusWord.ErrorSummary | StatusWord.Busy;
    }
  }

  /**
   * Merges the softfloat flags of the current instruction. Returns false when an unmasked IE or
   * ZE means the destination must be left unchanged.
   */
  private commitFlags(): boolean {
    const status = this.floatStatus;
    const flags = status.flags;
    if (this.reportRoundUpInC1 && flags & FloatFlag.Inexact) {
      this.state.status = status.roundedUp
        ? this.state.status | StatusWord.C1
        : this.state.status & ~StatusWord.C1;
    }
    this.raiseFlags(flags);
    return this.masked(flags & (FloatFlag.Invalid | FloatFlag.DivideByZero));
  }

  /** Stack underflow (empty source): IE|SF, C1 = 0. Returns true if the masked response applies. */
  private stackUnderflow(): boolean {
    this.state.status &= ~StatusWord.C1;
    this.raiseFlags(FloatFlag.Invalid | StatusWord.StackFault);
    return this.masked(FloatFlag.Invalid);
  }

  /** Stack overflow (push onto a full register): IE|SF, C1 = 1. */
  private stackOverflow(): boolean {
    this.state.status |= StatusWord.C1;
    this.raiseFlags(FloatFlag.Invalid | StatusWord.StackFault);
    return this.masked(FloatFlag.Invalid);
  }

  /** Pushes a value, handling stack overflow (masked: the default NaN is pushed). */
  private pushValue(value: Floatx80): void {
    const state = this.state;
    if (!state.isEmpty(7)) {
      if (!this.stackOverflow()) return;
      value = FLOATX80_DEFAULT_NAN;
    }
    state.push(value);
  }

  // ---------------------------------------------------------------------------------------------
  // Arithmetic helpers

  private arithmetic(operation: number, destination: Floatx80, source: Floatx80): Floatx80 {
    const status = this.floatStatus;
    switch (operation) {
      case 0:
        return floatx80Add(destination, source, status);
      case 1:
        return floatx80Multiply(destination, source, status);
      case 4:
        return floatx80Subtract(destination, source, status);
      case 5:
        return floatx80Subtract(source, destination, status);
      case 6:
        return floatx80Divide(destination, source, status);
      default:
        return floatx80Divide(source, destination, status);
    }
  }

  /** Sets C3/C2/C0 from a comparison (FCOM/FUCOM/FICOM/FTST), leaving C1 alone as QEMU does. */
  private setCompareCodes(relation: FloatRelationValue): void {
    const state = this.state;
    state.status &= ~(StatusWord.C0 | StatusWord.C2 | StatusWord.C3);
    if (relation === FloatRelation.Less) state.status |= StatusWord.C0;
    else if (relation === FloatRelation.Equal) state.status |= StatusWord.C3;
    else if (relation === FloatRelation.Unordered)
      state.status |= StatusWord.C0 | StatusWord.C2 | StatusWord.C3;
  }

  /** FCOM-family with ST(0) and `source`; pops `pops` times. */
  private compare(source: Floatx80 | undefined, quiet: boolean, pops: number, sourceEmpty: boolean): void {
    const state = this.state;
    if (state.isEmpty(0) || sourceEmpty || source === undefined) {
      if (!this.stackUnderflow()) return;
      this.setCompareCodes(FloatRelation.Unordered);
    } else {
      const relation = floatx80Compare(state.st(0), source, this.floatStatus, quiet);
      this.commitFlags();
      if (!this.masked(this.floatStatus.flags & FloatFlag.Invalid)) return;
      this.setCompareCodes(relation);
    }
    for (let index = 0; index < pops; index++) state.pop();
  }

  /** FCOMI/FUCOMI(P) with ST(i). */
  private compareToEflags(host: FpuHost, index: number, quiet: boolean, pop: boolean): void {
    const state = this.state;
    let relation: FloatRelationValue;
    // OF, SF and AF are cleared even when an unmasked #IA leaves ZF, PF and CF alone (SDM).
    if (state.isEmpty(0) || state.isEmpty(index)) {
      if (!this.stackUnderflow()) {
        host.writeComparisonFlags(false, false, false, false);
        return;
      }
      relation = FloatRelation.Unordered;
    } else {
      relation = floatx80Compare(state.st(0), state.st(index), this.floatStatus, quiet);
      this.commitFlags();
      if (!this.masked(this.floatStatus.flags & FloatFlag.Invalid)) {
        host.writeComparisonFlags(false, false, false, false);
        return;
      }
    }
    host.writeComparisonFlags(
      relation === FloatRelation.Equal || relation === FloatRelation.Unordered,
      relation === FloatRelation.Unordered,
      relation === FloatRelation.Less || relation === FloatRelation.Unordered,
      true,
    );
    if (pop) state.pop();
  }

  /** ST(0) op= source (memory or ST(i)); for register forms on DC/DE, ST(i) op= ST(0). */
  /** Returns false when an unmasked exception aborted the instruction (no store, no pop). */
  private arithmeticToStack(
    operation: number,
    destinationIndex: number,
    source: Floatx80 | undefined,
  ): boolean {
    const state = this.state;
    if (state.isEmpty(destinationIndex) || source === undefined) {
      if (!this.stackUnderflow()) return false;
      state.setSt(destinationIndex, FLOATX80_DEFAULT_NAN);
      return true;
    }
    const result = this.arithmetic(operation, state.st(destinationIndex), source);
    if (!this.commitFlags()) return false;
    state.setSt(destinationIndex, result);
    return true;
  }

  // ---------------------------------------------------------------------------------------------
  // Register forms

  private executeRegister(
    host: FpuHost,
    escapeIndex: number,
    reg: number,
    rm: number,
    modrm: number,
  ): FpuOutcomeValue {
    const state = this.state;
    const sourceOf = (index: number): Floatx80 | undefined =>
      state.isEmpty(index) ? undefined : state.st(index);
    switch (escapeIndex) {
      case 0: // D8: ST(0) = ST(0) op ST(i); FCOM/FCOMP ST(i)
        if (reg === 2 || reg === 3) {
          this.compare(sourceOf(rm), false, reg - 2, state.isEmpty(rm));
        } else {
          this.arithmeticToStack(reg, 0, sourceOf(rm));
        }
        return FpuOutcome.Done;
      case 1:
        return this.executeD9Register(host, reg, rm, modrm);
      case 2: // DA: FCMOVB/E/BE/U, FUCOMPP
        if (reg < 4) {
          const flags = host.readEflags();
          const conditions = [
            flags & FLAG_CARRY,
            flags & FLAG_ZERO,
            flags & (FLAG_CARRY | FLAG_ZERO),
            flags & FLAG_PARITY,
          ];
          this.conditionalMove(rm, conditions[reg] !== 0);
          return FpuOutcome.Done;
        }
        if (modrm === 0xe9) {
          this.compare(sourceOf(1), true, 2, state.isEmpty(1));
          return FpuOutcome.Done;
        }
        return FpuOutcome.InvalidOpcode;
      case 3: // DB: FCMOVNcc, FNCLEX, FNINIT, FUCOMI, FCOMI
        if (reg < 4) {
          const flags = host.readEflags();
          const conditions = [
            flags & FLAG_CARRY,
            flags & FLAG_ZERO,
            flags & (FLAG_CARRY | FLAG_ZERO),
            flags & FLAG_PARITY,
          ];
          this.conditionalMove(rm, conditions[reg] === 0);
          return FpuOutcome.Done;
        }
        if (reg === 4) {
          if (modrm === 0xe0 || modrm === 0xe1 || modrm === 0xe4) return FpuOutcome.Done; // FNENI/FNDISI/FNSETPM
          if (modrm === 0xe2) {
            state.status &= 0x7f00 & ~StatusWord.Busy;
            return FpuOutcome.Done;
          }
          if (modrm === 0xe3) {
            state.initialize();
            return FpuOutcome.Done;
          }
          return FpuOutcome.InvalidOpcode;
        }
        if (reg === 5 || reg === 6) {
          this.compareToEflags(host, rm, reg === 5, false);
          return FpuOutcome.Done;
        }
        return FpuOutcome.InvalidOpcode;
      case 4: // DC: ST(i) = ST(i) op ST(0) with SUB/SUBR and DIV/DIVR swapped; FCOM2/FCOMP3 aliases
        if (reg === 2 || reg === 3) {
          this.compare(sourceOf(rm), false, reg - 2, state.isEmpty(rm));
        } else {
          this.arithmeticToStack(reg < 4 ? reg : reg ^ 1, rm, sourceOf(0));
        }
        return FpuOutcome.Done;
      case 5: // DD: FFREE, FXCH4, FST, FSTP, FUCOM, FUCOMP
        switch (reg) {
          case 0:
            state.empty[state.physical(rm)] = 1;
            return FpuOutcome.Done;
          case 1:
            this.exchange(rm);
            return FpuOutcome.Done;
          case 2:
          case 3:
            this.storeToRegister(rm, reg === 3);
            return FpuOutcome.Done;
          case 4:
          case 5:
            this.compare(sourceOf(rm), true, reg - 4, state.isEmpty(rm));
            return FpuOutcome.Done;
          default:
            return FpuOutcome.InvalidOpcode;
        }
      case 6: // DE: the popping forms; FCOMPP
        if (reg === 2) {
          this.compare(sourceOf(rm), false, 1, state.isEmpty(rm));
          return FpuOutcome.Done;
        }
        if (reg === 3) {
          if (rm !== 1) return FpuOutcome.InvalidOpcode;
          this.compare(sourceOf(1), false, 2, state.isEmpty(1));
          return FpuOutcome.Done;
        }
        if (this.arithmeticToStack(reg < 4 ? reg : reg ^ 1, rm, sourceOf(0))) state.pop();
        return FpuOutcome.Done;
      default: // DF: FFREEP, FXCH7, FSTP8/9, FNSTSW AX, FUCOMIP, FCOMIP
        switch (reg) {
          case 0:
            state.empty[state.physical(rm)] = 1;
            state.pop();
            return FpuOutcome.Done;
          case 1:
            this.exchange(rm);
            return FpuOutcome.Done;
          case 2:
          case 3:
            this.storeToRegister(rm, true);
            return FpuOutcome.Done;
          case 4:
            if (rm !== 0) return FpuOutcome.InvalidOpcode;
            host.writeAx(state.statusWord());
            return FpuOutcome.Done;
          case 5:
          case 6:
            this.compareToEflags(host, rm, reg === 5, true);
            return FpuOutcome.Done;
          default:
            return FpuOutcome.InvalidOpcode;
        }
    }
  }

  private conditionalMove(index: number, condition: boolean): void {
    const state = this.state;
    if (state.isEmpty(index)) {
      if (this.stackUnderflow() && condition) state.setSt(0, FLOATX80_DEFAULT_NAN);
      return;
    }
    if (condition) state.setSt(0, state.st(index));
  }

  private exchange(index: number): void {
    const state = this.state;
    let first = state.st(0);
    let second = state.st(index);
    if (state.isEmpty(0) || state.isEmpty(index)) {
      if (!this.stackUnderflow()) return;
      if (state.isEmpty(0)) first = FLOATX80_DEFAULT_NAN;
      if (state.isEmpty(index)) second = FLOATX80_DEFAULT_NAN;
    }
    state.setSt(0, second);
    state.setSt(index, first);
  }

  private storeToRegister(index: number, pop: boolean): void {
    const state = this.state;
    if (state.isEmpty(0)) {
      if (!this.stackUnderflow()) return;
      state.setSt(index, FLOATX80_DEFAULT_NAN);
    } else {
      state.setSt(index, state.st(0));
    }
    if (pop) state.pop();
  }

  private executeD9Register(_host: FpuHost, reg: number, rm: number, modrm: number): FpuOutcomeValue {
    const state = this.state;
    const status = this.floatStatus;
    switch (reg) {
      case 0: {
        // FLD ST(i)
        const value = state.isEmpty(rm) ? undefined : state.st(rm);
        if (value === undefined) {
          if (!this.stackUnderflow()) return FpuOutcome.Done;
          this.pushValue(FLOATX80_DEFAULT_NAN);
        } else {
          this.pushValue(value);
        }
        return FpuOutcome.Done;
      }
      case 1:
        this.exchange(rm);
        return FpuOutcome.Done;
      case 2:
        return modrm === 0xd0 ? FpuOutcome.Done : FpuOutcome.InvalidOpcode; // FNOP
      case 3:
        this.storeToRegister(rm, true); // FSTP1 alias
        return FpuOutcome.Done;
      default:
        break;
    }
    // D9 E0..FF: operations without operands.
    switch (modrm) {
      case 0xe0: // FCHS
      case 0xe1: // FABS
        if (state.isEmpty(0)) {
          if (this.stackUnderflow()) state.setSt(0, FLOATX80_DEFAULT_NAN);
        } else {
          state.setSt(0, modrm === 0xe0 ? floatx80Negate(state.st(0)) : floatx80Absolute(state.st(0)));
        }
        return FpuOutcome.Done;
      case 0xe4: // FTST
        this.compare(FLOATX80_ZERO, false, 0, false);
        return FpuOutcome.Done;
      case 0xe5: // FXAM
        this.examine();
        return FpuOutcome.Done;
      case 0xe8:
      case 0xe9:
      case 0xea:
      case 0xeb:
      case 0xec:
      case 0xed:
      case 0xee:
        this.pushValue(loadConstant(modrm, status.roundingMode));
        return FpuOutcome.Done;
      case 0xf0: // F2XM1
        return this.unary((value) => f2xm1(value, status));
      case 0xf1: // FYL2X
        return this.binaryPop((x, y) => fyl2x(x, y, status));
      case 0xf2: // FPTAN
        return this.partialTangent('tan');
      case 0xf3: // FPATAN
        return this.binaryPop((x, y) => fpatan(x, y, status));
      case 0xf4: // FXTRACT
        this.extract();
        return FpuOutcome.Done;
      case 0xf5: // FPREM1
        this.partialRemainder(false);
        return FpuOutcome.Done;
      case 0xf6: // FDECSTP
        state.top = (state.top - 1) & 7;
        state.status &= ~CONDITION_MASK;
        return FpuOutcome.Done;
      case 0xf7: // FINCSTP
        state.top = (state.top + 1) & 7;
        state.status &= ~CONDITION_MASK;
        return FpuOutcome.Done;
      case 0xf8: // FPREM
        this.partialRemainder(true);
        return FpuOutcome.Done;
      case 0xf9: // FYL2XP1
        return this.binaryPop((x, y) => fyl2xp1(x, y, status));
      case 0xfa: // FSQRT
        if (!state.isEmpty(0) && state.st(0).signExponent >>> 15 === 1) {
          state.status = (state.status & ~CONDITION_MASK) | StatusWord.C2;
        }
        return this.unary((value) => floatx80SquareRoot(value, status));
      case 0xfb: // FSINCOS
        return this.partialTangent('sincos');
      case 0xfc: // FRNDINT
        return this.unary((value) => floatx80RoundToInteger(value, status));
      case 0xfd: // FSCALE
        this.scale();
        return FpuOutcome.Done;
      case 0xfe: // FSIN
        return this.partialTangent('sin');
      case 0xff: // FCOS
        return this.partialTangent('cos');
      default:
        return FpuOutcome.InvalidOpcode;
    }
  }

  /** ST(0) = f(ST(0)). */
  private unary(operation: (value: Floatx80) => Floatx80): FpuOutcomeValue {
    const state = this.state;
    if (state.isEmpty(0)) {
      if (this.stackUnderflow()) state.setSt(0, FLOATX80_DEFAULT_NAN);
      return FpuOutcome.Done;
    }
    const result = operation(state.st(0));
    if (this.commitFlags()) state.setSt(0, result);
    return FpuOutcome.Done;
  }

  /** ST(1) = f(ST(0), ST(1)), then pop. */
  private binaryPop(operation: (x: Floatx80, y: Floatx80) => Floatx80): FpuOutcomeValue {
    const state = this.state;
    if (state.isEmpty(0) || state.isEmpty(1)) {
      if (this.stackUnderflow()) {
        state.setSt(1, FLOATX80_DEFAULT_NAN);
        state.pop();
      }
      return FpuOutcome.Done;
    }
    const result = operation(state.st(0), state.st(1));
    if (this.commitFlags()) {
      state.setSt(1, result);
      state.pop();
    }
    return FpuOutcome.Done;
  }

  private partialTangent(operation: 'sin' | 'cos' | 'tan' | 'sincos'): FpuOutcomeValue {
    const state = this.state;
    const status = this.floatStatus;
    if (state.isEmpty(0)) {
      if (this.stackUnderflow()) {
        state.setSt(0, FLOATX80_DEFAULT_NAN);
        if (operation === 'tan' || operation === 'sincos') this.pushValue(FLOATX80_DEFAULT_NAN);
      }
      return FpuOutcome.Done;
    }
    const argument = state.st(0);
    const first = sineCosineTangent(argument, operation === 'sincos' ? 'sin' : operation, status);
    if (first === undefined) {
      state.status |= StatusWord.C2;
      return FpuOutcome.Done;
    }
    if ((operation === 'tan' || operation === 'sincos') && !state.isEmpty(7)) {
      this.stackOverflow();
      return FpuOutcome.Done;
    }
    state.setSt(0, first);
    if (operation === 'tan') state.push(FLOATX80_ONE);
    if (operation === 'sincos')
      state.push(sineCosineTangent(argument, 'cos', status) ?? FLOATX80_DEFAULT_NAN);
    state.status &= ~StatusWord.C2;
    return FpuOutcome.Done;
  }

  private examine(): void {
    const state = this.state;
    const value = state.st(0);
    state.status &= ~CONDITION_MASK;
    if (value.signExponent >>> 15) state.status |= StatusWord.C1;
    if (state.isEmpty(0)) {
      state.status |= StatusWord.C3 | StatusWord.C0;
      return;
    }
    const exponent = value.signExponent & 0x7fff;
    const integerBit = value.significand >> 63n === 1n;
    if (exponent === 0x7fff) {
      if (value.significand === 1n << 63n) state.status |= StatusWord.C2 | StatusWord.C0;
      else if (integerBit) state.status |= StatusWord.C0;
    } else if (exponent === 0) {
      state.status |= value.significand === 0n ? StatusWord.C3 : StatusWord.C3 | StatusWord.C2;
    } else if (integerBit) {
      state.status |= StatusWord.C2;
    }
  }

  /** FXTRACT: ST(0) = exponent, then push the significand (QEMU's case order). */
  private extract(): void {
    const state = this.state;
    const status = this.floatStatus;
    if (state.isEmpty(0)) {
      if (this.stackUnderflow()) {
        state.setSt(0, FLOATX80_DEFAULT_NAN);
        this.pushValue(FLOATX80_DEFAULT_NAN);
      }
      return;
    }
    if (!state.isEmpty(7)) {
      if (this.stackOverflow()) {
        state.setSt(0, FLOATX80_DEFAULT_NAN);
        state.push(FLOATX80_DEFAULT_NAN);
      }
      return;
    }
    const value = state.st(0);
    let exponentPart: Floatx80;
    let significandPart: Floatx80;
    if (isZero(value)) {
      exponentPart = floatx80Divide(floatx80Negate(FLOATX80_ONE), FLOATX80_ZERO, status);
      significandPart = value;
    } else if (isInvalidEncoding(value)) {
      status.flags |= FloatFlag.Invalid;
      exponentPart = FLOATX80_DEFAULT_NAN;
      significandPart = FLOATX80_DEFAULT_NAN;
    } else if (isNan(value)) {
      if (isSignalingNan(value)) status.flags |= FloatFlag.Invalid;
      exponentPart = silenceNan(value);
      significandPart = exponentPart;
    } else if (isInfinity(value)) {
      exponentPart = packFloatx80(0, 0x7fff, 1n << 63n);
      significandPart = value;
    } else {
      const exponent = value.signExponent & 0x7fff;
      let significand = value.significand;
      let unbiased: number;
      if (exponent === 0) {
        const effective = floatx80EffectiveExponent(value);
        significand <<= BigInt(1 - effective);
        unbiased = effective - 16383;
        status.flags |= FloatFlag.Denormal;
      } else {
        unbiased = exponent - 16383;
      }
      exponentPart = integerToFloatx80(BigInt(unbiased));
      significandPart = packFloatx80(value.signExponent >>> 15, 16383, significand);
    }
    if (!this.commitFlags()) return;
    state.setSt(0, exponentPart);
    state.push(significandPart);
  }

  private partialRemainder(truncated: boolean): void {
    const state = this.state;
    const status = this.floatStatus;
    if (state.isEmpty(0) || state.isEmpty(1)) {
      if (this.stackUnderflow()) state.setSt(0, FLOATX80_DEFAULT_NAN);
      return;
    }
    const dividend = state.st(0);
    let divisor = state.st(1);
    state.status &= ~CONDITION_MASK;
    const exponentA = dividend.signExponent & 0x7fff;
    const exponentB = divisor.signExponent & 0x7fff;
    let result: Floatx80;
    if (
      isZero(dividend) ||
      isZero(divisor) ||
      exponentA === 0x7fff ||
      exponentB === 0x7fff ||
      isInvalidEncoding(dividend) ||
      isInvalidEncoding(divisor)
    ) {
      result = floatx80Remainder(dividend, divisor, truncated, status).value;
    } else {
      const difference = floatx80EffectiveExponent(dividend) - floatx80EffectiveExponent(divisor);
      if (difference < 64) {
        const remainder = floatx80Remainder(dividend, divisor, truncated, status);
        result = remainder.value;
        // QEMU 7.2 reports the quotient bits for FPREM only (FPREM1 leaves C0, C3, C1 clear).
        const quotient = truncated ? Number(remainder.quotient & 7n) : 0;
        if (quotient & 4) state.status |= StatusWord.C0;
        if (quotient & 2) state.status |= StatusWord.C3;
        if (quotient & 1) state.status |= StatusWord.C1;
      } else {
        // Partial remainder: reduce by 32..63 bits of quotient, always truncating (as QEMU and AMD).
        // QEMU scales the divisor at the current precision control, like the remainder itself.
        const bits = 32 + (difference % 32);
        divisor = floatx80Scale(divisor, difference - bits, status);
        result = floatx80Remainder(dividend, divisor, true, status).value;
        state.status |= StatusWord.C2;
      }
    }
    if (this.commitFlags()) state.setSt(0, result);
  }

  private scale(): void {
    const state = this.state;
    const status = this.floatStatus;
    if (state.isEmpty(0) || state.isEmpty(1)) {
      if (this.stackUnderflow()) state.setSt(0, FLOATX80_DEFAULT_NAN);
      return;
    }
    const value = state.st(0);
    const factor = state.st(1);
    let result: Floatx80;
    if (isInvalidEncoding(factor) || isInvalidEncoding(value)) {
      status.flags |= FloatFlag.Invalid;
      result = FLOATX80_DEFAULT_NAN;
    } else if (isNan(factor)) {
      if (isSignalingNan(value) || isSignalingNan(factor)) status.flags |= FloatFlag.Invalid;
      result = silenceNan(factor);
    } else if (isInfinity(factor) && !isNan(value)) {
      const valueNegative = value.signExponent >>> 15;
      if (factor.signExponent >>> 15) {
        if (isInfinity(value)) {
          status.flags |= FloatFlag.Invalid;
          result = FLOATX80_DEFAULT_NAN;
        } else {
          result = packFloatx80(valueNegative, 0, 0n);
        }
      } else if (isZero(value)) {
        status.flags |= FloatFlag.Invalid;
        result = FLOATX80_DEFAULT_NAN;
      } else {
        result = packFloatx80(valueNegative, 0x7fff, 1n << 63n);
      }
    } else {
      const savedFlags = status.flags;
      const integer = floatx80ToInteger(factor, 32, status, true);
      status.flags = savedFlags;
      let n: number;
      if (integer === undefined) {
        n = factor.signExponent >>> 15 ? -0x80000000 : 0x7fffffff;
      } else {
        n = Number(integer);
      }
      const saved = status.precision;
      status.precision = 64;
      result = floatx80Scale(value, n, status);
      status.precision = saved;
    }
    if (this.commitFlags()) state.setSt(0, result);
  }

  // ---------------------------------------------------------------------------------------------
  // Memory forms

  private executeMemory(
    host: FpuHost,
    escapeIndex: number,
    reg: number,
    instruction: FpuInstruction,
  ): FpuOutcomeValue {
    const address = instruction.address >>> 0;
    const state = this.state;
    const status = this.floatStatus;
    switch (escapeIndex) {
      case 0: // D8: m32real arithmetic
      case 2: // DA: m32int
      case 4: // DC: m64real
      case 6: {
        // DE: m16int
        const source = this.readArithmeticOperand(host, escapeIndex, address);
        if (reg === 2 || reg === 3) {
          this.compare(source, false, reg - 2, false);
        } else {
          this.arithmeticToStack(reg, 0, source);
        }
        return FpuOutcome.Done;
      }
      case 1: // D9
        switch (reg) {
          case 0: {
            const value = floatx80RoundToPrecision(float32ToFloatx80(host.read32(address), status), status);
            if (this.commitFlags()) this.pushValue(value);
            return FpuOutcome.Done;
          }
          case 2:
          case 3:
            this.storeFloat(host, address, 32, reg === 3);
            return FpuOutcome.Done;
          case 4:
            this.loadEnvironment(host, address, instruction.operandSize32);
            return FpuOutcome.Done;
          case 5:
            state.control = host.read16(address); // stored as loaded, as QEMU (FNSTCW returns it)
            this.recomputeSummary();
            return FpuOutcome.Done;
          case 6:
            this.storeEnvironment(host, address, instruction.operandSize32);
            state.control |= 0x3f;
            this.recomputeSummary();
            return FpuOutcome.Done;
          case 7:
            host.write16(address, state.control);
            return FpuOutcome.Done;
          default:
            return FpuOutcome.InvalidOpcode;
        }
      case 3: // DB
        switch (reg) {
          case 0:
            this.pushValue(integerToFloatx80(BigInt(host.read32(address) | 0)));
            return FpuOutcome.Done;
          case 2:
          case 3:
            this.storeInteger(host, address, 32, reg === 3);
            return FpuOutcome.Done;
          case 5:
            this.pushValue(readExtended(host, address));
            return FpuOutcome.Done;
          case 7: {
            if (state.isEmpty(0)) {
              if (!this.stackUnderflow()) return FpuOutcome.Done;
              writeExtended(host, address, FLOATX80_DEFAULT_NAN);
            } else {
              writeExtended(host, address, state.st(0));
            }
            state.pop();
            return FpuOutcome.Done;
          }
          default:
            return FpuOutcome.InvalidOpcode; // includes FISTTP (SSE3)
        }
      case 5: // DD
        switch (reg) {
          case 0: {
            const low = BigInt(host.read32(address));
            const high = BigInt(host.read32(address + 4));
            const value = floatx80RoundToPrecision(float64ToFloatx80((high << 32n) | low, status), status);
            if (this.commitFlags()) this.pushValue(value);
            return FpuOutcome.Done;
          }
          case 2:
          case 3:
            this.storeFloat(host, address, 64, reg === 3);
            return FpuOutcome.Done;
          case 4:
            this.restore(host, address, instruction.operandSize32);
            return FpuOutcome.Done;
          case 6:
            this.save(host, address, instruction.operandSize32);
            return FpuOutcome.Done;
          case 7:
            host.write16(address, state.statusWord());
            return FpuOutcome.Done;
          default:
            return FpuOutcome.InvalidOpcode;
        }
      default: // DF
        switch (reg) {
          case 0: {
            const word = host.read16(address);
            this.pushValue(integerToFloatx80(BigInt((word << 16) >> 16)));
            return FpuOutcome.Done;
          }
          case 2:
          case 3:
            this.storeInteger(host, address, 16, reg === 3);
            return FpuOutcome.Done;
          case 4: {
            // QEMU rounds the magnitude to the precision control, negates it afterwards and
            // reports no flags.
            this.pushValue(readPackedDecimal(host, address, status));
            return FpuOutcome.Done;
          }
          case 5: {
            const low = BigInt(host.read32(address));
            const high = BigInt(host.read32(address + 4));
            this.pushValue(integerToFloatx80(BigInt.asIntN(64, (high << 32n) | low)));
            return FpuOutcome.Done;
          }
          case 6:
            this.storePackedDecimal(host, address);
            return FpuOutcome.Done;
          case 7:
            this.storeInteger(host, address, 64, true);
            return FpuOutcome.Done;
          default:
            return FpuOutcome.InvalidOpcode;
        }
    }
  }

  private recomputeSummary(): void {
    const state = this.state;
    if (state.status & ~state.control & 0x3f) state.status |= StatusWord.ErrorSummary | StatusWord.Busy;
    else state.status &= ~(StatusWord.ErrorSummary | StatusWord.Busy);
  }

  /** Memory operand of D8/DA/DC/DE, converted and (as QEMU does) rounded to the precision control. */
  private readArithmeticOperand(host: FpuHost, escapeIndex: number, address: number): Floatx80 {
    const status = this.floatStatus;
    const savedFlags = status.flags;
    const value = floatx80RoundToPrecision(this.readRawOperand(host, escapeIndex, address), status);
    // Integer operands: QEMU's conversion reports no flags (m16int operands are always exact).
    if (escapeIndex === 2 || escapeIndex === 6) status.flags = savedFlags;
    return value;
  }

  private readRawOperand(host: FpuHost, escapeIndex: number, address: number): Floatx80 {
    const status = this.floatStatus;
    switch (escapeIndex) {
      case 0:
        return float32ToFloatx80(host.read32(address), status);
      case 2:
        return integerToFloatx80(BigInt(host.read32(address) | 0));
      case 4: {
        const low = BigInt(host.read32(address));
        const high = BigInt(host.read32(address + 4));
        return float64ToFloatx80((high << 32n) | low, status);
      }
      default:
        return integerToFloatx80(BigInt((host.read16(address) << 16) >> 16));
    }
  }

  private storeFloat(host: FpuHost, address: number, bits: 32 | 64, pop: boolean): void {
    const state = this.state;
    const status = this.floatStatus;
    let value: Floatx80;
    if (state.isEmpty(0)) {
      if (!this.stackUnderflow()) return;
      value = FLOATX80_DEFAULT_NAN;
    } else {
      value = state.st(0);
    }
    if (bits === 32) {
      const result = floatx80ToFloat32(value, status);
      if (!this.commitFlags()) return;
      host.write32(address, result);
    } else {
      const result = floatx80ToFloat64(value, status);
      if (!this.commitFlags()) return;
      host.probeWrite?.(address, 8);
      host.write32(address, Number(result & 0xffffffffn));
      host.write32(address + 4, Number(result >> 32n));
    }
    if (pop) state.pop();
  }

  private storeInteger(host: FpuHost, address: number, bits: 16 | 32 | 64, pop: boolean): void {
    const state = this.state;
    const status = this.floatStatus;
    let result: bigint | undefined;
    if (state.isEmpty(0)) {
      if (!this.stackUnderflow()) return;
      result = undefined;
    } else {
      result = floatx80ToInteger(state.st(0), bits, status);
      if (!this.commitFlags()) return;
    }
    const indefinite = -(1n << BigInt(bits - 1));
    const stored = BigInt.asUintN(bits, result ?? indefinite);
    if (bits === 16) host.write16(address, Number(stored));
    else if (bits === 32) host.write32(address, Number(stored));
    else {
      host.probeWrite?.(address, 8);
      host.write32(address, Number(stored & 0xffffffffn));
      host.write32(address + 4, Number(stored >> 32n));
    }
    if (pop) state.pop();
  }

  private storePackedDecimal(host: FpuHost, address: number): void {
    const state = this.state;
    const status = this.floatStatus;
    const bytes = new Uint8Array(10);
    let value: bigint | undefined;
    let negative = false;
    if (state.isEmpty(0)) {
      if (!this.stackUnderflow()) return;
    } else {
      const source = state.st(0);
      negative = source.signExponent >>> 15 === 1;
      value = floatx80ToInteger(source, 64, status);
      const limit = 1000000000000000000n;
      if (value !== undefined && (value >= limit || value <= -limit)) {
        value = undefined;
        status.flags = FloatFlag.Invalid;
      }
      if (!this.commitFlags()) return;
    }
    if (value === undefined) {
      bytes[7] = 0xc0;
      bytes[8] = 0xff;
      bytes[9] = 0xff;
    } else {
      let magnitude = value < 0n ? -value : value;
      bytes[9] = negative ? 0x80 : 0;
      for (let index = 0; index < 9 && magnitude !== 0n; index++) {
        const pair = Number(magnitude % 100n);
        magnitude /= 100n;
        bytes[index] = ((Math.floor(pair / 10) << 4) | (pair % 10)) & 0xff;
      }
    }
    host.probeWrite?.(address, 10);
    for (let index = 0; index < 10; index++) host.write8(address + index, bytes[index]!);
    state.pop();
  }

  // ---------------------------------------------------------------------------------------------
  // Environment

  private storeEnvironment(host: FpuHost, address: number, operandSize32: boolean, probeLength = 0): void {
    const state = this.state;
    host.probeWrite?.(address, Math.max(probeLength, operandSize32 ? 28 : 14));
    const real = host.isRealOrVirtual8086();
    const control = state.control;
    const statusWord = state.statusWord();
    const tags = state.tagWord();
    if (operandSize32) {
      host.write32(address, control);
      host.write32(address + 4, statusWord);
      host.write32(address + 8, tags);
      if (real) {
        const ip = state.instructionPointer >>> 0;
        const dp = state.dataPointer >>> 0;
        host.write32(address + 12, ip & 0xffff);
        host.write32(address + 16, (((ip >>> 16) << 12) | (state.opcode & 0x7ff)) >>> 0);
        host.write32(address + 20, dp & 0xffff);
        host.write32(address + 24, ((dp >>> 16) << 12) >>> 0);
      } else {
        host.write32(address + 12, state.instructionPointer);
        host.write32(address + 16, (state.instructionSelector & 0xffff) | ((state.opcode & 0x7ff) << 16));
        host.write32(address + 20, state.dataPointer);
        host.write32(address + 24, state.dataSelector & 0xffff);
      }
    } else {
      host.write16(address, control);
      host.write16(address + 2, statusWord);
      host.write16(address + 4, tags);
      if (real) {
        const ip = state.instructionPointer >>> 0;
        const dp = state.dataPointer >>> 0;
        host.write16(address + 6, ip & 0xffff);
        host.write16(address + 8, (((ip >>> 16) & 0xf) << 12) | (state.opcode & 0x7ff));
        host.write16(address + 10, dp & 0xffff);
        host.write16(address + 12, ((dp >>> 16) & 0xf) << 12);
      } else {
        host.write16(address + 6, state.instructionPointer & 0xffff);
        host.write16(address + 8, state.instructionSelector);
        host.write16(address + 10, state.dataPointer & 0xffff);
        host.write16(address + 12, state.dataSelector);
      }
    }
  }

  private loadEnvironment(host: FpuHost, address: number, operandSize32: boolean): void {
    const state = this.state;
    const real = host.isRealOrVirtual8086();
    const step = operandSize32 ? 4 : 2;
    const read = (offset: number): number =>
      operandSize32 ? host.read32(address + offset * step) : host.read16(address + offset * step);
    const control = read(0) & 0xffff;
    const statusWord = read(1) & 0xffff;
    const tags = read(2) & 0xffff;
    const word3 = read(3);
    const word4 = read(4);
    const word5 = read(5);
    const word6 = read(6);
    state.control = control;
    state.setStatusWord(statusWord);
    state.setTagWord(tags);
    if (real) {
      const ipHigh = operandSize32 ? (word4 >>> 12) & 0xffff : (word4 >>> 12) & 0xf;
      state.instructionPointer = ((word3 & 0xffff) | (ipHigh << 16)) >>> 0;
      state.opcode = word4 & 0x7ff;
      const dpHigh = operandSize32 ? (word6 >>> 12) & 0xffff : (word6 >>> 12) & 0xf;
      state.dataPointer = ((word5 & 0xffff) | (dpHigh << 16)) >>> 0;
    } else if (operandSize32) {
      state.instructionPointer = word3 >>> 0;
      state.instructionSelector = word4 & 0xffff;
      state.opcode = (word4 >>> 16) & 0x7ff;
      state.dataPointer = word5 >>> 0;
      state.dataSelector = word6 & 0xffff;
    } else {
      state.instructionPointer = word3 & 0xffff;
      state.instructionSelector = word4 & 0xffff;
      state.dataPointer = word5 & 0xffff;
      state.dataSelector = word6 & 0xffff;
    }
    this.recomputeSummary();
  }

  private save(host: FpuHost, address: number, operandSize32: boolean): void {
    const state = this.state;
    this.storeEnvironment(host, address, operandSize32, operandSize32 ? 108 : 94);
    let pointer = address + (operandSize32 ? 28 : 14);
    for (let index = 0; index < 8; index++) {
      writeExtended(host, pointer, state.st(index));
      pointer += 10;
    }
    state.initialize();
  }

  private restore(host: FpuHost, address: number, operandSize32: boolean): void {
    const state = this.state;
    // Read all registers first so a fault leaves the state untouched.
    const base = address + (operandSize32 ? 28 : 14);
    const values: Floatx80[] = [];
    for (let index = 0; index < 8; index++) values.push(readExtended(host, base + index * 10));
    this.loadEnvironment(host, address, operandSize32);
    for (let index = 0; index < 8; index++) state.registers[state.physical(index)] = values[index]!;
  }
}

/** FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV, FNSAVE and the 8087 leftovers do not check ES. */
function isNonWaiting(escapeIndex: number, mod: number, reg: number, modrm: number): boolean {
  if (mod === 3) {
    if (escapeIndex === 3 && reg === 4) return true; // DB E0..E7
    return escapeIndex === 7 && modrm === 0xe0; // FNSTSW AX
  }
  if (escapeIndex === 1) return reg === 6 || reg === 7; // FNSTENV, FNSTCW
  if (escapeIndex === 5) return reg === 6 || reg === 7; // FNSAVE, FNSTSW m16
  return false;
}

/** Control instructions do not update FIP/FOP/FDP. */
function isControlInstruction(escapeIndex: number, mod: number, reg: number, modrm: number): boolean {
  if (mod === 3) return (escapeIndex === 3 && reg === 4) || (escapeIndex === 7 && modrm === 0xe0);
  if (escapeIndex === 1) return reg >= 4;
  if (escapeIndex === 5) return reg === 4 || reg === 6 || reg === 7;
  return false;
}

/** FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ with QEMU's rounding-dependent last bit. */
function loadConstant(modrm: number, roundingMode: number): Floatx80 {
  const downOrChop = roundingMode === 1 || roundingMode === 3;
  switch (modrm) {
    case 0xe8:
      return FLOATX80_ONE;
    case 0xe9:
      return packFloatx80(0, 0x4000, roundingMode === 2 ? 0xd49a784bcd1b8affn : 0xd49a784bcd1b8afen);
    case 0xea:
      return packFloatx80(0, 0x3fff, downOrChop ? 0xb8aa3b295c17f0bbn : 0xb8aa3b295c17f0bcn);
    case 0xeb:
      return packFloatx80(0, 0x4000, downOrChop ? 0xc90fdaa22168c234n : 0xc90fdaa22168c235n);
    case 0xec:
      return packFloatx80(0, 0x3ffd, downOrChop ? 0x9a209a84fbcff798n : 0x9a209a84fbcff799n);
    case 0xed:
      return packFloatx80(0, 0x3ffe, downOrChop ? 0xb17217f7d1cf79abn : 0xb17217f7d1cf79acn);
    default:
      return FLOATX80_ZERO;
  }
}

function readExtended(host: FpuHost, address: number): Floatx80 {
  const low = BigInt(host.read32(address));
  const high = BigInt(host.read32(address + 4));
  const signExponent = host.read16(address + 8);
  return packFloatx80(signExponent >> 15, signExponent & 0x7fff, (high << 32n) | low);
}

function writeExtended(host: FpuHost, address: number, value: Floatx80): void {
  host.probeWrite?.(address, 10);
  host.write32(address, Number(value.significand & 0xffffffffn));
  host.write32(address + 4, Number(value.significand >> 32n));
  host.write16(address + 8, value.signExponent);
}

/** FBLD: 18 BCD digits and a sign byte, converted exactly (invalid digits as QEMU: no check). */
function readPackedDecimal(host: FpuHost, address: number, status: FloatStatus): Floatx80 {
  let value = 0n;
  for (let index = 8; index >= 0; index--) {
    const byte = host.read8(address + index);
    value = value * 100n + BigInt((byte >> 4) * 10 + (byte & 0xf));
  }
  const negative = (host.read8(address + 9) & 0x80) !== 0;
  const savedFlags = status.flags;
  const result = floatx80RoundToPrecision(integerToFloatx80(value), status);
  status.flags = savedFlags;
  return negative ? floatx80Negate(result) : result;
}
