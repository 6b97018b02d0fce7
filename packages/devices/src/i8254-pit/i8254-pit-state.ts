/** Snapshot types of the 8254 PIT. */

/** One counter of the 8254, fields named after the datasheet. */
export interface I8254ChannelState {
  /** Counter mode 0-5 (control word M2-M0; 6 and 7 alias 2 and 3). */
  mode: number;
  /** Read/write access (RW1 RW0): 1 = LSB, 2 = MSB, 3 = LSB then MSB. */
  access: number;
  /** BCD counting. */
  bcd: boolean;
  /** Initial count as a binary number, 1-65536 (0 written means 65536, or 10000 in BCD). */
  count: number;
  /**
   * The PIT clock tick (counted from virtual time 0 on the free-running 1.193182 MHz oscillator)
   * at which the count was loaded or the gate triggered it: the counter's tick 0.
   */
  loadTick: number;
  /** A count has been written since the control word. */
  loaded: boolean;
  /** Modes 1 and 5: waiting for a gate rising edge to start. */
  waitingForTrigger: boolean;
  /** Counting is suspended at this tick (gate low in modes 0 and 4), or null when running. */
  pausedAtTick: number | null;
  /** GATE input level. */
  gate: boolean;
  /** Next byte read of a two-byte read: false = LSB. */
  readHighByte: boolean;
  /** Next byte written of a two-byte write: false = LSB. */
  writeHighByte: boolean;
  /** LSB written, waiting for the MSB. */
  writeLatch: number;
  /** Counter latch: 0 = none, otherwise the bytes still to read (1 LSB, 2 MSB, 3 both). */
  latchedBytes: number;
  /** Latched count value. */
  latchedCount: number;
  /** A status byte latched by read-back. */
  statusLatched: boolean;
  /** The latched status byte. */
  status: number;
  /** NULL COUNT: a count was written and not yet loaded into the counting element. */
  nullCount: boolean;
}

/** Snapshot of the PIT, version 1. */
export interface I8254PitState {
  version: 1;
  channels: [I8254ChannelState, I8254ChannelState, I8254ChannelState];
  /** Rising edges of channel 0 counted so far since its last load (IRQ0 bookkeeping). */
  irqEdges: number;
  /** Channel 0 output level last driven onto IRQ0. */
  irqLevel: boolean;
  /** Rising edges that happened while nobody advanced the PIT (coalesced into one IRQ0 pulse). */
  coalescedEdges: number;
  /** Accesses at offsets the chip does not decode. */
  invalidAccesses: number;
}
