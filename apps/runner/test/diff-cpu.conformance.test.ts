/**
 * The CPU differential test against qemu-i386: a fixed-seed subset of the random
 * instruction-sequence campaign (`pnpm -s diff:cpu --count N --seed S` runs any other).
 * Needs gcc with 32-bit support, objdump and qemu-i386 (scripts/install-test-deps.sh).
 */
import { describe, expect, it } from 'vitest';
import { formatMismatch, formatStatistics, runCampaign } from '../src/diff-cpu/campaign.js';
import { INSTRUCTION_CLASSES, type InstructionClass } from '../src/diff-cpu/generator.js';

/**
 * Classes our CPU still gets wrong (measured with seed 1, 20,000 sequences):
 * - `bcd`: AAS when AL's low nibble needs adjusting and AL < 6 — qemu (and the current SDM,
 *   "AX ← AX − 6; AH ← AH − 1") borrow into AH, our CPU does not (15 of 1,030).
 * - `cmpxchg8b`: CMPXCHG8B changes flags other than ZF (SF, OF, DF lost; PF changed) (71 of 71).
 * Remove a class from this list when x86-core fixes it; the skipped test below runs them.
 */
const KNOWN_FAILING: readonly InstructionClass[] = ['bcd', 'cmpxchg8b'];
const PASSING = INSTRUCTION_CLASSES.filter((name) => !KNOWN_FAILING.includes(name));
const SEED = 2026;

function check(classes: readonly InstructionClass[], count: number): void {
  const result = runCampaign({ seed: SEED, count, classes });
  const report = result.mismatches.slice(0, 10).map((mismatch) => formatMismatch(SEED, mismatch));
  expect(report.join('\n\n'), formatStatistics(result)).toBe('');
  expect(result.mismatches).toHaveLength(0);
  let total = 0;
  for (const statistics of result.perClass.values()) total += statistics.total;
  expect(total).toBe(count);
}

describe('CPU differential test against qemu-i386', () => {
  it('agrees with qemu-i386 on 6,000 random sequences of every passing class', () => {
    check(PASSING, 6000);
  });

  // Known failing in x86-core (see KNOWN_FAILING): enable when fixed.
  it.skip('agrees with qemu-i386 on the known-failing classes (bcd AAS, cmpxchg8b flags)', () => {
    check(KNOWN_FAILING, 1000);
  });
});
