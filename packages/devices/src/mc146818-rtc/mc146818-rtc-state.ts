/** Snapshot of the MC146818 RTC/CMOS, version 1. */
export interface Mc146818RtcState {
  version: 1;
  /**
   * The 128 bytes of the chip: registers A-D at 0x0A-0x0D, alarm bytes at 1/3/5 and NVRAM from
   * 0x0E. The time bytes (0, 2, 4, 6-9) and the century byte 0x32 are computed from the clock.
   */
  cmos: number[];
  /** Index register (port 0x70 bits 0-6). */
  index: number;
  /** NMI disabled (port 0x70 bit 7). */
  nmiMasked: boolean;
  /** Unix seconds of the RTC at virtual time `baseNs`. */
  baseSeconds: number;
  /** Virtual time (ns) at which the RTC read `baseSeconds`; second boundaries fall at `baseNs + k * 1e9`. */
  baseNs: number;
  /** Unix seconds shown while the clock is stopped (SET = 1 or divider not running), else null. */
  frozenSeconds: number | null;
  /** Virtual time (ns) the divider chain last started; periodic interrupts are aligned to it. */
  dividerEpochNs: number;
  /** Virtual time (ns) up to which periodic/update/alarm flags have been computed. */
  lastEventCheckNs: number;
  /** Accesses at offsets the chip does not decode. */
  invalidAccesses: number;
}
