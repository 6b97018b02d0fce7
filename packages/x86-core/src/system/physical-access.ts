/**
 * The narrow view of physical memory the system layer needs (page walks, descriptor tables,
 * the TSS). `PhysicalMemory` in `src/memory/` satisfies it as is (its writes also invalidate decoded code); tests use a plain
 * `Uint8Array`. Addresses are unsigned 32-bit; out-of-range reads return all-ones and writes
 * are dropped (the memory's policy), never a host error.
 */
export interface PhysicalAccess {
  /** Reads one byte at a physical address. */
  read8(address: number): number;
  /** Reads a little-endian 16-bit value. */
  read16(address: number): number;
  /** Reads a little-endian 32-bit value (unsigned). */
  read32(address: number): number;
  /** Writes one byte. */
  write8(address: number, value: number): void;
  /** Writes a little-endian 16-bit value. */
  write16(address: number, value: number): void;
  /** Writes a little-endian 32-bit value. */
  write32(address: number, value: number): void;
}

/** A {@link PhysicalAccess} over a byte array (for tests and small boards); bounds-checked. */
export class ArrayPhysicalAccess implements PhysicalAccess {
  /** The backing bytes; physical address 0 is index 0. */
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  read8(address: number): number {
    address >>>= 0;
    return address < this.bytes.length ? this.bytes[address] : 0xff;
  }
  read16(address: number): number {
    return this.read8(address) | (this.read8(address + 1) << 8);
  }
  read32(address: number): number {
    return (this.read16(address) | (this.read16(address + 2) << 16)) >>> 0;
  }
  write8(address: number, value: number): void {
    address >>>= 0;
    if (address < this.bytes.length) this.bytes[address] = value;
  }
  write16(address: number, value: number): void {
    this.write8(address, value);
    this.write8(address + 1, value >>> 8);
  }
  write32(address: number, value: number): void {
    this.write16(address, value);
    this.write16(address + 2, value >>> 16);
  }
}
