/**
 * The `Backend` interface a third party implements to provide VMI, and the minimal machine-side
 * interfaces a backend sees. These are TYPES only: vmi-spec depends on nothing, and the runner
 * adapts its CPU and memory (x86-core) to them (docs/decisions/2026-11-28-x86-core-layout.md uses
 * the same shapes: registers by name, physical memory with ROM regions, intercepts that leave
 * `run()` with a typed exit record).
 */
import type { BuiltVmiRom } from './rom-builder.js';

/** The version of this interface a backend implements (as AI SDK providers declare theirs). */
export const BACKEND_SPECIFICATION_VERSION = 'openvmi-backend-v1' as const;

/** Registers a backend may read and write. */
export type BackendRegister =
  | 'eax'
  | 'ebx'
  | 'ecx'
  | 'edx'
  | 'esi'
  | 'edi'
  | 'ebp'
  | 'esp'
  | 'eip'
  | 'eflags'
  | 'cr0'
  | 'cr2'
  | 'cr3'
  | 'cr4';

/** The guest's register file as a backend sees it. Values are unsigned 32-bit numbers. */
export interface BackendRegisterFile {
  read(register: BackendRegister): number;
  write(register: BackendRegister, value: number): void;
}

/** Guest physical memory. Out-of-range accesses are the machine's to handle (never a host crash). */
export interface BackendGuestMemory {
  /** Size of RAM in bytes. */
  readonly size: number;
  read8(physicalAddress: number): number;
  read16(physicalAddress: number): number;
  read32(physicalAddress: number): number;
  write8(physicalAddress: number, value: number): void;
  write16(physicalAddress: number, value: number): void;
  write32(physicalAddress: number, value: number): void;
  /** Maps `bytes` read-only at `physicalAddress` (how an option ROM appears). */
  mapRom(physicalAddress: number, bytes: Uint8Array): void;
}

/** The kinds of exits a monitor can ask the CPU for (a subset of x86-core's exit records). */
export type BackendExitKind =
  | 'software-interrupt'
  | 'exception'
  | 'hlt'
  | 'io'
  | 'cpuid'
  | 'msr'
  | 'control-register';

/**
 * A port access, one exit per access. `out`: `value` is what the guest wrote. `in`: the backend
 * answers with `BackendMachine.completeInput(exit, value)` before resuming. `string`: an element
 * of INS/OUTS (`repeat` with a REP prefix; the machine exits again for the next element).
 */
export interface BackendIoExit {
  readonly kind: 'io';
  readonly port: number;
  readonly width: 1 | 2 | 4;
  readonly direction: 'in' | 'out';
  readonly value?: number;
  readonly string?: boolean;
  readonly repeat?: boolean;
}

/** One exit from guest execution, as the machine reports it to the backend that asked for it. */
export type BackendExit =
  | { readonly kind: 'software-interrupt'; readonly vector: number }
  | {
      readonly kind: 'exception';
      readonly vector: number;
      readonly errorCode?: number;
      readonly faultAddress?: number;
    }
  | { readonly kind: 'hlt' }
  | BackendIoExit
  | { readonly kind: 'cpuid' }
  | { readonly kind: 'msr'; readonly direction: 'read' | 'write' }
  | {
      readonly kind: 'control-register';
      readonly register: 0 | 2 | 3 | 4;
      readonly direction: 'read' | 'write';
    };

/** Where a backend registers the exits it wants. */
export interface BackendInterceptRegistry {
  softwareInterrupts: { add(vector: number): void };
  exceptions: { add(vector: number): void };
  /** Adds an intercept of another kind (hlt, io, cpuid, msr, control-register). */
  add(kind: Exclude<BackendExitKind, 'software-interrupt' | 'exception'>): void;
}

/** What the machine hands a backend when it attaches. */
export interface BackendMachine {
  readonly registers: BackendRegisterFile;
  readonly memory: BackendGuestMemory;
  readonly intercepts: BackendInterceptRegistry;
  /**
   * Answers an intercepted `in` exit with the value the port gave: AL/AX/EAX for IN, the memory
   * element for INS. Call it before the guest resumes; an `in` left unanswered reads all-ones.
   */
  completeInput(exit: BackendIoExit, value: number): void;
}

/** What the backend does with an exit: resume the guest, or stop the machine with a reason. */
export type BackendExitResult =
  | { readonly action: 'resume' }
  | { readonly action: 'stop'; readonly reason: string };

/** A backend attached to one machine. */
export interface BackendAttachment {
  /** Handles an exit of a kind the backend registered; state changes go through the machine. */
  handleExit(exit: BackendExit): BackendExitResult;
}

/** A VMI backend: what a third party implements against vmi-spec alone. */
export interface Backend {
  /** The name the runner selects it by (`--backend NAME`). */
  readonly name: string;
  /** The version of this interface it implements. */
  readonly specificationVersion: typeof BACKEND_SPECIFICATION_VERSION;
  /** The option ROM it supplies, or undefined for none (the guest then runs natively). */
  readonly rom: BuiltVmiRom | undefined;
  /** Physical address the ROM is mapped at (on a 2 KiB boundary in 0xC0000–0xDFFFF). */
  readonly romAddress: number;
  /** Exit kinds the backend handles; empty when it needs no help from the CPU. */
  readonly handledExits: readonly BackendExitKind[];
  /** Attaches to a machine: maps the ROM and registers intercepts. */
  attach(machine: BackendMachine): BackendAttachment;
}
