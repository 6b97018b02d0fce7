/** IN and OUT, with the IOPL / I/O-permission-bitmap check and the monitor's I/O intercept. */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Flag, Register } from '../cpu/registers.js';
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
function noteIoBreakpoint(cpu: Cpu, port: number, size: number): void {
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
