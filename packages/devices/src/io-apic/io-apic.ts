/**
 * Intel 82093AA I/O APIC: 24 interrupt inputs, a redirection table, messages to the local
 * APIC; memory-mapped at 0xFEC00000.
 *
 * Datasheet: Intel 82093AA I/O Advanced Programmable Interrupt Controller (IOAPIC) (order
 * 290566), section 3.
 *
 * Registers: MMIO offset 0x00 IOREGSEL (byte or dword), 0x10 IOWIN (dword). Indirect registers:
 * 0x00 IOAPICID (bits 27-24), 0x01 IOAPICVER (0x00170011: 24 entries, version 0x11), 0x02
 * IOAPICARB, 0x10-0x3F redirection table (entry n at 0x10 + 2n low, + 1 high): vector (7-0),
 * delivery mode (10-8), destination mode (11), delivery status (12, RO, always idle), polarity
 * (13), remote IRR (14, RO), trigger mode (15), mask (16), destination (63-56).
 *
 * Edge-triggered pins deliver on each assertion while unmasked (assertions while masked are
 * lost, as the datasheet says). Level-triggered pins deliver while asserted and remote IRR is
 * clear, set remote IRR, and are serviced again after the local APIC's EOI broadcast for their
 * vector (`endOfInterrupt`). `IrqLine.raise()` means asserted whatever the polarity bit says
 * (the board wires the active level).
 *
 * NOT IMPLEMENTED: SMI, NMI, INIT and ExtINT delivery modes (counted in `undeliverable`),
 * destination decoding for several processors (every message goes to the one local APIC), the
 * 0x40 EOI register of later versions.
 */
import type { AccessWidth, IrqLine, MmioDevice } from '@openvmi/x86-core';
import { checkVersion, counterOf, numberOf } from '../common/port-access.js';
import type { IoApicState } from './io-apic-state.js';

export type { IoApicState } from './io-apic-state.js';

/** Number of redirection entries. */
export const IO_APIC_PINS = 24;

const MASKED = 0x10000;
const LEVEL = 0x8000;
const REMOTE_IRR = 0x4000;
const LOW_WRITABLE = 0x0001afff;

/** One interrupt message to a local APIC. */
export interface IoApicMessage {
  vector: number;
  levelTriggered: boolean;
  /** Destination field (APIC id, or logical mask with `logicalDestination`). */
  destination: number;
  logicalDestination: boolean;
  /** 0 fixed, 1 lowest priority. */
  deliveryMode: number;
}

/** Options of the I/O APIC. */
export interface IoApicOptions {
  /** Receives each interrupt message (the board forwards it to `LocalApic.acceptInterrupt`). */
  deliver?: (message: IoApicMessage) => void;
  /** IOAPIC ID at reset (as the MADT says); default 0. */
  id?: number;
}

/** The 82093AA. */
export class IoApic implements MmioDevice {
  private state: IoApicState;
  private readonly deliver: (message: IoApicMessage) => void;
  private readonly initialId: number;
  private readonly lines: IrqLine[] = [];

  constructor(options: IoApicOptions = {}) {
    this.deliver = options.deliver ?? (() => {});
    this.initialId = (options.id ?? 0) & 0xf;
    this.state = IoApic.defaultState(this.initialId);
    for (let pin = 0; pin < IO_APIC_PINS; pin++) {
      this.lines.push({ raise: () => this.setIrq(pin, true), lower: () => this.setIrq(pin, false) });
    }
  }

  /** Reset state: every entry masked. */
  static defaultState(id = 0): IoApicState {
    return {
      version: 1,
      id: id & 0xf,
      select: 0,
      redirection: Array.from({ length: IO_APIC_PINS }, (): [number, number] => [MASKED, 0]),
      pinLevels: 0,
      undeliverable: 0,
      invalidAccesses: 0,
    };
  }

  /** The interrupt line of input `pin` (0-23). @throws RangeError outside that range. */
  irqLine(pin: number): IrqLine {
    if (!Number.isInteger(pin) || pin < 0 || pin >= IO_APIC_PINS)
      throw new RangeError(`no I/O APIC pin ${pin}`);
    return this.lines[pin];
  }

  /** Drives input `pin` (asserted = true). Out-of-range pins are ignored. */
  setIrq(pin: number, asserted: boolean): void {
    if (!Number.isInteger(pin) || pin < 0 || pin >= IO_APIC_PINS) return;
    const bit = 1 << pin;
    const was = (this.state.pinLevels & bit) !== 0;
    this.state.pinLevels = asserted ? this.state.pinLevels | bit : this.state.pinLevels & ~bit;
    const low = this.state.redirection[pin][0];
    if (low & LEVEL) {
      if (asserted) this.service(pin);
    } else if (asserted && !was) {
      this.service(pin);
    }
  }

  /** EOI broadcast from the local APIC: clears remote IRR of level entries with `vector`, re-servicing asserted pins. */
  endOfInterrupt(vector: number): void {
    for (let pin = 0; pin < IO_APIC_PINS; pin++) {
      const entry = this.state.redirection[pin];
      if ((entry[0] & 0xff) !== (vector & 0xff) || (entry[0] & REMOTE_IRR) === 0) continue;
      entry[0] &= ~REMOTE_IRR;
      if (entry[0] & LEVEL && this.state.pinLevels & (1 << pin)) this.service(pin);
    }
  }

  /** Reads IOREGSEL (offset 0) or IOWIN (offset 0x10); anything else reads 0 and is counted. */
  read(offset: number, width: AccessWidth): number {
    if (offset === 0 && (width === 4 || width === 1)) return this.state.select;
    if (offset === 0x10 && width === 4) return this.readRegister(this.state.select) >>> 0;
    this.state.invalidAccesses++;
    return 0;
  }

  /** Writes IOREGSEL (offset 0) or IOWIN (offset 0x10). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset === 0 && (width === 4 || width === 1)) {
      this.state.select = value & 0xff;
      return;
    }
    if (offset === 0x10 && width === 4) {
      this.writeRegister(this.state.select, value >>> 0);
      return;
    }
    this.state.invalidAccesses++;
  }

  /** Back to the reset state (pin levels kept: they belong to the devices). */
  reset(): void {
    const { pinLevels, undeliverable, invalidAccesses } = this.state;
    this.state = { ...IoApic.defaultState(this.initialId), pinLevels, undeliverable, invalidAccesses };
  }

  /** A deep copy of the state. */
  getState(): IoApicState {
    return {
      ...this.state,
      redirection: this.state.redirection.map(([low, high]): [number, number] => [low, high]),
    };
  }

  /** Restores a snapshot made by `getState`. @throws TypeError on an unknown version. */
  static fromState(state: IoApicState, options: IoApicOptions = {}): IoApic {
    checkVersion(state, 1, 'IoApic');
    const apic = new IoApic(options);
    const table = Array.isArray(state.redirection) ? state.redirection : [];
    apic.state = {
      version: 1,
      id: counterOf(state.id) & 0xf,
      select: counterOf(state.select) & 0xff,
      redirection: Array.from({ length: IO_APIC_PINS }, (_, pin): [number, number] => {
        const entry = Array.isArray(table[pin]) ? table[pin] : [MASKED, 0];
        return [
          (numberOf(entry[0], MASKED) >>> 0) & (LOW_WRITABLE | REMOTE_IRR),
          ((numberOf(entry[1]) >>> 0) & 0xff000000) >>> 0,
        ];
      }),
      pinLevels: (numberOf(state.pinLevels) >>> 0) & 0xffffff,
      undeliverable: counterOf(state.undeliverable),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return apic;
  }

  private service(pin: number): void {
    const entry = this.state.redirection[pin];
    const low = entry[0];
    if (low & MASKED) return;
    const level = (low & LEVEL) !== 0;
    if (level && low & REMOTE_IRR) return;
    const deliveryMode = (low >> 8) & 7;
    if (deliveryMode > 1) {
      this.state.undeliverable++;
      return;
    }
    if (level) entry[0] |= REMOTE_IRR;
    this.deliver({
      vector: low & 0xff,
      levelTriggered: level,
      destination: entry[1] >>> 24,
      logicalDestination: (low & 0x800) !== 0,
      deliveryMode,
    });
  }

  private readRegister(index: number): number {
    const s = this.state;
    if (index === 0x00 || index === 0x02) return s.id << 24;
    if (index === 0x01) return ((IO_APIC_PINS - 1) << 16) | 0x11;
    if (index >= 0x10 && index < 0x10 + IO_APIC_PINS * 2) {
      const entry = s.redirection[(index - 0x10) >> 1];
      return index & 1 ? entry[1] : entry[0];
    }
    return 0;
  }

  private writeRegister(index: number, value: number): void {
    const s = this.state;
    if (index === 0x00) {
      s.id = (value >>> 24) & 0xf;
      return;
    }
    if (index >= 0x10 && index < 0x10 + IO_APIC_PINS * 2) {
      const pin = (index - 0x10) >> 1;
      const entry = s.redirection[pin];
      if (index & 1) {
        entry[1] = (value & 0xff000000) >>> 0;
        return;
      }
      let low = (value & LOW_WRITABLE) | (entry[0] & REMOTE_IRR);
      if ((low & LEVEL) === 0) low &= ~REMOTE_IRR; // edge mode has no remote IRR
      entry[0] = low;
      if (low & LEVEL && s.pinLevels & (1 << pin)) this.service(pin);
    }
  }
}
