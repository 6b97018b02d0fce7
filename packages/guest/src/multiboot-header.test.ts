import { describe, expect, it } from 'vitest';
import { findMultibootHeader, MULTIBOOT_HEADER_MAGIC } from './multiboot-header.js';

function imageWithHeader(offset: number, flags: number, checksumDelta = 0): Uint8Array {
  const image = new Uint8Array(offset + 64);
  const view = new DataView(image.buffer);
  view.setUint32(offset, MULTIBOOT_HEADER_MAGIC, true);
  view.setUint32(offset + 4, flags, true);
  view.setUint32(offset + 8, (-(MULTIBOOT_HEADER_MAGIC + flags) + checksumDelta) >>> 0, true);
  return image;
}

describe('findMultibootHeader', () => {
  it('finds an aligned header with a valid checksum', () => {
    expect(findMultibootHeader(imageWithHeader(0x40, 3))).toEqual({
      offset: 0x40,
      flags: 3,
      checksum: -(MULTIBOOT_HEADER_MAGIC + 3) >>> 0,
    });
  });

  it('skips a magic whose checksum is wrong', () => {
    expect(findMultibootHeader(imageWithHeader(0x40, 3, 1))).toBeUndefined();
  });

  it('ignores a header past the first 8 KiB', () => {
    expect(findMultibootHeader(imageWithHeader(8192, 3))).toBeUndefined();
  });

  it('handles images shorter than a header', () => {
    expect(findMultibootHeader(new Uint8Array(5))).toBeUndefined();
  });
});
