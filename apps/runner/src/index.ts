/**
 * @openvmi/runner — the `openvmi` CLI as a library: tests and tools drive it through these
 * functions, never through argv parsing of a child process unless they test the binary itself.
 */
export type { CliIo } from './cli-io.js';
export { runBenchCommand } from './commands/bench.js';
export { parseBootArguments, runBootCommand, runMachine } from './commands/boot.js';
export { runRomCommand } from './commands/rom.js';
export { runUserCommand } from './commands/user.js';
export { COMMANDS, type CommandDescription, findCommand } from './commands.js';
export { LoaderError, type MemoryMapEntry, standardMemoryMap } from './loaders/guest-ram.js';
export { loadLinux, parseLinuxSetupHeader } from './loaders/linux-boot.js';
export { loadMultiboot } from './loaders/multiboot.js';
export { BACKEND_NAMES, type BackendName, type MachineConfig } from './machine/machine-config.js';
export { createMachine, type Machine, type MachineStop } from './machine/pc-machine.js';
export { EXIT_USAGE, helpText, runCli } from './run-cli.js';
