import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'openvmi-rom-cli-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const openvmi = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('the built openvmi rom command', () => {
  it('writes the vmi-native ROM and inspects it as a valid ROM with all 74 calls', () => {
    const rom = join(directory, 'r.rom');
    const written = openvmi('rom', '--backend', 'vmi-native', '-o', rom);
    expect(written.status).toBe(0);
    const inspected = openvmi('rom', '--inspect', rom);
    expect(inspected.status).toBe(0);
    expect(inspected.stdout).toContain('checksum ok');
    expect(inspected.stdout).toContain('relocation table (74 calls');
    expect(inspected.stdout.split('\n').filter((line) => /^ {2}[ \d]\d [A-Za-z]/.test(line))).toHaveLength(
      74,
    );
  });

  it('exits 2 for an unknown backend and 1 for an invalid ROM', () => {
    expect(openvmi('rom', '--backend', 'nope', '-o', join(directory, 'x.rom')).status).toBe(2);
    const garbage = join(directory, 'garbage.rom');
    writeFileSync(garbage, 'not a rom');
    const result = openvmi('rom', '--inspect', garbage);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('bad-option-rom-signature');
  });
});
