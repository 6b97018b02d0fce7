/**
 * The user-mode process's memory: guest RAM used with paging off (linear = physical), a page
 * map that records which pages the process may touch, and the brk / mmap / stack layout.
 *
 * Layout (RAM of `ramBytes`, 256 MiB by default; see
 * docs/decisions/2026-11-28-user-mode-memory.md):
 *
 * | range | use |
 * |---|---|
 * | 0 .. 0x1000 | never mapped (NULL page; the CPU still reads RAM there, see the decision) |
 * | image .. brk | the ELF's PT_LOAD segments, then the heap grown by brk |
 * | ... mmapLow .. stackBottom | mmap areas, allocated top-down below the stack |
 * | stackBottom .. stackTop | the main stack (8 MiB) |
 * | gdtAddress (last page) | the GDT the process's segment selectors and TLS entries live in |
 *
 * Every syscall that touches guest memory goes through {@link AddressSpace.check}: an address
 * range outside the mapped pages is EFAULT, never a host read or write outside guest RAM.
 */

import type { PhysicalMemory } from '@openvmi/x86-core';

/** Page size of the process (and of AT_PAGESZ). */
export const PAGE_SIZE = 4096;
/** Size of the main stack. */
export const STACK_BYTES = 8 << 20;
/** Lowest address a segment or mapping may use. */
export const LOWEST_ADDRESS = 0x1000;

/** Rounds up to a page boundary. */
export function pageAlignUp(value: number): number {
  return Math.ceil(value / PAGE_SIZE) * PAGE_SIZE;
}

/** Rounds down to a page boundary. */
export function pageAlignDown(value: number): number {
  return Math.floor(value / PAGE_SIZE) * PAGE_SIZE;
}

/** Page-granular bookkeeping of a process's address space on top of guest RAM. */
export class AddressSpace {
  /** 1 for each mapped page of RAM. */
  readonly mapped: Uint8Array;
  /** Top of the stack (exclusive). */
  readonly stackTop: number;
  /** Lowest stack address. */
  readonly stackBottom: number;
  /** Physical (= linear) address of the GDT page. */
  readonly gdtAddress: number;
  /** Where the heap starts (page aligned end of the image). */
  brkStart = 0;
  /** The current program break. */
  brk = 0;

  constructor(readonly memory: PhysicalMemory) {
    const pages = memory.ramBytes / PAGE_SIZE;
    if (pages < 4096) throw new RangeError('AddressSpace: at least 16 MiB of RAM are needed');
    this.mapped = new Uint8Array(pages);
    this.gdtAddress = memory.ramBytes - PAGE_SIZE;
    this.stackTop = this.gdtAddress - PAGE_SIZE;
    this.stackBottom = this.stackTop - STACK_BYTES;
    this.mapRange(this.stackBottom, STACK_BYTES);
  }

  /** Marks [address, address+length) mapped (page granular). */
  mapRange(address: number, length: number): void {
    const first = Math.floor(address / PAGE_SIZE);
    const last = Math.ceil((address + length) / PAGE_SIZE);
    this.mapped.fill(1, first, last);
  }

  /** Marks pages unmapped and zeroes them, so a later mapping starts clean. */
  unmapRange(address: number, length: number): void {
    const first = Math.floor(address / PAGE_SIZE);
    const last = Math.min(this.mapped.length, Math.ceil((address + length) / PAGE_SIZE));
    if (last <= first) return;
    this.mapped.fill(0, first, last);
    this.memory.ram.fill(0, first * PAGE_SIZE, last * PAGE_SIZE);
  }

  /** True when every page of [address, address+length) is mapped. Zero length is always valid. */
  check(address: number, length: number): boolean {
    if (length === 0) return true;
    if (!Number.isInteger(address) || !Number.isInteger(length) || address < 0 || length < 0) return false;
    const end = address + length;
    if (end > this.memory.ramBytes) return false;
    for (let page = Math.floor(address / PAGE_SIZE); page < Math.ceil(end / PAGE_SIZE); page++) {
      if (this.mapped[page] === 0) return false;
    }
    return true;
  }

  /** True when no page of [address, address+length) is mapped and the range is inside the mmap/heap area. */
  isFree(address: number, length: number): boolean {
    if (address < LOWEST_ADDRESS || address + length > this.stackBottom) return false;
    for (let page = address / PAGE_SIZE; page < (address + length) / PAGE_SIZE; page++) {
      if (this.mapped[page] !== 0) return false;
    }
    return true;
  }

  /** Finds `length` free bytes, top-down below the stack and above the heap; -1 when none. */
  findFree(length: number): number {
    const pages = Math.ceil(length / PAGE_SIZE);
    const heapRoom = Math.min(16 << 20, Math.max(0, this.stackBottom - this.brk) / 4); // leave the heap room to grow
    const lowestPage = Math.ceil((this.brk + heapRoom) / PAGE_SIZE);
    let run = 0;
    for (let page = this.stackBottom / PAGE_SIZE - 1; page >= lowestPage; page--) {
      run = this.mapped[page] === 0 ? run + 1 : 0;
      if (run === pages) return page * PAGE_SIZE;
    }
    return -1;
  }

  /** Copies guest bytes out (caller checked the range). */
  read(address: number, length: number): Uint8Array {
    return this.memory.ram.slice(address, address + length);
  }

  /** A live view of guest bytes (caller checked the range; writes through it must call {@link wrote}). */
  view(address: number, length: number): Uint8Array {
    return this.memory.ram.subarray(address, address + length);
  }

  /** Copies bytes into the guest (caller checked the range) and invalidates decoded code there. */
  write(address: number, bytes: Uint8Array): void {
    this.memory.ram.set(bytes, address);
    this.wrote(address, bytes.length);
  }

  /**
   * Tells the CPU that the host wrote guest RAM directly: pages holding decoded instructions are
   * rewritten through the memory's checked path, which drops their decoded-instruction cache.
   */
  wrote(address: number, length: number): void {
    if (length === 0) return;
    const codePages = this.memory.codePages;
    for (
      let page = Math.floor(address / PAGE_SIZE);
      page <= Math.floor((address + length - 1) / PAGE_SIZE);
      page++
    ) {
      if (codePages[page] !== 0) {
        const at = page * PAGE_SIZE;
        this.memory.write8(at, this.memory.ram[at] ?? 0);
      }
    }
  }

  /** Reads a 32-bit little-endian value (caller checked the range). */
  read32(address: number): number {
    const ram = this.memory.ram;
    return (
      ((ram[address] ?? 0) |
        ((ram[address + 1] ?? 0) << 8) |
        ((ram[address + 2] ?? 0) << 16) |
        ((ram[address + 3] ?? 0) << 24)) >>>
      0
    );
  }

  /** Writes a 32-bit little-endian value (caller checked the range). */
  write32(address: number, value: number): void {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    this.write(address, bytes);
  }
}
