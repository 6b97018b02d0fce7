/** Why `Cpu.run` stopped, and the exit records monitors receive (VT-x-like controls). */

/** A guest-mode exit: `run` returned because an intercepted event happened. */
export type ExitRecord =
  /** INT n with n in `intercepts.softwareInterrupts`; EIP is after the INT instruction. */
  | { kind: 'software-interrupt'; vector: number }
  /** An exception in `intercepts.exceptions`; EIP is at the faulting instruction (traps: after it). */
  | { kind: 'exception'; vector: number; errorCode?: number; faultAddress?: number }
  /** HLT with `intercepts.hlt`; EIP is after HLT. */
  | { kind: 'hlt' }
  /**
   * IN/OUT/INS/OUTS with `intercepts.io`, one exit per port access. IN/OUT: EIP is after the
   * instruction; for `in`, put the value in AL/AX/EAX. INS/OUTS (`string`; `repeat` with REP):
   * see README "I/O exits" (`in`: EIP at the INS, give the value to `completeStringInput`).
   */
  | {
      kind: 'io';
      port: number;
      width: 1 | 2 | 4;
      direction: 'in' | 'out';
      value?: number;
      string?: boolean;
      repeat?: boolean;
    }
  /** CPUID with `intercepts.cpuid`; EIP is after it, the caller sets EAX/EBX/ECX/EDX. */
  | { kind: 'cpuid'; leaf: number; subleaf: number }
  /** RDMSR/WRMSR with `intercepts.msr`; EIP is after it (RDMSR: the caller sets EDX:EAX). */
  | { kind: 'msr'; direction: 'read' | 'write'; index: number; value?: bigint }
  /** A control-register access with `intercepts.controlRegisters`; EIP is at the instruction. */
  | { kind: 'control-register'; register: number; direction: 'read' | 'write' }
  /** INVLPG with `intercepts.invlpg`; EIP is after it. */
  | { kind: 'invlpg'; linearAddress: number }
  /** The host asked to stop (`Cpu.requestStop`). */
  | { kind: 'stop-request' };

/** Result of `Cpu.run`. */
export interface RunResult {
  /**
   * `budget`: the instruction budget is used up; `halt`: HLT with nothing to wake the CPU;
   * `exit`: an intercepted event (see `exit`); `triple-fault`: shutdown; `breakpoint`: EIP is at
   * an address in `cpu.breakpoints` (the next `run` executes that instruction).
   */
  reason: 'budget' | 'halt' | 'exit' | 'triple-fault' | 'breakpoint';
  /** Instructions retired during this call. */
  retired: number;
  /** The exit record when `reason` is `exit`. */
  exit?: ExitRecord;
}

/** The intercept controls of a CPU: what leaves `run` with an exit record instead of executing. */
export interface Intercepts {
  /** INT n vectors that exit (e.g. 0x80 for a Linux user-mode syscall layer). */
  softwareInterrupts: Set<number>;
  /** Exception vectors that exit instead of being delivered through the IDT. */
  exceptions: Set<number>;
  /** HLT exits. */
  hlt: boolean;
  /** IN/OUT/INS/OUTS exit, every element of a string I/O instruction included. */
  io: boolean;
  /** CPUID exits. */
  cpuid: boolean;
  /** RDMSR/WRMSR exit. */
  msr: boolean;
  /** MOV to/from CRn exits (implemented by src/system/). */
  controlRegisters: boolean;
  /** INVLPG exits (implemented by src/system/). */
  invlpg: boolean;
}

/** A fresh intercept set with nothing intercepted. */
export function createIntercepts(): Intercepts {
  return {
    softwareInterrupts: new Set(),
    exceptions: new Set(),
    hlt: false,
    io: false,
    cpuid: false,
    msr: false,
    controlRegisters: false,
    invlpg: false,
  };
}

/**
 * Thrown (as a singleton, no allocation) by a handler that must leave the run loop after it has
 * completed: an intercepted event or HLT. `cpu.pendingExit` says why.
 */
export class RunLoopStop {
  /** The singleton. */
  static readonly instance = new RunLoopStop();
  private constructor() {}
}
