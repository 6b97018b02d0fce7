/** Snapshot of a 16550A UART, version 1; register names as in the datasheet. */
export interface Uart16550State {
  version: 1;
  /** Divisor latch (DLM:DLL). */
  divisor: number;
  /** Interrupt enable register (bits 0-3). */
  ier: number;
  /** Line control register. */
  lcr: number;
  /** Modem control register (bits 0-4). */
  mcr: number;
  /** Line status error bits latched until LSR is read (OE, PE, FE, BI). */
  lsrErrors: number;
  /** Modem status register (deltas in bits 0-3, lines in 4-7). */
  msr: number;
  /** Scratch register. */
  scr: number;
  /** FIFO control as last written (bit 0 FIFO enable, bits 6-7 receiver trigger). */
  fcr: number;
  /** Receiver FIFO (oldest first; at most 16 bytes, 1 with FIFOs off). */
  rxFifo: number[];
  /** THRE interrupt pending (cleared by reading IIR while it is the source, or by writing THR). */
  thrInterruptPending: boolean;
  /** Character timeout interrupt pending. */
  timeoutPending: boolean;
  /** Virtual time (ns) of the last receiver FIFO activity (byte in or out), for the timeout. */
  lastRxActivity: number;
  /** Modem input lines from the host side when not in loopback: CTS, DSR, RI, DCD as MSR bits 4-7. */
  modemInputs: number;
  /** Bytes received from the host waiting for room in the receiver FIFO (bounded). */
  hostInput: number[];
  /** Host bytes dropped because the host input queue was full. */
  droppedInputBytes: number;
  /** Bytes transmitted to the host byte sink. */
  transmittedBytes: number;
  /** Accesses at offsets the chip does not decode. */
  invalidAccesses: number;
}
