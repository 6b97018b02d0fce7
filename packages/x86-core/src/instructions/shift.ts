/**
 * Shifts and rotates (group 2), SHLD and SHRD. Flags follow the SDM where defined and QEMU's
 * choices where the SDM leaves them undefined (AF = 0 after shifts; OF from the last step).
 */

import type { Cpu } from '../cpu/cpu.js';
import { SIGN_BIT, SIZE_MASK } from '../cpu/lazy-flags.js';
import { Flag } from '../cpu/registers.js';
import { signExtend } from '../decoder/operands.js';
import { setResultFlags } from './alu.js';

/** A shift semantic: value, count (unmasked), size; returns the result. */
export type ShiftSemantic = (cpu: Cpu, value: number, count: number, size: number) => number;

function setCarryOverflow(cpu: Cpu, carry: boolean, overflow: boolean): void {
  cpu.materializeFlags();
  let flags = cpu.flagsValue & ~(Flag.Carry | Flag.Overflow);
  if (carry) flags |= Flag.Carry;
  if (overflow) flags |= Flag.Overflow;
  cpu.flagsValue = flags;
}

/** ROL. */
export function rotateLeft(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return value;
  const bits = size * 8;
  const rotation = count % bits;
  const result =
    rotation === 0 ? value : (((value << rotation) | (value >>> (bits - rotation))) & SIZE_MASK[size]) >>> 0;
  const carry = (result & 1) !== 0;
  setCarryOverflow(cpu, carry, ((result & SIGN_BIT[size]) !== 0) !== carry);
  return result;
}

/** ROR. */
export function rotateRight(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return value;
  const bits = size * 8;
  const rotation = count % bits;
  const result =
    rotation === 0 ? value : (((value >>> rotation) | (value << (bits - rotation))) & SIZE_MASK[size]) >>> 0;
  const top = (result >>> (bits - 1)) & 1;
  const next = (result >>> (bits - 2)) & 1;
  setCarryOverflow(cpu, top !== 0, top !== next);
  return result;
}

/** RCL. */
export function rotateLeftThroughCarry(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  const bits = size * 8;
  if (size < 4) count %= bits + 1;
  if (count === 0) return value;
  const carryIn = cpu.getCarry();
  let result: number;
  let carry: number;
  if (size === 4) {
    // 33-bit rotation: (CF:value) rotated left by count.
    result =
      count === 1
        ? ((value << 1) | carryIn) >>> 0
        : ((value << count) | (carryIn << (count - 1)) | (value >>> (33 - count))) >>> 0;
    carry = (value >>> (32 - count)) & 1;
  } else {
    const wide = value | (carryIn << bits); // bits+1 wide
    const rotated = (wide << count) | (wide >>> (bits + 1 - count));
    result = (rotated & SIZE_MASK[size]) >>> 0;
    carry = (rotated >>> bits) & 1;
  }
  setCarryOverflow(cpu, carry !== 0, ((value ^ result) & SIGN_BIT[size]) !== 0);
  return result;
}

/** RCR. */
export function rotateRightThroughCarry(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  const bits = size * 8;
  if (size < 4) count %= bits + 1;
  if (count === 0) return value;
  const carryIn = cpu.getCarry();
  let result: number;
  let carry: number;
  if (size === 4) {
    result =
      count === 1
        ? ((value >>> 1) | (carryIn << 31)) >>> 0
        : ((value >>> count) | (carryIn << (32 - count)) | (value << (33 - count))) >>> 0;
    carry = (value >>> (count - 1)) & 1;
  } else {
    const wide = value | (carryIn << bits);
    const rotated = (wide >>> count) | (wide << (bits + 1 - count));
    result = (rotated & SIZE_MASK[size]) >>> 0;
    carry = (rotated >>> bits) & 1;
  }
  setCarryOverflow(cpu, carry !== 0, ((value ^ result) & SIGN_BIT[size]) !== 0);
  return result;
}

/** SHL / SAL. */
export function shiftLeft(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return value;
  const bits = size * 8;
  const beforeLast = (value << (count - 1)) >>> 0;
  const result = ((value << count) & SIZE_MASK[size]) >>> 0;
  const carry = count <= bits && ((beforeLast >>> (bits - 1)) & 1) !== 0;
  setResultFlags(cpu, result, size, carry, ((beforeLast ^ result) & SIGN_BIT[size]) !== 0);
  return result;
}

/** SHR. */
export function shiftRight(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return value;
  const beforeLast = value >>> (count - 1);
  const result = value >>> count;
  setResultFlags(cpu, result, size, (beforeLast & 1) !== 0, ((beforeLast ^ result) & SIGN_BIT[size]) !== 0);
  return result;
}

/** SAR. */
export function shiftArithmeticRight(cpu: Cpu, value: number, count: number, size: number): number {
  count &= 0x1f;
  if (count === 0) return value;
  const signed = signExtend(value, size);
  const beforeLast = signed >> (count - 1);
  const result = ((signed >> count) & SIZE_MASK[size]) >>> 0;
  setResultFlags(cpu, result, size, (beforeLast & 1) !== 0, false);
  return result;
}

/** The group-2 semantics by ModRM.reg (/6 is SAL, an alias of SHL). */
export const GROUP2_SEMANTICS: readonly ShiftSemantic[] = [
  rotateLeft,
  rotateRight,
  rotateLeftThroughCarry,
  rotateRightThroughCarry,
  shiftLeft,
  shiftRight,
  shiftLeft,
  shiftArithmeticRight,
];

/** SHLD destination, source, count (16 or 32 bits). */
export function shiftLeftDouble(
  cpu: Cpu,
  destination: number,
  source: number,
  count: number,
  size: number,
): number {
  count &= 0x1f;
  if (count === 0) return destination;
  let result: number;
  let beforeLast: number;
  if (size === 4) {
    result = ((destination << count) | (source >>> (32 - count))) >>> 0;
    beforeLast = count === 1 ? destination : ((destination << (count - 1)) | (source >>> (33 - count))) >>> 0;
  } else {
    // Intel behaviour for counts above 16: the operand is destination:source:destination.
    const wide = destination * 2 ** 32 + source * 2 ** 16 + destination;
    result = Math.floor(wide / 2 ** (32 - count)) % 0x10000;
    beforeLast = Math.floor(wide / 2 ** (33 - count)) % 0x10000;
  }
  const sign = SIGN_BIT[size];
  setResultFlags(cpu, result, size, (beforeLast & sign) !== 0, ((beforeLast ^ result) & sign) !== 0);
  return result;
}

/** SHRD destination, source, count (16 or 32 bits). */
export function shiftRightDouble(
  cpu: Cpu,
  destination: number,
  source: number,
  count: number,
  size: number,
): number {
  count &= 0x1f;
  if (count === 0) return destination;
  let result: number;
  let beforeLast: number;
  if (size === 4) {
    result = ((destination >>> count) | (source << (32 - count))) >>> 0;
    beforeLast = count === 1 ? destination : ((destination >>> (count - 1)) | (source << (33 - count))) >>> 0;
  } else {
    const wide = destination + source * 2 ** 16 + destination * 2 ** 32;
    result = Math.floor(wide / 2 ** count) % 0x10000;
    beforeLast = Math.floor(wide / 2 ** (count - 1)) % 0x10000;
  }
  setResultFlags(cpu, result, size, (beforeLast & 1) !== 0, ((beforeLast ^ result) & SIGN_BIT[size]) !== 0);
  return result;
}
