/**
 * Reading the paravirt patch-site records of a guest kernel image: the `.parainstructions`
 * section of the ELF file, 8 bytes per site (address u32, VMI call number u8, site length u8,
 * clobbered registers u16: EAX 1, ECX 2, EDX 4), the layout Linux used. The runner and the
 * tests use it to predict how many sites a ROM's relocation records will patch.
 */

/** One patch site of the kernel. */
export interface ParavirtSite {
  /** Linear address of the site's first byte. */
  address: number;
  /** The VMI call the site performs. */
  call: number;
  /** Bytes available for a patch (at least 5). */
  length: number;
  /** Registers the site may clobber (bit 0 EAX, bit 1 ECX, bit 2 EDX). */
  clobbers: number;
}

/** Size of one `.parainstructions` record. */
export const PARAVIRT_SITE_RECORD_SIZE = 8;

/**
 * Returns the patch sites recorded in a 32-bit little-endian ELF image, or throws a
 * `RangeError` when the image is not one or its section table or the section lies outside it.
 * An image without the section has no sites.
 */
export function readParavirtSites(image: Uint8Array): ParavirtSite[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const inside = (offset: number, length: number): boolean =>
    offset >= 0 && length >= 0 && offset + length <= image.byteLength;
  if (!inside(0, 52) || view.getUint32(0, false) !== 0x7f454c46 || image[4] !== 1 || image[5] !== 1)
    throw new RangeError('not a 32-bit little-endian ELF image');
  const sectionTable = view.getUint32(32, true);
  const entrySize = view.getUint16(46, true);
  const count = view.getUint16(48, true);
  const namesIndex = view.getUint16(50, true);
  if (entrySize < 40 || !inside(sectionTable, entrySize * count) || namesIndex >= count)
    throw new RangeError('ELF section table outside the image');
  const section = (index: number) => {
    const base = sectionTable + index * entrySize;
    return {
      name: view.getUint32(base, true),
      offset: view.getUint32(base + 16, true),
      size: view.getUint32(base + 20, true),
    };
  };
  const names = section(namesIndex);
  if (!inside(names.offset, names.size)) throw new RangeError('ELF section names outside the image');
  const nameOf = (offset: number): string => {
    let text = '';
    for (let i = names.offset + offset; i < names.offset + names.size && image[i] !== 0; i++)
      text += String.fromCharCode(image[i] ?? 0);
    return text;
  };
  for (let index = 0; index < count; index++) {
    const s = section(index);
    if (nameOf(s.name) !== '.parainstructions') continue;
    if (!inside(s.offset, s.size) || s.size % PARAVIRT_SITE_RECORD_SIZE !== 0)
      throw new RangeError('.parainstructions outside the image or not whole records');
    const sites: ParavirtSite[] = [];
    for (let at = s.offset; at < s.offset + s.size; at += PARAVIRT_SITE_RECORD_SIZE) {
      sites.push({
        address: view.getUint32(at, true),
        call: view.getUint8(at + 4),
        length: view.getUint8(at + 5),
        clobbers: view.getUint16(at + 6, true),
      });
    }
    return sites;
  }
  return [];
}
