/** Where the CLI writes (and, for interactive commands, reads). Tests pass their own; `cli.ts` passes the process streams. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether standard error is a terminal (progress bars redraw in place there). */
  stderrIsTTY?: boolean;
  /** Raw bytes to standard output (guest consoles); falls back to `stdout` as Latin-1 text. */
  stdoutBytes?(bytes: Uint8Array): void;
  /** Standard input for interactive commands (`openvmi boot` sends it to COM1). */
  stdin?: HostInput;
}

/** The part of a Node readable TTY stream the CLI uses. */
export interface HostInput {
  readonly isTTY?: boolean;
  setRawMode?(raw: boolean): unknown;
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeAllListeners(event?: string): unknown;
  pause(): unknown;
  resume(): unknown;
  /** Lets the process exit while the stream is still open (a pipe nobody closed). */
  unref?(): unknown;
}
