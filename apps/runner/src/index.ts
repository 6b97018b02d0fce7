/**
 * @openvmi/runner — the `openvmi` CLI as a library: tests and tools drive it through these
 * functions, never through argv parsing of a child process unless they test the binary itself.
 */
export type { CliIo } from './cli-io.js';
export { COMMANDS, type CommandDescription, findCommand } from './commands.js';
export { EXIT_USAGE, helpText, runCli } from './run-cli.js';
