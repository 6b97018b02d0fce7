/** BT, BTS, BTR, BTC (register and immediate offsets), BSF, BSR. */

import type { Cpu } from '../cpu/cpu.js';
import { Flag } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { effectiveAddress, readRm, signExtend } from '../decoder/operands.js';

/** What a bit-test instruction does to the bit. */
export const BitOperation = { Test: 0, Set: 1, Reset: 2, Complement: 3 } as const;

function applyBit(value: number, bit: number, operation: number): number {
  const mask = 1 << bit;
  if (operation === BitOperation.Set) return (value | mask) >>> 0;
  if (operation === BitOperation.Reset) return (value & ~mask) >>> 0;
  return (value ^ mask) >>> 0;
}

function setCarryFromBit(cpu: Cpu, set: boolean): void {
  cpu.materializeFlags();
  cpu.flagsValue = set ? cpu.flagsValue | Flag.Carry : cpu.flagsValue & ~Flag.Carry;
}

/** BT/BTS/BTR/BTC Ev,Gv: a register bit offset addresses memory beyond the operand (signed). */
export function bitTestRegister(operation: number) {
  return (cpu: Cpu, instruction: Instruction): void => {
    const size = instruction.operandSize;
    const bits = size * 8;
    const offset = cpu.readGeneral(instruction.reg, size);
    if (instruction.mod === 3) {
      const bit = offset & (bits - 1);
      const value = cpu.readGeneral(instruction.rm, size);
      setCarryFromBit(cpu, ((value >>> bit) & 1) !== 0);
      if (operation !== BitOperation.Test)
        cpu.writeGeneral(
          instruction.rm,
          size,
          applyBit(value, bit, operation) & (size === 4 ? 0xffffffff : 0xffff),
        );
      return;
    }
    const signedOffset = signExtend(offset, size);
    const displacement = Math.floor(signedOffset / bits) * size;
    const base = effectiveAddress(cpu, instruction);
    const address = instruction.addressSize32 ? (base + displacement) >>> 0 : (base + displacement) & 0xffff;
    const bit = offset & (bits - 1);
    if (operation === BitOperation.Test) {
      setCarryFromBit(cpu, ((cpu.readSized(instruction.segment, address, size) >>> bit) & 1) !== 0);
      return;
    }
    const value = cpu.readForUpdate(instruction.segment, address, size);
    setCarryFromBit(cpu, ((value >>> bit) & 1) !== 0);
    cpu.writeUpdated(size, applyBit(value, bit, operation) & (size === 4 ? 0xffffffff : 0xffff));
  };
}

/** 0F BA /4-/7 BT/BTS/BTR/BTC Ev,Ib (the offset is taken modulo the operand size). */
export function bitTestImmediate(operation: number) {
  return (cpu: Cpu, instruction: Instruction): void => {
    const size = instruction.operandSize;
    const bit = instruction.immediate & (size * 8 - 1);
    if (operation === BitOperation.Test) {
      setCarryFromBit(cpu, ((readRm(cpu, instruction, size) >>> bit) & 1) !== 0);
      return;
    }
    if (instruction.mod === 3) {
      const value = cpu.readGeneral(instruction.rm, size);
      setCarryFromBit(cpu, ((value >>> bit) & 1) !== 0);
      cpu.writeGeneral(
        instruction.rm,
        size,
        applyBit(value, bit, operation) & (size === 4 ? 0xffffffff : 0xffff),
      );
      return;
    }
    const value = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), size);
    setCarryFromBit(cpu, ((value >>> bit) & 1) !== 0);
    cpu.writeUpdated(size, applyBit(value, bit, operation) & (size === 4 ? 0xffffffff : 0xffff));
  };
}

/**
 * BSF/BSR flags as QEMU leaves them: ZF from the source, CF=OF=SF=AF=0, PF from the result
 * register... QEMU computes them from the source (CC_OP_LOGIC on the source): ZF = source==0,
 * SF from the source's sign, PF from its low byte, CF=OF=AF=0.
 */
function setScanFlags(cpu: Cpu, source: number, size: number): void {
  cpu.setLazyFlags(5 /* LazyOp.Logic */, source, 0, source, size);
}

/** 0F BC BSF Gv,Ev: destination unchanged when the source is 0. */
export function bitScanForward(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const source = readRm(cpu, instruction, size);
  setScanFlags(cpu, source, size);
  if (source !== 0) cpu.writeGeneral(instruction.reg, size, 31 - Math.clz32(source & -source));
}

/** 0F BD BSR Gv,Ev: destination unchanged when the source is 0. */
export function bitScanReverse(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const source = readRm(cpu, instruction, size);
  setScanFlags(cpu, source, size);
  if (source !== 0) cpu.writeGeneral(instruction.reg, size, 31 - Math.clz32(source));
}
