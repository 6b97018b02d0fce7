/**
 * Small helpers every chip shares: the all-ones value of an undecoded access, splitting a wide
 * access on byte-wide registers into consecutive byte accesses (as a PC's bus does), a
 * disconnected interrupt line, and the state-version check.
 */
import type { AccessWidth, IrqLine } from '@openvmi/x86-core';

/** All-ones for an access of `width` bytes (what an undecoded read returns). */
export function allOnes(width: AccessWidth): number {
  return width === 4 ? 0xffffffff : width === 2 ? 0xffff : 0xff;
}

/**
 * Reads `width` consecutive byte registers starting at `offset`, little-endian, as the bus
 * splits a word or dword access to a byte-wide chip.
 */
export function readBytes(offset: number, width: AccessWidth, readByte: (offset: number) => number): number {
  if (width === 1) return readByte(offset) & 0xff;
  let value = 0;
  for (let index = 0; index < width; index++) value |= (readByte(offset + index) & 0xff) << (index * 8);
  return value >>> 0;
}

/** Writes the low `width` bytes of `value` to consecutive byte registers starting at `offset`. */
export function writeBytes(
  offset: number,
  width: AccessWidth,
  value: number,
  writeByte: (offset: number, value: number) => void,
): void {
  for (let index = 0; index < width; index++) writeByte(offset + index, (value >>> (index * 8)) & 0xff);
}

/** An interrupt line connected to nothing (the default for an unwired output). */
export const disconnectedIrqLine: IrqLine = Object.freeze({
  raise(): void {},
  lower(): void {},
});

/** A byte-wide value from an untrusted snapshot field (missing or bad values become 0). */
export function byteOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value & 0xff : 0;
}

/** A non-negative 32-bit counter from an untrusted snapshot field. */
export function counterOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) >>> 0 : 0;
}

/** A boolean from an untrusted snapshot field. */
export function flagOf(value: unknown): boolean {
  return value === true;
}

/** A finite number from an untrusted snapshot field (bad values become `fallback`). */
export function numberOf(value: unknown, fallback = 0): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** Throws a `TypeError` unless `state.version` is `expected`. */
export function checkVersion(
  state: { version?: unknown } | null | undefined,
  expected: number,
  name: string,
): void {
  if (state === null || typeof state !== 'object' || state.version !== expected) {
    throw new TypeError(`unknown ${name} state version ${String(state?.version)}`);
  }
}
