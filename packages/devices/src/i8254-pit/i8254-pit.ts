/**
 * Intel 8254 programmable interval timer, as on the PC: three counters clocked at 1.193182 MHz;
 * counter 0 drives IRQ0, counter 1 (DRAM refresh) is unconnected, counter 2 feeds the speaker
 * and is gated and read through port 0x61 (see `port-61/`).
 *
 * Datasheet: Intel 82C54 CHMOS Programmable Interval Timer (order no. 231244).
 *
 * Registers (offsets within ports 0x40-0x43): 0-2 = counter 0-2 (count write, count/status
 * read), 3 = control word (write only; reads as 0xFF): SC1 SC0 RW1 RW0 M2 M1 M0 BCD; SC = 3 is
 * the read-back command (COUNT# STATUS# CNT2 CNT1 CNT0), RW = 0 the counter latch command.
 *
 * The output is a function of the state and the time (QEMU's model): a counter remembers when
 * its count was loaded and computes the count and OUT on demand. Timers are pull-based: the
 * machine asks `nextDeadline(now)` and calls `advance(now)` there, which drives IRQ0 from
 * counter 0's OUT. Edges that a late `advance` skipped are coalesced into one pulse and counted.
 *
 * NOT IMPLEMENTED: the one-clock delay between writing a count and loading it (the count loads
 * at the write), a new count in modes 2 and 3 waiting for the end of the current period (it
 * restarts the counter at once, as in QEMU), suspension of counting in mode 0 between the two bytes of a count write, count
 * values of 1 in modes 2 and 3 (run as 2: the datasheet calls them illegal).
 */
import type { AccessWidth, Clock, IrqLine } from '@openvmi/x86-core';
import {
  allOnes,
  byteOf,
  checkVersion,
  counterOf,
  disconnectedIrqLine,
  flagOf,
  numberOf,
  readBytes,
  writeBytes,
} from '../common/port-access.js';
import type { I8254ChannelState, I8254PitState } from './i8254-pit-state.js';

export type { I8254ChannelState, I8254PitState } from './i8254-pit-state.js';

/** The PIT's input clock, Hz. */
export const PIT_FREQUENCY_HZ = 1_193_182;

const NS_PER_SECOND = 1_000_000_000;

/** Whole PIT ticks in `elapsedNs` nanoseconds (exact for any safe integer input). */
export function pitTicksIn(elapsedNs: number): number {
  if (!(elapsedNs > 0)) return 0;
  const seconds = Math.floor(elapsedNs / NS_PER_SECOND);
  const remainder = elapsedNs - seconds * NS_PER_SECOND;
  return seconds * PIT_FREQUENCY_HZ + Math.floor((remainder * PIT_FREQUENCY_HZ) / NS_PER_SECOND);
}

/** Nanoseconds until tick `ticks` has begun (the smallest ns with `pitTicksIn(ns) >= ticks`). */
export function nanosecondsForPitTicks(ticks: number): number {
  const seconds = Math.floor(ticks / PIT_FREQUENCY_HZ);
  const remainder = ticks - seconds * PIT_FREQUENCY_HZ;
  return seconds * NS_PER_SECOND + Math.ceil((remainder * NS_PER_SECOND) / PIT_FREQUENCY_HZ);
}

function toBcd(value: number): number {
  let result = 0;
  for (let digit = 0; digit < 4; digit++) {
    result |= (value % 10) << (digit * 4);
    value = Math.floor(value / 10);
  }
  return result;
}

function fromBcd(value: number): number {
  let result = 0;
  for (let digit = 3; digit >= 0; digit--) result = result * 10 + Math.min((value >> (digit * 4)) & 0xf, 9);
  return result;
}

function defaultChannel(gate: boolean): I8254ChannelState {
  return {
    mode: 0,
    access: 3,
    bcd: false,
    count: 0x10000,
    loadTick: 0,
    loaded: false,
    waitingForTrigger: false,
    pausedAtTick: null,
    gate,
    readHighByte: false,
    writeHighByte: false,
    writeLatch: 0,
    latchedBytes: 0,
    latchedCount: 0,
    statusLatched: false,
    status: 0,
    nullCount: true,
  };
}

function channelFrom(raw: Partial<I8254ChannelState> | undefined, gate: boolean): I8254ChannelState {
  const source = raw ?? {};
  const count = counterOf(source.count);
  const access = counterOf(source.access) & 3;
  const paused = source.pausedAtTick;
  return {
    mode: counterOf(source.mode) % 6,
    access: access === 0 ? 3 : access,
    bcd: flagOf(source.bcd),
    count: count >= 1 && count <= 0x10000 ? count : 0x10000,
    loadTick: Math.max(0, Math.floor(numberOf(source.loadTick))),
    loaded: flagOf(source.loaded),
    waitingForTrigger: flagOf(source.waitingForTrigger),
    pausedAtTick:
      typeof paused === 'number' && Number.isFinite(paused) && paused >= 0 ? Math.floor(paused) : null,
    gate: source.gate === undefined ? gate : flagOf(source.gate),
    readHighByte: flagOf(source.readHighByte),
    writeHighByte: flagOf(source.writeHighByte),
    writeLatch: byteOf(source.writeLatch),
    latchedBytes: counterOf(source.latchedBytes) & 3,
    latchedCount: counterOf(source.latchedCount) & 0xffff,
    statusLatched: flagOf(source.statusLatched),
    status: byteOf(source.status),
    nullCount: flagOf(source.nullCount),
  };
}

/** Options of the PIT. */
export interface I8254PitOptions {
  /** Virtual time, read when the guest accesses a counter. */
  clock: Clock;
  /** IRQ0, driven by counter 0's OUT; default unconnected. */
  irq?: IrqLine;
}

/** The 8254 PIT. */
export class I8254Pit {
  private state: I8254PitState;
  private readonly clock: Clock;
  private readonly irq: IrqLine;

  constructor(options: I8254PitOptions) {
    this.clock = options.clock;
    this.irq = options.irq ?? disconnectedIrqLine;
    this.state = I8254Pit.defaultState();
  }

  /** Power-on state: no counts loaded; gates of counters 0 and 1 tied high, counter 2's low. */
  static defaultState(): I8254PitState {
    return {
      version: 1,
      channels: [defaultChannel(true), defaultChannel(true), defaultChannel(false)],
      irqEdges: 0,
      irqLevel: false,
      coalescedEdges: 0,
      invalidAccesses: 0,
    };
  }

  /** Reads a counter (offsets 0-2); offset 3 and anything else read as all-ones. */
  read(offset: number, width: AccessWidth): number {
    if (offset < 0 || offset + width > 4) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    return readBytes(offset, width, (byteOffset) => this.readByte(byteOffset));
  }

  /** Writes a counter (offsets 0-2) or the control word (offset 3). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset < 0 || offset + width > 4) {
      this.state.invalidAccesses++;
      return;
    }
    writeBytes(offset, width, value, (byteOffset, byte) => this.writeByte(byteOffset, byte));
  }

  /** Back to the power-on state (IRQ0 lowered). */
  reset(): void {
    this.state = I8254Pit.defaultState();
    this.irq.lower();
  }

  /** Sets the GATE input of `channel` (only counter 2's is wired on a PC: port 0x61 bit 0). */
  setGate(channel: number, level: boolean): void {
    const counter = this.state.channels[channel];
    if (counter === undefined || counter.gate === level) return;
    const now = this.clock.now();
    if (level) {
      if (counter.mode === 0 || counter.mode === 4) {
        if (counter.pausedAtTick !== null) {
          counter.loadTick = pitTicksIn(now) - counter.pausedAtTick;
          counter.pausedAtTick = null;
        }
      } else if (counter.loaded) {
        // Modes 1, 2, 3, 5: a rising edge (re)triggers the count.
        counter.loadTick = pitTicksIn(now);
        counter.waitingForTrigger = false;
        counter.pausedAtTick = null;
        if (channel === 0) this.state.irqEdges = 0;
      }
    } else if (counter.mode === 0 || counter.mode === 4) {
      if (counter.loaded && counter.pausedAtTick === null) counter.pausedAtTick = this.ticks(counter, now);
    } else if (counter.mode === 2 || counter.mode === 3) {
      // Gate low stops the count; OUT goes high at once. The next rising edge reloads.
      counter.pausedAtTick = 0;
    }
    counter.gate = level;
  }

  /** GATE input of `channel`. */
  gate(channel: number): boolean {
    return this.state.channels[channel]?.gate ?? false;
  }

  /** OUT of `channel` at virtual time `now` (ns). */
  output(channel: number, now: number = this.clock.now()): boolean {
    const counter = this.state.channels[channel];
    if (counter === undefined) return false;
    return this.outputAt(counter, this.ticks(counter, now));
  }

  /** The current count of `channel` as the guest would read it unlatched (binary, not BCD). */
  countValue(channel: number, now: number = this.clock.now()): number {
    const counter = this.state.channels[channel];
    return counter === undefined ? 0 : this.countAt(counter, this.ticks(counter, now));
  }

  /** Virtual time (ns) of counter 0's next OUT change after `now`, or null when none is due. */
  nextDeadline(now: number): number | null {
    const counter = this.state.channels[0];
    if (!counter.loaded || counter.waitingForTrigger || counter.pausedAtTick !== null) return null;
    const tick = this.ticks(counter, now);
    const next = this.nextTransition(counter, tick);
    if (next === null) return null;
    return Math.max(nanosecondsForPitTicks(counter.loadTick + next), now + 1);
  }

  /** Brings IRQ0 up to date with counter 0's OUT at `now`; pulses it once for skipped edges. */
  advance(now: number): void {
    const counter = this.state.channels[0];
    const tick = this.ticks(counter, now);
    const output = this.outputAt(counter, tick);
    const edges = counter.loaded ? this.risingEdges(counter, tick) : 0;
    if (edges > this.state.irqEdges) {
      const pending = edges - this.state.irqEdges;
      this.state.coalescedEdges += pending - 1;
      if (this.state.irqLevel) this.irq.lower();
      this.irq.raise();
      this.state.irqLevel = true;
      this.state.irqEdges = edges;
    }
    if (output !== this.state.irqLevel) {
      if (output) this.irq.raise();
      else this.irq.lower();
      this.state.irqLevel = output;
    }
  }

  /** A deep copy of the state. */
  getState(): I8254PitState {
    const [zero, one, two] = this.state.channels;
    return { ...this.state, channels: [{ ...zero }, { ...one }, { ...two }] };
  }

  /** Restores a snapshot made by `getState`. @throws TypeError on an unknown version. */
  static fromState(state: I8254PitState, options: I8254PitOptions): I8254Pit {
    checkVersion(state, 1, 'I8254Pit');
    const pit = new I8254Pit(options);
    const channels = Array.isArray(state.channels) ? state.channels : [];
    pit.state = {
      version: 1,
      channels: [
        channelFrom(channels[0], true),
        channelFrom(channels[1], true),
        channelFrom(channels[2], false),
      ],
      irqEdges: counterOf(state.irqEdges),
      irqLevel: flagOf(state.irqLevel),
      coalescedEdges: counterOf(state.coalescedEdges),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return pit;
  }

  private ticks(counter: I8254ChannelState, now: number): number {
    if (!counter.loaded || counter.waitingForTrigger) return 0;
    if (counter.pausedAtTick !== null) return counter.pausedAtTick;
    return Math.max(0, pitTicksIn(now) - counter.loadTick);
  }

  private period(counter: I8254ChannelState): number {
    return counter.mode === 2 || counter.mode === 3 ? Math.max(counter.count, 2) : counter.count;
  }

  private outputAt(counter: I8254ChannelState, tick: number): boolean {
    if (!counter.loaded) return counter.mode !== 0;
    const count = this.period(counter);
    switch (counter.mode) {
      case 0:
        return tick >= count;
      case 1:
        return counter.waitingForTrigger || tick >= count;
      case 2:
        if (!counter.gate) return true;
        return tick % count !== count - 1;
      case 3:
        if (!counter.gate) return true;
        return tick % count < (count + 1) >> 1;
      default: // 4, 5
        return counter.waitingForTrigger || tick !== count;
    }
  }

  /** Rising edges of OUT from the load up to `tick` (modes 0 and 1 rise once, 4 and 5 once after the strobe). */
  private risingEdges(counter: I8254ChannelState, tick: number): number {
    if (counter.waitingForTrigger) return 0;
    const count = this.period(counter);
    switch (counter.mode) {
      case 0:
      case 1:
        return tick >= count ? 1 : 0;
      case 2:
      case 3:
        return counter.gate ? Math.floor(tick / count) : 0;
      default:
        return tick > count ? 1 : 0;
    }
  }

  private nextTransition(counter: I8254ChannelState, tick: number): number | null {
    const count = this.period(counter);
    switch (counter.mode) {
      case 0:
      case 1:
        return tick < count ? count : null;
      case 2: {
        const phase = tick % count;
        return phase < count - 1 ? tick - phase + count - 1 : tick - phase + count;
      }
      case 3: {
        const phase = tick % count;
        const high = (count + 1) >> 1;
        return phase < high ? tick - phase + high : tick - phase + count;
      }
      default:
        if (tick < count) return count;
        if (tick === count) return count + 1;
        return null;
    }
  }

  /** The counting element at `tick`, as a binary number 0-65535 (0-9999 in BCD mode). */
  private countAt(counter: I8254ChannelState, tick: number): number {
    const modulus = counter.bcd ? 10000 : 0x10000;
    if (!counter.loaded) return counter.count % modulus;
    const count = counter.count;
    switch (counter.mode) {
      case 2:
        return (count - (tick % Math.max(count, 2))) % modulus;
      case 3: {
        const period = Math.max(count, 2);
        return (count - ((2 * tick) % period)) % modulus;
      }
      default:
        return (((count - tick) % modulus) + modulus) % modulus;
    }
  }

  private statusByte(counter: I8254ChannelState, now: number): number {
    const tick = this.ticks(counter, now);
    const nullCount = counter.nullCount && (!counter.loaded || counter.waitingForTrigger || tick === 0);
    return (
      (this.outputAt(counter, tick) ? 0x80 : 0) |
      (nullCount ? 0x40 : 0) |
      (counter.access << 4) |
      (counter.mode << 1) |
      (counter.bcd ? 1 : 0)
    );
  }

  private latchCount(counter: I8254ChannelState, now: number): void {
    if (counter.latchedBytes !== 0) return; // a second latch before the read is ignored
    const value = this.countAt(counter, this.ticks(counter, now));
    counter.latchedCount = counter.bcd ? toBcd(value) : value;
    counter.latchedBytes = counter.access;
    counter.readHighByte = false;
  }

  private readByte(offset: number): number {
    if (offset === 3) return 0xff;
    const counter = this.state.channels[offset];
    if (counter.statusLatched) {
      counter.statusLatched = false;
      return counter.status;
    }
    if (counter.latchedBytes !== 0) {
      const value = counter.latchedCount;
      switch (counter.latchedBytes) {
        case 1:
          counter.latchedBytes = 0;
          return value & 0xff;
        case 2:
          counter.latchedBytes = 0;
          return (value >> 8) & 0xff;
        default:
          counter.latchedBytes = 2;
          return value & 0xff;
      }
    }
    const binary = this.countAt(counter, this.ticks(counter, this.clock.now()));
    const value = counter.bcd ? toBcd(binary) : binary;
    switch (counter.access) {
      case 1:
        return value & 0xff;
      case 2:
        return (value >> 8) & 0xff;
      default:
        counter.readHighByte = !counter.readHighByte;
        return counter.readHighByte ? value & 0xff : (value >> 8) & 0xff;
    }
  }

  private writeByte(offset: number, value: number): void {
    if (offset === 3) {
      this.writeControl(value);
      return;
    }
    const counter = this.state.channels[offset];
    switch (counter.access) {
      case 1:
        this.loadCount(offset, value);
        break;
      case 2:
        this.loadCount(offset, value << 8);
        break;
      default:
        if (!counter.writeHighByte) {
          counter.writeLatch = value;
          counter.writeHighByte = true;
        } else {
          counter.writeHighByte = false;
          this.loadCount(offset, counter.writeLatch | (value << 8));
        }
        break;
    }
  }

  private writeControl(value: number): void {
    const select = value >> 6;
    const now = this.clock.now();
    if (select === 3) {
      // Read-back: bit 5 = 0 latches counts, bit 4 = 0 latches status, bits 1-3 pick counters.
      for (let channel = 0; channel < 3; channel++) {
        if ((value & (2 << channel)) === 0) continue;
        const counter = this.state.channels[channel];
        if ((value & 0x20) === 0) this.latchCount(counter, now);
        if ((value & 0x10) === 0 && !counter.statusLatched) {
          counter.status = this.statusByte(counter, now);
          counter.statusLatched = true;
        }
      }
      return;
    }
    const counter = this.state.channels[select];
    const access = (value >> 4) & 3;
    if (access === 0) {
      this.latchCount(counter, now);
      return;
    }
    let mode = (value >> 1) & 7;
    if (mode > 5) mode -= 4;
    counter.access = access;
    counter.mode = mode;
    counter.bcd = (value & 1) !== 0;
    counter.loaded = false;
    counter.waitingForTrigger = false;
    counter.pausedAtTick = null;
    counter.readHighByte = false;
    counter.writeHighByte = false;
    counter.latchedBytes = 0;
    counter.statusLatched = false;
    counter.nullCount = true;
    if (select === 0) this.settleIrq(now);
  }

  private loadCount(channel: number, raw: number): void {
    const counter = this.state.channels[channel];
    const now = this.clock.now();
    let count = counter.bcd ? fromBcd(raw & 0xffff) : raw & 0xffff;
    if (count === 0) count = counter.bcd ? 10000 : 0x10000;
    counter.count = count;
    counter.nullCount = true;
    // Modes 2 and 3 restart with the new count at once (the chip waits for the end of the period).
    counter.loadTick = pitTicksIn(now);
    counter.loaded = true;
    counter.waitingForTrigger = counter.mode === 1 || counter.mode === 5;
    counter.pausedAtTick = counter.gate || counter.waitingForTrigger ? null : 0;
    if (channel === 0) {
      this.state.irqEdges = 0;
      this.settleIrq(now);
    }
  }

  /** Drives IRQ0 to counter 0's OUT without counting an edge (after a reprogram). */
  private settleIrq(now: number): void {
    const counter = this.state.channels[0];
    const output = this.outputAt(counter, this.ticks(counter, now));
    if (output !== this.state.irqLevel) {
      if (output) this.irq.raise();
      else this.irq.lower();
      this.state.irqLevel = output;
    }
  }
}
