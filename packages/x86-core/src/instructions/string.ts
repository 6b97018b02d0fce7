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
import { checkIoPermissionIfNeeded, noteIoBreakpoint, takeStringInput } from './io.js';

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

/**
 * One INS element: the destination ES:(E)DI is checked (segment, every page) before the port is
 * read, so a faulting store never consumes input. With the `io` intercept the element exits
 * before anything changes (EIP at the INS) unless the monitor already supplied its value with
 * `completeStringInput`.
 */
function inputElement(
  cpu: Cpu,
  instruction: Instruction,
  port: number,
  size: 1 | 2 | 4,
  repeated: boolean,
): void {
  const addressSize32 = instruction.addressSize32;
  const offset = readIndex(cpu, Register.Edi, addressSize32);
  const linear = cpu.linearAddress(SegmentRegister.Es, offset, size, ACCESS_WRITE);
  cpu.translate(linear, ACCESS_WRITE);
  const last = (linear + size - 1) >>> 0;
  if (last >>> 12 !== linear >>> 12) cpu.translate((last & ~0xfff) >>> 0, ACCESS_WRITE);
  let value: number;
  if (cpu.intercepts.io) {
    const supplied = takeStringInput(cpu);
    if (supplied === undefined) {
      cpu.eip = cpu.instructionStart;
      cpu.exitWith({ kind: 'io', port, width: size, direction: 'in', string: true, repeat: repeated });
    }
    value = size === 4 ? supplied : supplied & (size === 2 ? 0xffff : 0xff); // supplied is unsigned
  } else {
    value = cpu.ports.read(port, size);
  }
  cpu.writeSized(SegmentRegister.Es, offset, size, value);
  advanceIndex(cpu, Register.Edi, addressSize32, direction(cpu, size));
}

/** One OUTS element's memory read (DS:(E)SI, or the override) and ESI step; returns the value. */
function outputElement(cpu: Cpu, instruction: Instruction, size: number): number {
  const addressSize32 = instruction.addressSize32;
  const value = cpu.readSized(sourceSegment(instruction), readIndex(cpu, Register.Esi, addressSize32), size);
  advanceIndex(cpu, Register.Esi, addressSize32, direction(cpu, size));
  return value;
}

/**
 * INS / OUTS with or without REP. The I/O permission (IOPL, then the TSS bitmap over all `size`
 * ports) is checked once before the first element, as the port (DX) cannot change. Each element
 * is one port access; with `intercepts.io` each one exits to the monitor (see README "I/O
 * exits"): OUTS after the element's memory read and register updates (EIP after the
 * instruction, or back at it while REP has elements left), with the value; INS before the
 * element (EIP at the instruction) so the monitor can supply the value.
 */
function stringIo(cpu: Cpu, instruction: Instruction, input: boolean): void {
  const port = cpu.registers16[Register.Edx << 1];
  const size = instruction.operandSize as 1 | 2 | 4;
  checkIoPermissionIfNeeded(cpu, port, size);
  const addressSize32 = instruction.addressSize32;
  const repeated = instruction.repeat !== RepeatPrefix.None;
  let count = repeated ? readCount(cpu, addressSize32) : 1;
  if (count === 0) return;
  noteIoBreakpoint(cpu, port, size);
  let remaining = REPEAT_CHUNK;
  for (;;) {
    let value = 0;
    if (input) inputElement(cpu, instruction, port, size, repeated);
    else value = outputElement(cpu, instruction, size);
    if (repeated) {
      count = addressSize32 ? (count - 1) >>> 0 : (count - 1) & 0xffff;
      writeCount(cpu, addressSize32, count);
    } else count = 0;
    if (!input) {
      if (cpu.intercepts.io) {
        if (count !== 0) cpu.eip = cpu.instructionStart;
        cpu.exitWith({
          kind: 'io',
          port,
          width: size,
          direction: 'out',
          value,
          string: true,
          repeat: repeated,
        });
      }
      cpu.ports.write(port, size, value);
    }
    if (count === 0) return;
    if (--remaining === 0) {
      cpu.eip = cpu.instructionStart;
      return;
    }
  }
}

/** Elements a bulk REP MOVS/STOS may move per execution before restarting itself. */
const BULK_CHUNK = 1 << 16;
const ACCESS_READ = 0;
const ACCESS_WRITE = 2;
const ECX = 1;
const ESI = 6;
const EDI = 7;
const ES = 0;

/**
 * Bulk REP MOVS / REP STOS for flat segments with 32-bit addressing and DF=0: whole runs inside
 * one source and one destination RAM page are copied with `copyWithin` / `fill`, never across a
 * page, never over decoded code, never where a forward element-by-element copy would differ from
 * a block copy (overlap closer than the run). Anything else takes one architectural step. ECX,
 * ESI and EDI are updated after every run, so faults and restarts see exact registers.
 */
function repeatBulk(cpu: Cpu, instruction: Instruction, store: boolean): void {
  const size = instruction.operandSize;
  const registers = cpu.registers32;
  const memory = cpu.memory;
  const source = sourceSegment(instruction);
  const flat = cpu.segmentChecked[ES] === 0 && (store || cpu.segmentChecked[source] === 0);
  let budget = BULK_CHUNK;
  while (registers[ECX] !== 0) {
    if (budget <= 0) {
      cpu.eip = cpu.instructionStart;
      return;
    }
    const count = registers[ECX];
    let elements = 0;
    let destination = 0xffffffff;
    let from = 0;
    if (flat) {
      destination = (cpu.fastPhysical(ES, registers[EDI], ACCESS_WRITE) & memory.a20Mask) >>> 0;
      const destinationPage = destination >>> 12;
      if (
        destination !== 0xffffffff &&
        memory.pageKind[destinationPage] === 0 &&
        memory.codePages[destinationPage] === 0
      ) {
        elements = Math.min(count, budget, Math.floor((0x1000 - (destination & 0xfff)) / size));
        if (!store) {
          from = (cpu.fastPhysical(source, registers[ESI], ACCESS_READ) & memory.a20Mask) >>> 0;
          if (from === 0xffffffff || memory.pageKind[from >>> 12] !== 0) elements = 0;
          else {
            elements = Math.min(elements, Math.floor((0x1000 - (from & 0xfff)) / size));
            // A forward element copy equals a block copy unless the destination starts inside
            // the source run: then only runs shorter than the distance are safe.
            if (destination > from && destination < from + elements * size) {
              elements = Math.min(elements, Math.floor((destination - from) / size));
            }
          }
        }
      }
    }
    if (elements > 0 && store && size > 1) {
      const value = cpu.readGeneral(0, size);
      if ((destination & (size - 1)) === 0) {
        if (size === 4) memory.ram32.fill(value, destination >>> 2, (destination >>> 2) + elements);
        else memory.ram16.fill(value, destination >>> 1, (destination >>> 1) + elements);
      } else elements = 0;
    } else if (elements > 0 && store) {
      memory.ram.fill(registers[0] & 0xff, destination, destination + elements);
    } else if (elements > 0) {
      memory.ram.copyWithin(destination, from, from + elements * size);
    }
    if (elements === 0) {
      // One architectural step (faults, MMIO, code pages, segment checks, unaligned fills).
      if (store) storeStep(cpu, instruction);
      else moveStep(cpu, instruction);
      registers[ECX] = count - 1;
      budget--;
      continue;
    }
    const bytes = elements * size;
    registers[EDI] = (registers[EDI] + bytes) >>> 0;
    if (!store) registers[ESI] = (registers[ESI] + bytes) >>> 0;
    registers[ECX] = count - elements;
    budget -= elements;
  }
}

function canBulk(cpu: Cpu, instruction: Instruction): boolean {
  return (
    instruction.repeat !== RepeatPrefix.None &&
    instruction.addressSize32 &&
    (cpu.flagsValue & Flag.Direction) === 0 &&
    !cpu.watchData
  );
}

/** A4/A5 MOVS Yb,Xb / Yv,Xv. */
export function moveString(cpu: Cpu, instruction: Instruction): void {
  if (canBulk(cpu, instruction)) repeatBulk(cpu, instruction, false);
  else repeat(cpu, instruction, moveStep, false);
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
  if (canBulk(cpu, instruction)) repeatBulk(cpu, instruction, true);
  else repeat(cpu, instruction, storeStep, false);
}

/** 6C/6D INS Yb,DX / Yz,DX. */
export function inputString(cpu: Cpu, instruction: Instruction): void {
  stringIo(cpu, instruction, true);
}

/** 6E/6F OUTS DX,Xb / DX,Xz. */
export function outputString(cpu: Cpu, instruction: Instruction): void {
  stringIo(cpu, instruction, false);
}
