/**
 * The decoder: prefixes, opcode (one- and two-byte maps, groups), ModRM, SIB, displacement and
 * immediates, as the opcode table's operand codes say. It produces an {@link Instruction}; it
 * never executes anything. Decoding faults (an instruction longer than 15 bytes: #GP(0), a page
 * fault while fetching) are thrown as guest faults; invalid encodings decode to a handler that
 * raises #UD when executed.
 */

import type { Cpu } from '../cpu/cpu.js';
import { SegmentRegister } from '../cpu/registers.js';
import { invalidOpcode } from '../instructions/data.js';
import { Vector } from '../system/vectors.js';
import { Instruction, RepeatPrefix } from './instruction.js';
import { ONE_BYTE_MAP, type OpcodeEntry, type OpcodeSlot, TWO_BYTE_MAP } from './opcode-table.js';

/** Longest legal instruction, prefixes included. */
export const MAX_INSTRUCTION_LENGTH = 15;

const SIZED_CODES = /^(?:E|G|M|R|Z|X|Y|O)([bwdvzpaq])$/;

function widthOf(entry: OpcodeEntry): string {
  if (entry.width !== undefined) return entry.width;
  for (const operand of entry.operands) {
    const match = SIZED_CODES.exec(operand);
    if (match !== null) return match[1];
    if (operand === 'AL') return 'b';
    if (operand === 'eAX') return 'v';
  }
  for (const operand of entry.operands) {
    if (operand === 'Ib') return 'b';
    if (operand === 'Iz' || operand === 'Iv' || operand === 'Ibs') return 'v';
  }
  return 'v';
}

/** Operands that name a fixed register or constant (no bytes in the instruction). */
const FIXED_OPERANDS = new Set(['AL', 'eAX', 'CL', 'DX', '1', 'ES', 'CS', 'SS', 'DS', 'FS', 'GS']);

function needsModrm(entry: OpcodeEntry): boolean {
  return entry.operands.some((operand) => !FIXED_OPERANDS.has(operand) && /^[EGMRSCD]/.test(operand));
}

/** MOV to/from CRn/DRn: the r/m field is always a register, whatever ModRM.mod says. */
function registerOnly(entry: OpcodeEntry): boolean {
  return entry.operands.some((operand) => !FIXED_OPERANDS.has(operand) && /^[RCD]/.test(operand));
}

/** Per-entry decoding facts, computed once. */
interface EntryPlan {
  width: string;
  modrm: boolean;
  registerOnly: boolean;
}

const plans = new Map<OpcodeEntry, EntryPlan>();

function planOf(entry: OpcodeEntry): EntryPlan {
  let plan = plans.get(entry);
  if (plan === undefined) {
    plan = { width: widthOf(entry), modrm: needsModrm(entry), registerOnly: registerOnly(entry) };
    plans.set(entry, plan);
  }
  return plan;
}

const UNDEFINED_ENTRY: OpcodeEntry = { mnemonic: '(bad)', operands: [], handler: invalidOpcode };

/** Reads instruction bytes at increasing linear addresses. */
class ByteReader {
  cpu!: Cpu;
  start = 0;
  length = 0;
  next(): number {
    if (this.length >= MAX_INSTRUCTION_LENGTH) this.cpu.fault(Vector.GeneralProtection, 0);
    const value = this.cpu.fetchLinear8((this.start + this.length) >>> 0);
    this.length++;
    return value;
  }
  next16(): number {
    return this.next() | (this.next() << 8);
  }
  next32(): number {
    return (this.next16() | (this.next16() << 16)) >>> 0;
  }
}

const reader = new ByteReader();

/** Decodes the instruction at `linear` for the CPU's current mode. */
export function decodeInstruction(cpu: Cpu, linear: number): Instruction {
  reader.cpu = cpu;
  reader.start = linear;
  reader.length = 0;
  const codeSize32 = cpu.codeSize32;
  let operandSize32 = codeSize32;
  let addressSize32 = codeSize32;
  let segmentOverride = -1;
  let repeat: number = RepeatPrefix.None;
  let lock = false;
  let byte: number;
  for (;;) {
    byte = reader.next();
    if (ONE_BYTE_MAP[byte] !== 'prefix') break;
    switch (byte) {
      case 0x26:
        segmentOverride = SegmentRegister.Es;
        break;
      case 0x2e:
        segmentOverride = SegmentRegister.Cs;
        break;
      case 0x36:
        segmentOverride = SegmentRegister.Ss;
        break;
      case 0x3e:
        segmentOverride = SegmentRegister.Ds;
        break;
      case 0x64:
        segmentOverride = SegmentRegister.Fs;
        break;
      case 0x65:
        segmentOverride = SegmentRegister.Gs;
        break;
      case 0x66:
        operandSize32 = !codeSize32;
        break;
      case 0x67:
        addressSize32 = !codeSize32;
        break;
      case 0xf0:
        lock = true;
        break;
      case 0xf2:
        repeat = RepeatPrefix.RepeatNotEqual;
        break;
      default:
        repeat = RepeatPrefix.Repeat;
        break;
    }
  }
  let opcode = byte;
  let slot: OpcodeSlot;
  if (byte === 0x0f) {
    byte = reader.next();
    opcode = 0x100 | byte;
    slot = TWO_BYTE_MAP[byte];
  } else {
    slot = ONE_BYTE_MAP[byte];
  }

  const instruction = new Instruction(invalidOpcode);
  instruction.opcode = opcode;
  instruction.codeSize32 = codeSize32;
  instruction.ipMask = codeSize32 ? -1 : 0xffff;
  instruction.operandSize32 = operandSize32;
  instruction.addressSize32 = addressSize32;
  instruction.segmentOverride = segmentOverride;
  instruction.repeat = repeat;
  instruction.lock = lock;

  let entry: OpcodeEntry;
  let modrmByte = -1;
  if (slot === null || slot === 'prefix') {
    entry = UNDEFINED_ENTRY;
  } else if ('group' in slot) {
    modrmByte = reader.next();
    entry = slot.group[(modrmByte >> 3) & 7] ?? UNDEFINED_ENTRY;
  } else {
    entry = slot;
  }
  const plan = planOf(entry);
  if (modrmByte < 0 && plan.modrm) modrmByte = reader.next();
  instruction.mnemonic = entry.mnemonic;
  instruction.handler = entry.handler;
  instruction.operandSize =
    plan.width === 'b' ? 1 : plan.width === 'w' ? 2 : plan.width === 'd' ? 4 : operandSize32 ? 4 : 2;
  if (entry.segment !== undefined) instruction.immediate2 = entry.segment;
  if (modrmByte >= 0) {
    instruction.hasModrm = true;
    instruction.mod = modrmByte >> 6;
    instruction.reg = (modrmByte >> 3) & 7;
    instruction.rm = modrmByte & 7;
    if (plan.registerOnly) instruction.mod = 3;
    if (instruction.mod !== 3) decodeMemoryOperand(instruction, addressSize32, segmentOverride);
  } else {
    instruction.rm = opcode & 7; // Z operands: the register in the opcode
  }

  // Immediates, in operand order.
  let immediateCount = 0;
  for (const operand of entry.operands) {
    let value: number;
    switch (operand) {
      case 'Ib':
        value = reader.next();
        break;
      case 'Ibs': {
        const signed = (reader.next() << 24) >> 24;
        value = instruction.operandSize === 2 ? signed & 0xffff : signed >>> 0;
        break;
      }
      case 'Iw':
        value = reader.next16();
        break;
      case 'Iz':
      case 'Iv':
        value =
          instruction.operandSize === 4
            ? reader.next32()
            : instruction.operandSize === 2
              ? reader.next16()
              : reader.next();
        break;
      case 'Jb':
        value = (reader.next() << 24) >> 24;
        break;
      case 'Jz':
        value = operandSize32 ? reader.next32() | 0 : (reader.next16() << 16) >> 16;
        break;
      case 'Ap':
        instruction.immediate = operandSize32 ? reader.next32() : reader.next16();
        instruction.immediate2 = reader.next16();
        continue;
      case 'Ob':
      case 'Ov':
        instruction.displacement = addressSize32 ? reader.next32() : reader.next16();
        instruction.segment = segmentOverride >= 0 ? segmentOverride : SegmentRegister.Ds;
        continue;
      default:
        continue;
    }
    if (immediateCount === 0) instruction.immediate = value;
    else instruction.immediate2 = value;
    immediateCount++;
  }

  if (entry.handler32 !== undefined && instruction.operandSize === 4) instruction.handler = entry.handler32;
  if (entry.registerHandler32 !== undefined && instruction.mod === 3 && instruction.operandSize === 4) {
    instruction.handler = entry.registerHandler32;
  }
  if (entry.memoryHandler32 !== undefined && instruction.mod !== 3 && instruction.operandSize === 4) {
    instruction.handler = entry.memoryHandler32;
  }
  // LOCK is legal only on the listed read-modify-write instructions with a memory destination.
  if (lock && (entry.lock !== true || instruction.mod === 3)) instruction.handler = invalidOpcode;
  instruction.length = reader.length;
  instruction.crossesPage = (linear & 0xfff) + reader.length > 0x1000;
  instruction.linkable = (linear & 0xfff) + reader.length < 0x1000;
  return instruction;
}

const REGISTERS_16: readonly (readonly [number, number])[] = [
  [3, 6], // BX+SI
  [3, 7], // BX+DI
  [5, 6], // BP+SI
  [5, 7], // BP+DI
  [6, -1], // SI
  [7, -1], // DI
  [5, -1], // BP (mod 0: disp16)
  [3, -1], // BX
];

function decodeMemoryOperand(
  instruction: Instruction,
  addressSize32: boolean,
  segmentOverride: number,
): void {
  const mod = instruction.mod;
  const rm = instruction.rm;
  let stackDefault = false;
  if (!addressSize32) {
    if (mod === 0 && rm === 6) {
      instruction.base = -1;
      instruction.displacement = reader.next16();
    } else {
      const [base, index] = REGISTERS_16[rm];
      instruction.base = base;
      instruction.index = index;
      stackDefault = base === 5;
      if (mod === 1) instruction.displacement = ((reader.next() << 24) >> 24) & 0xffff;
      else if (mod === 2) instruction.displacement = reader.next16();
    }
  } else {
    let base = rm;
    if (rm === 4) {
      const sib = reader.next();
      instruction.scale = sib >> 6;
      const index = (sib >> 3) & 7;
      instruction.index = index === 4 ? -1 : index;
      base = sib & 7;
      if (base === 5 && mod === 0) {
        instruction.base = -1;
        instruction.displacement = reader.next32();
      } else {
        instruction.base = base;
        stackDefault = base === 4 || base === 5;
      }
    } else if (rm === 5 && mod === 0) {
      instruction.base = -1;
      instruction.displacement = reader.next32();
    } else {
      instruction.base = base;
      stackDefault = base === 5;
    }
    if (mod === 1) instruction.displacement = ((reader.next() << 24) >> 24) >>> 0;
    else if (mod === 2) instruction.displacement = reader.next32();
  }
  instruction.segment =
    segmentOverride >= 0 ? segmentOverride : stackDefault ? SegmentRegister.Ss : SegmentRegister.Ds;
}
