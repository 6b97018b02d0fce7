/** Snapshot of the 82093AA I/O APIC, version 1. */
export interface IoApicState {
  version: 1;
  /** IOAPIC ID (bits 27-24 of register 0). */
  id: number;
  /** IOREGSEL. */
  select: number;
  /** Redirection table: 24 entries of [low dword, high dword]; remote IRR lives in low bit 14. */
  redirection: Array<[number, number]>;
  /** Input pins currently asserted (bit per pin). */
  pinLevels: number;
  /** Interrupts not delivered because their delivery mode is not implemented. */
  undeliverable: number;
  /** Accesses at offsets or widths the chip does not decode. */
  invalidAccesses: number;
}
