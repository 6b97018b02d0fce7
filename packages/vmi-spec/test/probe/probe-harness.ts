/**
 * Builds the VMI probe (probe.c + boot.S, gcc -m32 freestanding, multiboot v1) and runs it on
 * qemu-system-i386 with a ROM given as `-option-rom`. Used by conformance tests of vmi-spec and of
 * every backend package; test-only code (it touches the host).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const probeDirectory = fileURLToPath(new URL('.', import.meta.url));
const headerDirectory = fileURLToPath(new URL('../../c', import.meta.url));

const CFLAGS = [
  '-m32',
  '-ffreestanding',
  '-fno-pic',
  '-fno-stack-protector',
  '-fno-builtin',
  '-nostdlib',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-std=gnu11',
  '-fno-asynchronous-unwind-tables',
  '-I',
  headerDirectory,
];

/** True when gcc, ld and qemu-system-i386 are all on PATH. */
export function probeToolsAvailable(): boolean {
  return ['gcc', 'ld', 'qemu-system-i386'].every(
    (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0,
  );
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
}

/** What one probe run printed. */
export interface ProbeRun {
  /** qemu's exit status: 1 when the probe passed (isa-debug-exit 0), 3 when it failed. */
  readonly status: number | null;
  readonly output: string;
  /** The relocation lines without the "reloc: " prefix. */
  readonly relocations: readonly string[];
  /** The "check: ..." lines without the prefix. */
  readonly checks: readonly string[];
}

/** A built probe in a temporary directory; `dispose()` removes it. */
export interface Probe {
  /** The linked multiboot ELF, for running it on other machines (`openvmi boot -kernel`). */
  readonly elf: string;
  /**
   * Runs the probe with `rom` as QEMU's option ROM. `tableOnly` prints the relocation table and
   * skips running the stubs (for ROMs whose stubs are not native code).
   */
  run(rom: Uint8Array, options?: { readonly tableOnly?: boolean }): ProbeRun;
  dispose(): void;
}

/** Splits what the probe printed on COM1 into its relocation and check lines. */
export function parseProbeOutput(output: string, status: number | null): ProbeRun {
  const lines = output.split(/\r?\n/);
  const prefixed = (prefix: string) =>
    lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
  return { status, output, relocations: prefixed('reloc: '), checks: prefixed('check: ') };
}

/** Compiles and links the probe. */
export function buildProbe(): Probe {
  const directory = mkdtempSync(join(tmpdir(), 'openvmi-probe-'));
  const boot = join(directory, 'boot.o');
  const main = join(directory, 'probe.o');
  const elf = join(directory, 'probe.elf');
  run('gcc', [...CFLAGS, '-c', join(probeDirectory, 'boot.S'), '-o', boot]);
  run('gcc', [...CFLAGS, '-c', join(probeDirectory, 'probe.c'), '-o', main]);
  run('ld', [
    ...['-m', 'elf_i386', '-nostdlib', '--build-id=none', '-z', 'noexecstack', '--no-warn-rwx-segments'],
    ...['-T', join(probeDirectory, 'probe.ld'), '-o', elf, boot, main],
  ]);
  let runs = 0;
  return {
    elf,
    run(rom, options = {}) {
      const romFile = join(directory, `rom-${runs++}.rom`);
      writeFileSync(romFile, rom);
      const result = spawnSync(
        'qemu-system-i386',
        [
          ...['-nographic', '-no-reboot', '-net', 'none', '-monitor', 'none', '-display', 'none'],
          ...['-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
          ...['-option-rom', romFile, '-kernel', elf],
          ...(options.tableOnly ? ['-append', 'table-only'] : []),
        ],
        { encoding: 'utf8', timeout: 30_000 },
      );
      const lines = result.stdout.split(/\r?\n/);
      const prefixed = (prefix: string) =>
        lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
      return {
        status: result.status,
        output: result.stdout,
        relocations: prefixed('reloc: '),
        checks: prefixed('check: '),
      };
    },
    dispose() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
