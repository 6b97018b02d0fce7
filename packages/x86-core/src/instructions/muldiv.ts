/** MUL, IMUL (one-, two- and three-operand forms), DIV and IDIV. */

import type { Cpu } from '../cpu/cpu.js';
import { Register } from '../cpu/registers.js';
import { signExtend } from '../decoder/operands.js';
import { Vector } from '../system/vectors.js';
import { setResultFlags } from './alu.js';

/** High 32 bits of the unsigned 64-bit product of two unsigned 32-bit numbers. */
export function multiplyHighUnsigned(a: number, b: number): number {
  const aLow = a & 0xffff;
  const aHigh = a >>> 16;
  const bLow = b & 0xffff;
  const bHigh = b >>> 16;
  const lowLow = aLow * bLow;
  const highLow = aHigh * bLow;
  const cross = (lowLow >>> 16) + (highLow & 0xffff) + aLow * bHigh;
  return (aHigh * bHigh + (highLow >>> 16) + Math.floor(cross / 0x10000)) >>> 0;
}

/** High 32 bits of the signed 64-bit product of two 32-bit numbers given unsigned. */
export function multiplyHighSigned(a: number, b: number): number {
  let high = multiplyHighUnsigned(a >>> 0, b >>> 0);
  if ((a | 0) < 0) high -= b >>> 0;
  if ((b | 0) < 0) high -= a >>> 0;
  return high >>> 0;
}

/** MUL r/m: AX = AL*src, DX:AX = AX*src or EDX:EAX = EAX*src. CF=OF = high half non-zero. */
export function multiplyUnsigned(cpu: Cpu, source: number, size: number): void {
  const registers = cpu.registers32;
  if (size === 1) {
    const product = cpu.readGeneral(0, 1) * source;
    cpu.writeGeneral(0, 2, product);
    setResultFlags(cpu, product & 0xff, 1, product > 0xff, product > 0xff);
  } else if (size === 2) {
    const product = cpu.readGeneral(0, 2) * source;
    cpu.writeGeneral(0, 2, product & 0xffff);
    cpu.writeGeneral(Register.Edx, 2, product >>> 16);
    setResultFlags(cpu, product & 0xffff, 2, product > 0xffff, product > 0xffff);
  } else {
    const eax = registers[Register.Eax];
    const low = Math.imul(eax, source) >>> 0;
    const high = multiplyHighUnsigned(eax, source);
    registers[Register.Eax] = low;
    registers[Register.Edx] = high;
    setResultFlags(cpu, low, 4, high !== 0, high !== 0);
  }
}

/** IMUL r/m (one operand): signed, into AX, DX:AX or EDX:EAX. CF=OF = the result does not fit the low half. */
export function multiplySignedWide(cpu: Cpu, source: number, size: number): void {
  const registers = cpu.registers32;
  if (size === 1) {
    const product = signExtend(cpu.readGeneral(0, 1), 1) * signExtend(source, 1);
    cpu.writeGeneral(0, 2, product & 0xffff);
    const overflow = product !== signExtend(product & 0xff, 1);
    setResultFlags(cpu, product & 0xff, 1, overflow, overflow);
  } else if (size === 2) {
    const product = signExtend(cpu.readGeneral(0, 2), 2) * signExtend(source, 2);
    cpu.writeGeneral(0, 2, product & 0xffff);
    cpu.writeGeneral(Register.Edx, 2, (product >> 16) & 0xffff);
    const overflow = product !== signExtend(product & 0xffff, 2);
    setResultFlags(cpu, product & 0xffff, 2, overflow, overflow);
  } else {
    const eax = registers[Register.Eax];
    const low = Math.imul(eax, source) >>> 0;
    const high = multiplyHighSigned(eax, source);
    registers[Register.Eax] = low;
    registers[Register.Edx] = high;
    const overflow = high !== ((low | 0) < 0 ? 0xffffffff : 0);
    setResultFlags(cpu, low, 4, overflow, overflow);
  }
}

/** IMUL (two and three operands): the truncated signed product of `a` and `b`. */
export function multiplySignedTruncated(cpu: Cpu, a: number, b: number, size: number): number {
  if (size === 2) {
    const product = signExtend(a, 2) * signExtend(b, 2);
    const result = product & 0xffff;
    const overflow = product !== signExtend(result, 2);
    setResultFlags(cpu, result, 2, overflow, overflow);
    return result;
  }
  const low = Math.imul(a, b) >>> 0;
  const high = multiplyHighSigned(a, b);
  const overflow = high !== ((low | 0) < 0 ? 0xffffffff : 0);
  setResultFlags(cpu, low, 4, overflow, overflow);
  return low;
}

/** DIV r/m: unsigned divide of AX, DX:AX or EDX:EAX; #DE on zero or quotient overflow. Flags unchanged. */
export function divideUnsigned(cpu: Cpu, divisor: number, size: number): void {
  if (divisor === 0) cpu.fault(Vector.DivideError);
  const registers = cpu.registers32;
  if (size === 1) {
    const dividend = cpu.readGeneral(0, 2);
    const quotient = Math.floor(dividend / divisor);
    if (quotient > 0xff) cpu.fault(Vector.DivideError);
    cpu.writeGeneral(0, 2, ((dividend % divisor) << 8) | quotient);
  } else if (size === 2) {
    const dividend = cpu.readGeneral(Register.Edx, 2) * 0x10000 + cpu.readGeneral(0, 2);
    const quotient = Math.floor(dividend / divisor);
    if (quotient > 0xffff) cpu.fault(Vector.DivideError);
    cpu.writeGeneral(0, 2, quotient);
    cpu.writeGeneral(Register.Edx, 2, dividend % divisor);
  } else {
    const high = registers[Register.Edx];
    const low = registers[Register.Eax];
    if (high === 0) {
      registers[Register.Eax] = Math.floor(low / divisor);
      registers[Register.Edx] = low % divisor;
      return;
    }
    if (high >= divisor) cpu.fault(Vector.DivideError);
    const dividend = (BigInt(high) << 32n) | BigInt(low);
    const bigDivisor = BigInt(divisor);
    registers[Register.Eax] = Number(dividend / bigDivisor);
    registers[Register.Edx] = Number(dividend % bigDivisor);
  }
}

/** IDIV r/m: signed divide (quotient truncated toward zero); #DE on zero or overflow. Flags unchanged. */
export function divideSigned(cpu: Cpu, divisor: number, size: number): void {
  if (divisor === 0) cpu.fault(Vector.DivideError);
  const registers = cpu.registers32;
  const signedDivisor = signExtend(divisor, size);
  if (size === 1 || size === 2) {
    const dividend =
      size === 1
        ? signExtend(cpu.readGeneral(0, 2), 2)
        : (cpu.readGeneral(Register.Edx, 2) << 16) | cpu.readGeneral(0, 2);
    const quotient = Math.trunc(dividend / signedDivisor);
    const remainder = dividend - quotient * signedDivisor;
    const limit = size === 1 ? 0x80 : 0x8000;
    if (quotient >= limit || quotient < -limit) cpu.fault(Vector.DivideError);
    if (size === 1) cpu.writeGeneral(0, 2, ((remainder & 0xff) << 8) | (quotient & 0xff));
    else {
      cpu.writeGeneral(0, 2, quotient & 0xffff);
      cpu.writeGeneral(Register.Edx, 2, remainder & 0xffff);
    }
    return;
  }
  const dividend = (BigInt(registers[Register.Edx] | 0) << 32n) | BigInt(registers[Register.Eax]);
  const bigDivisor = BigInt(signedDivisor);
  const quotient = dividend / bigDivisor;
  if (quotient >= 0x80000000n || quotient < -0x80000000n) cpu.fault(Vector.DivideError);
  registers[Register.Eax] = Number(BigInt.asUintN(32, quotient));
  registers[Register.Edx] = Number(BigInt.asUintN(32, dividend % bigDivisor));
}
