/**
 * Transcendental x87 instructions: F2XM1, FYL2X, FYL2XP1, FPATAN, FPTAN, FSIN, FCOS, FSINCOS.
 *
 * Special operands (NaN, infinity, zero, out-of-range) follow QEMU's `fpu_helper.c` case by case.
 * Finite results are computed in IEEE double precision (JavaScript `Math`), then widened: they
 * match QEMU bit for bit for FSIN/FCOS/FPTAN/FSINCOS whenever the host libm and V8 agree on the
 * double (QEMU computes these in double too), and are within the tolerance documented in
 * README.md (relative error below 2^-50) for F2XM1/FYL2X/FYL2XP1/FPATAN, which QEMU computes to
 * nearly full 64-bit precision.
 */
import {
  FLOATX80_DEFAULT_NAN,
  FloatFlag,
  type FloatStatus,
  type Floatx80,
  float64ToFloatx80,
  floatx80Compare,
  floatx80Divide,
  floatx80Multiply,
  floatx80Negate,
  floatx80RoundToPrecision,
  floatx80Scale,
  floatx80ToFloat64,
  isInfinity,
  isInvalidEncoding,
  isNan,
  isSignalingNan,
  isZero,
  packFloatx80,
  propagateNan1,
  RoundingMode,
  roundToFloatx80,
  silenceNan,
} from './softfloat/floatx80.js';

const scratch = new DataView(new ArrayBuffer(8));

/** The double nearest to a (round to nearest; no flags escape, as QEMU's `floatx80_to_double`). */
function toDouble(a: Floatx80, status: FloatStatus): number {
  const savedFlags = status.flags;
  const savedMode = status.roundingMode;
  const bits = floatx80ToFloat64(a, status);
  status.flags = savedFlags;
  status.roundingMode = savedMode;
  scratch.setBigUint64(0, bits);
  return scratch.getFloat64(0);
}

function doubleBits(value: number): bigint {
  scratch.setFloat64(0, value);
  return scratch.getBigUint64(0);
}

/** Widens a double exactly (the x87 default NaN for a JavaScript NaN). */
function fromDouble(value: number, status: FloatStatus): Floatx80 {
  if (Number.isNaN(value)) return FLOATX80_DEFAULT_NAN;
  return float64ToFloatx80(doubleBits(value), status);
}

/**
 * Rounds an approximate double result to the extended format as an inexact result (PE, and UE if
 * tiny), in the current rounding mode at 64-bit precision.
 */
function inexactResult(value: number, status: FloatStatus): Floatx80 {
  if (value === 0 || !Number.isFinite(value)) return fromDouble(value, status);
  const bits = doubleBits(Math.abs(value));
  const exponent = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  const magnitude = exponent === 0 ? fraction : fraction | (1n << 52n);
  const exponent2 = (exponent === 0 ? 1 : exponent) - 1075;
  // Append a sticky bit below the double's precision so the result is flagged inexact.
  return roundToFloatx80(status, 64, value < 0 ? 1 : 0, (magnitude << 12n) | 1n, exponent2 - 12);
}

/** Limit of the argument of FSIN/FCOS/FPTAN/FSINCOS (2^63); beyond it C2 is set and ST(0) kept. */
const MAXIMUM_REDUCIBLE = 2 ** 63;

/** Result of a partial-tangent style operation: `undefined` means "out of range, set C2". */
export function sineCosineTangent(
  a: Floatx80,
  operation: 'sin' | 'cos' | 'tan',
  status: FloatStatus,
): Floatx80 | undefined {
  const value = toDouble(a, status);
  if (value > MAXIMUM_REDUCIBLE || value < -MAXIMUM_REDUCIBLE) return undefined;
  if (Number.isNaN(value)) {
    // QEMU passes NaNs through the double conversion: payload truncated to 52 bits, quietened.
    if (isInvalidEncoding(a)) return FLOATX80_DEFAULT_NAN;
    const savedFlags = status.flags;
    const result = float64ToFloatx80(floatx80ToFloat64(a, status), status);
    status.flags = savedFlags;
    return result;
  }
  const result =
    operation === 'sin' ? Math.sin(value) : operation === 'cos' ? Math.cos(value) : Math.tan(value);
  const savedFlags = status.flags;
  // QEMU widens the double through softfloat, which rounds to the precision control.
  const widened = floatx80RoundToPrecision(fromDouble(result, status), status);
  status.flags = savedFlags;
  return widened;
}

const ONE = packFloatx80(0, 0x3fff, 1n << 63n);

/** F2XM1: 2^ST(0) - 1 for -1 <= ST(0) <= 1; invalid outside. */
export function f2xm1(a: Floatx80, status: FloatStatus): Floatx80 {
  if (isInvalidEncoding(a)) {
    status.flags |= FloatFlag.Invalid;
    return FLOATX80_DEFAULT_NAN;
  }
  if (isNan(a)) return propagateNan1(a, status);
  const exponent = a.signExponent & 0x7fff;
  const negative = a.signExponent >>> 15 === 1;
  if (exponent > 0x3fff || (exponent === 0x3fff && a.significand !== 1n << 63n)) {
    status.flags |= FloatFlag.Invalid;
    return FLOATX80_DEFAULT_NAN;
  }
  if (exponent === 0x3fff) return negative ? packFloatx80(1, 0x3ffe, 1n << 63n) : a;
  if (isZero(a)) return a;
  if (exponent < 0x3fb0) {
    // 2^x - 1 ≈ x·ln 2 with a 128-bit ln 2, rounded once (inexact), as QEMU.
    return roundToFloatx80(
      status,
      64,
      negative ? 1 : 0,
      ((a.significand * LN2_128) << 1n) | 1n,
      lowExponentOf(a) - 129,
    );
  }
  const x = toDouble(a, status);
  return inexactResult(Math.expm1(x * Math.LN2), status);
}

/** FYL2X: ST(1) × log2(ST(0)). Returns the new ST(1) (the caller pops). */
export function fyl2x(x: Floatx80, y: Floatx80, status: FloatStatus): Floatx80 {
  const special = twoOperandNan(x, y, status);
  if (special) return special;
  const xNegative = x.signExponent >>> 15 === 1;
  const yNegative = y.signExponent >>> 15 === 1;
  if (xNegative && !isZero(x)) return invalid(status);
  if (isInfinity(y)) {
    const relation = floatx80Compare(x, ONE, status, false);
    if (relation === -1) return floatx80Negate(y);
    if (relation === 1) return y;
    return invalid(status);
  }
  if (isInfinity(x)) {
    if (isZero(y)) return invalid(status);
    return yNegative ? floatx80Negate(x) : x;
  }
  if (isZero(x)) {
    if (isZero(y)) return invalid(status);
    status.flags |= FloatFlag.DivideByZero;
    return packFloatx80(yNegative ? 0 : 1, 0x7fff, 1n << 63n);
  }
  if (isZero(y)) {
    return floatx80Compare(x, ONE, status, false) === -1 ? floatx80Negate(y) : y;
  }
  if (floatx80Compare(x, ONE, status, false) === 0) return packFloatx80(yNegative ? 1 : 0, 0, 0n);
  // Exact power of two: log2 is an integer, the product is rounded once.
  const xExponent = x.signExponent & 0x7fff;
  if (xExponent !== 0 && x.significand === 1n << 63n) {
    const integer = xExponent - 0x3fff;
    const magnitude = BigInt(Math.abs(integer));
    const power = roundToFloatx80(status, 64, integer < 0 ? 1 : 0, magnitude, 0);
    const saved = status.precision;
    status.precision = 64;
    const product = floatx80Multiply(power, y, status);
    status.precision = saved;
    return product;
  }
  return productWithInexact(log2Double(x), y, status);
}

/** log2 of a finite positive value in double precision, without over/underflow (QEMU's split). */
function log2Double(x: Floatx80): number {
  let exponent = x.signExponent & 0x7fff;
  let significand = x.significand;
  if (exponent === 0) exponent = 1;
  while (significand < 1n << 63n) {
    significand <<= 1n;
    exponent -= 1;
  }
  let integer = exponent - 0x3fff;
  // Keep the significand in [√2/2, √2) so that log1p sees a small argument.
  let fraction: number;
  if (significand > 0xb504f333f9de6484n) {
    integer += 1;
    fraction = Number(significand - (1n << 64n)) / 2 ** 64;
  } else {
    fraction = Number(significand - (1n << 63n)) / 2 ** 63;
  }
  return integer + Math.log1p(fraction) / Math.LN2;
}

/** factor × y rounded once at 64-bit precision in the current rounding mode, always inexact. */
function productWithInexact(factor: number, y: Floatx80, status: FloatStatus): Floatx80 {
  const savedPrecision = status.precision;
  status.precision = 64;
  const product = floatx80Multiply(fromDouble(factor, status), y, status);
  status.precision = savedPrecision;
  status.flags |= FloatFlag.Inexact;
  return product;
}

function lowExponentOf(a: Floatx80): number {
  const exponent = a.signExponent & 0x7fff;
  return (exponent === 0 ? 1 : exponent) - 0x3fff - 63;
}

/** ln 2 and log2 e to 128 bits: value = constant × 2^-128 (ln 2) and × 2^-127 (log2 e). */
const LN2_128 = 0xb17217f7d1cf79abc9e3b39803f2f6afn;
const LOG2E_128 = 0xb8aa3b295c17f0bbbe87fed0691d3e89n;

/** FYL2XP1: ST(1) × log2(ST(0) + 1) for |ST(0)| < 1 - √2/2. Returns the new ST(1). */
export function fyl2xp1(x: Floatx80, y: Floatx80, status: FloatStatus): Floatx80 {
  const special = twoOperandNan(x, y, status);
  if (special) return special;
  const exponent = x.signExponent & 0x7fff;
  const negative = x.signExponent >>> 15 === 1;
  if (
    exponent > 0x3ffd ||
    (exponent === 0x3ffd && x.significand > (negative ? 0x95f619980c4336f7n : 0xd413cccfe7799211n))
  ) {
    return invalid(status);
  }
  if (isZero(x) || isZero(y) || (y.signExponent & 0x7fff) === 0x7fff) {
    const saved = status.precision;
    status.precision = 64;
    const product = floatx80Multiply(x, y, status);
    status.precision = saved;
    return product;
  }
  if (exponent < 0x3fb0) {
    // x·log2(e)·y with a 128-bit log2(e), rounded once (inexact), as QEMU.
    const magnitude = x.significand * LOG2E_128 * y.significand;
    return roundToFloatx80(
      status,
      64,
      (x.signExponent ^ y.signExponent) >>> 15,
      (magnitude << 1n) | 1n,
      lowExponentOf(x) + lowExponentOf(y) - 128,
    );
  }
  return productWithInexact(Math.log1p(toDouble(x, status)) / Math.LN2, y, status);
}

/** FPATAN: arctan(ST(1) / ST(0)) with the quadrant from both signs. Returns the new ST(1). */
export function fpatan(x: Floatx80, y: Floatx80, status: FloatStatus): Floatx80 {
  if (isSignalingNan(x)) {
    status.flags |= FloatFlag.Invalid;
    return silenceNan(x);
  }
  if (isSignalingNan(y)) {
    status.flags |= FloatFlag.Invalid;
    return silenceNan(y);
  }
  if (isInvalidEncoding(x) || isInvalidEncoding(y)) return invalid(status);
  if (isNan(x)) return x;
  if (isNan(y)) return y;
  const xNegative = x.signExponent >>> 15 === 1;
  if (isZero(y) && !xNegative) return y;
  const xExponent = effectiveExponent(x);
  const yExponent = effectiveExponent(y);
  const finite = !isInfinity(x) && !isInfinity(y) && !isZero(x) && !isZero(y);
  if (!xNegative && ((isInfinity(x) && !isInfinity(y)) || (finite && xExponent - yExponent >= 80))) {
    // y/x is the answer up to rounding; an exact quotient is nudged toward zero (still inexact).
    const savedPrecision = status.precision;
    status.precision = 64;
    const savedFlags = status.flags;
    status.flags = 0;
    let quotient = floatx80Divide(y, x, status);
    status.precision = savedPrecision;
    if (!isZero(quotient) && (status.flags & FloatFlag.Inexact) === 0) {
      quotient = roundToFloatx80(
        status,
        64,
        quotient.signExponent >>> 15,
        (quotient.significand << 64n) - 1n,
        lowExponentOf(quotient) - 64,
      );
    }
    status.flags |= savedFlags;
    return quotient;
  }
  let result: number;
  if (!finite) {
    const proxy = (value: Floatx80): number => {
      const sign = value.signExponent >>> 15 ? -1 : 1;
      if (isInfinity(value)) return sign * Number.POSITIVE_INFINITY;
      return isZero(value) ? sign * 0 : sign;
    };
    result = Math.atan2(proxy(y), proxy(x));
  } else if (yExponent - xExponent >= 80) {
    result = y.signExponent >>> 15 ? -Math.PI / 2 : Math.PI / 2;
  } else if (xExponent - yExponent >= 80) {
    result = y.signExponent >>> 15 ? -Math.PI : Math.PI;
  } else {
    // Scale both to the same neighbourhood of 1 so the doubles neither overflow nor underflow.
    const shift = Math.max(xExponent, yExponent);
    result = Math.atan2(scaledDouble(y, shift, status), scaledDouble(x, shift, status));
  }
  return inexactResult(result, status);
}

function effectiveExponent(a: Floatx80): number {
  let exponent = a.signExponent & 0x7fff;
  let significand = a.significand;
  if (exponent === 0) {
    exponent = 1;
    if (significand === 0n) return -100000;
    while (significand < 1n << 63n) {
      significand <<= 1n;
      exponent -= 1;
    }
  }
  return exponent;
}

/** a × 2^(0x3fff - shift) as a double (exact scaling, one rounding to double). */
function scaledDouble(a: Floatx80, shift: number, status: FloatStatus): number {
  const savedPrecision = status.precision;
  status.precision = 64;
  const savedFlags = status.flags;
  const scaled = floatx80Scale(a, 0x3fff - shift, status);
  status.flags = savedFlags;
  status.precision = savedPrecision;
  return toDouble(scaled, status);
}

function invalid(status: FloatStatus): Floatx80 {
  status.flags |= FloatFlag.Invalid;
  return FLOATX80_DEFAULT_NAN;
}

/** The QEMU order of NaN checks for FYL2X/FYL2XP1; `undefined` when neither operand is a NaN. */
function twoOperandNan(x: Floatx80, y: Floatx80, status: FloatStatus): Floatx80 | undefined {
  if (isSignalingNan(x)) {
    status.flags |= FloatFlag.Invalid;
    return silenceNan(x);
  }
  if (isSignalingNan(y)) {
    status.flags |= FloatFlag.Invalid;
    return silenceNan(y);
  }
  if (isInvalidEncoding(x) || isInvalidEncoding(y)) return invalid(status);
  if (isNan(x)) return x;
  if (isNan(y)) return y;
  return undefined;
}

/** Rounding mode constant re-exported for callers that temporarily force nearest-even. */
export const NEAREST_EVEN = RoundingMode.NearestEven;
