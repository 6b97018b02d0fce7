/**
 * POST code port (port 0x80), as on every PC: firmware and Linux's `outb_p` write a byte here
 * as a progress code or an I/O delay. Reads return the last byte written.
 *
 * Registers: offset 0, one byte.
 * NOT IMPLEMENTED: nothing else; there is no more to this chip.
 */
import type { AccessWidth, PortIo } from '@openvmi/x86-core';

/** Snapshot of the POST port. */
export interface PostPortState {
  version: 1;
  lastCode: number;
  writes: number;
}

/** The port 0x80 latch. */
export class PostPort implements PortIo {
  private state: PostPortState;

  constructor() {
    this.state = PostPort.defaultState();
  }

  /** Power-on state. */
  static defaultState(): PostPortState {
    return { version: 1, lastCode: 0, writes: 0 };
  }

  /** Reads the last code written (offset 0); other offsets read all-ones. */
  read(offset: number, width: AccessWidth): number {
    if (offset !== 0) return width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
    return this.state.lastCode;
  }

  /** Latches the low byte written at offset 0; other offsets are ignored. */
  write(offset: number, _width: AccessWidth, value: number): void {
    if (offset !== 0) return;
    this.state.lastCode = value & 0xff;
    this.state.writes++;
  }

  /** Back to the power-on state. */
  reset(): void {
    this.state = PostPort.defaultState();
  }

  /** A copy of the state. */
  getState(): PostPortState {
    return { ...this.state };
  }

  /** Restores a snapshot made by `getState`. @throws TypeError on an unknown version. */
  static fromState(state: PostPortState): PostPort {
    if (state.version !== 1) throw new TypeError(`unknown PostPort state version ${String(state.version)}`);
    const port = new PostPort();
    port.state = { version: 1, lastCode: state.lastCode & 0xff, writes: state.writes >>> 0 };
    return port;
  }
}
