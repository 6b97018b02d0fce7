/**
 * The CPU state the system layer reads and writes, as an interface: the core's `Cpu` implements
 * it (see DESIGN.md), tests implement it with {@link createTestSystemCpu}. Everything here is
 * plain numbers so the core can keep its hot state in typed arrays and fields.
 */

import type { InterruptSource } from '../bus-interfaces.js';
import type { Mmu } from './paging.js';
import type { PhysicalAccess } from './physical-access.js';

/** Segment register numbers in the ModRM `sreg` encoding order. */
export const SegmentRegister = { Es: 0, Cs: 1, Ss: 2, Ds: 3, Fs: 4, Gs: 5 } as const;

/** EFLAGS bits. */
export const Eflags = {
  Carry: 1 << 0,
  Reserved1: 1 << 1,
  Parity: 1 << 2,
  Auxiliary: 1 << 4,
  Zero: 1 << 6,
  Sign: 1 << 7,
  Trap: 1 << 8,
  Interrupt: 1 << 9,
  Direction: 1 << 10,
  Overflow: 1 << 11,
  IoplMask: 3 << 12,
  IoplShift: 12,
  NestedTask: 1 << 14,
  Resume: 1 << 16,
  Virtual8086: 1 << 17,
  AlignmentCheck: 1 << 18,
  VirtualInterrupt: 1 << 19,
  VirtualInterruptPending: 1 << 20,
  Identification: 1 << 21,
} as const;

/** CR0 bits. */
export const Cr0 = {
  ProtectionEnable: 1 << 0,
  MonitorCoprocessor: 1 << 1,
  Emulation: 1 << 2,
  TaskSwitched: 1 << 3,
  ExtensionType: 1 << 4,
  NumericError: 1 << 5,
  WriteProtect: 1 << 16,
  AlignmentMask: 1 << 18,
  NotWriteThrough: 1 << 29,
  CacheDisable: 1 << 30,
  Paging: 1 << 31,
} as const;

/** CR4 bits this CPU implements. */
export const Cr4 = {
  VirtualModeExtensions: 1 << 0,
  ProtectedVirtualInterrupts: 1 << 1,
  TimeStampDisable: 1 << 2,
  DebuggingExtensions: 1 << 3,
  PageSizeExtensions: 1 << 4,
  PhysicalAddressExtension: 1 << 5,
  MachineCheckEnable: 1 << 6,
  PageGlobalEnable: 1 << 7,
  PerformanceCounterEnable: 1 << 8,
} as const;

/**
 * What the system layer needs from the CPU: a structural subset of the core's `Cpu` (same
 * member names), so system functions take the `Cpu` itself as their first argument and tests
 * can pass a small fake.
 */
export interface SystemCpu {
  /** Physical memory (page walks, descriptor tables, TSS, interrupt frames). */
  readonly memory: PhysicalAccess;
  /** The MMU/TLB; created by `mmuOf` on first use when the core leaves it undefined. */
  mmu?: Mmu;
  /** EAX..EDI in ModRM order. */
  readonly registers32: Uint32Array;
  /** Instruction pointer (the return address when delivering an event). */
  eip: number;
  /** Current privilege level. */
  cpl: number;
  cr0: number;
  cr2: number;
  cr3: number;
  cr4: number;
  /** DR0-DR7 (DR4/DR5 alias DR6/DR7). */
  readonly debugRegisters: Uint32Array;
  /** Segment caches, indexed by {@link SegmentRegister}; flags in the LAR layout. */
  readonly segmentSelector: Uint16Array;
  readonly segmentBase: Uint32Array;
  readonly segmentLimit: Uint32Array;
  readonly segmentFlags: Uint32Array;
  /** Loads a segment register and its cache without checks (keeps CS.D/SS.B state in step). */
  setSegmentCache(segment: number, selector: number, base: number, limit: number, flags: number): void;
  gdtrBase: number;
  gdtrLimit: number;
  idtrBase: number;
  idtrLimit: number;
  ldtrSelector: number;
  ldtrBase: number;
  ldtrLimit: number;
  ldtrFlags: number;
  trSelector: number;
  trBase: number;
  trLimit: number;
  trFlags: number;
  /** The architectural EFLAGS (lazy flags materialised). */
  getFlags(): number;
  /** Sets all of EFLAGS without privilege checks (the system layer applies them). */
  setFlags(value: number): void;
  /** Model-specific registers by index (unsigned 64-bit values). */
  readonly msrs: Map<number, bigint>;
  /** TSC = tscOffset + instructionsRetired, or + tscClock() when that is set. */
  tscOffset: bigint;
  tscClock?: (() => number) | null;
  /** Instructions retired since reset (the deterministic time base). */
  instructionsRetired: number;
  /** Drops the core's cached linear translations (fetch path); called on TLB flushes. */
  invalidateTranslations(): void;
  /** The INTR side; its `localApic`, when present, owns IA32_APIC_BASE (MSR 0x1B). */
  readonly interrupts?: InterruptSource | null;
}

/** True in protected mode (CR0.PE=1), including virtual-8086 mode. */
export function isProtectedMode(cpu: SystemCpu): boolean {
  return (cpu.cr0 & Cr0.ProtectionEnable) !== 0;
}

/** True in virtual-8086 mode. */
export function isVirtual8086(cpu: SystemCpu): boolean {
  return (cpu.getFlags() & Eflags.Virtual8086) !== 0;
}

/** Current I/O privilege level. */
export function currentIopl(cpu: SystemCpu): number {
  return (cpu.getFlags() >>> 12) & 3;
}

/** Nulls a segment register (protected-mode null selector: unusable, attributes 0). */
export function nullSegment(cpu: SystemCpu, index: number, selector = 0): void {
  cpu.setSegmentCache(index, selector & 0xffff, 0, 0, 0);
}
