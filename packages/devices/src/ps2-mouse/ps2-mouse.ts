/**
 * A PS/2 mouse (IBM PS/2 mouse protocol, with the Microsoft IntelliMouse and IntelliMouse
 * Explorer extensions), the device behind the 8042's auxiliary port.
 *
 * References: IBM PS/2 Hardware Interface Technical Reference (pointing device commands), the
 * Microsoft "Wheel mouse" and "IntelliMouse Explorer" PS/2 protocol notes, Linux's psmouse
 * driver as the consumer; where they leave a choice, QEMU's `ps2.c` mouse.
 *
 * Interface: a byte stream, no registers. `write(byte)` is a byte the host (the 8042, command
 * 0xD4) sends to the mouse; `hasOutput()` / `readOutput()` is what the mouse sends back, one byte
 * at a time, when the controller's aux channel can take it. `move(event)` is the host's pointer
 * input.
 *
 * Commands: 0xFF reset (0xFA 0xAA 0x00), 0xFE resend, 0xF6 set defaults, 0xF5/0xF4 disable/enable
 * data reporting, 0xF3 set sample rate (10-200), 0xF2 get device id (0x00; 0x03 after the rates
 * 200, 100, 80; 0x04 after 200, 200, 80), 0xF0 remote mode, 0xEE wrap mode, 0xEC leave wrap
 * mode, 0xEB read data (a packet), 0xEA stream mode, 0xE9 status request (status, resolution,
 * rate), 0xE8 set resolution (0-3), 0xE7/0xE6 scaling 2:1 / 1:1. Every command is acknowledged
 * with 0xFA; an unknown command or bad parameter gets 0xFE (resend), a second bad byte in a row
 * 0xFC (error).
 *
 * Packets: byte 0 = Y overflow (7), X overflow (6), Y sign (5), X sign (4), 1 (3), middle (2),
 * right (1), left (0); bytes 1-2 = X and Y (9-bit two's complement with the sign bits, Y up);
 * id 3 adds the wheel as a signed byte, id 4 adds the wheel (4-bit signed, -8..7) with buttons 4
 * and 5 in bits 4 and 5.
 *
 * NOT IMPLEMENTED: sample-rate pacing (a host event becomes a packet at once); resolution does not
 * scale the host's counts; the IntelliMouse 4.0 horizontal wheel; vendor extensions (Synaptics,
 * ALPS, Logitech, ...): their probes see a standard mouse and fail as on QEMU.
 */
import { byteOf, counterOf, flagOf, numberOf } from '../common/port-access.js';
import type { Ps2MouseState } from './ps2-mouse-state.js';

export type { Ps2MouseState } from './ps2-mouse-state.js';

/** Bound of the motion packet queue, in bytes (16 packets of 4 bytes). */
export const PS2_MOUSE_PACKET_QUEUE_LIMIT = 64;
const RESPONSE_QUEUE_LIMIT = 16;
/** Bound of the remote-mode motion accumulators (each axis). */
const ACCUMULATOR_LIMIT = 0x7fff;

const ACK = 0xfa;
const RESEND = 0xfe;
const ERROR = 0xfc;
const VALID_SAMPLE_RATES = [10, 20, 40, 60, 80, 100, 200];
const INTELLIMOUSE_KNOCK = [200, 100, 80];
const EXPLORER_KNOCK = [200, 200, 80];

/** Pointer input from the host, in PS/2 conventions. */
export interface Ps2MouseEvent {
  /** Motion right (positive) or left, in counts. */
  dx: number;
  /** Motion up (positive) or down, in counts. */
  dy: number;
  /** Wheel: positive is a turn toward the user (Linux reports it as a negative REL_WHEEL). */
  dz?: number;
  /** Buttons held: bit 0 left, 1 right, 2 middle, 3 fourth (side), 4 fifth (extra). */
  buttons: number;
}

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
/** A finite integer from host input (bad values become 0). */
const integerOf = (value: unknown) =>
  typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;

/** Scaling 2:1 as the mouse applies it to each stream sample. */
function scale21(value: number): number {
  const magnitude = Math.abs(value);
  const scaled = magnitude <= 5 ? [0, 1, 1, 3, 6, 9][magnitude] : magnitude * 2;
  return value < 0 ? -scaled : scaled;
}

/** A PS/2 mouse. */
export class Ps2Mouse {
  private state: Ps2MouseState;

  constructor() {
    this.state = Ps2Mouse.defaultState();
  }

  /** The state after power-on (the BAT has been sent and read): stream mode, reporting off, id 0. */
  static defaultState(): Ps2MouseState {
    return {
      version: 1,
      responseQueue: [],
      packetQueue: [],
      pendingCommand: null,
      lastByteInvalid: false,
      reporting: false,
      remote: false,
      wrap: false,
      scaling21: false,
      resolution: 2,
      sampleRate: 100,
      deviceId: 0,
      rateHistory: [],
      buttons: 0,
      dx: 0,
      dy: 0,
      dz: 0,
      lastSent: [],
      droppedEvents: 0,
      invalidCommands: 0,
    };
  }

  /** Power-on state (host counters kept); nothing is sent. */
  reset(): void {
    const { droppedEvents, invalidCommands } = this.state;
    this.state = { ...Ps2Mouse.defaultState(), droppedEvents, invalidCommands };
  }

  /** The device id 0xF2 reports: 0, 3 (wheel) or 4 (wheel and 5 buttons). */
  deviceId(): number {
    return this.state.deviceId;
  }

  /** True when the mouse has a byte to send. */
  hasOutput(): boolean {
    return this.state.responseQueue.length > 0 || this.state.packetQueue.length > 0;
  }

  /** The next byte the mouse sends (command responses before motion packets), or undefined. */
  readOutput(): number | undefined {
    const s = this.state;
    return s.responseQueue.length > 0 ? s.responseQueue.shift() : s.packetQueue.shift();
  }

  /**
   * Host pointer input. In stream mode with reporting enabled it becomes one packet (motion
   * beyond the 9-bit range is clamped and flagged as overflow); in remote mode it accumulates
   * for 0xEB. Returns false when no packet was queued: reporting off, wrap or remote mode, or the
   * queue full (counted in `droppedEvents`).
   */
  move(event: Ps2MouseEvent): boolean {
    const s = this.state;
    const dx = integerOf(event?.dx);
    const dy = integerOf(event?.dy);
    const dz = integerOf(event?.dz);
    s.buttons = integerOf(event?.buttons) & 0x1f;
    if (s.wrap) return false;
    if (s.remote) {
      s.dx = clamp(s.dx + dx, -ACCUMULATOR_LIMIT, ACCUMULATOR_LIMIT);
      s.dy = clamp(s.dy + dy, -ACCUMULATOR_LIMIT, ACCUMULATOR_LIMIT);
      s.dz = clamp(s.dz + dz, -ACCUMULATOR_LIMIT, ACCUMULATOR_LIMIT);
      return false;
    }
    if (!s.reporting) return false;
    const bytes = s.scaling21 ? this.packet(scale21(dx), scale21(dy), dz) : this.packet(dx, dy, dz);
    if (s.packetQueue.length + bytes.length > PS2_MOUSE_PACKET_QUEUE_LIMIT) {
      s.droppedEvents++;
      return false;
    }
    s.packetQueue.push(...bytes);
    s.lastSent = bytes;
    return true;
  }

  /** A byte from the host (the controller's 0xD4 command). Never throws. */
  write(value: number): void {
    const byte = value & 0xff;
    const s = this.state;
    s.packetQueue = []; // the host's transmission aborts ours
    if (s.wrap && byte !== 0xec && byte !== 0xff) {
      this.respond(byte);
      return;
    }
    const pending = s.pendingCommand;
    if (pending !== null && byte !== 0xff) {
      const valid = pending === 0xf3 ? VALID_SAMPLE_RATES.includes(byte) : byte <= 3;
      if (!valid) {
        this.invalid();
        return;
      }
      s.pendingCommand = null;
      s.lastByteInvalid = false;
      if (pending === 0xf3) this.setSampleRate(byte);
      else s.resolution = byte;
      this.respond(ACK);
      return;
    }
    s.pendingCommand = null;
    if (byte === 0xfe) {
      // Resend: the last packet or byte again, not acknowledged.
      for (const sent of s.lastSent) this.queueResponse(sent);
      return;
    }
    if (byte !== 0xf3) s.rateHistory = [];
    switch (byte) {
      case 0xff:
        this.reset();
        this.respond(ACK, 0xaa, 0x00); // ACK, BAT passed, id 0
        return;
      case 0xf6:
        this.setDefaults();
        this.respond(ACK);
        return;
      case 0xf5:
        s.reporting = false;
        this.clearMotion();
        this.respond(ACK);
        return;
      case 0xf4:
        s.reporting = true;
        this.clearMotion();
        this.respond(ACK);
        return;
      case 0xf3:
      case 0xe8:
        s.pendingCommand = byte;
        this.respond(ACK);
        return;
      case 0xf2:
        this.respond(ACK, s.deviceId);
        return;
      case 0xf0:
        s.remote = true;
        this.clearMotion();
        this.respond(ACK);
        return;
      case 0xee:
        s.wrap = true;
        this.clearMotion();
        this.respond(ACK);
        return;
      case 0xec:
        s.wrap = false;
        this.clearMotion();
        this.respond(ACK);
        return;
      case 0xeb: {
        const bytes = this.packet(s.dx, s.dy, s.dz);
        this.clearMotion();
        this.respond(ACK);
        for (const sent of bytes) this.queueResponse(sent);
        s.lastSent = bytes;
        return;
      }
      case 0xea:
        s.remote = false;
        this.clearMotion();
        this.respond(ACK);
        return;
      case 0xe9: {
        // Status: remote (6), enabled (5), scaling 2:1 (4), left (2), middle (1), right (0).
        const buttons = ((s.buttons & 1) << 2) | ((s.buttons & 4) >> 1) | ((s.buttons & 2) >> 1);
        const status = (s.remote ? 0x40 : 0) | (s.reporting ? 0x20 : 0) | (s.scaling21 ? 0x10 : 0) | buttons;
        this.respond(ACK, status, s.resolution, s.sampleRate);
        return;
      }
      case 0xe7:
        s.scaling21 = true;
        this.respond(ACK);
        return;
      case 0xe6:
        s.scaling21 = false;
        this.respond(ACK);
        return;
      default:
        this.invalid();
        return;
    }
  }

  /** A deep copy of the state. */
  getState(): Ps2MouseState {
    const s = this.state;
    return {
      ...s,
      responseQueue: [...s.responseQueue],
      packetQueue: [...s.packetQueue],
      rateHistory: [...s.rateHistory],
      lastSent: [...s.lastSent],
    };
  }

  /** Restores a snapshot made by `getState` (fields masked, queues bounded). @throws TypeError on an unknown version. */
  static fromState(state: Ps2MouseState): Ps2Mouse {
    if (state === null || typeof state !== 'object' || state.version !== 1) {
      throw new TypeError(`unknown Ps2Mouse state version ${String(state?.version)}`);
    }
    const mouse = new Ps2Mouse();
    const bytes = (value: unknown, limit: number) =>
      Array.isArray(value) ? value.slice(0, limit).map((byte) => byteOf(byte)) : [];
    const pending = byteOf(state.pendingCommand);
    const rate = byteOf(state.sampleRate);
    const id = byteOf(state.deviceId);
    const axis = (value: unknown) =>
      clamp(Math.trunc(numberOf(value)), -ACCUMULATOR_LIMIT, ACCUMULATOR_LIMIT);
    mouse.state = {
      version: 1,
      responseQueue: bytes(state.responseQueue, RESPONSE_QUEUE_LIMIT),
      packetQueue: bytes(state.packetQueue, PS2_MOUSE_PACKET_QUEUE_LIMIT),
      pendingCommand: pending === 0xf3 || pending === 0xe8 ? pending : null,
      lastByteInvalid: flagOf(state.lastByteInvalid),
      reporting: flagOf(state.reporting),
      remote: flagOf(state.remote),
      wrap: flagOf(state.wrap),
      scaling21: flagOf(state.scaling21),
      resolution: byteOf(state.resolution) & 3,
      sampleRate: VALID_SAMPLE_RATES.includes(rate) ? rate : 100,
      deviceId: id === 3 || id === 4 ? id : 0,
      rateHistory: bytes(state.rateHistory, 3),
      buttons: byteOf(state.buttons) & 0x1f,
      dx: axis(state.dx),
      dy: axis(state.dy),
      dz: axis(state.dz),
      lastSent: bytes(state.lastSent, 4),
      droppedEvents: counterOf(state.droppedEvents),
      invalidCommands: counterOf(state.invalidCommands),
    };
    return mouse;
  }

  /** A movement packet for the current device id. */
  private packet(dx: number, dy: number, dz: number): number[] {
    const s = this.state;
    const x = clamp(dx, -256, 255);
    const y = clamp(dy, -256, 255);
    const first =
      (y !== dy ? 0x80 : 0) |
      (x !== dx ? 0x40 : 0) |
      (y < 0 ? 0x20 : 0) |
      (x < 0 ? 0x10 : 0) |
      0x08 |
      (s.buttons & 0x07);
    const bytes = [first, x & 0xff, y & 0xff];
    if (s.deviceId === 3) bytes.push(clamp(dz, -128, 127) & 0xff);
    else if (s.deviceId === 4) bytes.push((clamp(dz, -8, 7) & 0x0f) | ((s.buttons & 0x18) << 1));
    return bytes;
  }

  private setSampleRate(rate: number): void {
    const s = this.state;
    s.sampleRate = rate;
    s.rateHistory = [...s.rateHistory, rate].slice(-3);
    const knock = s.rateHistory.join(',');
    if (knock === INTELLIMOUSE_KNOCK.join(',')) s.deviceId = 3;
    else if (knock === EXPLORER_KNOCK.join(',')) s.deviceId = 4;
  }

  private setDefaults(): void {
    const s = this.state;
    s.sampleRate = 100;
    s.resolution = 2;
    s.scaling21 = false;
    s.reporting = false;
    s.remote = false;
    this.clearMotion();
  }

  private clearMotion(): void {
    const s = this.state;
    s.dx = 0;
    s.dy = 0;
    s.dz = 0;
    s.packetQueue = [];
  }

  private invalid(): void {
    const s = this.state;
    s.invalidCommands++;
    if (s.lastByteInvalid) {
      s.lastByteInvalid = false;
      s.pendingCommand = null;
      this.respond(ERROR);
    } else {
      s.lastByteInvalid = true;
      this.respond(RESEND);
    }
  }

  /** Queues a command response; a valid command ends a run of invalid bytes. */
  private respond(...bytes: number[]): void {
    if (bytes[0] !== RESEND && bytes[0] !== ERROR) this.state.lastByteInvalid = false;
    for (const byte of bytes) this.queueResponse(byte);
    this.state.lastSent = [bytes[bytes.length - 1]];
  }

  private queueResponse(byte: number): void {
    if (this.state.responseQueue.length < RESPONSE_QUEUE_LIMIT) this.state.responseQueue.push(byte & 0xff);
  }
}
