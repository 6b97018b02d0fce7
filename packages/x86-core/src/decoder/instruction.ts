/**
 * A decoded instruction: what the decoder produces once per instruction address and the run
 * loop executes many times. Objects are created by the decoder only (never on the execute path)
 * and cached by physical address; every field has a fixed type so handlers stay monomorphic.
 */

import type { Cpu } from '../cpu/cpu.js';
import type { CompiledBlock } from '../jit/compile.js';

/** Executes one decoded instruction. `cpu.eip` already points after the instruction. */
export type InstructionHandler = (cpu: Cpu, instruction: Instruction) => void;

/** Repeat prefix of a decoded instruction. */
export const RepeatPrefix = {
  None: 0,
  /** F3: REP / REPE / REPZ. */
  Repeat: 1,
  /** F2: REPNE / REPNZ. */
  RepeatNotEqual: 2,
} as const;

/** One decoded instruction. */
export class Instruction {
  /** Semantic handler, bound at decode time from the opcode table. */
  handler: InstructionHandler;
  /** Opcode: 0x00-0xff for the one-byte map, 0x100-0x1ff for 0F xx. */
  opcode = 0;
  /** Mnemonic from the opcode table (diagnostics). */
  mnemonic = '';
  /** Length in bytes, prefixes included. */
  length = 0;
  /** The default code size the instruction was decoded under (CS.D); a cache key. */
  codeSize32 = false;
  /**
   * Mask of the instruction pointer as an int32: -1 (all ones) for 32-bit code, 0xffff for
   * 16-bit code (int32 so V8 keeps the field a small integer, not a boxed double).
   */
  ipMask = -1;
  /** Operand size in bytes of the instruction's main operand (1, 2 or 4). */
  operandSize = 4;
  /** Effective operand size is 32 bits (after the 66 prefix), independent of byte operands. */
  operandSize32 = false;
  /** Effective address size is 32 bits (after the 67 prefix). */
  addressSize32 = false;
  /** Segment override prefix (SegmentRegister) or -1. */
  segmentOverride = -1;
  /** Segment of the memory operand: the override, else DS or SS by base register. */
  segment = 3;
  /** RepeatPrefix. */
  repeat = 0;
  /** LOCK prefix present. */
  lock = false;
  /** ModRM present. */
  hasModrm = false;
  /** ModRM.mod (3 = register operand). */
  mod = 0;
  /** ModRM.reg (or the opcode extension of a group). */
  reg = 0;
  /** ModRM.rm, or the register encoded in the low opcode bits (50+r, B8+r, ...). */
  rm = 0;
  /** Base register of the memory operand or -1. */
  base = -1;
  /** Index register of the memory operand or -1. */
  index = -1;
  /** Scale shift (0-3) of the index register. */
  scale = 0;
  /** Displacement of the memory operand (unsigned, wrapped to the address size). */
  displacement = 0;
  /** First immediate (sign- or zero-extended as the operand code says, unsigned). */
  immediate = 0;
  /** Second immediate (ENTER's nesting level, the selector of a far pointer). */
  immediate2 = 0;
  /** The instruction crosses a page boundary (then it is not cached). */
  crossesPage = false;
  /** The instruction and its fall-through successor start in the same page (it may be linked to it). */
  linkable = false;
  /** The decoded instruction that follows in the same physical page (set by the run loop), or null. */
  next: Instruction | null = null;
  /** The decoded instruction last branched to in the same page (set by the run loop), or null. */
  taken: Instruction | null = null;
  /** Linear address of `taken` (-1: none); compared by linear address, so CS base changes cannot alias. */
  takenLinear = -1;

  /** Times the interpreter ran this instruction while it had no block (src/jit/: hot counting). */
  hits = 0;
  /** The translated block that starts here, or null. */
  block: CompiledBlock | null = null;
  /** No block starts here: the translation declined. */
  noBlock = false;
  /** A translation stopped at this instruction (it has no translation): what follows it is an entry point. */
  endsTranslation = false;

  constructor(handler: InstructionHandler) {
    this.handler = handler;
  }
}
