import { describe, expect, it } from 'vitest';
import { BENCHMARK_NAMES, parseBenchLines } from './bench-format.js';

describe('parseBenchLines', () => {
  it('reads name, iterations and cycles from console output with CRLF line ends', () => {
    const output =
      'init: running bench\r\nBENCH name="null call" iterations=200 cycles_per_iteration=1298\r\n';
    expect(parseBenchLines(output)).toEqual([
      { name: 'null call', iterations: 200, cyclesPerIteration: 1298 },
    ]);
  });

  it('keeps the order and accepts names with slashes', () => {
    const output = [
      'BENCH name="2p/16K" iterations=40 cycles_per_iteration=19121',
      'BENCH name="open/close" iterations=200 cycles_per_iteration=4801',
    ].join('\n');
    expect(parseBenchLines(output).map((r) => r.name)).toEqual(['2p/16K', 'open/close']);
  });

  it('ignores the summary line and malformed lines', () => {
    const output = [
      'BENCH DONE count=24',
      'BENCH name="stat" iterations=x cycles_per_iteration=1',
      'xBENCH name="stat" iterations=1 cycles_per_iteration=1',
      'BENCH name="stat" iterations=1 cycles_per_iteration=1 extra',
    ].join('\n');
    expect(parseBenchLines(output)).toEqual([]);
  });

  it('rejects numbers beyond the safe integer range instead of rounding them', () => {
    expect(
      parseBenchLines('BENCH name="segv" iterations=1 cycles_per_iteration=99999999999999999999'),
    ).toEqual([]);
  });

  it('names the 24 benchmarks of the suite once each', () => {
    expect(new Set(BENCHMARK_NAMES).size).toBe(24);
  });
});
