/**
 * Guest physical memory: RAM in one ArrayBuffer with typed-array views, read-only ROM regions,
 * MMIO regions dispatched through a page-granular table, and the A20 gate.
 *
 * Every physical page (4 KiB) has a kind in `pageKind`: RAM, ROM, MMIO or unmapped. RAM pages
 * are read and written directly; the other kinds go through the slow path. Unmapped addresses
 * read as all-ones and writes to them (and to ROM) are dropped, as on a PC bus.
 *
 * Pages that hold decoded instructions are marked in `codePages`; a write to such a page calls
 * `onCodeWrite(page)` so the CPU drops its decoded-instruction cache for that page (this is how
 * self-modifying code and DMA over code work).
 *
 * The host is assumed little-endian (every JavaScript engine in use is).
 */

import type { AccessWidth, MmioDevice } from '../bus-interfaces.js';

/** Kind of a physical page in {@link PhysicalMemory.pageKind}. */
export const PageKind = {
  /** Backed by RAM, read and written directly. */
  Ram: 0,
  /** A read-only ROM region: reads return the image, writes are dropped. */
  Rom: 1,
  /** An MMIO region: accesses go to the device. */
  Mmio: 2,
  /** Nothing there: reads all-ones, writes dropped. */
  Unmapped: 3,
} as const;

/** Options of {@link PhysicalMemory}. */
export interface PhysicalMemoryOptions {
  /** Bytes of RAM from physical address 0, rounded up to 4 KiB; at most 2 GiB. */
  ramBytes: number;
}

interface Region {
  base: number;
  size: number;
  rom: Uint8Array | null;
  device: MmioDevice | null;
}

const PAGE_COUNT = 1 << 20;
const MAX_RAM_BYTES = 0x80000000;

/** The guest's physical address space (4 GiB). */
export class PhysicalMemory {
  /** Bytes of RAM (a multiple of 4096). */
  readonly ramBytes: number;
  /** The RAM, byte view. */
  readonly ram: Uint8Array;
  /** The RAM, 16-bit view (aligned accesses). */
  readonly ram16: Uint16Array;
  /** The RAM, 32-bit view (aligned accesses). */
  readonly ram32: Int32Array;
  /** Kind of each physical page ({@link PageKind}). */
  readonly pageKind: Uint8Array;
  /** Region index + 1 of each ROM/MMIO page (0 = none). */
  private readonly pageRegion: Uint16Array;
  private readonly regions: Region[] = [];
  /** Non-zero for RAM pages that hold decoded instructions. */
  readonly codePages: Uint8Array;
  /** Called when a marked code page is written; the CPU installs it. */
  onCodeWrite: ((page: number) => void) | null = null;
  /** Address mask applied to every access: bit 20 cleared while the A20 gate is disabled. */
  a20Mask = 0xffffffff;

  constructor(options: PhysicalMemoryOptions) {
    const requested = Math.max(0, Math.floor(options.ramBytes));
    if (!Number.isFinite(requested) || requested > MAX_RAM_BYTES) {
      throw new RangeError(`PhysicalMemory: ramBytes must be between 0 and ${MAX_RAM_BYTES}`);
    }
    this.ramBytes = Math.ceil(requested / 4096) * 4096;
    const buffer = new ArrayBuffer(this.ramBytes);
    this.ram = new Uint8Array(buffer);
    this.ram16 = new Uint16Array(buffer);
    this.ram32 = new Int32Array(buffer);
    this.pageKind = new Uint8Array(PAGE_COUNT).fill(PageKind.Unmapped);
    this.pageKind.fill(PageKind.Ram, 0, this.ramBytes >>> 12);
    this.pageRegion = new Uint16Array(PAGE_COUNT);
    this.codePages = new Uint8Array(PAGE_COUNT);
  }

  /** Maps `image` read-only at `base` (page aligned); it hides RAM there. */
  mapRom(base: number, image: Uint8Array): void {
    const size = Math.ceil(image.length / 4096) * 4096;
    const copy = new Uint8Array(size).fill(0xff);
    copy.set(image);
    this.addRegion(base, size, { base, size, rom: copy, device: null }, PageKind.Rom);
  }

  /** Maps an MMIO device over `size` bytes at `base` (both page aligned). */
  mapMmio(base: number, size: number, device: MmioDevice): void {
    this.addRegion(base, size, { base, size, rom: null, device }, PageKind.Mmio);
  }

  private addRegion(base: number, size: number, region: Region, kind: number): void {
    if (base % 4096 !== 0 || size <= 0 || size % 4096 !== 0 || base + size > 0x100000000) {
      throw new RangeError('PhysicalMemory: regions must be page aligned and inside 4 GiB');
    }
    if (this.regions.length >= 0xfffe) throw new RangeError('PhysicalMemory: too many regions');
    this.regions.push(region);
    const first = base >>> 12;
    const last = first + size / 4096;
    this.pageKind.fill(kind, first, last);
    this.pageRegion.fill(this.regions.length, first, last);
  }

  /** Enables or disables the A20 gate (disabled: physical bit 20 reads as 0, as on the 8086). */
  setA20(enabled: boolean): void {
    this.a20Mask = enabled ? 0xffffffff : 0xffefffff;
  }

  /** True when the A20 gate is enabled. */
  get a20Enabled(): boolean {
    return this.a20Mask === 0xffffffff;
  }

  /** Reads one byte. */
  read8(address: number): number {
    address = (address & this.a20Mask) >>> 0;
    if (this.pageKind[address >>> 12] === PageKind.Ram) return this.ram[address];
    return this.slowRead(address, 1);
  }

  /** Reads a little-endian 16-bit value. */
  read16(address: number): number {
    address = (address & this.a20Mask) >>> 0;
    if ((address & 0xfff) !== 0xfff && this.pageKind[address >>> 12] === PageKind.Ram) {
      if ((address & 1) === 0) return this.ram16[address >>> 1];
      return this.ram[address] | (this.ram[address + 1] << 8);
    }
    return this.slowRead(address, 2);
  }

  /** Reads a little-endian 32-bit value (unsigned). */
  read32(address: number): number {
    address = (address & this.a20Mask) >>> 0;
    if ((address & 0xfff) <= 0xffc && this.pageKind[address >>> 12] === PageKind.Ram) {
      if ((address & 3) === 0) return this.ram32[address >>> 2] >>> 0;
      const ram = this.ram;
      return (
        (ram[address] | (ram[address + 1] << 8) | (ram[address + 2] << 16) | (ram[address + 3] << 24)) >>> 0
      );
    }
    return this.slowRead(address, 4);
  }

  /** Writes one byte. */
  write8(address: number, value: number): void {
    address = (address & this.a20Mask) >>> 0;
    const page = address >>> 12;
    if (this.pageKind[page] === PageKind.Ram) {
      if (this.codePages[page] !== 0) this.codeWritten(page);
      this.ram[address] = value;
      return;
    }
    this.slowWrite(address, 1, value);
  }

  /** Writes a little-endian 16-bit value. */
  write16(address: number, value: number): void {
    address = (address & this.a20Mask) >>> 0;
    const page = address >>> 12;
    if ((address & 0xfff) !== 0xfff && this.pageKind[page] === PageKind.Ram) {
      if (this.codePages[page] !== 0) this.codeWritten(page);
      if ((address & 1) === 0) this.ram16[address >>> 1] = value;
      else {
        this.ram[address] = value;
        this.ram[address + 1] = value >>> 8;
      }
      return;
    }
    this.slowWrite(address, 2, value);
  }

  /** Writes a little-endian 32-bit value. */
  write32(address: number, value: number): void {
    address = (address & this.a20Mask) >>> 0;
    const page = address >>> 12;
    if ((address & 0xfff) <= 0xffc && this.pageKind[page] === PageKind.Ram) {
      if (this.codePages[page] !== 0) this.codeWritten(page);
      if ((address & 3) === 0) this.ram32[address >>> 2] = value;
      else {
        const ram = this.ram;
        ram[address] = value;
        ram[address + 1] = value >>> 8;
        ram[address + 2] = value >>> 16;
        ram[address + 3] = value >>> 24;
      }
      return;
    }
    this.slowWrite(address, 4, value);
  }

  /** Copies `bytes` into guest physical memory at `address` (loaders, DMA); ROM/unmapped bytes are dropped. */
  writeBytes(address: number, bytes: Uint8Array): void {
    for (let index = 0; index < bytes.length; index++) this.write8(address + index, bytes[index]);
  }

  /** Copies `length` bytes out of guest physical memory starting at `address`. */
  readBytes(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let index = 0; index < length; index++) out[index] = this.read8(address + index);
    return out;
  }

  private codeWritten(page: number): void {
    this.codePages[page] = 0;
    this.onCodeWrite?.(page);
  }

  private slowRead(address: number, width: AccessWidth): number {
    const offsetInPage = address & 0xfff;
    const kind = this.pageKind[address >>> 12];
    if (offsetInPage + width <= 0x1000) {
      if (kind === PageKind.Unmapped) return width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
      const region = this.regions[this.pageRegion[address >>> 12] - 1];
      if (kind === PageKind.Mmio && region.device !== null) {
        const mask = width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
        return (region.device.read(address - region.base, width) & mask) >>> 0;
      }
      if (kind === PageKind.Rom && region.rom !== null) {
        const rom = region.rom;
        const offset = address - region.base;
        let value = 0;
        for (let index = width - 1; index >= 0; index--) value = (value << 8) | rom[offset + index];
        return value >>> 0;
      }
    }
    // Crossing a page boundary: assemble from bytes.
    let value = 0;
    for (let index = width - 1; index >= 0; index--)
      value = (value << 8) | this.read8((address + index) >>> 0);
    return value >>> 0;
  }

  private slowWrite(address: number, width: AccessWidth, value: number): void {
    const offsetInPage = address & 0xfff;
    const kind = this.pageKind[address >>> 12];
    if (offsetInPage + width <= 0x1000) {
      if (kind !== PageKind.Mmio) return;
      const region = this.regions[this.pageRegion[address >>> 12] - 1];
      const mask = width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
      region.device?.write(address - region.base, width, (value & mask) >>> 0);
      return;
    }
    for (let index = 0; index < width; index++) this.write8((address + index) >>> 0, value >>> (index * 8));
  }
}
