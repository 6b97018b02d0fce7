/**
 * The plain description of a machine to build. `cli.ts` turns argv into one; tests build it
 * directly (the rust-vmm vmm-reference shape: a library plus a thin CLI).
 */

import type { Backend } from '@openvmi/vmi-spec';

/** Names of the VMI backends `openvmi boot` can attach. */
export type BackendName = 'none' | 'vmi-native';

/** Every backend name, for argument checking and help. */
export const BACKEND_NAMES: readonly BackendName[] = ['none', 'vmi-native'];

/** A machine to build. */
export interface MachineConfig {
  /** RAM in MiB (QEMU's `-m`). */
  memoryMiB: number;
  /** Kernel image bytes: a Linux bzImage or a multiboot v1 kernel. */
  kernel?: Uint8Array;
  /** Initial RAM disk bytes (Linux only). */
  initrd?: Uint8Array;
  /** Kernel command line. */
  commandLine: string;
  /** Firmware image mapped at the top of the first MiB and below 4 GiB (`-bios`). */
  bios?: Uint8Array;
  /** The VMI backend: one of ours by name, or any `Backend` written against vmi-spec. */
  backend: BackendName | Backend;
  /**
   * Deterministic mode: virtual time advances with retired instructions only, so a run is
   * exactly repeatable. Otherwise virtual time follows the host clock.
   */
  deterministic: boolean;
  /** Stop after this many guest instructions (0 = no limit). */
  maxInstructions: number;
  /** With `noReboot`, a guest reset ends the run (status 0) instead of rebooting. */
  noReboot: boolean;
  /** Whether the isa-debug-exit device is present at port 0xF4. */
  isaDebugExit: boolean;
  /** Where COM1 output goes. */
  serialOutput: (byte: number) => void;
  /** Where the 0xE9 debug console output goes (absent: the device is not fitted). */
  debugConsoleOutput?: (byte: number) => void;
  /** Host nanoseconds since an arbitrary origin (real-time mode only). */
  hostClockNs?: () => number;
  /** Unix time in milliseconds the RTC starts from (default: 2006-04-01, so runs repeat). */
  epochMs?: number;
  /**
   * Whether the PC has a local APIC (0xFEE00000, with timer) and an I/O APIC (0xFEC00000, 24
   * pins), advertised in CPUID and the ACPI MADT (default true, as QEMU's `pc`). False gives
   * the 8259-only PC (`openvmi boot --no-apic`, QEMU's `-cpu ...,-apic`): no APIC in CPUID, no
   * MADT, interrupts from the 8259 straight to the CPU.
   */
  apic?: boolean;
}

/** Fixed wall-clock start of deterministic runs: 2006-04-01 00:00:00 UTC (the VMI proposal's year). */
export const DETERMINISTIC_EPOCH_MS = Date.UTC(2006, 3, 1);

/** Virtual nanoseconds per retired instruction in deterministic mode (a 1000-MIPS virtual CPU). */
export const NANOSECONDS_PER_INSTRUCTION = 1;
