/**
 * Transcendental x87 instructions: F2XM1, FYL2X, FYL2XP1, FPATAN, FPTAN, FSIN, FCOS, FSINCOS.
 *
 * Special operands (NaN, infinity, zero, out-of-range) follow QEMU's `fpu_helper.c` case by case.
 * F2XM1, FYL2X, FYL2XP1 and FPATAN evaluate their series in 256-bit fixed point and round once
 * (always inexact) at 64-bit precision in the current rounding mode, as QEMU does after its own
 * ~70-bit evaluation: the results agree with QEMU bit for bit on the conformance vectors.
 * FSIN/FCOS/FPTAN/FSINCOS use QEMU's recipe (through an IEEE double, here JavaScript `Math`), so
 * they can differ from QEMU by one unit in the last place of that double (2^11 units of the
 * 64-bit significand) where V8's and glibc's double functions round differently.
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
  floatx80ToFloat64,
  isInfinity,
  isInvalidEncoding,
  isNan,
  isSignalingNan,
  isZero,
  packFloatx80,
  propagateNan1,
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
  const constants = fixedConstants();
  const result = expm1Series(fixedMultiply(toFixed(a), constants.ln2));
  return fromFixed(result, status);
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
  const [xExponent, xSignificand] = normalized(x);
  if (xSignificand === 1n << 63n) {
    const integer = xExponent - 0x3fff;
    const magnitude = BigInt(Math.abs(integer));
    const power = roundToFloatx80(status, 64, integer < 0 ? 1 : 0, magnitude, 0);
    const saved = status.precision;
    status.precision = 64;
    const product = floatx80Multiply(power, y, status);
    status.precision = saved;
    return product;
  }
  const constants = fixedConstants();
  let integer = xExponent - 0x3fff;
  let mantissa = xSignificand << (FIXED_BITS - 63n);
  if (xSignificand > 0xb504f333f9de6484n) {
    integer += 1;
    mantissa >>= 1n;
  }
  const ratio = fixedDivide(mantissa - constants.one, mantissa + constants.one);
  const logarithm = BigInt(integer) * constants.one + fixedDivide(2n * atanhSeries(ratio), constants.ln2);
  return fixedProduct(logarithm, y, status);
}

/** (biased exponent, significand with bit 63 set) of a finite non-zero value. */
function normalized(a: Floatx80): [number, bigint] {
  let exponent = a.signExponent & 0x7fff;
  let significand = a.significand;
  if (exponent === 0) exponent = 1;
  while (significand < 1n << 63n) {
    significand <<= 1n;
    exponent -= 1;
  }
  return [exponent, significand];
}

/** Rounds fixed-point `factor` × y once at 64-bit precision (always inexact, as QEMU). */
function fixedProduct(factor: bigint, y: Floatx80, status: FloatStatus): Floatx80 {
  const negative = (factor < 0n ? 1 : 0) ^ (y.signExponent >>> 15);
  const magnitude = (factor < 0n ? -factor : factor) * y.significand;
  return roundToFloatx80(
    status,
    64,
    negative,
    (magnitude << 1n) | 1n,
    lowExponentOf(y) - Number(FIXED_BITS) - 1,
  );
}

// ---------------------------------------------------------------------------------------------
// Fixed-point arithmetic with FIXED_BITS fraction bits (signed BigInt), enough that one final
// rounding to 64 bits is correct except in astronomically rare cases.

const FIXED_BITS = 256n;

interface FixedConstants {
  one: bigint;
  ln2: bigint;
  pi: bigint;
}
let constantsCache: FixedConstants | undefined;

function fixedConstants(): FixedConstants {
  if (constantsCache) return constantsCache;
  const one = 1n << FIXED_BITS;
  let ln2 = 0n;
  for (let k = 1n; k < FIXED_BITS + 8n; k++) ln2 += (one >> k) / k;
  const pi = 16n * atanSeries(one / 5n) - 4n * atanSeries(one / 239n);
  constantsCache = { one, ln2, pi };
  return constantsCache;
}

/** Product truncated toward zero (so that series of negative terms reach 0 and stop). */
function fixedMultiply(a: bigint, b: bigint): bigint {
  const product = a * b;
  return product < 0n ? -(-product >> FIXED_BITS) : product >> FIXED_BITS;
}

function fixedDivide(a: bigint, b: bigint): bigint {
  return (a << FIXED_BITS) / b;
}

/** A finite value as a signed fixed-point number (values below 2^-FIXED_BITS lose bits). */
function toFixed(a: Floatx80): bigint {
  const shift = Number(FIXED_BITS) + lowExponentOf(a);
  const magnitude = shift >= 0 ? a.significand << BigInt(shift) : a.significand >> BigInt(-shift);
  return a.signExponent >>> 15 ? -magnitude : magnitude;
}

/** Rounds a fixed-point value once at 64-bit precision, flagging PE (the results are never exact). */
function fromFixed(value: bigint, status: FloatStatus): Floatx80 {
  const negative = value < 0n ? 1 : 0;
  const magnitude = negative ? -value : value;
  return roundToFloatx80(status, 64, negative, (magnitude << 1n) | 1n, -Number(FIXED_BITS) - 1);
}

/** e^y - 1 for |y| < 1. */
function expm1Series(y: bigint): bigint {
  let sum = 0n;
  let term = 1n << FIXED_BITS;
  for (let k = 1n; ; k++) {
    term = fixedMultiply(term, y) / k;
    if (term === 0n) return sum;
    sum += term;
  }
}

/** atanh(u) for |u| < 0.2. */
function atanhSeries(u: bigint): bigint {
  const square = fixedMultiply(u, u);
  let sum = u;
  let power = u;
  for (let k = 3n; ; k += 2n) {
    power = fixedMultiply(power, square);
    if (power === 0n) return sum;
    sum += power / k;
  }
}

/** atan(r) for 0 <= r <= 0.25. */
function atanSeries(r: bigint): bigint {
  const square = fixedMultiply(r, r);
  let sum = r;
  let power = r;
  for (let k = 3n, negative = true; ; k += 2n, negative = !negative) {
    power = fixedMultiply(power, square);
    if (power === 0n) return sum;
    sum += negative ? -(power / k) : power / k;
  }
}

/** atan(r) for 0 <= r <= 1: two angle halvings, then the series. */
function atanFixed(r: bigint): bigint {
  const one = 1n << FIXED_BITS;
  for (let index = 0; index < 2; index++) {
    const root = integerSquareRootFixed(one + fixedMultiply(r, r));
    r = fixedDivide(r, one + root);
  }
  return 4n * atanSeries(r);
}

function integerSquareRootFixed(value: bigint): bigint {
  const radicand = value << FIXED_BITS;
  let x = 1n << BigInt((radicand.toString(2).length >> 1) + 1);
  for (;;) {
    const next = (x + radicand / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
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
  const constants = fixedConstants();
  const value = toFixed(x);
  const ratio = fixedDivide(value, 2n * constants.one + value);
  return fixedProduct(fixedDivide(2n * atanhSeries(ratio), constants.ln2), y, status);
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
  const pi = fixedConstants().pi;
  let angle: bigint;
  if (isZero(y)) {
    angle = pi; // x negative
  } else if (isInfinity(y)) {
    if (isInfinity(x)) angle = xNegative ? (3n * pi) >> 2n : pi >> 2n;
    else angle = pi >> 1n;
  } else if (isZero(x) || yExponent - xExponent >= 80) {
    angle = pi >> 1n;
  } else if (isInfinity(x) || xExponent - yExponent >= 80) {
    angle = pi; // x negative
  } else {
    const [xExponentNormal, xSignificand] = normalized(x);
    const [yExponentNormal, ySignificand] = normalized(y);
    const xLarger =
      xExponentNormal > yExponentNormal ||
      (xExponentNormal === yExponentNormal && xSignificand >= ySignificand);
    const [small, large, difference] = xLarger
      ? [ySignificand, xSignificand, xExponentNormal - yExponentNormal]
      : [xSignificand, ySignificand, yExponentNormal - xExponentNormal];
    const ratio = (small << (FIXED_BITS - BigInt(difference))) / large;
    angle = atanFixed(ratio);
    if (!xLarger) angle = (pi >> 1n) - angle;
    if (xNegative) angle = pi - angle;
  }
  return fromFixed(y.signExponent >>> 15 ? -angle : angle, status);
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
