/**
 * Operand load/store: the layer between the decoded instruction and the semantic functions.
 * Semantic functions never see ModRM; they get values and a width from here.
 */

import type { Cpu } from '../cpu/cpu.js';
import type { Instruction } from './instruction.js';

/** Offset of the memory operand (ModRM/SIB/displacement), wrapped to the address size. */
export function effectiveAddress(cpu: Cpu, instruction: Instruction): number {
  if (instruction.addressSize32) {
    let address = instruction.displacement;
    if (instruction.base >= 0) address += cpu.registers32[instruction.base];
    if (instruction.index >= 0) address += cpu.registers32[instruction.index] << instruction.scale;
    return address >>> 0;
  }
  let address = instruction.displacement;
  if (instruction.base >= 0) address += cpu.registers16[instruction.base << 1];
  if (instruction.index >= 0) address += cpu.registers16[instruction.index << 1];
  return address & 0xffff;
}

/** Reads the ModRM r/m operand of `size` bytes (register or memory). */
export function readRm(cpu: Cpu, instruction: Instruction, size: number): number {
  if (instruction.mod === 3) return cpu.readGeneral(instruction.rm, size);
  return cpu.readSized(instruction.segment, effectiveAddress(cpu, instruction), size);
}

/** Writes the ModRM r/m operand of `size` bytes (register or memory). */
export function writeRm(cpu: Cpu, instruction: Instruction, size: number, value: number): void {
  if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, size, value);
  else cpu.writeSized(instruction.segment, effectiveAddress(cpu, instruction), size, value);
}

/**
 * Reads the r/m operand for a read-modify-write: a memory operand is checked for writing first
 * (segment and page), so the write-back that follows cannot fault. Use with {@link writeRmBack}.
 */
export function readRmForUpdate(cpu: Cpu, instruction: Instruction, size: number): number {
  if (instruction.mod === 3) return cpu.readGeneral(instruction.rm, size);
  return cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), size);
}

/** Writes back the operand read by {@link readRmForUpdate}. */
export function writeRmBack(cpu: Cpu, instruction: Instruction, size: number, value: number): void {
  if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, size, value);
  else cpu.writeUpdated(size, value);
}

/** Sign-extends the low `size` bytes of `value` to a signed 32-bit number. */
export function signExtend(value: number, size: number): number {
  if (size === 1) return (value << 24) >> 24;
  if (size === 2) return (value << 16) >> 16;
  return value | 0;
}
