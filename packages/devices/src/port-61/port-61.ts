/**
 * PC/AT system control port B (port 0x61), the glue between the PIT's counter 2, the speaker
 * and the DRAM refresh signal.
 *
 * Datasheet: Intel 82371 PIIX3 datasheet, NMI status and control register (NMISC, port 0x61);
 * the IBM PC/AT technical reference for the same bits.
 *
 * Registers (offset 0, one byte): bit 0 = timer 2 gate (RW), bit 1 = speaker data enable (RW),
 * bit 2 = parity check (SERR#) disable (RW), bit 3 = channel check (IOCHK#) disable (RW), bit 4 =
 * refresh cycle toggle (RO, flips every 15.085 us of virtual time), bit 5 = timer 2 OUT (RO),
 * bit 6 = IOCHK# NMI source (RO, 0), bit 7 = SERR# NMI source (RO, 0).
 *
 * NOT IMPLEMENTED: sound (speaker data is latched, no audio), NMI sources (always 0).
 */
import type { AccessWidth, Clock } from '@openvmi/x86-core';
import { allOnes, checkVersion, counterOf } from '../common/port-access.js';
import type { I8254Pit } from '../i8254-pit/i8254-pit.js';
import type { Port61State } from './port-61-state.js';

export type { Port61State } from './port-61-state.js';

/** Refresh toggle half-period in ns (one refresh request every 15.085 us on the AT). */
export const REFRESH_TOGGLE_NS = 15_085;

/** Options of port 0x61. */
export interface Port61Options {
  /** The PIT whose counter 2 this port gates and reads. */
  pit: I8254Pit;
  /** Virtual time, for the refresh toggle and counter 2's OUT. */
  clock: Clock;
}

/** System control port B. */
export class Port61 {
  private state: Port61State;
  private readonly pit: I8254Pit;
  private readonly clock: Clock;

  constructor(options: Port61Options) {
    this.pit = options.pit;
    this.clock = options.clock;
    this.state = Port61.defaultState();
  }

  /** Power-on state: gate low, speaker off. */
  static defaultState(): Port61State {
    return { version: 1, control: 0, invalidAccesses: 0 };
  }

  /** True when the speaker is sounding (data enabled and gate high: the square wave of counter 2 reaches it). */
  speakerEnabled(): boolean {
    return (this.state.control & 3) === 3;
  }

  /** Reads the port (offset 0; other offsets all-ones). */
  read(offset: number, width: AccessWidth): number {
    if (offset !== 0) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    const now = this.clock.now();
    const refresh = Math.floor(now / REFRESH_TOGGLE_NS) & 1;
    const value = (this.state.control & 0x0f) | (refresh << 4) | (this.pit.output(2, now) ? 0x20 : 0);
    return width === 1 ? value : (allOnes(width) & ~0xff) | value;
  }

  /** Writes the control bits 0-3 (bits 4-7 are read-only). */
  write(offset: number, _width: AccessWidth, value: number): void {
    if (offset !== 0) {
      this.state.invalidAccesses++;
      return;
    }
    this.state.control = value & 0x0f;
    this.pit.setGate(2, (value & 1) !== 0);
  }

  /** Power-on state (the PIT's gate is lowered too). */
  reset(): void {
    this.state = Port61.defaultState();
    this.pit.setGate(2, false);
  }

  /** A copy of the state. */
  getState(): Port61State {
    return { ...this.state };
  }

  /** Restores a snapshot made by `getState` (the PIT's own snapshot holds the gate). */
  static fromState(state: Port61State, options: Port61Options): Port61 {
    checkVersion(state, 1, 'Port61');
    const port = new Port61(options);
    port.state = {
      version: 1,
      control: counterOf(state.control) & 0x0f,
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return port;
  }
}
