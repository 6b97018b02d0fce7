/**
 * Exception and interrupt delivery (Intel SDM vol. 3A ch. 6; vol. 2 "INT n/INTO/INT3" and
 * "IRET/IRETD" operation sections): the real-mode IVT, protected-mode IDT with interrupt, trap
 * and task gates, the privilege change through the TSS (SS0:ESP0...), delivery from
 * virtual-8086 mode, error-code pushing, double and triple faults, and IRET.
 *
 * The caller sets `cpu.eip` to the address the handler should return to (the faulting
 * instruction for faults, the next one for traps and INT n) before calling.
 */

import {
  Attribute,
  attributesDpl,
  descriptorAttributes,
  descriptorBase,
  descriptorLimit,
  gateOffset,
  gateSelector,
  isCode,
  isConformingCode,
  isPresent,
  isWritableData,
  SystemType,
} from './descriptor.js';
import { GuestFault, TripleFault } from './fault.js';
import { readLinear } from './linear.js';
import {
  loadCache,
  loadRealModeSegment,
  markAccessed,
  nullInaccessibleDataSegments,
  readDescriptor,
} from './segmentation.js';
import { StackCursor } from './stack-frame.js';
import { Eflags, isProtectedMode, nullSegment, SegmentRegister, type SystemCpu } from './system-cpu.js';
import { switchTask, TaskSwitchReason } from './task-switch.js';
import { combineExceptions, exceptionHasErrorCode, Vector } from './vectors.js';

/**
 * Where an event comes from; decides the DPL check, the EXT bit and error-code pushing. The
 * numbering is the core's `InterruptKind` (src/cpu/registers.ts).
 */
export const EventKind = {
  /** A processor-detected exception (faults, traps, aborts). */
  Exception: 0,
  /** INT n (CD ib): gate DPL checked against CPL; IOPL-sensitive in v86 mode. */
  Software: 1,
  /** An external interrupt (INTR). */
  External: 2,
  /** INT3 (CC) and INTO (CE): software-generated exceptions, gate DPL checked. */
  SoftwareException: 3,
  /** NMI. */
  NonMaskable: 4,
} as const;

/** Vectors whose exceptions are faults: the saved EFLAGS image gets RF=1 (SDM 17.3.1.1). */
function isFaultVector(vector: number): boolean {
  return (
    vector === 0 ||
    (vector >= 5 && vector <= 7) ||
    (vector >= 10 && vector <= 14) ||
    vector === 16 ||
    vector === 17
  );
}

/** Gate types accepted in the IDT (S=0 in bit 4 of the 5-bit field). */
function isIdtGate(typeWithS: number): boolean {
  return (
    typeWithS === SystemType.TaskGate ||
    typeWithS === SystemType.InterruptGate16 ||
    typeWithS === SystemType.TrapGate16 ||
    typeWithS === SystemType.InterruptGate32 ||
    typeWithS === SystemType.TrapGate32
  );
}

/**
 * Raises an exception the way the CPU does after an instruction faulted: sets CR2 for #PF, then
 * delivers it, turning faults during delivery into #DF or a triple fault (SDM table 6-5).
 * Throws {@link TripleFault} on shutdown (the run loop stops with 'triple-fault').
 */
export function raiseException(cpu: SystemCpu, fault: GuestFault): void {
  if (fault.vector === Vector.PageFault) cpu.cr2 = fault.faultAddress >>> 0;
  deliverInterrupt(cpu, fault.vector, EventKind.Exception, fault.errorCode);
}

/**
 * Delivers one event (exception, external interrupt, INT n), handling faults raised while
 * delivering it (SDM table 6-5: #DF, or a {@link TripleFault} thrown for shutdown). `errorCode`
 * is -1 when none is pushed (ignored for non-exceptions). CR2 must already hold the address of
 * a first #PF; nested page faults set it here. `cpu.eip` is the return address.
 */
export function deliverInterrupt(cpu: SystemCpu, vector: number, kind: number, errorCode = -1): void {
  let currentVector = vector;
  let currentKind = kind;
  let currentError = errorCode;
  let currentAddress = 0;
  // At most: event -> contributory/page fault -> #DF -> shutdown; the loop is bounded.
  for (let depth = 0; depth < 4; depth++) {
    try {
      deliverOnce(cpu, currentVector, currentKind, currentError);
      return;
    } catch (caught) {
      if (!(caught instanceof GuestFault)) throw caught;
      const firstVector = currentKind === EventKind.Exception ? currentVector : -1;
      const combination = firstVector < 0 ? 'serial' : combineExceptions(firstVector, caught.vector);
      if (combination === 'triple') throw new TripleFault(caught);
      if (combination === 'double') {
        currentVector = Vector.DoubleFault;
        currentError = 0;
        currentAddress = 0;
      } else {
        currentVector = caught.vector;
        currentError = caught.errorCode;
        currentAddress = caught.faultAddress;
        if (caught.vector === Vector.PageFault) cpu.cr2 = caught.faultAddress >>> 0;
      }
      currentKind = EventKind.Exception;
    }
  }
  throw new TripleFault(new GuestFault(currentVector, currentError, currentAddress));
}

/**
 * Delivers one event without double-fault handling (throws the {@link GuestFault} that delivery
 * itself raised). Real mode uses the IVT; protected and v86 mode the IDT.
 */
export function deliverOnce(cpu: SystemCpu, vector: number, kind: number, errorCode = -1): void {
  vector &= 0xff;
  if (!isProtectedMode(cpu)) {
    deliverRealMode(cpu, vector);
    return;
  }
  const eflags = cpu.getFlags();
  if (kind === EventKind.Software && (eflags & Eflags.Virtual8086) !== 0 && ((eflags >>> 12) & 3) < 3) {
    throw new GuestFault(Vector.GeneralProtection, 0);
  }
  deliverProtectedMode(
    cpu,
    vector,
    kind,
    kind === EventKind.Exception && exceptionHasErrorCode(vector) ? Math.max(0, errorCode) : -1,
  );
}

function deliverRealMode(cpu: SystemCpu, vector: number): void {
  if (vector * 4 + 3 > cpu.idtrLimit) throw new GuestFault(Vector.GeneralProtection, 0);
  const entry = readLinear(cpu, cpu.idtrBase + vector * 4, 4);
  const eflags = cpu.getFlags();
  const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, false);
  stack.push(2, eflags);
  stack.push(2, cpu.segmentSelector[SegmentRegister.Cs]);
  stack.push(2, cpu.eip);
  cpu.registers32[4] = stack.esp;
  loadRealModeSegment(cpu, SegmentRegister.Cs, entry >>> 16);
  cpu.eip = entry & 0xffff;
  cpu.setFlags(eflags & ~(Eflags.Interrupt | Eflags.Trap | Eflags.AlignmentCheck | Eflags.Resume));
}

function deliverProtectedMode(cpu: SystemCpu, vector: number, kind: number, errorCode: number): void {
  const ext = kind === EventKind.Software || kind === EventKind.SoftwareException ? 0 : 1;
  const idtError = vector * 8 + 2 + ext;
  if (vector * 8 + 7 > cpu.idtrLimit) throw new GuestFault(Vector.GeneralProtection, idtError);
  const gateAddress = cpu.idtrBase + vector * 8;
  const low = readLinear(cpu, gateAddress, 4);
  const high = readLinear(cpu, gateAddress + 4, 4);
  const gateType = (high >>> 8) & 0x1f;
  if (!isIdtGate(gateType)) throw new GuestFault(Vector.GeneralProtection, idtError);
  const software = kind === EventKind.Software || kind === EventKind.SoftwareException;
  if (software && ((high >>> 13) & 3) < cpu.cpl) throw new GuestFault(Vector.GeneralProtection, idtError);
  if ((high & Attribute.Present) === 0) throw new GuestFault(Vector.SegmentNotPresent, idtError);

  if (gateType === SystemType.TaskGate) {
    switchTask(cpu, gateSelector(low), TaskSwitchReason.Interrupt, ext);
    if (errorCode >= 0) {
      const size = ((cpu.trFlags >>> 8) & 8) !== 0 ? 4 : 2;
      const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
      stack.push(size, errorCode);
      cpu.registers32[4] = stack.esp;
    }
    return;
  }

  const size = gateType >= SystemType.InterruptGate32 ? 4 : 2;
  const selector = gateSelector(low);
  const offset = size === 4 ? gateOffset(low, high) : low & 0xffff;
  if ((selector & 0xfffc) === 0) throw new GuestFault(Vector.GeneralProtection, ext);
  const selectorError = (selector & 0xfffc) + ext;
  const codeEntry = readDescriptor(cpu, selector);
  if (codeEntry === undefined) throw new GuestFault(Vector.GeneralProtection, selectorError);
  const codeAttributes = descriptorAttributes(codeEntry.high);
  const codeDpl = attributesDpl(codeAttributes);
  if (!isCode(codeAttributes) || codeDpl > cpu.cpl)
    throw new GuestFault(Vector.GeneralProtection, selectorError);
  if (!isPresent(codeAttributes)) throw new GuestFault(Vector.SegmentNotPresent, selectorError);

  const eflags = cpu.getFlags();
  const fromVirtual8086 = (eflags & Eflags.Virtual8086) !== 0;
  const conforming = isConformingCode(codeAttributes);
  const oldCs = cpu.segmentSelector[SegmentRegister.Cs];
  const oldSs = cpu.segmentSelector[SegmentRegister.Ss];
  const oldEsp = cpu.registers32[4] >>> 0;
  let savedEflags = eflags;
  if (kind === EventKind.Exception && isFaultVector(vector)) savedEflags |= Eflags.Resume;

  let newCpl: number;
  const stack = new StackCursor(cpu);
  let newSsSelector = 0;
  let newSsLow = 0;
  let newSsHigh = 0;
  let newSsEntry: ReturnType<typeof readDescriptor>;

  if (!conforming && codeDpl < cpu.cpl) {
    if (fromVirtual8086 && codeDpl !== 0) throw new GuestFault(Vector.GeneralProtection, selectorError);
    newCpl = codeDpl;
    const { ss, esp } = readTssStack(cpu, newCpl, ext);
    newSsSelector = ss;
    const ssError = (ss & 0xfffc) + ext;
    if ((ss & 0xfffc) === 0) throw new GuestFault(Vector.InvalidTss, ext);
    newSsEntry = readDescriptor(cpu, ss);
    if (newSsEntry === undefined) throw new GuestFault(Vector.InvalidTss, ssError);
    const ssAttributes = descriptorAttributes(newSsEntry.high);
    if ((ss & 3) !== newCpl || attributesDpl(ssAttributes) !== newCpl || !isWritableData(ssAttributes)) {
      throw new GuestFault(Vector.InvalidTss, ssError);
    }
    if (!isPresent(ssAttributes)) throw new GuestFault(Vector.StackFault, ssError);
    newSsLow = newSsEntry.low;
    newSsHigh = newSsEntry.high;
    stack.reset(
      descriptorBase(newSsLow, newSsHigh),
      descriptorLimit(newSsLow, newSsHigh),
      ssAttributes,
      esp,
      ssError,
      false,
    );
    const frameWords = (fromVirtual8086 ? 9 : 5) + (errorCode >= 0 ? 1 : 0);
    stack.checkPush(frameWords * size);
    if (offset > descriptorLimit(codeEntry.low, codeEntry.high))
      throw new GuestFault(Vector.GeneralProtection, ext);
    if (fromVirtual8086) {
      stack.push(size, cpu.segmentSelector[SegmentRegister.Gs]);
      stack.push(size, cpu.segmentSelector[SegmentRegister.Fs]);
      stack.push(size, cpu.segmentSelector[SegmentRegister.Ds]);
      stack.push(size, cpu.segmentSelector[SegmentRegister.Es]);
    }
    stack.push(size, oldSs);
    stack.push(size, oldEsp);
  } else if (fromVirtual8086) {
    throw new GuestFault(Vector.GeneralProtection, selectorError);
  } else if (conforming || codeDpl === cpu.cpl) {
    newCpl = cpu.cpl;
    stack.fromSegment(SegmentRegister.Ss, ext, newCpl === 3);
    stack.checkPush((3 + (errorCode >= 0 ? 1 : 0)) * size);
    if (offset > descriptorLimit(codeEntry.low, codeEntry.high))
      throw new GuestFault(Vector.GeneralProtection, ext);
  } else {
    throw new GuestFault(Vector.GeneralProtection, selectorError);
  }
  stack.push(size, savedEflags);
  stack.push(size, oldCs);
  stack.push(size, cpu.eip);
  if (errorCode >= 0) stack.push(size, errorCode);

  // Commit.
  if (newSsEntry !== undefined) {
    markAccessed(cpu, newSsEntry);
    loadCache(cpu, SegmentRegister.Ss, newSsSelector, newSsEntry.low, newSsEntry.high);
  }
  cpu.registers32[4] = stack.esp;
  if (fromVirtual8086) {
    for (const index of [SegmentRegister.Es, SegmentRegister.Ds, SegmentRegister.Fs, SegmentRegister.Gs]) {
      nullSegment(cpu, index);
    }
  }
  markAccessed(cpu, codeEntry);
  loadCache(cpu, SegmentRegister.Cs, (selector & 0xfffc) | newCpl, codeEntry.low, codeEntry.high);
  cpu.cpl = newCpl;
  cpu.eip = offset;
  let newEflags = eflags & ~(Eflags.Trap | Eflags.NestedTask | Eflags.Resume | Eflags.Virtual8086);
  if (gateType === SystemType.InterruptGate16 || gateType === SystemType.InterruptGate32) {
    newEflags &= ~Eflags.Interrupt;
  }
  cpu.setFlags(newEflags);
}

/**
 * Reads SSn:ESPn for privilege level `level` from the current TSS (32- or 16-bit). Throws
 * #TS(TR selector) when the TSS is too short.
 */
export function readTssStack(cpu: SystemCpu, level: number, ext: number): { ss: number; esp: number } {
  const type = (cpu.trFlags >>> 8) & 0xf;
  if (type === SystemType.Tss32Busy || type === SystemType.Tss32Available) {
    const offset = 4 + level * 8;
    if (offset + 7 > cpu.trLimit) throw new GuestFault(Vector.InvalidTss, (cpu.trSelector & 0xfffc) + ext);
    return { esp: readLinear(cpu, cpu.trBase + offset, 4), ss: readLinear(cpu, cpu.trBase + offset + 4, 2) };
  }
  const offset = 2 + level * 4;
  if (offset + 3 > cpu.trLimit) throw new GuestFault(Vector.InvalidTss, (cpu.trSelector & 0xfffc) + ext);
  return { esp: readLinear(cpu, cpu.trBase + offset, 2), ss: readLinear(cpu, cpu.trBase + offset + 2, 2) };
}

/** EFLAGS bits IRET/POPF may always change (at any CPL). */
const ALWAYS_MODIFIABLE =
  Eflags.Carry |
  Eflags.Parity |
  Eflags.Auxiliary |
  Eflags.Zero |
  Eflags.Sign |
  Eflags.Trap |
  Eflags.Direction |
  Eflags.Overflow |
  Eflags.NestedTask |
  Eflags.Resume |
  Eflags.AlignmentCheck |
  Eflags.Identification;

/**
 * Merges a popped EFLAGS image into `current` under the privilege rules of IRET/POPF: IF only
 * when CPL <= IOPL, IOPL/VIF/VIP only at CPL 0, VM never (callers handle it), only the low 16
 * bits for a 16-bit operand. Bit 1 is always set.
 */
export function mergeEflags(
  current: number,
  popped: number,
  cpl: number,
  operandSize: number,
  extraMask = 0,
): number {
  const iopl = (current >>> 12) & 3;
  let mask = ALWAYS_MODIFIABLE | extraMask;
  if (cpl <= iopl) mask |= Eflags.Interrupt;
  if (cpl === 0) mask |= Eflags.IoplMask | Eflags.VirtualInterrupt | Eflags.VirtualInterruptPending;
  if (operandSize === 2) mask &= 0xffff;
  return (((current & ~mask) | (popped & mask)) & ~0x8028) | Eflags.Reserved1;
}

/** IRET/IRETD with `operandSize` 2 or 4, in every mode. Throws {@link GuestFault}s. */
export function interruptReturn(cpu: SystemCpu, operandSize: number): void {
  const eflags = cpu.getFlags();
  if (!isProtectedMode(cpu)) {
    const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, false);
    const eip = stack.pop(operandSize);
    const cs = stack.pop(operandSize) & 0xffff;
    const popped = stack.pop(operandSize);
    if (eip > cpu.segmentLimit[SegmentRegister.Cs]) throw new GuestFault(Vector.GeneralProtection, 0);
    cpu.registers32[4] = stack.esp;
    loadRealModeSegment(cpu, SegmentRegister.Cs, cs);
    cpu.eip = eip;
    const mask = operandSize === 4 ? 0x257fd5 : 0x7fd5;
    cpu.setFlags(((eflags & ~mask) | (popped & mask) | Eflags.Reserved1) >>> 0);
    return;
  }
  if ((eflags & Eflags.Virtual8086) !== 0) {
    if (((eflags >>> 12) & 3) < 3) throw new GuestFault(Vector.GeneralProtection, 0);
    const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, true);
    const eip = stack.pop(operandSize);
    const cs = stack.pop(operandSize) & 0xffff;
    const popped = stack.pop(operandSize);
    if (eip > 0xffff) throw new GuestFault(Vector.GeneralProtection, 0);
    cpu.registers32[4] = stack.esp;
    loadRealModeSegment(cpu, SegmentRegister.Cs, cs);
    cpu.eip = eip;
    const mask = (ALWAYS_MODIFIABLE | Eflags.Interrupt) & (operandSize === 2 ? 0xffff : 0xffffffff);
    cpu.setFlags(((eflags & ~mask) | (popped & mask) | Eflags.Reserved1) >>> 0);
    return;
  }
  if ((eflags & Eflags.NestedTask) !== 0) {
    const backLink = readLinear(cpu, cpu.trBase, 2);
    switchTask(cpu, backLink, TaskSwitchReason.Iret, 0);
    return;
  }
  const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
  const newEip = stack.peek(operandSize, 0);
  const newCs = stack.peek(operandSize, operandSize) & 0xffff;
  const poppedEflags = stack.peek(operandSize, operandSize * 2);
  if (operandSize === 4 && (poppedEflags & Eflags.Virtual8086) !== 0 && cpu.cpl === 0) {
    returnToVirtual8086(cpu, stack, newEip, newCs, poppedEflags);
    return;
  }
  const csError = newCs & 0xfffc;
  if (csError === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const codeEntry = readDescriptor(cpu, newCs);
  if (codeEntry === undefined) throw new GuestFault(Vector.GeneralProtection, csError);
  const codeAttributes = descriptorAttributes(codeEntry.high);
  const rpl = newCs & 3;
  const codeDpl = attributesDpl(codeAttributes);
  if (!isCode(codeAttributes) || rpl < cpu.cpl) throw new GuestFault(Vector.GeneralProtection, csError);
  if (isConformingCode(codeAttributes) ? codeDpl > rpl : codeDpl !== rpl) {
    throw new GuestFault(Vector.GeneralProtection, csError);
  }
  if (!isPresent(codeAttributes)) throw new GuestFault(Vector.SegmentNotPresent, csError);
  const codeLimit = descriptorLimit(codeEntry.low, codeEntry.high);
  const maskedEip = operandSize === 2 ? newEip & 0xffff : newEip;
  const oldCpl = cpu.cpl;
  if (rpl === oldCpl) {
    if (maskedEip > codeLimit) throw new GuestFault(Vector.GeneralProtection, 0);
    stack.skip(operandSize * 3);
    cpu.registers32[4] = stack.esp;
    markAccessed(cpu, codeEntry);
    loadCache(cpu, SegmentRegister.Cs, newCs, codeEntry.low, codeEntry.high);
    cpu.eip = maskedEip;
    cpu.setFlags(mergeEflags(eflags, poppedEflags, oldCpl, operandSize));
    return;
  }
  // Return to an outer privilege level: SS:ESP follow on the stack.
  const newEsp = stack.peek(operandSize, operandSize * 3);
  const newSs = stack.peek(operandSize, operandSize * 4) & 0xffff;
  const ssError = newSs & 0xfffc;
  if (ssError === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const ssEntry = readDescriptor(cpu, newSs);
  if (ssEntry === undefined) throw new GuestFault(Vector.GeneralProtection, ssError);
  const ssAttributes = descriptorAttributes(ssEntry.high);
  if ((newSs & 3) !== rpl || !isWritableData(ssAttributes) || attributesDpl(ssAttributes) !== rpl) {
    throw new GuestFault(Vector.GeneralProtection, ssError);
  }
  if (!isPresent(ssAttributes)) throw new GuestFault(Vector.StackFault, ssError);
  if (maskedEip > codeLimit) throw new GuestFault(Vector.GeneralProtection, 0);
  markAccessed(cpu, codeEntry);
  markAccessed(cpu, ssEntry);
  loadCache(cpu, SegmentRegister.Cs, newCs, codeEntry.low, codeEntry.high);
  loadCache(cpu, SegmentRegister.Ss, newSs, ssEntry.low, ssEntry.high);
  const big = (ssAttributes & Attribute.Big) !== 0;
  const espValue = operandSize === 2 ? newEsp & 0xffff : newEsp;
  cpu.registers32[4] = big ? espValue : ((cpu.registers32[4] & 0xffff0000) | (espValue & 0xffff)) >>> 0;
  cpu.eip = maskedEip;
  cpu.setFlags(mergeEflags(eflags, poppedEflags, oldCpl, operandSize));
  cpu.cpl = rpl;
  nullInaccessibleDataSegments(cpu);
}

function returnToVirtual8086(
  cpu: SystemCpu,
  stack: StackCursor,
  eip: number,
  cs: number,
  eflags: number,
): void {
  const esp = stack.peek(4, 12);
  const ss = stack.peek(4, 16) & 0xffff;
  const es = stack.peek(4, 20) & 0xffff;
  const ds = stack.peek(4, 24) & 0xffff;
  const fs = stack.peek(4, 28) & 0xffff;
  const gs = stack.peek(4, 32) & 0xffff;
  cpu.setFlags(((eflags & 0x3f7fd5) | Eflags.Reserved1 | Eflags.Virtual8086) >>> 0);
  cpu.cpl = 3;
  for (const [index, selector] of [
    [SegmentRegister.Cs, cs],
    [SegmentRegister.Ss, ss],
    [SegmentRegister.Es, es],
    [SegmentRegister.Ds, ds],
    [SegmentRegister.Fs, fs],
    [SegmentRegister.Gs, gs],
  ] as const) {
    loadRealModeSegment(cpu, index, selector);
  }
  cpu.registers32[4] = esp;
  cpu.eip = eip & 0xffff;
}
