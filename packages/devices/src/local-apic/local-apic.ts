/**
 * Local APIC of a P6-family / Pentium 4 processor (xAPIC mode), for a single-processor machine,
 * memory-mapped at 0xFEE00000 (4 KiB).
 *
 * Datasheet: Intel 64 and IA-32 Architectures Software Developer's Manual, volume 3A, chapter
 * 11 "Advanced Programmable Interrupt Controller (APIC)" (register map table 11-1).
 *
 * Registers (offset, dword accesses at 16-byte aligned offsets): 0x020 ID, 0x030 version
 * (0x00050014: 6 LVT entries), 0x080 TPR, 0x090 APR, 0x0A0 PPR, 0x0B0 EOI, 0x0D0 LDR, 0x0E0 DFR,
 * 0x0F0 SVR, 0x100-0x170 ISR, 0x180-0x1F0 TMR, 0x200-0x270 IRR, 0x280 ESR, 0x300/0x310 ICR,
 * 0x320 LVT timer, 0x330 LVT thermal, 0x340 LVT performance, 0x350 LVT LINT0, 0x360 LVT LINT1,
 * 0x370 LVT error, 0x380 initial count, 0x390 current count, 0x3E0 divide configuration.
 *
 * Priorities follow the SDM: an IRR vector is delivered when its class beats the PPR (the
 * larger of TPR and the highest in-service class); acknowledging moves it to ISR; EOI clears the
 * highest ISR bit and, for level-triggered vectors (TMR), broadcasts the EOI to the I/O APIC.
 * With LINT0 in ExtINT mode (the reset value on the BSP, as firmware leaves it) or the APIC
 * globally disabled, the 8259's INTR passes through (`externalInterrupts`).
 *
 * The timer counts the bus clock (default 1 GHz) through the divider in one-shot or periodic
 * mode; it is pull-based (`nextDeadline(now)` / `advance(now)`).
 *
 * NOT IMPLEMENTED: x2APIC, TSC-deadline timer mode, IPIs to other processors (INIT, SIPI,
 * fixed to other APIC ids: counted and ignored), NMI, SMI and INIT delivery modes (LINT1 NMI is
 * not delivered), the thermal and performance-counter sources, the CMCI LVT, APIC base
 * relocation (a WRMSR that moves the base, or sets reserved bits, is refused: the CPU raises
 * #GP), focus processor checking.
 */
import type { AccessWidth, Clock, InterruptSource, LocalApicLink, MmioDevice } from '@openvmi/x86-core';
import { checkVersion, counterOf, numberOf } from '../common/port-access.js';
import type { LocalApicState } from './local-apic-state.js';

export type { LocalApicState } from './local-apic-state.js';

/** Index of each LVT entry in `LocalApicState.lvt`. */
export const LvtIndex = { Timer: 0, Thermal: 1, Performance: 2, Lint0: 3, Lint1: 4, Error: 5 } as const;

const LVT_MASKED = 0x10000;
const LVT_LEVEL = 0x8000;
const SVR_ENABLED = 0x100;
const SVR_EOI_BROADCAST_SUPPRESSION = 0x1000;
const BASE_MSR_ENABLED = 0x800;
const BASE_MSR_BSP = 0x100;
/** The only APIC base this model decodes (the board maps the page there). */
export const LOCAL_APIC_DEFAULT_BASE = 0xfee00000;
const DELIVERY_FIXED = 0;
const DELIVERY_EXTINT = 7;
const NS_PER_SECOND = 1_000_000_000;
/** Divide configuration bits 3, 1, 0 (as a 3-bit index) → divisor. */
const DIVIDERS = [2, 4, 8, 16, 32, 64, 128, 1];
/** Writable bits of each LVT entry: timer (vector, mask, mode), others (vector, delivery, polarity, trigger, mask). */
const LVT_WRITE_MASKS = [0x000700ff, 0x000107ff, 0x000107ff, 0x0001a7ff, 0x0001a7ff, 0x000100ff];

/** Options of the local APIC. */
export interface LocalApicOptions {
  /** Virtual time, for the timer's current count. */
  clock: Clock;
  /** The 8259 pair, reached through LINT0 in ExtINT mode or with the APIC disabled. */
  externalInterrupts?: InterruptSource;
  /** Called on EOI of a level-triggered vector (unless suppressed): the I/O APIC's EOI input. */
  onEoi?: (vector: number) => void;
  /** Bus clock of the timer, Hz; default 1 GHz. */
  busFrequencyHz?: number;
  /** APIC ID; default 0. */
  id?: number;
  /**
   * Called when the timer's next deadline may have moved (initial count, LVT timer or divide
   * configuration written, APIC disabled): the machine loop re-plans its time slice.
   */
  onTimerChange?: () => void;
}

function ticksIn(elapsedNs: number, frequency: number): number {
  if (!(elapsedNs > 0)) return 0;
  const seconds = Math.floor(elapsedNs / NS_PER_SECOND);
  const remainder = elapsedNs - seconds * NS_PER_SECOND;
  return seconds * frequency + Math.floor((remainder * frequency) / NS_PER_SECOND);
}

function nanosecondsFor(ticks: number, frequency: number): number {
  const seconds = Math.floor(ticks / frequency);
  const remainder = ticks - seconds * frequency;
  return seconds * NS_PER_SECOND + Math.ceil((remainder * NS_PER_SECOND) / frequency);
}

/** The highest set vector in a 256-bit register, or -1. */
function highestVector(bits: number[]): number {
  for (let word = 7; word >= 0; word--) {
    if (bits[word] !== 0) return word * 32 + 31 - Math.clz32(bits[word]);
  }
  return -1;
}

function testBit(bits: number[], vector: number): boolean {
  return (bits[vector >> 5] & (1 << (vector & 31))) !== 0;
}

function setBit(bits: number[], vector: number, value: boolean): void {
  if (value) bits[vector >> 5] = (bits[vector >> 5] | (1 << (vector & 31))) >>> 0;
  else bits[vector >> 5] = (bits[vector >> 5] & ~(1 << (vector & 31))) >>> 0;
}

/** A local APIC (xAPIC, one processor). Implements the CPU's `InterruptSource`. */
export class LocalApic implements MmioDevice, InterruptSource {
  private state: LocalApicState;
  private readonly clock: Clock;
  private readonly externalInterrupts: InterruptSource | undefined;
  private readonly onEoi: (vector: number) => void;
  private readonly frequency: number;
  private readonly onTimerChange: () => void;

  /** The CPU's link to this APIC (CPUID, IA32_APIC_BASE): give the APIC to the CPU as its `interrupts`. */
  readonly localApic: LocalApicLink;

  constructor(options: LocalApicOptions) {
    this.clock = options.clock;
    this.onTimerChange = options.onTimerChange ?? (() => {});
    this.localApic = {
      initialApicId: (options.id ?? 0) & 0xff,
      readBaseMsr: () => this.readBaseMsr(),
      writeBaseMsr: (value) => this.writeBaseMsr(value),
    };
    this.externalInterrupts = options.externalInterrupts;
    this.onEoi = options.onEoi ?? (() => {});
    const frequency = options.busFrequencyHz ?? NS_PER_SECOND;
    this.frequency = Number.isInteger(frequency) && frequency > 0 ? frequency : NS_PER_SECOND;
    this.state = LocalApic.defaultState(options.id ?? 0);
  }

  /** Reset state of the bootstrap processor's APIC (LINT0 in ExtINT mode, as firmware leaves it). */
  static defaultState(id = 0): LocalApicState {
    return {
      version: 1,
      baseMsr: (0xfee00000 | BASE_MSR_ENABLED | 0x100) >>> 0,
      id: id & 0xff,
      tpr: 0,
      ldr: 0,
      dfr: 0xffffffff,
      svr: 0xff,
      isr: new Array<number>(8).fill(0),
      tmr: new Array<number>(8).fill(0),
      irr: new Array<number>(8).fill(0),
      esr: 0,
      pendingErrors: 0,
      icrLow: 0,
      icrHigh: 0,
      lvt: [LVT_MASKED, LVT_MASKED, LVT_MASKED, DELIVERY_EXTINT << 8, LVT_MASKED, LVT_MASKED],
      initialCount: 0,
      divideConfiguration: 0,
      timerLoadTick: 0,
      timerExpirations: 0,
      ignoredIpis: 0,
      invalidAccesses: 0,
    };
  }

  /** IA32_APIC_BASE as the CPU's RDMSR returns it. */
  readBaseMsr(): number {
    return this.state.baseMsr;
  }

  /**
   * WRMSR IA32_APIC_BASE (bits 31-0): the global enable bit (clearing it resets the APIC's
   * registers; setting it again starts from that state). The BSP bit is read-only. Returns false,
   * changing nothing, for reserved bits (0-7, 9, 10) or a base other than 0xFEE00000
   * (relocation is not implemented): the CPU raises #GP(0).
   */
  writeBaseMsr(value: number): boolean {
    const bits = value >>> 0;
    if ((bits & 0x6ff) !== 0 || (bits & 0xfffff000) >>> 0 !== LOCAL_APIC_DEFAULT_BASE) return false;
    const wasEnabled = (this.state.baseMsr & BASE_MSR_ENABLED) !== 0;
    this.state.baseMsr =
      (LOCAL_APIC_DEFAULT_BASE | (bits & BASE_MSR_ENABLED) | (this.state.baseMsr & BASE_MSR_BSP)) >>> 0;
    if (wasEnabled && (bits & BASE_MSR_ENABLED) === 0) {
      const { baseMsr, id, ignoredIpis, invalidAccesses } = this.state;
      this.state = { ...LocalApic.defaultState(id), baseMsr, ignoredIpis, invalidAccesses };
      this.state.lvt[LvtIndex.Lint0] = LVT_MASKED;
      this.onTimerChange();
    }
    return true;
  }

  /**
   * Accepts an interrupt message (from the I/O APIC or LINT): sets IRR, and TMR for
   * level-triggered vectors. Vectors 0-15 are illegal and set ESR bit 6 instead.
   */
  acceptInterrupt(vector: number, levelTriggered: boolean): void {
    const v = vector & 0xff;
    if (!this.globallyEnabled()) return;
    if (v < 16) {
      this.raiseError(0x40);
      return;
    }
    setBit(this.state.irr, v, true);
    setBit(this.state.tmr, v, levelTriggered);
  }

  /** True when the APIC has a deliverable vector, or the 8259 path has an interrupt. */
  hasInterrupt(): boolean {
    if (this.deliverableVector() >= 0) return true;
    return this.externalPathOpen() && (this.externalInterrupts?.hasInterrupt() ?? false);
  }

  /** INTA: the highest deliverable APIC vector (moved to ISR), else the 8259's vector, else the spurious vector. */
  acknowledge(): number {
    const vector = this.deliverableVector();
    if (vector >= 0) {
      setBit(this.state.irr, vector, false);
      setBit(this.state.isr, vector, true);
      return vector;
    }
    if (this.externalPathOpen() && this.externalInterrupts?.hasInterrupt())
      return this.externalInterrupts.acknowledge();
    return this.state.svr & 0xff;
  }

  /** Reads a register (dword at a 16-byte aligned offset; anything else reads 0 and is counted). */
  read(offset: number, width: AccessWidth): number {
    if (width !== 4 || (offset & 0xf) !== 0 || offset < 0 || offset >= 0x1000) {
      this.state.invalidAccesses++;
      return 0;
    }
    return this.readRegister(offset >> 4) >>> 0;
  }

  /** Writes a register (dword at a 16-byte aligned offset). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (width !== 4 || (offset & 0xf) !== 0 || offset < 0 || offset >= 0x1000) {
      this.state.invalidAccesses++;
      return;
    }
    this.writeRegister(offset >> 4, value >>> 0);
  }

  /** The timer's current count at `now`. */
  currentCount(now: number = this.clock.now()): number {
    const s = this.state;
    if (s.initialCount === 0) return 0;
    const elapsed = this.dividedTicks(now);
    if (this.timerPeriodic()) return s.initialCount - (elapsed % s.initialCount);
    return elapsed >= s.initialCount ? 0 : s.initialCount - elapsed;
  }

  /** Virtual time (ns) of the next timer expiration that would interrupt, or null (stopped or masked). */
  nextDeadline(now: number): number | null {
    const s = this.state;
    if (s.initialCount === 0 || s.lvt[LvtIndex.Timer] & LVT_MASKED) return null;
    const next = s.timerExpirations + 1;
    if (!this.timerPeriodic() && next > 1) return null;
    const ticks = s.timerLoadTick + next * s.initialCount * this.divider();
    return Math.max(nanosecondsFor(ticks, this.frequency), now + 1);
  }

  /** Delivers the timer interrupt for expirations due by `now` (several periods coalesce into one). */
  advance(now: number): void {
    const s = this.state;
    if (s.initialCount === 0) return;
    const elapsed = this.dividedTicks(now);
    let expirations = Math.floor(elapsed / s.initialCount);
    if (!this.timerPeriodic()) expirations = Math.min(expirations, 1);
    if (expirations > s.timerExpirations) {
      s.timerExpirations = expirations;
      this.deliverLvt(LvtIndex.Timer);
    }
  }

  /** Back to the reset state (the ID is kept). */
  reset(): void {
    const { id, ignoredIpis, invalidAccesses } = this.state;
    this.state = { ...LocalApic.defaultState(id), ignoredIpis, invalidAccesses };
  }

  /** A deep copy of the state. */
  getState(): LocalApicState {
    const s = this.state;
    return { ...s, isr: [...s.isr], tmr: [...s.tmr], irr: [...s.irr], lvt: [...s.lvt] };
  }

  /** Restores a snapshot made by `getState`. @throws TypeError on an unknown version. */
  static fromState(state: LocalApicState, options: LocalApicOptions): LocalApic {
    checkVersion(state, 1, 'LocalApic');
    const apic = new LocalApic(options);
    const words = (value: unknown, length: number) => {
      const result = new Array<number>(length).fill(0);
      if (Array.isArray(value))
        for (let index = 0; index < length; index++) result[index] = numberOf(value[index]) >>> 0;
      return result;
    };
    const lvt = words(state.lvt, 6).map((entry, index) => entry & LVT_WRITE_MASKS[index]);
    apic.state = {
      version: 1,
      baseMsr: (counterOf(state.baseMsr) & 0xfffff900) >>> 0,
      id: counterOf(state.id) & 0xff,
      tpr: counterOf(state.tpr) & 0xff,
      ldr: (counterOf(state.ldr) & 0xff000000) >>> 0,
      dfr: (counterOf(state.dfr) | 0x0fffffff) >>> 0,
      svr: counterOf(state.svr) & 0x13ff,
      isr: words(state.isr, 8),
      tmr: words(state.tmr, 8),
      irr: words(state.irr, 8),
      esr: counterOf(state.esr) & 0xef,
      pendingErrors: counterOf(state.pendingErrors) & 0xef,
      icrLow: counterOf(state.icrLow) & 0x000ccfff,
      icrHigh: (counterOf(state.icrHigh) & 0xff000000) >>> 0,
      lvt,
      initialCount: counterOf(state.initialCount),
      divideConfiguration: counterOf(state.divideConfiguration) & 0xb,
      timerLoadTick: Math.max(0, Math.floor(numberOf(state.timerLoadTick))),
      timerExpirations: counterOf(state.timerExpirations),
      ignoredIpis: counterOf(state.ignoredIpis),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return apic;
  }

  private globallyEnabled(): boolean {
    return (this.state.baseMsr & BASE_MSR_ENABLED) !== 0;
  }

  private softwareEnabled(): boolean {
    return this.globallyEnabled() && (this.state.svr & SVR_ENABLED) !== 0;
  }

  /** The 8259's INTR reaches the CPU: APIC globally disabled, or LINT0 unmasked in ExtINT mode. */
  private externalPathOpen(): boolean {
    if (!this.globallyEnabled()) return true;
    const lint0 = this.state.lvt[LvtIndex.Lint0];
    return (lint0 & LVT_MASKED) === 0 && ((lint0 >> 8) & 7) === DELIVERY_EXTINT;
  }

  private processorPriority(): number {
    const isrv = highestVector(this.state.isr);
    const isrClass = isrv < 0 ? 0 : isrv & 0xf0;
    const tpr = this.state.tpr;
    return (tpr & 0xf0) >= isrClass ? tpr : isrClass;
  }

  private deliverableVector(): number {
    if (!this.softwareEnabled()) return -1;
    const vector = highestVector(this.state.irr);
    if (vector < 0) return -1;
    return (vector & 0xf0) > (this.processorPriority() & 0xf0) ? vector : -1;
  }

  private timerPeriodic(): boolean {
    return ((this.state.lvt[LvtIndex.Timer] >> 17) & 3) === 1;
  }

  private divider(): number {
    const config = this.state.divideConfiguration;
    return DIVIDERS[(config & 3) | ((config >> 1) & 4)];
  }

  private dividedTicks(now: number): number {
    const elapsed = ticksIn(now, this.frequency) - this.state.timerLoadTick;
    return elapsed > 0 ? Math.floor(elapsed / this.divider()) : 0;
  }

  /** Raises the interrupt an LVT entry describes (fixed delivery only). */
  private deliverLvt(index: number): void {
    const entry = this.state.lvt[index];
    if (entry & LVT_MASKED || !this.softwareEnabled()) return;
    const mode = index === LvtIndex.Timer || index === LvtIndex.Error ? DELIVERY_FIXED : (entry >> 8) & 7;
    if (mode !== DELIVERY_FIXED) return;
    this.acceptInterrupt(entry & 0xff, (entry & LVT_LEVEL) !== 0 && index >= LvtIndex.Lint0);
  }

  private raiseError(bits: number): void {
    this.state.pendingErrors |= bits;
    this.deliverLvt(LvtIndex.Error);
  }

  private readRegister(index: number): number {
    const s = this.state;
    switch (index) {
      case 0x02:
        return s.id << 24;
      case 0x03:
        return 0x00050014;
      case 0x08:
        return s.tpr;
      case 0x09:
        return 0; // APR: arbitration priority is not modelled
      case 0x0a:
        return this.processorPriority();
      case 0x0d:
        return s.ldr;
      case 0x0e:
        return s.dfr;
      case 0x0f:
        return s.svr;
      case 0x28:
        return s.esr;
      case 0x30:
        return s.icrLow;
      case 0x31:
        return s.icrHigh;
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
      case 0x36:
      case 0x37:
        return s.lvt[index - 0x32];
      case 0x38:
        return s.initialCount;
      case 0x39:
        return this.currentCount();
      case 0x3e:
        return s.divideConfiguration;
      default:
        if (index >= 0x10 && index < 0x18) return s.isr[index - 0x10];
        if (index >= 0x18 && index < 0x20) return s.tmr[index - 0x18];
        if (index >= 0x20 && index < 0x28) return s.irr[index - 0x20];
        return 0;
    }
  }

  private writeRegister(index: number, value: number): void {
    const s = this.state;
    switch (index) {
      case 0x02:
        s.id = value >>> 24;
        break;
      case 0x08:
        s.tpr = value & 0xff;
        break;
      case 0x0b:
        this.endOfInterrupt();
        break;
      case 0x0d:
        s.ldr = (value & 0xff000000) >>> 0;
        break;
      case 0x0e:
        s.dfr = (value | 0x0fffffff) >>> 0;
        break;
      case 0x0f:
        s.svr = value & 0x13ff;
        if ((value & SVR_ENABLED) === 0) {
          // Software disable masks every LVT entry.
          for (let entry = 0; entry < 6; entry++) s.lvt[entry] |= LVT_MASKED;
          this.onTimerChange();
        }
        break;
      case 0x28:
        s.esr = s.pendingErrors;
        s.pendingErrors = 0;
        break;
      case 0x30:
        s.icrLow = value & 0x000ccfff;
        this.sendIpi();
        break;
      case 0x31:
        s.icrHigh = (value & 0xff000000) >>> 0;
        break;
      case 0x32:
      case 0x33:
      case 0x34:
      case 0x35:
      case 0x36:
      case 0x37: {
        const entry = index - 0x32;
        // Expirations while the timer was masked are lost: account for them before unmasking.
        if (entry === LvtIndex.Timer) this.advance(this.clock.now());
        let next = value & LVT_WRITE_MASKS[entry];
        if (!this.softwareEnabled()) next |= LVT_MASKED;
        if (entry === LvtIndex.Timer && ((next >> 17) & 3) === 2) next &= ~0x40000; // no TSC-deadline
        s.lvt[entry] = next;
        if (entry === LvtIndex.Timer) this.onTimerChange();
        break;
      }
      case 0x38:
        s.initialCount = value;
        s.timerLoadTick = ticksIn(this.clock.now(), this.frequency);
        s.timerExpirations = 0;
        this.onTimerChange();
        break;
      case 0x3e: {
        const now = this.clock.now();
        const remaining = this.currentCount(now);
        s.divideConfiguration = value & 0xb;
        // Keep counting from the current count with the new divider.
        if (s.initialCount !== 0 && remaining !== 0) {
          const consumed = s.initialCount - remaining;
          s.timerLoadTick = ticksIn(now, this.frequency) - consumed * this.divider();
        }
        this.onTimerChange();
        break;
      }
      default:
        if (
          index !== 0x03 &&
          index !== 0x09 &&
          index !== 0x0a &&
          index !== 0x39 &&
          !(index >= 0x10 && index < 0x28)
        ) {
          this.state.invalidAccesses++;
        }
        break;
    }
  }

  private endOfInterrupt(): void {
    const vector = highestVector(this.state.isr);
    if (vector < 0) return;
    setBit(this.state.isr, vector, false);
    if (testBit(this.state.tmr, vector) && (this.state.svr & SVR_EOI_BROADCAST_SUPPRESSION) === 0) {
      this.onEoi(vector);
    }
  }

  private sendIpi(): void {
    const s = this.state;
    const low = s.icrLow;
    const vector = low & 0xff;
    const mode = (low >> 8) & 7;
    const shorthand = (low >> 18) & 3;
    const destination = s.icrHigh >>> 24;
    const logical = (low & 0x800) !== 0;
    let toSelf: boolean;
    if (shorthand === 1 || shorthand === 2) toSelf = true;
    else if (shorthand === 3) toSelf = false;
    else if (logical) toSelf = destination === 0xff || (destination & (s.ldr >>> 24)) !== 0;
    else toSelf = destination === 0xff || destination === s.id;
    const toOthers =
      shorthand === 2 || shorthand === 3 || (shorthand === 0 && (destination === 0xff || !toSelf));
    if (toOthers) s.ignoredIpis++;
    if (!toSelf) return;
    if (mode !== DELIVERY_FIXED) {
      s.ignoredIpis++;
      return;
    }
    if (vector < 16) {
      this.raiseError(0x20); // send illegal vector
      return;
    }
    this.acceptInterrupt(vector, false);
  }
}
