/** Snapshot of a PS/2 mouse, version 1. */
export interface Ps2MouseState {
  version: 1;
  /** Bytes answering host commands (ACK, ids, status, BAT), sent before any motion packet. */
  responseQueue: number[];
  /** Motion packets (3 or 4 bytes each) waiting to be sent (bounded). */
  packetQueue: number[];
  /** 0xF3 (sample rate) or 0xE8 (resolution) waiting for its parameter byte, or null. */
  pendingCommand: number | null;
  /** The previous byte from the host was invalid (answered 0xFE); a second one gets 0xFC. */
  lastByteInvalid: boolean;
  /** Data reporting enabled (0xF4/0xF5). */
  reporting: boolean;
  /** Remote mode (0xF0) instead of stream mode (0xEA). */
  remote: boolean;
  /** Wrap (echo) mode (0xEE, left with 0xEC). */
  wrap: boolean;
  /** Scaling 2:1 (0xE7) instead of 1:1 (0xE6). */
  scaling21: boolean;
  /** Resolution code 0-3 (1, 2, 4, 8 counts/mm). */
  resolution: number;
  /** Samples per second (10, 20, 40, 60, 80, 100, 200). */
  sampleRate: number;
  /** Device id: 0 standard, 3 IntelliMouse (wheel), 4 IntelliMouse Explorer (wheel, 5 buttons). */
  deviceId: number;
  /** The last sample rates set in a row (at most 3), for the IntelliMouse knock sequences. */
  rateHistory: number[];
  /** Buttons held: bit 0 left, 1 right, 2 middle, 3 fourth, 4 fifth. */
  buttons: number;
  /** Motion accumulated in remote mode, read by 0xEB. */
  dx: number;
  dy: number;
  dz: number;
  /** What 0xFE (resend) repeats: the last packet or response byte. */
  lastSent: number[];
  /** Host events refused because the packet queue was full. */
  droppedEvents: number;
  /** Unknown commands and invalid parameters (answered 0xFE/0xFC). */
  invalidCommands: number;
}
