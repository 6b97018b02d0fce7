import type { Ps2MouseState } from '../ps2-mouse/ps2-mouse-state.js';

/** Snapshot of the 8042 keyboard controller, its keyboard and its PS/2 mouse, version 2. */
export interface I8042State extends Omit<I8042StateVersion1, 'version'> {
  version: 2;
  /** Status bit 5 (AUXB): the byte in the output buffer came from the aux port. */
  outputBufferAux: boolean;
  /** The last byte loaded into the output buffer (what a read with OBF clear returns). */
  lastOutputByte: number;
  /** Bytes written with 0xD3 (aux loopback) waiting for the output buffer. */
  auxLoopbackQueue: number[];
  /** The mouse on the aux port. */
  mouse: Ps2MouseState;
}

/** Snapshot version 1 (no aux port); still accepted by `I8042.fromState`. */
export interface I8042StateVersion1 {
  version: 1;
  /** Controller RAM (32 bytes); byte 0 is the command byte (CTR). */
  ram: number[];
  /** Output port (P2): bit 0 = system reset (1 = run), bit 1 = A20 gate. */
  outputPort: number;
  /** The byte in the output buffer, or null when OBF is clear. */
  outputBuffer: number | null;
  /** Status bit 3 (A2): the last write went to the command port. */
  lastWriteWasCommand: boolean;
  /** Controller command waiting for its data byte on port 0x60, or null. */
  pendingCommand: number | null;
  /** Controller responses waiting for the output buffer. */
  controllerQueue: number[];
  /** Keyboard command waiting for its parameter byte, or null. */
  keyboardPendingCommand: number | null;
  /** Keyboard responses (ACK, BAT, ID bytes) waiting for the output buffer. */
  keyboardQueue: number[];
  /** Scan codes from the host waiting for the output buffer (bounded). */
  keyQueue: number[];
  /** Keyboard scanning enabled (F4/F5). */
  scanning: boolean;
  /** Keyboard scan code set (1-3). */
  scanSet: number;
  /** Keyboard LEDs (ED): bit 0 scroll, bit 1 num, bit 2 caps lock. */
  leds: number;
  /** Typematic rate/delay byte (F3). */
  typematic: number;
  /** Last byte the keyboard sent (for the FE resend command). */
  lastKeyboardByte: number;
  /** Host scan codes dropped because the queue was full. */
  droppedKeys: number;
  /** Unknown controller and keyboard commands. */
  ignoredCommands: number;
  /** Accesses at offsets the controller does not decode. */
  invalidAccesses: number;
}
