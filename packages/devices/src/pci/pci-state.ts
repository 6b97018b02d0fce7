/** Snapshot of the PCI host (configuration mechanism #1 and bus 0), version 1. */
export interface PciHostState {
  version: 1;
  /** CONFIG_ADDRESS (port 0xCF8). */
  configAddress: number;
  /** The 256 configuration bytes of each function, keyed "device.function" (e.g. "1.0"). */
  functions: Record<string, number[]>;
  /** Accesses at offsets or widths the host does not decode. */
  invalidAccesses: number;
}
