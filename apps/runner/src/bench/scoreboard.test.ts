import { describe, expect, it } from 'vitest';
import { buildScoreboard, formatScoreboard } from './scoreboard.js';
import { summarize } from './statistics.js';

describe('summarize', () => {
  it('gives the mean and the Student-t 95% half-width', () => {
    const summary = summarize([10, 12, 14]);
    expect(summary.mean).toBe(12);
    // s = 2, t(2) = 4.303: 4.303 * 2 / sqrt(3)
    expect(summary.ci95).toBeCloseTo((4.303 * 2) / Math.sqrt(3), 6);
    expect(summary.ci95Percent).toBeCloseTo((summary.ci95 / 12) * 100, 6);
  });

  it('has a zero interval for one sample or identical samples', () => {
    expect(summarize([5]).ci95).toBe(0);
    expect(summarize([5, 5, 5]).ci95).toBe(0);
  });

  it('refuses no samples', () => {
    expect(() => summarize([])).toThrow(RangeError);
  });
});

describe('scoreboard', () => {
  const sample = (name: string, cycles: number) => ({
    name,
    cyclesPerIteration: cycles,
    instructions: cycles * 10,
    hostSeconds: 0.5,
  });
  const columns = [
    { backend: 'none', label: 'Native', runs: [[sample('null call', 100), sample('macro sort', 1000)]] },
    {
      backend: 'vmi-native',
      label: 'VMI-Native',
      runs: [[sample('null call', 103), sample('macro sort', 1000)]],
    },
  ];
  const nativeOf = () => 'none';

  it('computes ratios to Native per benchmark', () => {
    const entries = buildScoreboard(columns, nativeOf);
    const vmi = entries.find((entry) => entry.backend === 'vmi-native' && entry.name === 'null call');
    expect(vmi).toMatchObject({
      mean: 103,
      ratio: 1.03,
      section: 'latency',
      unit: 'cycles',
      instructions: 1030,
    });
    expect(entries.find((entry) => entry.name === 'macro sort' && entry.backend === 'none')).toMatchObject({
      section: 'throughput',
      ratio: 1,
    });
  });

  it('prints the 2006 layout with raw scores in brackets and the time base', () => {
    const text = formatScoreboard(buildScoreboard(columns, nativeOf), columns, nativeOf, 'test clock');
    expect(text).toMatch(/^Latency/m);
    expect(text).toMatch(/^Throughput/m);
    expect(text).toMatch(/VMI-Native\/Native/);
    expect(text).toMatch(/^null call\s+100 ±0\.0%\s+103 ±0\.0%\s+1\.03 \[103\/100\]$/m);
    expect(text).toContain('Time base: test clock');
  });
});
