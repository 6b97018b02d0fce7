/** Where the CLI writes. Tests pass their own; `cli.ts` passes the process streams. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}
