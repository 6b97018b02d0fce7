/**
 * Segment-register loads with the protected-mode checks of the SDM (vol. 2 MOV/POP/LDS, vol. 3A
 * 5.5-5.8): descriptor fetch from the GDT or LDT, type, privilege (CPL/RPL/DPL) and presence
 * checks, accessed-bit updates; real-mode and virtual-8086 loads (base = selector * 16); the
 * limit and type check of an access through a segment (`checkSegmentLimit`).
 *
 * Error codes are the selector with RPL cleared (`selector & 0xfffc`), plus EXT where the load
 * happens while delivering an external event.
 */

import {
  ATTRIBUTE_MASK,
  Attribute,
  attributesDpl,
  descriptorAttributes,
  descriptorBase,
  descriptorLimit,
  isCode,
  isCodeOrData,
  isConformingCode,
  isPresent,
  isReadable,
  isWritableData,
  withinLimit,
} from './descriptor.js';
import { GuestFault } from './fault.js';
import { readLinear, writeLinear } from './linear.js';
import { Access } from './paging.js';
import { Cr0, Eflags, isProtectedMode, nullSegment, SegmentRegister, type SystemCpu } from './system-cpu.js';
import { Vector } from './vectors.js';

/** A descriptor as read from a table, with where it was found (for accessed/busy updates). */
export interface DescriptorEntry {
  low: number;
  high: number;
  /** Linear address of the 8-byte entry. */
  address: number;
}

/**
 * Reads the descriptor `selector` names from the GDT or LDT. Returns `undefined` when the
 * selector lies outside the table limit (or names the LDT while LDTR is null); callers raise the
 * fault their instruction specifies. Table reads are supervisor accesses and may page-fault.
 */
export function readDescriptor(cpu: SystemCpu, selector: number): DescriptorEntry | undefined {
  const index = selector & 0xfff8;
  let base: number;
  let limit: number;
  if ((selector & 4) !== 0) {
    if ((cpu.ldtrSelector & 0xfffc) === 0 || (cpu.ldtrFlags & Attribute.Present) === 0) return undefined;
    base = cpu.ldtrBase;
    limit = cpu.ldtrLimit;
  } else {
    base = cpu.gdtrBase;
    limit = cpu.gdtrLimit;
  }
  if (index + 7 > limit) return undefined;
  const address = (base + index) >>> 0;
  return { low: readLinear(cpu, address, 4), high: readLinear(cpu, address + 4, 4), address };
}

/** Sets the accessed bit of a code/data descriptor in memory (and in `entry`). */
export function markAccessed(cpu: SystemCpu, entry: DescriptorEntry): void {
  if ((entry.high & Attribute.Accessed) === 0) {
    entry.high = (entry.high | Attribute.Accessed) >>> 0;
    writeLinear(cpu, entry.address + 5, 1, (entry.high >>> 8) & 0xff);
  }
}

/** Loads segment register `index` from a selector and its descriptor dwords (no checks). */
export function loadCache(cpu: SystemCpu, index: number, selector: number, low: number, high: number): void {
  cpu.setSegmentCache(
    index,
    selector & 0xffff,
    descriptorBase(low, high),
    descriptorLimit(low, high),
    descriptorAttributes(high),
  );
}

/** Real-mode / v86 data attributes: present, writable, accessed, with `dpl`. */
function realModeAttributes(dpl: number): number {
  return (
    Attribute.Present | Attribute.CodeOrData | Attribute.WritableOrReadable | Attribute.Accessed | (dpl << 13)
  );
}

/**
 * Loads a segment register in real mode or virtual-8086 mode: base = selector << 4. Real mode
 * keeps the cached limit and attributes (a CS load makes it a code segment); v86 mode forces a
 * 64 KiB DPL 3 segment.
 */
export function loadRealModeSegment(cpu: SystemCpu, index: number, selector: number): void {
  selector &= 0xffff;
  const code = index === SegmentRegister.Cs ? Attribute.Code : 0;
  if ((cpu.getFlags() & Eflags.Virtual8086) !== 0) {
    cpu.setSegmentCache(index, selector, selector << 4, 0xffff, realModeAttributes(3) | code);
    return;
  }
  let attributes = cpu.segmentFlags[index];
  if ((attributes & Attribute.Present) === 0) attributes = realModeAttributes(0);
  if (index === SegmentRegister.Cs) attributes = (attributes | code) & ~Attribute.Big;
  cpu.setSegmentCache(index, selector, selector << 4, cpu.segmentLimit[index], attributes);
}

/**
 * MOV/POP/LDS/LES/LFS/LGS/LSS to a segment register other than CS, with every protected-mode
 * check. Throws #GP/#SS/#NP `GuestFault`s; on success the cache is loaded and the descriptor's
 * accessed bit set. (MOV to CS is #UD in the decoder.)
 */
export function loadSegment(cpu: SystemCpu, index: number, selector: number): void {
  selector &= 0xffff;
  if (!isProtectedMode(cpu) || (cpu.getFlags() & Eflags.Virtual8086) !== 0) {
    loadRealModeSegment(cpu, index, selector);
    return;
  }
  if (index === SegmentRegister.Cs) throw new GuestFault(Vector.InvalidOpcode);
  const errorCode = selector & 0xfffc;
  const rpl = selector & 3;
  const cpl = cpu.cpl;
  if (index === SegmentRegister.Ss) {
    if (errorCode === 0) throw new GuestFault(Vector.GeneralProtection, 0);
    const entry = readDescriptor(cpu, selector);
    if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, errorCode);
    const attributes = descriptorAttributes(entry.high);
    if (rpl !== cpl || !isWritableData(attributes) || attributesDpl(attributes) !== cpl) {
      throw new GuestFault(Vector.GeneralProtection, errorCode);
    }
    if (!isPresent(attributes)) throw new GuestFault(Vector.StackFault, errorCode);
    markAccessed(cpu, entry);
    loadCache(cpu, index, selector, entry.low, entry.high);
    return;
  }
  if (errorCode === 0) {
    nullSegment(cpu, index, selector);
    return;
  }
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, errorCode);
  const attributes = descriptorAttributes(entry.high);
  if (!isCodeOrData(attributes) || !isReadable(attributes))
    throw new GuestFault(Vector.GeneralProtection, errorCode);
  if (!isConformingCode(attributes)) {
    const dpl = attributesDpl(attributes);
    if (rpl > dpl || cpl > dpl) throw new GuestFault(Vector.GeneralProtection, errorCode);
  }
  if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, errorCode);
  markAccessed(cpu, entry);
  loadCache(cpu, index, selector, entry.low, entry.high);
}

/**
 * After a return to an outer privilege level (RET far, IRET), nulls the data segment registers
 * the new CPL may not use (data or non-conforming code with DPL < CPL).
 */
export function nullInaccessibleDataSegments(cpu: SystemCpu): void {
  for (const index of [SegmentRegister.Es, SegmentRegister.Ds, SegmentRegister.Fs, SegmentRegister.Gs]) {
    const attributes = cpu.segmentFlags[index];
    if ((attributes & ATTRIBUTE_MASK) === 0) continue;
    if (!isConformingCode(attributes) && attributesDpl(attributes) < cpu.cpl) nullSegment(cpu, index);
  }
}

/**
 * The check of an access of `size` bytes at `offset` through segment `index` (the core calls it
 * for segments that are not flat): in protected mode a null segment, a write to a non-writable
 * segment or a read of an execute-only one is #GP(0) (#SS(0) for SS); an offset outside the limit
 * (expand-down aware) is #GP(0) or #SS(0). Real and v86 mode check the limit only.
 */
export function checkSegmentLimit(
  cpu: SystemCpu,
  index: number,
  offset: number,
  size: number,
  access: number,
): void {
  const attributes = cpu.segmentFlags[index];
  const vector = index === SegmentRegister.Ss ? Vector.StackFault : Vector.GeneralProtection;
  if ((cpu.cr0 & Cr0.ProtectionEnable) !== 0 && (cpu.getFlags() & Eflags.Virtual8086) === 0) {
    if ((attributes & Attribute.Present) === 0) throw new GuestFault(vector, 0);
    if ((access & Access.Write) !== 0) {
      if (!isWritableData(attributes)) throw new GuestFault(vector, 0);
    } else if ((access & Access.Execute) === 0 && !isReadable(attributes)) {
      throw new GuestFault(vector, 0);
    }
  }
  if (!withinLimit(attributes, cpu.segmentLimit[index], offset, size)) throw new GuestFault(vector, 0);
}

/** True for a code segment (re-exported for far transfers). */
export { isCode };
