/**
 * System instructions (Intel SDM vol. 2): MOV to CR0/CR2/CR3/CR4 and DR0-DR7, INVLPG, LTR,
 * LLDT, LAR, LSL, VERR, VERW, RDMSR/WRMSR for the MSRs Linux touches, SYSENTER/SYSEXIT and the
 * TSS I/O permission bitmap check. The core's glue (src/instructions/) decodes operands and
 * calls these; each repeats the privilege check it needs, so a wrong call cannot bypass it.
 */

import {
  Attribute,
  attributesDpl,
  descriptorAttributes,
  descriptorBase,
  descriptorLimit,
  isCodeOrData,
  isConformingCode,
  isReadable,
  isWritableData,
  SystemType,
} from './descriptor.js';
import { GuestFault } from './fault.js';
import { readLinear, writeLinear } from './linear.js';
import { readDescriptor } from './segmentation.js';
import { Cr0, Cr4, Eflags, isProtectedMode, SegmentRegister, type SystemCpu } from './system-cpu.js';
import { mmuOf } from './system-cpu-mmu.js';
import { Vector } from './vectors.js';

/** CR0 bits software may change (ET reads as 1 on the i686). */
const CR0_WRITABLE =
  Cr0.ProtectionEnable |
  Cr0.MonitorCoprocessor |
  Cr0.Emulation |
  Cr0.TaskSwitched |
  Cr0.NumericError |
  Cr0.WriteProtect |
  Cr0.AlignmentMask |
  Cr0.NotWriteThrough |
  Cr0.CacheDisable |
  Cr0.Paging;

/**
 * CR4 bits this CPU implements (matching CPUID leaf 1: DE, PSE, PGE; TSD and PCE need no CPUID
 * bit). VME, PVI, PAE and MCE are not implemented, so setting them is #GP(0) like any reserved bit.
 */
export const CR4_SUPPORTED =
  Cr4.TimeStampDisable |
  Cr4.DebuggingExtensions |
  Cr4.PageSizeExtensions |
  Cr4.PageGlobalEnable |
  Cr4.PerformanceCounterEnable;

function requireRing0(cpu: SystemCpu): void {
  if (cpu.cpl !== 0 || (cpu.getFlags() & Eflags.Virtual8086) !== 0)
    throw new GuestFault(Vector.GeneralProtection, 0);
}

function requireProtectedMode(cpu: SystemCpu): void {
  if (!isProtectedMode(cpu) || (cpu.getFlags() & Eflags.Virtual8086) !== 0)
    throw new GuestFault(Vector.InvalidOpcode);
}

/**
 * MOV CRn, r32 (also LMSW/CLTS through CR0). #GP(0) at CPL > 0, for PG without PE, NW without
 * CD, or reserved CR4 bits; #UD for CR1 and CR5-7. Flushes the TLB as the SDM requires.
 */
export function writeControlRegister(cpu: SystemCpu, index: number, value: number): void {
  requireRing0(cpu);
  value >>>= 0;
  const mmu = mmuOf(cpu);
  switch (index) {
    case 0: {
      if ((value & Cr0.Paging) !== 0 && (value & Cr0.ProtectionEnable) === 0) {
        throw new GuestFault(Vector.GeneralProtection, 0);
      }
      if ((value & Cr0.NotWriteThrough) !== 0 && (value & Cr0.CacheDisable) === 0) {
        throw new GuestFault(Vector.GeneralProtection, 0);
      }
      const newValue = ((value & CR0_WRITABLE) | Cr0.ExtensionType) >>> 0;
      mmu.syncControl(cpu.cr0, cpu.cr3, cpu.cr4);
      cpu.cr0 = newValue;
      mmu.writeCr0(newValue);
      cpu.invalidateTranslations();
      return;
    }
    case 2:
      cpu.cr2 = value;
      return;
    case 3:
      cpu.cr3 = value;
      mmu.syncControl(cpu.cr0, value, cpu.cr4);
      mmu.writeCr3(value);
      cpu.invalidateTranslations();
      return;
    case 4: {
      if ((value & ~CR4_SUPPORTED) !== 0) throw new GuestFault(Vector.GeneralProtection, 0);
      mmu.syncControl(cpu.cr0, cpu.cr3, cpu.cr4);
      cpu.cr4 = value;
      mmu.writeCr4(value);
      cpu.invalidateTranslations();
      return;
    }
    default:
      throw new GuestFault(Vector.InvalidOpcode);
  }
}

/**
 * MOV DRn, r32. #GP(0) at CPL > 0; DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD); with DR7.GD
 * set the access raises #DB with DR6.BD. DR6/DR7 reserved bits read as the SDM fixes them.
 */
export function writeDebugRegister(cpu: SystemCpu, index: number, value: number): void {
  requireRing0(cpu);
  const resolved = resolveDebugRegister(cpu, index);
  value >>>= 0;
  if (resolved === 6) cpu.debugRegisters[6] = ((value & 0x0000e00f) | 0xffff0ff0) >>> 0;
  else if (resolved === 7) cpu.debugRegisters[7] = ((value & 0xffff2bff) | 0x400) >>> 0;
  else cpu.debugRegisters[resolved] = value;
}

/** MOV r32, DRn (same checks as {@link writeDebugRegister}). */
export function readDebugRegister(cpu: SystemCpu, index: number): number {
  requireRing0(cpu);
  return cpu.debugRegisters[resolveDebugRegister(cpu, index)] >>> 0;
}

function resolveDebugRegister(cpu: SystemCpu, index: number): number {
  if (index === 4 || index === 5) {
    if ((cpu.cr4 & Cr4.DebuggingExtensions) !== 0) throw new GuestFault(Vector.InvalidOpcode);
    index += 2;
  }
  if ((cpu.debugRegisters[7] & 0x2000) !== 0) {
    cpu.debugRegisters[6] = (cpu.debugRegisters[6] | 0x2000) >>> 0; // BD
    cpu.debugRegisters[7] = (cpu.debugRegisters[7] & ~0x2000) >>> 0;
    throw new GuestFault(Vector.Debug);
  }
  return index & 7;
}

/** INVLPG m: drops the translation of the page holding `linear` (global or not). */
export function invalidatePage(cpu: SystemCpu, linear: number): void {
  requireRing0(cpu);
  mmuOf(cpu).invalidatePage(linear >>> 0);
  cpu.invalidateTranslations();
}

/** LTR r/m16: loads TR from an available TSS descriptor in the GDT and marks it busy. */
export function loadTaskRegister(cpu: SystemCpu, selector: number): void {
  requireProtectedMode(cpu);
  requireRing0(cpu);
  selector &= 0xffff;
  const error = selector & 0xfffc;
  if (error === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  if ((selector & 4) !== 0) throw new GuestFault(Vector.GeneralProtection, error);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) throw new GuestFault(Vector.GeneralProtection, error);
  const type = (entry.high >>> 8) & 0x1f;
  if (type !== SystemType.Tss16Available && type !== SystemType.Tss32Available) {
    throw new GuestFault(Vector.GeneralProtection, error);
  }
  if ((entry.high & Attribute.Present) === 0) throw new GuestFault(Vector.SegmentNotPresent, error);
  const busyHigh = (entry.high | (2 << 8)) >>> 0;
  writeLinear(cpu, entry.address + 5, 1, (busyHigh >>> 8) & 0xff);
  cpu.trSelector = selector;
  cpu.trBase = descriptorBase(entry.low, busyHigh);
  cpu.trLimit = descriptorLimit(entry.low, busyHigh);
  cpu.trFlags = descriptorAttributes(busyHigh);
}

/** LLDT r/m16: a null selector makes LDTR unusable; otherwise an LDT descriptor in the GDT. */
export function loadLdt(cpu: SystemCpu, selector: number): void {
  requireProtectedMode(cpu);
  requireRing0(cpu);
  selector &= 0xffff;
  const error = selector & 0xfffc;
  if (error === 0) {
    cpu.ldtrSelector = selector;
    cpu.ldtrBase = 0;
    cpu.ldtrLimit = 0;
    cpu.ldtrFlags = 0;
    return;
  }
  if ((selector & 4) !== 0) throw new GuestFault(Vector.GeneralProtection, error);
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined || ((entry.high >>> 8) & 0x1f) !== SystemType.Ldt) {
    throw new GuestFault(Vector.GeneralProtection, error);
  }
  if ((entry.high & Attribute.Present) === 0) throw new GuestFault(Vector.SegmentNotPresent, error);
  cpu.ldtrSelector = selector;
  cpu.ldtrBase = descriptorBase(entry.low, entry.high);
  cpu.ldtrLimit = descriptorLimit(entry.low, entry.high);
  cpu.ldtrFlags = descriptorAttributes(entry.high);
}

/** System types LAR accepts (TSSs, LDT, call and task gates). */
const LAR_SYSTEM_TYPES = new Set<number>([1, 2, 3, 4, 5, 9, 11, 12]);
/** System types LSL accepts (TSSs and LDT). */
const LSL_SYSTEM_TYPES = new Set<number>([1, 2, 3, 9, 11]);

/** Reads a descriptor for LAR/LSL/VERR/VERW; undefined when the selector is unusable or not visible. */
function visibleDescriptor(cpu: SystemCpu, selector: number, systemTypes: Set<number> | null) {
  if ((selector & 0xfffc) === 0) return undefined;
  const entry = readDescriptor(cpu, selector);
  if (entry === undefined) return undefined;
  const attributes = descriptorAttributes(entry.high);
  if (isCodeOrData(attributes)) {
    if (!isConformingCode(attributes)) {
      const dpl = attributesDpl(attributes);
      if (dpl < cpu.cpl || dpl < (selector & 3)) return undefined;
    }
    return entry;
  }
  if (systemTypes === null || !systemTypes.has((attributes >>> 8) & 0xf)) return undefined;
  const dpl = attributesDpl(attributes);
  if (dpl < cpu.cpl || dpl < (selector & 3)) return undefined;
  return entry;
}

/**
 * LAR: the access rights (`high & 0x00f0ff00`) of the descriptor `selector` names, or -1 when
 * LAR must clear ZF. #UD outside protected mode.
 */
export function loadAccessRights(cpu: SystemCpu, selector: number): number {
  requireProtectedMode(cpu);
  const entry = visibleDescriptor(cpu, selector & 0xffff, LAR_SYSTEM_TYPES);
  return entry === undefined ? -1 : (entry.high & 0x00f0ff00) >>> 0;
}

/** LSL: the byte-granular limit, or -1 when LSL must clear ZF. */
export function loadSegmentLimit(cpu: SystemCpu, selector: number): number {
  requireProtectedMode(cpu);
  const entry = visibleDescriptor(cpu, selector & 0xffff, LSL_SYSTEM_TYPES);
  return entry === undefined ? -1 : descriptorLimit(entry.low, entry.high);
}

/** VERR (`write` false) / VERW (`write` true): true when ZF must be set. */
export function verifySegment(cpu: SystemCpu, selector: number, write: boolean): boolean {
  requireProtectedMode(cpu);
  const entry = visibleDescriptor(cpu, selector & 0xffff, null);
  if (entry === undefined) return false;
  const attributes = descriptorAttributes(entry.high);
  return write ? isWritableData(attributes) : isReadable(attributes);
}

/** MSR numbers this CPU implements. */
export const Msr = {
  TimeStampCounter: 0x10,
  PlatformId: 0x17,
  ApicBase: 0x1b,
  PowerOnConfiguration: 0x2a,
  BiosUpdateTrigger: 0x79,
  BiosSignatureId: 0x8b,
  PerformanceCounter0: 0xc1,
  PerformanceCounter1: 0xc2,
  MtrrCapabilities: 0xfe,
  SysenterCs: 0x174,
  SysenterEsp: 0x175,
  SysenterEip: 0x176,
  MachineCheckCapabilities: 0x179,
  MachineCheckStatus: 0x17a,
  EventSelect0: 0x186,
  EventSelect1: 0x187,
  MiscEnable: 0x1a0,
  PageAttributeTable: 0x277,
  MtrrDefaultType: 0x2ff,
} as const;

/** Reset values of the implemented MSRs (others are #GP). */
const MSR_DEFAULTS = new Map<number, bigint>([
  [Msr.PlatformId, 0n],
  [Msr.ApicBase, 0xfee00900n],
  [Msr.PowerOnConfiguration, 0n],
  [Msr.BiosUpdateTrigger, 0n],
  [Msr.BiosSignatureId, 0n],
  [Msr.PerformanceCounter0, 0n],
  [Msr.PerformanceCounter1, 0n],
  [Msr.MtrrCapabilities, 0n],
  [Msr.SysenterCs, 0n],
  [Msr.SysenterEsp, 0n],
  [Msr.SysenterEip, 0n],
  [Msr.MachineCheckCapabilities, 0n],
  [Msr.MachineCheckStatus, 0n],
  [Msr.EventSelect0, 0n],
  [Msr.EventSelect1, 0n],
  [Msr.MiscEnable, 1n],
  [Msr.PageAttributeTable, 0x0007040600070406n],
  [Msr.MtrrDefaultType, 0n],
]);

/** MSRs whose writes #GP (read-only). */
const READ_ONLY_MSRS = new Set<number>([
  Msr.PlatformId,
  Msr.PowerOnConfiguration,
  Msr.MtrrCapabilities,
  Msr.MachineCheckCapabilities,
]);

const MASK64 = (1n << 64n) - 1n;

/** What the TSC counts: retired instructions (deterministic), or the CPU's `tscClock` when set. */
export function timeStampCounterBase(cpu: SystemCpu): bigint {
  const clock = cpu.tscClock;
  return BigInt(clock ? Math.floor(clock()) : cpu.instructionsRetired);
}

/** RDMSR: the 64-bit value of MSR `index`; #GP(0) at CPL > 0 or for an unknown MSR. */
export function readMsr(cpu: SystemCpu, index: number): bigint {
  requireRing0(cpu);
  index >>>= 0;
  if (index === Msr.TimeStampCounter) return (cpu.tscOffset + timeStampCounterBase(cpu)) & MASK64;
  const apic = cpu.interrupts?.localApic;
  if (index === Msr.ApicBase && apic !== undefined) return BigInt(apic.readBaseMsr() >>> 0);
  const stored = cpu.msrs.get(index);
  if (stored !== undefined) return stored;
  const initial = MSR_DEFAULTS.get(index);
  if (initial === undefined) throw new GuestFault(Vector.GeneralProtection, 0);
  return initial;
}

/** WRMSR; #GP(0) at CPL > 0, for unknown or read-only MSRs and invalid PAT/MTRR values. */
export function writeMsr(cpu: SystemCpu, index: number, value: bigint): void {
  requireRing0(cpu);
  index >>>= 0;
  value &= MASK64;
  if (index === Msr.TimeStampCounter) {
    cpu.tscOffset = value - timeStampCounterBase(cpu);
    return;
  }
  const apic = cpu.interrupts?.localApic;
  if (index === Msr.ApicBase && apic !== undefined) {
    // Bits 63-32 are reserved (32-bit physical addresses); the APIC refuses what it cannot do.
    if (value >> 32n !== 0n || !apic.writeBaseMsr(Number(value)))
      throw new GuestFault(Vector.GeneralProtection, 0);
    return;
  }
  if (!MSR_DEFAULTS.has(index) || READ_ONLY_MSRS.has(index))
    throw new GuestFault(Vector.GeneralProtection, 0);
  if (index === Msr.PageAttributeTable) {
    for (let entry = 0n; entry < 8n; entry++) {
      const type = (value >> (entry * 8n)) & 0xffn;
      if (type === 2n || type === 3n || type > 7n) throw new GuestFault(Vector.GeneralProtection, 0);
    }
  }
  if (index === Msr.MtrrDefaultType && (value & ~0xcffn) !== 0n)
    throw new GuestFault(Vector.GeneralProtection, 0);
  if (index === Msr.BiosSignatureId) value = 0n;
  cpu.msrs.set(index, value);
}

const FLAT_LIMIT = 0xffffffff;
/** Flat 32-bit code (type 0xB, S, P, D, G) and data (type 0x3, S, P, B, G) attributes. */
const FLAT_CODE = 0x00c09b00;
const FLAT_DATA = 0x00c09300;

/** SYSENTER: to ring 0 at SYSENTER_CS:SYSENTER_EIP, stack SYSENTER_CS+8:SYSENTER_ESP. */
export function sysenter(cpu: SystemCpu): void {
  const cs = Number(readMsrRaw(cpu, Msr.SysenterCs) & 0xffffn);
  if (!isProtectedMode(cpu) || (cs & 0xfffc) === 0) throw new GuestFault(Vector.GeneralProtection, 0);
  cpu.setFlags(cpu.getFlags() & ~(Eflags.Virtual8086 | Eflags.Interrupt | Eflags.Resume));
  cpu.cpl = 0;
  cpu.setSegmentCache(SegmentRegister.Cs, cs & 0xfffc, 0, FLAT_LIMIT, FLAT_CODE);
  cpu.setSegmentCache(SegmentRegister.Ss, (cs + 8) & 0xfffc, 0, FLAT_LIMIT, FLAT_DATA);
  cpu.registers32[4] = Number(readMsrRaw(cpu, Msr.SysenterEsp) & 0xffffffffn);
  cpu.eip = Number(readMsrRaw(cpu, Msr.SysenterEip) & 0xffffffffn);
}

/** SYSEXIT: to ring 3 at (SYSENTER_CS+16)|3 : EDX, stack (SYSENTER_CS+24)|3 : ECX. */
export function sysexit(cpu: SystemCpu): void {
  const cs = Number(readMsrRaw(cpu, Msr.SysenterCs) & 0xffffn);
  if (
    !isProtectedMode(cpu) ||
    cpu.cpl !== 0 ||
    (cpu.getFlags() & Eflags.Virtual8086) !== 0 ||
    (cs & 0xfffc) === 0
  ) {
    throw new GuestFault(Vector.GeneralProtection, 0);
  }
  cpu.cpl = 3;
  cpu.setSegmentCache(SegmentRegister.Cs, ((cs + 16) & 0xfffc) | 3, 0, FLAT_LIMIT, FLAT_CODE | (3 << 13));
  cpu.setSegmentCache(SegmentRegister.Ss, ((cs + 24) & 0xfffc) | 3, 0, FLAT_LIMIT, FLAT_DATA | (3 << 13));
  cpu.registers32[4] = cpu.registers32[1];
  cpu.eip = cpu.registers32[2];
}

function readMsrRaw(cpu: SystemCpu, index: number): bigint {
  return cpu.msrs.get(index) ?? MSR_DEFAULTS.get(index) ?? 0n;
}

/**
 * The TSS I/O permission bitmap check for an access of `size` bytes at `port` (the core calls
 * it when CPL > IOPL or in v86 mode): #GP(0) unless TR is a 32-bit TSS whose bitmap covers the
 * port with all `size` bits clear.
 */
export function checkIoPermission(cpu: SystemCpu, port: number, size: number): void {
  const type = (cpu.trFlags >>> 8) & 0xf;
  if ((type !== SystemType.Tss32Available && type !== SystemType.Tss32Busy) || cpu.trLimit < 0x67) {
    throw new GuestFault(Vector.GeneralProtection, 0);
  }
  const bitmapBase = readLinear(cpu, cpu.trBase + 0x66, 2);
  const byteOffset = bitmapBase + (port >>> 3);
  if (byteOffset + 1 > cpu.trLimit) throw new GuestFault(Vector.GeneralProtection, 0);
  const bits = readLinear(cpu, cpu.trBase + byteOffset, 2);
  const mask = ((1 << size) - 1) << (port & 7);
  if ((bits & mask) !== 0) throw new GuestFault(Vector.GeneralProtection, 0);
}
