/**
 * The small system-control ports of a PC and of emulators:
 * - `SystemControlPortA`, port 0x92 (PS/2 "system control port A"; Intel 82371 PIIX3 datasheet,
 *   port 92h): bit 0 = fast init (a 0→1 write resets the CPU; reads 0), bit 1 = fast A20 gate,
 *   other bits kept as written (bit 3 password lock is not enforced).
 * - `ResetControl`, port 0xCF9 (PIIX3 reset control register RC): bit 1 = system reset (hard),
 *   bit 2 = reset CPU (a 0→1 write resets), bit 3 = full reset; reads give bits 1 and 3.
 * - `IsaDebugExit`, port 0xF4 (QEMU's isa-debug-exit): a write of v ends the run with status
 *   (v << 1) | 1; reads all-ones.
 * - `DebugConsole`, port 0xE9 (Bochs/QEMU debug console): each byte written goes to a byte
 *   sink; reads return 0xE9 so software can detect the port.
 * Ports 0x80 and 0xED (POST code / I/O delay) are `PostPort` instances (`post-port/`).
 *
 * Registers: each device decodes offset 0 only.
 * NOT IMPLEMENTED: port 0x92 bit 3 (CMOS password lock) and bits 6-7 (activity LEDs) have no
 * effect; 0xCF9 does not distinguish soft from hard reset beyond reporting the kind.
 */
import type { AccessWidth } from '@openvmi/x86-core';
import { allOnes, byteOf, checkVersion, counterOf } from '../common/port-access.js';
import type {
  DebugConsoleState,
  IsaDebugExitState,
  ResetControlState,
  SystemControlPortAState,
} from './system-control-state.js';

export type {
  DebugConsoleState,
  IsaDebugExitState,
  ResetControlState,
  SystemControlPortAState,
} from './system-control-state.js';

/** Options of port 0x92. */
export interface SystemControlPortAOptions {
  /** Called when bit 1 changes; default no-op. */
  onA20Change?: (enabled: boolean) => void;
  /** Called on a 0→1 write of bit 0; default no-op. */
  onReset?: () => void;
  /** A20 state at power-on (default true: what the direct kernel boot expects). */
  a20Enabled?: boolean;
}

/** Port 0x92, fast A20 and fast reset. */
export class SystemControlPortA {
  private state: SystemControlPortAState;
  private readonly onA20Change: (enabled: boolean) => void;
  private readonly onReset: () => void;
  private readonly initialA20: boolean;

  constructor(options: SystemControlPortAOptions = {}) {
    this.onA20Change = options.onA20Change ?? (() => {});
    this.onReset = options.onReset ?? (() => {});
    this.initialA20 = options.a20Enabled ?? true;
    this.state = SystemControlPortA.defaultState(this.initialA20);
  }

  /** Power-on state. */
  static defaultState(a20Enabled = true): SystemControlPortAState {
    return { version: 1, value: a20Enabled ? 0x02 : 0x00, resets: 0, invalidAccesses: 0 };
  }

  /** Bit 1 as last written. */
  a20Enabled(): boolean {
    return (this.state.value & 0x02) !== 0;
  }

  /** Reads the register (offset 0, one byte); anything else reads all-ones and is counted. */
  read(offset: number, width: AccessWidth): number {
    if (offset !== 0 || width !== 1) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    return this.state.value;
  }

  /** Writes the register (offset 0, one byte); anything else is ignored and counted. */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset !== 0 || width !== 1) {
      this.state.invalidAccesses++;
      return;
    }
    const old = this.state.value;
    this.state.value = value & 0xfe;
    if ((old ^ value) & 0x02) this.onA20Change((value & 0x02) !== 0);
    if (value & 0x01) {
      this.state.resets++;
      this.onReset();
    }
  }

  /** Back to the power-on state (counters kept). */
  reset(): void {
    const before = this.a20Enabled();
    this.state = { ...SystemControlPortA.defaultState(this.initialA20), resets: this.state.resets };
    if (before !== this.a20Enabled()) this.onA20Change(this.a20Enabled());
  }

  /** A copy of the state. */
  getState(): SystemControlPortAState {
    return { ...this.state };
  }

  /** @throws TypeError on an unknown version. */
  static fromState(
    state: SystemControlPortAState,
    options: SystemControlPortAOptions = {},
  ): SystemControlPortA {
    checkVersion(state, 1, 'SystemControlPortA');
    const port = new SystemControlPortA(options);
    port.state = {
      version: 1,
      value: byteOf(state.value) & 0xfe,
      resets: counterOf(state.resets),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return port;
  }
}

/** Kind of reset 0xCF9 asks for. */
export type ResetKind = 'soft' | 'hard';

/** Options of the reset control register. */
export interface ResetControlOptions {
  /** Called on a 0→1 write of bit 2: 'hard' when bit 1 (system reset) or bit 3 (full reset) is set. */
  onReset?: (kind: ResetKind) => void;
}

/** Port 0xCF9, the PIIX reset control register. */
export class ResetControl {
  private state: ResetControlState;
  private readonly onReset: (kind: ResetKind) => void;

  constructor(options: ResetControlOptions = {}) {
    this.onReset = options.onReset ?? (() => {});
    this.state = ResetControl.defaultState();
  }

  /** Power-on state. */
  static defaultState(): ResetControlState {
    return { version: 1, value: 0, resets: 0, invalidAccesses: 0 };
  }

  /** Reads the register (offset 0, one byte); anything else reads all-ones and is counted. */
  read(offset: number, width: AccessWidth): number {
    if (offset !== 0 || width !== 1) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    return this.state.value;
  }

  /** Writes the register (offset 0, one byte); anything else is ignored and counted. */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset !== 0 || width !== 1) {
      this.state.invalidAccesses++;
      return;
    }
    const old = this.state.value;
    this.state.value = value & 0x0a;
    if (value & 0x04 && !(old & 0x04)) {
      this.state.resets++;
      this.onReset(value & 0x0a ? 'hard' : 'soft');
    }
  }

  /** Back to the power-on state (counters kept). */
  reset(): void {
    this.state = { ...ResetControl.defaultState(), resets: this.state.resets };
  }

  /** A copy of the state. */
  getState(): ResetControlState {
    return { ...this.state };
  }

  /** @throws TypeError on an unknown version. */
  static fromState(state: ResetControlState, options: ResetControlOptions = {}): ResetControl {
    checkVersion(state, 1, 'ResetControl');
    const control = new ResetControl(options);
    control.state = {
      version: 1,
      value: byteOf(state.value) & 0x0a,
      resets: counterOf(state.resets),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return control;
  }
}

/** Options of isa-debug-exit. */
export interface IsaDebugExitOptions {
  /** Called with (v << 1) | 1 when the guest writes v; the runner ends the run with that status. */
  onExit?: (status: number) => void;
}

/** QEMU's isa-debug-exit device (port 0xF4, any width). */
export class IsaDebugExit {
  private state: IsaDebugExitState;
  private readonly onExit: (status: number) => void;

  constructor(options: IsaDebugExitOptions = {}) {
    this.onExit = options.onExit ?? (() => {});
    this.state = IsaDebugExit.defaultState();
  }

  /** Power-on state. */
  static defaultState(): IsaDebugExitState {
    return { version: 1, lastStatus: null, invalidAccesses: 0 };
  }

  /** Reads all-ones: the device has nothing to read. */
  read(_offset: number, width: AccessWidth): number {
    return allOnes(width);
  }

  /** A write of v at offset 0, of any width, ends the run with status (v << 1) | 1. */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset !== 0) {
      this.state.invalidAccesses++;
      return;
    }
    const written = (value & allOnes(width)) >>> 0;
    // (v << 1) | 1, computed without 32-bit overflow for dword writes.
    const status = written * 2 + 1;
    this.state.lastStatus = status;
    this.onExit(status);
  }

  /** Back to the power-on state (counters kept). */
  reset(): void {
    this.state = { ...IsaDebugExit.defaultState(), invalidAccesses: this.state.invalidAccesses };
  }

  /** A copy of the state. */
  getState(): IsaDebugExitState {
    return { ...this.state };
  }

  /** @throws TypeError on an unknown version. */
  static fromState(state: IsaDebugExitState, options: IsaDebugExitOptions = {}): IsaDebugExit {
    checkVersion(state, 1, 'IsaDebugExit');
    const device = new IsaDebugExit(options);
    const last = state.lastStatus;
    device.state = {
      version: 1,
      lastStatus: typeof last === 'number' && Number.isFinite(last) ? Math.max(0, Math.floor(last)) : null,
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return device;
  }
}

/** Options of the debug console. */
export interface DebugConsoleOptions {
  /** Host byte sink; default discards. */
  output?: (byte: number) => void;
}

/** The Bochs/QEMU debug console at port 0xE9. */
export class DebugConsole {
  private state: DebugConsoleState;
  private readonly output: (byte: number) => void;

  constructor(options: DebugConsoleOptions = {}) {
    this.output = options.output ?? (() => {});
    this.state = DebugConsole.defaultState();
  }

  /** Power-on state. */
  static defaultState(): DebugConsoleState {
    return { version: 1, bytesWritten: 0, invalidAccesses: 0 };
  }

  /** Reads 0xE9 at offset 0 (the presence check), all-ones elsewhere. */
  read(offset: number, width: AccessWidth): number {
    if (offset !== 0 || width !== 1) {
      this.state.invalidAccesses++;
      return allOnes(width);
    }
    return 0xe9;
  }

  /** Sends the low byte of each written byte lane to the sink (a word write sends two bytes). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset !== 0) {
      this.state.invalidAccesses++;
      return;
    }
    for (let lane = 0; lane < width; lane++) {
      this.state.bytesWritten++;
      this.output((value >>> (lane * 8)) & 0xff);
    }
  }

  /** Back to the power-on state (counters kept). */
  reset(): void {}

  /** A copy of the state. */
  getState(): DebugConsoleState {
    return { ...this.state };
  }

  /** @throws TypeError on an unknown version. */
  static fromState(state: DebugConsoleState, options: DebugConsoleOptions = {}): DebugConsole {
    checkVersion(state, 1, 'DebugConsole');
    const device = new DebugConsole(options);
    device.state = {
      version: 1,
      bytesWritten: counterOf(state.bytesWritten),
      invalidAccesses: counterOf(state.invalidAccesses),
    };
    return device;
  }
}
