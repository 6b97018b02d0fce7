#!/usr/bin/env node

/**
 * The CPU differential campaign's command line (the root's `pnpm -s diff:cpu` runs it):
 *
 *   node apps/runner/dist/diff-cpu/main.js --count N --seed S [--start I] [--batch B]
 *        [--classes alu,shift,...] [--keep DIR] [--max-reports N]
 *
 * Prints every mismatch (seed, index, class, differing fields, the body and its objdump), a
 * per-class table and the time taken; exits 1 when anything differs, 2 on bad arguments.
 */

import { formatMismatch, formatStatistics, runCampaign } from './campaign.js';
import { INSTRUCTION_CLASSES, type InstructionClass } from './generator.js';

function parse(argv: readonly string[]): {
  count: number;
  seed: number;
  start: number;
  batch: number;
  classes: InstructionClass[];
  keep?: string;
  maxReports: number;
} {
  const options = {
    count: 1000,
    seed: 1,
    start: 0,
    batch: 1000,
    classes: [...INSTRUCTION_CLASSES] as InstructionClass[],
    maxReports: 20,
  } as {
    count: number;
    seed: number;
    start: number;
    batch: number;
    classes: InstructionClass[];
    keep?: string;
    maxReports: number;
  };
  for (let index = 0; index < argv.length; index++) {
    const name = argv[index];
    const value = argv[index + 1];
    const number = (): number => {
      const parsed = Number(value);
      if (value === undefined || !Number.isSafeInteger(parsed) || parsed < 0)
        throw new Error(`${name} needs a non-negative integer`);
      index++;
      return parsed;
    };
    switch (name) {
      case '--count':
        options.count = number();
        break;
      case '--seed':
        options.seed = number();
        break;
      case '--start':
        options.start = number();
        break;
      case '--batch':
        options.batch = Math.max(1, number());
        break;
      case '--max-reports':
        options.maxReports = number();
        break;
      case '--keep':
        if (value === undefined) throw new Error('--keep needs a directory');
        options.keep = value;
        index++;
        break;
      case '--classes': {
        if (value === undefined) throw new Error('--classes needs a list');
        const classes = value.split(',');
        for (const name of classes) {
          if (!(INSTRUCTION_CLASSES as readonly string[]).includes(name)) {
            throw new Error(`unknown class ${name}; known: ${INSTRUCTION_CLASSES.join(', ')}`);
          }
        }
        options.classes = classes as InstructionClass[];
        index++;
        break;
      }
      case '-h':
      case '--help':
        process.stdout.write(
          `Usage: diff-cpu --count N --seed S [--start I] [--batch B] [--classes LIST] [--keep DIR] [--max-reports N]\nClasses: ${INSTRUCTION_CLASSES.join(', ')}\n`,
        );
        process.exit(0);
        break;
      default:
        throw new Error(`unknown argument ${name}`);
    }
  }
  return options;
}

let options: ReturnType<typeof parse>;
try {
  options = parse(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`diff-cpu: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
const result = runCampaign({
  seed: options.seed,
  count: options.count,
  start: options.start,
  batchSize: options.batch,
  classes: options.classes,
  ...(options.keep === undefined ? {} : { keepDirectory: options.keep }),
  onProgress: (done) => process.stderr.write(`\rdiff-cpu: ${done}/${options.count}`),
});
process.stderr.write('\n');
for (const mismatch of result.mismatches.slice(0, options.maxReports))
  process.stdout.write(`${formatMismatch(result.seed, mismatch)}\n\n`);
if (result.mismatches.length > options.maxReports) {
  process.stdout.write(`... ${result.mismatches.length - options.maxReports} more mismatches not shown\n\n`);
}
process.stdout.write(`${formatStatistics(result)}\n`);
process.stdout.write(
  `seed ${result.seed}, sequences ${result.start}..${result.start + result.count - 1}: ${result.mismatches.length} mismatches in ${(result.elapsedMilliseconds / 1000).toFixed(1)} s\n`,
);
process.exitCode = result.mismatches.length === 0 ? 0 : 1;
