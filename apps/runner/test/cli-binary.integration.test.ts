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

  it('exits non-zero for a subcommand that is not implemented', () => {
    const result = spawnSync(process.execPath, [cli, 'bench'], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
  });
});
