/** PUSH/POP (all forms), PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE. */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Flag, Register, SegmentRegister } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { effectiveAddress, readRm, writeRm } from '../decoder/operands.js';
import { loadSegment } from '../system/index.js';
import { Vector } from '../system/vectors.js';

/** 50+r PUSH Zv (PUSH ESP pushes the value before the push). */
export function pushRegister(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  cpu.push(cpu.readGeneral(instruction.rm, size), size);
}

/** 50+r PUSH Zd at 32-bit operand size (bound by the decoder). */
export function pushRegister32(cpu: Cpu, instruction: Instruction): void {
  cpu.push32(cpu.registers32[instruction.rm]);
}

/** 58+r POP Zd at 32-bit operand size (bound by the decoder; POP ESP stores after the increment). */
export function popRegister32(cpu: Cpu, instruction: Instruction): void {
  const value = cpu.pop32();
  cpu.registers32[instruction.rm] = value;
}

/** 58+r POP Zv. */
export function popRegister(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const value = cpu.pop(size);
  cpu.writeGeneral(instruction.rm, size, value);
}

/** 68/6A PUSH Iz / Ib (sign-extended). */
export function pushImmediate(cpu: Cpu, instruction: Instruction): void {
  cpu.push(instruction.immediate, instruction.operandSize);
}

/** FF /6 PUSH Ev. */
export function pushRm(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  cpu.push(readRm(cpu, instruction, size), size);
}

/** 8F /0 POP Ev (the address is computed after ESP is incremented). */
export function popRm(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const value = cpu.pop(size);
  writeRm(cpu, instruction, size, value);
}

/** 06/0E/16/1E/0F A0/0F A8 PUSH Sreg (the segment comes from immediate2); a 32-bit push writes 16 bits. */
export function pushSegment(cpu: Cpu, instruction: Instruction): void {
  const selector = cpu.segmentSelector[instruction.immediate2];
  if (instruction.operandSize === 4) {
    // As on P6 parts: only the low word is written, ESP moves by 4.
    const esp = cpu.registers32[Register.Esp];
    const newEsp = cpu.stackSize32 ? (esp - 4) >>> 0 : (esp - 4) & 0xffff;
    cpu.write16(SegmentRegister.Ss, newEsp, selector);
    if (cpu.stackSize32) cpu.registers32[Register.Esp] = newEsp;
    else cpu.registers16[Register.Esp << 1] = newEsp;
  } else {
    cpu.push(selector, 2);
  }
}

/** 07/17/1F/0F A1/0F A9 POP Sreg. */
export function popSegment(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const segment = instruction.immediate2;
  const selector = cpu.peek(0, size) & 0xffff;
  loadSegment(cpu, segment, selector);
  cpu.pop(size);
  if (segment === SegmentRegister.Ss) {
    cpu.interruptShadow = true;
    cpu.debugShadow = true;
    cpu.endChunk();
  }
}

/** 60 PUSHA / PUSHAD. */
export function pushAll(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const originalEsp = cpu.readGeneral(Register.Esp, size);
  for (let register = 0; register < 8; register++) {
    cpu.push(register === Register.Esp ? originalEsp : cpu.readGeneral(register, size), size);
  }
}

/** 61 POPA / POPAD (the ESP slot is skipped). All values are read before any register changes. */
export function popAll(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const values = cpu.popAllScratch;
  for (let slot = 0; slot < 8; slot++) values[slot] = cpu.peek(slot * size, size);
  for (let slot = 0; slot < 8; slot++) {
    const register = 7 - slot;
    if (register !== Register.Esp) cpu.writeGeneral(register, size, values[slot]);
  }
  if (cpu.stackSize32) cpu.registers32[Register.Esp] = (cpu.registers32[Register.Esp] + 8 * size) >>> 0;
  else cpu.registers16[Register.Esp << 1] = (cpu.registers16[Register.Esp << 1] + 8 * size) & 0xffff;
}

function inVirtual8086WithoutIopl3(cpu: Cpu): boolean {
  return (cpu.flagsValue & Flag.Virtual8086) !== 0 && (cpu.flagsValue & Flag.Iopl) !== Flag.Iopl;
}

/** 9C PUSHF / PUSHFD (VM and RF read as 0; #GP(0) in v86 mode with IOPL < 3). */
export function pushFlags(cpu: Cpu, instruction: Instruction): void {
  if (inVirtual8086WithoutIopl3(cpu)) cpu.fault(Vector.GeneralProtection, 0);
  const size = instruction.operandSize;
  cpu.push(size === 4 ? cpu.getFlags() & ~(Flag.Virtual8086 | Flag.Resume) : cpu.getFlags() & 0xffff, size);
}

/**
 * 9D POPF / POPFD. CPL 0: every flag but VM, VIP, VIF; CPL > 0: IOPL kept; CPL > IOPL: IF kept;
 * v86 mode: needs IOPL 3 (#GP(0) otherwise), IOPL kept. RF is cleared.
 */
export function popFlags(cpu: Cpu, instruction: Instruction): void {
  if (inVirtual8086WithoutIopl3(cpu)) cpu.fault(Vector.GeneralProtection, 0);
  const size = instruction.operandSize;
  const popped = cpu.peek(0, size);
  const current = cpu.getFlags();
  let writable = 0x00247fd5 & ~Flag.Iopl; // CF PF AF ZF SF TF IF DF OF NT AC ID
  const protectedMode = (cpu.cr0 & Cr0.ProtectionEnable) !== 0;
  if (!protectedMode || ((current & Flag.Virtual8086) === 0 && cpu.cpl === 0)) writable |= Flag.Iopl;
  const iopl = (current & Flag.Iopl) >>> 12;
  if (protectedMode && (current & Flag.Virtual8086) === 0 && cpu.cpl > iopl) writable &= ~Flag.Interrupt;
  if (size === 2) writable &= 0xffff;
  cpu.pop(size);
  cpu.setFlags(((current & ~writable) | (popped & writable)) & ~Flag.Resume);
  cpu.endChunk(); // IF or TF may have changed: check events now
}

/** C8 ENTER Iw,Ib. */
export function enter(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const allocation = instruction.immediate;
  const level = instruction.immediate2 & 0x1f;
  const stack32 = cpu.stackSize32;
  cpu.push(cpu.readGeneral(Register.Ebp, size), size);
  const frame = stack32 ? cpu.registers32[Register.Esp] : cpu.registers16[Register.Esp << 1];
  if (level > 0) {
    let framePointer = stack32 ? cpu.registers32[Register.Ebp] : cpu.registers16[Register.Ebp << 1];
    for (let depth = 1; depth < level; depth++) {
      framePointer = stack32 ? (framePointer - size) >>> 0 : (framePointer - size) & 0xffff;
      cpu.push(cpu.readSized(SegmentRegister.Ss, framePointer, size), size);
    }
    cpu.push(frame, size);
  }
  const newEsp = stack32
    ? (cpu.registers32[Register.Esp] - allocation) >>> 0
    : (cpu.registers16[Register.Esp << 1] - allocation) & 0xffff;
  // The final stack top must be writable (checked before the registers change).
  if (allocation !== 0) cpu.linearAddress(SegmentRegister.Ss, newEsp, 1, 2);
  cpu.writeGeneral(Register.Ebp, size, frame);
  if (stack32) cpu.registers32[Register.Esp] = newEsp;
  else cpu.registers16[Register.Esp << 1] = newEsp;
}

/** C9 LEAVE. */
export function leave(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const ebp = cpu.registers32[Register.Ebp];
  const offset = cpu.stackSize32 ? ebp : ebp & 0xffff;
  const value = cpu.readSized(SegmentRegister.Ss, offset, size);
  if (cpu.stackSize32) cpu.registers32[Register.Esp] = (ebp + size) >>> 0;
  else cpu.registers16[Register.Esp << 1] = (ebp + size) & 0xffff;
  cpu.writeGeneral(Register.Ebp, size, value);
}

/** Offset of the memory operand, for handlers in other modules. */
export { effectiveAddress };
