/**
 * Test helpers around scripts/linux-guest.sh: prepare Debian's kernel with an initramfs running
 * given commands, and split the guest's console output into per-command sections.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MachineConfig } from '../src/machine/machine-config.js';
import { createMachine, type MachineStop } from '../src/machine/pc-machine.js';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Paths of a prepared guest. */
export interface LinuxGuestFiles {
  kernel: string;
  initrd: string;
}

/** Runs scripts/linux-guest.sh (fetching and caching on first use) and returns the files. */
export function prepareLinuxGuest(name: string, commands: readonly string[]): LinuxGuestFiles {
  const output = execFileSync('bash', ['scripts/linux-guest.sh', '--name', name, ...commands], {
    cwd: repositoryRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kernel = /^kernel (.+)$/m.exec(output)?.[1];
  const initrd = /^initrd (.+)$/m.exec(output)?.[1];
  if (kernel === undefined || initrd === undefined)
    throw new Error(`linux-guest.sh printed no paths:\n${output}`);
  return { kernel, initrd };
}

/** One command's section of the console output. */
export interface CommandSection {
  command: string;
  output: string;
  status: number;
}

/** Splits console output at the initramfs markers; `done` tells whether the DONE marker came. */
export function parseGuestConsole(consoleText: string): { sections: CommandSection[]; done: boolean } {
  const text = consoleText.replace(/\r\n/g, '\n');
  const sections: CommandSection[] = [];
  const pattern = /^==== OPENVMI BEGIN (\d+) (.*)\n([\s\S]*?)^==== OPENVMI END \1 status=(\d+)$/gm;
  for (const match of text.matchAll(pattern)) {
    // Kernel log lines (timestamps) may interleave with command output on the console.
    const output = match[3]
      .split('\n')
      .filter((line) => !/^\[\s*\d+\.\d+\] /.test(line))
      .join('\n');
    sections.push({ command: match[2], output, status: Number(match[4]) });
  }
  return { sections, done: /^==== OPENVMI DONE$/m.test(text) };
}

/** A deterministic boot of a prepared guest on the OpenVMI PC, run to its stop. */
export function bootLinuxOnOpenvmi(
  files: { kernel: Uint8Array; initrd: Uint8Array },
  commandLine: string,
  overrides: Partial<MachineConfig> = {},
): { stop: MachineStop; consoleText: string } {
  const bytes: number[] = [];
  const machine = createMachine({
    memoryMiB: 256,
    kernel: files.kernel,
    initrd: files.initrd,
    commandLine,
    backend: 'none',
    deterministic: true,
    maxInstructions: 8_000_000_000,
    noReboot: true,
    isaDebugExit: false,
    serialOutput: (byte) => bytes.push(byte),
    ...overrides,
  });
  let stop: MachineStop | undefined;
  while (stop === undefined) stop = machine.runSlice(20_000_000);
  return { stop, consoleText: Buffer.from(bytes).toString('latin1') };
}

/** True when qemu-system-i386 is installed (scripts/install-test-deps.sh installs it). */
export const hasQemuSystem = spawnSync('sh', ['-c', 'command -v qemu-system-i386']).status === 0;

/** Boots a prepared guest on qemu-system-i386 (TCG) with COM1 on stdout. */
export function bootLinuxOnQemu(files: LinuxGuestFiles, commandLine: string, memoryMiB = 256) {
  return spawnSync(
    'qemu-system-i386',
    [
      ...['-nographic', '-no-reboot', '-net', 'none', '-monitor', 'none', '-display', 'none'],
      ...['-serial', 'stdio', '-m', String(memoryMiB)],
      ...['-kernel', files.kernel, '-initrd', files.initrd, '-append', commandLine],
    ],
    { encoding: 'utf8', timeout: 240_000 },
  );
}
