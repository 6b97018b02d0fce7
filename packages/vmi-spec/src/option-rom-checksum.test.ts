import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteSum, fixOptionRomChecksum } from './option-rom-checksum.js';

describe('option ROM checksum', () => {
  it('makes the 8-bit sum of any 512-byte-block image zero', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 8 })
          .chain((blocks) =>
            fc.tuple(
              fc.uint8Array({ minLength: blocks * 512, maxLength: blocks * 512 }),
              fc.nat(blocks * 512 - 1),
            ),
          ),
        ([image, offset]) => {
          fixOptionRomChecksum(image, offset);
          expect(byteSum(image)).toBe(0);
        },
      ),
    );
  });

  it('rejects an image that is not whole 512-byte blocks', () => {
    expect(() => fixOptionRomChecksum(new Uint8Array(100), 5)).toThrow(/multiple of 512/);
  });

  it('rejects a checksum offset outside the image', () => {
    expect(() => fixOptionRomChecksum(new Uint8Array(512), 512)).toThrow(/outside/);
  });
});
