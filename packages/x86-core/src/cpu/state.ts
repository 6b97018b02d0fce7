/** The versioned, JSON-safe snapshot of a CPU (`Cpu.getState` / `Cpu.fromState`). */

import type { FpuSnapshot } from '../fpu/index.js';

/** Current version of {@link CpuState}. */
export const CPU_STATE_VERSION = 1;

/** A segment register with its descriptor cache. */
export interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  /** Attribute bits of the descriptor's high dword (mask 0x00f0ff00). */
  flags: number;
}

/** The whole architectural state of a CPU. 64-bit values are decimal strings. */
export interface CpuState {
  version: 1;
  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI. */
  registers: number[];
  eip: number;
  eflags: number;
  /** ES, CS, SS, DS, FS, GS. */
  segments: SegmentState[];
  cpl: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  debugRegisters: number[];
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  ldtr: SegmentState;
  tr: SegmentState;
  /** MSR index (decimal) → unsigned 64-bit value (decimal string). */
  msrs: Record<string, string>;
  tscOffset: string;
  instructionsRetired: number;
  halted: boolean;
  interruptShadow: boolean;
  a20: boolean;
  /** The x87 state as src/fpu/ serializes it. */
  fpu: FpuSnapshot;
}
