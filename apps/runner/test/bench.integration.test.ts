import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBenchCommand } from '../src/commands/bench.js';

describe('openvmi bench', () => {
  it('boots the guest suite per backend and writes the scoreboard and JSON', async () => {
    const json = join(tmpdir(), `openvmi-bench-${process.pid}.json`);
    let stdout = '';
    const status = await runBenchCommand(
      ['--runs', '2', '--iterations', '20', '--only', 'null', '--json', json],
      {
        stdout: (text) => {
          stdout += text;
        },
        stderr: () => {},
      },
    );
    expect(status).toBe(0);
    expect(stdout).toMatch(/^null call\s+\d+ ±0\.0%\s+\d+ ±0\.0%\s+\d\.\d\d \[\d+\/\d+\]$/m);
    const report = JSON.parse(await readFile(json, 'utf8'));
    const entries = report.entries as {
      name: string;
      backend: string;
      ratio: number;
      runs: number;
      instructions: number;
    }[];
    expect(entries.map((entry) => `${entry.name}@${entry.backend}`).sort()).toEqual([
      'null I/O@none',
      'null I/O@vmi-native',
      'null call@none',
      'null call@vmi-native',
    ]);
    for (const entry of entries) {
      expect(entry.runs).toBe(2);
      expect(entry.instructions).toBeGreaterThan(0);
      expect(entry.ratio).toBeGreaterThan(0.5);
      expect(entry.ratio).toBeLessThan(2);
    }
  });
});
