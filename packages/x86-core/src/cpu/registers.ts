/** Register names, EFLAGS bits, control-register bits and memory-access kinds. */

/** General registers plus EIP and EFLAGS, as `Cpu.readRegister` / `writeRegister` take them. */
export const Register = {
  Eax: 0,
  Ecx: 1,
  Edx: 2,
  Ebx: 3,
  Esp: 4,
  Ebp: 5,
  Esi: 6,
  Edi: 7,
  Eip: 8,
  Eflags: 9,
} as const;
/** One of {@link Register}. */
export type RegisterName = (typeof Register)[keyof typeof Register];

/** Segment registers in their ModRM / SDM encoding order. */
export const SegmentRegister = {
  Es: 0,
  Cs: 1,
  Ss: 2,
  Ds: 3,
  Fs: 4,
  Gs: 5,
} as const;
/** One of {@link SegmentRegister}. */
export type SegmentRegisterName = (typeof SegmentRegister)[keyof typeof SegmentRegister];

/** EFLAGS bits. */
export const Flag = {
  Carry: 1 << 0,
  /** Bit 1 always reads as 1. */
  Reserved1: 1 << 1,
  Parity: 1 << 2,
  Adjust: 1 << 4,
  Zero: 1 << 6,
  Sign: 1 << 7,
  Trap: 1 << 8,
  Interrupt: 1 << 9,
  Direction: 1 << 10,
  Overflow: 1 << 11,
  /** I/O privilege level, two bits. */
  Iopl: 3 << 12,
  NestedTask: 1 << 14,
  Resume: 1 << 16,
  Virtual8086: 1 << 17,
  AlignmentCheck: 1 << 18,
  VirtualInterrupt: 1 << 19,
  VirtualInterruptPending: 1 << 20,
  Id: 1 << 21,
} as const;

/** The six arithmetic flags. */
export const ARITHMETIC_FLAGS =
  Flag.Carry | Flag.Parity | Flag.Adjust | Flag.Zero | Flag.Sign | Flag.Overflow;

/** CR0 bits. */
export const Cr0 = {
  ProtectionEnable: 1 << 0,
  MonitorCoprocessor: 1 << 1,
  Emulation: 1 << 2,
  TaskSwitched: 1 << 3,
  ExtensionType: 1 << 4,
  NumericError: 1 << 5,
  WriteProtect: 1 << 16,
  AlignmentMask: 1 << 18,
  NotWriteThrough: 1 << 29,
  CacheDisable: 1 << 30,
  Paging: 1 << 31,
} as const;

/** CR4 bits the i686 has. */
export const Cr4 = {
  Virtual8086Extensions: 1 << 0,
  ProtectedVirtualInterrupts: 1 << 1,
  TimeStampDisable: 1 << 2,
  DebuggingExtensions: 1 << 3,
  PageSizeExtensions: 1 << 4,
  PhysicalAddressExtension: 1 << 5,
  MachineCheckEnable: 1 << 6,
  PageGlobalEnable: 1 << 7,
  PerformanceCounterEnable: 1 << 8,
} as const;

/**
 * Kind of a linear memory access, passed to `translateLinear`. The bits are those of the #PF
 * error code so paging code can OR them in directly.
 */
export const Access = {
  Read: 0,
  /** Bit 1 of the #PF error code. */
  Write: 2,
  /** Bit 2 of the #PF error code: the access is made at CPL 3 (not an implicit supervisor access). */
  User: 4,
  /** Instruction fetch (bit 4 of the #PF error code; reported only with NX, which the i686 lacks). */
  Execute: 16,
} as const;

/** How an interrupt or exception arrives at `deliverInterrupt`. */
export const InterruptKind = {
  /** A fault or abort raised by the CPU (may push an error code). */
  Exception: 0,
  /** INT n (privilege-checked against the gate DPL; never an error code). */
  Software: 1,
  /** INTR from the interrupt controller. */
  External: 2,
  /** INT3 and INTO: traps raised by an instruction, gate DPL checked like INT n. */
  SoftwareException: 3,
  /** NMI. */
  NonMaskable: 4,
} as const;
