/**
 * A differential campaign: sequences `start .. start+count` of a seed are packed into static
 * programs (`gcc -m32 -nostdlib -static`), each program runs under `qemu-i386` (the reference)
 * and under our CPU (`openvmi user`, in-process), and the records they write are compared.
 * A program that stops early on our side is a mismatch of the sequence whose record is missing;
 * the campaign resumes after it.
 */

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runUserProgram } from '../user/process.js';
import {
  type GeneratedSequence,
  generateSequence,
  INSTRUCTION_CLASSES,
  type InstructionClass,
} from './generator.js';
import { compareRecords, type FieldDifference, programSource, RECORD_BYTES } from './program.js';

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  seed: number;
  count: number;
  /** First sequence index (default 0). */
  start?: number;
  /** Sequences per program (default 1000). */
  batchSize?: number;
  /** Restrict the generator to these classes (default: all). */
  classes?: readonly InstructionClass[];
  /** Called after each program with the number of sequences done. */
  onProgress?: (done: number) => void;
  /** Keep the generated sources and binaries here instead of a temporary folder. */
  keepDirectory?: string;
}

/** One sequence on which our CPU and QEMU disagree. */
export interface Mismatch {
  index: number;
  instructionClass: InstructionClass;
  /** Fields that differ; empty when our run stopped before writing the record. */
  differences: FieldDifference[];
  /** Why our run stopped, when it did. */
  stopped?: string;
  /** The body as generated. */
  body: string[];
  /** `objdump -d` of the body. */
  disassembly: string;
}

/** Counts of one class. */
export interface ClassStatistics {
  total: number;
  mismatched: number;
}

/** What a campaign found. */
export interface CampaignResult {
  seed: number;
  start: number;
  count: number;
  mismatches: Mismatch[];
  perClass: Map<InstructionClass, ClassStatistics>;
  elapsedMilliseconds: number;
}

function must(command: string, args: string[], what: string): Buffer {
  const result = spawnSync(command, args, { maxBuffer: 1 << 30 });
  if (result.error !== undefined) throw new Error(`${what}: cannot run ${command}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${what}: ${command} exited with ${result.status ?? result.signal}: ${result.stderr.toString().slice(0, 4000)}`,
    );
  }
  return result.stdout;
}

/** Assembles `sequences` into a static program at `binary` (the source goes beside it). */
export function buildProgram(sequences: readonly GeneratedSequence[], binary: string): void {
  const source = `${binary}.S`;
  fs.writeFileSync(source, programSource(sequences));
  must(
    'gcc',
    ['-m32', '-nostdlib', '-static', '-no-pie', '-Wl,--build-id=none', '-o', binary, source],
    'assembling the test program',
  );
}

/** Runs `binary` under qemu-i386; returns its stdout (the records) and whether it exited cleanly. */
export function runReference(binary: string): { output: Uint8Array; clean: boolean; message: string } {
  const result = spawnSync('qemu-i386', [binary], { maxBuffer: 1 << 30 });
  if (result.error !== undefined) throw new Error(`cannot run qemu-i386: ${result.error.message}`);
  return {
    output: new Uint8Array(result.stdout),
    clean: result.status === 0,
    message: `exited with ${result.status ?? result.signal}: ${result.stderr.toString().trim()}`,
  };
}

/** Runs `binary` on our CPU; returns its stdout and how it ended. */
export function runOurs(
  binary: string,
  sequences: number,
): { output: Uint8Array; status: number; diagnostics: string } {
  const chunks: Uint8Array[] = [];
  let diagnostics = '';
  const result = runUserProgram({
    executable: binary,
    argv: [binary],
    stdio: {
      stdin: new Uint8Array(0),
      stdout: (bytes) => chunks.push(bytes),
      stderr: (bytes) => (diagnostics += Buffer.from(bytes).toString()),
    },
    diagnostics: (text) => (diagnostics += text),
    maxInstructions: 2_000 + sequences * 2_000,
  });
  return { output: Buffer.concat(chunks), status: result.status, diagnostics };
}

function disassemble(binary: string): string {
  return must('objdump', ['-d', '-M', 'intel', '--no-addresses', binary], 'disassembling').toString();
}

/** The lines of `dump` between `<body_N>:` and `<end_N>:`. */
export function bodyDisassembly(dump: string, index: number): string {
  const start = dump.indexOf(`<body_${index}>:`);
  const end = dump.indexOf(`<end_${index}>:`);
  if (start < 0 || end < 0) return '(not found in objdump output)';
  return dump
    .slice(start, end)
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .join('\n');
}

/** Runs the campaign. */
export function runCampaign(options: CampaignOptions): CampaignResult {
  const started = Date.now();
  const start = options.start ?? 0;
  const batchSize = options.batchSize ?? 1000;
  const classes = options.classes ?? INSTRUCTION_CLASSES;
  const directory = options.keepDirectory ?? fs.mkdtempSync(path.join(os.tmpdir(), 'openvmi-diff-cpu-'));
  fs.mkdirSync(directory, { recursive: true });
  const perClass = new Map<InstructionClass, ClassStatistics>();
  const mismatches: Mismatch[] = [];
  let cursor = start;
  const end = start + options.count;
  try {
    while (cursor < end) {
      const batchEnd = Math.min(end, cursor + batchSize);
      const sequences: GeneratedSequence[] = [];
      for (let index = cursor; index < batchEnd; index++)
        sequences.push(generateSequence(options.seed, index, classes));
      const binary = path.join(directory, `seed${options.seed}-${cursor}`);
      buildProgram(sequences, binary);
      const reference = runReference(binary);
      const expected = reference.output;
      if (!reference.clean || expected.length !== sequences.length * RECORD_BYTES) {
        // A sequence that faults under the reference is a generator bug, not a CPU mismatch.
        const done = Math.floor(expected.length / RECORD_BYTES);
        const faulting = sequences[done];
        throw new Error(
          `qemu-i386 ${reference.message} after ${done} records: the generator made a faulting sequence (seed ${options.seed}, index ${faulting?.index}):\n${faulting?.body.join('\n')}`,
        );
      }
      const ours = runOurs(binary, sequences.length);
      let dump: string | undefined;
      const describe = (
        sequence: GeneratedSequence,
        differences: FieldDifference[],
        stopped?: string,
      ): Mismatch => {
        dump ??= disassemble(binary);
        const mismatch: Mismatch = {
          index: sequence.index,
          instructionClass: sequence.instructionClass,
          differences,
          body: sequence.body,
          disassembly: bodyDisassembly(dump, sequence.index),
        };
        if (stopped !== undefined) mismatch.stopped = stopped;
        return mismatch;
      };
      let resumeAt = batchEnd;
      for (let position = 0; position < sequences.length; position++) {
        const sequence = sequences[position] as GeneratedSequence;
        const statistics = perClass.get(sequence.instructionClass) ?? { total: 0, mismatched: 0 };
        perClass.set(sequence.instructionClass, statistics);
        statistics.total++;
        const offset = position * RECORD_BYTES;
        if (ours.output.length < offset + RECORD_BYTES) {
          statistics.mismatched++;
          mismatches.push(
            describe(
              sequence,
              [],
              `our run ended with status ${ours.status} before this record: ${ours.diagnostics.trim().slice(0, 500)}`,
            ),
          );
          resumeAt = sequence.index + 1;
          break;
        }
        const differences = compareRecords(
          expected.subarray(offset, offset + RECORD_BYTES),
          ours.output.subarray(offset, offset + RECORD_BYTES),
          sequence.tolerance,
        );
        if (differences.length > 0) {
          statistics.mismatched++;
          mismatches.push(describe(sequence, differences));
        }
      }
      cursor = resumeAt;
      options.onProgress?.(cursor - start);
    }
  } finally {
    if (options.keepDirectory === undefined) fs.rmSync(directory, { recursive: true, force: true });
  }
  return {
    seed: options.seed,
    start,
    count: options.count,
    mismatches,
    perClass,
    elapsedMilliseconds: Date.now() - started,
  };
}

/** A human-readable report of one mismatch (seed, index, class, differing fields, disassembly). */
export function formatMismatch(seed: number, mismatch: Mismatch): string {
  const lines = [`MISMATCH seed ${seed} index ${mismatch.index} class ${mismatch.instructionClass}`];
  if (mismatch.stopped !== undefined) lines.push(`  ${mismatch.stopped}`);
  for (const difference of mismatch.differences) {
    lines.push(`  ${difference.field}: qemu ${difference.expected} ours ${difference.actual}`);
  }
  lines.push('  body:');
  for (const line of mismatch.body) lines.push(`    ${line}`);
  lines.push('  objdump:');
  for (const line of mismatch.disassembly.split('\n')) lines.push(`  ${line}`);
  lines.push(
    `  reproduce: node apps/runner/dist/diff-cpu/main.js --seed ${seed} --start ${mismatch.index} --count 1`,
  );
  return lines.join('\n');
}

/** The per-class table of a campaign. */
export function formatStatistics(result: CampaignResult): string {
  const lines = ['class                    sequences  mismatched'];
  const classes = [...result.perClass.keys()].sort();
  let total = 0;
  let mismatched = 0;
  for (const name of classes) {
    const statistics = result.perClass.get(name) as ClassStatistics;
    total += statistics.total;
    mismatched += statistics.mismatched;
    lines.push(
      `${name.padEnd(24)} ${String(statistics.total).padStart(9)}  ${String(statistics.mismatched).padStart(10)}`,
    );
  }
  lines.push(`${'total'.padEnd(24)} ${String(total).padStart(9)}  ${String(mismatched).padStart(10)}`);
  return lines.join('\n');
}
