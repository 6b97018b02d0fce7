/**
 * Bit-identity of our x87 (softfloat + instruction layer) with QEMU's, on generated operands:
 * every record runs once under qemu-i386 (x87-oracle.c) and once through `Fpu`, and the result
 * bytes and the status word are compared. Transcendentals are compared with the tolerance
 * documented in src/fpu/README.md. FPU_CONFORMANCE_PER_OPERATION and FPU_CONFORMANCE_SEED widen
 * the campaign (default: 64 records × 65 operations, seed 1).
 */
import { describe, expect, it } from 'vitest';
import {
  buildOracle,
  generateRecords,
  hexBytes,
  OPERATIONS,
  type Operation,
  RESULT_BYTES,
  readExtendedBytes,
  runEmulation,
  runOracle,
  ulpDistance,
} from './fpu-conformance/x87-harness.js';

const perOperation = Number(process.env.FPU_CONFORMANCE_PER_OPERATION ?? 64);
const seed = Number(process.env.FPU_CONFORMANCE_SEED ?? 1);
/** Tolerance for transcendental results, in units of the 64-bit last place. */
export const TRANSCENDENTAL_TOLERANCE_ULP = Number(process.env.FPU_CONFORMANCE_TOLERANCE ?? 2 ** 11);

let knownQemuDefects = 0;

/**
 * QEMU 7.2's FYL2X/FYL2XP1 return twice the correct value when ST(1) is a denormal (measured:
 * ST0 = 3.0, ST1 = 0x0000_7fffffffffffffff gives exponent 0x0002 where 3 × ST(1) has 0x0001). We
 * compute the correct value; such records are counted, not failed, when QEMU's result is exactly
 * ours with the exponent one higher.
 */
function isQemuDenormalMultiplierDefect(
  operation: Operation,
  input: Uint8Array,
  expected: Uint8Array,
  actual: Uint8Array,
): boolean {
  if (operation.name !== 'fyl2x' && operation.name !== 'fyl2xp1') return false;
  const [multiplierExponent, multiplierSignificand] = readExtendedBytes(input, 18);
  if ((multiplierExponent & 0x7fff) !== 0 || multiplierSignificand === 0n) return false;
  const [qemuExponent, qemuSignificand] = readExtendedBytes(expected, 0);
  const [ourExponent, ourSignificand] = readExtendedBytes(actual, 0);
  return qemuSignificand === ourSignificand && qemuExponent === ourExponent + 1;
}

interface Mismatch {
  operation: string;
  input: string;
  expected: string;
  actual: string;
}

function compareRecord(
  operation: Operation,
  input: Uint8Array,
  expected: Uint8Array,
  actual: Uint8Array,
): string | undefined {
  const fswExpected = expected[30]! | (expected[31]! << 8);
  const fswActual = actual[30]! | (actual[31]! << 8);
  // Transcendentals: QEMU's FSIN/FCOS/FPTAN never merge flags; ours neither. Compare the C bits and TOP.
  const fswMask = operation.approximate ? 0x7f00 : 0xffff;
  if ((fswExpected & fswMask) !== (fswActual & fswMask)) return 'status word';
  const bytes = (offset: number, length: number): boolean => {
    for (let index = 0; index < length; index++)
      if (expected[offset + index] !== actual[offset + index]) return false;
    return true;
  };
  const value = (offset: number): boolean => {
    if (bytes(offset, 10)) return true;
    if (!operation.approximate) return false;
    if (isQemuDenormalMultiplierDefect(operation, input, expected, actual)) {
      knownQemuDefects++;
      return true;
    }
    return (
      ulpDistance(readExtendedBytes(expected, offset), readExtendedBytes(actual, offset)) <=
      TRANSCENDENTAL_TOLERANCE_ULP
    );
  };
  switch (operation.output) {
    case 'st0':
      return value(0) ? undefined : 'ST0';
    case 'st0st1':
      return value(0) && value(10) ? undefined : 'ST0/ST1';
    case 'fsw':
      return undefined;
    case 'save':
      return bytes(48, 12) && bytes(76, 80) ? undefined : 'FSAVE image';
    case 'environment':
      // Control, status and tag words (FIP/FDP differ: QEMU does not track them in user mode).
      return bytes(36, 12) ? undefined : 'environment';
    case 'flags':
      return (expected[32]! & 0x45) === (actual[32]! & 0x45) ? undefined : 'EFLAGS';
    case 'mem2':
      return bytes(20, 2) ? undefined : 'memory';
    case 'mem4':
      return bytes(20, 4) ? undefined : 'memory';
    case 'mem8':
      return bytes(20, 8) ? undefined : 'memory';
    default:
      return bytes(20, 10) ? undefined : 'memory';
  }
}

describe('x87 against qemu-i386', () => {
  it(`matches QEMU on ${perOperation} records per operation (seed ${seed})`, () => {
    const oracle = buildOracle();
    const records = generateRecords(seed, perOperation);
    const expected = runOracle(oracle, records);
    const actual = runEmulation(records);
    expect(expected.length).toBe(actual.length);
    const byId = new Map(OPERATIONS.map((operation) => [operation.id, operation]));
    const mismatches: Mismatch[] = [];
    const counts = new Map<string, { total: number; bad: number }>();
    const approximate = { total: 0, exact: 0, worst: 0 };
    const approximateByOperation = new Map<string, { total: number; exact: number }>();
    for (let index = 0; index < records.length / 32; index++) {
      const input = records.subarray(index * 32, index * 32 + 32);
      const operation = byId.get(input[0]!)!;
      const resultExpected = expected.subarray(index * RESULT_BYTES, index * RESULT_BYTES + RESULT_BYTES);
      const resultActual = actual.subarray(index * RESULT_BYTES, index * RESULT_BYTES + RESULT_BYTES);
      const problem = compareRecord(operation, input, resultExpected, resultActual);
      const count = counts.get(operation.name) ?? { total: 0, bad: 0 };
      count.total++;
      if (problem) {
        count.bad++;
        mismatches.push({
          operation: `${operation.name} (${problem})`,
          input: `cw=${hexBytes(input, 4, 2)} A=${hexBytes(input, 8, 10)} B=${hexBytes(input, 18, 10)}`,
          expected: `st0=${hexBytes(resultExpected, 0, 10)} st1=${hexBytes(resultExpected, 10, 10)} mem=${hexBytes(resultExpected, 20, 10)} fsw=${hexBytes(resultExpected, 30, 2)} fl=${hexBytes(resultExpected, 32, 1)}`,
          actual: `st0=${hexBytes(resultActual, 0, 10)} st1=${hexBytes(resultActual, 10, 10)} mem=${hexBytes(resultActual, 20, 10)} fsw=${hexBytes(resultActual, 30, 2)} fl=${hexBytes(resultActual, 32, 1)}`,
        });
      }
      counts.set(operation.name, count);
      if (operation.approximate && !problem) {
        const length = operation.output === 'st0st1' ? 20 : 10;
        const exact = resultExpected
          .subarray(0, length)
          .every((byte, position) => byte === resultActual[position]);
        approximate.total++;
        if (exact) approximate.exact++;
        const perOperation = approximateByOperation.get(operation.name) ?? { total: 0, exact: 0 };
        perOperation.total++;
        if (exact) perOperation.exact++;
        approximateByOperation.set(operation.name, perOperation);
        const distance = ulpDistance(
          readExtendedBytes(resultExpected, 0),
          readExtendedBytes(resultActual, 0),
        );
        // Known QEMU defects are reported separately and left out of the worst case.
        if (distance <= TRANSCENDENTAL_TOLERANCE_ULP)
          approximate.worst = Math.max(approximate.worst, distance);
      }
    }
    const breakdown = [...approximateByOperation].map(
      ([name, count]) => `${name} ${count.exact}/${count.total}`,
    );
    console.log(
      `transcendentals: ${approximate.exact}/${approximate.total} bit-identical (${breakdown.join(', ')}), worst ${approximate.worst.toFixed(0)} ulp`,
    );
    if (mismatches.length > 0) {
      const summary = [...counts]
        .filter(([, count]) => count.bad > 0)
        .map(([name, count]) => `${name}: ${count.bad}/${count.total}`);
      console.log(`mismatches by operation: ${summary.join(', ')}`);
      for (const mismatch of mismatches.slice(0, Number(process.env.FPU_CONFORMANCE_SHOW ?? 20))) {
        console.log(
          `${mismatch.operation}\n  in  ${mismatch.input}\n  qemu ${mismatch.expected}\n  ours ${mismatch.actual}`,
        );
      }
    }
    console.log(`known QEMU FYL2X/FYL2XP1 denormal-ST(1) defects accepted: ${knownQemuDefects}`);
    console.log(
      `x87 conformance: ${records.length / 32 - mismatches.length}/${records.length / 32} records identical`,
    );
    expect(mismatches).toEqual([]);
  });
});
