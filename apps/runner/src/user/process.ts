/**
 * A static i386 Linux program run in user mode on the x86-core CPU: the ELF is loaded into
 * guest RAM (paging off, flat ring-3 segments), the stack is built as Linux builds it, and
 * every `int 0x80` leaves the CPU through an intercept into {@link LinuxSyscalls}. Faults
 * become signals; a signal without a handler ends the process as a shell would report it
 * (status 128 + n).
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Cpu, PhysicalMemory, PortBus, Register, SegmentRegister } from '@openvmi/x86-core';
import { AddressSpace, PAGE_SIZE, pageAlignUp } from './address-space.js';
import { type ElfImage, parseElf } from './elf.js';
import { type DescriptorTable, hostStream, newOpenFile, type OpenFile } from './files.js';
import { AuxiliaryKey, buildInitialStack } from './stack.js';
import { ExecRequest, type ForkRequest, GUEST_PID, LinuxSyscalls, ProcessExit } from './syscalls.js';

/** Where the process's standard streams go. */
export interface UserStdio {
  /** Bytes the program reads on fd 0; default: the host's stdin. */
  stdin?: Uint8Array;
  /** Receives what the program writes on fd 1; default: the host's stdout. */
  stdout?: (bytes: Uint8Array) => void;
  /** Receives what the program writes on fd 2; default: the host's stderr. */
  stderr?: (bytes: Uint8Array) => void;
}

/** Options of {@link runUserProgram}. */
export interface UserProgramOptions {
  /** Host path of the executable. */
  executable: string;
  /** argv, argv[0] included. Default: `[executable]`. */
  argv?: readonly string[];
  /** Environment strings `NAME=value`. Default: empty. */
  environment?: readonly string[];
  /** Standard streams. */
  stdio?: UserStdio;
  /** Guest RAM in bytes (default 256 MiB). */
  ramBytes?: number;
  /** Stop with status 124 after this many instructions (default: no limit). */
  maxInstructions?: number;
  /** Host time instead of the fixed deterministic clock. */
  realTime?: boolean;
  /** Translate hot code into JS functions (default true); false interprets every instruction. */
  blockTranslation?: boolean;
  /** Host working directory the guest starts in (default: the host's). */
  workingDirectory?: string;
  /** Receives the runner's own diagnostics (unknown syscalls, fatal signals). Default: host stderr. */
  diagnostics?: (text: string) => void;
}

/** How the program ended. */
export interface UserProgramResult {
  /** Exit status as a shell reports it: the guest's status, or 128 + signal number. */
  status: number;
  /** The signal that ended it, if one did. */
  signal?: number;
  /** Instructions the CPU retired for this process (its image and the images it exec'd). */
  instructions: number;
  /** Instructions its forked children retired, every generation (set by `runUserProgram`). */
  childInstructions?: number;
}

/** Instructions between the CPU's event checks in user mode (no interrupts can arrive). */
const USER_EVENT_CHECK_INTERVAL = 1 << 16;
/** Instructions per `Cpu.run` call between host checks. */
const RUN_CHUNK = 5_000_000;
/** Deepest chain of forked children (each runs inside its parent's fork call); deeper forks get EAGAIN. */
export const MAX_FORK_DEPTH = 32;
/** Status when `maxInstructions` is used up (as `timeout` reports). */
export const STATUS_INSTRUCTION_LIMIT = 124;

/** The GDT the process's selectors refer to: flat user code (0x1b) and data (0x23), TLS entries 6..8. */
export const GDT_ENTRIES = 16;
/** First GDT entry set_thread_area hands out (as Linux's GDT_ENTRY_TLS_MIN). */
export const TLS_FIRST_ENTRY = 6;
/** Number of TLS entries. */
export const TLS_ENTRIES = 3;

function writeDescriptor(
  space: AddressSpace,
  index: number,
  base: number,
  limit: number,
  access: number,
  flags: number,
): void {
  const low = ((base & 0xffff) << 16) | (limit & 0xffff);
  const high =
    (base & 0xff000000) |
    ((flags & 0xf) << 20) |
    (limit & 0xf0000) |
    ((access & 0xff) << 8) |
    ((base >>> 16) & 0xff);
  space.write32(space.gdtAddress + index * 8, low >>> 0);
  space.write32(space.gdtAddress + index * 8 + 4, high >>> 0);
}

/** A loaded process: the CPU, its memory, and the syscall layer. */
export class UserProcess {
  readonly memory: PhysicalMemory;
  readonly cpu: Cpu;
  readonly space: AddressSpace;
  readonly syscalls: LinuxSyscalls;
  readonly image: ElfImage;
  private readonly maxInstructions: number;

  /**
   * Loads `options.executable`. `inherited` is set when an execve replaces a running image (the
   * new image's bytes, already validated, and the caller's descriptor table) or when a fork
   * copies a running process (`parent`, whose memory and CPU state the child starts from).
   */
  constructor(
    private readonly options: UserProgramOptions,
    inherited?: {
      image: Uint8Array;
      files: DescriptorTable;
      parent?: UserProcess;
      fork?: ForkRequest;
      pids?: { value: number };
    },
  ) {
    const ramBytes = options.ramBytes ?? 256 << 20;
    const parent = inherited?.parent;
    let file: Uint8Array;
    if (inherited !== undefined) {
      file = inherited.image;
    } else {
      try {
        file = fs.readFileSync(options.executable);
      } catch (error) {
        throw new Error(
          `cannot read ${options.executable}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.imageBytes = file;
    this.image = parseElf(file);
    this.memory = new PhysicalMemory({ ramBytes });
    this.space = new AddressSpace(this.memory);
    this.maxInstructions = options.maxInstructions ?? Number.POSITIVE_INFINITY;
    this.nextPid = inherited?.pids ?? parent?.nextPid ?? { value: GUEST_PID + 1 };
    const diagnostics = options.diagnostics ?? ((text: string) => process.stderr.write(text));
    if (parent !== undefined) {
      this.copyMemoryFrom(parent);
      this.cpu = Cpu.fromState(parent.cpu.getState(), { memory: this.memory, ports: new PortBus() });
    } else {
      this.cpu = new Cpu({ memory: this.memory, ports: new PortBus() });
      this.loadImage(file);
    }
    // No interrupt source in user mode: check for events rarely (fewer chunk ends, where a
    // translated block that does not fit is interpreted). Counts and results do not change.
    this.cpu.eventCheckInterval = USER_EVENT_CHECK_INTERVAL;
    this.cpu.blockTranslation = options.blockTranslation ?? true;
    this.syscalls = new LinuxSyscalls({
      cpu: this.cpu,
      space: this.space,
      realTime: options.realTime ?? false,
      workingDirectory: path.resolve(options.workingDirectory ?? process.cwd()),
      diagnostics,
      standardFiles: inherited === undefined ? standardFiles(options.stdio) : [],
      executable: path.resolve(options.executable),
      ...(inherited === undefined ? {} : { inheritedFiles: inherited.files }),
      fork: (request) => this.runForkedChild(request),
      nextPid: () => this.nextPid.value++,
    });
    if (parent !== undefined && inherited?.fork !== undefined) {
      const request = inherited.fork;
      parent.syscalls.copyInto(this.syscalls, request.pid);
      this.setIntercepts();
      const cpu = this.cpu;
      cpu.writeRegister(Register.Eax, 0);
      if (request.stackPointer !== 0) cpu.writeRegister(Register.Esp, request.stackPointer);
      if (request.childTidAddress !== 0 && this.space.check(request.childTidAddress, 4)) {
        this.space.write32(request.childTidAddress, request.pid);
      }
    } else {
      const argv = options.argv ?? [options.executable];
      const environment = options.environment ?? [];
      this.setUpCpu(argv, environment, options.executable, options.realTime ?? false);
    }
  }

  /** Process ids, shared by a process and all its descendants. */
  private readonly nextPid: { value: number };
  private readonly imageBytes: Uint8Array;

  /** Copies the parent's mapped pages, GDT page and layout into this (fresh) memory. */
  private copyMemoryFrom(parent: UserProcess): void {
    const source = parent.memory.ram;
    const mapped = parent.space.mapped;
    let page = 0;
    while (page < mapped.length) {
      if (mapped[page] === 0) {
        page++;
        continue;
      }
      const first = page;
      while (page < mapped.length && mapped[page] !== 0) page++;
      this.memory.ram.set(source.subarray(first * PAGE_SIZE, page * PAGE_SIZE), first * PAGE_SIZE);
    }
    const gdt = parent.space.gdtAddress;
    this.memory.ram.set(source.subarray(gdt, gdt + PAGE_SIZE), gdt);
    this.space.mapped.set(mapped);
    this.space.brkStart = parent.space.brkStart;
    this.space.brk = parent.space.brk;
  }

  /** Nesting depth of forked children (0 for the first process). */
  private depth = 0;
  /** Instructions retired by this process's forked children and their descendants. */
  descendantInstructions = 0;

  /** Runs a copy of this process from the current fork/clone to its exit; null when nested too deep. */
  private runForkedChild(request: ForkRequest): { status: number; signal?: number } | null {
    if (this.depth >= MAX_FORK_DEPTH) return null;
    const child = new UserProcess(
      { ...this.options, workingDirectory: this.syscalls.currentDirectory },
      { image: this.imageBytes, files: this.syscalls.files.duplicate(), parent: this, fork: request },
    );
    child.depth = this.depth + 1;
    const result = child.run();
    this.descendantInstructions += result.instructions + child.descendantInstructions;
    return result.signal === undefined
      ? { status: result.status }
      : { status: result.status, signal: result.signal };
  }

  private setIntercepts(): void {
    const cpu = this.cpu;
    for (let vector = 0; vector < 256; vector++) cpu.intercepts.softwareInterrupts.add(vector);
    for (let vector = 0; vector < 32; vector++) cpu.intercepts.exceptions.add(vector);
  }

  private loadImage(file: Uint8Array): void {
    const space = this.space;
    for (const segment of this.image.segments) {
      const start = Math.floor(segment.virtualAddress / PAGE_SIZE) * PAGE_SIZE;
      const end = pageAlignUp(segment.virtualAddress + segment.memorySize);
      if (start < 0x1000 || end > space.stackBottom - (16 << 20)) {
        throw new Error(
          `PT_LOAD segment at 0x${segment.virtualAddress.toString(16)} (${segment.memorySize} bytes) does not fit the user address space below 0x${(space.stackBottom - (16 << 20)).toString(16)}; use a larger --memory`,
        );
      }
      space.mapRange(start, end - start);
      space.write(
        segment.virtualAddress,
        file.subarray(segment.fileOffset, segment.fileOffset + segment.fileSize),
      );
      // The bss (memsz beyond filesz) is already zero: fresh RAM.
    }
    space.brkStart = pageAlignUp(this.image.end);
    space.brk = space.brkStart;
  }

  private setUpCpu(
    argv: readonly string[],
    environment: readonly string[],
    executable: string,
    realTime: boolean,
  ): void {
    const cpu = this.cpu;
    const space = this.space;
    cpu.reset();
    cpu.enterFlatProtectedMode({ cpl: 3 });
    // GDT: the selectors enterFlatProtectedMode uses (0x1b = entry 3, 0x23 = entry 4) plus TLS.
    writeDescriptor(space, 3, 0, 0xfffff, 0xfb, 0xc);
    writeDescriptor(space, 4, 0, 0xfffff, 0xf3, 0xc);
    cpu.gdtrBase = space.gdtAddress;
    cpu.gdtrLimit = GDT_ENTRIES * 8 - 1;
    // Every software interrupt and exception comes to us: there is no IDT in user mode.
    this.setIntercepts();
    const randomBytes = new Uint8Array(16);
    if (realTime) crypto.getRandomValues(randomBytes);
    else for (let index = 0; index < 16; index++) randomBytes[index] = (index * 37 + 11) & 0xff;
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    const gid = typeof process.getgid === 'function' ? process.getgid() : 0;
    const stack = buildInitialStack(space.stackTop, {
      argv,
      environment,
      executableFileName: executable,
      randomBytes,
      auxiliary: [
        [AuxiliaryKey.HardwareCapabilities, 0x0000_8111], // FPU, TSC, CX8, CMOV
        [AuxiliaryKey.PageSize, PAGE_SIZE],
        [AuxiliaryKey.ClockTicks, 100],
        [AuxiliaryKey.ProgramHeaders, this.image.programHeaderAddress],
        [AuxiliaryKey.ProgramHeaderEntrySize, this.image.programHeaderEntrySize],
        [AuxiliaryKey.ProgramHeaderCount, this.image.programHeaderCount],
        [AuxiliaryKey.Base, 0],
        [AuxiliaryKey.Flags, 0],
        [AuxiliaryKey.Entry, this.image.entry],
        [AuxiliaryKey.Uid, uid],
        [AuxiliaryKey.EffectiveUid, uid],
        [AuxiliaryKey.Gid, gid],
        [AuxiliaryKey.EffectiveGid, gid],
        [AuxiliaryKey.Secure, 0],
        [AuxiliaryKey.HardwareCapabilities2, 0],
      ],
    });
    space.write(stack.stackPointer, stack.bytes);
    for (const register of [
      Register.Eax,
      Register.Ecx,
      Register.Edx,
      Register.Ebx,
      Register.Ebp,
      Register.Esi,
      Register.Edi,
    ]) {
      cpu.writeRegister(register, 0);
    }
    cpu.writeRegister(Register.Esp, stack.stackPointer);
    cpu.writeRegister(Register.Eip, this.image.entry);
    cpu.writeRegister(Register.Eflags, 0x202);
  }

  /** Replaces this image with the one execve asked for and runs it in the same process. */
  private exec(request: ExecRequest, instructions: number): UserProgramResult {
    const files = this.syscalls.files;
    files.closeOnExecAll();
    const remaining = this.maxInstructions - instructions;
    const next = new UserProcess(
      {
        ...this.options,
        executable: request.executable,
        argv: request.argv,
        environment: request.environment,
        workingDirectory: this.syscalls.currentDirectory,
        ...(Number.isFinite(remaining) ? { maxInstructions: remaining } : {}),
      },
      { image: request.image, files, pids: this.nextPid },
    );
    next.syscalls.pid = this.syscalls.pid;
    next.syscalls.parentPid = this.syscalls.parentPid;
    const result = next.run();
    return { ...result, instructions: instructions + result.instructions };
  }

  /** Runs until the program exits; returns its status. */
  run(): UserProgramResult {
    const cpu = this.cpu;
    let instructions = 0;
    try {
      for (;;) {
        const budget = Math.min(RUN_CHUNK, this.maxInstructions - instructions);
        if (budget <= 0) {
          this.syscalls.diagnostic(
            `instruction limit of ${this.maxInstructions} reached at eip 0x${cpu.readRegister(Register.Eip).toString(16)}\n`,
          );
          this.syscalls.files.closeAll();
          return { status: STATUS_INSTRUCTION_LIMIT, instructions };
        }
        const result = cpu.run(budget);
        instructions += result.retired;
        this.syscalls.instructionsRetired = instructions;
        if (result.reason === 'budget') continue;
        if (result.reason === 'exit' && result.exit !== undefined) {
          const exit = result.exit;
          if (exit.kind === 'software-interrupt') {
            if (exit.vector === 0x80) this.syscalls.dispatch();
            else this.syscalls.raiseFault(exit.vector === 3 ? 5 : 11, exit.vector);
          } else if (exit.kind === 'exception') {
            this.syscalls.raiseFault(signalForVector(exit.vector), exit.vector, exit.faultAddress);
          } else {
            this.syscalls.raiseFault(11, -1);
          }
          this.syscalls.deliverPendingSignals();
          continue;
        }
        if (result.reason === 'halt') {
          // HLT in ring 3 is a #GP on Linux.
          this.syscalls.raiseFault(11, 13);
          this.syscalls.deliverPendingSignals();
          continue;
        }
        this.syscalls.diagnostic(
          `CPU stopped: ${result.reason} at eip 0x${cpu.readRegister(Register.Eip).toString(16)}\n`,
        );
        this.syscalls.files.closeAll();
        return { status: 128 + 11, signal: 11, instructions };
      }
    } catch (error) {
      if (error instanceof ExecRequest) return this.exec(error, instructions);
      if (error instanceof ProcessExit) {
        this.syscalls.files.closeAll();
        return error.signal === undefined
          ? { status: error.status, instructions }
          : { status: 128 + error.signal, signal: error.signal, instructions };
      }
      throw error;
    }
  }
}

/** The signal Linux sends for an exception vector. */
export function signalForVector(vector: number): number {
  switch (vector) {
    case 0:
    case 16:
    case 19:
      return 8; // SIGFPE
    case 1:
    case 3:
      return 5; // SIGTRAP
    case 6:
      return 4; // SIGILL
    case 7:
      return 11;
    case 17:
      return 7; // SIGBUS
    default:
      return 11; // SIGSEGV
  }
}

function standardFiles(stdio: UserStdio | undefined): OpenFile[] {
  const stdin =
    stdio?.stdin !== undefined ? newOpenFile('input', { input: stdio.stdin, flags: 0 }) : hostStream(0, 0);
  const stdout =
    stdio?.stdout !== undefined
      ? newOpenFile('output', { output: stdio.stdout, flags: 1 })
      : hostStream(1, 1);
  const stderr =
    stdio?.stderr !== undefined
      ? newOpenFile('output', { output: stdio.stderr, flags: 1 })
      : hostStream(2, 1);
  return [stdin, stdout, stderr];
}

/** Loads and runs a static i386 Linux program to completion. */
export function runUserProgram(options: UserProgramOptions): UserProgramResult {
  const process = new UserProcess(options);
  const result = process.run();
  return { ...result, childInstructions: process.descendantInstructions };
}

/** Segment registers in sigcontext order (gs, fs, es, ds), for the signal frames. */
export const SIGCONTEXT_SEGMENTS = [
  SegmentRegister.Gs,
  SegmentRegister.Fs,
  SegmentRegister.Es,
  SegmentRegister.Ds,
] as const;
