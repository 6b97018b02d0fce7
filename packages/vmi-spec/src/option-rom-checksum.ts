import { OPTION_ROM_BLOCK_SIZE } from './identification.js';

/**
 * The 8-bit sum of `bytes`. An option ROM is valid when the sum over its declared length
 * (`rom_length` × 512 bytes) is zero.
 */
export function byteSum(bytes: Uint8Array): number {
  let sum = 0;
  for (let index = 0; index < bytes.length; index++) sum = (sum + bytes[index]) & 0xff;
  return sum;
}

/**
 * Sets `bytes[checksumOffset]` so that the 8-bit sum of the whole image is zero.
 * @throws RangeError when the image is not a whole number of 512-byte blocks or the offset is outside it.
 */
export function fixOptionRomChecksum(bytes: Uint8Array, checksumOffset: number): void {
  if (bytes.length === 0 || bytes.length % OPTION_ROM_BLOCK_SIZE !== 0) {
    throw new RangeError(`option ROM length ${bytes.length} is not a positive multiple of 512`);
  }
  if (!Number.isInteger(checksumOffset) || checksumOffset < 0 || checksumOffset >= bytes.length) {
    throw new RangeError(`checksum offset ${checksumOffset} is outside the ${bytes.length}-byte image`);
  }
  bytes[checksumOffset] = 0;
  bytes[checksumOffset] = (0x100 - byteSum(bytes)) & 0xff;
}
