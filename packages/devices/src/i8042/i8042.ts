/**
 * Intel 8042 keyboard controller (PS/2-type "KBC") with an MF2 keyboard on its keyboard port and a
 * PS/2 mouse (`../ps2-mouse/`) on its auxiliary port.
 *
 * Datasheet: Intel UPI-41AH/42AH (8042) and the IBM PC/AT technical reference (keyboard
 * controller commands and output port), IBM PS/2 keyboard technical reference (keyboard
 * commands 0xED-0xFF).
 *
 * Registers: `dataPorts` offset 0 (port 0x60): output buffer (read), data / command parameter /
 * keyboard command (write). `commandPorts` offset 0 (port 0x64): status (read), controller
 * command (write). Status: OBF (0), IBF (1, always 0: commands complete at once), SYS (2), A2
 * (3), keyboard unlocked (4), AUXB (5: the output buffer holds aux data), timeout (6), parity
 * (7). Command byte: keyboard interrupt (0, IRQ1), aux interrupt (1, IRQ12), SYS (2), keyboard
 * disabled (4), aux disabled (5), translate (6).
 *
 * Controller commands: 0x20-0x3F read RAM (0x20 = command byte), 0x60-0x7F write RAM, 0xA7/0xA8
 * disable/enable aux, 0xA9 aux interface test (0x00), 0xAA self-test (0x55), 0xAB keyboard
 * interface test (0x00), 0xAD/0xAE disable/enable keyboard, 0xC0 read input port, 0xD0/0xD1
 * read/write output port (A20 on bit 1, reset when bit 0 is 0; read: bit 4 keyboard OBF, bit 5
 * aux OBF), 0xD2 write keyboard output buffer, 0xD3 write aux output buffer (loopback: the byte
 * comes back as aux data, IRQ12), 0xD4 write to the aux device (also enables the aux port),
 * 0xE0 read test inputs, 0xF0-0xFF pulse output lines (bit 0 clear pulses reset: 0xFE).
 *
 * One output buffer, one byte at a time, each source with its own bounded queue, in priority
 * order: controller responses, aux loopback (0xD3), keyboard (responses, then host keys, while
 * the keyboard port is enabled), mouse (responses, then packets, while the aux port is enabled).
 * Keyboard commands: 0xED LEDs, 0xEE echo, 0xF0 get/set scan set, 0xF2 identify (0xAB 0x83, or
 * 0xAB 0x41 with translation), 0xF3 typematic, 0xF4/0xF5 enable/disable scanning, 0xF6
 * defaults, 0xF7-0xFD set-3 key types (ACK), 0xFE resend, 0xFF reset (0xFA 0xAA).
 *
 * Host keys arrive as set-1 (XT) scan codes: passed through with translation on (the PC
 * default: the guest sees set 1) or when set 1 is selected, converted to set 2 otherwise.
 *
 * NOT IMPLEMENTED: the aux clock/data lines of the input and output ports (read as idle); active
 * multiplexing (several aux devices); scan code set 3 (the keyboard sends set 2 when it is selected); typematic repeat (the host repeats keys); keyboard password and A20 via the
 * 0xDD/0xDF commands.
 */
import type { AccessWidth, IrqLine, PortIo } from '@openvmi/x86-core';
import {
  allOnes,
  byteOf,
  checkVersion,
  counterOf,
  disconnectedIrqLine,
  flagOf,
} from '../common/port-access.js';
import { Ps2Mouse, type Ps2MouseEvent } from '../ps2-mouse/ps2-mouse.js';
import type { I8042State, I8042StateVersion1 } from './i8042-state.js';
import { set1ToSet2 } from './scan-codes.js';

export type { I8042State, I8042StateVersion1 } from './i8042-state.js';

type ControllerState = Omit<I8042State, 'mouse'>;

function withoutMouse(state: I8042State): ControllerState {
  const { mouse: _mouse, ...controller } = state;
  return controller;
}

/** Bound of the host scan-code queue. */
export const I8042_KEY_QUEUE_LIMIT = 256;
const RESPONSE_QUEUE_LIMIT = 16;

const STATUS_OBF = 0x01;
const STATUS_SYSTEM = 0x04;
const STATUS_COMMAND = 0x08;
const STATUS_UNLOCKED = 0x10;
const STATUS_AUX_DATA = 0x20;
const CTR_KEYBOARD_INTERRUPT = 0x01;
const CTR_AUX_INTERRUPT = 0x02;
const CTR_SYSTEM = 0x04;
const CTR_KEYBOARD_DISABLED = 0x10;
const CTR_AUX_DISABLED = 0x20;
const CTR_TRANSLATE = 0x40;
const OUTPUT_RESET = 0x01;
const OUTPUT_A20 = 0x02;
const ACK = 0xfa;
const RESEND = 0xfe;

/** Options of the controller. */
export interface I8042Options {
  /** IRQ1 (keyboard data); default unconnected. */
  irq?: IrqLine;
  /** IRQ12 (aux data); default unconnected. */
  auxIrq?: IrqLine;
  /** Called when the output port's A20 bit changes; default no-op. */
  onA20Change?: (enabled: boolean) => void;
  /** Called when the guest pulses the CPU reset line (0xFE, or output port bit 0 written 0); default no-op. */
  onReset?: () => void;
}

/** The 8042 and its keyboard. */
export class I8042 {
  /** Port 0x60 (map 1 byte). */
  readonly dataPorts: PortIo;
  /** Port 0x64 (map 1 byte). */
  readonly commandPorts: PortIo;
  /** Everything but the mouse, which keeps its own state. */
  private state: ControllerState;
  private readonly irq: IrqLine;
  private readonly auxIrq: IrqLine;
  private mouse = new Ps2Mouse();
  private readonly onA20Change: (enabled: boolean) => void;
  private readonly onReset: () => void;
  private irqLevel = false;
  private auxIrqLevel = false;

  constructor(options: I8042Options = {}) {
    this.irq = options.irq ?? disconnectedIrqLine;
    this.auxIrq = options.auxIrq ?? disconnectedIrqLine;
    this.onA20Change = options.onA20Change ?? (() => {});
    this.onReset = options.onReset ?? (() => {});
    this.state = withoutMouse(I8042.defaultState());
    this.dataPorts = {
      read: (offset, width) => (this.decoded(offset, width) ? this.readData() : allOnes(width)),
      write: (offset, width, value) => {
        if (this.decoded(offset, width)) this.writeData(value & 0xff);
      },
    };
    this.commandPorts = {
      read: (offset, width) => (this.decoded(offset, width) ? this.status() : allOnes(width)),
      write: (offset, width, value) => {
        if (this.decoded(offset, width)) this.writeCommand(value & 0xff);
      },
    };
  }

  /**
   * The state a PC BIOS leaves after POST (there is no BIOS on the direct kernel boot path):
   * self-test passed (SYS), keyboard interrupt on, aux disabled, translation on, A20 enabled.
   */
  static defaultState(): I8042State {
    const ram = new Array<number>(32).fill(0);
    ram[0] = CTR_KEYBOARD_INTERRUPT | CTR_SYSTEM | CTR_AUX_DISABLED | CTR_TRANSLATE;
    return {
      version: 2,
      ram,
      outputPort: 0xc0 | OUTPUT_RESET | OUTPUT_A20,
      outputBuffer: null,
      outputBufferAux: false,
      lastOutputByte: 0,
      auxLoopbackQueue: [],
      lastWriteWasCommand: false,
      pendingCommand: null,
      controllerQueue: [],
      keyboardPendingCommand: null,
      keyboardQueue: [],
      keyQueue: [],
      scanning: true,
      scanSet: 2,
      leds: 0,
      typematic: 0x2b,
      lastKeyboardByte: 0,
      droppedKeys: 0,
      ignoredCommands: 0,
      invalidAccesses: 0,
      mouse: Ps2Mouse.defaultState(),
    };
  }

  /**
   * Host key input: set-1 (XT) scan codes, make and break (0x80 | make), with 0xE0 prefixes;
   * converted to set 2 when translation is off and set 2 or 3 is selected (at enqueue time).
   * Bounded; extra bytes are dropped and counted, as are keys while the keyboard does not scan.
   * Returns how many were accepted.
   */
  sendScanCodes(codes: ArrayLike<number>): number {
    if (!this.state.scanning) {
      this.state.droppedKeys += codes.length;
      return 0;
    }
    // With translation off the keyboard speaks its native set 2 (set 3 is sent as set 2).
    const native = (this.state.ram[0] & CTR_TRANSLATE) === 0 && this.state.scanSet !== 1;
    let accepted = 0;
    for (let index = 0; index < codes.length; index++) {
      const bytes = native ? set1ToSet2(codes[index]) : [codes[index] & 0xff];
      if (this.state.keyQueue.length + bytes.length > I8042_KEY_QUEUE_LIMIT) {
        this.state.droppedKeys += codes.length - index;
        break;
      }
      for (const byte of bytes) this.state.keyQueue.push(byte);
      accepted++;
    }
    this.fillOutputBuffer();
    return accepted;
  }

  /**
   * Host pointer input for the PS/2 mouse (see `Ps2Mouse.move`): a packet when the mouse
   * reports, delivered through the aux channel. Returns whether a packet was queued.
   */
  sendMouseEvent(event: Ps2MouseEvent): boolean {
    const queued = this.mouse.move(event);
    this.fillOutputBuffer();
    return queued;
  }

  /** The A20 gate as the output port drives it. */
  a20Enabled(): boolean {
    return (this.state.outputPort & OUTPUT_A20) !== 0;
  }

  /** The keyboard LEDs (bit 0 scroll, bit 1 num, bit 2 caps lock). */
  leds(): number {
    return this.state.leds;
  }

  /** Back to the post-BIOS state (host counters kept). */
  reset(): void {
    const { droppedKeys, ignoredCommands, invalidAccesses } = this.state;
    const a20 = this.a20Enabled();
    this.state = { ...withoutMouse(I8042.defaultState()), droppedKeys, ignoredCommands, invalidAccesses };
    this.mouse.reset();
    if (a20 !== this.a20Enabled()) this.onA20Change(this.a20Enabled());
    this.updateIrq();
  }

  /** A deep copy of the state. */
  getState(): I8042State {
    const s = this.state;
    return {
      ...s,
      ram: [...s.ram],
      auxLoopbackQueue: [...s.auxLoopbackQueue],
      controllerQueue: [...s.controllerQueue],
      keyboardQueue: [...s.keyboardQueue],
      keyQueue: [...s.keyQueue],
      mouse: this.mouse.getState(),
    };
  }

  /**
   * Restores a snapshot made by `getState` (fields masked, queues bounded). Version 1 snapshots
   * (before the aux port) restore with an idle mouse. @throws TypeError on an unknown version.
   */
  static fromState(state: I8042State | I8042StateVersion1, options: I8042Options = {}): I8042 {
    if (state?.version !== 1) checkVersion(state, 2, 'I8042');
    const controller = new I8042(options);
    const bytes = (value: unknown, limit: number) =>
      Array.isArray(value) ? value.slice(0, limit).map((byte) => byteOf(byte)) : [];
    const ram = new Array<number>(32).fill(0);
    if (Array.isArray(state.ram))
      for (let index = 0; index < 32; index++) ram[index] = byteOf(state.ram[index]);
    const nullableByte = (value: unknown) => (typeof value === 'number' ? byteOf(value) : null);
    const scanSet = counterOf(state.scanSet);
    const v2 = state.version === 2 ? state : undefined;
    controller.mouse = v2 === undefined ? new Ps2Mouse() : Ps2Mouse.fromState(v2.mouse);
    const outputBuffer = nullableByte(state.outputBuffer);
    controller.state = {
      version: 2,
      ram,
      outputPort: byteOf(state.outputPort),
      outputBuffer,
      outputBufferAux: outputBuffer !== null && flagOf(v2?.outputBufferAux),
      lastOutputByte: byteOf(v2?.lastOutputByte ?? state.lastKeyboardByte),
      auxLoopbackQueue: bytes(v2?.auxLoopbackQueue, RESPONSE_QUEUE_LIMIT),
      lastWriteWasCommand: flagOf(state.lastWriteWasCommand),
      pendingCommand: nullableByte(state.pendingCommand),
      controllerQueue: bytes(state.controllerQueue, RESPONSE_QUEUE_LIMIT),
      keyboardPendingCommand: nullableByte(state.keyboardPendingCommand),
      keyboardQueue: bytes(state.keyboardQueue, RESPONSE_QUEUE_LIMIT),
      keyQueue: bytes(state.keyQueue, I8042_KEY_QUEUE_LIMIT),
      scanning: flagOf(state.scanning),
      scanSet: scanSet >= 1 && scanSet <= 3 ? scanSet : 2,
      leds: byteOf(state.leds) & 7,
      typematic: byteOf(state.typematic) & 0x7f,
      lastKeyboardByte: byteOf(state.lastKeyboardByte),
      droppedKeys: counterOf(state.droppedKeys),
      ignoredCommands: counterOf(state.ignoredCommands),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    controller.updateIrq();
    return controller;
  }

  private decoded(offset: number, width: AccessWidth): boolean {
    if (offset === 0 && width === 1) return true;
    this.state.invalidAccesses++;
    return false;
  }

  private status(): number {
    const s = this.state;
    return (
      (s.outputBuffer !== null ? STATUS_OBF : 0) |
      (s.ram[0] & CTR_SYSTEM ? STATUS_SYSTEM : 0) |
      (s.lastWriteWasCommand ? STATUS_COMMAND : 0) |
      (s.outputBuffer !== null && s.outputBufferAux ? STATUS_AUX_DATA : 0) |
      STATUS_UNLOCKED
    );
  }

  private readData(): number {
    const s = this.state;
    const value = s.outputBuffer ?? s.lastOutputByte;
    s.outputBuffer = null;
    s.outputBufferAux = false;
    this.updateIrq(); // OBF drops before the next byte loads: a fresh IRQ1/IRQ12 edge per byte
    this.fillOutputBuffer();
    return value;
  }

  /**
   * Loads the next byte into an empty output buffer: controller responses, aux loopback,
   * keyboard (responses, then keys), mouse (responses, then packets).
   */
  private fillOutputBuffer(): void {
    const s = this.state;
    if (s.outputBuffer === null) {
      let aux = false;
      if (s.controllerQueue.length > 0) s.outputBuffer = s.controllerQueue.shift()!;
      else if (s.auxLoopbackQueue.length > 0) {
        s.outputBuffer = s.auxLoopbackQueue.shift()!;
        aux = true;
      }
      if (s.outputBuffer === null && (s.ram[0] & CTR_KEYBOARD_DISABLED) === 0) {
        if (s.keyboardQueue.length > 0) s.outputBuffer = s.keyboardQueue.shift()!;
        else if (s.scanning && s.keyQueue.length > 0) s.outputBuffer = s.keyQueue.shift()!;
        if (s.outputBuffer !== null) s.lastKeyboardByte = s.outputBuffer;
      }
      if (s.outputBuffer === null && (s.ram[0] & CTR_AUX_DISABLED) === 0 && this.mouse.hasOutput()) {
        s.outputBuffer = this.mouse.readOutput()! & 0xff;
        aux = true;
      }
      if (s.outputBuffer !== null) {
        s.outputBufferAux = aux;
        s.lastOutputByte = s.outputBuffer;
      }
    }
    this.updateIrq();
  }

  /** IRQ1 follows a full buffer of keyboard-side data, IRQ12 one of aux data, each gated by the command byte. */
  private updateIrq(): void {
    const s = this.state;
    const full = s.outputBuffer !== null;
    const level = full && !s.outputBufferAux && (s.ram[0] & CTR_KEYBOARD_INTERRUPT) !== 0;
    if (level !== this.irqLevel) {
      this.irqLevel = level;
      if (level) this.irq.raise();
      else this.irq.lower();
    }
    const auxLevel = full && s.outputBufferAux && (s.ram[0] & CTR_AUX_INTERRUPT) !== 0;
    if (auxLevel !== this.auxIrqLevel) {
      this.auxIrqLevel = auxLevel;
      if (auxLevel) this.auxIrq.raise();
      else this.auxIrq.lower();
    }
  }

  private respond(byte: number): void {
    if (this.state.controllerQueue.length < RESPONSE_QUEUE_LIMIT) this.state.controllerQueue.push(byte);
    this.fillOutputBuffer();
  }

  private keyboardRespond(...bytes: number[]): void {
    for (const byte of bytes) {
      if (this.state.keyboardQueue.length < RESPONSE_QUEUE_LIMIT) this.state.keyboardQueue.push(byte);
    }
    this.fillOutputBuffer();
  }

  private writeOutputPort(value: number): void {
    const old = this.state.outputPort;
    this.state.outputPort = value;
    if ((old ^ value) & OUTPUT_A20) this.onA20Change((value & OUTPUT_A20) !== 0);
    if ((value & OUTPUT_RESET) === 0) {
      // The reset line is driven low: the CPU resets; the line returns high afterwards.
      this.state.outputPort |= OUTPUT_RESET;
      this.onReset();
    }
  }

  private writeCommand(command: number): void {
    const s = this.state;
    s.lastWriteWasCommand = true;
    s.pendingCommand = null;
    if (command >= 0x20 && command <= 0x3f) {
      this.respond(s.ram[command & 0x1f]);
      return;
    }
    if ((command >= 0x60 && command <= 0x7f) || (command >= 0xd1 && command <= 0xd4)) {
      s.pendingCommand = command;
      return;
    }
    switch (command) {
      case 0xa7:
        s.ram[0] |= CTR_AUX_DISABLED;
        break;
      case 0xa8:
        s.ram[0] &= ~CTR_AUX_DISABLED;
        this.fillOutputBuffer();
        break;
      case 0xa9:
        this.respond(0x00); // clock and data lines good
        break;
      case 0xaa:
        s.ram[0] |= CTR_SYSTEM;
        this.respond(0x55);
        break;
      case 0xab:
        this.respond(0x00);
        break;
      case 0xad:
        s.ram[0] |= CTR_KEYBOARD_DISABLED;
        break;
      case 0xae:
        s.ram[0] &= ~CTR_KEYBOARD_DISABLED;
        this.fillOutputBuffer();
        break;
      case 0xc0:
        this.respond(0x80); // keyboard not inhibited
        break;
      case 0xd0: {
        // Bit 4: keyboard output buffer full (IRQ1), bit 5: aux output buffer full (IRQ12).
        const obf = s.outputBuffer === null ? 0 : s.outputBufferAux ? 0x20 : 0x10;
        this.respond((s.outputPort & ~0x30) | obf);
        break;
      }
      case 0xe0:
        this.respond(0x00);
        break;
      default:
        if (command >= 0xf0) {
          if ((command & 1) === 0) this.onReset();
        } else {
          s.ignoredCommands++;
        }
        break;
    }
  }

  private writeData(value: number): void {
    const s = this.state;
    s.lastWriteWasCommand = false;
    const pending = s.pendingCommand;
    if (pending !== null) {
      s.pendingCommand = null;
      if (pending >= 0x60 && pending <= 0x7f) {
        s.ram[pending & 0x1f] = value;
        if (pending === 0x60) this.fillOutputBuffer();
        return;
      }
      switch (pending) {
        case 0xd1:
          this.writeOutputPort(value);
          return;
        case 0xd2:
          this.keyboardRespond(value);
          return;
        case 0xd3:
          // Loopback: the byte comes back as if the mouse had sent it (AUXB, IRQ12).
          if (s.auxLoopbackQueue.length < RESPONSE_QUEUE_LIMIT) s.auxLoopbackQueue.push(value);
          this.fillOutputBuffer();
          return;
        default: // 0xd4: to the mouse; clocking a byte out enables the aux port, as on real controllers.
          s.ram[0] &= ~CTR_AUX_DISABLED;
          this.mouse.write(value);
          this.fillOutputBuffer();
          return;
      }
    }
    // Writing to the keyboard re-enables the interface, as on real controllers.
    s.ram[0] &= ~CTR_KEYBOARD_DISABLED;
    this.keyboardCommand(value);
  }

  private keyboardCommand(value: number): void {
    const s = this.state;
    const pending = s.keyboardPendingCommand;
    if (pending !== null) {
      s.keyboardPendingCommand = null;
      switch (pending) {
        case 0xed:
          s.leds = value & 7;
          this.keyboardRespond(ACK);
          return;
        case 0xf3:
          s.typematic = value & 0x7f;
          this.keyboardRespond(ACK);
          return;
        default: // 0xf0
          if (value === 0) {
            const translated = [0x43, 0x41, 0x3f][s.scanSet - 1];
            this.keyboardRespond(ACK, s.ram[0] & CTR_TRANSLATE ? translated : s.scanSet);
          } else if (value <= 3) {
            s.scanSet = value;
            this.keyboardRespond(ACK);
          } else {
            this.keyboardRespond(RESEND);
          }
          return;
      }
    }
    switch (value) {
      case 0xed:
      case 0xf0:
      case 0xf3:
        s.keyboardPendingCommand = value;
        this.keyboardRespond(ACK);
        break;
      case 0xee:
        this.keyboardRespond(0xee);
        break;
      case 0xf2:
        this.keyboardRespond(ACK, 0xab, s.ram[0] & CTR_TRANSLATE ? 0x41 : 0x83);
        break;
      case 0xf4:
        s.scanning = true;
        this.keyboardRespond(ACK);
        break;
      case 0xf5:
        s.scanning = false;
        this.setKeyboardDefaults();
        this.keyboardRespond(ACK);
        break;
      case 0xf6:
        this.setKeyboardDefaults();
        this.keyboardRespond(ACK);
        break;
      case 0xf7:
      case 0xf8:
      case 0xf9:
      case 0xfa:
      case 0xfb:
      case 0xfc:
      case 0xfd:
        this.keyboardRespond(ACK);
        break;
      case 0xfe:
        this.keyboardRespond(s.lastKeyboardByte);
        break;
      case 0xff:
        s.keyQueue = [];
        s.keyboardQueue = [];
        s.scanning = true;
        this.setKeyboardDefaults();
        s.leds = 0;
        this.keyboardRespond(ACK, 0xaa); // ACK, then basic assurance test passed
        break;
      default:
        s.ignoredCommands++;
        this.keyboardRespond(RESEND);
        break;
    }
  }

  private setKeyboardDefaults(): void {
    this.state.scanSet = 2;
    this.state.typematic = 0x2b;
    this.state.keyQueue = [];
  }
}
