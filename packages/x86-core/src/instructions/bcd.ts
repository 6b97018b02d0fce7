/** Decimal adjust: DAA, DAS, AAA, AAS, AAM, AAD (SDM algorithms; undefined flags as QEMU leaves them). */

import type { Cpu } from '../cpu/cpu.js';
import { Flag } from '../cpu/registers.js';
import { Vector } from '../system/vectors.js';
import { setResultFlags } from './alu.js';

/** DAA. */
export function decimalAdjustAfterAddition(cpu: Cpu): void {
  const flags = cpu.getFlags();
  const oldAl = cpu.readGeneral(0, 1);
  const oldCarry = (flags & Flag.Carry) !== 0;
  let al = oldAl;
  let adjust = false;
  let carry = false;
  if ((al & 0x0f) > 9 || (flags & Flag.Adjust) !== 0) {
    al = (al + 6) & 0xff;
    adjust = true;
  }
  if (oldAl > 0x99 || oldCarry) {
    al = (al + 0x60) & 0xff;
    carry = true;
  }
  cpu.writeGeneral(0, 1, al);
  setResultFlags(cpu, al, 1, carry, false, adjust);
}

/** DAS. */
export function decimalAdjustAfterSubtraction(cpu: Cpu): void {
  const flags = cpu.getFlags();
  const oldAl = cpu.readGeneral(0, 1);
  const oldCarry = (flags & Flag.Carry) !== 0;
  let al = oldAl;
  let adjust = false;
  let carry = false;
  if ((al & 0x0f) > 9 || (flags & Flag.Adjust) !== 0) {
    carry = oldCarry || al < 6;
    al = (al - 6) & 0xff;
    adjust = true;
  }
  if (oldAl > 0x99 || oldCarry) {
    al = (al - 0x60) & 0xff;
    carry = true;
  }
  cpu.writeGeneral(0, 1, al);
  setResultFlags(cpu, al, 1, carry, false, adjust);
}

function setCarryAdjust(cpu: Cpu, set: boolean): void {
  cpu.materializeFlags();
  cpu.flagsValue = set
    ? cpu.flagsValue | Flag.Carry | Flag.Adjust
    : cpu.flagsValue & ~(Flag.Carry | Flag.Adjust);
}

/** AAA. */
export function asciiAdjustAfterAddition(cpu: Cpu): void {
  const flags = cpu.getFlags();
  const ax = cpu.readGeneral(0, 2);
  if ((ax & 0x0f) > 9 || (flags & Flag.Adjust) !== 0) {
    cpu.writeGeneral(0, 2, ((ax + 0x106) & 0xff0f) >>> 0);
    setCarryAdjust(cpu, true);
  } else {
    cpu.writeGeneral(0, 2, ax & 0xff0f);
    setCarryAdjust(cpu, false);
  }
}

/** AAS. */
export function asciiAdjustAfterSubtraction(cpu: Cpu): void {
  const flags = cpu.getFlags();
  const ax = cpu.readGeneral(0, 2);
  if ((ax & 0x0f) > 9 || (flags & Flag.Adjust) !== 0) {
    // As P6 and later parts do: AX -= 6 (the borrow reaches AH), then AH -= 1.
    const adjusted = (ax - 6) & 0xffff;
    const al = adjusted & 0x0f;
    const ah = ((adjusted >>> 8) - 1) & 0xff;
    cpu.writeGeneral(0, 2, (ah << 8) | al);
    setCarryAdjust(cpu, true);
  } else {
    cpu.writeGeneral(0, 2, ax & 0xff0f);
    setCarryAdjust(cpu, false);
  }
}

/** AAM imm8: AH = AL / imm, AL = AL % imm; #DE when imm is 0. */
export function asciiAdjustAfterMultiply(cpu: Cpu, base: number): void {
  if (base === 0) cpu.fault(Vector.DivideError);
  const al = cpu.readGeneral(0, 1);
  const result = al % base;
  cpu.writeGeneral(0, 2, (Math.floor(al / base) << 8) | result);
  setResultFlags(cpu, result, 1, false, false);
}

/** AAD imm8: AL = AL + AH * imm, AH = 0. */
export function asciiAdjustBeforeDivide(cpu: Cpu, base: number): void {
  const ax = cpu.readGeneral(0, 2);
  const result = ((ax & 0xff) + (ax >>> 8) * base) & 0xff;
  cpu.writeGeneral(0, 2, result);
  setResultFlags(cpu, result, 1, false, false);
}
