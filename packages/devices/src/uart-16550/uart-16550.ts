/**
 * National Semiconductor PC16550D UART with 16-byte FIFOs (the "16550A" of PCs), one instance
 * per COM port; the board maps COM1-4 at 0x3F8/0x2F8/0x3E8/0x2E8 with IRQ 4/3/4/3.
 *
 * Datasheet: National Semiconductor PC16550D Universal Asynchronous Receiver/Transmitter with
 * FIFOs (June 1995).
 *
 * Registers (offsets 0-7; DLAB = LCR bit 7):
 * 0 RBR (read) / THR (write), DLL when DLAB; 1 IER, DLM when DLAB; 2 IIR (read) / FCR (write);
 * 3 LCR; 4 MCR; 5 LSR; 6 MSR; 7 SCR.
 *
 * Interrupt priority (IIR): receiver line status (0x6) > received data available (0x4) or
 * character timeout (0xC) > transmitter holding register empty (0x2) > modem status (0x0). The
 * IRQ pin is gated by MCR.OUT2, as on PC boards.
 *
 * The transmitter is instantaneous: a THR write goes straight to the host byte sink (or, in
 * loopback, to the receiver FIFO), so THRE and TEMT are set again at once. The receiver takes
 * bytes from a bounded host input queue as the FIFO has room; the character timeout uses the
 * injected clock and the programmed baud rate (4 character times).
 *
 * NOT IMPLEMENTED: parity, framing and break errors (host bytes arrive clean; LCR's parity and
 * break bits are stored and ignored), baud-rate pacing of the transmitter and receiver, the
 * DMA mode signals (FCR bit 3), the transmitter FIFO as a queue (it is always empty).
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
import type { Uart16550State } from './uart-16550-state.js';

export type { Uart16550State } from './uart-16550-state.js';

/** FIFO depth of the 16550A. */
export const UART_FIFO_SIZE = 16;
/** Default bound of the host input queue. */
export const UART_DEFAULT_INPUT_LIMIT = 4096;
/** The 1.8432 MHz crystal divided by 16: the baud rate at divisor 1. */
export const UART_BASE_BAUD = 115_200;

const IER_RX_DATA = 0x01;
const IER_THRE = 0x02;
const IER_LINE_STATUS = 0x04;
const IER_MODEM_STATUS = 0x08;
const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOPBACK = 0x10;
const LSR_DATA_READY = 0x01;
const LSR_OVERRUN = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;
const LSR_FIFO_ERROR = 0x80;
const IIR_NONE = 0x01;
const IIR_MODEM_STATUS = 0x00;
const IIR_THRE = 0x02;
const IIR_RX_DATA = 0x04;
const IIR_LINE_STATUS = 0x06;
const IIR_TIMEOUT = 0x0c;
const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;

/** Options of one UART. */
export interface Uart16550Options {
  /** Virtual time, for the receiver character timeout. */
  clock: Clock;
  /** The COM port's interrupt line; default unconnected. */
  irq?: IrqLine;
  /** Host byte sink: every byte the guest transmits (not in loopback). Default: discarded. */
  output?: (byte: number) => void;
  /** Bound of the host input queue (bytes); default 4096. */
  inputLimit?: number;
}

/** One 16550A. */
export class Uart16550 {
  private state: Uart16550State;
  private readonly clock: Clock;
  private readonly irq: IrqLine;
  private readonly output: (byte: number) => void;
  private readonly inputLimit: number;
  private irqLevel = false;

  constructor(options: Uart16550Options) {
    this.clock = options.clock;
    this.irq = options.irq ?? disconnectedIrqLine;
    this.output = options.output ?? (() => {});
    const limit = options.inputLimit ?? UART_DEFAULT_INPUT_LIMIT;
    this.inputLimit = Number.isInteger(limit) && limit > 0 ? limit : UART_DEFAULT_INPUT_LIMIT;
    this.state = Uart16550.defaultState();
  }

  /** Master-reset state (datasheet table IV); the host side's CTS, DSR and DCD are asserted. */
  static defaultState(): Uart16550State {
    return {
      version: 1,
      divisor: 12,
      ier: 0,
      lcr: 0,
      mcr: 0,
      lsrErrors: 0,
      msr: MSR_CTS | MSR_DSR | MSR_DCD,
      scr: 0,
      fcr: 0,
      rxFifo: [],
      thrInterruptPending: false,
      timeoutPending: false,
      lastRxActivity: 0,
      modemInputs: MSR_CTS | MSR_DSR | MSR_DCD,
      hostInput: [],
      droppedInputBytes: 0,
      transmittedBytes: 0,
      invalidAccesses: 0,
    };
  }

  /** Reads a register (offsets 0-7). */
  read(offset: number, width: AccessWidth): number {
    if (offset < 0 || offset + width > 8) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    return readBytes(offset, width, (byteOffset) => this.readByte(byteOffset));
  }

  /** Writes a register (offsets 0-7). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset < 0 || offset + width > 8) {
      this.state.invalidAccesses++;
      return;
    }
    writeBytes(offset, width, value, (byteOffset, byte) => this.writeByte(byteOffset, byte));
  }

  /**
   * Host input (keyboard, socket): queues `bytes` for the receiver. Bytes beyond the queue
   * bound are dropped and counted. Returns how many were accepted.
   */
  receive(bytes: ArrayLike<number>): number {
    let accepted = 0;
    for (let index = 0; index < bytes.length; index++) {
      if (this.state.hostInput.length >= this.inputLimit) this.pumpInput();
      if (this.state.hostInput.length >= this.inputLimit) {
        this.state.droppedInputBytes += bytes.length - index;
        break;
      }
      this.state.hostInput.push(bytes[index] & 0xff);
      accepted++;
    }
    this.pumpInput();
    this.update();
    return accepted;
  }

  /** Room left in the host input queue (for host-side flow control). */
  inputSpace(): number {
    return this.inputLimit - this.state.hostInput.length;
  }

  /** Sets the host side's modem lines (MSR bits 4-7 when not in loopback); deltas are latched. */
  setModemInputs(lines: { cts?: boolean; dsr?: boolean; ri?: boolean; dcd?: boolean }): void {
    let inputs = this.state.modemInputs;
    const apply = (bit: number, value: boolean | undefined) => {
      if (value !== undefined) inputs = value ? inputs | bit : inputs & ~bit;
    };
    apply(MSR_CTS, lines.cts);
    apply(MSR_DSR, lines.dsr);
    apply(MSR_RI, lines.ri);
    apply(MSR_DCD, lines.dcd);
    this.state.modemInputs = inputs;
    this.refreshModemStatus();
    this.update();
  }

  /** Virtual time (ns) the character timeout falls due, or null. */
  nextDeadline(now: number): number | null {
    if (!this.fifoEnabled() || this.state.rxFifo.length === 0 || this.state.timeoutPending) return null;
    return Math.max(this.state.lastRxActivity + 4 * this.characterTimeNs(), now + 1);
  }

  /** Raises the character timeout interrupt when it has fallen due at `now`. */
  advance(now: number): void {
    if (!this.fifoEnabled() || this.state.rxFifo.length === 0 || this.state.timeoutPending) return;
    if (now >= this.state.lastRxActivity + 4 * this.characterTimeNs()) {
      this.state.timeoutPending = true;
      this.update();
    }
  }

  /** Master reset (the host input queue and counters survive: they belong to the host side). */
  reset(): void {
    const { hostInput, droppedInputBytes, transmittedBytes, modemInputs } = this.state;
    this.state = { ...Uart16550.defaultState(), hostInput, droppedInputBytes, transmittedBytes, modemInputs };
    this.refreshModemStatus();
    this.state.msr &= 0xf0;
    this.pumpInput();
    this.update();
  }

  /** A deep copy of the state. */
  getState(): Uart16550State {
    return { ...this.state, rxFifo: [...this.state.rxFifo], hostInput: [...this.state.hostInput] };
  }

  /** Restores a snapshot made by `getState` (fields masked, queues bounded). @throws TypeError on an unknown version. */
  static fromState(state: Uart16550State, options: Uart16550Options): Uart16550 {
    checkVersion(state, 1, 'Uart16550');
    const uart = new Uart16550(options);
    const bytes = (value: unknown, limit: number) =>
      Array.isArray(value) ? value.slice(0, limit).map((byte) => byteOf(byte)) : [];
    const fcr = byteOf(state.fcr) & 0xc9;
    uart.state = {
      version: 1,
      divisor: counterOf(state.divisor) & 0xffff,
      ier: byteOf(state.ier) & 0x0f,
      lcr: byteOf(state.lcr),
      mcr: byteOf(state.mcr) & 0x1f,
      lsrErrors: byteOf(state.lsrErrors) & 0x1e,
      msr: byteOf(state.msr),
      scr: byteOf(state.scr),
      fcr,
      rxFifo: bytes(state.rxFifo, fcr & 1 ? UART_FIFO_SIZE : 1),
      thrInterruptPending: flagOf(state.thrInterruptPending),
      timeoutPending: flagOf(state.timeoutPending),
      lastRxActivity: numberOf(state.lastRxActivity),
      modemInputs: byteOf(state.modemInputs) & 0xf0,
      hostInput: bytes(state.hostInput, uart.inputLimit),
      droppedInputBytes: counterOf(state.droppedInputBytes),
      transmittedBytes: counterOf(state.transmittedBytes),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    uart.update();
    return uart;
  }

  /** The interrupt identification the chip would report now (IIR bits 0-3). */
  private interruptId(): number {
    const s = this.state;
    if (s.ier & IER_LINE_STATUS && s.lsrErrors !== 0) return IIR_LINE_STATUS;
    if (s.ier & IER_RX_DATA) {
      if (s.rxFifo.length >= this.triggerLevel()) return IIR_RX_DATA;
      if (s.timeoutPending && s.rxFifo.length > 0) return IIR_TIMEOUT;
    }
    if (s.ier & IER_THRE && s.thrInterruptPending) return IIR_THRE;
    if (s.ier & IER_MODEM_STATUS && (s.msr & 0x0f) !== 0) return IIR_MODEM_STATUS;
    return IIR_NONE;
  }

  private fifoEnabled(): boolean {
    return (this.state.fcr & 1) !== 0;
  }

  private triggerLevel(): number {
    return this.fifoEnabled() ? TRIGGER_LEVELS[this.state.fcr >> 6] : 1;
  }

  private fifoCapacity(): number {
    return this.fifoEnabled() ? UART_FIFO_SIZE : 1;
  }

  /** One character on the line at the programmed rate: start + data + parity + stop bits. */
  private characterTimeNs(): number {
    const lcr = this.state.lcr;
    const bits = 1 + 5 + (lcr & 3) + (lcr & 0x08 ? 1 : 0) + (lcr & 0x04 ? 2 : 1);
    const divisor = this.state.divisor === 0 ? 0x10000 : this.state.divisor;
    return Math.ceil((bits * divisor * 1e9) / UART_BASE_BAUD);
  }

  private loopback(): boolean {
    return (this.state.mcr & MCR_LOOPBACK) !== 0;
  }

  /** Moves host bytes into the receiver FIFO while it has room (not in loopback: the line is cut). */
  private pumpInput(): void {
    const s = this.state;
    if (this.loopback() || s.hostInput.length === 0) return;
    const room = this.fifoCapacity() - s.rxFifo.length;
    if (room <= 0) return;
    const moved = s.hostInput.splice(0, room);
    for (const byte of moved) s.rxFifo.push(byte);
    s.lastRxActivity = this.clock.now();
    s.timeoutPending = false;
  }

  private lsr(): number {
    const s = this.state;
    let value = LSR_THRE | LSR_TEMT | s.lsrErrors;
    if (s.rxFifo.length > 0) value |= LSR_DATA_READY;
    if (this.fifoEnabled() && s.lsrErrors & 0x1c) value |= LSR_FIFO_ERROR;
    return value;
  }

  /** Recomputes MSR bits 4-7 from loopback or the host lines, latching the deltas. */
  private refreshModemStatus(): void {
    const s = this.state;
    let lines: number;
    if (this.loopback()) {
      lines =
        (s.mcr & MCR_RTS ? MSR_CTS : 0) |
        (s.mcr & MCR_DTR ? MSR_DSR : 0) |
        (s.mcr & MCR_OUT1 ? MSR_RI : 0) |
        (s.mcr & MCR_OUT2 ? MSR_DCD : 0);
    } else {
      lines = s.modemInputs;
    }
    const old = s.msr;
    const changed = (old ^ lines) & 0xf0;
    let deltas = old & 0x0f;
    if (changed & MSR_CTS) deltas |= 0x01;
    if (changed & MSR_DSR) deltas |= 0x02;
    if (old & MSR_RI && !(lines & MSR_RI)) deltas |= 0x04; // trailing edge of RI
    if (changed & MSR_DCD) deltas |= 0x08;
    s.msr = lines | deltas;
  }

  private readByte(offset: number): number {
    const s = this.state;
    const dlab = (s.lcr & 0x80) !== 0;
    switch (offset) {
      case 0: {
        if (dlab) return s.divisor & 0xff;
        const byte = s.rxFifo.shift() ?? 0;
        s.timeoutPending = false;
        s.lastRxActivity = this.clock.now();
        this.pumpInput();
        this.update();
        return byte;
      }
      case 1:
        return dlab ? s.divisor >> 8 : s.ier;
      case 2: {
        const id = this.interruptId();
        if (id === IIR_THRE) {
          s.thrInterruptPending = false;
          this.update();
        }
        return id | (this.fifoEnabled() ? 0xc0 : 0);
      }
      case 3:
        return s.lcr;
      case 4:
        return s.mcr;
      case 5: {
        const value = this.lsr();
        if (s.lsrErrors !== 0) {
          s.lsrErrors = 0;
          this.update();
        }
        return value;
      }
      case 6: {
        const value = s.msr;
        if (value & 0x0f) {
          s.msr &= 0xf0;
          this.update();
        }
        return value;
      }
      default:
        return s.scr;
    }
  }

  private writeByte(offset: number, value: number): void {
    const s = this.state;
    const dlab = (s.lcr & 0x80) !== 0;
    switch (offset) {
      case 0:
        if (dlab) s.divisor = (s.divisor & 0xff00) | value;
        else this.transmit(value);
        break;
      case 1:
        if (dlab) s.divisor = (s.divisor & 0xff) | (value << 8);
        else {
          const enablingThre = (value & IER_THRE) !== 0 && (s.ier & IER_THRE) === 0;
          s.ier = value & 0x0f;
          // Enabling ETBEI with the holding register empty raises THRE at once.
          if (enablingThre) s.thrInterruptPending = true;
        }
        break;
      case 2:
        this.writeFcr(value);
        break;
      case 3:
        s.lcr = value;
        break;
      case 4:
        s.mcr = value & 0x1f;
        this.refreshModemStatus();
        this.pumpInput();
        break;
      case 5: // LSR: factory test only; writes ignored.
      case 6: // MSR: read-only.
        break;
      default:
        s.scr = value;
        break;
    }
    this.update();
  }

  private writeFcr(value: number): void {
    const s = this.state;
    const enable = value & 1;
    if (enable !== (s.fcr & 1)) {
      s.rxFifo = [];
      s.timeoutPending = false;
    }
    if (enable && value & 0x02) {
      s.rxFifo = [];
      s.timeoutPending = false;
    }
    s.fcr = enable ? value & 0xc9 : 0;
    this.pumpInput();
  }

  private transmit(byte: number): void {
    const s = this.state;
    if (this.loopback()) {
      if (s.rxFifo.length >= this.fifoCapacity()) {
        s.lsrErrors |= LSR_OVERRUN;
        if (!this.fifoEnabled()) s.rxFifo[0] = byte; // the holding register is overwritten
      } else {
        s.rxFifo.push(byte);
      }
      s.lastRxActivity = this.clock.now();
      s.timeoutPending = false;
    } else {
      s.transmittedBytes++;
      this.output(byte);
    }
    // The byte left the holding register at once: THRE again.
    s.thrInterruptPending = true;
  }

  private update(): void {
    const pending = this.interruptId() !== IIR_NONE && (this.state.mcr & MCR_OUT2) !== 0;
    if (pending !== this.irqLevel) {
      this.irqLevel = pending;
      if (pending) this.irq.raise();
      else this.irq.lower();
    }
  }
}
