/**
 * The result lines the guest's benchmark program prints on the serial console (documented in
 * the package README): `BENCH name="null call" iterations=2000 cycles_per_iteration=1234`.
 * `openvmi bench` parses a boot's console output with {@link parseBenchLines}.
 */

/** Every benchmark the suite reports, named as in the 2006 table. */
export const BENCHMARK_NAMES = [
  'null call',
  'null I/O',
  'stat',
  'open/close',
  'sig inst',
  'sig hndl',
  'fork proc',
  'exec proc',
  'sh proc',
  'mmap',
  'prot fault',
  'page fault',
  'getppid',
  'segv',
  'forkwaitn',
  'divzero',
  'macro sort',
  '2p/0K',
  '2p/16K',
  '2p/64K',
  '8p/16K',
  '8p/64K',
  '16p/16K',
  '16p/64K',
] as const;

/** One parsed `BENCH` line. */
export interface BenchResult {
  /** Benchmark name, e.g. "null call" or "2p/16K". */
  name: string;
  /** How many timed iterations the figure is the mean of. */
  iterations: number;
  /** Guest TSC cycles per iteration, rounded down by the guest. */
  cyclesPerIteration: number;
}

const BENCH_LINE = /^BENCH name="([^"]{1,64})" iterations=(\d{1,12}) cycles_per_iteration=(\d{1,20})\r?$/;

/**
 * Extracts every well-formed `BENCH` line from console output, in order. Lines that do not
 * match the format exactly (including `BENCH DONE`) are ignored; numbers beyond the safe
 * integer range are rejected rather than rounded.
 */
export function parseBenchLines(output: string): BenchResult[] {
  const results: BenchResult[] = [];
  for (const line of output.split('\n')) {
    const match = BENCH_LINE.exec(line);
    if (match === null) continue;
    const iterations = Number(match[2]);
    const cyclesPerIteration = Number(match[3]);
    if (!Number.isSafeInteger(iterations) || !Number.isSafeInteger(cyclesPerIteration)) continue;
    results.push({ name: match[1] ?? '', iterations, cyclesPerIteration });
  }
  return results;
}
