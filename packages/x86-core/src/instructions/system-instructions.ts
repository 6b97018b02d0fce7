/**
 * Core-owned glue for system instructions: operand decoding, intercepts and the privilege checks
 * that need the decoded instruction, then the architectural work in src/system/ (DESIGN.md).
 */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Cr4, Flag, Register } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { effectiveAddress, readRm, readRmForUpdate } from '../decoder/operands.js';
import {
  checkIoPermission,
  farCall,
  farJump,
  farReturn,
  interruptReturn,
  invalidatePage,
  loadAccessRights,
  loadLdt,
  loadSegmentLimit,
  loadTaskRegister,
  Msr,
  readDebugRegister,
  readMsr,
  sysenter as systemSysenter,
  sysexit as systemSysexit,
  timeStampCounterBase,
  verifySegment,
  writeControlRegister,
  writeDebugRegister,
  writeMsr,
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
  cpu.endChunk();
}

/** EA JMP Ap. */
export function jumpFarDirect(cpu: Cpu, instruction: Instruction): void {
  farJump(cpu, instruction.immediate2, instruction.immediate, instruction.operandSize);
  cpu.endChunk();
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
  cpu.endChunk();
}

/** FF /5 JMP Mp. */
export function jumpFarIndirect(cpu: Cpu, instruction: Instruction): void {
  const [selector, target] = readFarPointer(cpu, instruction);
  farJump(cpu, selector, target, instruction.operandSize);
  cpu.endChunk();
}

/** CB RETF, CA RETF Iw. */
export function returnFar(cpu: Cpu, instruction: Instruction): void {
  farReturn(cpu, instruction.operandSize, instruction.immediate);
  cpu.endChunk();
}

/** CF IRET / IRETD. */
export function interruptReturnHandler(cpu: Cpu, instruction: Instruction): void {
  interruptReturn(cpu, instruction.operandSize);
  cpu.endChunk();
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
  writeControlRegister(cpu, 0, ((cpu.cr0 & ~0xe) | (value & 0xf) | (cpu.cr0 & 1)) >>> 0);
  cpu.endChunk();
}

/** 0F 01 /7 INVLPG M. */
export function invalidatePageHandler(cpu: Cpu, instruction: Instruction): void {
  const offset = requireMemory(cpu, instruction);
  requirePrivilege0(cpu);
  const linear = (cpu.segmentBase[instruction.segment] + offset) >>> 0;
  if (cpu.intercepts.invlpg) cpu.exitWith({ kind: 'invlpg', linearAddress: linear });
  invalidatePage(cpu, linear);
  cpu.invalidateTranslations();
}

// ---------------------------------------------------------------- control and debug registers

/** 0F 20 MOV Rd,Cd. */
export function moveFromControlRegister(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  const index = instruction.reg;
  if (index > 4 || index === 1) cpu.fault(Vector.InvalidOpcode);
  if (cpu.intercepts.controlRegisters) {
    cpu.eip = cpu.instructionStart;
    cpu.exitWith({ kind: 'control-register', register: index, direction: 'read' });
  }
  const value = index === 0 ? cpu.cr0 : index === 2 ? cpu.cr2 : index === 3 ? cpu.cr3 : cpu.cr4;
  cpu.registers32[instruction.rm] = value >>> 0;
}

/** 0F 22 MOV Cd,Rd (checks and TLB flushes in src/system/). */
export function moveToControlRegister(cpu: Cpu, instruction: Instruction): void {
  requirePrivilege0(cpu);
  const index = instruction.reg;
  if (index > 4 || index === 1) cpu.fault(Vector.InvalidOpcode);
  if (cpu.intercepts.controlRegisters) {
    cpu.eip = cpu.instructionStart;
    cpu.exitWith({ kind: 'control-register', register: index, direction: 'write' });
  }
  writeControlRegister(cpu, index, cpu.registers32[instruction.rm]);
  cpu.endChunk();
}

/** 0F 21 MOV Rd,Dd (CPL, DR4/DR5 aliasing and DR7.GD in src/system/). */
export function moveFromDebugRegister(cpu: Cpu, instruction: Instruction): void {
  cpu.registers32[instruction.rm] = readDebugRegister(cpu, instruction.reg);
}

/** 0F 23 MOV Dd,Rd. */
export function moveToDebugRegister(cpu: Cpu, instruction: Instruction): void {
  writeDebugRegister(cpu, instruction.reg, cpu.registers32[instruction.rm]);
  cpu.endChunk();
}

/** 0F 06 CLTS. */
export function clearTaskSwitched(cpu: Cpu): void {
  requirePrivilege0(cpu);
  writeControlRegister(cpu, 0, (cpu.cr0 & ~Cr0.TaskSwitched) >>> 0);
}

/** 0F 08 INVD, 0F 09 WBINVD: no caches to manage (CPL 0). */
export function invalidateCaches(cpu: Cpu): void {
  requirePrivilege0(cpu);
}

// ---------------------------------------------------------------- LDT, TR, access rights

/** 0F 00 /0 SLDT, /1 STR: a register destination at 32-bit operand size is zero-extended. */
export function storeSystemSegment(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const selector = instruction.reg === 0 ? cpu.ldtrSelector : cpu.trSelector;
  if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, instruction.operandSize32 ? 4 : 2, selector);
  else cpu.write16(instruction.segment, effectiveAddress(cpu, instruction), selector);
}

/** 0F 00 /2 LLDT Ew. */
export function loadLdtHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  loadLdt(cpu, readRm(cpu, instruction, 2));
}

/** 0F 00 /3 LTR Ew. */
export function loadTaskRegisterHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  loadTaskRegister(cpu, readRm(cpu, instruction, 2));
}

function setZero(cpu: Cpu, zero: boolean): void {
  cpu.materializeFlags();
  cpu.flagsValue = zero ? cpu.flagsValue | Flag.Zero : cpu.flagsValue & ~Flag.Zero;
}

/** 0F 02 LAR Gv,Ew: ZF=1 and the access rights on success, else ZF=0 and the register kept. */
export function loadAccessRightsHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const rights = loadAccessRights(cpu, readRm(cpu, instruction, 2));
  if (rights < 0) {
    setZero(cpu, false);
    return;
  }
  const size = instruction.operandSize;
  cpu.writeGeneral(instruction.reg, size, size === 4 ? rights & 0x00ffff00 : rights & 0xff00);
  setZero(cpu, true);
}

/** 0F 03 LSL Gv,Ew. */
export function loadSegmentLimitHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const limit = loadSegmentLimit(cpu, readRm(cpu, instruction, 2));
  if (limit < 0) {
    setZero(cpu, false);
    return;
  }
  const size = instruction.operandSize;
  cpu.writeGeneral(instruction.reg, size, size === 4 ? limit >>> 0 : limit & 0xffff);
  setZero(cpu, true);
}

/** 0F 00 /4 VERR, /5 VERW. */
export function verifySegmentHandler(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  setZero(cpu, verifySegment(cpu, readRm(cpu, instruction, 2), instruction.reg === 5));
}

/** 63 ARPL Ew,Gw (protected mode only; #UD in real and v86 mode). */
export function adjustRequestedPrivilege(cpu: Cpu, instruction: Instruction): void {
  requireProtectedMode(cpu);
  const destination = readRmForUpdate(cpu, instruction, 2);
  const source = cpu.readGeneral(instruction.reg, 2);
  if ((destination & 3) < (source & 3)) {
    const adjusted = (destination & ~3) | (source & 3);
    if (instruction.mod === 3) cpu.writeGeneral(instruction.rm, 2, adjusted);
    else cpu.writeUpdated(2, adjusted);
    setZero(cpu, true);
  } else {
    setZero(cpu, false);
  }
}

// ---------------------------------------------------------------- CPUID, TSC, MSRs, SYSENTER

/**
 * CPUID leaf 1 EDX: FPU(0) DE(2) PSE(3) TSC(4) MSR(5) CX8(8) SEP(11) PGE(13) CMOV(15), and
 * APIC(9) when INTR comes from a local APIC that IA32_APIC_BASE enables (SDM vol. 3A 11.4.3:
 * a globally disabled APIC reads as absent).
 */
export function cpuidFeatureBits(cpu: Cpu): number {
  const apic = cpu.interrupts?.localApic;
  const apicBit = apic !== undefined && (apic.readBaseMsr() & 0x800) !== 0 ? 1 << 9 : 0;
  return (
    1 | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 8) | apicBit | (1 << 11) | (1 << 13) | (1 << 15)
  );
}

/** 0F A2 CPUID: GenuineIntel, family 6 model 3 stepping 3; leaves 0 and 1 (others return leaf 1, as Intel parts do). */
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
  // EBX bits 31-24: initial APIC id.
  registers[Register.Ebx] = ((cpu.interrupts?.localApic?.initialApicId ?? 0) & 0xff) << 24;
  registers[Register.Ecx] = 0;
  registers[Register.Edx] = cpuidFeatureBits(cpu);
}

/** The time-stamp counter: tscOffset + instructions retired (deterministic) or + `cpu.tscClock()`. */
export function readTimeStampCounter(cpu: Cpu): bigint {
  return BigInt.asUintN(64, cpu.tscOffset + timeStampCounterBase(cpu));
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

/**
 * 0F 33 RDPMC: the P6's two 40-bit counters (ECX = 0 or 1 reads PERFCTR0/1, MSRs 0xC1/0xC2).
 * #GP(0) for another index, or above CPL 0 in protected mode unless CR4.PCE is set. The counters
 * exist but do not count (see src/system/README.md), so this returns what was last written.
 */
export function rdpmc(cpu: Cpu): void {
  const protectedMode = (cpu.cr0 & Cr0.ProtectionEnable) !== 0;
  if (protectedMode && cpu.cpl !== 0 && (cpu.cr4 & Cr4.PerformanceCounterEnable) === 0) {
    cpu.fault(Vector.GeneralProtection, 0);
  }
  const index = cpu.registers32[Register.Ecx];
  if (index > 1) cpu.fault(Vector.GeneralProtection, 0);
  const value = (cpu.msrs.get(Msr.PerformanceCounter0 + index) ?? 0n) & 0xffffffffffn;
  cpu.registers32[Register.Eax] = Number(value & 0xffffffffn);
  cpu.registers32[Register.Edx] = Number(value >> 32n);
}

/** 0F 32 RDMSR (#GP(0) above CPL 0 or for an unknown MSR; the MSR set is src/system/'s). */
export function rdmsr(cpu: Cpu): void {
  requirePrivilege0(cpu);
  const index = cpu.registers32[Register.Ecx];
  if (cpu.intercepts.msr) cpu.exitWith({ kind: 'msr', direction: 'read', index });
  const value = readMsr(cpu, index);
  cpu.registers32[Register.Eax] = Number(value & 0xffffffffn);
  cpu.registers32[Register.Edx] = Number((value >> 32n) & 0xffffffffn);
}

/** 0F 30 WRMSR. */
export function wrmsr(cpu: Cpu): void {
  requirePrivilege0(cpu);
  const index = cpu.registers32[Register.Ecx];
  const value = (BigInt(cpu.registers32[Register.Edx]) << 32n) | BigInt(cpu.registers32[Register.Eax]);
  if (cpu.intercepts.msr) cpu.exitWith({ kind: 'msr', direction: 'write', index, value });
  writeMsr(cpu, index, value);
}

/** 0F 34 SYSENTER. */
export function sysenter(cpu: Cpu): void {
  systemSysenter(cpu);
  cpu.endChunk();
}

/** 0F 35 SYSEXIT. */
export function sysexit(cpu: Cpu): void {
  systemSysexit(cpu);
  cpu.endChunk();
}

/** The TSS I/O-permission-bitmap check (src/system/), called when CPL > IOPL or in v86 mode. */
export function checkIoBitmap(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
}
