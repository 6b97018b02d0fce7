import type { CliIo } from './cli-io.js';
import { COMMANDS, findCommand } from './commands.js';

/** Exit status for a command line the CLI cannot act on (unknown or unimplemented command). */
export const EXIT_USAGE = 2;

/** The text `openvmi --help` prints. */
export function helpText(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = [
    'openvmi — boot kernels on an open VMI (Virtual Machine Interface) PC, and measure them',
    '',
    'Usage: openvmi <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => {
      const status = command.pendingIssue === undefined ? '' : ' (not yet implemented)';
      return `  ${command.name.padEnd(width)}  ${command.summary}${status}`;
    }),
    '',
    'Options:',
    '  -h, --help     show this help',
    '',
    'Run `openvmi <command> --help` for the options of one command.',
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit status.
 * Never throws on bad input: errors are reported on `io.stderr` with a non-zero status.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    io.stdout(helpText());
    return 0;
  }
  const command = findCommand(first);
  if (command === undefined) {
    io.stderr(`openvmi: unknown command ${JSON.stringify(first)}\n\n${helpText()}`);
    return EXIT_USAGE;
  }
  if (command.run === undefined && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout(`Usage: ${command.usage}\n\n${command.summary}\n`);
    if (command.pendingIssue !== undefined) io.stdout('\nThis command is not yet implemented.\n');
    return 0;
  }
  if (command.pendingIssue !== undefined) {
    io.stderr(`openvmi ${command.name}: not yet implemented (tracked as issue ${command.pendingIssue})\n`);
    return EXIT_USAGE;
  }
  if (command.run === undefined) {
    io.stderr(`openvmi ${command.name}: no handler\n`);
    return EXIT_USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    io.stderr(`openvmi ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
