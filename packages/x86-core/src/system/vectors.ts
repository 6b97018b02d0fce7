/**
 * Exception vectors of the i686 and their classes (Intel SDM vol. 3A, 6.3 and table 6-5), as
 * xv6's `traps.h` lists them: one named constant per vector, commented.
 */

/** Architectural exception vectors (0-31 are reserved by Intel; 20-31 unused on the i686). */
export const Vector = {
  /** #DE: DIV/IDIV by zero or quotient overflow. Fault. */
  DivideError: 0,
  /** #DB: debug (single step, breakpoints, task-switch T bit). Fault or trap. */
  Debug: 1,
  /** NMI: non-maskable external interrupt. */
  NonMaskableInterrupt: 2,
  /** #BP: INT3. Trap. */
  Breakpoint: 3,
  /** #OF: INTO with OF=1. Trap. */
  Overflow: 4,
  /** #BR: BOUND range exceeded. Fault. */
  BoundRange: 5,
  /** #UD: invalid opcode. Fault. */
  InvalidOpcode: 6,
  /** #NM: device not available (x87 with CR0.TS or CR0.EM). Fault. */
  DeviceNotAvailable: 7,
  /** #DF: double fault; error code always 0. Abort. */
  DoubleFault: 8,
  /** Coprocessor segment overrun (386 only; never raised by an i686). */
  CoprocessorSegmentOverrun: 9,
  /** #TS: invalid TSS; error code = selector. Fault. */
  InvalidTss: 10,
  /** #NP: segment not present; error code = selector. Fault. */
  SegmentNotPresent: 11,
  /** #SS: stack-segment fault; error code = selector or 0. Fault. */
  StackFault: 12,
  /** #GP: general protection; error code = selector or 0. Fault. */
  GeneralProtection: 13,
  /** #PF: page fault; error code = P/W/U/RSVD bits, faulting address in CR2. Fault. */
  PageFault: 14,
  /** #MF: x87 floating-point error (CR0.NE=1). Fault. */
  FloatingPointError: 16,
  /** #AC: alignment check (CR0.AM, EFLAGS.AC, CPL 3); error code 0. Fault. */
  AlignmentCheck: 17,
  /** #MC: machine check. Abort. */
  MachineCheck: 18,
  /** #XM: SIMD floating-point (not raised: no SSE). Fault. */
  SimdFloatingPoint: 19,
} as const;

/** One of the named exception vectors. */
export type VectorNumber = (typeof Vector)[keyof typeof Vector];

/** Vectors that push an error code when raised as exceptions (never for INT n or external). */
export function exceptionHasErrorCode(vector: number): boolean {
  return (
    vector === Vector.DoubleFault ||
    (vector >= Vector.InvalidTss && vector <= Vector.PageFault) ||
    vector === Vector.AlignmentCheck
  );
}

/** Double-fault classes of SDM table 6-4. */
export const ExceptionClass = {
  /** #DB, NMI, #BP, #OF, #BR, #UD, #NM, #MF, #AC, #MC, INTR, INT n: never combine into #DF. */
  Benign: 0,
  /** #DE, #TS, #NP, #SS, #GP. */
  Contributory: 1,
  /** #PF. */
  PageFault: 2,
  /** #DF itself: another contributory or page fault while delivering it is a triple fault. */
  DoubleFault: 3,
} as const;

/** The double-fault class of `vector` (SDM table 6-4). */
export function exceptionClass(vector: number): number {
  switch (vector) {
    case Vector.DivideError:
    case Vector.InvalidTss:
    case Vector.SegmentNotPresent:
    case Vector.StackFault:
    case Vector.GeneralProtection:
      return ExceptionClass.Contributory;
    case Vector.PageFault:
      return ExceptionClass.PageFault;
    case Vector.DoubleFault:
      return ExceptionClass.DoubleFault;
    default:
      return ExceptionClass.Benign;
  }
}

/**
 * What happens when `second` is raised while the CPU delivers `first` (SDM table 6-5):
 * `'serial'` = deliver the second one normally, `'double'` = deliver #DF, `'triple'` = shutdown.
 */
export function combineExceptions(first: number, second: number): 'serial' | 'double' | 'triple' {
  const firstClass = exceptionClass(first);
  const secondClass = exceptionClass(second);
  if (firstClass === ExceptionClass.DoubleFault) {
    return secondClass === ExceptionClass.Contributory || secondClass === ExceptionClass.PageFault
      ? 'triple'
      : 'serial';
  }
  if (firstClass === ExceptionClass.Contributory && secondClass === ExceptionClass.Contributory)
    return 'double';
  if (
    firstClass === ExceptionClass.PageFault &&
    (secondClass === ExceptionClass.Contributory || secondClass === ExceptionClass.PageFault)
  ) {
    return 'double';
  }
  return 'serial';
}
