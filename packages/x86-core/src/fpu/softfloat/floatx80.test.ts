import { describe, expect, it } from 'vitest';
import {
  FLOATX80_DEFAULT_NAN,
  FLOATX80_ONE,
  FloatFlag,
  FloatRelation,
  FloatStatus,
  type Floatx80,
  float64ToFloatx80,
  floatx80Add,
  floatx80Compare,
  floatx80Divide,
  floatx80Multiply,
  floatx80Remainder,
  floatx80RoundToInteger,
  floatx80SquareRoot,
  floatx80Subtract,
  floatx80ToFloat32,
  floatx80ToFloat64,
  floatx80ToInteger,
  integerToFloatx80,
  packFloatx80,
  RoundingMode,
} from './floatx80.js';

const hex = (value: Floatx80): string =>
  `${value.signExponent.toString(16).padStart(4, '0')}:${value.significand.toString(16).padStart(16, '0')}`;
const status = (mode = 0, precision = 64): FloatStatus => {
  const result = new FloatStatus();
  result.roundingMode = mode;
  result.precision = precision;
  return result;
};
const three = integerToFloatx80(3n);
const two = integerToFloatx80(2n);
const maximum = packFloatx80(0, 0x7ffe, (1n << 64n) - 1n);
const minimumNormal = packFloatx80(0, 1, 1n << 63n);

describe('floatx80 arithmetic', () => {
  it('adds exactly without flags', () => {
    const flags = status();
    expect(hex(floatx80Add(FLOATX80_ONE, two, flags))).toBe('4000:c000000000000000');
    expect(flags.flags).toBe(0);
  });

  it('rounds 1/3 to the precision control (64, 53, 24 bits) with PE', () => {
    const cases: Array<[number, string]> = [
      [64, '3ffd:aaaaaaaaaaaaaaab'],
      [53, '3ffd:aaaaaaaaaaaaa800'],
      [24, '3ffd:aaaaab0000000000'],
    ];
    for (const [precision, expected] of cases) {
      const flags = status(RoundingMode.NearestEven, precision);
      expect(hex(floatx80Divide(FLOATX80_ONE, three, flags))).toBe(expected);
      expect(flags.flags).toBe(FloatFlag.Inexact);
    }
  });

  it('honours directed rounding', () => {
    expect(hex(floatx80Divide(FLOATX80_ONE, three, status(RoundingMode.Down)))).toBe('3ffd:aaaaaaaaaaaaaaaa');
    expect(hex(floatx80Divide(FLOATX80_ONE, three, status(RoundingMode.Up)))).toBe('3ffd:aaaaaaaaaaaaaaab');
    expect(hex(floatx80Divide(FLOATX80_ONE, three, status(RoundingMode.TowardZero)))).toBe(
      '3ffd:aaaaaaaaaaaaaaaa',
    );
  });

  it('gives +0 for x - x, and -0 when rounding down', () => {
    expect(hex(floatx80Subtract(three, three, status()))).toBe('0000:0000000000000000');
    expect(hex(floatx80Subtract(three, three, status(RoundingMode.Down)))).toBe('8000:0000000000000000');
  });

  it('computes the square root of 2 correctly rounded', () => {
    const flags = status();
    expect(hex(floatx80SquareRoot(two, flags))).toBe('3fff:b504f333f9de6484');
    expect(flags.flags).toBe(FloatFlag.Inexact);
  });

  it('returns the default NaN with IE for ∞ - ∞, 0 × ∞, 0/0, √-1 and unnormal operands', () => {
    const infinity = packFloatx80(0, 0x7fff, 1n << 63n);
    const zero = packFloatx80(0, 0, 0n);
    const unnormal = packFloatx80(0, 0x3fff, 1n << 62n);
    const results = [
      floatx80Subtract(infinity, infinity, status()),
      floatx80Multiply(zero, infinity, status()),
      floatx80Divide(zero, zero, status()),
      floatx80SquareRoot(packFloatx80(1, 0x3fff, 1n << 63n), status()),
      floatx80Add(unnormal, FLOATX80_ONE, status()),
    ];
    for (const result of results) expect(hex(result)).toBe(hex(FLOATX80_DEFAULT_NAN));
  });

  it('propagates NaNs the x87 way: SNaN quietened with IE, larger significand wins', () => {
    const signaling = packFloatx80(0, 0x7fff, 0x8000000000000005n);
    const quiet = packFloatx80(1, 0x7fff, 0xc000000000000001n);
    const quietLarger = packFloatx80(0, 0x7fff, 0xc000000000000009n);
    const flags = status();
    expect(hex(floatx80Add(signaling, FLOATX80_ONE, flags))).toBe('7fff:c000000000000005');
    expect(flags.flags).toBe(FloatFlag.Invalid);
    expect(hex(floatx80Add(signaling, quiet, status()))).toBe('ffff:c000000000000001');
    expect(hex(floatx80Add(quiet, quietLarger, status()))).toBe('7fff:c000000000000009');
  });

  it('overflows to infinity, or to the largest finite value when rounding toward zero', () => {
    const flags = status();
    expect(hex(floatx80Multiply(maximum, two, flags))).toBe('7fff:8000000000000000');
    expect(flags.flags).toBe(FloatFlag.Overflow | FloatFlag.Inexact);
    expect(hex(floatx80Multiply(maximum, two, status(RoundingMode.TowardZero)))).toBe(
      '7ffe:ffffffffffffffff',
    );
    expect(hex(floatx80Multiply(maximum, two, status(RoundingMode.TowardZero, 24)))).toBe(
      '7ffe:ffffff0000000000',
    );
  });

  it('underflows only when tiny and inexact', () => {
    const exact = status();
    expect(hex(floatx80Divide(minimumNormal, two, exact))).toBe('0000:4000000000000000');
    expect(exact.flags).toBe(0);
    const inexact = status();
    floatx80Divide(minimumNormal, three, inexact);
    expect(inexact.flags).toBe(FloatFlag.Underflow | FloatFlag.Inexact);
  });

  it('rounds to integers in every mode', () => {
    const twoAndHalf = packFloatx80(0, 0x4000, 0xa000000000000000n);
    expect(hex(floatx80RoundToInteger(twoAndHalf, status()))).toBe('4000:8000000000000000');
    expect(hex(floatx80RoundToInteger(twoAndHalf, status(RoundingMode.Up)))).toBe('4000:c000000000000000');
    expect(floatx80ToInteger(twoAndHalf, 32, status())).toBe(2n);
    expect(floatx80ToInteger(twoAndHalf, 32, status(RoundingMode.Up))).toBe(3n);
    const flags = status();
    expect(floatx80ToInteger(integerToFloatx80(40000n), 16, flags)).toBeUndefined();
    expect(flags.flags).toBe(FloatFlag.Invalid);
  });

  it('converts to and from double and single', () => {
    const tenth = float64ToFloatx80(0x3fb999999999999an, status());
    expect(floatx80ToFloat64(tenth, status())).toBe(0x3fb999999999999an);
    const flags = status();
    expect(floatx80ToFloat32(tenth, flags)).toBe(0x3dcccccd);
    expect(flags.flags).toBe(FloatFlag.Inexact);
  });

  it('compares, with NaN unordered and -0 equal to +0', () => {
    expect(floatx80Compare(three, two, status(), false)).toBe(FloatRelation.Greater);
    expect(floatx80Compare(packFloatx80(1, 0, 0n), packFloatx80(0, 0, 0n), status(), false)).toBe(
      FloatRelation.Equal,
    );
    const quiet = status();
    expect(floatx80Compare(FLOATX80_DEFAULT_NAN, two, quiet, true)).toBe(FloatRelation.Unordered);
    expect(quiet.flags).toBe(0);
    const signaling = status();
    floatx80Compare(FLOATX80_DEFAULT_NAN, two, signaling, false);
    expect(signaling.flags).toBe(FloatFlag.Invalid);
  });

  it('computes truncated and nearest remainders with the quotient bits', () => {
    const seven = integerToFloatx80(7n);
    const truncated = floatx80Remainder(seven, three, true, status());
    expect(hex(truncated.value)).toBe(hex(FLOATX80_ONE));
    expect(truncated.quotient).toBe(2n);
    const nearest = floatx80Remainder(seven, integerToFloatx80(4n), false, status());
    expect(hex(nearest.value)).toBe('bfff:8000000000000000');
  });
});
