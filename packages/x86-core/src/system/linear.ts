/**
 * Linear-address translation for the core (`translateLinear`, the TLB fast path) and the
 * linear accesses the system layer makes itself (descriptor tables, TSS, interrupt and
 * call-gate stack frames). System accesses translate at supervisor privilege unless `user`, and
 * split at page boundaries, checking both pages before writing a byte.
 */

import type { SystemCpu } from './system-cpu.js';
import { Cr0 } from './system-cpu.js';
import { Access, mmuOf } from './system-cpu-mmu.js';

/**
 * Translates a linear address with paging enabled (the core checks CR0.PG first). `access` holds
 * the #PF W/U bits ({@link Access}). TLB hit: two typed-array reads, no allocation. Miss: page
 * walk (A/D updates, TLB fill) or a #PF `GuestFault` carrying the address for CR2.
 */
export function translateLinear(cpu: SystemCpu, linear: number, access: number): number {
  const mmu = cpu.mmu ?? mmuOf(cpu);
  const page = linear >>> 12;
  if ((mmu.tlbFlags[page] & (1 << ((access & 6) >>> 1))) !== 0) {
    return (mmu.tlbPhysical[page] | (linear & 0xfff)) >>> 0;
  }
  mmu.syncControl(cpu.cr0, cpu.cr3, cpu.cr4);
  return mmu.translateMiss(linear >>> 0, access);
}

function translateIfPaging(cpu: SystemCpu, linear: number, access: number): number {
  if ((cpu.cr0 & Cr0.Paging) === 0) return linear >>> 0;
  return translateLinear(cpu, linear, access);
}

/** Reads `size` (1, 2 or 4) bytes at a linear address (supervisor unless `user`). */
export function readLinear(cpu: SystemCpu, linear: number, size: number, user = false): number {
  linear >>>= 0;
  const access = user ? Access.User : Access.Read;
  if ((linear & 0xfff) + size <= 0x1000) {
    const physical = translateIfPaging(cpu, linear, access);
    if (size === 4) return cpu.memory.read32(physical);
    if (size === 2) return cpu.memory.read16(physical);
    return cpu.memory.read8(physical);
  }
  let value = 0;
  for (let index = 0; index < size; index++) {
    const physical = translateIfPaging(cpu, (linear + index) >>> 0, access);
    value |= cpu.memory.read8(physical) << (index * 8);
  }
  return value >>> 0;
}

/** Writes `size` (1, 2 or 4) bytes at a linear address; both pages are checked before any byte is written. */
export function writeLinear(cpu: SystemCpu, linear: number, size: number, value: number, user = false): void {
  linear >>>= 0;
  const access = Access.Write | (user ? Access.User : 0);
  if ((linear & 0xfff) + size <= 0x1000) {
    const physical = translateIfPaging(cpu, linear, access);
    if (size === 4) cpu.memory.write32(physical, value);
    else if (size === 2) cpu.memory.write16(physical, value);
    else cpu.memory.write8(physical, value);
    return;
  }
  const nextPage = ((linear & ~0xfff) + 0x1000) >>> 0;
  const first = translateIfPaging(cpu, linear, access);
  const second = translateIfPaging(cpu, nextPage, access);
  for (let index = 0; index < size; index++) {
    const address = (linear + index) >>> 0;
    const physical = address < nextPage ? first + index : second + (address - nextPage);
    cpu.memory.write8(physical, value >>> (index * 8));
  }
}
