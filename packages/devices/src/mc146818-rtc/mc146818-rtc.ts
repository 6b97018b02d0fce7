/**
 * Motorola MC146818A real-time clock with 114 bytes of CMOS NVRAM (PC/AT ports 0x70-0x71, IRQ8).
 *
 * Datasheet: Motorola MC146818A Real-Time Clock Plus RAM (RTC) (ADI 1024). Memory-size fields:
 * the IBM PC/AT technical reference and the de-facto BIOS layout (0x15-0x18, 0x30-0x31,
 * 0x34-0x35, 0x5B-0x5D); century at 0x32 as the ACPI FADT's `CENTURY` field names it.
 *
 * Registers: offset 0 = index (write; bit 7 masks NMI; reads 0xFF), offset 1 = data of the
 * indexed byte: 0x00 seconds, 0x01 seconds alarm, 0x02 minutes, 0x03 minutes alarm, 0x04
 * hours, 0x05 hours alarm, 0x06 day of week, 0x07 day of month, 0x08 month, 0x09 year, 0x0A
 * register A (UIP, DV2-0, RS3-0), 0x0B register B (SET PIE AIE UIE SQWE DM 24/12 DSE), 0x0C
 * register C (IRQF PF AF UF; read clears), 0x0D register D (VRT), 0x0E-0x7F NVRAM.
 *
 * Time is the injected clock (virtual ns) plus a base epoch; the guest may set it (SET bit or
 * direct writes) and the offset is kept. UIP is high for the last 244 us before each update.
 * Flags are computed on demand (register C reads, `advance`); deadlines are pull-based.
 *
 * NOT IMPLEMENTED: daylight-saving adjustment (DSE is stored, ignored), the square-wave output
 * pin (SQWE), divider test modes (DV other than 010 stop the clock like a reset), an independent
 * day-of-week register (it is computed from the date; writes are ignored), the 500 ms delay
 * before the first update after a divider reset.
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
import type { Mc146818RtcState } from './mc146818-rtc-state.js';

export type { Mc146818RtcState } from './mc146818-rtc-state.js';

/** CMOS byte indices, by their PC meaning. */
export const CmosIndex = {
  Seconds: 0x00,
  SecondsAlarm: 0x01,
  Minutes: 0x02,
  MinutesAlarm: 0x03,
  Hours: 0x04,
  HoursAlarm: 0x05,
  DayOfWeek: 0x06,
  DayOfMonth: 0x07,
  Month: 0x08,
  Year: 0x09,
  RegisterA: 0x0a,
  RegisterB: 0x0b,
  RegisterC: 0x0c,
  RegisterD: 0x0d,
  /** Base memory in KiB, low byte (0x16 high). */
  BaseMemoryLow: 0x15,
  /** Extended memory above 1 MiB in KiB, low byte (0x18 high); copied at 0x30/0x31. */
  ExtendedMemoryLow: 0x17,
  /** Checksum of 0x10-0x2D, high byte at 0x2E, low byte at 0x2F. */
  ChecksumHigh: 0x2e,
  /** Extended memory (copy), low byte (0x31 high). */
  ExtendedMemoryLow2: 0x30,
  /** Century in BCD. */
  Century: 0x32,
  /** Memory above 16 MiB (below 4 GiB) in 64 KiB units, low byte (0x35 high). */
  MemoryAbove16MiBLow: 0x34,
  /** Memory above 4 GiB in 64 KiB units, three bytes 0x5B-0x5D. */
  MemoryAbove4GiB: 0x5b,
} as const;

const REGISTER_A = 0x0a;
const REGISTER_B = 0x0b;
const REGISTER_C = 0x0c;
const REGISTER_D = 0x0d;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_BINARY = 0x04;
const B_24_HOUR = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
const NS_PER_SECOND = 1_000_000_000;
/** UIP rises this long before the update (datasheet: tBUC = 244 us). */
export const RTC_UIP_LEAD_NS = 244_000;
const TIME_BASE_HZ = 32_768;
const MAX_ALARM_SCAN_SECONDS = 86_400;

function toBcd(value: number): number {
  return ((Math.floor(value / 10) % 10) << 4) | (value % 10);
}

function fromBcd(value: number): number {
  return (value >> 4) * 10 + (value & 0xf);
}

/** Whole 32.768 kHz time-base ticks in `elapsedNs` (exact, no overflow). */
function timeBaseTicks(elapsedNs: number): number {
  if (!(elapsedNs > 0)) return 0;
  const seconds = Math.floor(elapsedNs / NS_PER_SECOND);
  const remainder = elapsedNs - seconds * NS_PER_SECOND;
  return seconds * TIME_BASE_HZ + Math.floor((remainder * TIME_BASE_HZ) / NS_PER_SECOND);
}

function nanosecondsForTimeBaseTicks(ticks: number): number {
  const seconds = Math.floor(ticks / TIME_BASE_HZ);
  const remainder = ticks - seconds * TIME_BASE_HZ;
  return seconds * NS_PER_SECOND + Math.ceil((remainder * NS_PER_SECOND) / TIME_BASE_HZ);
}

/** Periodic interrupt period in 32.768 kHz ticks for rate select `rate` (1-15), or 0 when off. */
export function periodicRateTicks(rate: number): number {
  const select = rate & 0xf;
  if (select === 0) return 0;
  if (select <= 2) return 1 << (select + 6); // 256 Hz and 128 Hz, as RS = 8 and 9
  return 1 << (select - 1);
}

interface TimeFields {
  second: number;
  minute: number;
  hour: number;
  dayOfWeek: number;
  day: number;
  month: number;
  year: number;
}

function fieldsOf(unixSeconds: number): TimeFields {
  const date = new Date(unixSeconds * 1000);
  return {
    second: date.getUTCSeconds(),
    minute: date.getUTCMinutes(),
    hour: date.getUTCHours(),
    dayOfWeek: date.getUTCDay() + 1,
    day: date.getUTCDate(),
    month: date.getUTCMonth() + 1,
    year: date.getUTCFullYear(),
  };
}

function secondsOf(fields: TimeFields): number {
  const date = new Date(0);
  date.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  date.setUTCHours(fields.hour, fields.minute, fields.second, 0);
  return Math.floor(date.getTime() / 1000);
}

/** Latest representable time: the end of year 9999. */
const MAX_UNIX_SECONDS = 253_402_300_799;

/** Options of the RTC. */
export interface Mc146818RtcOptions {
  /** Virtual time. */
  clock: Clock;
  /** Unix time in milliseconds that virtual time 0 corresponds to; default 0 (1970-01-01). */
  epochMs?: number;
  /** IRQ8; default unconnected. */
  irq?: IrqLine;
  /** Called when the guest changes the NMI mask (port 0x70 bit 7); default no-op. */
  onNmiMaskChange?: (masked: boolean) => void;
}

/** The MC146818A RTC and CMOS. */
export class Mc146818Rtc {
  private state: Mc146818RtcState;
  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly onNmiMaskChange: (masked: boolean) => void;
  private irqLevel = false;

  constructor(options: Mc146818RtcOptions) {
    this.clock = options.clock;
    this.irq = options.irq ?? disconnectedIrqLine;
    this.onNmiMaskChange = options.onNmiMaskChange ?? (() => {});
    this.state = Mc146818Rtc.defaultState(options.epochMs ?? 0);
  }

  /** State at power-up with a good battery: 24-hour BCD mode, 1024 Hz rate, divider running. */
  static defaultState(epochMs = 0): Mc146818RtcState {
    const cmos = new Array<number>(128).fill(0);
    cmos[REGISTER_A] = 0x26;
    cmos[REGISTER_B] = B_24_HOUR;
    cmos[REGISTER_D] = 0x80;
    const epoch = Number.isFinite(epochMs) ? epochMs : 0;
    const seconds = Math.floor(epoch / 1000);
    return {
      version: 1,
      cmos,
      index: 0,
      nmiMasked: false,
      baseSeconds: seconds,
      // Keep the sub-second phase of the epoch: the next update comes when the second ends.
      baseNs: -(epoch - seconds * 1000) * 1_000_000,
      frozenSeconds: null,
      dividerEpochNs: 0,
      lastEventCheckNs: 0,
      invalidAccesses: 0,
    };
  }

  /** Reads the index port (offset 0, reads 0xFF) or the data port (offset 1). */
  read(offset: number, width: AccessWidth): number {
    if (offset < 0 || offset + width > 2) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    return readBytes(offset, width, (byteOffset) => (byteOffset === 0 ? 0xff : this.readData()));
  }

  /** Writes the index port (offset 0) or the data port (offset 1). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset < 0 || offset + width > 2) {
      this.state.invalidAccesses++;
      return;
    }
    writeBytes(offset, width, value, (byteOffset, byte) => {
      if (byteOffset === 0) this.writeIndex(byte);
      else this.writeData(byte);
    });
  }

  /** NMI masked by port 0x70 bit 7. */
  nmiMasked(): boolean {
    return this.state.nmiMasked;
  }

  /** Reads CMOS byte `index` (0-127) as the guest would, without side effects on register C. */
  peek(index: number): number {
    const at = index & 0x7f;
    return at === REGISTER_C ? this.state.cmos[REGISTER_C] : this.readRegister(at, this.clock.now());
  }

  /** Stores a raw NVRAM byte (board set-up; 0x0E-0x7F other than the century byte). */
  setNvram(index: number, value: number): void {
    if (!Number.isInteger(index) || index < 0x0e || index > 0x7f)
      throw new RangeError(`not an NVRAM byte: ${index}`);
    this.state.cmos[index] = value & 0xff;
  }

  /**
   * Fills the standard memory-size fields: base memory 640 KiB (0x15/0x16), extended memory
   * above 1 MiB in KiB capped at 0xFFFF (0x17/0x18 and 0x30/0x31), memory above 16 MiB in
   * 64 KiB units capped at 0xFFFF (0x34/0x35), memory above 4 GiB in 64 KiB units (0x5B-0x5D),
   * then the 0x10-0x2D checksum.
   */
  setMemorySize(belowFourGiBBytes: number, aboveFourGiBBytes = 0): void {
    const cmos = this.state.cmos;
    const below = Math.max(0, Math.min(Math.floor(belowFourGiBBytes), 0x1_0000_0000));
    const above = Math.max(0, Math.floor(aboveFourGiBBytes));
    const baseKiB = Math.min(640, Math.floor(below / 1024));
    cmos[0x15] = baseKiB & 0xff;
    cmos[0x16] = baseKiB >> 8;
    const extendedKiB = Math.min(0xffff, Math.max(0, Math.floor((below - 0x100000) / 1024)));
    cmos[0x17] = cmos[0x30] = extendedKiB & 0xff;
    cmos[0x18] = cmos[0x31] = extendedKiB >> 8;
    const above16 = Math.min(0xffff, Math.max(0, Math.floor((below - 0x1000000) / 0x10000)));
    cmos[0x34] = above16 & 0xff;
    cmos[0x35] = above16 >> 8;
    const above4G = Math.min(0xffffff, Math.floor(above / 0x10000));
    cmos[0x5b] = above4G & 0xff;
    cmos[0x5c] = (above4G >> 8) & 0xff;
    cmos[0x5d] = (above4G >> 16) & 0xff;
    this.updateChecksum();
  }

  /** Recomputes the AT checksum over 0x10-0x2D into 0x2E (high) / 0x2F (low). */
  updateChecksum(): void {
    let sum = 0;
    for (let index = 0x10; index <= 0x2d; index++) sum += this.state.cmos[index];
    this.state.cmos[0x2e] = (sum >> 8) & 0xff;
    this.state.cmos[0x2f] = sum & 0xff;
  }

  /** The time the RTC shows at `now`, in Unix seconds. */
  unixSeconds(now: number = this.clock.now()): number {
    return this.state.frozenSeconds ?? this.runningSeconds(now);
  }

  /** Virtual time (ns) of the next interrupt-relevant event (periodic with PIE, update with UIE/AIE), or null. */
  nextDeadline(now: number): number | null {
    const b = this.state.cmos[REGISTER_B];
    let deadline = Number.POSITIVE_INFINITY;
    const period = periodicRateTicks(this.state.cmos[REGISTER_A]);
    if (b & B_PIE && period !== 0 && this.dividerRunning()) {
      const epoch = this.state.dividerEpochNs;
      const next = (Math.floor(timeBaseTicks(now - epoch) / period) + 1) * period;
      deadline = Math.min(deadline, epoch + nanosecondsForTimeBaseTicks(next));
    }
    if (b & (B_UIE | B_AIE) && this.running()) {
      const elapsed = Math.floor((now - this.state.baseNs) / NS_PER_SECOND) + 1;
      deadline = Math.min(deadline, this.state.baseNs + elapsed * NS_PER_SECOND);
    }
    return deadline === Number.POSITIVE_INFINITY ? null : Math.max(deadline, now + 1);
  }

  /** Computes the flags due by `now` and drives IRQ8. */
  advance(now: number): void {
    this.catchUp(now);
    this.updateIrq();
  }

  /** Power-on reset as the RESET pin does it: PIE, AIE, UIE and the flags clear; time and NVRAM kept. */
  reset(): void {
    this.state.cmos[REGISTER_B] &= ~(B_PIE | B_AIE | B_UIE);
    this.state.cmos[REGISTER_C] = 0;
    this.updateIrq();
  }

  /** A deep copy of the state. */
  getState(): Mc146818RtcState {
    return { ...this.state, cmos: [...this.state.cmos] };
  }

  /** Restores a snapshot made by `getState` (fields masked). @throws TypeError on an unknown version. */
  static fromState(state: Mc146818RtcState, options: Mc146818RtcOptions): Mc146818Rtc {
    checkVersion(state, 1, 'Mc146818Rtc');
    const rtc = new Mc146818Rtc(options);
    const cmos = new Array<number>(128).fill(0);
    if (Array.isArray(state.cmos))
      for (let index = 0; index < 128; index++) cmos[index] = byteOf(state.cmos[index]);
    cmos[REGISTER_D] = 0x80;
    const frozen = state.frozenSeconds;
    rtc.state = {
      version: 1,
      cmos,
      index: byteOf(state.index) & 0x7f,
      nmiMasked: flagOf(state.nmiMasked),
      baseSeconds: Math.min(MAX_UNIX_SECONDS, Math.max(0, Math.floor(numberOf(state.baseSeconds)))),
      baseNs: numberOf(state.baseNs),
      frozenSeconds:
        typeof frozen === 'number' && Number.isFinite(frozen)
          ? Math.min(MAX_UNIX_SECONDS, Math.max(0, Math.floor(frozen)))
          : null,
      dividerEpochNs: numberOf(state.dividerEpochNs),
      lastEventCheckNs: numberOf(state.lastEventCheckNs),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    rtc.updateIrq();
    return rtc;
  }

  private dividerRunning(): boolean {
    return ((this.state.cmos[REGISTER_A] >> 4) & 7) === 2;
  }

  private running(): boolean {
    return this.state.frozenSeconds === null;
  }

  private runningSeconds(now: number): number {
    const seconds = this.state.baseSeconds + Math.floor((now - this.state.baseNs) / NS_PER_SECOND);
    return Math.min(MAX_UNIX_SECONDS, Math.max(0, seconds));
  }

  private binary(): boolean {
    return (this.state.cmos[REGISTER_B] & B_BINARY) !== 0;
  }

  private encode(value: number): number {
    return this.binary() ? value & 0xff : toBcd(value);
  }

  private decode(value: number): number {
    return this.binary() ? value : fromBcd(value);
  }

  private encodeHour(hour: number): number {
    if (this.state.cmos[REGISTER_B] & B_24_HOUR) return this.encode(hour);
    const hour12 = hour % 12 === 0 ? 12 : hour % 12;
    return this.encode(hour12) | (hour >= 12 ? 0x80 : 0);
  }

  private decodeHour(value: number): number {
    if (this.state.cmos[REGISTER_B] & B_24_HOUR) return this.decode(value);
    return (this.decode(value & 0x7f) % 12) + (value & 0x80 ? 12 : 0);
  }

  /** The bytes 0, 2, 4 (time) as the chip would hold them at `seconds`. */
  private timeBytes(seconds: number): [number, number, number] {
    const fields = fieldsOf(seconds);
    return [this.encode(fields.second), this.encode(fields.minute), this.encodeHour(fields.hour)];
  }

  private alarmMatches(seconds: number): boolean {
    const cmos = this.state.cmos;
    const current = this.timeBytes(seconds);
    const alarms = [cmos[0x01], cmos[0x03], cmos[0x05]];
    for (let index = 0; index < 3; index++) {
      if ((alarms[index] & 0xc0) === 0xc0) continue; // don't care
      if (alarms[index] !== current[index]) return false;
    }
    return true;
  }

  /** Sets PF, UF and AF for the events between the last check and `now`. */
  private catchUp(now: number): void {
    const last = this.state.lastEventCheckNs;
    if (!(now > last)) return;
    this.state.lastEventCheckNs = now;
    const cmos = this.state.cmos;
    const period = periodicRateTicks(cmos[REGISTER_A]);
    if (period !== 0 && this.dividerRunning()) {
      const epoch = this.state.dividerEpochNs;
      if (
        Math.floor(timeBaseTicks(now - epoch) / period) > Math.floor(timeBaseTicks(last - epoch) / period)
      ) {
        cmos[REGISTER_C] |= C_PF;
      }
    }
    if (!this.running()) return;
    const before = this.runningSeconds(last);
    const after = this.runningSeconds(now);
    if (after > before) {
      cmos[REGISTER_C] |= C_UF;
      const first = Math.max(before + 1, after - MAX_ALARM_SCAN_SECONDS);
      for (let second = first; second <= after; second++) {
        if (this.alarmMatches(second)) {
          cmos[REGISTER_C] |= C_AF;
          break;
        }
      }
    }
  }

  private updateIrq(): void {
    const cmos = this.state.cmos;
    const enabled = cmos[REGISTER_B] & (B_PIE | B_AIE | B_UIE);
    const flags = cmos[REGISTER_C] & (C_PF | C_AF | C_UF);
    // PIE/AIE/UIE line up with PF/AF/UF (bits 6-4 of registers B and C).
    if (flags & enabled) cmos[REGISTER_C] |= C_IRQF;
    else cmos[REGISTER_C] &= ~C_IRQF;
    const level = (cmos[REGISTER_C] & C_IRQF) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      if (level) this.irq.raise();
      else this.irq.lower();
    }
  }

  private writeIndex(value: number): void {
    this.state.index = value & 0x7f;
    const masked = (value & 0x80) !== 0;
    if (masked !== this.state.nmiMasked) {
      this.state.nmiMasked = masked;
      this.onNmiMaskChange(masked);
    }
  }

  private readRegister(index: number, now: number): number {
    const cmos = this.state.cmos;
    switch (index) {
      case 0x00:
      case 0x02:
      case 0x04:
      case 0x06:
      case 0x07:
      case 0x08:
      case 0x09:
      case 0x32: {
        const fields = fieldsOf(this.unixSeconds(now));
        switch (index) {
          case 0x00:
            return this.encode(fields.second);
          case 0x02:
            return this.encode(fields.minute);
          case 0x04:
            return this.encodeHour(fields.hour);
          case 0x06:
            return this.encode(fields.dayOfWeek);
          case 0x07:
            return this.encode(fields.day);
          case 0x08:
            return this.encode(fields.month);
          case 0x09:
            return this.encode(fields.year % 100);
          default:
            return toBcd(Math.floor(fields.year / 100));
        }
      }
      case REGISTER_A: {
        const fraction = (((now - this.state.baseNs) % NS_PER_SECOND) + NS_PER_SECOND) % NS_PER_SECOND;
        const uip = this.running() && fraction >= NS_PER_SECOND - RTC_UIP_LEAD_NS;
        return (cmos[REGISTER_A] & 0x7f) | (uip ? 0x80 : 0);
      }
      case REGISTER_D:
        return 0x80;
      default:
        return cmos[index];
    }
  }

  private readData(): number {
    const now = this.clock.now();
    const index = this.state.index;
    if (index === REGISTER_C) {
      this.catchUp(now);
      this.updateIrq();
      const value = this.state.cmos[REGISTER_C];
      this.state.cmos[REGISTER_C] = 0;
      this.updateIrq();
      return value;
    }
    return this.readRegister(index, now);
  }

  private setTimeField(index: number, value: number, now: number): void {
    const fields = fieldsOf(this.unixSeconds(now));
    const decoded = this.decode(value);
    switch (index) {
      case 0x00:
        fields.second = decoded;
        break;
      case 0x02:
        fields.minute = decoded;
        break;
      case 0x04:
        fields.hour = this.decodeHour(value);
        break;
      case 0x07:
        fields.day = decoded;
        break;
      case 0x08:
        fields.month = decoded;
        break;
      case 0x09:
        fields.year = Math.floor(fields.year / 100) * 100 + (decoded % 100);
        break;
      default: // 0x32: century, always BCD
        fields.year = fromBcd(value) * 100 + (fields.year % 100);
        break;
    }
    const seconds = secondsOf(fields);
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_UNIX_SECONDS) return;
    if (this.state.frozenSeconds !== null) this.state.frozenSeconds = seconds;
    else {
      this.state.baseSeconds = seconds;
      this.state.baseNs = now;
    }
  }

  private writeData(value: number): void {
    const now = this.clock.now();
    this.catchUp(now);
    const index = this.state.index;
    const cmos = this.state.cmos;
    switch (index) {
      case 0x00:
      case 0x02:
      case 0x04:
      case 0x07:
      case 0x08:
      case 0x09:
      case 0x32:
        this.setTimeField(index, value, now);
        break;
      case 0x06: // day of week: computed from the date
      case REGISTER_C:
      case REGISTER_D:
        break;
      case REGISTER_A: {
        const dividerWasRunning = this.dividerRunning();
        cmos[REGISTER_A] = value & 0x7f;
        this.applyRunState(now, dividerWasRunning);
        break;
      }
      case REGISTER_B: {
        let next = value;
        if (next & B_SET) next &= ~B_UIE; // SET clears UIE
        cmos[REGISTER_B] = next;
        this.applyRunState(now, this.dividerRunning());
        break;
      }
      default:
        cmos[index] = value;
        break;
    }
    this.updateIrq();
  }

  /** Stops or restarts the clock after a change of SET or the divider bits. */
  private applyRunState(now: number, dividerWasRunning: boolean): void {
    const cmos = this.state.cmos;
    const shouldRun = (cmos[REGISTER_B] & B_SET) === 0 && this.dividerRunning();
    if (!dividerWasRunning && this.dividerRunning()) this.state.dividerEpochNs = now;
    const isRunning = this.running();
    if (isRunning && !shouldRun) {
      this.state.frozenSeconds = this.runningSeconds(now);
    } else if (!isRunning && shouldRun) {
      this.state.baseSeconds = this.state.frozenSeconds ?? this.state.baseSeconds;
      this.state.baseNs = now;
      this.state.frozenSeconds = null;
    }
  }
}
