/**
 * The `openvmi` subcommands. Each entry says whether it is implemented yet; an unimplemented
 * command says so and exits non-zero rather than pretending.
 */

import type { CliIo } from './cli-io.js';
import { runBenchCommand } from './commands/bench.js';
import { runBootCommand } from './commands/boot.js';
import { runRomCommand } from './commands/rom.js';
import { runUserCommand } from './commands/user.js';

/** One subcommand of the CLI. */
export interface CommandDescription {
  name: string;
  usage: string;
  summary: string;
  /** The issue that delivers it, while it is not implemented. */
  pendingIssue?: number;
  /**
   * Runs the command on its arguments (after the command name) and returns the exit status.
   * Each command lives in its own module under `src/commands/`; it is wired in here.
   */
  run?: (argv: readonly string[], io: CliIo) => Promise<number>;
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly CommandDescription[] = [
  {
    name: 'boot',
    usage: 'openvmi boot -kernel FILE [-initrd FILE] [-append CMDLINE] [-m MB] [--backend NAME]',
    summary: 'boot a kernel (Linux bzImage or multiboot ELF) on the PC with a VMI backend',
    run: runBootCommand,
  },
  {
    name: 'user',
    usage: 'openvmi user [--real-time] [--memory MB] [--max-instructions N] ELF [ARGS...]',
    summary: 'run a static i386 Linux ELF in user mode',
    run: runUserCommand,
  },
  {
    name: 'rom',
    usage: 'openvmi rom --backend NAME -o FILE | openvmi rom --inspect FILE',
    summary: "write a backend's VMI option ROM, or validate and describe any ROM",
    run: runRomCommand,
  },
  {
    name: 'bench',
    usage: 'openvmi bench [--backends none,vmi-native] [--runs N] [--json FILE] [--qemu]',
    summary: 'boot the guest benchmark suite per backend and print the overhead scoreboard',
    run: runBenchCommand,
  },
];

/** Finds a subcommand by name. */
export function findCommand(name: string): CommandDescription | undefined {
  return COMMANDS.find((command) => command.name === name);
}
