/**
 * `openvmi bench`: boots the bundled guest's benchmark suite repeatedly per backend (and, with
 * `--qemu`, on qemu-system-i386 without and with the vmi-native ROM) and prints the overhead
 * scoreboard in the 2006 layout; `--json FILE` writes every cell.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { guestImageSpecifier } from '@openvmi/guest';
import { runSuiteOnOpenvmi, runSuiteOnQemu } from '../bench/guest-runs.js';
import { type BackendRuns, buildScoreboard, formatScoreboard } from '../bench/scoreboard.js';
import type { CliIo } from '../cli-io.js';
import { BACKEND_NAMES, type BackendName } from '../machine/machine-config.js';

/** Usage text of `openvmi bench`. */
export const BENCH_USAGE = `Usage: openvmi bench [--backends none,vmi-native] [--runs N] [--json FILE] [--qemu]
                     [--iterations N] [--only PREFIX]

Boots the bundled guest kernel's benchmark suite N times per backend (deterministic mode: the
guest TSC counts retired instructions) and prints, per benchmark, the mean guest cycles per
operation with its 95% confidence interval, the ratio to Native with raw scores in brackets, and
the guest instructions and host seconds spent.

  --backends LIST   backends to compare (default: ${BACKEND_NAMES.join(',')}); "none" is Native
  --runs N          boots per backend (default 3)
  --iterations N    the guest's bench.iterations (default 2000)
  --only PREFIX     run only benchmarks whose name starts with PREFIX
  --qemu            also run on qemu-system-i386 (TCG) without and with the vmi-native ROM
  --json FILE       write every cell as JSON
`;

const LABELS: Record<BackendName, string> = { none: 'Native', 'vmi-native': 'VMI-Native' };

/** Parsed options. */
export interface BenchOptions {
  backends: BackendName[];
  runs: number;
  iterations: number;
  only?: string;
  qemu: boolean;
  json?: string;
}

/** Parses `openvmi bench` arguments. @throws Error with the reason. */
export function parseBenchArguments(argv: readonly string[]): BenchOptions {
  const options: BenchOptions = { backends: [...BACKEND_NAMES], runs: 3, iterations: 2000, qemu: false };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    const positive = (text: string, maximum: number): number => {
      const number = Number(text);
      if (!Number.isInteger(number) || number < 1 || number > maximum) {
        throw new Error(`${argument} takes an integer from 1 to ${maximum}, got ${text}`);
      }
      return number;
    };
    switch (argument) {
      case '--backends': {
        const names = value().split(',').filter(Boolean);
        for (const name of names) {
          if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
            throw new Error(`unknown backend "${name}" (known: ${BACKEND_NAMES.join(', ')})`);
          }
        }
        if (names.length === 0) throw new Error('--backends needs at least one backend');
        options.backends = [...new Set(names)] as BackendName[];
        break;
      }
      case '--runs':
        options.runs = positive(value(), 100);
        break;
      case '--iterations':
        options.iterations = positive(value(), 1_000_000);
        break;
      case '--only':
        options.only = value();
        if (!/^[A-Za-z0-9/]+$/.test(options.only)) {
          throw new Error(
            '--only takes a name prefix of letters, digits and / (no spaces: the kernel command line splits there)',
          );
        }
        break;
      case '--qemu':
        options.qemu = true;
        break;
      case '--json':
        options.json = value();
        break;
      default:
        throw new Error(`unknown option ${argument}`);
    }
  }
  return options;
}

/** The guest command line for a benchmark run. */
export function benchCommandLine(options: BenchOptions): string {
  const parts = ['guest.run=bench', `bench.iterations=${options.iterations}`];
  if (options.only !== undefined) parts.push(`bench.only=${options.only}`);
  return parts.join(' ');
}

/** Runs `openvmi bench`. */
export async function runBenchCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(BENCH_USAGE);
    return 0;
  }
  let options: BenchOptions;
  try {
    options = parseBenchArguments(argv);
  } catch (error) {
    io.stderr(`openvmi bench: ${(error as Error).message}\n`);
    return 2;
  }
  const imagePath = fileURLToPath(import.meta.resolve(guestImageSpecifier('guest.elf')));
  const image = new Uint8Array(await readFile(imagePath));
  const commandLine = benchCommandLine(options);
  const columns: BackendRuns[] = [];
  const total = options.backends.length * options.runs + (options.qemu ? 2 * options.runs : 0);
  let done = 0;
  const progress = (what: string) => {
    done++;
    if (io.stderrIsTTY === true) {
      // A bar redrawn in place; the last one stays on screen.
      io.stderr(`\r${progressBar(done, total)} ${what}\x1b[K${done === total ? '\n' : ''}`);
    } else io.stderr(`openvmi bench: [${done}/${total}] ${what}\n`);
  };
  for (const backend of options.backends) {
    const column: BackendRuns = { backend, label: LABELS[backend], runs: [] };
    for (let run = 0; run < options.runs; run++) {
      const result = runSuiteOnOpenvmi(image, backend, commandLine);
      column.runs.push(result.samples);
      progress(
        `${LABELS[backend]} run ${run + 1}: ${result.totalInstructions} instructions, ${result.hostSeconds.toFixed(1)} s`,
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    columns.push(column);
  }
  if (options.qemu) {
    for (const [backend, label, withRom] of [
      ['qemu:none', 'QEMU Native', false],
      ['qemu:vmi-native', 'QEMU VMI-Native', true],
    ] as const) {
      const column: BackendRuns = { backend, label, runs: [] };
      for (let run = 0; run < options.runs; run++) {
        const result = await runSuiteOnQemu(imagePath, withRom, commandLine);
        column.runs.push(result.samples);
        progress(`${label} run ${run + 1}: ${result.hostSeconds.toFixed(1)} s`);
      }
      columns.push(column);
    }
  }
  const nativeOf = (backend: string) => {
    if (backend.startsWith('qemu:')) return 'qemu:none';
    return options.backends.includes('none') ? 'none' : undefined;
  };
  const entries = buildScoreboard(columns, nativeOf);
  io.stdout(
    formatScoreboard(
      entries,
      columns,
      nativeOf,
      'openvmi columns: guest TSC = retired instructions (deterministic mode, 1 cycle per instruction); QEMU columns: host-clock TSC',
    ),
  );
  if (options.json !== undefined) {
    await writeFile(
      options.json,
      `${JSON.stringify({ commandLine, runs: options.runs, entries }, null, 2)}\n`,
    );
    io.stderr(`openvmi bench: wrote ${options.json}\n`);
  }
  return 0;
}

/** A text progress bar: `openvmi bench [#######.............] 7/20`. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total <= 0 ? width : Math.min(width, Math.floor((done / total) * width));
  return `openvmi bench [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
}
