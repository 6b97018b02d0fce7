/**
 * Data movement and small integer instructions: MOV (all forms), LEA, XCHG, XADD, CMPXCHG,
 * CMPXCHG8B, BSWAP, MOVZX/MOVSX, CBW/CWDE/CWD/CDQ, CMOVcc, SETcc, XLAT, LAHF/SAHF, the flag
 * instructions, far-pointer loads, BOUND, MUL/DIV/BCD wrappers.
 */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Flag, Register, SegmentRegister } from '../cpu/registers.js';
import type { Instruction, InstructionHandler } from '../decoder/instruction.js';
import {
  effectiveAddress,
  readRm,
  readRmForUpdate,
  signExtend,
  writeRm,
  writeRmBack,
} from '../decoder/operands.js';
import { loadSegment } from '../system/index.js';
import { Vector } from '../system/vectors.js';
import { add, subtract } from './alu.js';
import {
  asciiAdjustAfterAddition,
  asciiAdjustAfterMultiply,
  asciiAdjustAfterSubtraction,
  asciiAdjustBeforeDivide,
  decimalAdjustAfterAddition,
  decimalAdjustAfterSubtraction,
} from './bcd.js';
import {
  divideSigned,
  divideUnsigned,
  multiplySignedTruncated,
  multiplySignedWide,
  multiplyUnsigned,
} from './muldiv.js';
import { compileHandler } from './specialize.js';

/** 88/89 MOV Eb,Gb / Ev,Gv. */
export function moveRmReg(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  writeRm(cpu, instruction, size, cpu.readGeneral(instruction.reg, size));
}

/** 89 MOV Ev,Gv, register form at 32 bits. */
export function moveRegisters32(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.rm] = cpu.registers32[instruction.reg];
}

/** 8B MOV Gv,Ev, register form at 32 bits. */
export function moveRegisters32Reverse(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.reg] = cpu.registers32[instruction.rm];
}

/** 8B MOV Gv,Ev, memory form at 32 bits (bound by the decoder: no size or mod tests). */
export function moveRegisterFromMemory32(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.reg] = cpu.readSized(
    instruction.segment,
    effectiveAddress(cpu, instruction),
    4,
  );
}

/** 89 MOV Ev,Gv, memory form at 32 bits. */
export function moveMemoryFromRegister32(cpu: Cpu, instruction: Instruction): void {
  cpu.writeSized(
    instruction.segment,
    effectiveAddress(cpu, instruction),
    4,
    cpu.registers32[instruction.reg],
  );
}

/** 8A/8B MOV Gb,Eb / Gv,Ev. */
export function moveRegRm(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  cpu.writeGeneral(instruction.reg, size, readRm(cpu, instruction, size));
}

/** C6/C7 /0 MOV Eb,Ib / Ev,Iz. */
export function moveRmImmediate(cpu: Cpu, instruction: Instruction): void {
  writeRm(cpu, instruction, instruction.operandSize, instruction.immediate);
}

/** C7 /0 MOV Md,Id (memory form at 32-bit operand size, bound by the decoder). */
export function moveMemoryImmediate32(cpu: Cpu, instruction: Instruction): void {
  cpu.writeSized(instruction.segment, effectiveAddress(cpu, instruction), 4, instruction.immediate);
}

/** B8+r MOV Zd,Id and C7 /0 MOV Rd,Id at 32-bit operand size (bound by the decoder). */
export function moveRegisterImmediate32(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.rm] = instruction.immediate;
}

/** B0+r / B8+r MOV Zb,Ib / Zv,Iv. */
export function moveRegisterImmediate(cpu: Cpu, instruction: Instruction): void {
  cpu.writeGeneral(instruction.rm, instruction.operandSize, instruction.immediate);
}

/** A0/A1 MOV AL,Ob / eAX,Ov. */
export function moveAccumulatorFromOffset(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  cpu.writeGeneral(Register.Eax, size, cpu.readSized(instruction.segment, instruction.displacement, size));
}

/** A2/A3 MOV Ob,AL / Ov,eAX. */
export function moveOffsetFromAccumulator(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  cpu.writeSized(instruction.segment, instruction.displacement, size, cpu.readGeneral(Register.Eax, size));
}

/** 8C MOV Ew,Sw: a register destination takes the zero-extended selector at 32-bit operand size. */
export function moveFromSegment(cpu: Cpu, instruction: Instruction): void {
  if (instruction.reg > 5) cpu.fault(Vector.InvalidOpcode);
  const selector = cpu.segmentSelector[instruction.reg];
  if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, instruction.operandSize32 ? 4 : 2, selector);
  else cpu.write16(instruction.segment, effectiveAddress(cpu, instruction), selector);
}

/** 8E MOV Sw,Ew (MOV CS is #UD; MOV SS inhibits interrupts for one instruction). */
export function moveToSegment(cpu: Cpu, instruction: Instruction): void {
  const segment = instruction.reg;
  if (segment > 5 || segment === SegmentRegister.Cs) cpu.fault(Vector.InvalidOpcode);
  loadSegment(cpu, segment, readRm(cpu, instruction, 2));
  if (segment === SegmentRegister.Ss) {
    cpu.interruptShadow = true;
    cpu.debugShadow = true;
    cpu.endChunk();
  }
}

/** 8D LEA Gv,M (register form is #UD). */
export function loadEffectiveAddress(cpu: Cpu, instruction: Instruction): void {
  if (instruction.mod === 3) cpu.fault(Vector.InvalidOpcode);
  cpu.writeGeneral(instruction.reg, instruction.operandSize, effectiveAddress(cpu, instruction));
}

/** 8D LEA Gd,M at 32-bit operand size (bound by the decoder; the register form stays #UD). */
export function loadEffectiveAddress32(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.reg] = effectiveAddress(cpu, instruction);
}

/** 86/87 XCHG Eb,Gb / Ev,Gv (memory form is implicitly locked: atomic here anyway). */
export function exchangeRmReg(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const value = readRmForUpdate(cpu, instruction, size);
  writeRmBack(cpu, instruction, size, cpu.readGeneral(instruction.reg, size));
  cpu.writeGeneral(instruction.reg, size, value);
}

/** 91+r XCHG Zv,eAX. */
export function exchangeAccumulator(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const value = cpu.readGeneral(instruction.rm, size);
  cpu.writeGeneral(instruction.rm, size, cpu.readGeneral(Register.Eax, size));
  cpu.writeGeneral(Register.Eax, size, value);
}

/** 0F C0/C1 XADD Eb,Gb / Ev,Gv. */
export function exchangeAdd(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const destination = readRmForUpdate(cpu, instruction, size);
  const source = cpu.readGeneral(instruction.reg, size);
  const sum = add(cpu, destination, source, size);
  cpu.writeGeneral(instruction.reg, size, destination);
  writeRmBack(cpu, instruction, size, sum);
}

/** 0F B0/B1 CMPXCHG Eb,Gb / Ev,Gv. The destination is always written (as the CPU does). */
export function compareExchange(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const destination = readRmForUpdate(cpu, instruction, size);
  const accumulator = cpu.readGeneral(Register.Eax, size);
  subtract(cpu, accumulator, destination, size);
  if (accumulator === destination) {
    writeRmBack(cpu, instruction, size, cpu.readGeneral(instruction.reg, size));
  } else {
    writeRmBack(cpu, instruction, size, destination);
    cpu.writeGeneral(Register.Eax, size, destination);
  }
}

/** 0F C7 /1 CMPXCHG8B Mq (register form #UD). */
export function compareExchange8Bytes(cpu: Cpu, instruction: Instruction): void {
  if (instruction.mod === 3) cpu.fault(Vector.InvalidOpcode);
  const registers = cpu.registers32;
  const offset = effectiveAddress(cpu, instruction);
  const segment = instruction.segment;
  // Both dwords are checked for writing before anything changes (the CPU always writes back).
  const highValue = cpu.readForUpdate(segment, (offset + 4) >>> 0, 4);
  const lowValue = cpu.readForUpdate(segment, offset, 4);
  cpu.materializeFlags();
  if (lowValue === registers[Register.Eax] && highValue === registers[Register.Edx]) {
    cpu.write32(segment, offset, registers[Register.Ebx]);
    cpu.write32(segment, (offset + 4) >>> 0, registers[Register.Ecx]);
    cpu.flagsValue |= Flag.Zero;
  } else {
    cpu.write32(segment, offset, lowValue);
    cpu.write32(segment, (offset + 4) >>> 0, highValue);
    registers[Register.Eax] = lowValue;
    registers[Register.Edx] = highValue;
    cpu.flagsValue &= ~Flag.Zero;
  }
}

/** 0F C8+r BSWAP Zd (16-bit operand size: undefined; the register's low word becomes 0 as on real parts). */
export function byteSwap(cpu: Cpu, instruction: Instruction): void {
  const value = cpu.registers32[instruction.rm];
  if (!instruction.operandSize32) {
    cpu.registers16[instruction.rm << 1] = 0;
    return;
  }
  cpu.registers32[instruction.rm] =
    ((value >>> 24) | ((value >>> 8) & 0xff00) | ((value << 8) & 0xff0000) | (value << 24)) >>> 0;
}

/** 0F B6 MOVZX Gv,Eb. */
export function moveZeroExtendByte(cpu: Cpu, instruction: Instruction): void {
  cpu.writeGeneral(instruction.reg, instruction.operandSize, readRm(cpu, instruction, 1));
}

/** 0F B6 MOVZX Gd,Mb (memory form at 32-bit operand size, bound by the decoder). */
export function moveZeroExtendByteFromMemory32(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.reg] = cpu.readSized(
    instruction.segment,
    effectiveAddress(cpu, instruction),
    1,
  );
}

/** 0F B7 MOVZX Gd,Mw (memory form at 32-bit operand size, bound by the decoder). */
export function moveZeroExtendWordFromMemory32(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.reg] = cpu.readSized(
    instruction.segment,
    effectiveAddress(cpu, instruction),
    2,
  );
}

/** 0F BE MOVSX Gd,Mb (memory form at 32-bit operand size, bound by the decoder). */
export function moveSignExtendByteFromMemory32(cpu: Cpu, instruction: Instruction): void {
  const value = cpu.readSized(instruction.segment, effectiveAddress(cpu, instruction), 1);
  cpu.registers32[instruction.reg] = (value << 24) >> 24;
}

/** 0F BF MOVSX Gd,Mw (memory form at 32-bit operand size, bound by the decoder). */
export function moveSignExtendWordFromMemory32(cpu: Cpu, instruction: Instruction): void {
  const value = cpu.readSized(instruction.segment, effectiveAddress(cpu, instruction), 2);
  cpu.registers32[instruction.reg] = (value << 16) >> 16;
}

/** 0F B7 MOVZX Gv,Ew. */
export function moveZeroExtendWord(cpu: Cpu, instruction: Instruction): void {
  cpu.writeGeneral(instruction.reg, instruction.operandSize, readRm(cpu, instruction, 2));
}

/** 0F BE MOVSX Gv,Eb. */
export function moveSignExtendByte(cpu: Cpu, instruction: Instruction): void {
  cpu.writeGeneral(
    instruction.reg,
    instruction.operandSize,
    signExtend(readRm(cpu, instruction, 1), 1) >>> 0,
  );
}

/** 0F BF MOVSX Gv,Ew. */
export function moveSignExtendWord(cpu: Cpu, instruction: Instruction): void {
  cpu.writeGeneral(
    instruction.reg,
    instruction.operandSize,
    signExtend(readRm(cpu, instruction, 2), 2) >>> 0,
  );
}

/** 98 CBW / CWDE. */
export function convertByteToWord(cpu: Cpu, instruction: Instruction): void {
  if (instruction.operandSize32) cpu.registers32[Register.Eax] = signExtend(cpu.registers16[0], 2) >>> 0;
  else cpu.registers16[0] = signExtend(cpu.registers8[0], 1) & 0xffff;
}

/** 99 CWD / CDQ. */
export function convertWordToDouble(cpu: Cpu, instruction: Instruction): void {
  if (instruction.operandSize32)
    cpu.registers32[Register.Edx] = (cpu.registers32[Register.Eax] | 0) < 0 ? 0xffffffff : 0;
  else cpu.registers16[Register.Edx << 1] = (cpu.registers16[0] & 0x8000) !== 0 ? 0xffff : 0;
}

/**
 * 0F 40+cc CMOVcc Gv,Ev compiled per condition code (the flag test folds). The source is read,
 * and may fault, even when the condition is false.
 */
export function conditionalMoveOn(condition: number): InstructionHandler {
  return compileHandler(
    `function conditionalMove${condition & 0xf}(cpu, instruction) {
      const size = instruction.operandSize;
      const value = readRm(cpu, instruction, size);
      if (cpu.testCondition(${condition & 0xf})) cpu.writeGeneral(instruction.reg, size, value);
    }`,
    { readRm },
  );
}

/** 0F 90+cc SETcc Eb compiled per condition code. */
export function setOnConditionOn(condition: number): InstructionHandler {
  return compileHandler(
    `function setOnCondition${condition & 0xf}(cpu, instruction) {
      writeRm(cpu, instruction, 1, cpu.testCondition(${condition & 0xf}) ? 1 : 0);
    }`,
    { writeRm },
  );
}

/** D7 XLAT: AL = [seg:(E)BX + AL]. */
export function translateByte(cpu: Cpu, instruction: Instruction): void {
  const base = instruction.addressSize32 ? cpu.registers32[Register.Ebx] : cpu.registers16[Register.Ebx << 1];
  const offset = instruction.addressSize32
    ? (base + cpu.registers8[0]) >>> 0
    : (base + cpu.registers8[0]) & 0xffff;
  const segment = instruction.segmentOverride >= 0 ? instruction.segmentOverride : SegmentRegister.Ds;
  cpu.registers8[0] = cpu.read8(segment, offset);
}

/** 9F LAHF: AH = SF:ZF:0:AF:0:PF:1:CF. */
export function loadFlagsIntoAh(cpu: Cpu): void {
  cpu.registers8[1] = (cpu.getFlags() & 0xd5) | 0x02;
}

/** 9E SAHF: SF, ZF, AF, PF, CF from AH. */
export function storeAhIntoFlags(cpu: Cpu): void {
  cpu.materializeFlags();
  cpu.flagsValue = (cpu.flagsValue & ~0xd5) | (cpu.registers8[1] & 0xd5);
}

function setCarry(cpu: Cpu, carry: number): void {
  cpu.materializeFlags();
  cpu.flagsValue = (cpu.flagsValue & ~Flag.Carry) | carry;
}

/** F8 CLC. */
export function clearCarry(cpu: Cpu): void {
  setCarry(cpu, 0);
}

/** F9 STC. */
export function setCarryFlag(cpu: Cpu): void {
  setCarry(cpu, 1);
}

/** F5 CMC. */
export function complementCarry(cpu: Cpu): void {
  setCarry(cpu, cpu.getCarry() ^ 1);
}

/** FC CLD. */
export function clearDirection(cpu: Cpu): void {
  cpu.flagsValue &= ~Flag.Direction;
}

/** FD STD. */
export function setDirection(cpu: Cpu): void {
  cpu.flagsValue |= Flag.Direction;
}

/** True when IF may be changed by CLI/STI/POPF at the current privilege (no VME/PVI). */
function interruptFlagWritable(cpu: Cpu): boolean {
  if ((cpu.cr0 & Cr0.ProtectionEnable) === 0) return true;
  const iopl = (cpu.flagsValue & Flag.Iopl) >>> 12;
  if ((cpu.flagsValue & Flag.Virtual8086) !== 0) return iopl === 3;
  return cpu.cpl <= iopl;
}

/** FA CLI (#GP(0) when CPL > IOPL, or in v86 mode with IOPL < 3). */
export function clearInterrupt(cpu: Cpu): void {
  if (!interruptFlagWritable(cpu)) cpu.fault(Vector.GeneralProtection, 0);
  cpu.flagsValue &= ~Flag.Interrupt;
}

/** FB STI (#GP(0) as CLI); interrupts stay inhibited for one more instruction. */
export function setInterrupt(cpu: Cpu): void {
  if (!interruptFlagWritable(cpu)) cpu.fault(Vector.GeneralProtection, 0);
  if ((cpu.flagsValue & Flag.Interrupt) === 0) {
    cpu.flagsValue |= Flag.Interrupt;
    cpu.interruptShadow = true;
    cpu.endChunk();
  }
}

/** D6 SALC (undocumented): AL = CF ? 0xFF : 0. */
export function setAlFromCarry(cpu: Cpu): void {
  cpu.registers8[0] = cpu.getCarry() !== 0 ? 0xff : 0;
}

/** 90 NOP, 0F 1F /0 NOP Ev and the hint NOPs. */
export function noOperation(): void {}

/** Holes of the opcode map, UD2 and LOCK misuse: #UD. */
export function invalidOpcode(cpu: Cpu): void {
  cpu.fault(Vector.InvalidOpcode);
}

/** C4/C5/0F B2/B4/B5: LES/LDS/LSS/LFS/LGS Gv,Mp; the segment comes from the table entry (immediate2). */
export function loadFarPointer(cpu: Cpu, instruction: Instruction): void {
  if (instruction.mod === 3) cpu.fault(Vector.InvalidOpcode);
  const size = instruction.operandSize;
  const offset = effectiveAddress(cpu, instruction);
  const value = cpu.readSized(instruction.segment, offset, size);
  const selector = cpu.read16(
    instruction.segment,
    instruction.addressSize32 ? (offset + size) >>> 0 : (offset + size) & 0xffff,
  );
  const segment = instruction.immediate2;
  loadSegment(cpu, segment, selector);
  cpu.writeGeneral(instruction.reg, size, value);
  // Unlike MOV SS and POP SS, LSS starts no interrupt shadow (SDM vol. 3 6.8.3): it loads SS and
  // ESP together, so there is no window to protect (QEMU inhibits interrupts after LSS too). The
  // chunk still ends, so a pending interrupt is looked at right after the stack switch.
  if (segment === SegmentRegister.Ss) cpu.endChunk();
}

/** 62 BOUND Gv,Ma: #BR when the signed index is outside [lower, upper]. */
export function checkBounds(cpu: Cpu, instruction: Instruction): void {
  if (instruction.mod === 3) cpu.fault(Vector.InvalidOpcode);
  const size = instruction.operandSize;
  const offset = effectiveAddress(cpu, instruction);
  const lower = signExtend(cpu.readSized(instruction.segment, offset, size), size);
  const upperOffset = instruction.addressSize32 ? (offset + size) >>> 0 : (offset + size) & 0xffff;
  const upper = signExtend(cpu.readSized(instruction.segment, upperOffset, size), size);
  const index = signExtend(cpu.readGeneral(instruction.reg, size), size);
  if (index < lower || index > upper) cpu.fault(Vector.BoundRange);
}

/** F6/F7 /4 MUL. */
export function multiply(cpu: Cpu, instruction: Instruction): void {
  multiplyUnsigned(cpu, readRm(cpu, instruction, instruction.operandSize), instruction.operandSize);
}

/** F6/F7 /5 IMUL (one operand). */
export function multiplySigned(cpu: Cpu, instruction: Instruction): void {
  multiplySignedWide(cpu, readRm(cpu, instruction, instruction.operandSize), instruction.operandSize);
}

/** 0F AF IMUL Gv,Ev. */
export function multiplySignedTwoOperands(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const result = multiplySignedTruncated(
    cpu,
    cpu.readGeneral(instruction.reg, size),
    readRm(cpu, instruction, size),
    size,
  );
  cpu.writeGeneral(instruction.reg, size, result);
}

/** 69/6B IMUL Gv,Ev,Iz / Gv,Ev,Ib. */
export function multiplySignedImmediate(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const result = multiplySignedTruncated(cpu, readRm(cpu, instruction, size), instruction.immediate, size);
  cpu.writeGeneral(instruction.reg, size, result);
}

/** F6/F7 /6 DIV. */
export function divide(cpu: Cpu, instruction: Instruction): void {
  divideUnsigned(cpu, readRm(cpu, instruction, instruction.operandSize), instruction.operandSize);
}

/** F6/F7 /7 IDIV. */
export function divideSignedHandler(cpu: Cpu, instruction: Instruction): void {
  divideSigned(cpu, readRm(cpu, instruction, instruction.operandSize), instruction.operandSize);
}

/** 27 DAA. */
export function daa(cpu: Cpu): void {
  decimalAdjustAfterAddition(cpu);
}

/** 2F DAS. */
export function das(cpu: Cpu): void {
  decimalAdjustAfterSubtraction(cpu);
}

/** 37 AAA. */
export function aaa(cpu: Cpu): void {
  asciiAdjustAfterAddition(cpu);
}

/** 3F AAS. */
export function aas(cpu: Cpu): void {
  asciiAdjustAfterSubtraction(cpu);
}

/** D4 AAM Ib. */
export function aam(cpu: Cpu, instruction: Instruction): void {
  asciiAdjustAfterMultiply(cpu, instruction.immediate);
}

/** D5 AAD Ib. */
export function aad(cpu: Cpu, instruction: Instruction): void {
  asciiAdjustBeforeDivide(cpu, instruction.immediate);
}
