/** Snapshot types of the small system-control devices. */

/** Port 0x92 (system control port A), version 1. */
export interface SystemControlPortAState {
  version: 1;
  /** The register as last written, bit 0 (fast reset) reading 0. */
  value: number;
  /** Reset pulses requested through bit 0. */
  resets: number;
  invalidAccesses: number;
}

/** Port 0xCF9 (reset control register), version 1. */
export interface ResetControlState {
  version: 1;
  /** Bits 1 (system reset) and 3 (full reset) as last written. */
  value: number;
  /** Resets requested through bit 2. */
  resets: number;
  invalidAccesses: number;
}

/** isa-debug-exit (port 0xF4), version 1. */
export interface IsaDebugExitState {
  version: 1;
  /** Exit status of the last write, or null before any. */
  lastStatus: number | null;
  invalidAccesses: number;
}

/** The 0xE9 debug console, version 1. */
export interface DebugConsoleState {
  version: 1;
  /** Bytes written. */
  bytesWritten: number;
  invalidAccesses: number;
}
