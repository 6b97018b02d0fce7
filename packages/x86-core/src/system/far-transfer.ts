/**
 * Far JMP, CALL and RET (Intel SDM vol. 2 "JMP", "CALL", "RET" operation sections; vol. 3A 5.8):
 * direct transfers to code segments (conforming and not), call gates with the privilege change
 * through the TSS and parameter copy, task gates and TSS descriptors (task switch), returns to
 * the same and to an outer privilege level. Real and virtual-8086 mode load CS as selector * 16.
 *
 * `cpu.eip` must already point after the instruction (the return address of CALL).
 */

import {
  attributesDpl,
  descriptorAttributes,
  descriptorBase,
  descriptorLimit,
  gateOffset,
  gateParameterCount,
  gateSelector,
  isCode,
  isConformingCode,
  isPresent,
  isWritableData,
  SystemType,
} from './descriptor.js';
import { GuestFault } from './fault.js';
import { readTssStack } from './interrupts.js';
import {
  type DescriptorEntry,
  loadCache,
  loadRealModeSegment,
  markAccessed,
  nullInaccessibleDataSegments,
  readDescriptor,
} from './segmentation.js';
import { StackCursor } from './stack-frame.js';
import { Eflags, isProtectedMode, SegmentRegister, type SystemCpu } from './system-cpu.js';
import { switchTask, TaskSwitchReason } from './task-switch.js';
import { Vector } from './vectors.js';

function isRealOrVirtual8086(cpu: SystemCpu): boolean {
  return !isProtectedMode(cpu) || (cpu.getFlags() & Eflags.Virtual8086) !== 0;
}

function maskOffset(offset: number, operandSize: number): number {
  return operandSize === 2 ? offset & 0xffff : offset >>> 0;
}

/** Checks a direct (non-gate) transfer target for JMP/CALL; returns its entry. */
function checkDirectCode(cpu: SystemCpu, selector: number, entry: DescriptorEntry): void {
  const attributes = descriptorAttributes(entry.high);
  const error = selector & 0xfffc;
  const dpl = attributesDpl(attributes);
  if (isConformingCode(attributes)) {
    if (dpl > cpu.cpl) throw new GuestFault(Vector.GeneralProtection, error);
  } else if ((selector & 3) > cpu.cpl || dpl !== cpu.cpl) {
    throw new GuestFault(Vector.GeneralProtection, error);
  }
  if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, error);
}

/** Reads and checks the code segment a call gate points at. */
function gateTarget(cpu: SystemCpu, low: number): { selector: number; entry: DescriptorEntry } {
  const selector = gateSelector(low);
  const error = selector & 0xfffc;
  if (error === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, error);
  const attributes = descriptorAttributes(entry.high);
  if (!isCode(attributes) || attributesDpl(attributes) > cpu.cpl)
    throw new GuestFault(Vector.GeneralProtection, error);
  if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, error);
  return { selector, entry };
}

/** Checks a system descriptor (gate or TSS) named by a far JMP/CALL: DPL >= CPL and >= RPL, present. */
function checkSystemTarget(cpu: SystemCpu, selector: number, high: number): void {
  const dpl = (high >>> 13) & 3;
  const error = selector & 0xfffc;
  if (dpl < cpu.cpl || dpl < (selector & 3)) throw new GuestFault(Vector.GeneralProtection, error);
  if ((high & 0x8000) === 0) throw new GuestFault(Vector.SegmentNotPresent, error);
}

function taskGateTarget(low: number): number {
  const tssSelector = gateSelector(low);
  if ((tssSelector & 4) !== 0) throw new GuestFault(Vector.GeneralProtection, tssSelector & 0xfffc);
  return tssSelector;
}

/** JMP ptr16:16/32 and JMP m16:16/32. */
export function farJump(cpu: SystemCpu, selector: number, offset: number, operandSize: number): void {
  selector &= 0xffff;
  if (isRealOrVirtual8086(cpu)) {
    loadRealModeSegment(cpu, SegmentRegister.Cs, selector);
    cpu.eip = maskOffset(offset, operandSize);
    return;
  }
  const error = selector & 0xfffc;
  if (error === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, error);
  const attributes = descriptorAttributes(entry.high);
  if (isCode(attributes)) {
    checkDirectCode(cpu, selector, entry);
    const target = maskOffset(offset, operandSize);
    if (target > descriptorLimit(entry.low, entry.high)) throw new GuestFault(Vector.GeneralProtection, 0);
    markAccessed(cpu, entry);
    loadCache(cpu, SegmentRegister.Cs, (selector & 0xfffc) | cpu.cpl, entry.low, entry.high);
    cpu.eip = target;
    return;
  }
  const type = (entry.high >>> 8) & 0x1f;
  switch (type) {
    case SystemType.CallGate16:
    case SystemType.CallGate32: {
      checkSystemTarget(cpu, selector, entry.high);
      const target = gateTarget(cpu, entry.low);
      const targetAttributes = descriptorAttributes(target.entry.high);
      if (!isConformingCode(targetAttributes) && attributesDpl(targetAttributes) !== cpu.cpl) {
        throw new GuestFault(Vector.GeneralProtection, target.selector & 0xfffc);
      }
      const gateEip = type === SystemType.CallGate32 ? gateOffset(entry.low, entry.high) : entry.low & 0xffff;
      if (gateEip > descriptorLimit(target.entry.low, target.entry.high)) {
        throw new GuestFault(Vector.GeneralProtection, 0);
      }
      markAccessed(cpu, target.entry);
      loadCache(
        cpu,
        SegmentRegister.Cs,
        (target.selector & 0xfffc) | cpu.cpl,
        target.entry.low,
        target.entry.high,
      );
      cpu.eip = gateEip;
      return;
    }
    case SystemType.TaskGate:
      checkSystemTarget(cpu, selector, entry.high);
      switchTask(cpu, taskGateTarget(entry.low), TaskSwitchReason.Jump, 0);
      return;
    case SystemType.Tss16Available:
    case SystemType.Tss32Available:
      checkSystemTarget(cpu, selector, entry.high);
      switchTask(cpu, selector, TaskSwitchReason.Jump, 0);
      return;
    default:
      throw new GuestFault(Vector.GeneralProtection, error);
  }
}

/** CALL ptr16:16/32 and CALL m16:16/32. */
export function farCall(cpu: SystemCpu, selector: number, offset: number, operandSize: number): void {
  selector &= 0xffff;
  const returnCs = cpu.segmentSelector[SegmentRegister.Cs];
  const returnEip = cpu.eip;
  if (isRealOrVirtual8086(cpu)) {
    const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
    stack.push(operandSize, returnCs);
    stack.push(operandSize, returnEip);
    cpu.registers32[4] = stack.esp;
    loadRealModeSegment(cpu, SegmentRegister.Cs, selector);
    cpu.eip = maskOffset(offset, operandSize);
    return;
  }
  const error = selector & 0xfffc;
  if (error === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, error);
  const attributes = descriptorAttributes(entry.high);
  if (isCode(attributes)) {
    checkDirectCode(cpu, selector, entry);
    const target = maskOffset(offset, operandSize);
    const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
    stack.checkPush(operandSize * 2);
    if (target > descriptorLimit(entry.low, entry.high)) throw new GuestFault(Vector.GeneralProtection, 0);
    stack.push(operandSize, returnCs);
    stack.push(operandSize, returnEip);
    markAccessed(cpu, entry);
    cpu.registers32[4] = stack.esp;
    loadCache(cpu, SegmentRegister.Cs, (selector & 0xfffc) | cpu.cpl, entry.low, entry.high);
    cpu.eip = target;
    return;
  }
  const type = (entry.high >>> 8) & 0x1f;
  switch (type) {
    case SystemType.CallGate16:
    case SystemType.CallGate32:
      checkSystemTarget(cpu, selector, entry.high);
      callThroughGate(cpu, entry, type === SystemType.CallGate32 ? 4 : 2, returnCs, returnEip);
      return;
    case SystemType.TaskGate:
      checkSystemTarget(cpu, selector, entry.high);
      switchTask(cpu, taskGateTarget(entry.low), TaskSwitchReason.Call, 0);
      return;
    case SystemType.Tss16Available:
    case SystemType.Tss32Available:
      checkSystemTarget(cpu, selector, entry.high);
      switchTask(cpu, selector, TaskSwitchReason.Call, 0);
      return;
    default:
      throw new GuestFault(Vector.GeneralProtection, error);
  }
}

function callThroughGate(
  cpu: SystemCpu,
  gate: DescriptorEntry,
  size: number,
  returnCs: number,
  returnEip: number,
): void {
  const target = gateTarget(cpu, gate.low);
  const targetAttributes = descriptorAttributes(target.entry.high);
  const targetDpl = attributesDpl(targetAttributes);
  const targetLimit = descriptorLimit(target.entry.low, target.entry.high);
  const gateEip = size === 4 ? gateOffset(gate.low, gate.high) : gate.low & 0xffff;
  if (!isConformingCode(targetAttributes) && targetDpl < cpu.cpl) {
    // More privileged: switch to the inner stack from the TSS and copy the parameters.
    const { ss, esp } = readTssStack(cpu, targetDpl, 0);
    const ssError = ss & 0xfffc;
    if (ssError === 0) throw new GuestFault(Vector.InvalidTss, 0);
    const ssEntry = readDescriptor(cpu, ss);
    if (ssEntry === undefined) throw new GuestFault(Vector.InvalidTss, ssError);
    const ssAttributes = descriptorAttributes(ssEntry.high);
    if (
      (ss & 3) !== targetDpl ||
      attributesDpl(ssAttributes) !== targetDpl ||
      !isWritableData(ssAttributes)
    ) {
      throw new GuestFault(Vector.InvalidTss, ssError);
    }
    if (!isPresent(ssAttributes)) throw new GuestFault(Vector.StackFault, ssError);
    const parameterCount = gateParameterCount(gate.high);
    const oldStack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
    const parameters: number[] = [];
    for (let index = parameterCount - 1; index >= 0; index--)
      parameters.push(oldStack.peek(size, index * size));
    const stack = new StackCursor(cpu).reset(
      descriptorBase(ssEntry.low, ssEntry.high),
      descriptorLimit(ssEntry.low, ssEntry.high),
      ssAttributes,
      esp,
      ssError,
      targetDpl === 3,
    );
    stack.checkPush((4 + parameterCount) * size);
    if (gateEip > targetLimit) throw new GuestFault(Vector.GeneralProtection, 0);
    stack.push(size, cpu.segmentSelector[SegmentRegister.Ss]);
    stack.push(size, cpu.registers32[4]);
    for (const value of parameters) stack.push(size, value);
    stack.push(size, returnCs);
    stack.push(size, returnEip);
    markAccessed(cpu, ssEntry);
    markAccessed(cpu, target.entry);
    loadCache(cpu, SegmentRegister.Ss, ss, ssEntry.low, ssEntry.high);
    cpu.registers32[4] = stack.esp;
    cpu.cpl = targetDpl;
    loadCache(
      cpu,
      SegmentRegister.Cs,
      (target.selector & 0xfffc) | targetDpl,
      target.entry.low,
      target.entry.high,
    );
    cpu.eip = gateEip;
    return;
  }
  const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
  stack.checkPush(size * 2);
  if (gateEip > targetLimit) throw new GuestFault(Vector.GeneralProtection, 0);
  stack.push(size, returnCs);
  stack.push(size, returnEip);
  markAccessed(cpu, target.entry);
  cpu.registers32[4] = stack.esp;
  loadCache(
    cpu,
    SegmentRegister.Cs,
    (target.selector & 0xfffc) | cpu.cpl,
    target.entry.low,
    target.entry.high,
  );
  cpu.eip = gateEip;
}

/** RET far (CB) and RET far imm16 (CA): `popBytes` is the immediate. */
export function farReturn(cpu: SystemCpu, operandSize: number, popBytes: number): void {
  const stack = new StackCursor(cpu).fromSegment(SegmentRegister.Ss, 0, cpu.cpl === 3);
  const newEip = maskOffset(stack.peek(operandSize, 0), operandSize);
  const newCs = stack.peek(operandSize, operandSize) & 0xffff;
  if (isRealOrVirtual8086(cpu)) {
    if (newEip > cpu.segmentLimit[SegmentRegister.Cs]) throw new GuestFault(Vector.GeneralProtection, 0);
    stack.skip(operandSize * 2 + popBytes);
    cpu.registers32[4] = stack.esp;
    loadRealModeSegment(cpu, SegmentRegister.Cs, newCs);
    cpu.eip = newEip;
    return;
  }
  const error = newCs & 0xfffc;
  if (error === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const entry = readDescriptor(cpu, newCs);
  if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, error);
  const attributes = descriptorAttributes(entry.high);
  const rpl = newCs & 3;
  const dpl = attributesDpl(attributes);
  if (!isCode(attributes) || rpl < cpu.cpl) throw new GuestFault(Vector.GeneralProtection, error);
  if (isConformingCode(attributes) ? dpl > rpl : dpl !== rpl)
    throw new GuestFault(Vector.GeneralProtection, error);
  if (!isPresent(attributes)) throw new GuestFault(Vector.SegmentNotPresent, error);
  const limit = descriptorLimit(entry.low, entry.high);
  if (rpl === cpu.cpl) {
    if (newEip > limit) throw new GuestFault(Vector.GeneralProtection, 0);
    stack.skip(operandSize * 2 + popBytes);
    markAccessed(cpu, entry);
    cpu.registers32[4] = stack.esp;
    loadCache(cpu, SegmentRegister.Cs, newCs, entry.low, entry.high);
    cpu.eip = newEip;
    return;
  }
  const newEsp = stack.peek(operandSize, operandSize * 2 + popBytes);
  const newSs = stack.peek(operandSize, operandSize * 3 + popBytes) & 0xffff;
  const ssError = newSs & 0xfffc;
  if (ssError === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  const ssEntry = readDescriptor(cpu, newSs);
  if (ssEntry === undefined) throw new GuestFault(Vector.GeneralProtection, ssError);
  const ssAttributes = descriptorAttributes(ssEntry.high);
  if ((newSs & 3) !== rpl || !isWritableData(ssAttributes) || attributesDpl(ssAttributes) !== rpl) {
    throw new GuestFault(Vector.GeneralProtection, ssError);
  }
  if (!isPresent(ssAttributes)) throw new GuestFault(Vector.StackFault, ssError);
  if (newEip > limit) throw new GuestFault(Vector.GeneralProtection, 0);
  markAccessed(cpu, entry);
  markAccessed(cpu, ssEntry);
  loadCache(cpu, SegmentRegister.Cs, newCs, entry.low, entry.high);
  loadCache(cpu, SegmentRegister.Ss, newSs, ssEntry.low, ssEntry.high);
  const big = (ssAttributes & (1 << 22)) !== 0;
  const esp = operandSize === 2 ? newEsp & 0xffff : newEsp;
  const adjusted = (esp + popBytes) >>> 0;
  cpu.registers32[4] = big ? adjusted : ((cpu.registers32[4] & 0xffff0000) | (adjusted & 0xffff)) >>> 0;
  cpu.eip = newEip;
  cpu.cpl = rpl;
  nullInaccessibleDataSegments(cpu);
}
