/**
 * ALU semantics: ADD, OR, ADC, SBB, AND, SUB, XOR, CMP, TEST, INC, DEC, NEG, NOT. Each
 * semantic function gets operand values and a size in bytes, returns the result masked to the
 * size and records the flags lazily.
 */

import type { Cpu } from '../cpu/cpu.js';
import { LazyOp, PARITY_TABLE, SIGN_BIT, SIZE_MASK } from '../cpu/lazy-flags.js';
import { Flag } from '../cpu/registers.js';

/** A two-operand semantic function. */
export type BinarySemantic = (cpu: Cpu, destination: number, source: number, size: number) => number;

/** ADD. */
export function add(cpu: Cpu, destination: number, source: number, size: number): number {
  const result = ((destination + source) & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(LazyOp.Add, destination, source, result, size);
  return result;
}

/** OR. */
export function or(cpu: Cpu, destination: number, source: number, size: number): number {
  const result = (destination | source) >>> 0;
  cpu.setLazyFlags(LazyOp.Logic, destination, source, result, size);
  return result;
}

/** ADC. */
export function addWithCarry(cpu: Cpu, destination: number, source: number, size: number): number {
  const carry = cpu.getCarry();
  const result = ((destination + source + carry) & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(carry === 0 ? LazyOp.Add : LazyOp.AddWithCarry, destination, source, result, size);
  return result;
}

/** SBB. */
export function subtractWithBorrow(cpu: Cpu, destination: number, source: number, size: number): number {
  const borrow = cpu.getCarry();
  const result = ((destination - source - borrow) & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(borrow === 0 ? LazyOp.Sub : LazyOp.SubWithBorrow, destination, source, result, size);
  return result;
}

/** AND (also TEST). */
export function and(cpu: Cpu, destination: number, source: number, size: number): number {
  const result = (destination & source) >>> 0;
  cpu.setLazyFlags(LazyOp.Logic, destination, source, result, size);
  return result;
}

/** SUB (also CMP). */
export function subtract(cpu: Cpu, destination: number, source: number, size: number): number {
  const result = ((destination - source) & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(LazyOp.Sub, destination, source, result, size);
  return result;
}

/** XOR. */
export function xor(cpu: Cpu, destination: number, source: number, size: number): number {
  const result = (destination ^ source) >>> 0;
  cpu.setLazyFlags(LazyOp.Logic, destination, source, result, size);
  return result;
}

/** INC (CF preserved). */
export function increment(cpu: Cpu, value: number, size: number): number {
  cpu.flagsValue = (cpu.flagsValue & ~Flag.Carry) | cpu.getCarry();
  const result = ((value + 1) & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(LazyOp.Increment, value, 1, result, size);
  return result;
}

/** DEC (CF preserved). */
export function decrement(cpu: Cpu, value: number, size: number): number {
  cpu.flagsValue = (cpu.flagsValue & ~Flag.Carry) | cpu.getCarry();
  const result = ((value - 1) & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(LazyOp.Decrement, value, 1, result, size);
  return result;
}

/** NEG: 0 - value. */
export function negate(cpu: Cpu, value: number, size: number): number {
  const result = (-value & SIZE_MASK[size]) >>> 0;
  cpu.setLazyFlags(LazyOp.Sub, 0, value, result, size);
  return result;
}

/** NOT (no flags). */
export function not(_cpu: Cpu, value: number, size: number): number {
  return (~value & SIZE_MASK[size]) >>> 0;
}

/**
 * Sets all six arithmetic flags eagerly: SF, ZF, PF from `result` (of `size` bytes), CF, OF and
 * AF as given.
 */
export function setResultFlags(
  cpu: Cpu,
  result: number,
  size: number,
  carry: boolean,
  overflow: boolean,
  adjust = false,
): void {
  let flags = PARITY_TABLE[result & 0xff];
  if ((result & SIZE_MASK[size]) === 0) flags |= Flag.Zero;
  if ((result & SIGN_BIT[size]) !== 0) flags |= Flag.Sign;
  if (carry) flags |= Flag.Carry;
  if (overflow) flags |= Flag.Overflow;
  if (adjust) flags |= Flag.Adjust;
  cpu.setArithmeticFlags(flags);
}

/** ALU operation numbers in opcode order (ModRM.reg of group 1). */
export const AluOperation = {
  Add: 0,
  Or: 1,
  AddWithCarry: 2,
  SubtractWithBorrow: 3,
  And: 4,
  Subtract: 5,
  Xor: 6,
  Compare: 7,
} as const;

/**
 * Applies ALU operation `operation` (AluOperation). A switch of direct calls rather than a
 * function value, so the JIT can inline each operation into its caller.
 */
export function aluOperation(
  cpu: Cpu,
  operation: number,
  destination: number,
  source: number,
  size: number,
): number {
  switch (operation) {
    case 0:
      return add(cpu, destination, source, size);
    case 1:
      return or(cpu, destination, source, size);
    case 2:
      return addWithCarry(cpu, destination, source, size);
    case 3:
      return subtractWithBorrow(cpu, destination, source, size);
    case 4:
      return and(cpu, destination, source, size);
    case 5:
      return subtract(cpu, destination, source, size);
    case 6:
      return xor(cpu, destination, source, size);
    default:
      return subtract(cpu, destination, source, size);
  }
}
