/**
 * The x87 seam: D8-DF escapes and FWAIT go to src/fpu/ through an {@link FpuHost} over the Cpu.
 * Before touching a memory operand the FPU asks `checkMemoryOperand` to check all of it (segment
 * limit and rights, every page), so a faulting load or store changes nothing and restarts cleanly.
 */

import type { Cpu } from '../cpu/cpu.js';
import { Cr0, Flag, SegmentRegister } from '../cpu/registers.js';
import type { Instruction } from '../decoder/instruction.js';
import { effectiveAddress } from '../decoder/operands.js';
import { executeFpu, executeFwait, type FpuHost, type FpuInstruction, FpuOutcome } from '../fpu/index.js';

const ACCESS_READ = 0; // Access.Read
const ACCESS_WRITE = 2; // Access.Write

/** The FpuHost of one CPU (allocated once per CPU). */
export class CpuFpuHost implements FpuHost {
  private readonly cpu: Cpu;
  /** Reused instruction record (no allocation per escape). */
  readonly instruction: FpuInstruction = {
    opcode: 0,
    modrm: 0,
    address: 0,
    operandSize32: true,
    instructionPointer: 0,
    codeSelector: 0,
    dataOffset: 0,
    dataSelector: 0,
  };

  /** Segment of the current instruction's memory operand. */
  private segment = 0;
  /** Effective address (offset in `segment`) of the current instruction's memory operand. */
  private offset = 0;

  constructor(cpu: Cpu) {
    this.cpu = cpu;
  }

  /** Records the memory operand of the next escape; returns its linear address (not yet checked). */
  setMemoryOperand(segment: number, offset: number): number {
    this.segment = segment;
    this.offset = offset;
    return (this.cpu.segmentBase[segment] + offset) >>> 0;
  }

  /**
   * The whole operand against the segment (limit and rights: #GP, or #SS for SS) and every page
   * it touches (#PF), before the FPU reads or writes a byte of it.
   */
  checkMemoryOperand(_address: number, length: number, write: boolean): void {
    const cpu = this.cpu;
    const access = write ? ACCESS_WRITE : ACCESS_READ;
    const linear = cpu.linearAddress(this.segment, this.offset, length, access);
    cpu.translate(linear, access);
    const last = (linear + length - 1) >>> 0;
    if (last >>> 12 !== linear >>> 12) cpu.translate((last & ~0xfff) >>> 0, access);
  }

  probeWrite(address: number, length: number): void {
    const cpu = this.cpu;
    cpu.translate(address, ACCESS_WRITE);
    const last = (address + length - 1) >>> 0;
    if (last >>> 12 !== address >>> 12) cpu.translate((last & ~0xfff) >>> 0, ACCESS_WRITE);
  }
  read8(address: number): number {
    return this.cpu.readLinear8(address);
  }
  read16(address: number): number {
    return this.cpu.readLinear16(address);
  }
  read32(address: number): number {
    return this.cpu.readLinear32(address);
  }
  write8(address: number, value: number): void {
    this.cpu.writeLinear8(address, value);
  }
  write16(address: number, value: number): void {
    this.cpu.writeLinear16(address, value);
  }
  write32(address: number, value: number): void {
    this.cpu.writeLinear32(address, value);
  }
  readEflags(): number {
    return this.cpu.getFlags();
  }
  writeComparisonFlags(zero: boolean, parity: boolean, carry: boolean, setResult: boolean): void {
    // As the SDM and hardware: OF, SF, AF cleared; ZF, PF, CF from the compare unless an unmasked
    // #IA aborted it. QEMU 7.2 leaves OF, SF, AF (docs/decisions/2026-11-28-fcomi-flags.md).
    const cpu = this.cpu;
    cpu.materializeFlags();
    let flags = cpu.flagsValue & ~(Flag.Overflow | Flag.Sign | Flag.Adjust);
    if (!setResult) {
      cpu.flagsValue = flags;
      return;
    }
    flags &= ~(Flag.Zero | Flag.Parity | Flag.Carry);
    if (zero) flags |= Flag.Zero;
    if (parity) flags |= Flag.Parity;
    if (carry) flags |= Flag.Carry;
    cpu.flagsValue = flags;
  }
  writeAx(value: number): void {
    this.cpu.registers16[0] = value;
  }
  readCr0(): number {
    return this.cpu.cr0;
  }
  isRealOrVirtual8086(): boolean {
    return (this.cpu.cr0 & Cr0.ProtectionEnable) === 0 || (this.cpu.flagsValue & Flag.Virtual8086) !== 0;
  }
}

/** D8-DF: one x87 escape instruction. */
export function floatingPointEscape(cpu: Cpu, instruction: Instruction): void {
  const host = cpu.fpuHost;
  const record = host.instruction;
  record.opcode = instruction.opcode;
  record.modrm = (instruction.mod << 6) | (instruction.reg << 3) | instruction.rm;
  record.operandSize32 = instruction.operandSize32;
  record.instructionPointer = cpu.instructionStart;
  record.codeSelector = cpu.segmentSelector[SegmentRegister.Cs];
  if (instruction.mod !== 3) {
    const offset = effectiveAddress(cpu, instruction);
    record.dataOffset = offset;
    record.dataSelector = cpu.segmentSelector[instruction.segment];
    // Checked over the operand's full size by checkMemoryOperand once the FPU knows the format.
    record.address = host.setMemoryOperand(instruction.segment, offset);
  } else {
    record.address = 0;
  }
  const outcome = executeFpu(cpu.fpu, host, record);
  if (outcome !== FpuOutcome.Done) cpu.fault(outcome);
}

/** 9B FWAIT. */
export function floatingPointWait(cpu: Cpu): void {
  const outcome = executeFwait(cpu.fpu, cpu.fpuHost);
  if (outcome !== FpuOutcome.Done) cpu.fault(outcome);
}
