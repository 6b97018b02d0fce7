import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildVmiNativeRom } from '@openvmi/vmi-native';
import { fixOptionRomChecksum, VmiSpecError } from '@openvmi/vmi-spec';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { buildBackendRom, describeRom, parseRomArguments, RomUsageError, runRomCommand } from './rom.js';

const directory = mkdtempSync(join(tmpdir(), 'openvmi-rom-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runRomCommand(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

describe('parseRomArguments', () => {
  it('reads the build and inspect forms', () => {
    expect(parseRomArguments(['--backend', 'vmi-native', '-o', 'r.rom'])).toEqual({
      mode: 'build',
      backend: 'vmi-native',
      output: 'r.rom',
    });
    expect(parseRomArguments(['--inspect', 'r.rom'])).toEqual({ mode: 'inspect', file: 'r.rom' });
    expect(parseRomArguments(['--help'])).toEqual({ mode: 'help' });
  });

  it('rejects incomplete, repeated, unknown and conflicting options', () => {
    for (const argv of [
      [],
      ['--backend', 'vmi-native'],
      ['-o'],
      ['--inspect', 'a', '-o', 'b'],
      ['--frob'],
      ['--inspect', 'a', '--inspect', 'b'],
    ]) {
      expect(() => parseRomArguments(argv), argv.join(' ')).toThrow(RomUsageError);
    }
  });
});

describe('openvmi rom', () => {
  it('writes the vmi-native ROM and inspects it: a valid ROM with all 74 calls', async () => {
    const file = join(directory, 'r.rom');
    const built = await run('--backend', 'vmi-native', '-o', file);
    expect(built.status).toBe(0);
    expect(built.stdout).toMatch(/wrote .*r\.rom: vmi-native ROM, \d+ bytes, 74 calls/);
    expect(readFileSync(file)).toEqual(Buffer.from(buildVmiNativeRom().image));

    const inspected = await run('--inspect', file);
    expect(inspected.status).toBe(0);
    expect(inspected.stdout).toContain('API 3.0');
    expect(inspected.stdout).toContain('license "GPL v2"');
    expect(inspected.stdout).toContain('0x15AD:0x0801');
    expect(inspected.stdout).toContain('relocation table (74 calls');
    const rows = inspected.stdout.split('\n').filter((line) => /^ {2}[ \d]\d /.test(line));
    expect(rows).toHaveLength(74);
    expect(rows[29]).toMatch(/^ {2}29 EnableInterrupts {2}call 0x[0-9A-F]{4}$/);
    expect(rows[33]).toMatch(/^ {2}33 IRET {14}jump 0x[0-9A-F]{4}$/);
    expect(rows[73]).toBe('  73 SetLazyMode       nop  -');
    expect(rows[66]).toBe('  66 GetCycleFrequency none -');
  });

  it('exits 2 with a clear message for an unknown backend or a bad command line', async () => {
    const unknown = await run('--backend', 'vmware9', '-o', join(directory, 'x.rom'));
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown backend "vmware9"; backends with a ROM: vmi-native');
    const none = await run('--backend', 'none', '-o', join(directory, 'x.rom'));
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('supplies no ROM');
    const bad = await run('--inspect');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--inspect needs a value');
  });

  it('rejects a truncated or corrupted ROM with the precise reason and exit 1', async () => {
    const image = buildVmiNativeRom().image;
    const truncated = join(directory, 'truncated.rom');
    writeFileSync(truncated, image.subarray(0, 100));
    const result = await run('--inspect', truncated);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      'invalid VMI ROM (truncated): the VMI ROM header needs 144 bytes, got 100',
    );
    const licensed = image.slice();
    const licenseOffset = licensed[0x16] | (licensed[0x17] << 8);
    licensed.set([0x42, 0x53, 0x44, 0], licenseOffset);
    const bsd = join(directory, 'bsd.rom');
    writeFileSync(bsd, licensed);
    const rejected = await run('--inspect', bsd);
    expect(rejected.status).toBe(1);
    expect(rejected.stderr).toContain('(license-rejected): license "BSD"');
    const missing = await run('--inspect', join(directory, 'does-not-exist.rom'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('cannot read');
  });

  it('refuses files larger than the option-ROM window without reading them whole', async () => {
    const big = join(directory, 'big.rom');
    writeFileSync(big, new Uint8Array(0x20001));
    const result = await run('--inspect', big);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('larger than the 131072-byte option-ROM window');
  });

  it('describes a valid ROM whose table cannot be read without running it, and says so', () => {
    const image = buildVmiNativeRom().image.slice();
    image[0x20] = 0; // drop the "OVRT" descriptor
    fixOptionRomChecksum(image, image.length - 1);
    const text = describeRom(image);
    expect(text).toContain('checksum ok');
    expect(text).toContain('relocation table: not shown (no OpenVMI relocation-table descriptor');
  });

  it('builds only known backends', () => {
    expect(buildBackendRom('vmi-native').relocations).toHaveLength(74);
    expect(() => buildBackendRom('__proto__')).toThrow(RomUsageError);
  });
});

describe('describeRom fuzzing', () => {
  const image = buildVmiNativeRom().image;

  it('never throws anything but VmiSpecError on random and mutated ROMs', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc
            .array(fc.tuple(fc.nat(image.length - 1), fc.integer({ min: 0, max: 255 })), {
              minLength: 1,
              maxLength: 8,
            })
            .map((edits) => {
              const copy = image.slice();
              for (const [at, value] of edits) copy[at] = value;
              return copy;
            }),
          fc.nat(image.length).map((length) => image.slice(0, length)),
        ),
        (bytes) => {
          try {
            describeRom(bytes);
          } catch (error) {
            if (!(error instanceof VmiSpecError)) throw error;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('catches a changed relocation-table byte through the checksum', () => {
    const copy = image.slice();
    copy[0x100] ^= 0xff;
    expect(() => describeRom(copy)).toThrow(/bad-checksum|8-bit sum/);
  });
});
