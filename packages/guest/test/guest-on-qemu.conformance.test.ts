/**
 * The guest kernel on qemu-system-i386, the outside reference: it must boot native (no ROM)
 * and with the vmi-native option ROM, pass all of its self-tests and complete the benchmark
 * suite both ways. Iteration counts are kept small so that each run takes seconds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BENCHMARK_NAMES, findMultibootHeader, parseBenchLines } from '../src/index.js';

const imagePath = fileURLToPath(new URL('../dist/images/guest.elf', import.meta.url));
const runnerCli = fileURLToPath(new URL('../../../apps/runner/dist/cli.js', import.meta.url));
const hasQemu = spawnSync('sh', ['-c', 'command -v qemu-system-i386']).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'openvmi-guest-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface QemuRun {
  output: string;
  status: number | null;
}

function bootOnQemu(commandLine: string, extraArguments: string[] = []): QemuRun {
  const result = spawnSync(
    'qemu-system-i386',
    [
      ...['-nographic', '-no-reboot', '-net', 'none', '-monitor', 'none', '-display', 'none', '-m', '128'],
      ...['-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
      ...['-kernel', imagePath, '-append', commandLine, ...extraArguments],
    ],
    { encoding: 'utf8', timeout: 50_000 },
  );
  return { output: result.stdout, status: result.status };
}

/** Checks what every complete run must show: all self-tests pass, every benchmark reports. */
function expectCompleteRun(run: QemuRun): void {
  expect(run.output).toMatch(/SELFTEST DONE passed=\d+ failed=0/);
  expect(run.output).not.toContain('SELFTEST FAIL');
  expect(run.output).not.toContain('PANIC');
  const results = parseBenchLines(run.output);
  expect(results.map((r) => r.name).sort()).toEqual([...BENCHMARK_NAMES].sort());
  for (const r of results) {
    expect(r.iterations).toBeGreaterThan(0);
    expect(r.cyclesPerIteration).toBeGreaterThan(0);
  }
  expect(run.output).toContain(`BENCH DONE count=${BENCHMARK_NAMES.length}`);
  expect(run.output).toContain('init: done, 0 failed');
  expect(run.status).toBe(1); // isa-debug-exit: (0 << 1) | 1
}

describe('the built guest kernel', () => {
  it('is a 32-bit i386 ELF with a multiboot v1 header', () => {
    const image = readFileSync(imagePath);
    expect([...image.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(image[4]).toBe(1); // ELFCLASS32
    expect(image.readUInt16LE(18)).toBe(3); // EM_386
    expect(findMultibootHeader(new Uint8Array(image))).toBeDefined();
  });

  it.runIf(hasQemu)(
    'boots native on qemu-system-i386, passes its self-tests and completes the suite',
    () => {
      const run = bootOnQemu('bench.iterations=40');
      expect(run.output).toContain('VMI: no ROM found; running native');
      expect(run.output).toContain('timer: PIT, 100 Hz');
      expectCompleteRun(run);
    },
    60_000,
  );

  it.runIf(hasQemu)(
    'boots with the vmi-native option ROM, patches its call sites and completes the suite',
    () => {
      expect(existsSync(runnerCli), 'build the runner first (pnpm build)').toBe(true);
      const romPath = join(scratch, 'vmi-native.rom');
      const rom = spawnSync(process.execPath, [runnerCli, 'rom', '--backend', 'vmi-native', '-o', romPath], {
        encoding: 'utf8',
      });
      expect(rom.status, rom.stderr).toBe(0);
      const run = bootOnQemu('bench.iterations=40', ['-option-rom', romPath]);
      expect(run.output).toMatch(/VMI: found ROM at [0-9a-f]+: .*API 3\.\d+.*license GPL/);
      const patched = /VMI: patched (\d+) of (\d+) call sites/.exec(run.output);
      expect(patched).not.toBeNull();
      expect(Number(patched?.[1])).toBeGreaterThan(0);
      expect(Number(patched?.[1])).toBeLessThanOrEqual(Number(patched?.[2]));
      expectCompleteRun(run);
    },
    60_000,
  );

  it.runIf(hasQemu)(
    'refuses a ROM whose license is not GPL, as Linux did',
    () => {
      const romPath = join(scratch, 'vmi-native.rom');
      if (!existsSync(romPath)) {
        const rom = spawnSync(process.execPath, [runnerCli, 'rom', '--backend', 'vmi-native', '-o', romPath]);
        expect(rom.status).toBe(0);
      }
      const image = new Uint8Array(readFileSync(romPath));
      const view = new DataView(image.buffer);
      const licenseOffset = view.getUint16(0x16, true);
      expect(String.fromCharCode(...image.subarray(licenseOffset, licenseOffset + 3))).toBe('GPL');
      // "XPL..." is not an accepted license. Take the difference from a reserved header byte
      // (0x20) so that the option-ROM byte sum, which the firmware checks, stays zero.
      const delta = 'X'.charCodeAt(0) - 'G'.charCodeAt(0);
      image[licenseOffset] = 'X'.charCodeAt(0);
      image[0x20] = ((image[0x20] ?? 0) - delta) & 0xff;
      const badRom = join(scratch, 'non-gpl.rom');
      writeFileSync(badRom, image);
      const run = bootOnQemu('guest.run=hello', ['-option-rom', badRom]);
      expect(run.output).toMatch(/VMI: non-GPL license `XPL.*' found for ROM/);
      expect(run.output).toContain('VMI: no ROM found; running native');
      expect(run.status).toBe(1);
    },
    60_000,
  );
});
