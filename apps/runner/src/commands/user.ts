/**
 * `openvmi user ELF [ARGS...]`: runs a static i386 Linux executable in user mode on the
 * x86-core CPU with the Linux syscall layer, on the host's files and standard streams.
 */

import type { CliIo } from '../cli-io.js';
import { ElfError } from '../user/elf.js';
import { runUserProgram } from '../user/process.js';

/** Usage text of `openvmi user`. */
export const USER_USAGE = `Usage: openvmi user [options] ELF [ARGS...]

Runs a static i386 Linux ELF in user mode on the emulated CPU. The exit status is the
program's; a program killed by signal n exits with 128+n, as a shell reports it.

Options (before ELF):
  --real-time          host time and random bytes (default: a fixed, deterministic clock)
  --memory MB          guest RAM in MiB (default 256)
  --max-instructions N stop with status 124 after N instructions
  --argv0 NAME         argv[0] (default: ELF as given)
  --env NAME=VALUE     add to the environment (repeatable); the host environment is passed
  --clear-env          start from an empty environment instead of the host's
  --stats              at exit, print instructions (forked children included), wall time and
                       MIPS on stderr
  --no-block-translation
                       interpret every instruction (no translated blocks; same results, slower)
`;

/** Runs `openvmi user`; returns the guest's exit status. */
export async function runUserCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let realTime = false;
  let ramMegabytes = 256;
  let maxInstructions: number | undefined;
  let argv0: string | undefined;
  let clearEnvironment = false;
  let stats = false;
  let blockTranslation = true;
  const extraEnvironment: string[] = [];
  let index = 0;
  for (; index < argv.length; index++) {
    const argument = argv[index] ?? '';
    if (!argument.startsWith('--') && argument !== '-h') break;
    if (argument === '--') {
      index++;
      break;
    }
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    switch (argument) {
      case '-h':
      case '--help':
        io.stdout(USER_USAGE);
        return 0;
      case '--real-time':
        realTime = true;
        break;
      case '--memory':
        ramMegabytes = Number(value());
        if (!Number.isInteger(ramMegabytes) || ramMegabytes < 64 || ramMegabytes > 2048) {
          io.stderr('openvmi user: --memory must be an integer between 64 and 2048\n');
          return 2;
        }
        break;
      case '--max-instructions':
        maxInstructions = Number(value());
        if (!Number.isSafeInteger(maxInstructions) || maxInstructions <= 0) {
          io.stderr('openvmi user: --max-instructions must be a positive integer\n');
          return 2;
        }
        break;
      case '--argv0':
        argv0 = value();
        break;
      case '--env':
        extraEnvironment.push(value());
        break;
      case '--clear-env':
        clearEnvironment = true;
        break;
      case '--stats':
        stats = true;
        break;
      case '--no-block-translation':
        blockTranslation = false;
        break;
      default:
        io.stderr(`openvmi user: unknown option ${argument}\n\n${USER_USAGE}`);
        return 2;
    }
  }
  const executable = argv[index];
  if (executable === undefined) {
    io.stderr(`openvmi user: no ELF given\n\n${USER_USAGE}`);
    return 2;
  }
  const environment = clearEnvironment
    ? []
    : Object.entries(process.env).flatMap(([name, value]) =>
        value === undefined ? [] : [`${name}=${value}`],
      );
  const started = performance.now();
  try {
    const result = runUserProgram({
      executable,
      argv: [argv0 ?? executable, ...argv.slice(index + 1)],
      environment: [...environment, ...extraEnvironment],
      realTime,
      blockTranslation,
      ramBytes: ramMegabytes << 20,
      ...(maxInstructions === undefined ? {} : { maxInstructions }),
      diagnostics: (text) => io.stderr(text),
    });
    if (stats) {
      const seconds = (performance.now() - started) / 1000;
      const children = result.childInstructions ?? 0;
      const total = result.instructions + children;
      io.stderr(
        `openvmi user: ${total} instructions in ${seconds.toFixed(3)} s wall (${(total / seconds / 1e6).toFixed(1)} MIPS; ${result.instructions} in the first process, ${children} in forked children)\n`,
      );
    }
    return result.status;
  } catch (error) {
    if (error instanceof ElfError) {
      io.stderr(`openvmi user: ${executable}: ${error.message}\n`);
      return 126;
    }
    throw error;
  }
}
