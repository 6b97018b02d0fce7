import { describe, expect, it } from 'vitest';
import { parseBenchArguments, progressBar } from './bench.js';

describe('openvmi bench', () => {
  it('draws a progress bar proportional to the runs done', () => {
    expect(progressBar(0, 20)).toBe(`openvmi bench [${'.'.repeat(20)}] 0/20`);
    expect(progressBar(7, 20)).toBe(`openvmi bench [${'#'.repeat(7)}${'.'.repeat(13)}] 7/20`);
    expect(progressBar(3, 3, 10)).toBe(`openvmi bench [${'#'.repeat(10)}] 3/3`);
    expect(progressBar(5, 3, 10)).toBe(`openvmi bench [${'#'.repeat(10)}] 5/3`); // never overflows
  });

  it('rejects a bad run count with a clear error', () => {
    expect(() => parseBenchArguments(['--runs', '0'])).toThrow();
    expect(parseBenchArguments(['--runs', '3']).runs).toBe(3);
  });
});
