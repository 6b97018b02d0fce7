import { describe, expect, it } from 'vitest';
import { readParavirtSites } from './paravirt-sites.js';

/** A minimal ELF32 image: a null section, `.shstrtab` and optionally `.parainstructions`. */
function elfWith(records: number[][] | undefined): Uint8Array {
  const names = '\0.shstrtab\0.parainstructions\0';
  const data = records ?? [];
  const dataOffset = 52;
  const namesOffset = dataOffset + data.length * 8;
  const tableOffset = (namesOffset + names.length + 3) & ~3;
  const sections = records ? 3 : 2;
  const image = new Uint8Array(tableOffset + sections * 40);
  const view = new DataView(image.buffer);
  image.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  view.setUint32(32, tableOffset, true);
  view.setUint16(46, 40, true);
  view.setUint16(48, sections, true);
  view.setUint16(50, 1, true);
  data.forEach(([address = 0, call = 0, length = 0, clobbers = 0], i) => {
    view.setUint32(dataOffset + i * 8, address, true);
    view.setUint8(dataOffset + i * 8 + 4, call);
    view.setUint8(dataOffset + i * 8 + 5, length);
    view.setUint16(dataOffset + i * 8 + 6, clobbers, true);
  });
  for (let i = 0; i < names.length; i++) image[namesOffset + i] = names.charCodeAt(i);
  const setSection = (index: number, name: number, offset: number, size: number) => {
    view.setUint32(tableOffset + index * 40, name, true);
    view.setUint32(tableOffset + index * 40 + 16, offset, true);
    view.setUint32(tableOffset + index * 40 + 20, size, true);
  };
  setSection(1, 1, namesOffset, names.length);
  if (records) setSection(2, 11, dataOffset, data.length * 8);
  return image;
}

describe('readParavirtSites', () => {
  it('reads every record of .parainstructions', () => {
    expect(
      readParavirtSites(
        elfWith([
          [0xc0100010, 33, 5, 0],
          [0xc0100200, 38, 6, 7],
        ]),
      ),
    ).toEqual([
      { address: 0xc0100010, call: 33, length: 5, clobbers: 0 },
      { address: 0xc0100200, call: 38, length: 6, clobbers: 7 },
    ]);
  });

  it('returns no sites for an image without the section', () => {
    expect(readParavirtSites(elfWith(undefined))).toEqual([]);
  });

  it('rejects an image that is not ELF32 or whose section table is cut off', () => {
    expect(() => readParavirtSites(new Uint8Array(100))).toThrow(RangeError);
    const truncated = elfWith([[1, 2, 5, 0]]).subarray(0, 90);
    expect(() => readParavirtSites(truncated)).toThrow(RangeError);
  });
});
