/**
 * 80-bit extended-precision floating point (the x87 register format) in software.
 *
 * Layout: bit 79 sign, bits 78..64 biased exponent (bias 16383), bits 63..0 significand with an
 * explicit integer bit (bit 63). The behaviour follows Berkeley SoftFloat's `floatx80` as QEMU
 * configures it for the x87 (results are bit-identical on the operations checked by
 * `test/fpu-softfloat.conformance.test.ts`):
 *
 * - every operation computes the exact result (BigInt) and rounds it once, in the current rounding
 *   mode, to the current precision (24, 53 or 64 significand bits) while keeping the extended
 *   exponent range, as the x87 precision-control field does;
 * - unnormals, pseudo-NaNs and pseudo-infinities (exponent non-zero, integer bit clear) are invalid
 *   operands: the invalid flag and the default NaN (negative quiet NaN 0xFFFF_C000000000000000);
 * - pseudo-denormals (exponent 0, integer bit set) are read as exponent 1;
 * - NaN propagation: a signalling NaN raises invalid and is quietened; of two NaNs the signalling
 *   one loses to a quiet one, and between two of the same kind the larger significand wins;
 * - tininess is detected after rounding; underflow is flagged only when the tiny result is also
 *   inexact (the masked-underflow rule).
 *
 * Values are plain `{ signExponent, significand }` objects with a 64-bit BigInt significand. The
 * arithmetic uses BigInt, which allocates; the x87 is off the integer hot path (see README).
 *
 * NOT IMPLEMENTED here: unmasked-underflow/overflow exponent wrapping (the x87 delivers a biased
 * result to an unmasked handler; QEMU does not either).
 */

/** An 80-bit extended-precision value: 16 bits of sign and exponent, 64 bits of significand. */
export interface Floatx80 {
  /** Bit 15: sign; bits 14..0: biased exponent. */
  readonly signExponent: number;
  /** The 64-bit significand including the explicit integer bit (bit 63), as an unsigned BigInt. */
  readonly significand: bigint;
}

/** x87 rounding-control values (FPU control word bits 11..10). */
export const RoundingMode = {
  /** Round to nearest, ties to even. */
  NearestEven: 0,
  /** Round toward negative infinity. */
  Down: 1,
  /** Round toward positive infinity. */
  Up: 2,
  /** Round toward zero (chop). */
  TowardZero: 3,
} as const;

/** Exception flags, with the bit values of the x87 status word. */
export const FloatFlag = {
  /** IE: invalid operation. */
  Invalid: 0x01,
  /** DE: denormal operand. */
  Denormal: 0x02,
  /** ZE: division by zero. */
  DivideByZero: 0x04,
  /** OE: overflow. */
  Overflow: 0x08,
  /** UE: underflow. */
  Underflow: 0x10,
  /** PE: precision (inexact). */
  Inexact: 0x20,
} as const;

/** Rounding state and accumulated exception flags, the softfloat `float_status`. */
export class FloatStatus {
  /** One of {@link RoundingMode}. */
  roundingMode = 0;
  /** Significand precision of extended results: 24, 53 or 64 bits (x87 precision control). */
  precision = 64;
  /** Accumulated {@link FloatFlag} bits. */
  flags = 0;
  /** Whether the last rounding incremented the significand's magnitude (x87 C1 "rounded up"). */
  roundedUp = false;
}

/** Result of a comparison, as softfloat's `FloatRelation`. */
export const FloatRelation = { Less: -1, Equal: 0, Greater: 1, Unordered: 2 } as const;
/** A {@link FloatRelation} value. */
export type FloatRelationValue = -1 | 0 | 1 | 2;

const MASK64 = (1n << 64n) - 1n;
const INTEGER_BIT = 1n << 63n;
const QUIET_BIT = 1n << 62n;
const EXPONENT_BIAS = 16383;
const MAX_EXPONENT = 0x7fff;

/** Builds a value from its sign (0 or 1), biased exponent and 64-bit significand. */
export function packFloatx80(sign: number, exponent: number, significand: bigint): Floatx80 {
  return { signExponent: ((sign & 1) << 15) | (exponent & 0x7fff), significand: significand & MASK64 };
}

/** The sign bit (0 or 1). */
export function floatx80Sign(a: Floatx80): number {
  return a.signExponent >>> 15;
}

/** The biased exponent field. */
export function floatx80Exponent(a: Floatx80): number {
  return a.signExponent & 0x7fff;
}

/** +0. */
export const FLOATX80_ZERO: Floatx80 = packFloatx80(0, 0, 0n);
/** +1. */
export const FLOATX80_ONE: Floatx80 = packFloatx80(0, 0x3fff, INTEGER_BIT);
/** +infinity. */
export const FLOATX80_INFINITY: Floatx80 = packFloatx80(0, MAX_EXPONENT, INTEGER_BIT);
/** The x87 default NaN ("real indefinite"): negative quiet NaN 0xFFFF_C000000000000000. */
export const FLOATX80_DEFAULT_NAN: Floatx80 = packFloatx80(1, MAX_EXPONENT, 0xc000000000000000n);

/** Exponent non-zero with the integer bit clear: unnormal, pseudo-NaN or pseudo-infinity. */
export function isInvalidEncoding(a: Floatx80): boolean {
  return (a.significand & INTEGER_BIT) === 0n && (a.signExponent & 0x7fff) !== 0;
}

/** Any NaN (quiet or signalling; pseudo-NaNs excluded only by {@link isInvalidEncoding}). */
export function isNan(a: Floatx80): boolean {
  return (a.signExponent & 0x7fff) === MAX_EXPONENT && ((a.significand << 1n) & MASK64) !== 0n;
}

/** A signalling NaN: exponent all ones, quiet bit clear, fraction non-zero. */
export function isSignalingNan(a: Floatx80): boolean {
  return isNan(a) && (a.significand & QUIET_BIT) === 0n;
}

/** ±infinity (integer bit set, fraction zero). */
export function isInfinity(a: Floatx80): boolean {
  return (a.signExponent & 0x7fff) === MAX_EXPONENT && a.significand === INTEGER_BIT;
}

/** ±0. */
export function isZero(a: Floatx80): boolean {
  return (a.signExponent & 0x7fff) === 0 && a.significand === 0n;
}

/** Denormal or pseudo-denormal (exponent 0, significand non-zero). */
export function isDenormal(a: Floatx80): boolean {
  return (a.signExponent & 0x7fff) === 0 && a.significand !== 0n;
}

/** The value with its sign flipped (FCHS). */
export function floatx80Negate(a: Floatx80): Floatx80 {
  return { signExponent: a.signExponent ^ 0x8000, significand: a.significand };
}

/** The value with its sign cleared (FABS). */
export function floatx80Absolute(a: Floatx80): Floatx80 {
  return { signExponent: a.signExponent & 0x7fff, significand: a.significand };
}

/** Sets the quiet bit of a NaN. */
export function silenceNan(a: Floatx80): Floatx80 {
  return { signExponent: a.signExponent, significand: a.significand | QUIET_BIT | INTEGER_BIT };
}

function raise(status: FloatStatus, flags: number): void {
  status.flags |= flags;
}

/** Returns a NaN operand of a one-operand operation (signalling NaNs are quietened, flagging IE). */
export function propagateNan1(a: Floatx80, status: FloatStatus): Floatx80 {
  if (isSignalingNan(a)) {
    raise(status, FloatFlag.Invalid);
  }
  return silenceNan(a);
}

/** Picks the NaN result of a two-operand operation by the x87 rules (at least one operand is a NaN). */
export function propagateNan2(a: Floatx80, b: Floatx80, status: FloatStatus): Floatx80 {
  const aIsNan = isNan(a);
  const bIsNan = isNan(b);
  const aSignaling = isSignalingNan(a);
  const bSignaling = isSignalingNan(b);
  if (aSignaling || bSignaling) {
    raise(status, FloatFlag.Invalid);
  }
  let pick: Floatx80;
  const larger = (): Floatx80 => {
    if (a.significand < b.significand) return b;
    if (b.significand < a.significand) return a;
    return a.signExponent < b.signExponent ? a : b;
  };
  if (aSignaling) {
    pick = bSignaling ? larger() : bIsNan ? b : a;
  } else if (aIsNan) {
    pick = bSignaling || !bIsNan ? a : larger();
  } else {
    pick = b;
  }
  return silenceNan(pick);
}

const TWO_TO_128 = 1n << 128n;

/** Cached BigInt shift amounts, low-bit masks and half-units for shifts 0..CACHE_LIMIT - 1. */
const CACHE_LIMIT = 600;
const BIG_SHIFTS: bigint[] = [];
const LOW_MASKS: bigint[] = [];
const HALVES: bigint[] = [];
for (let shift = 0; shift < CACHE_LIMIT; shift++) {
  BIG_SHIFTS.push(BigInt(shift));
  LOW_MASKS.push((1n << BigInt(shift)) - 1n);
  HALVES.push(shift === 0 ? 0n : 1n << BigInt(shift - 1));
}

function bigShift(shift: number): bigint {
  return shift < CACHE_LIMIT ? BIG_SHIFTS[shift]! : BigInt(shift);
}

function lowMask(shift: number): bigint {
  return shift < CACHE_LIMIT ? LOW_MASKS[shift]! : (1n << BigInt(shift)) - 1n;
}

function halfUnit(shift: number): bigint {
  return shift < CACHE_LIMIT ? HALVES[shift]! : 1n << BigInt(shift - 1);
}

/** Number of significant bits of a non-negative BigInt. */
export function bitLength(value: bigint): number {
  if (value < 0x100000000n) return 32 - Math.clz32(Number(value));
  if (value < 0x10000000000000000n) {
    const high = Number(value >> 32n);
    return 64 - Math.clz32(high);
  }
  if (value < TWO_TO_128) {
    const high = value >> 64n;
    return high < 0x100000000n ? 96 - Math.clz32(Number(high)) : 128 - Math.clz32(Number(high >> 32n));
  }
  // Long values: the hexadecimal length gives the bit length to within 3 bits.
  const hex = value.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(Number.parseInt(hex[0]!, 16)));
}

/** A binary interchange or extended format that {@link roundExact} rounds to. */
export interface FloatFormat {
  /** Stored fraction bits below the leading bit (23, 52; 63 for the extended format). */
  readonly fractionBits: number;
  /** Exponent bias. */
  readonly bias: number;
  /** All-ones biased exponent (infinity/NaN). */
  readonly maxExponent: number;
}

/** IEEE single precision. */
export const FLOAT32_FORMAT: FloatFormat = { fractionBits: 23, bias: 127, maxExponent: 0xff };
/** IEEE double precision. */
export const FLOAT64_FORMAT: FloatFormat = { fractionBits: 52, bias: 1023, maxExponent: 0x7ff };
const EXTENDED_FORMATS: Record<number, FloatFormat> = {
  24: { fractionBits: 23, bias: EXPONENT_BIAS, maxExponent: MAX_EXPONENT },
  53: { fractionBits: 52, bias: EXPONENT_BIAS, maxExponent: MAX_EXPONENT },
  64: { fractionBits: 63, bias: EXPONENT_BIAS, maxExponent: MAX_EXPONENT },
};

/** Output of {@link roundExact}: biased exponent and significand (with the leading bit, not shifted). */
let roundedExponent = 0;
let roundedSignificand = 0n;

/**
 * Rounds `sign * magnitude * 2^exponent2` (magnitude > 0) to `format` in the status rounding mode,
 * raising PE, UE (tiny after rounding and inexact) and OE. Leaves the biased exponent in
 * `roundedExponent` and the significand (fractionBits + 1 bits, leading bit included; 0 for biased
 * exponent 0 means a denormal) in `roundedSignificand`. Overflow yields the format's infinity or
 * its largest finite number depending on the rounding mode.
 */
function roundExact(
  status: FloatStatus,
  format: FloatFormat,
  sign: number,
  magnitude: bigint,
  exponent2: number,
): void {
  const fractionBits = format.fractionBits;
  const minimumExponent = 1 - format.bias;
  const length = bitLength(magnitude);
  const topExponent = exponent2 + length - 1;
  const quantumExponent = Math.max(topExponent, minimumExponent) - fractionBits;
  const shift = quantumExponent - exponent2;
  let kept: bigint;
  let remainderCompare = 0; // -1 below half, 0 exact, 1 above half, 2 exactly half
  let inexact = false;
  if (shift <= 0) {
    kept = magnitude << bigShift(-shift);
  } else if (shift > length + 1) {
    kept = 0n;
    inexact = true;
    remainderCompare = -1;
  } else {
    kept = magnitude >> bigShift(shift);
    const remainder = magnitude & lowMask(shift);
    if (remainder !== 0n) {
      inexact = true;
      const half = halfUnit(shift);
      remainderCompare = remainder === half ? 2 : remainder > half ? 1 : -1;
    }
  }
  let increment = false;
  if (inexact) {
    switch (status.roundingMode) {
      case RoundingMode.NearestEven:
        increment = remainderCompare === 1 || (remainderCompare === 2 && (kept & 1n) === 1n);
        break;
      case RoundingMode.Down:
        increment = sign === 1;
        break;
      case RoundingMode.Up:
        increment = sign === 0;
        break;
      default:
        increment = false;
    }
  }
  // Tininess after rounding: the result rounded to the target precision with an unbounded
  // exponent range is below the smallest normal number.
  if (inexact && topExponent < minimumExponent) {
    let tiny = true;
    if (topExponent === minimumExponent - 1) {
      // Round to fractionBits + 1 bits at the unbounded exponent and see if it reaches 2^emin.
      const unboundedShift = topExponent - fractionBits - exponent2;
      if (unboundedShift > 0) {
        const unboundedKept = magnitude >> bigShift(unboundedShift);
        const unboundedRemainder = magnitude & lowMask(unboundedShift);
        let unboundedIncrement = false;
        if (unboundedRemainder !== 0n) {
          const half = halfUnit(unboundedShift);
          switch (status.roundingMode) {
            case RoundingMode.NearestEven:
              unboundedIncrement =
                unboundedRemainder > half || (unboundedRemainder === half && (unboundedKept & 1n) === 1n);
              break;
            case RoundingMode.Down:
              unboundedIncrement = sign === 1;
              break;
            case RoundingMode.Up:
              unboundedIncrement = sign === 0;
              break;
            default:
              unboundedIncrement = false;
          }
        }
        const rounded = unboundedKept + (unboundedIncrement ? 1n : 0n);
        tiny = rounded < halfUnit(fractionBits + 2);
      }
    }
    if (tiny) {
      status.flags |= FloatFlag.Underflow;
    }
  }
  if (inexact) {
    status.flags |= FloatFlag.Inexact;
  }
  status.roundedUp = increment;
  if (increment) {
    kept += 1n;
  }
  let biased: number;
  const leading = halfUnit(fractionBits + 1);
  if (kept < leading) {
    biased = 0;
  } else {
    let exponent = quantumExponent;
    if (kept >= leading << 1n) {
      kept >>= 1n;
      exponent += 1;
    }
    biased = exponent + fractionBits + format.bias;
  }
  if (biased >= format.maxExponent) {
    status.flags |= FloatFlag.Overflow | FloatFlag.Inexact;
    const mode = status.roundingMode;
    const toLargestFinite =
      mode === RoundingMode.TowardZero ||
      (mode === RoundingMode.Down && sign === 0) ||
      (mode === RoundingMode.Up && sign === 1);
    status.roundedUp = !toLargestFinite;
    if (toLargestFinite) {
      roundedExponent = format.maxExponent - 1;
      roundedSignificand = (leading << 1n) - 1n;
    } else {
      roundedExponent = format.maxExponent;
      roundedSignificand = leading;
    }
    return;
  }
  roundedExponent = biased;
  roundedSignificand = kept;
}

/**
 * Rounds `(-1)^sign * magnitude * 2^exponent2` to an extended value of `precision` bits (24, 53,
 * 64) with the full extended exponent range. `magnitude` 0 gives a signed zero.
 */
export function roundToFloatx80(
  status: FloatStatus,
  precision: number,
  sign: number,
  magnitude: bigint,
  exponent2: number,
): Floatx80 {
  status.roundedUp = false;
  if (magnitude === 0n) {
    return packFloatx80(sign, 0, 0n);
  }
  const format = EXTENDED_FORMATS[precision] ?? EXTENDED_FORMATS[64]!;
  roundExact(status, format, sign, magnitude, exponent2);
  if (roundedExponent === MAX_EXPONENT) {
    return packFloatx80(sign, MAX_EXPONENT, INTEGER_BIT);
  }
  return packFloatx80(sign, roundedExponent, roundedSignificand << bigShift(63 - format.fractionBits));
}

/** Exact binary exponent of the significand's bit 0 for a finite value (denormals use exponent 1). */
function lowExponent(a: Floatx80): number {
  const exponent = a.signExponent & 0x7fff;
  return (exponent === 0 ? 1 : exponent) - EXPONENT_BIAS - 63;
}

function zeroResult(sign: number): Floatx80 {
  return packFloatx80(sign, 0, 0n);
}

function infinityResult(sign: number): Floatx80 {
  return packFloatx80(sign, MAX_EXPONENT, INTEGER_BIT);
}

function invalidResult(status: FloatStatus): Floatx80 {
  raise(status, FloatFlag.Invalid);
  return FLOATX80_DEFAULT_NAN;
}

const TWO_TO_127 = 1n << 127n;
const MASK63 = (1n << 63n) - 1n;
const TWO_TO_64 = 1n << 64n;

/**
 * Fast path of the common case: rounds `significand` (exactly 64 bits) with `remainder` below it
 * (`half` = the remainder's half-unit), biased exponent already known to be normal. Returns
 * undefined when rounding could overflow, leaving the general path to decide.
 */
function roundNormal64(
  status: FloatStatus,
  sign: number,
  exponent: number,
  significand: bigint,
  remainder: bigint,
  half: bigint,
): Floatx80 | undefined {
  if (remainder === 0n) {
    status.roundedUp = false;
    return { signExponent: (sign << 15) | exponent, significand };
  }
  if (exponent === 0x7ffe && significand === MASK64) return undefined;
  let increment: boolean;
  switch (status.roundingMode) {
    case RoundingMode.NearestEven:
      increment = remainder > half || (remainder === half && (significand & 1n) === 1n);
      break;
    case RoundingMode.Down:
      increment = sign === 1;
      break;
    case RoundingMode.Up:
      increment = sign === 0;
      break;
    default:
      increment = false;
  }
  status.flags |= FloatFlag.Inexact;
  status.roundedUp = increment;
  if (increment) {
    significand += 1n;
    if (significand === TWO_TO_64) {
      significand = INTEGER_BIT;
      exponent += 1;
    }
  }
  return { signExponent: (sign << 15) | exponent, significand };
}

function addSubtract(a: Floatx80, b: Floatx80, status: FloatStatus, subtract: boolean): Floatx80 {
  status.roundedUp = false;
  if (isInvalidEncoding(a) || isInvalidEncoding(b)) return invalidResult(status);
  if (isNan(a) || isNan(b)) return propagateNan2(a, b, status);
  const signA = a.signExponent >>> 15;
  const signB = (b.signExponent >>> 15) ^ (subtract ? 1 : 0);
  if (isInfinity(a)) {
    if (isInfinity(b) && signA !== signB) return invalidResult(status);
    return infinityResult(signA);
  }
  if (isInfinity(b)) return infinityResult(signB);
  if (isZero(a) && isZero(b)) {
    if (signA === signB) return zeroResult(signA);
    return zeroResult(status.roundingMode === RoundingMode.Down ? 1 : 0);
  }
  // Fast path: same effective sign, both normal, exponents within 62, 64-bit precision.
  if (signA === signB && status.precision === 64) {
    const rawA = a.signExponent & 0x7fff;
    const rawB = b.signExponent & 0x7fff;
    if (rawA !== 0 && rawB !== 0 && a.significand >= INTEGER_BIT && b.significand >= INTEGER_BIT) {
      const [high, low, exponentHigh, difference] =
        rawA >= rawB
          ? [a.significand, b.significand, rawA, rawA - rawB]
          : [b.significand, a.significand, rawB, rawB - rawA];
      if (difference <= 62) {
        const sum = (high << bigShift(difference)) + low;
        const carry = sum >= halfUnit(65 + difference) ? 1 : 0;
        const shift = difference + carry;
        const exponent = exponentHigh + carry;
        if (exponent <= 0x7ffe) {
          const fast = roundNormal64(
            status,
            signA,
            exponent,
            sum >> bigShift(shift),
            sum & lowMask(shift),
            halfUnit(shift),
          );
          if (fast) return fast;
        }
      }
    }
  }
  let exponentA = lowExponent(a);
  let exponentB = lowExponent(b);
  let magnitudeA = a.significand;
  let magnitudeB = b.significand;
  // Align to the lower exponent; a gap over 200 bits only contributes a sticky bit.
  if (magnitudeA !== 0n && magnitudeB !== 0n) {
    if (exponentA - exponentB > 200) {
      magnitudeB = 1n;
      exponentB = exponentA - 200;
    } else if (exponentB - exponentA > 200) {
      magnitudeA = 1n;
      exponentA = exponentB - 200;
    }
  }
  let base: number;
  if (magnitudeA === 0n) {
    base = exponentB;
  } else if (magnitudeB === 0n) {
    base = exponentA;
  } else {
    base = Math.min(exponentA, exponentB);
    magnitudeA <<= bigShift(exponentA - base);
    magnitudeB <<= bigShift(exponentB - base);
  }
  if (magnitudeA === 0n) magnitudeA = 0n;
  const valueA = signA ? -magnitudeA : magnitudeA;
  const valueB = signB ? -magnitudeB : magnitudeB;
  const sum = valueA + valueB;
  if (sum === 0n) {
    return zeroResult(status.roundingMode === RoundingMode.Down ? 1 : 0);
  }
  const sign = sum < 0n ? 1 : 0;
  return roundToFloatx80(status, status.precision, sign, sign ? -sum : sum, base);
}

/** a + b, rounded to the status precision. */
export function floatx80Add(a: Floatx80, b: Floatx80, status: FloatStatus): Floatx80 {
  return addSubtract(a, b, status, false);
}

/** a - b, rounded to the status precision. */
export function floatx80Subtract(a: Floatx80, b: Floatx80, status: FloatStatus): Floatx80 {
  return addSubtract(a, b, status, true);
}

/** a × b, rounded to the status precision. */
export function floatx80Multiply(a: Floatx80, b: Floatx80, status: FloatStatus): Floatx80 {
  status.roundedUp = false;
  if (isInvalidEncoding(a) || isInvalidEncoding(b)) return invalidResult(status);
  if (isNan(a) || isNan(b)) return propagateNan2(a, b, status);
  const sign = (a.signExponent ^ b.signExponent) >>> 15;
  if (isInfinity(a) || isInfinity(b)) {
    if (isZero(a) || isZero(b)) return invalidResult(status);
    return infinityResult(sign);
  }
  if (isZero(a) || isZero(b)) return zeroResult(sign);
  const product = a.significand * b.significand;
  // Fast path: both normal, 64-bit precision, normal result.
  if (status.precision === 64 && a.significand >= INTEGER_BIT && b.significand >= INTEGER_BIT) {
    const rawA = a.signExponent & 0x7fff;
    const rawB = b.signExponent & 0x7fff;
    if (rawA !== 0 && rawB !== 0) {
      const top = product >= TWO_TO_127;
      const exponent = rawA + rawB - 0x3ffe - (top ? 0 : 1);
      if (exponent >= 1 && exponent <= 0x7ffe) {
        const fast = top
          ? roundNormal64(status, sign, exponent, product >> 64n, product & MASK64, INTEGER_BIT)
          : roundNormal64(status, sign, exponent, product >> 63n, product & MASK63, QUIET_BIT);
        if (fast) return fast;
      }
    }
  }
  return roundToFloatx80(status, status.precision, sign, product, lowExponent(a) + lowExponent(b));
}

/** a ÷ b, rounded to the status precision. */
export function floatx80Divide(a: Floatx80, b: Floatx80, status: FloatStatus): Floatx80 {
  status.roundedUp = false;
  if (isInvalidEncoding(a) || isInvalidEncoding(b)) return invalidResult(status);
  if (isNan(a) || isNan(b)) return propagateNan2(a, b, status);
  const sign = (a.signExponent ^ b.signExponent) >>> 15;
  if (isInfinity(a)) {
    if (isInfinity(b)) return invalidResult(status);
    return infinityResult(sign);
  }
  if (isZero(b)) {
    if (isZero(a)) return invalidResult(status);
    raise(status, FloatFlag.DivideByZero);
    return infinityResult(sign);
  }
  if (isZero(a) || isInfinity(b)) return zeroResult(sign);
  // Normalise both significands to 64 bits, then a 128-bit quotient plus a sticky bit is exact
  // enough for any rounding.
  let magnitudeA = a.significand;
  let exponentA = lowExponent(a);
  let magnitudeB = b.significand;
  let exponentB = lowExponent(b);
  const shiftA = 64 - bitLength(magnitudeA);
  magnitudeA <<= bigShift(shiftA);
  exponentA -= shiftA;
  const shiftB = 64 - bitLength(magnitudeB);
  magnitudeB <<= bigShift(shiftB);
  exponentB -= shiftB;
  const dividend = magnitudeA << 130n;
  const quotient = dividend / magnitudeB;
  const sticky = quotient * magnitudeB !== dividend ? 1n : 0n;
  return roundToFloatx80(
    status,
    status.precision,
    sign,
    (quotient << 1n) | sticky,
    exponentA - exponentB - 131,
  );
}

/** Integer square root (floor) of a non-negative BigInt. */
function integerSquareRoot(value: bigint): bigint {
  if (value < 2n) return value;
  let x = 1n << BigInt((bitLength(value) >> 1) + 1);
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** √a, rounded to the status precision. */
export function floatx80SquareRoot(a: Floatx80, status: FloatStatus): Floatx80 {
  status.roundedUp = false;
  if (isInvalidEncoding(a)) return invalidResult(status);
  if (isNan(a)) return propagateNan1(a, status);
  const sign = a.signExponent >>> 15;
  if (isZero(a)) return a;
  if (sign) return invalidResult(status);
  if (isInfinity(a)) return a;
  let magnitude = a.significand;
  let exponent = lowExponent(a);
  // Make the exponent even and the radicand large: 2*64+4 significant bits.
  let shift = 132 - bitLength(magnitude);
  if ((exponent - shift) & 1) shift += 1;
  magnitude <<= BigInt(shift);
  exponent -= shift;
  const root = integerSquareRoot(magnitude);
  const sticky = root * root !== magnitude ? 1n : 0n;
  return roundToFloatx80(status, status.precision, 0, (root << 1n) | sticky, exponent / 2 - 1);
}

/**
 * Rounds to an integral value in the status rounding mode (FRNDINT). The result is then rounded to
 * the status precision, as QEMU's `floatx80_round_to_int` does.
 */
export function floatx80RoundToInteger(a: Floatx80, status: FloatStatus): Floatx80 {
  status.roundedUp = false;
  if (isInvalidEncoding(a)) return invalidResult(status);
  if (isNan(a)) return propagateNan1(a, status);
  if (isZero(a) || isInfinity(a)) return a;
  const sign = a.signExponent >>> 15;
  const exponent = lowExponent(a);
  if (exponent >= 0) {
    return roundToFloatx80(status, status.precision, sign, a.significand, exponent);
  }
  const integer = roundMagnitudeToInteger(status, sign, a.significand, -exponent);
  if (integer === 0n) return zeroResult(sign);
  return roundToFloatx80(status, status.precision, sign, integer, 0);
}

/**
 * Rounds `magnitude / 2^shift` to an integer in the status rounding mode for a value of sign
 * `sign`, raising PE when inexact.
 */
function roundMagnitudeToInteger(
  status: FloatStatus,
  sign: number,
  magnitude: bigint,
  shift: number,
): bigint {
  let kept: bigint;
  let comparison = 0;
  if (shift > 66) {
    kept = 0n;
    comparison = -1;
  } else {
    const bigShift = BigInt(shift);
    kept = magnitude >> bigShift;
    const remainder = magnitude & ((1n << bigShift) - 1n);
    if (remainder !== 0n) {
      const half = 1n << (bigShift - 1n);
      comparison = remainder === half ? 2 : remainder > half ? 1 : -1;
    }
  }
  if (comparison !== 0) {
    status.flags |= FloatFlag.Inexact;
    let increment = false;
    switch (status.roundingMode) {
      case RoundingMode.NearestEven:
        increment = comparison === 1 || (comparison === 2 && (kept & 1n) === 1n);
        break;
      case RoundingMode.Down:
        increment = sign === 1;
        break;
      case RoundingMode.Up:
        increment = sign === 0;
        break;
      default:
        increment = false;
    }
    if (increment) kept += 1n;
  }
  return kept;
}

/**
 * Converts to a signed integer of `bits` bits (16, 32 or 64) in the status rounding mode, or
 * toward zero when `truncate`. Returns `undefined` (after raising IE) when the value is a NaN, an
 * invalid encoding or out of range; the caller stores the integer indefinite.
 */
export function floatx80ToInteger(
  a: Floatx80,
  bits: 16 | 32 | 64,
  status: FloatStatus,
  truncate = false,
): bigint | undefined {
  if (isInvalidEncoding(a) || isNan(a) || isInfinity(a)) {
    raise(status, FloatFlag.Invalid);
    return undefined;
  }
  if (isZero(a)) return 0n;
  const sign = a.signExponent >>> 15;
  const exponent = lowExponent(a);
  let magnitude: bigint;
  const savedFlags = status.flags;
  if (exponent >= 0) {
    if (exponent > 64) {
      status.flags = savedFlags | FloatFlag.Invalid;
      return undefined;
    }
    magnitude = a.significand << BigInt(exponent);
  } else {
    const savedMode = status.roundingMode;
    if (truncate) status.roundingMode = RoundingMode.TowardZero;
    magnitude = roundMagnitudeToInteger(status, sign, a.significand, -exponent);
    status.roundingMode = savedMode;
  }
  const limit = 1n << BigInt(bits - 1);
  if (sign ? magnitude > limit : magnitude >= limit) {
    // Out of range: only IE (QEMU replaces any precision flag).
    status.flags = savedFlags | FloatFlag.Invalid;
    return undefined;
  }
  return sign ? -magnitude : magnitude;
}

/** Converts a signed integer (any size up to 64 bits) exactly. */
export function integerToFloatx80(value: bigint): Floatx80 {
  if (value === 0n) return FLOATX80_ZERO;
  const sign = value < 0n ? 1 : 0;
  const magnitude = sign ? -value : value;
  const length = bitLength(magnitude);
  return packFloatx80(sign, EXPONENT_BIAS + length - 1, magnitude << bigShift(64 - length));
}

/** Widens an IEEE single (raw bits) exactly; a signalling NaN raises IE and is quietened. */
export function float32ToFloatx80(bits: number, status: FloatStatus): Floatx80 {
  return binaryToFloatx80(BigInt(bits >>> 0), FLOAT32_FORMAT, status);
}

/** Widens an IEEE double (raw bits as unsigned BigInt) exactly. */
export function float64ToFloatx80(bits: bigint, status: FloatStatus): Floatx80 {
  return binaryToFloatx80(bits, FLOAT64_FORMAT, status);
}

function binaryToFloatx80(bits: bigint, format: FloatFormat, status: FloatStatus): Floatx80 {
  const fractionBits = format.fractionBits;
  const exponentBits = format === FLOAT32_FORMAT ? 8 : 11;
  const sign = Number(bits >> bigShift(fractionBits + exponentBits)) & 1;
  const exponent = Number(bits >> bigShift(fractionBits)) & format.maxExponent;
  const fraction = bits & lowMask(fractionBits);
  if (exponent === format.maxExponent) {
    if (fraction === 0n) return infinityResult(sign);
    const nan = packFloatx80(sign, MAX_EXPONENT, INTEGER_BIT | (fraction << bigShift(63 - fractionBits)));
    return propagateNan1(nan, status);
  }
  if (exponent === 0) {
    if (fraction === 0n) return zeroResult(sign);
    const length = bitLength(fraction);
    const unbiased = 1 - format.bias - (fractionBits - length + 1);
    return packFloatx80(sign, unbiased + EXPONENT_BIAS, fraction << bigShift(64 - length));
  }
  return packFloatx80(
    sign,
    exponent - format.bias + EXPONENT_BIAS,
    INTEGER_BIT | (fraction << bigShift(63 - fractionBits)),
  );
}

function floatx80ToBinary(a: Floatx80, format: FloatFormat, status: FloatStatus): bigint {
  const fractionBits = BigInt(format.fractionBits);
  const exponentShift = fractionBits;
  const signShift = fractionBits + BigInt(bitLength(BigInt(format.maxExponent)));
  const sign = BigInt(a.signExponent >>> 15);
  if (isInvalidEncoding(a)) {
    raise(status, FloatFlag.Invalid);
    return (1n << signShift) | (BigInt(format.maxExponent) << exponentShift) | (1n << (fractionBits - 1n));
  }
  if (isNan(a)) {
    const quiet = propagateNan1(a, status);
    const fraction = (quiet.significand >> (63n - fractionBits)) & ((1n << fractionBits) - 1n);
    return (sign << signShift) | (BigInt(format.maxExponent) << exponentShift) | fraction;
  }
  if (isInfinity(a)) return (sign << signShift) | (BigInt(format.maxExponent) << exponentShift);
  if (isZero(a)) return sign << signShift;
  // Fast path: a normal value whose result is a normal number of the target format.
  const rawExponent = a.signExponent & 0x7fff;
  const unbiased = rawExponent - EXPONENT_BIAS;
  if (
    rawExponent !== 0 &&
    a.significand >= INTEGER_BIT &&
    unbiased >= 1 - format.bias &&
    unbiased < format.maxExponent - format.bias - 1
  ) {
    const shift = 63 - format.fractionBits;
    let kept = a.significand >> bigShift(shift);
    const remainder = a.significand & lowMask(shift);
    let exponent = unbiased + format.bias;
    if (remainder !== 0n) {
      const half = halfUnit(shift);
      let increment: boolean;
      switch (status.roundingMode) {
        case RoundingMode.NearestEven:
          increment = remainder > half || (remainder === half && (kept & 1n) === 1n);
          break;
        case RoundingMode.Down:
          increment = sign === 1n;
          break;
        case RoundingMode.Up:
          increment = sign === 0n;
          break;
        default:
          increment = false;
      }
      status.flags |= FloatFlag.Inexact;
      status.roundedUp = increment;
      if (increment) {
        kept += 1n;
        if (kept === halfUnit(format.fractionBits + 2)) {
          kept >>= 1n;
          exponent += 1;
        }
      }
    }
    const fraction = kept & lowMask(format.fractionBits);
    return (sign << signShift) | (BigInt(exponent) << exponentShift) | fraction;
  }
  roundExact(status, format, Number(sign), a.significand, lowExponent(a));
  const fraction = roundedSignificand & ((1n << fractionBits) - 1n);
  return (sign << signShift) | (BigInt(roundedExponent) << exponentShift) | fraction;
}

/** Narrows to an IEEE single (raw bits) in the status rounding mode. */
export function floatx80ToFloat32(a: Floatx80, status: FloatStatus): number {
  status.roundedUp = false;
  return Number(floatx80ToBinary(a, FLOAT32_FORMAT, status));
}

/** Narrows to an IEEE double (raw bits as unsigned BigInt) in the status rounding mode. */
export function floatx80ToFloat64(a: Floatx80, status: FloatStatus): bigint {
  status.roundedUp = false;
  return floatx80ToBinary(a, FLOAT64_FORMAT, status);
}

/**
 * Compares a with b. `quiet` (FUCOM) raises IE only for signalling NaNs; otherwise (FCOM) any NaN
 * raises IE. Invalid encodings raise IE and compare unordered.
 */
export function floatx80Compare(
  a: Floatx80,
  b: Floatx80,
  status: FloatStatus,
  quiet: boolean,
): FloatRelationValue {
  if (isInvalidEncoding(a) || isInvalidEncoding(b)) {
    raise(status, FloatFlag.Invalid);
    return FloatRelation.Unordered;
  }
  if (isNan(a) || isNan(b)) {
    if (!quiet || isSignalingNan(a) || isSignalingNan(b)) raise(status, FloatFlag.Invalid);
    return FloatRelation.Unordered;
  }
  const zeroA = isZero(a);
  const zeroB = isZero(b);
  if (zeroA && zeroB) return FloatRelation.Equal;
  const signA = a.signExponent >>> 15;
  const signB = b.signExponent >>> 15;
  if (signA !== signB) {
    return signA ? FloatRelation.Less : FloatRelation.Greater;
  }
  const magnitude = compareMagnitude(a, b);
  if (magnitude === 0) return FloatRelation.Equal;
  return (signA ? -magnitude : magnitude) as FloatRelationValue;
}

/** Sign of |a| - |b| for finite or infinite non-NaN values. */
function compareMagnitude(a: Floatx80, b: Floatx80): number {
  const [exponentA, significandA] = normalizedKey(a);
  const [exponentB, significandB] = normalizedKey(b);
  if (exponentA !== exponentB) return exponentA < exponentB ? -1 : 1;
  if (significandA === significandB) return 0;
  return significandA < significandB ? -1 : 1;
}

function normalizedKey(a: Floatx80): [number, bigint] {
  if (a.significand === 0n) return [-100000, 0n];
  const exponent = a.signExponent & 0x7fff;
  if (exponent === MAX_EXPONENT) return [100000, a.significand];
  let effective = exponent === 0 ? 1 : exponent;
  let significand = a.significand;
  const shift = 64 - bitLength(significand);
  significand <<= BigInt(shift);
  effective -= shift;
  return [effective, significand];
}

/**
 * a × 2^n (FSCALE's core, softfloat `floatx80_scalbn`), rounded to the status precision. `n` is
 * clamped to ±65536, which already over- or underflows any finite value.
 */
export function floatx80Scale(a: Floatx80, n: number, status: FloatStatus): Floatx80 {
  status.roundedUp = false;
  if (isInvalidEncoding(a)) return invalidResult(status);
  if (isNan(a)) return propagateNan1(a, status);
  if (isZero(a) || isInfinity(a)) return a;
  const clamped = Math.max(-0x10000, Math.min(0x10000, n));
  return roundToFloatx80(
    status,
    status.precision,
    a.signExponent >>> 15,
    a.significand,
    lowExponent(a) + clamped,
  );
}

/** Output of {@link floatx80Remainder}: the low 64 bits of the quotient. */
export interface RemainderResult {
  /** The remainder. */
  value: Floatx80;
  /** Low bits of the integer quotient (only meaningful when the operation completed). */
  quotient: bigint;
}

/**
 * a - q×b with q = trunc(a/b) (`truncated`, FPREM) or q = a/b rounded to nearest-even (FPREM1):
 * softfloat `floatx80_modrem`. The remainder is exact. b = 0 or a = ∞ is invalid; b = ∞ returns a.
 */
export function floatx80Remainder(
  a: Floatx80,
  b: Floatx80,
  truncated: boolean,
  status: FloatStatus,
): RemainderResult {
  status.roundedUp = false;
  if (isInvalidEncoding(a) || isInvalidEncoding(b)) return { value: invalidResult(status), quotient: 0n };
  if (isNan(a) || isNan(b)) return { value: propagateNan2(a, b, status), quotient: 0n };
  if (isInfinity(a) || isZero(b)) return { value: invalidResult(status), quotient: 0n };
  const signA = a.signExponent >>> 15;
  if (isZero(a)) return { value: a, quotient: 0n };
  if (isInfinity(b)) return { value: floatx80RoundToPrecision(a, status), quotient: 0n };
  const exponentA = lowExponent(a);
  const exponentB = lowExponent(b);
  const base = Math.min(exponentA, exponentB);
  const magnitudeA = a.significand << BigInt(exponentA - base);
  const magnitudeB = b.significand << BigInt(exponentB - base);
  let quotient = magnitudeA / magnitudeB;
  let remainder = magnitudeA - quotient * magnitudeB;
  let sign = signA;
  if (!truncated) {
    const twice = remainder << 1n;
    if (twice > magnitudeB || (twice === magnitudeB && (quotient & 1n) === 1n)) {
      quotient += 1n;
      remainder = magnitudeB - remainder;
      sign ^= 1;
    }
  }
  // QEMU 7.2 rounds the (exact) remainder to the precision-control setting.
  const value = roundToFloatx80(status, status.precision, sign, remainder, base);
  return { value, quotient: quotient & MASK64 };
}

/** Exact binary exponent helpers for other FPU code: the effective (denormal-adjusted) exponent. */
export function floatx80EffectiveExponent(a: Floatx80): number {
  const exponent = a.signExponent & 0x7fff;
  if (exponent !== 0) return exponent;
  // Denormal: 1 - leading zeros of the significand.
  return 1 - (64 - bitLength(a.significand));
}

/**
 * Re-rounds a finite value to the status precision (QEMU rounds every softfloat result, including
 * conversions into the extended format, to the precision-control setting). Zeros, infinities and
 * NaNs are returned unchanged.
 */
export function floatx80RoundToPrecision(a: Floatx80, status: FloatStatus): Floatx80 {
  const exponent = a.signExponent & 0x7fff;
  if (exponent === MAX_EXPONENT || a.significand === 0n) return a;
  // Fast path: a normal value whose significand already fits the precision is unchanged.
  if (exponent !== 0 && a.significand >= INTEGER_BIT) {
    const precision = status.precision;
    if (precision === 64) return a;
    if ((a.significand & (precision === 53 ? 0x7ffn : 0xffffffffffn)) === 0n) return a;
  }
  return roundToFloatx80(status, status.precision, a.signExponent >>> 15, a.significand, lowExponent(a));
}
