/**
 * The overhead scoreboard: per benchmark and backend, the mean guest measurement, its 95%
 * confidence interval, the ratio to Native, guest instructions and host time, laid out as the
 * 2006 VMI table (a latency section and a throughput section, "VMI-Native/Native 1.00 [x/y]").
 */
import { type Summary, summarize } from './statistics.js';

/** One benchmark's measurement in one boot. */
export interface BenchSample {
  name: string;
  /** Guest TSC cycles per operation. */
  cyclesPerIteration: number;
  /** Guest instructions retired while the benchmark ran (its share of the boot); null where not measurable (QEMU). */
  instructions: number | null;
  /** Host wall seconds while it ran. */
  hostSeconds: number;
}

/** The column a backend fills: `none` is "Native". */
export interface BackendRuns {
  /** Backend name as `--backend` takes it, or e.g. "qemu:none" for the QEMU reference. */
  backend: string;
  /** Column title, e.g. "Native", "VMI-Native", "QEMU Native". */
  label: string;
  /** One array of samples per boot. */
  runs: BenchSample[][];
}

/** One cell of the scoreboard, as `--json` writes it. */
export interface ScoreboardEntry {
  name: string;
  backend: string;
  unit: 'cycles';
  section: 'latency' | 'throughput';
  runs: number;
  mean: number;
  ci95Percent: number;
  /** Mean relative to Native on the same platform (1 for Native itself); null without Native. */
  ratio: number | null;
  /** Mean guest instructions while it ran; null where not measurable (QEMU). */
  instructions: number | null;
  hostSeconds: number;
}

/** Benchmarks reported as throughput (whole workloads) rather than latency. */
export const THROUGHPUT_BENCHMARKS: ReadonlySet<string> = new Set(['macro sort']);

/** Builds the entries from runs; `nativeOf(backend)` names the Native column to compare with. */
export function buildScoreboard(
  columns: readonly BackendRuns[],
  nativeOf: (backend: string) => string | undefined,
): ScoreboardEntry[] {
  type Cell = { summary: Summary; instructions: number | null; hostSeconds: number };
  const summaries = new Map<string, Map<string, Cell>>();
  const names: string[] = [];
  for (const column of columns) {
    const byName = new Map<
      string,
      { values: number[]; instructions: (number | null)[]; hostSeconds: number[] }
    >();
    for (const run of column.runs) {
      for (const sample of run) {
        if (!names.includes(sample.name)) names.push(sample.name);
        const entry = byName.get(sample.name) ?? { values: [], instructions: [], hostSeconds: [] };
        entry.values.push(sample.cyclesPerIteration);
        entry.instructions.push(sample.instructions);
        entry.hostSeconds.push(sample.hostSeconds);
        byName.set(sample.name, entry);
      }
    }
    const columnSummaries = new Map<string, Cell>();
    for (const [name, entry] of byName) {
      const measured = entry.instructions.filter((value): value is number => value !== null);
      columnSummaries.set(name, {
        summary: summarize(entry.values),
        instructions:
          measured.length === entry.instructions.length ? Math.round(summarize(measured).mean) : null,
        hostSeconds: summarize(entry.hostSeconds).mean,
      });
    }
    summaries.set(column.backend, columnSummaries);
  }
  const entries: ScoreboardEntry[] = [];
  for (const name of names) {
    for (const column of columns) {
      const cell = summaries.get(column.backend)?.get(name);
      if (cell === undefined) continue;
      const nativeBackend = nativeOf(column.backend);
      const native = nativeBackend === undefined ? undefined : summaries.get(nativeBackend)?.get(name);
      entries.push({
        name,
        backend: column.backend,
        unit: 'cycles',
        section: THROUGHPUT_BENCHMARKS.has(name) ? 'throughput' : 'latency',
        runs: cell.summary.count,
        mean: cell.summary.mean,
        ci95Percent: cell.summary.ci95Percent,
        ratio:
          native === undefined || native.summary.mean === 0 ? null : cell.summary.mean / native.summary.mean,
        instructions: cell.instructions,
        hostSeconds: cell.hostSeconds,
      });
    }
  }
  return entries;
}

function formatNumber(value: number): string {
  if (value >= 100) return Math.round(value).toString();
  return value.toFixed(1);
}

/**
 * The table in the 2006 layout. `timeBase` states what a guest cycle is. Ratio columns compare
 * each non-Native column with its Native: "1.00 [x/y]" (x = this backend, y = Native).
 */
export function formatScoreboard(
  entries: readonly ScoreboardEntry[],
  columns: readonly BackendRuns[],
  nativeOf: (backend: string) => string | undefined,
  timeBase: string,
): string {
  const lines: string[] = [];
  const ratioColumns = columns.filter((column) => {
    const native = nativeOf(column.backend);
    return native !== undefined && native !== column.backend;
  });
  const label = (backend: string) => columns.find((column) => column.backend === backend)?.label ?? backend;
  const header = [
    'Benchmark'.padEnd(12),
    ...columns.map((column) => `${column.label} (±95%)`.padEnd(22)),
    ...ratioColumns.map((column) => `${column.label}/${label(nativeOf(column.backend)!)}`.padEnd(28)),
  ].join(' ');
  for (const section of ['latency', 'throughput'] as const) {
    const names = [
      ...new Set(entries.filter((entry) => entry.section === section).map((entry) => entry.name)),
    ];
    if (names.length === 0) continue;
    lines.push('');
    lines.push(
      section === 'latency'
        ? 'Latency (guest cycles per operation; lower is better)'
        : 'Throughput workloads (guest cycles per run; lower is better)',
    );
    lines.push(header);
    for (const name of names) {
      const cells = columns.map((column) => {
        const entry = entries.find(
          (candidate) => candidate.name === name && candidate.backend === column.backend,
        );
        return (
          entry === undefined ? '-' : `${formatNumber(entry.mean)} ±${entry.ci95Percent.toFixed(1)}%`
        ).padEnd(22);
      });
      const ratios = ratioColumns.map((column) => {
        const entry = entries.find(
          (candidate) => candidate.name === name && candidate.backend === column.backend,
        );
        const native = entries.find(
          (candidate) => candidate.name === name && candidate.backend === nativeOf(column.backend),
        );
        if (entry === undefined || native === undefined || entry.ratio === null) return '-'.padEnd(28);
        return `${entry.ratio.toFixed(2)} [${formatNumber(entry.mean)}/${formatNumber(native.mean)}]`.padEnd(
          28,
        );
      });
      lines.push([name.padEnd(12), ...cells, ...ratios].join(' ').trimEnd());
    }
  }
  lines.push('');
  lines.push('Per benchmark, mean of the runs: guest instructions / host seconds');
  for (const column of columns) {
    const own = entries.filter((entry) => entry.backend === column.backend);
    const seconds = own.reduce((sum, entry) => sum + entry.hostSeconds, 0);
    if (own.some((entry) => entry.instructions === null)) {
      lines.push(`  ${column.label.padEnd(16)} instructions not measured, ${seconds.toFixed(2)} s host`);
      continue;
    }
    const instructions = own.reduce((sum, entry) => sum + (entry.instructions ?? 0), 0);
    lines.push(
      `  ${column.label.padEnd(16)} ${instructions.toLocaleString('en-US')} instructions, ${seconds.toFixed(2)} s host` +
        (seconds > 0 && instructions > 0 ? ` (${(instructions / seconds / 1e6).toFixed(1)} MIPS)` : ''),
    );
  }
  lines.push(`Time base: ${timeBase}`);
  return `${lines.join('\n').replace(/^\n/, '')}\n`;
}
