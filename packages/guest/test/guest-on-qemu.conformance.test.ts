/**
 * The guest kernel on qemu-system-i386, the outside reference: it must boot native (no ROM)
 * and with the vmi-native option ROM, pass all of its self-tests and complete the benchmark
 * suite both ways. Iteration counts are kept small so that each run takes seconds.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// The ROM comes from the vmi-native backend's own builder (what `openvmi rom --backend
// vmi-native` writes), imported from source as that package's tests do, so this test does not
// depend on the whole runner being built.
import { buildVmiNativeRom, nativeImplementation } from '../../vmi-native/src/index.js';
import {
  buildVmiRom,
  type CallImplementation,
  type VmiCall,
  type X86Assembler,
} from '../../vmi-spec/src/index.js';
import { BENCHMARK_NAMES, findMultibootHeader, parseBenchLines, readParavirtSites } from '../src/index.js';

// vmi-native's declarations name vmi-spec's built types and ours its sources: the same
// function, seen through two copies of the same types.
const native = nativeImplementation as unknown as (call: VmiCall) => CallImplementation;
const imagePath = fileURLToPath(new URL('../dist/images/guest.elf', import.meta.url));
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
  // Every page the programs used came back: init ends with what it started with.
  const atStart = /starting init \((\d+) pages free\)/.exec(run.output)?.[1];
  const atEnd = /init exited with status 0 \((\d+) pages free\)/.exec(run.output)?.[1];
  expect(atStart).toBeDefined();
  expect(atEnd).toBe(atStart);
  expect(run.status).toBe(1); // isa-debug-exit: (0 << 1) | 1
}

describe('the built guest kernel', () => {
  it('is a 32-bit i386 ELF with a multiboot v1 header and paravirt patch sites', () => {
    const image = readFileSync(imagePath);
    expect([...image.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(image[4]).toBe(1); // ELFCLASS32
    expect(image.readUInt16LE(18)).toBe(3); // EM_386
    expect(findMultibootHeader(new Uint8Array(image))).toBeDefined();
    const sites = readParavirtSites(new Uint8Array(image));
    expect(sites.length).toBeGreaterThan(40);
    for (const site of sites) {
      expect(site.length).toBeGreaterThanOrEqual(5); // room for CALL/JMP rel32
      expect(site.address).toBeGreaterThanOrEqual(0xc0100000); // linked in the higher half
    }
    expect(new Set(sites.map((site) => site.call))).toContain(33); // IRET is a site
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
      const run = bootOnQemu('bench.iterations=40', [
        '-option-rom',
        writeRom('vmi-native.rom', vmiNativeRom()),
      ]);
      expect(run.output).toMatch(/VMI: found ROM at [0-9a-f]+: .*API 3\.\d+.*license GPL/);
      // Exactly the sites whose call the ROM does not leave native are rewritten.
      const relocations = buildVmiNativeRom().relocations;
      const sites = readParavirtSites(new Uint8Array(readFileSync(imagePath)));
      const expected = sites.filter((site) => (relocations[site.call]?.type ?? 0) !== 0).length;
      expect(expected).toBeGreaterThan(0);
      expect(run.output).toContain(`VMI: patched ${expected} of ${sites.length} call sites`);
      expect(run.output).toContain('VMI: kernel runs at ring 0');
      expectCompleteRun(run);
    },
    60_000,
  );

  it.runIf(hasQemu)(
    'refuses a ROM whose license is not GPL, as Linux did',
    () => {
      // The ROM builder itself refuses other licenses, so patch the string in a built image.
      const rom = testRom({});
      const licenseOffset = new DataView(rom.buffer).getUint16(0x16, true);
      expect(String.fromCharCode(...rom.subarray(licenseOffset, licenseOffset + 3))).toBe('GPL');
      rom[licenseOffset] = 'X'.charCodeAt(0); // "XPL..." is not an accepted license
      const run = bootOnQemu('guest.run=hello', ['-option-rom', writeRom('non-gpl.rom', rom)]);
      expect(run.output).toMatch(/VMI: non-GPL license `XPL.*' found for ROM/);
      expect(run.output).toContain('VMI: no ROM found; running native');
      expect(run.status).toBe(1);
    },
    60_000,
  );

  it.runIf(hasQemu)(
    "keeps its direct map below the ROM's virtual_top",
    () => {
      const rom = testRom({ virtualTop: 0xc4000000 }); // leave the kernel 64 MiB
      const run = bootOnQemu('guest.run=selftest', ['-option-rom', writeRom('low-top.rom', rom)]);
      expect(run.output).toContain('VMI: reserving virtual address space above c4000000');
      // 64 MiB up to virtual_top, less the 8 MiB the kernel keeps free under it.
      expect(run.output).toContain(`memory: ${56 * 1024} KiB mapped`);
      expect(run.output).toMatch(/SELFTEST DONE passed=\d+ failed=0/);
      expect(run.status).toBe(1);
    },
    60_000,
  );

  it.runIf(hasQemu)(
    'ticks from VMI alarms when the ROM implements the timer calls',
    () => {
      // A test ROM whose alarm is the PIT: GetCycleFrequency says 1193200 cycles/s, so the kernel
      // asks for a period of 11932 cycles, and SetAlarm programs PIT channel 0 with that divisor
      // (0x2E9C) in rate-generator mode. The preemption self-test needs these ticks.
      const timer = new Map<string, (assembler: X86Assembler) => void>([
        [
          'GetCycleFrequency',
          (a) =>
            a
              .raw(0xb8, ...le32(1193200))
              .xorRegister(2, 2)
              .ret(),
        ],
        ['GetCycleCounter', (a) => a.rdtsc().ret()],
        [
          'SetAlarm',
          (a) => a.raw(0xb0, 0x34, 0xe6, 0x43, 0xb0, 0x9c, 0xe6, 0x40, 0xb0, 0x2e, 0xe6, 0x40).ret(),
        ],
        ['CancelAlarm', (a) => a.xorRegister(0, 0).ret()],
      ]);
      const rom = testRom({
        implement: (call) => {
          const emit = timer.get(call.name);
          return emit ? { type: 'call', emit } : native(call);
        },
      });
      const run = bootOnQemu('guest.run=selftest', ['-option-rom', writeRom('timer.rom', rom)]);
      expect(run.output).toContain('VMI: kernel runs at ring 0; VMI timer available');
      expect(run.output).toContain('timer: VMI alarm, 100 Hz, cycle frequency 1193 kHz');
      expect(run.output).toContain('SELFTEST PASS preemption-and-kill');
      expect(run.output).toMatch(/SELFTEST DONE passed=\d+ failed=0/);
      expect(run.status).toBe(1);
    },
    60_000,
  );

  it.runIf(hasQemu)(
    'runs commands typed into the interactive shell',
    async () => {
      const qemu = spawn('qemu-system-i386', [
        ...['-display', 'none', '-no-reboot', '-net', 'none', '-monitor', 'none', '-m', '128'],
        ...['-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
        ...['-kernel', imagePath, '-append', 'guest.run=sh'],
      ]);
      const timer = setTimeout(() => qemu.kill('SIGKILL'), 50_000);
      let output = '';
      const typed: string[] = [];
      // Type each line only when the prompt asks for it: the UART drops what arrives earlier.
      const lines = ['hello typed\r', 'exit 3\r'];
      qemu.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString('latin1');
        const prompts = output.split('$ ').length - 1;
        if (prompts > typed.length && typed.length < lines.length) {
          const line = lines[typed.length] ?? '';
          typed.push(line);
          qemu.stdin.write(line);
        }
      });
      const status = await new Promise<number | null>((resolve) => qemu.on('exit', (code) => resolve(code)));
      clearTimeout(timer);
      // Once echoed by the console, once printed by /bin/hello from its argument.
      expect(output.split('hello typed').length - 1).toBe(2);
      expect(output).toContain('init: sh exited with status 3');
      expect(status).toBe(3); // init failed one program: (1 << 1) | 1
    },
    60_000,
  );
});

/** A ROM like vmi-native's, with some fields of the definition replaced. */
function testRom(options: {
  virtualTop?: number;
  implement?: (call: VmiCall) => CallImplementation;
}): Uint8Array {
  return buildVmiRom({
    manufacturer: 'OpenVMI',
    product: 'guest test ROM',
    romVersion: { major: 0, minor: 1 },
    implement: native,
    ...options,
  }).image;
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

/** A fresh copy of the vmi-native ROM image. */
function vmiNativeRom(): Uint8Array {
  return new Uint8Array(buildVmiNativeRom().image);
}

/** Writes a ROM image with its last byte re-chosen so that the option-ROM byte sum is zero. */
function writeRom(name: string, image: Uint8Array): string {
  let sum = 0;
  for (let i = 0; i < image.length - 1; i++) sum = (sum + (image[i] ?? 0)) & 0xff;
  image[image.length - 1] = (0x100 - sum) & 0xff;
  const path = join(scratch, name);
  writeFileSync(path, image);
  return path;
}
