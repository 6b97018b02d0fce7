/**
 * The interfaces devices and backends implement to attach to the machine. Devices import these
 * types only, never the CPU class (ARCHITECTURE.md, "who may import whom").
 */

/** Access width in bytes of a port or MMIO access. */
export type AccessWidth = 1 | 2 | 4;

/** A device on the 64 Ki I/O port space, addressed by its offset within the range the board maps. */
export interface PortIo {
  /** Reads `width` bytes at `offset`; a device returns all-ones for offsets it does not decode. */
  read(offset: number, width: AccessWidth): number;
  /** Writes the low `width` bytes of `value` at `offset`; unknown offsets are ignored and counted. */
  write(offset: number, width: AccessWidth, value: number): void;
}

/** A memory-mapped device, addressed by the offset within the region the board maps. */
export interface MmioDevice {
  read(offset: number, width: AccessWidth): number;
  write(offset: number, width: AccessWidth, value: number): void;
}

/** One interrupt line from a device to an interrupt controller. */
export interface IrqLine {
  raise(): void;
  lower(): void;
}

/** Where the CPU asks for a pending external interrupt (the PIC or APIC side of INTR). */
export interface InterruptSource {
  /** True when an interrupt is pending for the CPU. */
  hasInterrupt(): boolean;
  /** Acknowledges the highest-priority pending interrupt and returns its vector (0-255). */
  acknowledge(): number;
  /**
   * Present when INTR comes from this processor's local APIC: CPUID leaf 1 then reports the
   * APIC (EDX bit 9, while IA32_APIC_BASE enables it) and its initial id, and RDMSR/WRMSR of
   * IA32_APIC_BASE (0x1B) reach the APIC.
   */
  readonly localApic?: LocalApicLink;
}

/** What the CPU itself needs of its local APIC (besides INTR): CPUID's view and IA32_APIC_BASE. */
export interface LocalApicLink {
  /** Initial APIC id (CPUID leaf 1 EBX bits 31-24). */
  readonly initialApicId: number;
  /** IA32_APIC_BASE bits 31-0 (bits 63-32 are zero: 32-bit physical addresses). */
  readBaseMsr(): number;
  /** WRMSR IA32_APIC_BASE bits 31-0; false refuses the value and the CPU raises #GP(0). */
  writeBaseMsr(value: number): boolean;
}

/** Virtual time, in nanoseconds. Models never read the host clock; the machine passes time in. */
export interface Clock {
  now(): number;
}

/** Mask of the valid bits of an access of `width` bytes. */
export function widthMask(width: AccessWidth): number {
  return width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
}
