/**
 * Core-owned glue for system instructions: operand decoding, intercepts and the privilege checks
 * that need the decoded instruction, then the architectural work in src/system/ (DESIGN.md).
 * Functions marked FALLBACK implement the simple cases here until src/system/ exports its own;
 * they are replaced, not extended.
 */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Cr4, Flag, Register, SegmentRegister } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { effectiveAddress, readRm, readRmForUpdate } from '../decoder/operands.js';
import { farCall, farJump, farReturn } from '../system/far-transfer.js';
import {
  attributesDpl,
  descriptorAttributes,
  descriptorBase,
  descriptorLimit,
  interruptReturn,
  isConformingCode,
  isPresent,
  readDescriptor,
  readLinear,
  setBusy,
} from '../system/index.js';
import { Vector } from '../system/vectors.js';

function protectedMode(cpu: Cpu): boolean {
  return (cpu.cr0 & Cr0.ProtectionEnable) !== 0 && (cpu.flagsValue & Flag.Virtual8086) === 0;
}

/** #GP(0) unless at CPL 0 (real mode counts as CPL 0; v86 mode is CPL 3). */
function requirePrivilege0(cpu: Cpu): void {
  if ((cpu.cr0 & Cr0.ProtectionEnable) === 0) return;
  if (cpu.cpl !== 0 || (cpu.flagsValue & Flag.Virtual8086) !== 0) cpu.fault(Vector.GeneralProtection, 0);
}

/** #UD outside protected mode (LLDT, LTR, LAR, LSL, VERR, VERW, ARPL, SLDT, STR). */
function requireProtectedMode(cpu: Cpu): void {
  if (!protectedMode(cpu)) cpu.fault(Vector.InvalidOpcode);
}

function requireMemory(cpu: Cpu, instruction: Instruction): number {
  if (instruction.mod === 3) cpu.fault(Vector.InvalidOpcode);
  return effectiveAddress(cpu, instruction);
}

function offsetPlus(instruction: Instruction, offset: number, delta: number): number {
  return instruction.addressSize32 ? (offset + delta) >>> 0 : (offset + delta) & 0xffff;
}

// ---------------------------------------------------------------- far transfers

/** 9A CALL Ap. */
export function callFarDirect(cpu: Cpu, instruction: Instruction): void {
  farCall(cpu, instruction.immediate2, instruction.immediate, instruction.operandSize);
  cpu.chunkRemaining = 0;
}

/** EA JMP Ap. */
export function jumpFarDirect(cpu: Cpu, instruction: Instruction): void {
  farJump(cpu, instruction.immediate2, instruction.immediate, instruction.operandSize);
  cpu.chunkRemaining = 0;
}

function readFarPointer(cpu: Cpu, instruction: Instruction): [number, number] {
  const offset = requireMemory(cpu, instruction);
  const size = instruction.operandSize;
  const target = cpu.readSized(instruction.segment, offset, size);
  const selector = cpu.read16(instruction.segment, offsetPlus(instruction, offset, size));
  return [selector, target];
}

/** FF /3 CALL Mp. */
export function callFarIndirect(cpu: Cpu, instruction: Instruction): void {
  const [selector, target] = readFarPointer(cpu, instruction);
  farCall(cpu, selector, target, instruction.operandSize);
  cpu.chunkRemaining = 0;
}

/** FF /5 JMP Mp. */
export function jumpFarIndirect(cpu: Cpu, instruction: Instruction): void {
  const [selector, target] = readFarPointer(cpu, instruction);
  farJump(cpu, selector, target, instruction.operandSize);
  cpu.chunkRemaining = 0;
}

/** CB RETF, CA RETF Iw. */
export function returnFar(cpu: Cpu, instruction: Instruction): void {
  farReturn(cpu, instruction.operandSize, instruction.immediate);
  cpu.chunkRemaining = 0;
}

/** CF IRET / IRETD. */
export function interruptReturnHandler(cpu: Cpu, instruction: Instruction): void {
  interruptReturn(cpu, instruction.operandSize);
  cpu.chunkRemaining = 0;
}

// ---------------------------------------------------------------- descriptor tables (0F 01)

/** 0F 01 /0 SGDT, /1 SIDT: limit, then a 32-bit base (24 bits with a 16-bit operand size, as the 486 stores it with the top byte 0... P6 stores all 32). */
export function storeDescriptorTable(cpu: Cpu, instruction: Instruction): void {
  const offset = requireMemory(cpu, instruction);
  const idt = instruction.reg === 1;
  cpu.write16(instruction.segment, offset, idt ? cpu.idtrLimit : cpu.gdtrLimit);
  const base = idt ? cpu.idtrBase : cpu.gdtrBase;
  cpu.write32(
    instruction.segment,
    offsetPlus(instruction, offset, 2),
    instruction.operandSize32 ? base : base & 0x00ffffff,
  );
}

/** 0F 01 /2 LGDT, /3 LIDT (CPL 0). A 16-bit operand size loads a 24-bit base. */
export function loadDescriptorTable(cpu: Cpu, instruction: Instruction): void {
  const offset = requireMemory(cpu, instruction);
  requirePrivilege0(cpu);
  const limit = cpu.read16(instruction.segment, offset);
  let base = cpu.read32(instruction.segment, offsetPlus(instruction, offset, 2));
  if (!instruction.operandSize32) base &= 0x00ffffff;
  if (instruction.reg === 3) {
    cpu.idtrLimit = limit;
    cpu.idtrBase = base >>> 0;
  } else {
    cpu.gdtrLimit = limit;
    cpu.gdtrBase = base >>> 0;
  }
}

/** 0F 01 /4 SMSW Ew (a register destination at 32-bit operand size gets all of CR0). */
export function storeMachineStatusWord(cpu: Cpu, instruction: Instruction): void {
  if (instruction.mod === 3)
    cpu.writeGeneral(
      instruction.rm,
      instruction.operandSize32 ? 4 : 2,
      instruction.operandSize32 ? cpu.cr0 >>> 0 : cpu.cr0 & 0xffff,
    );
  else cpu.write16(instruction.segment, effectiveAddress(cpu, instruction), cpu.cr0 & 0xffff);
}

/** 0F 01 /6 LMSW Ew: loads PE, MP, EM, TS; PE cannot be cleared. */
export function loadMachineStatusWord(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  const value = readRm(cpu, instruction, 2);
  const cr0 = (cpu.cr0 & ~0xe) | (value & 0xf) | (cpu.cr0 & 1);
  writeControlRegister(cpu, 0, cr0);
}

/** 0F 01 /7 INVLPG M. */
export function invalidatePageHandler(cpu: Cpu, instruction: Instruction): void {
  const offset = requireMemory(cpu, instruction);
  requirePrivilege0(cpu);
  const linear = (cpu.segmentBase[instruction.segment] + offset) >>> 0;
  if (cpu.intercepts.invlpg) cpu.exitWith({ kind: 'invlpg', linearAddress: linear });
  cpu.mmu?.invalidatePage(linear);
  cpu.invalidateTranslations();
}

// ---------------------------------------------------------------- control and debug registers

/** Writes CRn with the architectural side effects (TLB flushes). */
export function writeControlRegister(cpu: Cpu, index: number, value: number): void {
  value >>>= 0;
  switch (index) {
    case 0: {
      if ((value & Cr0.Paging) !== 0 && (value & Cr0.ProtectionEnable) === 0)
        cpu.fault(Vector.GeneralProtection, 0);
      if ((value & Cr0.NotWriteThrough) !== 0 && (value & Cr0.CacheDisable) === 0)
        cpu.fault(Vector.GeneralProtection, 0);
      const changed = (cpu.cr0 ^ value) >>> 0;
      cpu.cr0 = (value | Cr0.ExtensionType) >>> 0;
      if ((changed & (Cr0.Paging | Cr0.WriteProtect | Cr0.ProtectionEnable)) !== 0) {
        cpu.mmu?.flushAll();
        cpu.invalidateTranslations();
      }
      cpu.chunkRemaining = 0;
      return;
    }
    case 2:
      cpu.cr2 = value;
      return;
    case 3:
      cpu.cr3 = value & 0xfffff018;
      cpu.mmu?.flushNonGlobal();
      cpu.invalidateTranslations();
      return;
    case 4: {
      // Bits this CPU implements: VME(0) PVI(1) are not; TSD DE PSE PGE PCE are. PAE/MCE are not.
      const supported =
        Cr4.TimeStampDisable |
        Cr4.DebuggingExtensions |
        Cr4.PageSizeExtensions |
        Cr4.PageGlobalEnable |
        Cr4.PerformanceCounterEnable;
      if ((value & ~supported) !== 0) cpu.fault(Vector.GeneralProtection, 0);
      cpu.cr4 = value;
      cpu.mmu?.flushAll();
      cpu.invalidateTranslations();
      return;
    }
    default:
      cpu.fault(Vector.InvalidOpcode);
  }
}

/** 0F 20 MOV Rd,Cd. */
export function moveFromControlRegister(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  const index = instruction.reg;
  if (cpu.intercepts.controlRegisters) {
    cpu.eip = cpu.instructionStart;
    cpu.exitWith({ kind: 'control-register', register: index, direction: 'read' });
  }
  const values = [cpu.cr0, -1, cpu.cr2, cpu.cr3, cpu.cr4];
  if (index > 4 || index === 1) cpu.fault(Vector.InvalidOpcode);
  cpu.registers32[instruction.rm] = values[index] >>> 0;
}

/** 0F 22 MOV Cd,Rd. */
export function moveToControlRegister(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  const index = instruction.reg;
  if (index > 4 || index === 1) cpu.fault(Vector.InvalidOpcode);
  if (cpu.intercepts.controlRegisters) {
    cpu.eip = cpu.instructionStart;
    cpu.exitWith({ kind: 'control-register', register: index, direction: 'write' });
  }
  writeControlRegister(cpu, index, cpu.registers32[instruction.rm]);
}

/** 0F 21 MOV Rd,Dd (DR4/DR5 alias DR6/DR7 unless CR4.DE, then #UD). */
export function moveFromDebugRegister(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  let index = instruction.reg;
  if (index === 4 || index === 5) {
    if ((cpu.cr4 & Cr4.DebuggingExtensions) !== 0) cpu.fault(Vector.InvalidOpcode);
    index += 2;
  }
  cpu.registers32[instruction.rm] = cpu.debugRegisters[index];
}

/** 0F 23 MOV Dd,Rd. */
export function moveToDebugRegister(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  let index = instruction.reg;
  if (index === 4 || index === 5) {
    if ((cpu.cr4 & Cr4.DebuggingExtensions) !== 0) cpu.fault(Vector.InvalidOpcode);
    index += 2;
  }
  let value = cpu.registers32[instruction.rm];
  if (index === 6) value = (value | 0xffff0ff0) >>> 0;
  else if (index === 7) value = ((value | 0x400) & ~0xd000) >>> 0;
  cpu.debugRegisters[index] = value;
}

/** 0F 06 CLTS. */
export function clearTaskSwitched(cpu: Cpu): void {
  requirePrivilege0(cpu);
  cpu.cr0 = (cpu.cr0 & ~Cr0.TaskSwitched) >>> 0;
}

/** 0F 08 INVD, 0F 09 WBINVD: no caches to manage (CPL 0). */
export function invalidateCaches(cpu: Cpu): void {
  requirePrivilege0(cpu);
}

// ---------------------------------------------------------------- LDT, TR, access rights (FALLBACK)

/** 0F 00 /0 SLDT, /1 STR: a register destination at 32-bit operand size is zero-extended. */
export function storeSystemSegment(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const selector = instruction.reg === 0 ? cpu.ldtrSelector : cpu.trSelector;
  if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, instruction.operandSize32 ? 4 : 2, selector);
  else cpu.write16(instruction.segment, effectiveAddress(cpu, instruction), selector);
}

/** 0F 00 /2 LLDT Ew. FALLBACK until src/system/ exports loadLdt. */
export function loadLdtHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  requirePrivilege0(cpu);
  const selector = readRm(cpu, instruction, 2);
  if ((selector & 0xfffc) === 0) {
    cpu.ldtrSelector = selector;
    cpu.ldtrBase = 0;
    cpu.ldtrLimit = 0;
    cpu.ldtrFlags = 0;
    return;
  }
  if ((selector & 4) !== 0) cpu.fault(Vector.GeneralProtection, selector & 0xfffc);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) cpu.fault(Vector.GeneralProtection, selector & 0xfffc);
  const attributes = descriptorAttributes(entry.high);
  if ((attributes & 0x1f00) !== 0x0200) cpu.fault(Vector.GeneralProtection, selector & 0xfffc);
  if (!isPresent(attributes)) cpu.fault(Vector.SegmentNotPresent, selector & 0xfffc);
  cpu.ldtrSelector = selector;
  cpu.ldtrBase = descriptorBase(entry.low, entry.high);
  cpu.ldtrLimit = descriptorLimit(entry.low, entry.high);
  cpu.ldtrFlags = attributes;
}

/** 0F 00 /3 LTR Ew: loads an available TSS and marks it busy. FALLBACK until src/system/ exports loadTaskRegister. */
export function loadTaskRegisterHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  requirePrivilege0(cpu);
  const selector = readRm(cpu, instruction, 2);
  if ((selector & 0xfffc) === 0 || (selector & 4) !== 0)
    cpu.fault(Vector.GeneralProtection, selector & 0xfffc);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) cpu.fault(Vector.GeneralProtection, selector & 0xfffc);
  const attributes = descriptorAttributes(entry.high);
  const type = (attributes >>> 8) & 0x1f;
  if (type !== 0x01 && type !== 0x09) cpu.fault(Vector.GeneralProtection, selector & 0xfffc);
  if (!isPresent(attributes)) cpu.fault(Vector.SegmentNotPresent, selector & 0xfffc);
  setBusy(cpu, selector, true);
  cpu.trSelector = selector;
  cpu.trBase = descriptorBase(entry.low, entry.high);
  cpu.trLimit = descriptorLimit(entry.low, entry.high);
  cpu.trFlags = attributes | 0x200;
}

/** The descriptor of `selector` when LAR/LSL/VERR/VERW may see it, else undefined (ZF=0). */
function visibleDescriptor(
  cpu: Cpu,
  selector: number,
): { low: number; high: number; attributes: number } | undefined {
  if ((selector & 0xfffc) === 0) return undefined;
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) return undefined;
  const attributes = descriptorAttributes(entry.high);
  const isSystem = (attributes & 0x1000) === 0;
  const dpl = attributesDpl(attributes);
  if (!isSystem && isConformingCode(attributes)) return { low: entry.low, high: entry.high, attributes };
  if (dpl < cpu.cpl || dpl < (selector & 3)) return undefined;
  return { low: entry.low, high: entry.high, attributes };
}

function setZero(cpu: Cpu, zero: boolean): void {
  cpu.materializeFlags();
  cpu.flagsValue = zero ? cpu.flagsValue | 0x40 : cpu.flagsValue & ~0x40;
}

/** System descriptor types LAR accepts (LSL accepts the same minus gates). */
const LAR_SYSTEM_TYPES = new Set([1, 2, 3, 4, 5, 9, 11, 12]);
const LSL_SYSTEM_TYPES = new Set([1, 2, 3, 9, 11]);

/** 0F 02 LAR Gv,Ew. FALLBACK until src/system/ exports loadAccessRights. */
export function loadAccessRightsHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const descriptor = visibleDescriptor(cpu, readRm(cpu, instruction, 2));
  if (
    descriptor === undefined ||
    ((descriptor.attributes & 0x1000) === 0 && !LAR_SYSTEM_TYPES.has((descriptor.attributes >>> 8) & 0xf))
  ) {
    setZero(cpu, false);
    return;
  }
  const size = instruction.operandSize;
  cpu.writeGeneral(
    instruction.reg,
    size,
    size === 4 ? descriptor.high & 0x00ffff00 : descriptor.high & 0xff00,
  );
  setZero(cpu, true);
}

/** 0F 03 LSL Gv,Ew. FALLBACK until src/system/ exports loadSegmentLimit. */
export function loadSegmentLimitHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const descriptor = visibleDescriptor(cpu, readRm(cpu, instruction, 2));
  if (
    descriptor === undefined ||
    ((descriptor.attributes & 0x1000) === 0 && !LSL_SYSTEM_TYPES.has((descriptor.attributes >>> 8) & 0xf))
  ) {
    setZero(cpu, false);
    return;
  }
  const size = instruction.operandSize;
  cpu.writeGeneral(
    instruction.reg,
    size,
    descriptorLimit(descriptor.low, descriptor.high) & (size === 4 ? 0xffffffff : 0xffff),
  );
  setZero(cpu, true);
}

/** 0F 00 /4 VERR, /5 VERW. FALLBACK until src/system/ exports verifySegment. */
export function verifySegmentHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const write = instruction.reg === 5;
  const selector = readRm(cpu, instruction, 2);
  const descriptor = visibleDescriptor(cpu, selector);
  if (descriptor === undefined || (descriptor.attributes & 0x1000) === 0) {
    setZero(cpu, false);
    return;
  }
  const code = (descriptor.attributes & 0x800) !== 0;
  const readableOrWritable = (descriptor.attributes & 0x200) !== 0;
  setZero(cpu, write ? !code && readableOrWritable : !code || readableOrWritable);
}

/** 63 ARPL Ew,Gw (protected mode only; #UD in real and v86 mode). */
export function adjustRequestedPrivilege(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const destination = readRmForUpdate(cpu, instruction, 2);
  const source = cpu.readGeneral(instruction.reg, 2);
  cpu.materializeFlags();
  if ((destination & 3) < (source & 3)) {
    if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, 2, (destination & ~3) | (source & 3));
    else cpu.writeUpdated(2, (destination & ~3) | (source & 3));
    cpu.flagsValue |= 0x40;
  } else {
    cpu.flagsValue &= ~0x40;
  }
}

// ---------------------------------------------------------------- CPUID, TSC, MSRs, SYSENTER

/** CPUID leaf 1 EDX: FPU(0, when an x87 is attached) DE(2) PSE(3) TSC(4) MSR(5) CX8(8) SEP(11) PGE(13) CMOV(15). */
export function cpuidFeatureBits(cpu: Cpu): number {
  return (
    (cpu.fpu !== null ? 1 : 0) |
    (1 << 2) |
    (1 << 3) |
    (1 << 4) |
    (1 << 5) |
    (1 << 8) |
    (1 << 11) |
    (1 << 13) |
    (1 << 15)
  );
}

/** 0F A2 CPUID: GenuineIntel, family 6 model 3 stepping 3; only leaves 0 and 1 (others return leaf 1, as Intel parts do). */
export function cpuid(cpu: Cpu): void {
  const registers = cpu.registers32;
  const leaf = registers[Register.Eax];
  if (cpu.intercepts.cpuid) cpu.exitWith({ kind: 'cpuid', leaf, subleaf: registers[Register.Ecx] });
  if (leaf === 0) {
    registers[Register.Eax] = 1;
    registers[Register.Ebx] = 0x756e6547; // "Genu"
    registers[Register.Edx] = 0x49656e69; // "ineI"
    registers[Register.Ecx] = 0x6c65746e; // "ntel"
    return;
  }
  registers[Register.Eax] = 0x00000633;
  registers[Register.Ebx] = 0;
  registers[Register.Ecx] = 0;
  registers[Register.Edx] = cpuidFeatureBits(cpu);
}

/** The time-stamp counter: tscOffset + instructions retired (deterministic). */
export function readTimeStampCounter(cpu: Cpu): bigint {
  return BigInt.asUintN(64, cpu.tscOffset + BigInt(cpu.instructionsRetired));
}

/** 0F 31 RDTSC (#GP(0) with CR4.TSD above CPL 0). */
export function rdtsc(cpu: Cpu): void {
  if ((cpu.cr4 & Cr4.TimeStampDisable) !== 0 && (cpu.cr0 & Cr0.ProtectionEnable) !== 0 && cpu.cpl !== 0) {
    cpu.fault(Vector.GeneralProtection, 0);
  }
  const value = readTimeStampCounter(cpu);
  cpu.registers32[Register.Eax] = Number(value & 0xffffffffn);
  cpu.registers32[Register.Edx] = Number(value >> 32n);
}

/** 0F 33 RDPMC: no performance counters: #GP(0). */
export function rdpmc(cpu: Cpu): void {
  cpu.fault(Vector.GeneralProtection, 0);
}

/** MSRs this CPU has. */
export const Msr = {
  TimeStampCounter: 0x10,
  ApicBase: 0x1b,
  BiosSignId: 0x8b,
  SysenterCs: 0x174,
  SysenterEsp: 0x175,
  SysenterEip: 0x176,
  MiscEnable: 0x1a0,
} as const;

const KNOWN_MSRS = new Set<number>([
  Msr.TimeStampCounter,
  Msr.ApicBase,
  Msr.BiosSignId,
  Msr.SysenterCs,
  Msr.SysenterEsp,
  Msr.SysenterEip,
  Msr.MiscEnable,
  0x17, // IA32_PLATFORM_ID
  0x2a, // EBL_CR_POWERON
  0x79, // BIOS_UPDT_TRIG
  0xfe, // MTRRcap (reads 0: no MTRRs reported)
]);

/** 0F 32 RDMSR (#GP(0) above CPL 0 or for an unknown MSR). */
export function rdmsr(cpu: Cpu): void {
  requirePrivilege0(cpu);
  const index = cpu.registers32[Register.Ecx];
  if (cpu.intercepts.msr) cpu.exitWith({ kind: 'msr', direction: 'read', index });
  if (!KNOWN_MSRS.has(index)) cpu.fault(Vector.GeneralProtection, 0);
  const value = index === Msr.TimeStampCounter ? readTimeStampCounter(cpu) : (cpu.msrs.get(index) ?? 0n);
  cpu.registers32[Register.Eax] = Number(value & 0xffffffffn);
  cpu.registers32[Register.Edx] = Number((value >> 32n) & 0xffffffffn);
}

/** 0F 30 WRMSR. */
export function wrmsr(cpu: Cpu): void {
  requirePrivilege0(cpu);
  const index = cpu.registers32[Register.Ecx];
  const value = (BigInt(cpu.registers32[Register.Edx]) << 32n) | BigInt(cpu.registers32[Register.Eax]);
  if (cpu.intercepts.msr) cpu.exitWith({ kind: 'msr', direction: 'write', index, value });
  if (!KNOWN_MSRS.has(index)) cpu.fault(Vector.GeneralProtection, 0);
  if (index === Msr.TimeStampCounter) cpu.tscOffset = value - BigInt(cpu.instructionsRetired);
  else cpu.msrs.set(index, value);
}

function msr32(cpu: Cpu, index: number): number {
  return Number((cpu.msrs.get(index) ?? 0n) & 0xffffffffn);
}

/** 0F 34 SYSENTER: to CPL 0 with flat segments from SYSENTER_CS (#GP(0) in real mode or with CS MSR 0). */
export function sysenter(cpu: Cpu): void {
  const cs = msr32(cpu, Msr.SysenterCs) & 0xfffc;
  if ((cpu.cr0 & Cr0.ProtectionEnable) === 0 || cs === 0) cpu.fault(Vector.GeneralProtection, 0);
  cpu.setFlags(cpu.getFlags() & ~(Flag.Virtual8086 | Flag.Interrupt | Flag.Resume));
  cpu.cpl = 0;
  cpu.setSegmentCache(SegmentRegister.Cs, cs, 0, 0xffffffff, 0x00cf9b00);
  cpu.setSegmentCache(SegmentRegister.Ss, cs + 8, 0, 0xffffffff, 0x00cf9300);
  cpu.registers32[Register.Esp] = msr32(cpu, Msr.SysenterEsp);
  cpu.eip = msr32(cpu, Msr.SysenterEip);
  cpu.chunkRemaining = 0;
}

/** 0F 35 SYSEXIT: to CPL 3 at EDX with ESP = ECX (#GP(0) above CPL 0, in real mode or with CS MSR 0). */
export function sysexit(cpu: Cpu): void {
  const cs = msr32(cpu, Msr.SysenterCs) & 0xfffc;
  if ((cpu.cr0 & Cr0.ProtectionEnable) === 0 || cs === 0 || cpu.cpl !== 0)
    cpu.fault(Vector.GeneralProtection, 0);
  cpu.cpl = 3;
  cpu.setSegmentCache(SegmentRegister.Cs, (cs + 16) | 3, 0, 0xffffffff, 0x00cffb00);
  cpu.setSegmentCache(SegmentRegister.Ss, (cs + 24) | 3, 0, 0xffffffff, 0x00cff300);
  cpu.registers32[Register.Esp] = cpu.registers32[Register.Ecx];
  cpu.eip = cpu.registers32[Register.Edx];
  cpu.chunkRemaining = 0;
}

// ---------------------------------------------------------------- I/O permission (FALLBACK)

/** The TSS I/O-permission-bitmap check (#GP(0) when any bit of the access is set or outside the TSS). */
export function checkIoBitmap(cpu: Cpu, port: number, size: number): void {
  const busy32 = ((cpu.trFlags >>> 8) & 0xf) === 0xb;
  if (!busy32 || cpu.trLimit < 0x67) cpu.fault(Vector.GeneralProtection, 0);
  const bitmapOffset = readLinear(cpu, cpu.trBase + 0x66, 2);
  const byteOffset = bitmapOffset + (port >>> 3);
  if (byteOffset + 1 > cpu.trLimit) cpu.fault(Vector.GeneralProtection, 0);
  const bits = readLinear(cpu, cpu.trBase + byteOffset, 2);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) cpu.fault(Vector.GeneralProtection, 0);
}
