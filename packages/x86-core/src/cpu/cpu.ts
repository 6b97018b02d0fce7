/**
 * The CPU: architectural state, memory access through segmentation and paging, lazy flags and
 * the run loop. Instruction semantics live in src/instructions/, decoding in src/decoder/,
 * segmentation checks, paging, exception delivery and system instructions in src/system/ (the
 * seams are described in DESIGN.md).
 */

import type { InterruptSource } from '../bus-interfaces.js';
import { decodeInstruction } from '../decoder/decode.js';
import type { Instruction } from '../decoder/instruction.js';
import { Fpu, FpuState } from '../fpu/index.js';
import { CpuFpuHost } from '../instructions/fpu-bridge.js';
import { type CompiledBlock, compileBlock, MAX_BLOCK_INSTRUCTIONS } from '../jit/compile.js';
import { isDirectTransfer } from '../jit/emitters.js';
import type { PhysicalMemory } from '../memory/physical-memory.js';
import { PageKind } from '../memory/physical-memory.js';
import type { PortBus } from '../memory/port-bus.js';
import { GuestFault, TripleFault } from '../system/fault.js';
import {
  breakpointsArmed,
  checkSegmentLimit,
  deliverInterrupt,
  matchDataBreakpoint,
  matchInstructionBreakpoint,
  recordBreakpointHits,
  translateLinear,
} from '../system/index.js';
import type { Mmu } from '../system/paging.js';
import { createIntercepts, type ExitRecord, type Intercepts, RunLoopStop, type RunResult } from './exits.js';
import { LazyOp, PARITY_TABLE, SIGN_BIT, SIZE_MASK } from './lazy-flags.js';
import {
  Access,
  ARITHMETIC_FLAGS,
  Cr0,
  Flag,
  InterruptKind,
  Register,
  SegmentRegister,
} from './registers.js';
import { CPU_STATE_VERSION, type CpuState } from './state.js';

/** Options of the {@link Cpu} constructor. */
export interface CpuOptions {
  /** Guest physical memory. */
  memory: PhysicalMemory;
  /** The I/O port space. */
  ports: PortBus;
  /** The interrupt controller side of INTR (optional: no external interrupts without it). */
  interrupts?: InterruptSource;
}

/** Options of {@link Cpu.enterFlatProtectedMode}. */
export interface FlatModeOptions {
  /** Privilege level to run at (0 or 3). */
  cpl: 0 | 3;
  /**
   * Optional physical address where a matching GDT is written (and GDTR pointed): entry 1/2 ring-0
   * code/data (0x08/0x10), 3/4 ring-3 code/data (0x1b/0x23), 5 unused, 6-8 empty TLS slots as
   * Linux numbers them (selectors 0x33, 0x3b, 0x43). Without it GDTR is left alone and selector
   * loads read whatever table it points at.
   */
  gdtAddress?: number;
}

/** Number of descriptors in the GDT written by `enterFlatProtectedMode({ gdtAddress })`. */
export const FLAT_GDT_ENTRIES = 9;

// Hot-path constants as plain module bindings (folded by the JIT; property loads on the exported
// name objects are not always).
const ESP = 4;
const CS = 1;
const SS = 2;
const PAGING = 1 << 31; // Cr0.Paging
const ACCESS_READ = 0; // Access.Read
const ACCESS_WRITE = 2; // Access.Write
const RAM_PAGE = 0; // PageKind.Ram
const USER_ACCESS = 4; // Access.User

/** Index of each 8-bit register (AL, CL, DL, BL, AH, CH, DH, BH) in the byte view of the registers. */
const BYTE_REGISTER_OFFSET = new Uint8Array([0, 4, 8, 12, 1, 5, 9, 13]);

/** Flat 4 GiB code segment attributes (high descriptor dword, type 0xB, S, P, D, G). */
const FLAT_CODE_FLAGS = 0x00cf9b00;
/** Flat 4 GiB data segment attributes (type 0x3, S, P, B, G). */
const FLAT_DATA_FLAGS = 0x00cf9300;
/** Real-mode code and data segment attributes (present, accessed, 16-bit, byte granular). */
const REAL_CODE_FLAGS = 0x00009b00;
const REAL_DATA_FLAGS = 0x00009300;

/**
 * Most physical pages with decoded instructions kept at once; beyond it the whole cache is
 * dropped (bounds host memory whatever code the guest jumps through).
 */
const MAX_DECODED_PAGES = 512;
/** Most decoded instructions kept at once (a guest decoding at every byte offset is bounded too). */
const MAX_DECODED_INSTRUCTIONS = 1 << 18;

/** Interpreted executions of an instruction before a block is translated from it (src/jit/). */
const HOT_THRESHOLD = 64;

/** Most translated blocks kept (each holds its source and V8's code): then the decoded cache is dropped. */
const MAX_TRANSLATED_BLOCKS = 8192;
/** Entries of the jump cache, less one. */
const JUMP_CACHE_MASK = 4095;

/** The jump-cache entry of a linear address (page and offset bits mixed). */
function jumpCacheSlot(linear: number): number {
  return (linear ^ (linear >>> 12)) & JUMP_CACHE_MASK;
}

/** Instructions run between two checks for external interrupts and other events. */
const EVENT_CHECK_INTERVAL = 1024;
/** Flags POPF/IRET may never set on the i686 (bits 22-31, 15, 5, 3 are reserved zero). */
const EFLAGS_SETTABLE = 0x003f7fd5;

/** An i686-class processor. */
export class Cpu {
  /** Guest physical memory. */
  readonly memory: PhysicalMemory;
  /** The I/O port space. */
  readonly ports: PortBus;
  /** Source of external interrupts, or null. */
  interrupts: InterruptSource | null;
  /** The monitor's intercept controls. */
  readonly intercepts: Intercepts = createIntercepts();

  /** General registers EAX..EDI (32-bit view, unsigned). */
  readonly registers32 = new Uint32Array(8);
  /** 16-bit view: register r is at index 2r. */
  readonly registers16 = new Uint16Array(this.registers32.buffer);
  /** 8-bit view: see BYTE_REGISTER_OFFSET. */
  readonly registers8 = new Uint8Array(this.registers32.buffer);
  /** Signed 32-bit view (translated blocks keep registers as int32). */
  readonly registersSigned = new Int32Array(this.registers32.buffer);
  /**
   * Translate hot straight-line code into JS functions (src/jit/). Off: every instruction is
   * interpreted (turning it off drops the blocks already made). Either way a run retires the
   * same instructions with the same results.
   */
  get blockTranslation(): boolean {
    return this.translationEnabled;
  }

  set blockTranslation(enabled: boolean) {
    if (this.translationEnabled && !enabled) this.flushDecodedCache();
    this.translationEnabled = enabled;
  }

  private translationEnabled = true;
  /**
   * Most instructions between two checks for external interrupts and other events (at least 1).
   * A host with no interrupt source (user mode) may raise it: fewer chunk ends, where a
   * translated block that does not fit runs in the interpreter.
   */
  eventCheckInterval = EVENT_CHECK_INTERVAL;
  /** Interpreted executions of an instruction before a block is translated from it. */
  hotThreshold = HOT_THRESHOLD;
  /** Instructions retired inside translated blocks (statistics; a block left by a fault is not counted). */
  translatedRetired = 0;
  /** Blocks translated so far (statistics). */
  translatedBlocks = 0;
  /** Blocks translated since the decoded cache was last dropped (bounded by `maxTranslatedBlocks`). */
  private blocksSinceFlush = 0;
  /** Most translated blocks kept at once (each holds its source and V8's code); then all are dropped. */
  maxTranslatedBlocks = MAX_TRANSLATED_BLOCKS;
  /**
   * Moves on whenever decoded code is dropped (a write to a code page, a cache flush) or address
   * translation changes (CR0/CR3/CR4, INVLPG, task switch): links between translated blocks made
   * in an older epoch are not followed, and a block whose slow access moved it leaves at once.
   */
  linkEpoch = 0;
  /**
   * The jump cache (QEMU has one by that name): the instruction that starts a translated block,
   * by a hash of its linear address, so a block that leaves to another block reaches it without
   * the decoded-instruction lookup. An entry is good only in the link epoch it was made in.
   */
  private readonly jumpCacheLinear = new Int32Array(JUMP_CACHE_MASK + 1).fill(-1);
  private readonly jumpCacheEpoch = new Int32Array(JUMP_CACHE_MASK + 1).fill(-1);
  private readonly jumpCacheTarget: (Instruction | null)[] = new Array(JUMP_CACHE_MASK + 1).fill(null);
  /** Instruction pointer (offset in CS). During an instruction: the address after it. */
  eip = 0;
  /** EIP of the instruction being executed (faults restart here). */
  instructionStart = 0;
  /** ESP before the instruction being executed, as an int32 (restored when it faults). */
  instructionStartEsp = 0;

  /** EFLAGS bits not covered by the lazy state (and all of them when `lazyOp` is None). */
  flagsValue = Flag.Reserved1;
  /** LazyOp that produced the arithmetic flags. */
  lazyOp: number = LazyOp.None;
  /** Destination (first) operand of the lazy operation (int32: read with `>>> 0`). */
  lazyDestination = 0;
  /** Source (second) operand of the lazy operation (int32). */
  lazySource = 0;
  /** Result of the lazy operation, masked to its size (int32). */
  lazyResult = 0;
  /** Operand size in bytes of the lazy operation. */
  lazySize = 4;

  /** Segment selectors (SegmentRegister order). */
  readonly segmentSelector = new Uint16Array(6);
  /** Descriptor cache: base. */
  readonly segmentBase = new Uint32Array(6);
  /** Descriptor cache: limit in bytes (granularity applied). */
  readonly segmentLimit = new Uint32Array(6);
  /** Descriptor cache: the attribute bits of the descriptor's high dword (mask 0x00f0ff00). */
  readonly segmentFlags = new Uint32Array(6);
  /** 1 when accesses through the segment need `checkSegmentLimit` (not flat 4 GiB expand-up). */
  readonly segmentChecked = new Uint8Array(6);
  /** CS.D: default operand and address size 32. */
  codeSize32 = false;
  /** SS.B: the stack pointer is ESP (else SP). */
  stackSize32 = false;
  /** Current privilege level. */
  cpl = 0;

  /** Control registers. */
  cr0: number = Cr0.ExtensionType;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  /** Debug registers DR0-DR7 (DR4/DR5 alias DR6/DR7). */
  readonly debugRegisters = new Uint32Array(8);
  /** Descriptor table registers. */
  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0x3ff;
  /** LDTR: selector and descriptor cache. */
  ldtrSelector = 0;
  ldtrBase = 0;
  ldtrLimit = 0xffff;
  ldtrFlags = 0x8200;
  /** TR: selector and descriptor cache. */
  trSelector = 0;
  trBase = 0;
  trLimit = 0xffff;
  trFlags = 0x8b00;
  /** Model-specific registers by index (values are unsigned 64-bit). */
  readonly msrs = new Map<number, bigint>();
  /** Time-stamp counter offset: TSC = tscOffset + instructions retired (or + `tscClock()`). */
  tscOffset = 0n;
  /**
   * When set, the TSC counts this clock (a host clock in cycles, e.g. nanoseconds at 1 GHz)
   * instead of retired instructions: a real-time machine keeps the TSC at the pace of its timers.
   */
  tscClock: (() => number) | null = null;
  /** The x87 unit (src/fpu/). */
  fpu: Fpu = new Fpu();
  /** The FpuHost adapter over this CPU (src/instructions/fpu-bridge.ts). */
  readonly fpuHost: CpuFpuHost = new CpuFpuHost(this);
  /** The MMU/TLB, owned by src/system/ (created on first use by `mmuOf`). */
  mmu: Mmu | undefined = undefined;
  /** Scratch buffer of POPA (no allocation per instruction). */
  readonly popAllScratch = new Uint32Array(8);

  /** HLT executed, waiting for an interrupt. */
  halted = false;
  /**
   * Debugger breakpoints: linear addresses where `run` stops with reason `'breakpoint'` before
   * executing the instruction; the next `run` executes it. Empty costs nothing.
   */
  readonly breakpoints = new Set<number>();
  /** The breakpoint `run` last stopped at (so resuming executes that instruction), or -1. */
  private resumeBreakpoint = -1;
  /** DR0-DR3 are armed (DR7): data accesses are matched and the fast paths are off. */
  watchData = false;
  /** DR0-DR3 data and I/O breakpoint hits of the current instruction (raise #DB after it). */
  pendingBreakpointHits = 0;
  /** Interrupts are inhibited for one instruction (after STI, MOV SS, POP SS). */
  interruptShadow = false;
  /** The exit record being returned (set by a handler before it throws RunLoopStop). */
  pendingExit: ExitRecord | null = null;
  /** Why the loop stops when RunLoopStop is thrown without an exit record: 'halt'. */
  private stopRequested = false;
  /**
   * Remaining instructions of the current chunk (decremented as each instruction starts).
   * Handlers end the chunk with {@link endChunk}, never by writing this field, so that
   * `chunkLength - chunkCountdown` stays the number of instructions started in the chunk.
   */
  chunkCountdown = 0;
  /** Length of the current chunk, less what {@link endChunk} cut off (0 outside a chunk). */
  private chunkLength = 0;
  /**
   * Instructions retired before the current chunk, minus one while a chunk runs: during the
   * chunk's k-th instruction (from 0), `retiredOrigin + chunkLength - chunkCountdown` is the
   * number of instructions retired before it. Outside a chunk it is the exact count.
   */
  private retiredOrigin = 0;
  /** A MOV SS / POP SS just executed: debug traps of this instruction wait one instruction. */
  debugShadow = false;
  /** An INT n / INT3 / INTO / INT1 was delivered: the single-step trap of this instruction is dropped. */
  discardDebugTraps = false;
  /** Single step held over by a MOV SS / POP SS shadow or an exit (raised after the next instruction or at once). */
  private deferredSingleStep = false;
  /** Data/I/O breakpoint hits held over likewise. */
  private deferredBreakpointHits = 0;
  /** A debug trap of an instruction that left `run` (exit, HLT) is raised when the loop resumes. */
  private debugTrapPending = false;

  // Decoded-instruction cache: per physical page, an array indexed by the page offset.
  private readonly decodedPages = new Map<number, (Instruction | undefined)[]>();
  private fetchLinearPage = -1;
  private fetchPhysicalPage = 0;
  private fetchEntries: (Instruction | undefined)[] | null = null;
  /** Decoded instructions cached (approximate: a re-decoded slot counts again). */
  private decodedCount = 0;

  /**
   * Instructions retired since reset (the deterministic time base). Exact at any point, also
   * inside an instruction (RDTSC, WRMSR TSC and device clocks read it mid-chunk): there it counts
   * the instructions before the current one. Writable (snapshots, tests).
   */
  get instructionsRetired(): number {
    return this.retiredOrigin + this.chunkLength - this.chunkCountdown;
  }

  set instructionsRetired(value: number) {
    this.retiredOrigin = value - (this.chunkLength - this.chunkCountdown);
  }

  /** Ends the current chunk after this instruction, so the loop checks events (interrupts, TF, exits) at once. */
  endChunk(): void {
    this.chunkLength -= this.chunkCountdown;
    this.chunkCountdown = 0;
  }

  constructor(options: CpuOptions) {
    this.memory = options.memory;
    this.ports = options.ports;
    this.interrupts = options.interrupts ?? null;
    this.memory.onCodeWrite = (page) => this.invalidateCodePage(page);
    this.reset();
  }

  // ---------------------------------------------------------------- state and registers

  /** Power-on reset: real mode, CS:IP = F000:FFF0, EDX = processor signature. */
  reset(): void {
    this.registers32.fill(0);
    this.registers32[Register.Edx] = 0x0633; // family 6, model 3, stepping 3 (CPUID leaf 1 EAX)
    this.eip = 0xfff0;
    this.setFlags(Flag.Reserved1);
    for (let segment = 0; segment < 6; segment++)
      this.setSegmentCache(segment, 0, 0, 0xffff, REAL_DATA_FLAGS);
    this.setSegmentCache(CS, 0xf000, 0xffff0000, 0xffff, REAL_CODE_FLAGS);
    this.cpl = 0;
    this.cr0 = Cr0.ExtensionType | Cr0.CacheDisable | Cr0.NotWriteThrough;
    this.cr2 = 0;
    this.cr3 = 0;
    this.cr4 = 0;
    this.debugRegisters.fill(0);
    this.debugRegisters[6] = 0xffff0ff0;
    this.debugRegisters[7] = 0x400;
    this.gdtrBase = 0;
    this.gdtrLimit = 0xffff;
    this.idtrBase = 0;
    this.idtrLimit = 0x3ff;
    this.ldtrSelector = 0;
    this.ldtrBase = 0;
    this.ldtrLimit = 0xffff;
    this.ldtrFlags = 0x8200;
    this.trSelector = 0;
    this.trBase = 0;
    this.trLimit = 0xffff;
    this.trFlags = 0x8b00;
    this.msrs.clear();
    this.fpu.state = new FpuState();
    this.halted = false;
    this.interruptShadow = false;
    this.pendingExit = null;
    this.invalidateTranslations();
  }

  /**
   * Switches to flat protected mode without descriptor tables: CS/SS/DS/ES/FS/GS cover 4 GiB
   * with base 0, 32-bit, at privilege `cpl` (selectors 0x08/0x10 for ring 0, 0x1b/0x23 for ring
   * 3). Paging stays off; EFLAGS = 0x202 (IF set). For user-mode emulation and tests.
   */
  enterFlatProtectedMode(options: FlatModeOptions): void {
    const cpl = options.cpl;
    this.cr0 = (this.cr0 | Cr0.ProtectionEnable) & ~PAGING;
    this.cpl = cpl;
    const dpl = cpl << 13;
    this.setSegmentCache(CS, cpl === 3 ? 0x1b : 0x08, 0, 0xffffffff, FLAT_CODE_FLAGS | dpl);
    const dataSelector = cpl === 3 ? 0x23 : 0x10;
    for (const segment of [
      SegmentRegister.Es,
      SS,
      SegmentRegister.Ds,
      SegmentRegister.Fs,
      SegmentRegister.Gs,
    ]) {
      this.setSegmentCache(segment, dataSelector, 0, 0xffffffff, FLAT_DATA_FLAGS | dpl);
    }
    this.setFlags(Flag.Reserved1 | Flag.Interrupt);
    if (options.gdtAddress !== undefined) {
      const base = options.gdtAddress >>> 0;
      const descriptors = [
        0, 0, 0x0000ffff, 0x00cf9b00, 0x0000ffff, 0x00cf9300, 0x0000ffff, 0x00cffb00, 0x0000ffff, 0x00cff300,
      ];
      for (let index = 0; index < FLAT_GDT_ENTRIES * 2; index++)
        this.memory.write32(base + index * 4, descriptors[index] ?? 0);
      this.gdtrBase = base;
      this.gdtrLimit = FLAT_GDT_ENTRIES * 8 - 1;
    }
    this.invalidateTranslations();
  }

  /**
   * Loads a segment register's selector and descriptor cache without any check (the checked
   * load is `loadSegment` in src/system/). Keeps CS.D / SS.B and the check-needed flag in step.
   */
  setSegmentCache(segment: number, selector: number, base: number, limit: number, flags: number): void {
    this.segmentSelector[segment] = selector;
    this.segmentBase[segment] = base;
    this.segmentLimit[segment] = limit;
    this.segmentFlags[segment] = flags & 0x00f0ff00;
    // Unchecked only for a present, writable, expand-up data segment covering 4 GiB (P, S, type
    // 001x); everything else (code segments, read-only or expand-down data, null selectors,
    // real-mode 64 KiB limits) goes through checkSegmentLimit.
    const flatWritableData = (flags & 0x9e00) === 0x9200 && limit >>> 0 === 0xffffffff;
    this.segmentChecked[segment] = flatWritableData ? 0 : 1;
    if (segment === CS) {
      this.codeSize32 = (flags & 0x400000) !== 0;
      this.fetchLinearPage = -1;
    } else if (segment === SS) {
      this.stackSize32 = (flags & 0x400000) !== 0;
    }
  }

  /** Reads EAX..EDI, EIP or EFLAGS (unsigned). */
  readRegister(register: number): number {
    if (register >= 0 && register < 8) return this.registers32[register];
    if (register === Register.Eip) return this.eip >>> 0;
    if (register === Register.Eflags) return this.getFlags();
    throw new RangeError(`Cpu.readRegister: unknown register ${register}`);
  }

  /** Writes EAX..EDI, EIP or EFLAGS. */
  writeRegister(register: number, value: number): void {
    if (register >= 0 && register < 8) this.registers32[register] = value;
    else if (register === Register.Eip) this.eip = value >>> 0;
    else if (register === Register.Eflags) this.setFlags(value);
    else throw new RangeError(`Cpu.writeRegister: unknown register ${register}`);
  }

  /** Reads register `index` (ModRM numbering) of `size` bytes. */
  readGeneral(index: number, size: number): number {
    if (size === 4) return this.registers32[index];
    if (size === 2) return this.registers16[index << 1];
    return this.registers8[BYTE_REGISTER_OFFSET[index]];
  }

  /** Writes register `index` (ModRM numbering) of `size` bytes; 8/16-bit writes keep the other bits. */
  writeGeneral(index: number, size: number, value: number): void {
    if (size === 4) this.registers32[index] = value;
    else if (size === 2) this.registers16[index << 1] = value;
    else this.registers8[BYTE_REGISTER_OFFSET[index]] = value;
  }

  // ---------------------------------------------------------------- flags

  /** The full EFLAGS value (lazy flags materialized). */
  getFlags(): number {
    if (this.lazyOp === LazyOp.None) return this.flagsValue >>> 0;
    return ((this.flagsValue & ~ARITHMETIC_FLAGS) | this.computeArithmeticFlags()) >>> 0;
  }

  /** Sets all of EFLAGS (bit 1 forced to 1, reserved bits cleared); no privilege checks. */
  setFlags(value: number): void {
    this.flagsValue = ((value & EFLAGS_SETTABLE) | Flag.Reserved1) >>> 0;
    this.lazyOp = LazyOp.None;
  }

  /** Sets the arithmetic flags to `flags` (only the bits in ARITHMETIC_FLAGS), eagerly. */
  setArithmeticFlags(flags: number): void {
    this.flagsValue = (this.flagsValue & ~ARITHMETIC_FLAGS) | (flags & ARITHMETIC_FLAGS);
    this.lazyOp = LazyOp.None;
  }

  /**
   * Records a lazy flag-setting operation. The operands are kept as int32 (`| 0`): V8 stores
   * them as small integers in place, where unsigned values of 2^31 and more would be boxed
   * doubles; readers compare with `>>> 0` where the order matters.
   */
  setLazyFlags(op: number, destination: number, source: number, result: number, size: number): void {
    this.lazyOp = op;
    this.lazyDestination = destination | 0;
    this.lazySource = source | 0;
    this.lazyResult = result | 0;
    this.lazySize = size;
  }

  /** Materializes the lazy flags into `flagsValue`. */
  materializeFlags(): void {
    if (this.lazyOp !== LazyOp.None) {
      this.flagsValue = (this.flagsValue & ~ARITHMETIC_FLAGS) | this.computeArithmeticFlags();
      this.lazyOp = LazyOp.None;
    }
  }

  private computeArithmeticFlags(): number {
    const result = this.lazyResult;
    const sign = SIGN_BIT[this.lazySize];
    let flags = PARITY_TABLE[result & 0xff];
    if (result === 0) flags |= Flag.Zero;
    if ((result & sign) !== 0) flags |= Flag.Sign;
    flags |= this.getCarry() | (this.getOverflow() ? Flag.Overflow : 0);
    const op = this.lazyOp;
    if (op !== LazyOp.Logic) flags |= (this.lazyDestination ^ this.lazySource ^ result) & Flag.Adjust;
    return flags;
  }

  /** CF as 0 or 1. */
  getCarry(): number {
    const destination = this.lazyDestination >>> 0;
    switch (this.lazyOp) {
      case LazyOp.None:
      case LazyOp.Increment:
      case LazyOp.Decrement:
        return this.flagsValue & 1;
      case LazyOp.Add:
        return this.lazyResult >>> 0 < destination ? 1 : 0;
      case LazyOp.AddWithCarry:
        return this.lazyResult >>> 0 <= destination ? 1 : 0;
      case LazyOp.Sub:
        return destination < this.lazySource >>> 0 ? 1 : 0;
      case LazyOp.SubWithBorrow:
        return destination <= this.lazySource >>> 0 ? 1 : 0;
      default:
        return 0;
    }
  }

  /** OF as a boolean. */
  getOverflow(): boolean {
    const sign = SIGN_BIT[this.lazySize];
    const result = this.lazyResult;
    switch (this.lazyOp) {
      case LazyOp.None:
        return (this.flagsValue & Flag.Overflow) !== 0;
      case LazyOp.Add:
      case LazyOp.AddWithCarry:
        return ((this.lazyDestination ^ result) & (this.lazySource ^ result) & sign) !== 0;
      case LazyOp.Sub:
      case LazyOp.SubWithBorrow:
        return ((this.lazyDestination ^ this.lazySource) & (this.lazyDestination ^ result) & sign) !== 0;
      case LazyOp.Increment:
        return result >>> 0 === sign;
      case LazyOp.Decrement:
        return result >>> 0 === (sign - 1) >>> 0;
      default:
        return false;
    }
  }

  /** ZF as a boolean. */
  getZero(): boolean {
    if (this.lazyOp === LazyOp.None) return (this.flagsValue & Flag.Zero) !== 0;
    return this.lazyResult === 0;
  }

  /** SF as a boolean. */
  getSign(): boolean {
    if (this.lazyOp === LazyOp.None) return (this.flagsValue & Flag.Sign) !== 0;
    return (this.lazyResult & SIGN_BIT[this.lazySize]) !== 0;
  }

  /** PF as a boolean. */
  getParity(): boolean {
    if (this.lazyOp === LazyOp.None) return (this.flagsValue & Flag.Parity) !== 0;
    return PARITY_TABLE[this.lazyResult & 0xff] !== 0;
  }

  /** Evaluates condition code `condition` (0-15, the low nibble of Jcc/SETcc/CMOVcc). */
  testCondition(condition: number): boolean {
    let value: boolean;
    switch (condition >> 1) {
      case 0:
        value = this.getOverflow();
        break;
      case 1:
        value = this.getCarry() !== 0;
        break;
      case 2:
        value = this.getZero();
        break;
      case 3:
        value = this.getCarry() !== 0 || this.getZero();
        break;
      case 4:
        value = this.getSign();
        break;
      case 5:
        value = this.getParity();
        break;
      case 6:
        value = this.getSign() !== this.getOverflow();
        break;
      default:
        value = this.getZero() || this.getSign() !== this.getOverflow();
        break;
    }
    return (condition & 1) === 0 ? value : !value;
  }

  // ---------------------------------------------------------------- memory

  /** Translates a linear address for `access` (Access bits); identity while paging is off. */
  translate(linear: number, access: number): number {
    if ((this.cr0 & PAGING) === 0) return linear >>> 0;
    return translateLinear(this, linear >>> 0, this.cpl === 3 ? access | Access.User : access);
  }

  /** Reads a byte at a linear address. */
  readLinear8(linear: number): number {
    if ((this.cr0 & PAGING) === 0) return this.memory.read8(linear >>> 0);
    return this.memory.read8(this.translate(linear, ACCESS_READ));
  }

  /** Reads 16 bits at a linear address. */
  readLinear16(linear: number): number {
    if ((this.cr0 & PAGING) === 0) return this.memory.read16(linear >>> 0);
    if ((linear & 0xfff) === 0xfff) return this.readLinear8(linear) | (this.readLinear8(linear + 1) << 8);
    return this.memory.read16(this.translate(linear, ACCESS_READ));
  }

  /** Reads 32 bits at a linear address (unsigned). */
  readLinear32(linear: number): number {
    if ((this.cr0 & PAGING) === 0) return this.memory.read32(linear >>> 0);
    if ((linear & 0xfff) > 0xffc) {
      const low = this.translate(linear, ACCESS_READ);
      const high = this.translate((linear & ~0xfff) + 0x1000, ACCESS_READ);
      let value = 0;
      for (let index = 3; index >= 0; index--) {
        const byteLinear = linear + index;
        const physical =
          (byteLinear & ~0xfff) === (linear & ~0xfff) ? low + index : high + ((byteLinear & 0xfff) >>> 0);
        value = (value << 8) | this.memory.read8(physical);
      }
      return value >>> 0;
    }
    return this.memory.read32(this.translate(linear, ACCESS_READ));
  }

  /** Writes a byte at a linear address. */
  writeLinear8(linear: number, value: number): void {
    if ((this.cr0 & PAGING) === 0) this.memory.write8(linear >>> 0, value);
    else this.memory.write8(this.translate(linear, ACCESS_WRITE), value);
  }

  /** Writes 16 bits at a linear address. */
  writeLinear16(linear: number, value: number): void {
    if ((this.cr0 & PAGING) === 0) this.memory.write16(linear >>> 0, value);
    else if ((linear & 0xfff) === 0xfff) this.writeLinearSplit(linear, value, 2);
    else this.memory.write16(this.translate(linear, ACCESS_WRITE), value);
  }

  /** Writes 32 bits at a linear address. */
  writeLinear32(linear: number, value: number): void {
    if ((this.cr0 & PAGING) === 0) this.memory.write32(linear >>> 0, value);
    else if ((linear & 0xfff) > 0xffc) this.writeLinearSplit(linear, value, 4);
    else this.memory.write32(this.translate(linear, ACCESS_WRITE), value);
  }

  /** A write crossing a page: both pages are translated (and may fault) before any byte is written. */
  private writeLinearSplit(linear: number, value: number, size: number): void {
    const low = this.translate(linear, ACCESS_WRITE);
    const highLinear = ((linear & ~0xfff) + 0x1000) >>> 0;
    const high = this.translate(highLinear, ACCESS_WRITE);
    for (let index = 0; index < size; index++) {
      const byteLinear = (linear + index) >>> 0;
      const physical = byteLinear < highLinear ? low + index : high + (byteLinear - highLinear);
      this.memory.write8(physical, value >>> (index * 8));
    }
  }

  /** Linear address of `offset` in `segment` for an access of `size` bytes, limit-checked when needed. */
  linearAddress(segment: number, offset: number, size: number, access: number): number {
    if (this.segmentChecked[segment] !== 0) checkSegmentLimit(this, segment, offset >>> 0, size, access);
    const linear = (this.segmentBase[segment] + offset) >>> 0;
    if (this.watchData)
      this.pendingBreakpointHits |= matchDataBreakpoint(this, linear, size, (access & ACCESS_WRITE) !== 0);
    return linear;
  }

  /** Reads a byte at segment:offset. */
  read8(segment: number, offset: number): number {
    return this.readLinear8(this.linearAddress(segment, offset, 1, ACCESS_READ));
  }

  /** Reads 16 bits at segment:offset. */
  read16(segment: number, offset: number): number {
    return this.readLinear16(this.linearAddress(segment, offset, 2, ACCESS_READ));
  }

  /** Reads 32 bits at segment:offset. */
  read32(segment: number, offset: number): number {
    return this.readLinear32(this.linearAddress(segment, offset, 4, ACCESS_READ));
  }

  /**
   * Physical address of segment:offset for the fast paths (the caller has checked that the
   * segment is unchecked, `segmentChecked[segment] === 0`): identity with paging off, the TLB
   * entry on a hit (same test as `translateLinear`'s hit path in src/system/linear.ts), or
   * 0xffffffff when the slow path must run (TLB miss; an access at 0xffffffff is never aligned
   * and never takes the fast path anyway).
   */
  fastPhysical(segment: number, offset: number, access: number): number {
    if (this.watchData) return 0xffffffff;
    const linear = (this.segmentBase[segment] + offset) >>> 0;
    if ((this.cr0 & PAGING) === 0) return linear;
    const mmu = this.mmu;
    if (mmu === undefined) return 0xffffffff;
    const page = linear >>> 12;
    const kind = this.cpl === 3 ? access | USER_ACCESS : access;
    if ((mmu.tlbFlags[page] & (1 << ((kind & 6) >>> 1))) === 0) return 0xffffffff;
    return (mmu.tlbPhysical[page] | (linear & 0xfff)) >>> 0;
  }

  /** Reads `size` (1, 2, 4) bytes at segment:offset. */
  readSized(segment: number, offset: number, size: number): number {
    // Fast path: flat segment, paging off or a TLB hit, naturally aligned access to a RAM page.
    if (this.segmentChecked[segment] === 0) {
      const memory = this.memory;
      const address = (this.fastPhysical(segment, offset, ACCESS_READ) & memory.a20Mask) >>> 0;
      if (
        address !== 0xffffffff &&
        (address & (size - 1)) === 0 &&
        memory.pageKind[address >>> 12] === RAM_PAGE
      ) {
        if (size === 4) return memory.ram32[address >>> 2] >>> 0;
        if (size === 2) return memory.ram16[address >>> 1];
        return memory.ram[address];
      }
    }
    if (size === 4) return this.read32(segment, offset);
    if (size === 2) return this.read16(segment, offset);
    return this.read8(segment, offset);
  }

  /** Writes a byte at segment:offset. */
  write8(segment: number, offset: number, value: number): void {
    this.writeLinear8(this.linearAddress(segment, offset, 1, ACCESS_WRITE), value);
  }

  /** Writes 16 bits at segment:offset. */
  write16(segment: number, offset: number, value: number): void {
    this.writeLinear16(this.linearAddress(segment, offset, 2, ACCESS_WRITE), value);
  }

  /** Writes 32 bits at segment:offset. */
  write32(segment: number, offset: number, value: number): void {
    this.writeLinear32(this.linearAddress(segment, offset, 4, ACCESS_WRITE), value);
  }

  /** Writes `size` (1, 2, 4) bytes at segment:offset. */
  writeSized(segment: number, offset: number, size: number, value: number): void {
    // Fast path: flat segment, paging off or a TLB hit, aligned store to a RAM page without code.
    if (this.segmentChecked[segment] === 0) {
      const memory = this.memory;
      const address = (this.fastPhysical(segment, offset, ACCESS_WRITE) & memory.a20Mask) >>> 0;
      const page = address >>> 12;
      if (
        address !== 0xffffffff &&
        (address & (size - 1)) === 0 &&
        memory.pageKind[page] === RAM_PAGE &&
        memory.codePages[page] === 0
      ) {
        if (size === 4) memory.ram32[address >>> 2] = value;
        else if (size === 2) memory.ram16[address >>> 1] = value;
        else memory.ram[address] = value;
        return;
      }
    }
    if (size === 4) this.write32(segment, offset, value);
    else if (size === 2) this.write16(segment, offset, value);
    else this.write8(segment, offset, value);
  }

  /** Linear address of the last {@link readForUpdate}. */
  private updateLinear = 0;

  /**
   * Reads `size` bytes at segment:offset after checking that they can be written (segment
   * limit and page permissions, both pages when the access crosses one), so the
   * {@link writeUpdated} that follows cannot fault: read-modify-write instructions stay atomic
   * with respect to faults.
   */
  readForUpdate(segment: number, offset: number, size: number): number {
    const linear = this.linearAddress(segment, offset, size, ACCESS_WRITE);
    this.updateLinear = linear;
    if ((this.cr0 & PAGING) !== 0) {
      this.translate(linear, ACCESS_WRITE);
      if ((linear & 0xfff) > 0x1000 - size) this.translate((linear & ~0xfff) + 0x1000, ACCESS_WRITE);
    }
    if (size === 4) return this.readLinear32(linear);
    if (size === 2) return this.readLinear16(linear);
    return this.readLinear8(linear);
  }

  /** Writes back to the address of the last {@link readForUpdate}. */
  writeUpdated(size: number, value: number): void {
    const linear = this.updateLinear;
    if (size === 4) this.writeLinear32(linear, value);
    else if (size === 2) this.writeLinear16(linear, value);
    else this.writeLinear8(linear, value);
  }

  /** Fetches a code byte at a linear address (instruction-fetch translation). */
  fetchLinear8(linear: number): number {
    if ((this.cr0 & PAGING) === 0) return this.memory.read8(linear >>> 0);
    return this.memory.read8(this.translate(linear, Access.Execute));
  }

  // ---------------------------------------------------------------- stack

  /** Pushes a 16- or 32-bit value (size 2 or 4) on SS:(E)SP. */
  push(value: number, size: number): void {
    const esp = this.registers32[ESP];
    if (this.stackSize32) {
      const newEsp = (esp - size) >>> 0;
      this.writeSized(SS, newEsp, size, value);
      this.registers32[ESP] = newEsp;
    } else {
      const newSp = (esp - size) & 0xffff;
      this.writeSized(SS, newSp, size, value);
      this.registers16[ESP << 1] = newSp;
    }
  }

  /** Pushes a 32-bit value (the 32-bit operand-size PUSH/CALL fast path; same as `push(value, 4)`). */
  push32(value: number): void {
    const esp = this.registers32[ESP];
    if (this.stackSize32) {
      const newEsp = (esp - 4) >>> 0;
      this.writeSized(SS, newEsp, 4, value);
      this.registers32[ESP] = newEsp;
    } else {
      const newSp = (esp - 4) & 0xffff;
      this.writeSized(SS, newSp, 4, value);
      this.registers16[ESP << 1] = newSp;
    }
  }

  /** Pops a 32-bit value (same as `pop(4)`). */
  pop32(): number {
    const esp = this.registers32[ESP];
    if (this.stackSize32) {
      const value = this.readSized(SS, esp, 4);
      this.registers32[ESP] = (esp + 4) >>> 0;
      return value;
    }
    const value = this.readSized(SS, esp & 0xffff, 4);
    this.registers16[ESP << 1] = (esp + 4) & 0xffff;
    return value;
  }

  /** Pops a 16- or 32-bit value (size 2 or 4) from SS:(E)SP. */
  pop(size: number): number {
    const esp = this.registers32[ESP];
    if (this.stackSize32) {
      const value = this.readSized(SS, esp, size);
      this.registers32[ESP] = (esp + size) >>> 0;
      return value;
    }
    const value = this.readSized(SS, esp & 0xffff, size);
    this.registers16[ESP << 1] = (esp + size) & 0xffff;
    return value;
  }

  /** Reads the value `depth` bytes above the stack top without popping. */
  peek(depth: number, size: number): number {
    const esp = this.registers32[ESP];
    const offset = this.stackSize32 ? (esp + depth) >>> 0 : (esp + depth) & 0xffff;
    return this.readSized(SS, offset, size);
  }

  // ---------------------------------------------------------------- exits and faults

  /** Leaves `run` after the current instruction with `exit`. */
  exitWith(exit: ExitRecord): never {
    this.pendingExit = exit;
    throw RunLoopStop.instance;
  }

  /** Leaves `run` after the current instruction (HLT, or the host's request). */
  stopAfterInstruction(): never {
    this.stopRequested = true;
    throw RunLoopStop.instance;
  }

  /** Throws a guest fault (never returns). */
  fault(vector: number, errorCode = -1, faultAddress = 0): never {
    throw new GuestFault(vector, errorCode, faultAddress);
  }

  // ---------------------------------------------------------------- decoded-instruction cache

  /** Drops cached translations of the fetch path; src/system/ calls it on CR0/CR3/CR4 writes, INVLPG and task switches. */
  invalidateTranslations(): void {
    this.linkEpoch = (this.linkEpoch + 1) | 0;
    this.fetchLinearPage = -1;
    this.fetchEntries = null;
  }

  /** Drops the decoded instructions of physical page `page` (called on writes to code pages). */
  invalidateCodePage(page: number): void {
    this.linkEpoch = (this.linkEpoch + 1) | 0;
    this.decodedPages.delete(page);
    if (this.fetchPhysicalPage === page) {
      this.fetchLinearPage = -1;
      this.fetchEntries = null;
    }
  }

  /** Drops every decoded instruction. */
  flushDecodedCache(): void {
    this.blocksSinceFlush = 0;
    for (const page of this.decodedPages.keys()) this.memory.codePages[page] = 0;
    this.decodedPages.clear();
    this.decodedCount = 0;
    this.invalidateTranslations();
  }

  private lookupFetchPage(linear: number): void {
    const linearPage = linear >>> 12;
    const physical = this.translate(linear, Access.Execute); // a #PF reports the fetched address in CR2
    const physicalPage = ((physical & this.memory.a20Mask) >>> 12) >>> 0;
    this.fetchLinearPage = linearPage;
    this.fetchPhysicalPage = physicalPage;
    const kind = this.memory.pageKind[physicalPage];
    if (kind !== PageKind.Ram && kind !== PageKind.Rom) {
      this.fetchEntries = null;
      return;
    }
    let entries = this.decodedPages.get(physicalPage);
    if (entries === undefined) {
      if (this.decodedPages.size >= MAX_DECODED_PAGES) this.flushDecodedCache();
      this.fetchLinearPage = linearPage;
      entries = new Array(4096).fill(undefined);
      this.decodedPages.set(physicalPage, entries);
      this.memory.codePages[physicalPage] = 1;
    }
    this.fetchEntries = entries;
  }

  // ---------------------------------------------------------------- block translation

  /**
   * Translates the straight-line code starting at `first` (linear address `linear`, in the
   * current fetch page) into a block, or marks it as no block start. The instructions after it
   * come from the decoded-instruction cache or are decoded now (they are in the same page, so
   * decoding them cannot fault; an instruction that crosses the page ends the run).
   */
  private translateAt(first: Instruction, linear: number): void {
    first.noBlock = true;
    const entries = this.fetchEntries;
    if (entries === null || first.crossesPage || this.fetchLinearPage !== linear >>> 12) return;
    const pageBase = (linear & ~0xfff) >>> 0;
    const run: Instruction[] = [];
    const offsets: number[] = [];
    let instruction: Instruction = first;
    let pageOffset = linear & 0xfff;
    let eipOffset = 0;
    for (;;) {
      run.push(instruction);
      offsets.push(eipOffset);
      if (run.length >= MAX_BLOCK_INSTRUCTIONS) break;
      let step = instruction.length;
      // A direct JMP/CALL: the trace goes on at its target when that is in the same page.
      if (isDirectTransfer(instruction)) step += instruction.immediate | 0;
      const nextOffset = pageOffset + step;
      if (nextOffset < 0 || nextOffset >= 0x1000) break;
      // A jump back to the start closes a loop (the block loops; see BlockBuilder.loopBack).
      if (eipOffset + step === 0) break;
      let next = entries[nextOffset];
      if (next === undefined || next.codeSize32 !== this.codeSize32) {
        try {
          next = decodeInstruction(this, (pageBase + nextOffset) >>> 0);
        } catch {
          break;
        }
        if (next.crossesPage) break;
        entries[nextOffset] = next;
        this.decodedCount++;
      }
      instruction = next;
      pageOffset = nextOffset;
      eipOffset += step;
    }
    let block: CompiledBlock | null;
    try {
      block = compileBlock(run, offsets, {
        paging: (this.cr0 & PAGING) !== 0,
        user: this.cpl === 3,
        memory: this.memory,
        mmu: this.mmu,
      });
    } catch {
      block = null; // an emitter met a case it does not translate: the interpreter keeps it
    }
    if (block === null) return;
    // Bound the host memory translated code holds, whatever the guest makes hot: past the limit
    // every decoded instruction and block is dropped (QEMU flushes its full translation cache
    // the same way) and translation starts over.
    if (this.blocksSinceFlush >= this.maxTranslatedBlocks) {
      this.flushDecodedCache();
      return;
    }
    this.blocksSinceFlush++;
    first.block = block;
    this.translatedBlocks++;
    // The instructions the block covers start counting again: they get a block of their own only
    // if they are entered from elsewhere often enough.
    for (let index = 1; index < block.length; index++) run[index]!.hits = 0;
  }

  // ---------------------------------------------------------------- run loop

  /** Asks a running `run` to return at the next event check (for hosts on another call stack). */
  requestStop(): void {
    this.endChunk();
    this.pendingExit = { kind: 'stop-request' };
  }

  /**
   * Runs up to `budget` instructions and says why it stopped. Guest faults are delivered (or
   * exit when intercepted); the host never sees an exception for guest behaviour.
   */
  run(budget: number): RunResult {
    let retired = 0;
    this.pendingExit = null;
    this.stopRequested = false;
    const registers = this.registers32;
    for (;;) {
      // Events between chunks: external interrupts, HLT wake-up.
      if (this.pendingExit !== null) return this.finishExit(retired);
      if (this.debugTrapPending) {
        // The #DB trap of an instruction that left the loop (an exit, HLT) comes first.
        this.debugTrapPending = false;
        this.halted = false;
        const outcome = this.raiseDeferredDebugTrap();
        if (outcome !== null) return { ...outcome, retired };
        continue;
      }
      if ((this.flagsValue & Flag.Interrupt) !== 0 && !this.interruptShadow && this.interrupts !== null) {
        if (this.interrupts.hasInterrupt()) {
          const vector = this.interrupts.acknowledge() & 0xff;
          this.halted = false;
          try {
            deliverInterrupt(this, vector, InterruptKind.External, -1);
          } catch (error) {
            const outcome = this.handleThrown(error);
            if (outcome !== null) return { ...outcome, retired };
          }
        }
      }
      if (this.halted) return { reason: 'halt', retired };
      if (retired >= budget) return { reason: 'budget', retired };
      let chunk = budget - retired;
      if (chunk > this.eventCheckInterval) chunk = this.eventCheckInterval;
      if (this.interruptShadow) {
        chunk = 1;
        this.interruptShadow = false;
      }
      // Single-step (SDM 17.3.1.4): TF as it was before the instruction decides, so the POPF or
      // IRET that sets TF does not trap and the one that clears it does. A trap held over by a
      // MOV SS / POP SS shadow is raised after this instruction.
      const singleStep = (this.flagsValue & Flag.Trap) !== 0 || this.deferredSingleStep;
      if (singleStep) chunk = 1;
      this.debugShadow = false;
      this.discardDebugTraps = false;
      // RF suppresses instruction breakpoints for one instruction and is cleared after it.
      const resumeFlag = (this.flagsValue & Flag.Resume) !== 0;
      if (resumeFlag) chunk = 1;
      this.watchData = breakpointsArmed(this);
      if (this.watchData) {
        chunk = 1;
        this.pendingBreakpointHits = 0;
        if (!resumeFlag) {
          const hits = matchInstructionBreakpoint(this, (this.segmentBase[CS] + this.eip) >>> 0);
          if (hits !== 0) {
            // An instruction breakpoint is a fault: #DB with EIP at the instruction.
            recordBreakpointHits(this, hits);
            this.instructionStart = this.eip;
            this.instructionStartEsp = this.registers32[ESP] | 0;
            const outcome = this.handleThrown(new GuestFault(1));
            if (outcome !== null) return { ...outcome, retired };
            continue;
          }
        }
      }
      if (this.breakpoints.size > 0) {
        // Debugger breakpoints: one instruction per chunk, checked by linear address.
        chunk = 1;
        const linear = (this.segmentBase[CS] + this.eip) >>> 0;
        if (this.breakpoints.has(linear) && linear !== this.resumeBreakpoint) {
          this.resumeBreakpoint = linear;
          return { reason: 'breakpoint', retired };
        }
        this.resumeBreakpoint = -1;
      }
      // A chunk cut only by the event interval may end early, before a translated block that
      // does not fit in it, so the block starts the next chunk instead of being interpreted
      // (chunk ends are invisible to the guest: what changes IF or the interrupt lines ends
      // the chunk or the run anyway).
      const canEndEarly =
        chunk > 1 &&
        chunk === Math.min(budget - retired, this.eventCheckInterval) &&
        chunk < budget - retired;
      this.chunkLength = chunk;
      this.chunkCountdown = chunk;
      this.retiredOrigin -= 1; // see retiredOrigin: exact counts inside the chunk
      let executed = 0;
      try {
        const segmentBase = this.segmentBase;
        // The previous instruction and the EIP it falls through to: when execution continues
        // sequentially inside the same page and nothing invalidated the fetch state, its `next`
        // link replaces the cache lookup.
        let previous: Instruction | null = null;
        let fallThrough = -1;
        while (this.chunkCountdown > 0) {
          this.chunkCountdown--;
          const start = this.eip;
          this.instructionStart = start;
          this.instructionStartEsp = registers[ESP] | 0; // int32: stored unboxed
          let instruction: Instruction | null = null as Instruction | null;
          if (previous !== null && this.fetchLinearPage !== -1) {
            if (start === fallThrough) instruction = previous.next;
            else if ((segmentBase[CS] + start) >>> 0 === previous.takenLinear) instruction = previous.taken;
          }
          if (instruction === null) {
            const linear: number = (segmentBase[CS] + start) >>> 0;
            // The page `previous` ran in (-1 when its handler invalidated the fetch state).
            const previousPage = this.fetchLinearPage;
            if (linear >>> 12 !== previousPage) this.lookupFetchPage(linear);
            const entries = this.fetchEntries;
            let found: Instruction | undefined = entries === null ? undefined : entries[linear & 0xfff];
            if (found === undefined || found.codeSize32 !== this.codeSize32) {
              found = decodeInstruction(this, linear);
              if (entries !== null && !found.crossesPage) {
                entries[linear & 0xfff] = found;
                if (++this.decodedCount > MAX_DECODED_INSTRUCTIONS) this.flushDecodedCache();
              }
            }
            instruction = found;
            if (
              previous !== null &&
              entries !== null &&
              !found.crossesPage &&
              linear >>> 12 === previousPage
            ) {
              if (start === fallThrough) previous.next = found;
              else {
                // A branch inside the page: remember the target (loops stay off the cache lookup).
                previous.taken = found;
                previous.takenLinear = linear;
              }
            }
          }
          const current: Instruction = instruction as Instruction;
          const block = current.block;
          if (block !== null) {
            // A translated block: it runs only when the chunk has room for all of it, and sets
            // eip and the countdown itself (src/jit/compile.ts).
            let countdown = this.chunkCountdown;
            if (
              countdown < block.length - 1 &&
              canEndEarly &&
              this.eventCheckInterval >= block.length &&
              budget - retired - (this.chunkLength - countdown - 1) >= block.length
            ) {
              this.chunkCountdown = countdown + 1; // this instruction has not started
              this.endChunk();
              continue;
            }
            if (countdown >= block.length - 1) {
              const linear = (segmentBase[CS] + start) | 0;
              const slot = jumpCacheSlot(linear);
              this.jumpCacheLinear[slot] = linear;
              this.jumpCacheEpoch[slot] = this.linkEpoch;
              this.jumpCacheTarget[slot] = current;
              if (block.run(this, this.registersSigned, start) !== 0) {
                this.translatedRetired += countdown + 1 - this.chunkCountdown;
                // Go on from block to block through the jump cache while the chunk has room.
                for (;;) {
                  const eip = this.eip;
                  const nextLinear = (segmentBase[CS] + eip) | 0;
                  const nextSlot = jumpCacheSlot(nextLinear);
                  if (
                    this.jumpCacheLinear[nextSlot] !== nextLinear ||
                    this.jumpCacheEpoch[nextSlot] !== this.linkEpoch ||
                    this.pendingExit !== null ||
                    !this.codeSize32
                  )
                    break;
                  const next = (this.jumpCacheTarget[nextSlot] as Instruction).block as CompiledBlock;
                  countdown = this.chunkCountdown;
                  if (countdown < next.length) break;
                  // As the loop does for the first instruction of a chunk step (the block sets
                  // instructionStart itself where something may look).
                  this.chunkCountdown = countdown - 1;
                  if (next.run(this, this.registersSigned, eip) === 0) {
                    this.chunkCountdown = countdown;
                    break;
                  }
                  this.translatedRetired += countdown - this.chunkCountdown;
                }
                previous = null;
                continue;
              }
            }
          } else if (
            // Hot counting at entry points only: reached by a branch or a lookup, or after an
            // instruction that ended a translation. Falling through inside straight-line code
            // (as the interpreter does where a block found no room in the chunk) does not count,
            // so a block's own instructions do not become blocks of their own.
            (previous === null || start !== fallThrough || previous.endsTranslation) &&
            !current.noBlock &&
            ++current.hits >= this.hotThreshold &&
            this.translationEnabled
          ) {
            this.translateAt(current, (segmentBase[CS] + start) >>> 0);
          }
          fallThrough = ((start + current.length) & current.ipMask) >>> 0;
          this.eip = fallThrough;
          current.handler(this, current);
          // Links are followed only while fetchLinearPage is valid and made only into cached
          // entries, so an instruction of an uncached (MMIO) page may be `previous` harmlessly.
          previous = current.linkable ? current : null;
        }
      } catch (error) {
        // The instruction that threw has started (counted by the countdown): it retired when it
        // stopped the loop, not when it faulted.
        executed = this.chunkLength - this.chunkCountdown - (error === RunLoopStop.instance ? 0 : 1);
        this.settleChunk(executed);
        retired += executed;
        if (error === RunLoopStop.instance && executed > 0) this.holdDebugTrap(singleStep);
        const outcome = this.handleThrown(error);
        if (outcome !== null) return { ...outcome, retired };
        continue;
      }
      executed = this.chunkLength - this.chunkCountdown;
      this.settleChunk(executed);
      retired += executed;
      if (executed > 0) {
        if (resumeFlag) this.flagsValue &= ~Flag.Resume;
        const dataHits = (this.watchData ? this.pendingBreakpointHits : 0) | this.deferredBreakpointHits;
        if (singleStep || dataHits !== 0) {
          this.deferredSingleStep = false;
          this.deferredBreakpointHits = 0;
          if (this.discardDebugTraps) {
            // INT n / INT3 / INTO delivered: the handler runs with TF clear, no trap.
            this.pendingBreakpointHits = 0;
          } else if (this.debugShadow) {
            // MOV SS / POP SS: debug traps wait until after the next instruction.
            this.deferredSingleStep = singleStep;
            this.deferredBreakpointHits = dataHits;
            this.pendingBreakpointHits = 0;
          } else {
            const outcome = this.debugTrap(singleStep, dataHits);
            if (outcome !== null) return { ...outcome, retired };
          }
        }
      }
    }
  }

  /** Closes the chunk's instruction count after `executed` instructions retired in it. */
  private settleChunk(executed: number): void {
    this.retiredOrigin += 1 + executed;
    this.chunkLength = 0;
    this.chunkCountdown = 0;
  }

  /** An instruction that left the loop (exit, HLT) owes a #DB trap: raise it when the loop resumes. */
  private holdDebugTrap(singleStep: boolean): void {
    const dataHits = (this.watchData ? this.pendingBreakpointHits : 0) | this.deferredBreakpointHits;
    if (!singleStep && dataHits === 0) return;
    const exit = this.pendingExit;
    if (this.discardDebugTraps || (exit !== null && exit.kind === 'software-interrupt')) {
      // A software interrupt (delivered, or emulated by the monitor) drops the trap.
      this.deferredSingleStep = false;
      this.deferredBreakpointHits = 0;
      this.pendingBreakpointHits = 0;
      return;
    }
    this.deferredSingleStep = singleStep;
    this.deferredBreakpointHits = dataHits;
    this.pendingBreakpointHits = 0;
    this.debugTrapPending = true;
  }

  private raiseDeferredDebugTrap(): Omit<RunResult, 'retired'> | null {
    const singleStep = this.deferredSingleStep;
    const hits = this.deferredBreakpointHits;
    this.deferredSingleStep = false;
    this.deferredBreakpointHits = 0;
    return this.debugTrap(singleStep, hits);
  }

  /** #DB trap after an instruction: single step (BS) and/or data/I/O breakpoint hits (B0-B3). */
  private debugTrap(singleStep: boolean, hits: number): Omit<RunResult, 'retired'> | null {
    if (hits !== 0) recordBreakpointHits(this, hits, singleStep ? 0x4000 : 0);
    else this.debugRegisters[6] |= 0x4000; // BS
    this.pendingBreakpointHits = 0;
    // The trap is taken after the instruction: a fault while delivering it is not restarted at
    // the instruction, so EIP/ESP "at the start" are the current ones.
    this.instructionStart = this.eip;
    this.instructionStartEsp = this.registers32[ESP] | 0;
    try {
      this.raiseOrExit(1, -1, 0, InterruptKind.Exception);
    } catch (error) {
      return this.handleThrown(error);
    }
    return null;
  }

  /** Handles a fault, a stop or a triple fault thrown out of an instruction; returns a result to return, or null to go on. */
  private handleThrown(error: unknown): Omit<RunResult, 'retired'> | null {
    if (error === RunLoopStop.instance) {
      if (this.pendingExit !== null) return null; // reported at the top of the loop
      if (this.stopRequested) {
        this.stopRequested = false;
        return null;
      }
      return null;
    }
    if (error instanceof GuestFault) {
      this.eip = this.instructionStart;
      this.registers32[ESP] = this.instructionStartEsp;
      try {
        this.raiseOrExit(error.vector, error.errorCode, error.faultAddress, InterruptKind.Exception);
      } catch (second) {
        if (second === RunLoopStop.instance) return null;
        if (second instanceof TripleFault) return { reason: 'triple-fault' };
        if (second instanceof GuestFault) {
          // A fault while delivering: src/system/ turns it into #DF / triple fault when it owns
          // delivery; until then, shut down.
          return { reason: 'triple-fault' };
        }
        throw second;
      }
      return null;
    }
    if (error instanceof TripleFault) return { reason: 'triple-fault' };
    throw error;
  }

  /** Delivers an exception, or exits when it is intercepted. */
  private raiseOrExit(vector: number, errorCode: number, faultAddress: number, kind: number): void {
    if (this.intercepts.exceptions.has(vector)) {
      const exit: ExitRecord = { kind: 'exception', vector };
      if (errorCode >= 0) exit.errorCode = errorCode;
      if (vector === 14) exit.faultAddress = faultAddress >>> 0;
      this.exitWith(exit);
    }
    if (vector === 14) this.cr2 = faultAddress >>> 0;
    deliverInterrupt(this, vector, kind, errorCode);
  }

  private finishExit(retired: number): RunResult {
    const exit = this.pendingExit;
    this.pendingExit = null;
    if (exit === null || exit.kind === 'stop-request') return { reason: 'budget', retired };
    return { reason: 'exit', retired, exit };
  }

  // ---------------------------------------------------------------- snapshot

  /** The whole architectural state as a versioned JSON-safe object (decoded caches excluded). */
  getState(): CpuState {
    const segments = [];
    for (let segment = 0; segment < 6; segment++) {
      segments.push({
        selector: this.segmentSelector[segment],
        base: this.segmentBase[segment],
        limit: this.segmentLimit[segment],
        flags: this.segmentFlags[segment],
      });
    }
    const msrs: Record<string, string> = {};
    for (const [index, value] of this.msrs) msrs[index.toString()] = value.toString();
    return {
      version: CPU_STATE_VERSION,
      registers: Array.from(this.registers32),
      eip: this.eip >>> 0,
      eflags: this.getFlags(),
      segments,
      cpl: this.cpl,
      cr0: this.cr0 >>> 0,
      cr2: this.cr2 >>> 0,
      cr3: this.cr3 >>> 0,
      cr4: this.cr4 >>> 0,
      debugRegisters: Array.from(this.debugRegisters),
      gdtr: { base: this.gdtrBase >>> 0, limit: this.gdtrLimit },
      idtr: { base: this.idtrBase >>> 0, limit: this.idtrLimit },
      ldtr: {
        selector: this.ldtrSelector,
        base: this.ldtrBase >>> 0,
        limit: this.ldtrLimit >>> 0,
        flags: this.ldtrFlags,
      },
      tr: {
        selector: this.trSelector,
        base: this.trBase >>> 0,
        limit: this.trLimit >>> 0,
        flags: this.trFlags,
      },
      msrs,
      tscOffset: this.tscOffset.toString(),
      instructionsRetired: this.instructionsRetired,
      halted: this.halted,
      interruptShadow: this.interruptShadow,
      a20: this.memory.a20Enabled,
      fpu: this.fpu.state.getState(),
    };
  }

  /** Restores a state from {@link getState} into this CPU. */
  setState(state: CpuState): void {
    if (state.version !== CPU_STATE_VERSION)
      throw new RangeError(`Cpu state version ${state.version} is not supported`);
    for (let index = 0; index < 8; index++) this.registers32[index] = state.registers[index];
    this.eip = state.eip >>> 0;
    this.setFlags(state.eflags);
    this.cpl = state.cpl & 3;
    this.cr0 = state.cr0;
    this.cr2 = state.cr2;
    this.cr3 = state.cr3;
    this.cr4 = state.cr4;
    for (let segment = 0; segment < 6; segment++) {
      const cache = state.segments[segment];
      this.setSegmentCache(segment, cache.selector, cache.base, cache.limit, cache.flags);
    }
    for (let index = 0; index < 8; index++) this.debugRegisters[index] = state.debugRegisters[index];
    this.gdtrBase = state.gdtr.base;
    this.gdtrLimit = state.gdtr.limit;
    this.idtrBase = state.idtr.base;
    this.idtrLimit = state.idtr.limit;
    this.ldtrSelector = state.ldtr.selector;
    this.ldtrBase = state.ldtr.base;
    this.ldtrLimit = state.ldtr.limit;
    this.ldtrFlags = state.ldtr.flags;
    this.trSelector = state.tr.selector;
    this.trBase = state.tr.base;
    this.trLimit = state.tr.limit;
    this.trFlags = state.tr.flags;
    this.msrs.clear();
    for (const [index, value] of Object.entries(state.msrs)) this.msrs.set(Number(index), BigInt(value));
    this.tscOffset = BigInt(state.tscOffset);
    this.instructionsRetired = state.instructionsRetired;
    this.halted = state.halted;
    this.interruptShadow = state.interruptShadow;
    this.memory.setA20(state.a20);
    this.fpu.state = FpuState.fromState(state.fpu);
    this.flushDecodedCache();
  }

  /** Creates a CPU from a state object (see {@link getState}). */
  static fromState(state: CpuState, options: CpuOptions): Cpu {
    const cpu = new Cpu(options);
    cpu.setState(state);
    return cpu;
  }
}

/** Mask of a value of `size` bytes. */
export function sizeMask(size: number): number {
  return SIZE_MASK[size];
}
