/**
 * Block translation: a trace of decoded instructions that starts at a hot entry point and goes
 * on in the same physical page (through Jcc side exits and direct JMP/CALL targets) until RET,
 * an indirect branch, an instruction the table does not handle, or MAX_BLOCK_INSTRUCTIONS,
 * written as the source of one JS function and compiled once.
 *
 * The function works on the register file directly and keeps the flags in locals (fd/fs/fr/fc:
 * the interpreter's lazy-flag fields, or the inputs of a shift or IMUL), handing them to the CPU
 * object only where something else can look: at the exits and before a slow memory access or
 * a handler call (a fault, a device, a write to a code page). So between two such points a
 * block costs what its JS costs, where the interpreter pays a dispatch, operand decoding and
 * five field stores per instruction.
 *
 * The block keeps the interpreter's contract (cpu.ts `run`): it runs only when the chunk has
 * room for all of it, it leaves `chunkCountdown`, `eip`, registers and flags exactly as the
 * interpreter would after the same instructions, and before a slow access it sets the state of
 * the instruction being executed (countdown, instructionStart, instructionStartEsp, eip), so a
 * GuestFault thrown there is delivered as if the interpreter had raised it, and a device that
 * reads the instruction count sees the exact count. After a slow access that ended the chunk,
 * moved the link epoch (self-modifying code) or set an exit, the block leaves after the
 * current instruction. Sources are built from decoded instruction fields (numbers) only.
 */

import { PARITY_TABLE } from '../cpu/lazy-flags.js';
import type { Instruction } from '../decoder/instruction.js';
import { aluOperation } from '../instructions/alu.js';
import { multiplySignedTruncated } from '../instructions/muldiv.js';
import { GROUP2_SEMANTICS } from '../instructions/shift.js';
import { BLOCK_LENGTH_TOKEN, BlockBuilder, type BlockContext } from './block-builder.js';
import { emitterFor } from './emitters.js';

/** Longest block in instructions (bounds compile time and source size). */
export const MAX_BLOCK_INSTRUCTIONS = 48;
/** Shortest block worth a function. */
export const MIN_BLOCK_INSTRUCTIONS = 2;

/** Runs a translated block: returns 1 when it ran, 0 when its entry guards declined (the interpreter runs instead). */
export type BlockFunction = (cpu: unknown, registers: Int32Array, e0: number) => number;

/** A translated block. */
export class CompiledBlock {
  constructor(
    readonly run: BlockFunction,
    /** Instructions in the block (all retire when it runs to its end). */
    readonly length: number,
  ) {}
}

/** The CPU fields the shared helpers below touch (the Cpu class has them; typed here to keep jit/ free of a cycle). */
interface BlockCpu {
  chunkCountdown: number;
  instructionStart: number;
  instructionStartEsp: number;
  eip: number;
  linkEpoch: number;
  pendingExit: unknown;
  readonly registersSigned: Int32Array;
}

/** The interpreter's state while it executes a block's instruction that takes the slow path. */
function prepareSlowAccess(cpu: BlockCpu, countdown: number, start: number, end: number): void {
  cpu.chunkCountdown = countdown;
  cpu.instructionStart = start;
  cpu.instructionStartEsp = cpu.registersSigned[4]!;
  cpu.eip = end;
}

/** After a slow access: whether the block must leave after the current instruction. */
function mustLeave(cpu: BlockCpu, countdown: number, epoch: number): boolean {
  return cpu.chunkCountdown !== countdown || cpu.linkEpoch !== epoch || cpu.pendingExit !== null;
}

/**
 * Translates the trace `run` (the first instruction is the block entry; `offsets[k]` is the EIP
 * of instruction k minus the entry's EIP). Returns null when fewer than MIN_BLOCK_INSTRUCTIONS
 * translate.
 */
export function compileBlock(
  run: readonly Instruction[],
  offsets: readonly number[],
  context: BlockContext,
): CompiledBlock | null {
  // Which instructions translate, up to the first that does not (or the first RET).
  const emitters = [];
  for (const instruction of run) {
    const emitter = instruction.codeSize32 ? emitterFor(instruction) : undefined;
    if (emitter === undefined) {
      instruction.endsTranslation = true;
      break;
    }
    emitters.push(emitter);
    if (emitter.ends?.(instruction) === true || emitters.length >= MAX_BLOCK_INSTRUCTIONS) break;
  }
  const count = emitters.length;
  if (count < MIN_BLOCK_INSTRUCTIONS) return null;
  if (context.paging && context.mmu === undefined) return null;
  const builder = new BlockBuilder(context);
  let emitted = 0;
  for (let index = 0; index < count; index++) {
    const instruction = run[index]!;
    builder.index = index;
    builder.startOffset = offsets[index]!;
    builder.endOffset = offsets[index]! + instruction.length;
    builder.last = index === count - 1;
    builder.mayBail = false;
    emitters[index]!.emit(builder, instruction);
    emitted++;
    if (builder.terminated) break;
    if (builder.mayBail) builder.emit(`if (bail) { ${builder.bailExit()} }`);
  }
  if (!builder.terminated) {
    // The last instruction falls through (a branch as the last instruction has left already).
    builder.index = emitted - 1;
    builder.emit(builder.exit(builder.eipAt(builder.endOffset)));
  }

  const prologue: string[] = [];
  const guards = [...builder.segments].map((segment) => `sc[${segment}] !== 0`);
  prologue.push('let c0 = cpu.chunkCountdown;');
  prologue.push('const le = cpu.linkEpoch;');
  prologue.push('const sc = cpu.segmentChecked;');
  prologue.push(
    `if (cpu.watchData || !cpu.stackSize32 || cpu.cpl ${context.user ? '!==' : '==='} 3 || ((cpu.cr0 >>> 31) === 1) !== ${context.paging}${guards.length > 0 ? ` || ${guards.join(' || ')}` : ''}) return 0;`,
  );
  // The memory arrays and the TLB are the CPU's for good: bound when the block is compiled.
  prologue.push('const a20 = M.a20Mask | 0;');
  if (context.paging) prologue.push('if (cpu.mmu !== MMU) return 0;');
  for (const segment of builder.segments)
    prologue.push(`const b${segment} = cpu.segmentBase[${segment}] | 0;`);
  prologue.push('let fd = 0, fs = 0, fr = 0, fc = 0, o = 0, a = 0, p = 0, v = 0, w = 0, t = 0, x = 0;');
  prologue.push('let slow = false, bail = false;');
  if (builder.extraLocals.length > 0) prologue.push(`let ${builder.extraLocals.join(' = 0, ')} = 0;`);
  // The body is a loop: a branch back to the block's start continues it (BlockBuilder.loopBack).
  const body = builder.lines.join('\n').replaceAll(BLOCK_LENGTH_TOKEN, `${emitted}`);
  const source = `function block(cpu, R, e0) {\n${prologue.join('\n')}\nfor (;;) {\n${body}\n}\n}`;
  const memory = context.memory;
  const mmu = context.mmu;
  const factory = new Function(
    'M',
    'ram32',
    'ram16',
    'ram8',
    'kind',
    'code',
    'MMU',
    'tf',
    'tp',
    'PARITY',
    'SHIFT',
    'imulTruncated',
    'ALU',
    'SLOW',
    'LEAVE',
    'IS',
    `"use strict"; return ${source};`,
  );
  const fn = factory(
    memory,
    memory.ram32,
    memory.ram16,
    memory.ram,
    memory.pageKind,
    memory.codePages,
    mmu ?? null,
    mmu?.tlbFlags ?? null,
    mmu?.tlbPhysical ?? null,
    PARITY_TABLE,
    GROUP2_SEMANTICS,
    multiplySignedTruncated,
    aluOperation,
    prepareSlowAccess,
    mustLeave,
    builder.callOuts,
  ) as BlockFunction;
  return new CompiledBlock(fn, emitted);
}
