/** Near control transfers: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JCXZ; INT n, INT3, INTO, INT1; HLT. */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Flag, InterruptKind, Register } from '../cpu/registers.js';
import type { Instruction, InstructionHandler } from '../decoder/instruction.js';
import { readRm } from '../decoder/operands.js';
import { deliverOnce } from '../system/index.js';
import { Vector } from '../system/vectors.js';
import { compileHandler } from './specialize.js';

function jumpTo(cpu: Cpu, instruction: Instruction, target: number): void {
  cpu.eip = instruction.operandSize32 ? target >>> 0 : target & 0xffff;
}

const jumpConditionalHandlers: InstructionHandler[] = [];

/** 70+cc Jcc Jb, 0F 80+cc Jcc Jz, compiled per condition code (0-15): the flag test folds to the one condition. */
export function jumpConditionalOn(condition: number): InstructionHandler {
  const code = condition & 0xf;
  let handler = jumpConditionalHandlers[code];
  if (handler === undefined) {
    handler = compileHandler(
      `function jumpConditional${code}(cpu, instruction) {
        if (cpu.testCondition(${code})) {
          const target = cpu.eip + instruction.immediate;
          cpu.eip = instruction.operandSize32 ? target >>> 0 : target & 0xffff;
        }
      }`,
    );
    jumpConditionalHandlers[code] = handler;
  }
  return handler;
}

/** EB JMP Jb, E9 JMP Jz. */
export function jumpRelative(cpu: Cpu, instruction: Instruction): void {
  jumpTo(cpu, instruction, cpu.eip + instruction.immediate);
}

/** FF /4 JMP Ev. */
export function jumpIndirect(cpu: Cpu, instruction: Instruction): void {
  jumpTo(cpu, instruction, readRm(cpu, instruction, instruction.operandSize));
}

/** E8 CALL Jz. */
export function callRelative(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  cpu.push(cpu.eip, size);
  jumpTo(cpu, instruction, cpu.eip + instruction.immediate);
}

/** E8 CALL Jd at 32-bit operand size (bound by the decoder). */
export function callRelative32(cpu: Cpu, instruction: Instruction): void {
  cpu.push32(cpu.eip);
  cpu.eip = (cpu.eip + instruction.immediate) >>> 0;
}

/** FF /2 CALL Ev. */
export function callIndirect(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const target = readRm(cpu, instruction, size);
  cpu.push(cpu.eip, size);
  jumpTo(cpu, instruction, target);
}

/** RET Iw: drops `bytes` of arguments from the stack (ESP or SP by SS.B). */
function releaseStack(cpu: Cpu, bytes: number): void {
  if (cpu.stackSize32) cpu.registers32[Register.Esp] = (cpu.registers32[Register.Esp] + bytes) >>> 0;
  else cpu.registers16[Register.Esp << 1] = (cpu.registers16[Register.Esp << 1] + bytes) & 0xffff;
}

/** C3 RET, C2 RET Iw at 32-bit operand size (bound by the decoder). */
export function returnNear32(cpu: Cpu, instruction: Instruction): void {
  const target = cpu.pop32();
  if (instruction.immediate !== 0) releaseStack(cpu, instruction.immediate);
  cpu.eip = target >>> 0;
}

/** C3 RET, C2 RET Iw. */
export function returnNear(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const target = cpu.pop(size);
  if (instruction.immediate !== 0) releaseStack(cpu, instruction.immediate);
  jumpTo(cpu, instruction, target);
}

function decrementCounter(cpu: Cpu, instruction: Instruction): number {
  if (instruction.addressSize32) {
    const value = (cpu.registers32[Register.Ecx] - 1) >>> 0;
    cpu.registers32[Register.Ecx] = value;
    return value;
  }
  const value = (cpu.registers16[Register.Ecx << 1] - 1) & 0xffff;
  cpu.registers16[Register.Ecx << 1] = value;
  return value;
}

/** E2 LOOP Jb. */
export function loop(cpu: Cpu, instruction: Instruction): void {
  if (decrementCounter(cpu, instruction) !== 0) jumpTo(cpu, instruction, cpu.eip + instruction.immediate);
}

/** E1 LOOPE Jb. */
export function loopWhileEqual(cpu: Cpu, instruction: Instruction): void {
  if (decrementCounter(cpu, instruction) !== 0 && cpu.getZero())
    jumpTo(cpu, instruction, cpu.eip + instruction.immediate);
}

/** E0 LOOPNE Jb. */
export function loopWhileNotEqual(cpu: Cpu, instruction: Instruction): void {
  if (decrementCounter(cpu, instruction) !== 0 && !cpu.getZero())
    jumpTo(cpu, instruction, cpu.eip + instruction.immediate);
}

/** E3 JCXZ / JECXZ Jb (the address size picks CX or ECX). */
export function jumpIfCounterZero(cpu: Cpu, instruction: Instruction): void {
  const counter = instruction.addressSize32
    ? cpu.registers32[Register.Ecx]
    : cpu.registers16[Register.Ecx << 1];
  if (counter === 0) jumpTo(cpu, instruction, cpu.eip + instruction.immediate);
}

/**
 * Raises a trap-like event after the instruction (EIP already points after it): intercepted
 * exceptions exit. Delivery uses `deliverOnce`, so a fault while delivering (a gate DPL check,
 * a not-present gate) propagates to the run loop and is raised at the INT instruction itself,
 * as the SDM requires.
 */
function trap(cpu: Cpu, vector: number, kind: number): void {
  if (cpu.intercepts.exceptions.has(vector)) cpu.exitWith({ kind: 'exception', vector });
  deliverOnce(cpu, vector, kind, -1);
  cpu.discardDebugTraps = true; // the handler starts with TF clear; no single-step trap after INT
  cpu.endChunk();
}

/** CD INT Ib. Intercepted vectors exit with EIP after the instruction. */
export function softwareInterrupt(cpu: Cpu, instruction: Instruction): void {
  const vector = instruction.immediate;
  if (cpu.intercepts.softwareInterrupts.has(vector)) cpu.exitWith({ kind: 'software-interrupt', vector });
  deliverOnce(cpu, vector, InterruptKind.Software, -1);
  cpu.discardDebugTraps = true;
  cpu.endChunk();
}

/** CC INT3. */
export function breakpoint(cpu: Cpu): void {
  trap(cpu, Vector.Breakpoint, InterruptKind.SoftwareException);
}

/** CE INTO: #OF when OF is set. */
export function interruptOnOverflow(cpu: Cpu): void {
  if (cpu.getOverflow()) trap(cpu, Vector.Overflow, InterruptKind.SoftwareException);
}

/** F1 INT1 / ICEBP: #DB without a gate privilege check. */
export function debugTrap(cpu: Cpu): void {
  trap(cpu, Vector.Debug, InterruptKind.Exception);
}

/** F4 HLT: #GP(0) above CPL 0 in protected mode; exits when intercepted, else waits for an interrupt. */
export function halt(cpu: Cpu): void {
  if (
    (cpu.cr0 & Cr0.ProtectionEnable) !== 0 &&
    (cpu.cpl !== 0 || (cpu.flagsValue & Flag.Virtual8086) !== 0)
  ) {
    cpu.fault(Vector.GeneralProtection, 0);
  }
  if (cpu.intercepts.hlt) cpu.exitWith({ kind: 'hlt' });
  cpu.halted = true;
  cpu.stopAfterInstruction();
}
