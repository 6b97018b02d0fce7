/**
 * The narrow view of physical memory the system layer needs (page walks, descriptor tables,
 * the TSS). `PhysicalMemory` in `src/memory/` satisfies it through an adapter; tests use a plain
 * `Uint8Array`. Addresses are unsigned 32-bit; out-of-range reads return all-ones and writes
 * are dropped (the memory's policy), never a host error.
 */
export interface PhysicalAccess {
  /** Reads one byte at a physical address. */
  readPhysical8(address: number): number;
  /** Reads a little-endian 16-bit value. */
  readPhysical16(address: number): number;
  /** Reads a little-endian 32-bit value (unsigned). */
  readPhysical32(address: number): number;
  /** Writes one byte. */
  writePhysical8(address: number, value: number): void;
  /** Writes a little-endian 16-bit value. */
  writePhysical16(address: number, value: number): void;
  /** Writes a little-endian 32-bit value. */
  writePhysical32(address: number, value: number): void;
}

/** A {@link PhysicalAccess} over a byte array (for tests and small boards); bounds-checked. */
export class ArrayPhysicalAccess implements PhysicalAccess {
  /** The backing bytes; physical address 0 is index 0. */
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  readPhysical8(address: number): number {
    address >>>= 0;
    return address < this.bytes.length ? this.bytes[address] : 0xff;
  }
  readPhysical16(address: number): number {
    return this.readPhysical8(address) | (this.readPhysical8(address + 1) << 8);
  }
  readPhysical32(address: number): number {
    return (this.readPhysical16(address) | (this.readPhysical16(address + 2) << 16)) >>> 0;
  }
  writePhysical8(address: number, value: number): void {
    address >>>= 0;
    if (address < this.bytes.length) this.bytes[address] = value;
  }
  writePhysical16(address: number, value: number): void {
    this.writePhysical8(address, value);
    this.writePhysical8(address + 1, value >>> 8);
  }
  writePhysical32(address: number, value: number): void {
    this.writePhysical16(address, value);
    this.writePhysical16(address + 2, value >>> 16);
  }
}
