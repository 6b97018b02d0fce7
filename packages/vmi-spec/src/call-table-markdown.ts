/**
 * The call table as a Markdown table for the README, generated from `VMI_CALLS` like the C
 * header. `scripts/generate-c-header.mjs` writes it between the README's markers.
 */
import { type ClobberConvention, VMI_CALLS, type VmiCall } from './call-table.js';

/** Marker lines around the generated table in README.md. */
export const CALL_TABLE_MARKERS = Object.freeze({
  start: '<!-- call-table:start (generated from src/call-table.ts; do not edit) -->',
  end: '<!-- call-table:end -->',
});

const CLOBBERS: Record<ClobberConvention, string> = {
  standard: 'EAX ECX EDX flags',
  'flags-only': 'flags only',
  none: 'nothing',
  'string-io': 'ECX, buffer register',
};

function inputs(call: VmiCall): string {
  if (call.arguments.length === 0) return '—';
  return call.arguments
    .map((argument) =>
      argument.location.kind === 'register'
        ? `${argument.location.register.toUpperCase()} ${argument.name}`
        : `[ESP+${argument.location.offset}] ${argument.name}`,
    )
    .join(', ');
}

function result(call: VmiCall): string {
  switch (call.result.kind) {
    case 'none':
      return '—';
    case 'eax':
      return `EAX ${call.result.name}`;
    case 'edx:eax':
      return `EDX:EAX ${call.result.name}`;
    case 'cpuid':
      return 'EAX EBX ECX EDX';
    case 'memory':
      return `memory at ${call.result.name}`;
  }
}

/**
 * The Markdown table (header row first), one row per call, with columns padded the way the
 * repository's formatter (Biome) lays out Markdown tables, so formatting leaves it unchanged.
 */
export function callTableMarkdown(): string {
  const header = ['#', 'Call', 'Inputs', 'Result', 'Clobbers', 'Linux hook (binding)'];
  const body = VMI_CALLS.map((call) => {
    const clobbers = call.nonReturning ? 'never returns' : CLOBBERS[call.clobbers];
    const hook = call.linuxBinding === 'unused' ? 'unused' : `${call.linuxHook} (${call.linuxBinding})`;
    const name = call.source === 'vmi-calls-v3' ? `${call.name}¹` : call.name;
    return [String(call.number), name, inputs(call), result(call), clobbers, hook.replace(/\|/g, '\\|')];
  });
  const widths = header.map((_, column) =>
    Math.max(3, ...[header, ...body].map((row) => row[column].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  const rows = [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)];
  return `${rows.join('\n')}\n`;
}

/** Replaces the text between the markers of `readme` with the generated table. */
export function withCallTable(readme: string): string {
  const start = readme.indexOf(CALL_TABLE_MARKERS.start);
  const end = readme.indexOf(CALL_TABLE_MARKERS.end);
  if (start < 0 || end < start) throw new Error('README.md lacks the call-table markers');
  return `${readme.slice(0, start + CALL_TABLE_MARKERS.start.length)}\n\n${callTableMarkdown()}\n${readme.slice(end)}`;
}
