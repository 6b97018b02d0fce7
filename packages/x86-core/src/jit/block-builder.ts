/**
 * The state of one block translation while its source is written: the register-file accesses
 * (registers stay in the CPU's Int32Array view), the flags the block still owes the CPU (lazily,
 * in the locals fd/fs/fr/fc, or as inputs to recompute them), and the memory-access code with its fast path (software TLB, RAM
 * page, alignment) and its slow path (the interpreter's own accessors, after the CPU's state
 * has been brought up to date for instruction k, so a fault or a device access sees exactly
 * what the interpreter would show it). Emitters (emitters.ts) drive it, one instruction at a time.
 */

import { LazyOp } from '../cpu/lazy-flags.js';
import type { Instruction } from '../decoder/instruction.js';
import type { PhysicalMemory } from '../memory/physical-memory.js';
import type { Mmu } from '../system/paging.js';

/** Stands for the block's length in emitted code until it is known (compile.ts replaces it). */
export const BLOCK_LENGTH_TOKEN = '$BLOCK_LENGTH';

/** Pending producers that are not lazy ops: the flags are recomputed from recorded inputs. */
export const SHIFT_FLAGS = 100;
export const MULTIPLY_FLAGS = 101;

/**
 * Flags the block owes the CPU: a lazy op whose operands are in fd/fs/fr(/fc), or a shift or
 * rotate (its input and count in locals, applied over the flags before it, `base`), or an IMUL
 * (its operands in locals). The block computes results only; the flags are handed over, or
 * recomputed, where something can look at them.
 */
export interface PendingFlags {
  op: number;
  size: number;
  /** Group-2 ModRM.reg of a shift. */
  reg?: number;
  /** Locals holding the producer's inputs (shift: value, count; IMUL: the two factors). */
  first?: string;
  second?: string;
  /** Flags a shift or rotate applies over (it keeps some of them, or all when the count is 0). */
  base?: PendingFlags | null;
}

/** Sign bit of a size as an int32 literal. */
function signBit(size: number): string {
  return size === 4 ? '-2147483648' : size === 2 ? '0x8000' : '0x80';
}

/** Compile-time facts a block is specialised on (checked again at entry). */
export interface BlockContext {
  paging: boolean;
  user: boolean;
  /** The CPU's memory (its arrays are bound into the block). */
  memory: PhysicalMemory;
  /** The CPU's MMU when paging is on (its TLB arrays are bound into the block). */
  mmu: Mmu | undefined;
}

export class BlockBuilder {
  readonly lines: string[] = [];
  /** Segments with memory operands (entry guards and base locals). */
  readonly segments = new Set<number>();
  /** The flags owed, null when the CPU object holds them. */
  pending: PendingFlags | null = null;
  /** Index of the instruction being emitted and its offsets from the block start. */
  index = 0;
  startOffset = 0;
  endOffset = 0;
  /** Set when the current instruction has a slow path that may require leaving after it. */
  mayBail = false;
  /** The current instruction is the block's last (a branch there leaves the block). */
  last = false;
  /** Set when the current instruction ended the block (a branch). */
  terminated = false;

  constructor(readonly context: BlockContext) {}

  emit(line: string): void {
    this.lines.push(line);
  }

  // ---------------------------------------------------------------- registers

  /** A 32-bit register (blocks use the register file, an Int32Array, directly). */
  reg32(register: number): string {
    return `R[${register}]`;
  }

  setReg32(register: number, expression: string): void {
    this.emit(`R[${register}] = ${expression};`);
  }

  /** An 8-bit register (AL..BH) as a value 0-255. */
  reg8(register: number): string {
    if (register < 4) return `(${this.reg32(register)} & 255)`;
    return `((${this.reg32(register - 4)} >> 8) & 255)`;
  }

  /** Writes an 8-bit register from an expression with a value 0-255. */
  setReg8(register: number, expression: string): void {
    if (register < 4) this.setReg32(register, `(R[${register}] & -256) | (${expression})`);
    else this.setReg32(register - 4, `(R[${register - 4}] & -65281) | ((${expression}) << 8)`);
  }

  /** A general register of `size` bytes (1, 2, 4) as a value (int32 for 4, else 0..mask). */
  reg(register: number, size: number): string {
    if (size === 4) return this.reg32(register);
    if (size === 2) return `(${this.reg32(register)} & 65535)`;
    return this.reg8(register);
  }

  /** Writes a general register of `size` bytes from an expression already masked to the size. */
  setReg(register: number, size: number, expression: string): void {
    if (size === 4) this.setReg32(register, expression);
    else if (size === 2) this.setReg32(register, `(R[${register}] & -65536) | (${expression})`);
    else this.setReg8(register, expression);
  }

  // ---------------------------------------------------------------- flags

  /** Code that hands the owed flags to the CPU object. */
  flushFlags(pending: PendingFlags | null = this.pending): string {
    if (pending === null) return '';
    if (pending.op === SHIFT_FLAGS)
      return `${this.flushFlags(pending.base ?? null)}SHIFT[${pending.reg}](cpu, ${pending.first} >>> 0, ${pending.second}, ${pending.size}); `;
    if (pending.op === MULTIPLY_FLAGS)
      return `imulTruncated(cpu, ${pending.first} >>> 0, ${pending.second} >>> 0, ${pending.size}); `;
    // INC/DEC keep CF in flagsValue (the interpreter's `increment`/`decrement` do the same).
    const carry =
      pending.op === LazyOp.Increment || pending.op === LazyOp.Decrement
        ? 'cpu.flagsValue = (cpu.flagsValue & -2) | fc; '
        : '';
    return `${carry}cpu.setLazyFlags(${pending.op}, fd, fs, fr, ${pending.size}); `;
  }

  /** Emits the flush of owed flags now (before a call that reads or replaces the CPU's flags). */
  settleFlags(): void {
    const code = this.flushFlags();
    if (code !== '') this.emit(code);
    this.pending = null;
  }

  /** A pending lazy op (settling a recomputed one first), or null when the CPU holds the flags. */
  private lazyPending(): PendingFlags | null {
    const pending = this.pending;
    if (pending !== null && (pending.op === SHIFT_FLAGS || pending.op === MULTIPLY_FLAGS)) this.settleFlags();
    return this.pending;
  }

  private localCount = 0;
  /** Extra locals (declared by the compiler). */
  readonly extraLocals: string[] = [];

  /** Instructions the block runs through their interpreter handler (bound as `IS`). */
  readonly callOuts: Instruction[] = [];

  /**
   * Emits the current instruction as a call of its interpreter handler, with the CPU brought up
   * to date as for a slow access; leaves after it when the handler moved EIP elsewhere (a REP
   * instruction to be resumed) or the loop must look.
   */
  callOut(instruction: Instruction): void {
    const index = this.callOuts.length;
    this.callOuts.push(instruction);
    const end = this.eipAt(this.endOffset);
    this.emit(`${this.prepareSlow()}t = IS[${index}]; t.handler(cpu, t);`);
    this.pending = null;
    this.emit(`if (cpu.eip !== ${end} || LEAVE(cpu, c0 - ${this.index}, le)) return 1;`);
  }

  /** A fresh local variable. */
  local(): string {
    const name = `k${this.localCount++}`;
    this.extraLocals.push(name);
    return name;
  }

  /** CF as a boolean expression. */
  carry(): string {
    const pending = this.lazyPending();
    if (pending === null) return '(cpu.getCarry() !== 0)';
    switch (pending.op) {
      case LazyOp.Add:
        return '((fr >>> 0) < (fd >>> 0))';
      case LazyOp.Sub:
        return '((fd >>> 0) < (fs >>> 0))';
      case LazyOp.Logic:
        return 'false';
      default:
        return '(fc !== 0)';
    }
  }

  private overflow(pending: PendingFlags): string {
    const sign = signBit(pending.size);
    switch (pending.op) {
      case LazyOp.Add:
        return `(((fd ^ fr) & (fs ^ fr) & ${sign}) !== 0)`;
      case LazyOp.Sub:
        return `(((fd ^ fs) & (fd ^ fr) & ${sign}) !== 0)`;
      case LazyOp.Logic:
        return 'false';
      case LazyOp.Increment:
        return `(fr === ${sign})`;
      default:
        return `(fr === ${pending.size === 4 ? '2147483647' : pending.size === 2 ? '0x7fff' : '0x7f'})`;
    }
  }

  private signed(value: string, size: number): string {
    return size === 4 ? value : size === 2 ? `((${value} << 16) >> 16)` : `((${value} << 24) >> 24)`;
  }

  /** Condition code `condition` (0-15) as a boolean expression. */
  condition(condition: number): string {
    const pending = this.lazyPending();
    if (pending === null) return `cpu.testCondition(${condition})`;
    const size = pending.size;
    const zero = '(fr === 0)';
    const sign = size === 4 ? '(fr < 0)' : `((fr & ${signBit(size)}) !== 0)`;
    let value: string;
    const kind = condition >> 1;
    if (pending.op === LazyOp.Sub && (kind === 1 || kind === 3 || kind === 6 || kind === 7)) {
      // After CMP/SUB: the unsigned and signed orders of the operands.
      const unsignedD = size === 4 ? '(fd >>> 0)' : 'fd';
      const unsignedS = size === 4 ? '(fs >>> 0)' : 'fs';
      if (kind === 1) value = `(${unsignedD} < ${unsignedS})`;
      else if (kind === 3) value = `(${unsignedD} <= ${unsignedS})`;
      else if (kind === 6) value = `(${this.signed('fd', size)} < ${this.signed('fs', size)})`;
      else value = `(${this.signed('fd', size)} <= ${this.signed('fs', size)})`;
    } else {
      switch (kind) {
        case 0:
          value = this.overflow(pending);
          break;
        case 1:
          value = this.carry();
          break;
        case 2:
          value = zero;
          break;
        case 3:
          value = `(${this.carry()} || ${zero})`;
          break;
        case 4:
          value = sign;
          break;
        case 5:
          value = '(PARITY[fr & 255] !== 0)';
          break;
        case 6:
          value = `(${sign} !== ${this.overflow(pending)})`;
          break;
        default:
          value = `(${zero} || ${sign} !== ${this.overflow(pending)})`;
      }
    }
    return (condition & 1) === 0 ? value : `!${value}`;
  }

  /** Records a lazy flag producer whose operands and result are already in fd/fs/fr. */
  produce(op: number, size: number): void {
    this.pending = { op, size };
  }

  // ---------------------------------------------------------------- exits and slow paths

  /** EIP of the current instruction's start or end, as an unsigned expression. */
  eipAt(offset: number): string {
    return offset === 0 ? 'e0' : `((e0 + ${offset}) >>> 0)`;
  }

  /** Code leaving the block after the current instruction with EIP = `eip` (an expression). */
  exit(eip: string): string {
    return `${this.flushFlags()}cpu.chunkCountdown = c0 - ${this.index}; cpu.eip = ${eip}; return 1;`;
  }

  /**
   * Code going back to the block's first instruction after the current one (a loop inside the
   * page): when the chunk has room for another whole pass, the owed flags are handed over (the
   * block's start expects them in the CPU) and the countdown moves on as the loop would move it
   * for the next instruction; otherwise the block leaves to its own start.
   */
  loopBack(): string {
    const passes = `c0 - ${this.index + 1}`;
    return `if (${passes} >= ${BLOCK_LENGTH_TOKEN} - 1) { ${this.flushFlags()}c0 = ${passes}; continue; } ${this.exit('e0')}`;
  }

  /**
   * Code leaving after the current instruction because a slow access asked for it: the
   * countdown stays as the slow path left it (it may have been ended by a device).
   */
  bailExit(): string {
    return `${this.flushFlags()}cpu.eip = ${this.eipAt(this.endOffset)}; return 1;`;
  }

  /**
   * Code that brings the CPU up to date for a slow access of instruction k: registers, owed
   * flags, the chunk countdown, the instruction's start EIP/ESP and EIP after it, exactly as
   * the interpreter has them while it executes instruction k.
   */
  prepareSlow(): string {
    return `${this.flushFlags()}SLOW(cpu, c0 - ${this.index}, ${this.eipAt(this.startOffset)}, ${this.eipAt(this.endOffset)}); `;
  }

  /** After a slow access: leave after this instruction when the loop must look (SMC, chunk end, exit). */
  private checkAfterSlow(): string {
    this.mayBail = true;
    return `bail = LEAVE(cpu, c0 - ${this.index}, le);`;
  }

  /** Physical address of linear `a` for the fast path (-1: take the slow path). */
  private translate(write: boolean): string {
    if (!this.context.paging) return 'p = a & a20;';
    const bit = (this.context.user ? 4 : 1) << (write ? 1 : 0);
    return `p = (tf[a >>> 12] & ${bit}) !== 0 ? (((tp[a >>> 12] | (a & 4095)) & a20)) : -1;`;
  }

  private aligned(size: number): string {
    return size === 4 ? ' && (a & 3) === 0' : size === 2 ? ' && (a & 1) === 0' : '';
  }

  private ramRead(size: number): string {
    return size === 4 ? 'ram32[p >> 2]' : size === 2 ? 'ram16[p >>> 1]' : 'ram8[p >>> 0]';
  }

  private ramWrite(size: number, value: string): string {
    return size === 4
      ? `ram32[p >> 2] = ${value};`
      : size === 2
        ? `ram16[p >>> 1] = ${value};`
        : `ram8[p >>> 0] = ${value};`;
  }

  /** Sets `o` to the offset of the memory operand (address size 32). */
  private offset(instruction: Instruction): string {
    let expression = `${instruction.displacement | 0}`;
    if (instruction.base >= 0) expression += ` + ${this.reg32(instruction.base)}`;
    if (instruction.index >= 0)
      expression += ` + ${instruction.scale === 0 ? this.reg32(instruction.index) : `(${this.reg32(instruction.index)} << ${instruction.scale})`}`;
    return `(${expression}) | 0`;
  }

  /** The effective address of the ModRM memory operand as an int32 expression (LEA). */
  effectiveAddress(instruction: Instruction): string {
    return this.offset(instruction);
  }

  /**
   * Emits a load of `size` bytes from segment:offset into `v` (int32 for 4 bytes, else
   * 0..mask). `forUpdate`: checked for writing too (a read-modify-write), finish with {@link storeUpdated}.
   */
  loadAt(segment: number, offsetExpression: string, size: number, forUpdate = false): void {
    this.segments.add(segment);
    this.emit(`o = ${offsetExpression}; a = (b${segment} + o) | 0; ${this.translate(forUpdate)}`);
    const writable = forUpdate ? ' && code[p >>> 12] === 0' : '';
    this.emit(
      `if (p !== -1${this.aligned(size)} && kind[p >>> 12] === 0${writable}) { v = ${this.ramRead(size)};${forUpdate ? ' slow = false;' : ''} }`,
    );
    const call = forUpdate
      ? `cpu.readForUpdate(${segment}, o >>> 0, ${size})`
      : `cpu.readSized(${segment}, o >>> 0, ${size})`;
    this.emit(
      `else { ${this.prepareSlow()}v = ${call} | 0;${forUpdate ? ' slow = true;' : ''} ${this.checkAfterSlow()} }`,
    );
  }

  /** Load of the ModRM memory operand. */
  load(instruction: Instruction, size: number, forUpdate = false): void {
    this.loadAt(instruction.segment, this.offset(instruction), size, forUpdate);
  }

  /** Writes `value` back to the operand of the last `load(..., true)`. */
  storeUpdated(size: number, value: string): void {
    this.emit(
      `if (slow) { cpu.writeUpdated(${size}, (${value}) >>> 0); ${this.checkAfterSlow()} } else ${this.ramWrite(size, value)}`,
    );
  }

  /** Emits a store of `value` (an expression; evaluated once) to segment:offset. */
  storeAt(segment: number, offsetExpression: string, size: number, value: string): void {
    this.segments.add(segment);
    this.emit(`o = ${offsetExpression}; a = (b${segment} + o) | 0; ${this.translate(true)} w = ${value};`);
    this.emit(
      `if (p !== -1${this.aligned(size)} && kind[p >>> 12] === 0 && code[p >>> 12] === 0) ${this.ramWrite(size, 'w')}`,
    );
    this.emit(
      `else { ${this.prepareSlow()}cpu.writeSized(${segment}, o >>> 0, ${size}, w >>> 0); ${this.checkAfterSlow()} }`,
    );
  }

  /** Store to the ModRM memory operand. */
  store(instruction: Instruction, size: number, value: string): void {
    this.storeAt(instruction.segment, this.offset(instruction), size, value);
  }
}
