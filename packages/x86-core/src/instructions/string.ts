/**
 * String instructions MOVS, CMPS, SCAS, LODS, STOS, INS, OUTS with REP/REPE/REPNE in both
 * address sizes. A repeated instruction runs at most REPEAT_CHUNK iterations per execution and
 * then restarts itself (EIP back at the instruction), so interrupts and the run budget are
 * honoured and a huge ECX cannot hang the host. Registers are updated after every iteration so
 * a fault leaves them architecturally correct.
 */

import type { Cpu } from '../cpu/cpu.js';
import { Flag, Register, SegmentRegister } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { RepeatPrefix } from '../decoder/instruction.js';
import { subtract } from './alu.js';
import { checkIoPermissionIfNeeded } from './io.js';

/** Iterations of a repeated string instruction per execution. */
export const REPEAT_CHUNK = 4096;

function sourceSegment(instruction: Instruction): number {
  return instruction.segmentOverride >= 0 ? instruction.segmentOverride : SegmentRegister.Ds;
}

function readIndex(cpu: Cpu, register: number, addressSize32: boolean): number {
  return addressSize32 ? cpu.registers32[register] : cpu.registers16[register << 1];
}

function advanceIndex(cpu: Cpu, register: number, addressSize32: boolean, delta: number): void {
  if (addressSize32) cpu.registers32[register] = (cpu.registers32[register] + delta) >>> 0;
  else cpu.registers16[register << 1] = (cpu.registers16[register << 1] + delta) & 0xffff;
}

function readCount(cpu: Cpu, addressSize32: boolean): number {
  return addressSize32 ? cpu.registers32[Register.Ecx] : cpu.registers16[Register.Ecx << 1];
}

function writeCount(cpu: Cpu, addressSize32: boolean, value: number): void {
  if (addressSize32) cpu.registers32[Register.Ecx] = value;
  else cpu.registers16[Register.Ecx << 1] = value;
}

function direction(cpu: Cpu, size: number): number {
  return (cpu.flagsValue & Flag.Direction) !== 0 ? -size : size;
}

/** Runs `step` once, or under REP as many times as ECX/CX says (chunked). `conditional`: REPE/REPNE stop on ZF. */
function repeat(
  cpu: Cpu,
  instruction: Instruction,
  step: (cpu: Cpu, instruction: Instruction) => void,
  conditional: boolean,
): void {
  if (instruction.repeat === RepeatPrefix.None) {
    step(cpu, instruction);
    return;
  }
  const addressSize32 = instruction.addressSize32;
  let count = readCount(cpu, addressSize32);
  let remaining = REPEAT_CHUNK;
  while (count !== 0) {
    if (remaining-- === 0) {
      cpu.eip = cpu.instructionStart;
      return;
    }
    step(cpu, instruction);
    count = addressSize32 ? (count - 1) >>> 0 : (count - 1) & 0xffff;
    writeCount(cpu, addressSize32, count);
    if (conditional) {
      const zero = cpu.getZero();
      if (instruction.repeat === RepeatPrefix.Repeat ? !zero : zero) return;
    }
  }
}

function moveStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const addressSize32 = instruction.addressSize32;
  const value = cpu.readSized(sourceSegment(instruction), readIndex(cpu, Register.Esi, addressSize32), size);
  cpu.writeSized(SegmentRegister.Es, readIndex(cpu, Register.Edi, addressSize32), size, value);
  const delta = direction(cpu, size);
  advanceIndex(cpu, Register.Esi, addressSize32, delta);
  advanceIndex(cpu, Register.Edi, addressSize32, delta);
}

function compareStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const addressSize32 = instruction.addressSize32;
  const source = cpu.readSized(sourceSegment(instruction), readIndex(cpu, Register.Esi, addressSize32), size);
  const destination = cpu.readSized(SegmentRegister.Es, readIndex(cpu, Register.Edi, addressSize32), size);
  subtract(cpu, source, destination, size);
  const delta = direction(cpu, size);
  advanceIndex(cpu, Register.Esi, addressSize32, delta);
  advanceIndex(cpu, Register.Edi, addressSize32, delta);
}

function scanStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const addressSize32 = instruction.addressSize32;
  const destination = cpu.readSized(SegmentRegister.Es, readIndex(cpu, Register.Edi, addressSize32), size);
  subtract(cpu, cpu.readGeneral(Register.Eax, size), destination, size);
  advanceIndex(cpu, Register.Edi, addressSize32, direction(cpu, size));
}

function loadStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const addressSize32 = instruction.addressSize32;
  cpu.writeGeneral(
    Register.Eax,
    size,
    cpu.readSized(sourceSegment(instruction), readIndex(cpu, Register.Esi, addressSize32), size),
  );
  advanceIndex(cpu, Register.Esi, addressSize32, direction(cpu, size));
}

function storeStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize;
  const addressSize32 = instruction.addressSize32;
  cpu.writeSized(
    SegmentRegister.Es,
    readIndex(cpu, Register.Edi, addressSize32),
    size,
    cpu.readGeneral(Register.Eax, size),
  );
  advanceIndex(cpu, Register.Edi, addressSize32, direction(cpu, size));
}

function inputStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize as 1 | 2 | 4;
  const addressSize32 = instruction.addressSize32;
  const port = cpu.registers16[Register.Edx << 1];
  const offset = readIndex(cpu, Register.Edi, addressSize32);
  cpu.linearAddress(SegmentRegister.Es, offset, size, 2); // check the destination before the port read
  const value = cpu.ports.read(port, size);
  cpu.writeSized(SegmentRegister.Es, offset, size, value);
  advanceIndex(cpu, Register.Edi, addressSize32, direction(cpu, size));
}

function outputStep(cpu: Cpu, instruction: Instruction): void {
  const size = instruction.operandSize as 1 | 2 | 4;
  const addressSize32 = instruction.addressSize32;
  const value = cpu.readSized(sourceSegment(instruction), readIndex(cpu, Register.Esi, addressSize32), size);
  cpu.ports.write(cpu.registers16[Register.Edx << 1], size, value);
  advanceIndex(cpu, Register.Esi, addressSize32, direction(cpu, size));
}

/** A4/A5 MOVS Yb,Xb / Yv,Xv. */
export function moveString(cpu: Cpu, instruction: Instruction): void {
  repeat(cpu, instruction, moveStep, false);
}

/** A6/A7 CMPS Xb,Yb / Xv,Yv. */
export function compareString(cpu: Cpu, instruction: Instruction): void {
  repeat(cpu, instruction, compareStep, true);
}

/** AE/AF SCAS AL,Yb / eAX,Yv. */
export function scanString(cpu: Cpu, instruction: Instruction): void {
  repeat(cpu, instruction, scanStep, true);
}

/** AC/AD LODS AL,Xb / eAX,Xv. */
export function loadString(cpu: Cpu, instruction: Instruction): void {
  repeat(cpu, instruction, loadStep, false);
}

/** AA/AB STOS Yb,AL / Yv,eAX. */
export function storeString(cpu: Cpu, instruction: Instruction): void {
  repeat(cpu, instruction, storeStep, false);
}

/** 6C/6D INS Yb,DX / Yz,DX. */
export function inputString(cpu: Cpu, instruction: Instruction): void {
  checkIoPermissionIfNeeded(cpu, cpu.registers16[Register.Edx << 1], instruction.operandSize);
  repeat(cpu, instruction, inputStep, false);
}

/** 6E/6F OUTS DX,Xb / DX,Xz. */
export function outputString(cpu: Cpu, instruction: Instruction): void {
  checkIoPermissionIfNeeded(cpu, cpu.registers16[Register.Edx << 1], instruction.operandSize);
  repeat(cpu, instruction, outputStep, false);
}
