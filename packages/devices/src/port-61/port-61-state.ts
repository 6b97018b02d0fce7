/** Snapshot of system control port B (port 0x61), version 1. */
export interface Port61State {
  version: 1;
  /** The read/write bits 0-3: timer 2 gate, speaker data, parity check disable, channel check disable. */
  control: number;
  /** Accesses at offsets the device does not decode. */
  invalidAccesses: number;
}
