/**
 * Hardware task switching (Intel SDM vol. 3A ch. 7, "Task Management"): JMP/CALL to a TSS
 * descriptor or task gate, interrupts through task gates, IRET with EFLAGS.NT. Handles 32-bit
 * and 16-bit TSSs, busy bits, the back link and NT, CR0.TS, CR3 and LDTR loads and the checks
 * of the new task's segments (faults then arise in the context of the new task, as on hardware).
 *
 * NOT IMPLEMENTED: the TSS T (debug trap) bit does not raise #DB after the switch.
 */

import {
  Attribute,
  attributesDpl,
  descriptorAttributes,
  descriptorBase,
  descriptorLimit,
  isCode,
  isConformingCode,
  isPresent,
  isReadable,
  isWritableData,
  SystemType,
} from './descriptor.js';
import { GuestFault } from './fault.js';
import { readLinear, writeLinear } from './linear.js';
import { loadCache, loadRealModeSegment, markAccessed, readDescriptor } from './segmentation.js';
import { Cr0, Eflags, nullSegment, SegmentRegister, type SystemCpu } from './system-cpu.js';
import { mmuOf } from './system-cpu-mmu.js';
import { Vector } from './vectors.js';

/** Why a task switch happens (decides busy bits, NT and the back link). */
export const TaskSwitchReason = { Jump: 0, Call: 1, Interrupt: 2, Iret: 3 } as const;

/** Field offsets of a TSS; 16-bit TSS fields are words, 32-bit ones dwords (selectors words). */
interface TssLayout {
  readonly wordSize: number;
  readonly minimumLimit: number;
  readonly cr3: number;
  readonly eip: number;
  readonly eflags: number;
  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI. */
  readonly registers: number;
  /** ES, CS, SS, DS, FS, GS (16-bit TSS: ES, CS, SS, DS only). */
  readonly segments: number;
  readonly segmentCount: number;
  readonly ldt: number;
}

const TSS32: TssLayout = {
  wordSize: 4,
  minimumLimit: 0x67,
  cr3: 0x1c,
  eip: 0x20,
  eflags: 0x24,
  registers: 0x28,
  segments: 0x48,
  segmentCount: 6,
  ldt: 0x60,
};

const TSS16: TssLayout = {
  wordSize: 2,
  minimumLimit: 0x2b,
  cr3: -1,
  eip: 0x0e,
  eflags: 0x10,
  registers: 0x12,
  segments: 0x22,
  segmentCount: 4,
  ldt: 0x2a,
};

function segmentStride(layout: TssLayout): number {
  return layout.wordSize === 4 ? 4 : 2;
}

/**
 * Switches to the task whose TSS descriptor `selector` names. `cpu.eip` must hold the address
 * the old task resumes at. `ext` is the EXT bit for error codes.
 */
export function switchTask(cpu: SystemCpu, selector: number, reason: number, ext: number): void {
  selector &= 0xffff;
  const selectorError = (selector & 0xfffc) + ext;
  if ((selector & 4) !== 0)
    throw new GuestFault(
      reason === TaskSwitchReason.Iret ? Vector.InvalidTss : Vector.GeneralProtection,
      selectorError,
    );
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) {
    throw new GuestFault(
      reason === TaskSwitchReason.Iret ? Vector.InvalidTss : Vector.GeneralProtection,
      selectorError,
    );
  }
  const attributes = descriptorAttributes(entry.high);
  const type = (entry.high >>> 8) & 0x1f;
  const available = type === SystemType.Tss32Available || type === SystemType.Tss16Available;
  const busy = type === SystemType.Tss32Busy || type === SystemType.Tss16Busy;
  if (reason === TaskSwitchReason.Iret) {
    if (!busy) throw new GuestFault(Vector.InvalidTss, selectorError);
  } else if (!available) {
    throw new GuestFault(Vector.GeneralProtection, selectorError);
  }
  if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, selectorError);
  const newLayout = (type & 8) !== 0 ? TSS32 : TSS16;
  const newBase = descriptorBase(entry.low, entry.high);
  const newLimit = descriptorLimit(entry.low, entry.high);
  if (newLimit < newLayout.minimumLimit) throw new GuestFault(Vector.InvalidTss, selectorError);

  const oldTrSelector = cpu.trSelector;
  const oldTrBase = cpu.trBase;
  const oldLayout = ((cpu.trFlags >>> 8) & 8) !== 0 ? TSS32 : TSS16;
  if (cpu.trLimit < oldLayout.minimumLimit)
    throw new GuestFault(Vector.InvalidTss, (oldTrSelector & 0xfffc) + ext);

  // Read the whole new state first (page faults here leave the old task intact).
  const word = newLayout.wordSize;
  const newEip = readLinear(cpu, newBase + newLayout.eip, word);
  let newEflags = readLinear(cpu, newBase + newLayout.eflags, word);
  const newRegisters = new Array<number>(8);
  for (let index = 0; index < 8; index++) {
    newRegisters[index] = readLinear(cpu, newBase + newLayout.registers + index * word, word);
  }
  const newSegments = new Array<number>(6).fill(0);
  for (let index = 0; index < newLayout.segmentCount; index++) {
    newSegments[index] = readLinear(cpu, newBase + newLayout.segments + index * segmentStride(newLayout), 2);
  }
  const newLdt = readLinear(cpu, newBase + newLayout.ldt, 2);
  const newCr3 = newLayout.cr3 >= 0 ? readLinear(cpu, newBase + newLayout.cr3, 4) : cpu.cr3;
  // Probe that the old TSS and the new back-link field are writable before changing anything.
  readLinear(cpu, oldTrBase, 2);
  readLinear(cpu, newBase, 2);

  // Old task: clear busy (JMP, IRET), save the state.
  if (reason === TaskSwitchReason.Jump || reason === TaskSwitchReason.Iret)
    setBusy(cpu, oldTrSelector, false);
  let oldEflags = cpu.getFlags();
  if (reason === TaskSwitchReason.Iret) oldEflags &= ~Eflags.NestedTask;
  const oldWord = oldLayout.wordSize;
  writeLinear(cpu, oldTrBase + oldLayout.eip, oldWord, cpu.eip);
  writeLinear(cpu, oldTrBase + oldLayout.eflags, oldWord, oldEflags);
  for (let index = 0; index < 8; index++) {
    writeLinear(cpu, oldTrBase + oldLayout.registers + index * oldWord, oldWord, cpu.registers32[index]);
  }
  for (let index = 0; index < oldLayout.segmentCount; index++) {
    writeLinear(
      cpu,
      oldTrBase + oldLayout.segments + index * segmentStride(oldLayout),
      2,
      cpu.segmentSelector[index],
    );
  }

  // New task: back link and NT for nesting switches, busy bit.
  if (reason === TaskSwitchReason.Call || reason === TaskSwitchReason.Interrupt) {
    writeLinear(cpu, newBase, 2, oldTrSelector);
    newEflags |= Eflags.NestedTask;
  }
  if (reason !== TaskSwitchReason.Iret) setBusy(cpu, selector, true);
  const busyHigh = (entry.high | (2 << 8)) >>> 0;
  cpu.trSelector = selector;
  cpu.trBase = descriptorBase(entry.low, busyHigh);
  cpu.trLimit = descriptorLimit(entry.low, busyHigh);
  cpu.trFlags = descriptorAttributes(busyHigh);
  cpu.cr0 |= Cr0.TaskSwitched;

  // Load the new state: registers first, then segments with checks (faults in the new task).
  if (newLayout.cr3 >= 0 && (cpu.cr0 & Cr0.Paging) !== 0) {
    cpu.cr3 = newCr3;
    mmuOf(cpu).writeCr3(newCr3);
    cpu.invalidateTranslations();
  }
  cpu.eip = newEip;
  for (let index = 0; index < 8; index++) {
    cpu.registers32[index] =
      word === 4 ? newRegisters[index] : (cpu.registers32[index] & 0xffff0000) | newRegisters[index];
  }
  if (word === 2) newEflags = (cpu.getFlags() & 0xffff0000) | newEflags;
  cpu.setFlags((newEflags | Eflags.Reserved1) >>> 0);
  cpu.ldtrSelector = newLdt;
  cpu.ldtrFlags = 0;
  for (let index = 0; index < newLayout.segmentCount; index++) nullSegment(cpu, index, newSegments[index]);
  const virtual8086 = (newEflags & Eflags.Virtual8086) !== 0;
  cpu.cpl = virtual8086 ? 3 : newSegments[SegmentRegister.Cs] & 3;
  loadTaskLdt(cpu, newLdt);
  if (virtual8086) {
    for (let index = 0; index < 6; index++) loadRealModeSegment(cpu, index, newSegments[index]);
  } else {
    loadTaskSegment(cpu, SegmentRegister.Cs, newSegments[SegmentRegister.Cs]);
    loadTaskSegment(cpu, SegmentRegister.Ss, newSegments[SegmentRegister.Ss]);
    for (const index of [SegmentRegister.Es, SegmentRegister.Ds, SegmentRegister.Fs, SegmentRegister.Gs]) {
      if (index < newLayout.segmentCount) loadTaskSegment(cpu, index, newSegments[index]);
    }
  }
  if (cpu.eip > cpu.segmentLimit[SegmentRegister.Cs]) throw new GuestFault(Vector.GeneralProtection, 0);
}

/** Sets or clears the busy bit of the TSS descriptor `selector` names (GDT). */
export function setBusy(cpu: SystemCpu, selector: number, busy: boolean): void {
  const address = (cpu.gdtrBase + (selector & 0xfff8) + 5) >>> 0;
  const access = readLinear(cpu, address, 1);
  writeLinear(cpu, address, 1, busy ? access | 2 : access & ~2);
}

function loadTaskLdt(cpu: SystemCpu, selector: number): void {
  const error = selector & 0xfffc;
  if (error === 0) {
    cpu.ldtrSelector = selector;
    cpu.ldtrFlags = 0;
    return;
  }
  if ((selector & 4) !== 0) throw new GuestFault(Vector.InvalidTss, error);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined || ((entry.high >>> 8) & 0x1f) !== SystemType.Ldt)
    throw new GuestFault(Vector.InvalidTss, error);
  if ((entry.high & Attribute.Present) === 0) throw new GuestFault(Vector.InvalidTss, error);
  cpu.ldtrSelector = selector;
  cpu.ldtrBase = descriptorBase(entry.low, entry.high);
  cpu.ldtrLimit = descriptorLimit(entry.low, entry.high);
  cpu.ldtrFlags = descriptorAttributes(entry.high);
}

function loadTaskSegment(cpu: SystemCpu, index: number, selector: number): void {
  const error = selector & 0xfffc;
  if (error === 0) {
    if (index === SegmentRegister.Cs || index === SegmentRegister.Ss)
      throw new GuestFault(Vector.InvalidTss, 0);
    nullSegment(cpu, index, selector);
    return;
  }
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) throw new GuestFault(Vector.InvalidTss, error);
  const attributes = descriptorAttributes(entry.high);
  const dpl = attributesDpl(attributes);
  const rpl = selector & 3;
  const cpl = cpu.cpl;
  if (index === SegmentRegister.Cs) {
    if (!isCode(attributes)) throw new GuestFault(Vector.InvalidTss, error);
    if (isConformingCode(attributes) ? dpl > rpl : dpl !== rpl)
      throw new GuestFault(Vector.InvalidTss, error);
    if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, error);
  } else if (index === SegmentRegister.Ss) {
    if (!isWritableData(attributes) || dpl !== cpl || rpl !== cpl)
      throw new GuestFault(Vector.InvalidTss, error);
    if (!isPresent(attributes)) throw new GuestFault(Vector.StackFault, error);
  } else {
    if (!isReadable(attributes)) throw new GuestFault(Vector.InvalidTss, error);
    if (!isConformingCode(attributes) && (rpl > dpl || cpl > dpl))
      throw new GuestFault(Vector.InvalidTss, error);
    if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, error);
  }
  markAccessed(cpu, entry);
  loadCache(cpu, index, selector, entry.low, entry.high);
}
