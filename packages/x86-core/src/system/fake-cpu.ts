/**
 * A minimal {@link SystemCpu} for unit tests of the system layer (and for monitors' tests that
 * want descriptor/paging logic without the interpreter): plain fields, eager flags, a byte-array
 * physical memory, and helpers to build descriptor tables.
 */

import type { Mmu } from './paging.js';
import { ArrayPhysicalAccess } from './physical-access.js';
import type { SystemCpu } from './system-cpu.js';

/** A test double of the core's `Cpu` with the members the system layer uses. */
export class FakeSystemCpu implements SystemCpu {
  readonly memory: ArrayPhysicalAccess;
  mmu?: Mmu;
  readonly registers32 = new Uint32Array(8);
  eip = 0;
  cpl = 0;
  cr0 = 0x10;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly debugRegisters = new Uint32Array(8);
  readonly segmentSelector = new Uint16Array(6);
  readonly segmentBase = new Uint32Array(6);
  readonly segmentLimit = new Uint32Array(6).fill(0xffff);
  readonly segmentFlags = new Uint32Array(6).fill(0x9300);
  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0x3ff;
  ldtrSelector = 0;
  ldtrBase = 0;
  ldtrLimit = 0xffff;
  ldtrFlags = 0x8200;
  trSelector = 0;
  trBase = 0;
  trLimit = 0xffff;
  trFlags = 0x8b00;
  flags = 2;
  readonly msrs = new Map<number, bigint>();
  tscOffset = 0n;
  instructionsRetired = 0;
  /** How many times `invalidateTranslations` was called. */
  translationInvalidations = 0;

  constructor(memoryBytes = 1 << 20) {
    this.memory = new ArrayPhysicalAccess(new Uint8Array(memoryBytes));
    this.segmentFlags[1] = 0x9b00;
  }

  setSegmentCache(segment: number, selector: number, base: number, limit: number, flags: number): void {
    this.segmentSelector[segment] = selector;
    this.segmentBase[segment] = base;
    this.segmentLimit[segment] = limit;
    this.segmentFlags[segment] = flags & 0x00f0ff00;
  }

  getFlags(): number {
    return this.flags >>> 0;
  }

  setFlags(value: number): void {
    this.flags = ((value & 0x003f7fd5) | 2) >>> 0;
  }

  invalidateTranslations(): void {
    this.translationInvalidations++;
  }

  /** Writes an 8-byte descriptor at physical `address`. */
  writeDescriptor(address: number, low: number, high: number): void {
    this.memory.write32(address, low);
    this.memory.write32(address + 4, high);
  }
}

/** Encodes a code/data/system segment descriptor: returns `[low, high]`. */
export function encodeSegmentDescriptor(base: number, limit: number, attributes: number): [number, number] {
  let rawLimit = limit >>> 0;
  let granularity = 0;
  if (rawLimit > 0xfffff) {
    rawLimit >>>= 12;
    granularity = 1 << 23;
  }
  const low = ((base & 0xffff) << 16) | (rawLimit & 0xffff);
  const high =
    ((base >>> 16) & 0xff) |
    (base & 0xff000000) |
    (rawLimit & 0xf0000) |
    (attributes & 0x0070ff00) |
    granularity;
  return [low >>> 0, high >>> 0];
}

/** Encodes a gate descriptor (call, interrupt, trap, task): returns `[low, high]`. */
export function encodeGate(
  selector: number,
  offset: number,
  type: number,
  dpl: number,
  parameters = 0,
): [number, number] {
  const low = ((selector & 0xffff) << 16) | (offset & 0xffff);
  const high = (offset & 0xffff0000) | (1 << 15) | (dpl << 13) | (type << 8) | (parameters & 0x1f);
  return [low >>> 0, high >>> 0];
}
