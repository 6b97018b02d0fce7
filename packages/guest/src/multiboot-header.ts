/**
 * Finding and checking the multiboot v1 header of a kernel image (Multiboot Specification 0.6.96,
 * section 3.1.1): a 32-bit-aligned header within the first 8192 bytes whose magic, flags and
 * checksum sum to zero modulo 2^32.
 */

/** The header magic a multiboot v1 kernel carries. */
export const MULTIBOOT_HEADER_MAGIC = 0x1badb002;

/** The value a multiboot loader puts in EAX when it enters the kernel. */
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;

/** How far into the image the header may start. */
export const MULTIBOOT_SEARCH_LIMIT = 8192;

/** A located multiboot header. */
export interface MultibootHeader {
  /** Byte offset of the header in the image. */
  offset: number;
  flags: number;
  checksum: number;
}

/**
 * Finds the multiboot v1 header of `image`, or returns `undefined` when there is none. A magic
 * whose checksum does not match is skipped, as loaders do.
 */
export function findMultibootHeader(image: Uint8Array): MultibootHeader | undefined {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const end = Math.min(image.byteLength, MULTIBOOT_SEARCH_LIMIT) - 12;
  for (let offset = 0; offset <= end; offset += 4) {
    if (view.getUint32(offset, true) !== MULTIBOOT_HEADER_MAGIC) continue;
    const flags = view.getUint32(offset + 4, true);
    const checksum = view.getUint32(offset + 8, true);
    if (((MULTIBOOT_HEADER_MAGIC + flags + checksum) & 0xffffffff) === 0) return { offset, flags, checksum };
  }
  return undefined;
}
