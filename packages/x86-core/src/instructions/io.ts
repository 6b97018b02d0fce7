/**
 * IN and OUT, with the IOPL / I/O-permission-bitmap check and the monitor's I/O intercept, and
 * the monitor's side of intercepted INS (string input; src/instructions/string.ts).
 */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Flag, Register, SegmentRegister } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { matchIoBreakpoint } from '../system/index.js';
import { checkIoBitmap } from './system-instructions.js';

/** In protected mode with CPL > IOPL, or in virtual-8086 mode, consults the TSS bitmap (src/system/). */
export function checkIoPermissionIfNeeded(cpu: Cpu, port: number, size: number): void {
  if ((cpu.cr0 & Cr0.ProtectionEnable) === 0) return;
  const flags = cpu.flagsValue;
  if ((flags & Flag.Virtual8086) !== 0 || cpu.cpl > (flags & Flag.Iopl) >>> 12)
    checkIoBitmap(cpu, port, size);
}

/** Records DR0-DR3 I/O breakpoint hits (CR4.DE) for the #DB trap after the instruction. */
export function noteIoBreakpoint(cpu: Cpu, port: number, size: number): void {
  if (cpu.watchData) cpu.pendingBreakpointHits |= matchIoBreakpoint(cpu, port, size);
}

function input(cpu: Cpu, port: number, size: number): void {
  checkIoPermissionIfNeeded(cpu, port, size);
  noteIoBreakpoint(cpu, port, size);
  const width = size as 1 | 2 | 4;
  if (cpu.intercepts.io) cpu.exitWith({ kind: 'io', port, width, direction: 'in' });
  cpu.writeGeneral(Register.Eax, size, cpu.ports.read(port, width));
}

function output(cpu: Cpu, port: number, size: number): void {
  checkIoPermissionIfNeeded(cpu, port, size);
  noteIoBreakpoint(cpu, port, size);
  const width = size as 1 | 2 | 4;
  const value = cpu.readGeneral(Register.Eax, size);
  if (cpu.intercepts.io) cpu.exitWith({ kind: 'io', port, width, direction: 'out', value });
  cpu.ports.write(port, width, value);
}

/** E4/E5 IN AL,Ib / eAX,Ib. */
export function inImmediate(cpu: Cpu, instruction: Instruction): void {
  input(cpu, instruction.immediate, instruction.operandSize);
}

/** EC/ED IN AL,DX / eAX,DX. */
export function inDx(cpu: Cpu, instruction: Instruction): void {
  input(cpu, cpu.registers16[Register.Edx << 1], instruction.operandSize);
}

/** E6/E7 OUT Ib,AL / Ib,eAX. */
export function outImmediate(cpu: Cpu, instruction: Instruction): void {
  output(cpu, instruction.immediate, instruction.operandSize);
}

/** EE/EF OUT DX,AL / DX,eAX. */
export function outDx(cpu: Cpu, instruction: Instruction): void {
  output(cpu, cpu.registers16[Register.Edx << 1], instruction.operandSize);
}

/** A value a monitor supplied for the INS element that exited, and where it belongs. */
interface PendingStringInput {
  instructionStart: number;
  codeSelector: number;
  destinationIndex: number;
  value: number;
}

const pendingStringInputs = new WeakMap<Cpu, PendingStringInput>();

/**
 * Completes an intercepted INS element: call it after `run` returned an `io` exit with
 * `direction: 'in'` and `string: true` (EIP is then at the INS instruction), with the value the
 * port gave; the next `run` re-executes the INS, which stores `value` at ES:(E)DI for that
 * element (instead of reading the port bus) and goes on with the next element, which exits
 * again. The value is dropped if the CPU is not at that INS with the same (E)DI any more.
 */
export function completeStringInput(cpu: Cpu, value: number): void {
  pendingStringInputs.set(cpu, {
    instructionStart: cpu.eip,
    codeSelector: cpu.segmentSelector[SegmentRegister.Cs],
    destinationIndex: cpu.registers32[Register.Edi],
    value: value >>> 0,
  });
}

/**
 * The value {@link completeStringInput} left for the INS element being executed, consumed;
 * undefined when there is none (the element must exit to the monitor).
 */
export function takeStringInput(cpu: Cpu): number | undefined {
  const pending = pendingStringInputs.get(cpu);
  if (pending === undefined) return undefined;
  pendingStringInputs.delete(cpu);
  if (
    pending.instructionStart !== cpu.instructionStart ||
    pending.codeSelector !== cpu.segmentSelector[SegmentRegister.Cs] ||
    pending.destinationIndex !== cpu.registers32[Register.Edi]
  )
    return undefined;
  return pending.value;
}
