import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

describe('the built openvmi binary', () => {
  it('prints its help and exits 0', () => {
    const result = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: openvmi <command>');
  });

  it('exits 2 with a message for a bad option', () => {
    const result = spawnSync(process.execPath, [cli, 'bench', '--runs', 'many'], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--runs takes an integer');
  });
});
