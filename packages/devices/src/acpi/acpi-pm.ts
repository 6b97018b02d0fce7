/**
 * ACPI fixed-hardware power-management registers: the PM1a event block (PM1_STS, PM1_EN), the
 * PM1a control block (PM1_CNT) and the 24-bit PM timer, laid out as the PIIX4's PM I/O space:
 * offsets 0-1 PM1_STS, 2-3 PM1_EN, 4-5 PM1_CNT, 8-11 PM_TMR (map 12 bytes at the PM base, e.g.
 * 0x600, and give the same addresses to the FADT).
 *
 * Specification: ACPI 1.0b section 4.7.3 (PM1 event and control registers, PM timer); Intel
 * 82371AB PIIX4 datasheet section 7.2 (PM I/O registers, SLP_TYP encodings: 000 = soft off).
 *
 * Registers: PM1_STS bits 0 TMR_STS, 5 GBL_STS, 8 PWRBTN_STS, 9 SLPBTN_STS, 10 RTC_STS, 15
 * WAK_STS (write 1 to clear); PM1_EN bits 0, 5, 8, 9, 10; PM1_CNT bit 0 SCI_EN (reads 1: there is
 * no legacy mode), 1 BM_RLD, 2 GBL_RLS, 12-10 SLP_TYP, 13 SLP_EN (write-only); PM_TMR bits 23-0
 * count at 3.579545 MHz of virtual time, TMR_STS is set when bit 23 changes. SCI (IRQ9 by
 * default, level) is asserted while an enabled status bit is set.
 *
 * NOT IMPLEMENTED: GPE blocks, PM1b, PM2, the sleep states other than reporting them to
 * `onSleep` (the machine decides what S1-S4 mean), BIOS/global lock handshakes (GBL_RLS is
 * stored only), the RTC wake status (RTC_STS is never set by the RTC).
 */
import type { AccessWidth, Clock, IrqLine } from '@openvmi/x86-core';
import { allOnes, checkVersion, counterOf, disconnectedIrqLine, numberOf } from '../common/port-access.js';
import type { AcpiPowerManagementState } from './acpi-pm-state.js';

export type { AcpiPowerManagementState } from './acpi-pm-state.js';

/** The PM timer frequency, Hz. */
export const PM_TIMER_FREQUENCY_HZ = 3_579_545;
const NS_PER_SECOND = 1_000_000_000;

const STS_TIMER = 0x0001;
const STS_POWER_BUTTON = 0x0100;
const STATUS_BITS = 0x8731;
const ENABLE_BITS = 0x0721;
const CNT_SCI_EN = 0x0001;
const CNT_SLP_EN = 0x2000;

/** PM timer ticks in `elapsedNs` (exact for safe integers). */
export function pmTimerTicksIn(elapsedNs: number): number {
  if (!(elapsedNs > 0)) return 0;
  const seconds = Math.floor(elapsedNs / NS_PER_SECOND);
  const remainder = elapsedNs - seconds * NS_PER_SECOND;
  return seconds * PM_TIMER_FREQUENCY_HZ + Math.floor((remainder * PM_TIMER_FREQUENCY_HZ) / NS_PER_SECOND);
}

function nanosecondsForPmTicks(ticks: number): number {
  const seconds = Math.floor(ticks / PM_TIMER_FREQUENCY_HZ);
  const remainder = ticks - seconds * PM_TIMER_FREQUENCY_HZ;
  return seconds * NS_PER_SECOND + Math.ceil((remainder * NS_PER_SECOND) / PM_TIMER_FREQUENCY_HZ);
}

/** Options of the PM block. */
export interface AcpiPowerManagementOptions {
  /** Virtual time. */
  clock: Clock;
  /** The SCI line (IRQ9, level-triggered); default unconnected. */
  sci?: IrqLine;
  /** Called when the guest writes SLP_EN, with SLP_TYP (0-7). */
  onSleep?: (sleepType: number) => void;
  /** Called when the guest enters S5 (SLP_TYP equal to `s5SleepType`). */
  onPowerOff?: () => void;
  /** The SLP_TYP of S5, as in the DSDT's `\_S5` package; default 0. */
  s5SleepType?: number;
}

/** PM1a event/control registers and the PM timer. */
export class AcpiPowerManagement {
  private state: AcpiPowerManagementState;
  private readonly clock: Clock;
  private readonly sci: IrqLine;
  private readonly onSleep: (sleepType: number) => void;
  private readonly onPowerOff: () => void;
  private readonly s5SleepType: number;
  private sciLevel = false;

  constructor(options: AcpiPowerManagementOptions) {
    this.clock = options.clock;
    this.sci = options.sci ?? disconnectedIrqLine;
    this.onSleep = options.onSleep ?? (() => {});
    this.onPowerOff = options.onPowerOff ?? (() => {});
    this.s5SleepType = (options.s5SleepType ?? 0) & 7;
    this.state = AcpiPowerManagement.defaultState();
  }

  /** Power-on state: SCI_EN set (ACPI mode; the FADT has no SMI command port). */
  static defaultState(): AcpiPowerManagementState {
    return {
      version: 1,
      status: 0,
      enable: 0,
      control: CNT_SCI_EN,
      lastTimerCheckNs: 0,
      sleepRequests: 0,
      invalidAccesses: 0,
    };
  }

  /** The 24-bit PM timer at `now`. */
  timerValue(now: number = this.clock.now()): number {
    return pmTimerTicksIn(now) & 0xffffff;
  }

  /** Reads a register (16-bit registers also by byte; PM_TMR by dword, word or byte). */
  read(offset: number, width: AccessWidth): number {
    if (offset < 0 || offset + width > 12 || (offset < 8 && offset + width > 8)) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    const now = this.clock.now();
    this.catchUp(now);
    let value = 0;
    for (let index = 0; index < width; index++) value |= this.readByte(offset + index, now) << (index * 8);
    return value >>> 0;
  }

  /** Writes a register (PM_TMR is read-only). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset < 0 || offset + width > 12 || (offset < 8 && offset + width > 8)) {
      this.state.invalidAccesses++;
      return;
    }
    this.catchUp(this.clock.now());
    for (let index = 0; index < width; index++) {
      const at = offset + index;
      const byte = (value >>> (index * 8)) & 0xff;
      if (at < 8) this.writeByte(at, byte);
    }
    this.updateSci();
  }

  /** The host pressed the power button: PWRBTN_STS, an SCI if PWRBTN_EN. */
  pressPowerButton(): void {
    this.state.status |= STS_POWER_BUTTON;
    this.updateSci();
  }

  /** Virtual time (ns) of the next timer carry when TMR_EN is set, or null. */
  nextDeadline(now: number): number | null {
    if ((this.state.enable & STS_TIMER) === 0) return null;
    const half = 0x800000;
    const next = (Math.floor(pmTimerTicksIn(now) / half) + 1) * half;
    return Math.max(nanosecondsForPmTicks(next), now + 1);
  }

  /** Computes TMR_STS up to `now` and drives the SCI. */
  advance(now: number): void {
    this.catchUp(now);
    this.updateSci();
  }

  /** Back to the power-on state. */
  reset(): void {
    const { sleepRequests, invalidAccesses } = this.state;
    this.state = { ...AcpiPowerManagement.defaultState(), sleepRequests, invalidAccesses };
    this.state.lastTimerCheckNs = this.clock.now();
    this.updateSci();
  }

  /** A copy of the state. */
  getState(): AcpiPowerManagementState {
    return { ...this.state };
  }

  /** Restores a snapshot made by `getState`. @throws TypeError on an unknown version. */
  static fromState(
    state: AcpiPowerManagementState,
    options: AcpiPowerManagementOptions,
  ): AcpiPowerManagement {
    checkVersion(state, 1, 'AcpiPowerManagement');
    const device = new AcpiPowerManagement(options);
    device.state = {
      version: 1,
      status: counterOf(state.status) & STATUS_BITS,
      enable: counterOf(state.enable) & ENABLE_BITS,
      control: (counterOf(state.control) & 0x1c07) | CNT_SCI_EN,
      lastTimerCheckNs: numberOf(state.lastTimerCheckNs),
      sleepRequests: counterOf(state.sleepRequests),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    device.updateSci();
    return device;
  }

  private catchUp(now: number): void {
    const last = this.state.lastTimerCheckNs;
    if (!(now > last)) return;
    this.state.lastTimerCheckNs = now;
    if (Math.floor(pmTimerTicksIn(now) / 0x800000) !== Math.floor(pmTimerTicksIn(last) / 0x800000)) {
      this.state.status |= STS_TIMER;
    }
  }

  private readByte(offset: number, now: number): number {
    const s = this.state;
    switch (offset) {
      case 0:
        return s.status & 0xff;
      case 1:
        return (s.status >> 8) & 0xff;
      case 2:
        return s.enable & 0xff;
      case 3:
        return (s.enable >> 8) & 0xff;
      case 4:
        return s.control & 0xff;
      case 5:
        return (s.control >> 8) & 0xff;
      case 6:
      case 7:
        return 0xff;
      default:
        return offset === 11 ? 0 : (this.timerValue(now) >> ((offset - 8) * 8)) & 0xff;
    }
  }

  private writeByte(offset: number, byte: number): void {
    const s = this.state;
    switch (offset) {
      case 0:
        s.status &= ~(byte & STATUS_BITS & 0xff);
        break;
      case 1:
        s.status &= ~((byte << 8) & STATUS_BITS);
        break;
      case 2:
        s.enable = (s.enable & 0xff00) | (byte & ENABLE_BITS & 0xff);
        break;
      case 3:
        s.enable = (s.enable & 0x00ff) | ((byte << 8) & ENABLE_BITS);
        break;
      case 4:
        s.control = (s.control & 0xff00) | (byte & 0x07) | CNT_SCI_EN;
        break;
      case 5: {
        const high = (byte << 8) & (0x1c00 | CNT_SLP_EN);
        s.control = (s.control & 0x00ff) | (high & 0x1c00);
        if (high & CNT_SLP_EN) {
          const sleepType = (high >> 10) & 7;
          s.sleepRequests++;
          this.onSleep(sleepType);
          if (sleepType === this.s5SleepType) this.onPowerOff();
        }
        break;
      }
      default:
        break;
    }
  }

  private updateSci(): void {
    const level = (this.state.control & CNT_SCI_EN) !== 0 && (this.state.status & this.state.enable) !== 0;
    if (level !== this.sciLevel) {
      this.sciLevel = level;
      if (level) this.sci.raise();
      else this.sci.lower();
    }
  }
}
