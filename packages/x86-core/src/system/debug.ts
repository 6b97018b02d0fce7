/**
 * Debug-register breakpoints (Intel SDM vol. 3B ch. 17): matching of instruction, data and I/O
 * breakpoints against DR0-DR3 under DR7, and the DR6 status bits. The core's run loop calls
 * these only while {@link breakpointsArmed} is true, so they cost nothing otherwise:
 *
 * - before executing an instruction (unless EFLAGS.RF): {@link matchInstructionBreakpoint};
 *   a hit is a #DB fault (the handler returns with RF set to skip it once);
 * - after a data access or IN/OUT: {@link matchDataBreakpoint} / {@link matchIoBreakpoint};
 *   hits accumulate and raise one #DB trap after the instruction ({@link recordBreakpointHits}).
 *
 * NOT IMPLEMENTED: DR7.LE/GE exact-breakpoint semantics (no effect on an interpreter), BT (task
 * switch T bit).
 */

import { Cr4, type SystemCpu } from './system-cpu.js';

/** DR6 bits. */
export const Dr6 = {
  /** B0-B3: breakpoint condition n was met. */
  BreakpointMask: 0xf,
  /** BD: an access to a debug register while DR7.GD was set. */
  DebugRegisterAccess: 1 << 13,
  /** BS: single step (EFLAGS.TF). */
  SingleStep: 1 << 14,
  /** BT: task switch to a TSS with the T bit. */
  TaskSwitch: 1 << 15,
} as const;

/** DR7 R/W field values. */
const CONDITION_EXECUTE = 0;
const CONDITION_WRITE = 1;
const CONDITION_IO = 2;
const CONDITION_READ_WRITE = 3;

/** True when any of DR0-DR3 is enabled in DR7 (L0-L3 or G0-G3). */
export function breakpointsArmed(cpu: SystemCpu): boolean {
  return (cpu.debugRegisters[7] & 0xff) !== 0;
}

function breakpointLength(dr7: number, index: number): number {
  const field = (dr7 >>> (18 + index * 4)) & 3;
  return field === 0 ? 1 : field === 1 ? 2 : field === 3 ? 4 : 8;
}

function matches(
  cpu: SystemCpu,
  address: number,
  size: number,
  accept: (condition: number) => boolean,
): number {
  const dr7 = cpu.debugRegisters[7];
  let hits = 0;
  for (let index = 0; index < 4; index++) {
    if (((dr7 >>> (index * 2)) & 3) === 0) continue;
    const condition = (dr7 >>> (16 + index * 4)) & 3;
    if (!accept(condition)) continue;
    const length = breakpointLength(dr7, index);
    const start = cpu.debugRegisters[index] & ~(length - 1);
    const end = start + length;
    if (address < end && address + size > start) hits |= 1 << index;
  }
  return hits;
}

/** Breakpoints hit by executing the instruction at `linear` (execute breakpoints, exact address). */
export function matchInstructionBreakpoint(cpu: SystemCpu, linear: number): number {
  return matches(cpu, linear >>> 0, 1, (condition) => condition === CONDITION_EXECUTE);
}

/** Breakpoints hit by a data access of `size` bytes at `linear`. */
export function matchDataBreakpoint(cpu: SystemCpu, linear: number, size: number, write: boolean): number {
  return matches(
    cpu,
    linear >>> 0,
    size,
    (condition) => condition === CONDITION_READ_WRITE || (write && condition === CONDITION_WRITE),
  );
}

/** Breakpoints hit by an I/O access to `port` (only with CR4.DE). */
export function matchIoBreakpoint(cpu: SystemCpu, port: number, size: number): number {
  if ((cpu.cr4 & Cr4.DebuggingExtensions) === 0) return 0;
  return matches(cpu, port & 0xffff, size, (condition) => condition === CONDITION_IO);
}

/**
 * Records breakpoint hits in DR6 (B0-B3 replaced by `hits`, other status bits kept) and
 * `extraStatus` (e.g. {@link Dr6.SingleStep}). The caller then raises #DB.
 */
export function recordBreakpointHits(cpu: SystemCpu, hits: number, extraStatus = 0): void {
  const dr6 = cpu.debugRegisters[6];
  cpu.debugRegisters[6] =
    ((dr6 & ~Dr6.BreakpointMask) | (hits & Dr6.BreakpointMask) | extraStatus | 0xffff0ff0) >>> 0;
}
