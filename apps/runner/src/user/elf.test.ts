import { describe, expect, it } from 'vitest';
import { ElfError, parseElf } from './elf.js';

/** A minimal valid ELF32 i386 ET_EXEC image: one PT_LOAD (R+X) at 0x08048000 holding the headers and code. */
function minimalImage(): Uint8Array {
  const bytes = new Uint8Array(0x100);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  view.setUint16(16, 2, true); // ET_EXEC
  view.setUint16(18, 3, true); // EM_386
  view.setUint32(20, 1, true);
  view.setUint32(24, 0x08048080, true); // entry
  view.setUint32(28, 52, true); // e_phoff
  view.setUint16(40, 52, true);
  view.setUint16(42, 32, true); // e_phentsize
  view.setUint16(44, 1, true); // e_phnum
  const ph = 52;
  view.setUint32(ph, 1, true); // PT_LOAD
  view.setUint32(ph + 4, 0, true);
  view.setUint32(ph + 8, 0x08048000, true);
  view.setUint32(ph + 16, 0x100, true); // filesz
  view.setUint32(ph + 20, 0x2000, true); // memsz (bss beyond)
  view.setUint32(ph + 24, 5, true); // R+X
  return bytes;
}

function withChange(change: (view: DataView, bytes: Uint8Array) => void): Uint8Array {
  const bytes = minimalImage();
  change(new DataView(bytes.buffer), bytes);
  return bytes;
}

describe('parseElf', () => {
  it('parses the entry point, PT_LOAD segment, program header address and end of a valid image', () => {
    const image = parseElf(minimalImage());
    expect(image.entry).toBe(0x08048080);
    expect(image.segments).toEqual([
      { virtualAddress: 0x08048000, fileOffset: 0, fileSize: 0x100, memorySize: 0x2000, flags: 5 },
    ]);
    expect(image.programHeaderAddress).toBe(0x08048034);
    expect(image.programHeaderCount).toBe(1);
    expect(image.end).toBe(0x0804a000);
  });

  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['a file shorter than the ELF header', minimalImage().subarray(0, 40), /too short/],
    ['bad magic', withChange((_, bytes) => (bytes[1] = 0x46)), /bad magic/],
    ['a 64-bit class', withChange((_, bytes) => (bytes[4] = 2)), /ELF32/],
    ['big-endian data', withChange((_, bytes) => (bytes[5] = 2)), /little-endian/],
    ['another machine', withChange((view) => view.setUint16(18, 62, true)), /EM_386/],
    ['a PIE (ET_DYN)', withChange((view) => view.setUint16(16, 3, true)), /ET_DYN/],
    ['a relocatable object', withChange((view) => view.setUint16(16, 1, true)), /not an executable/],
    ['no program headers', withChange((view) => view.setUint16(44, 0, true)), /no program headers/],
    [
      'a program header table past the end',
      withChange((view) => view.setUint32(28, 0xf0, true)),
      /runs past the end/,
    ],
    ['tiny program header entries', withChange((view) => view.setUint16(42, 8, true)), /too small/],
    [
      'filesz larger than memsz',
      withChange((view) => view.setUint32(52 + 20, 0x10, true)),
      /exceeds p_memsz/,
    ],
    [
      'a segment past the end of the file',
      withChange((view) => view.setUint32(52 + 16, 0x1000, true)),
      /past the end of the file/,
    ],
    [
      'a segment wrapping the address space',
      withChange((view) => view.setUint32(52 + 8, 0xfffff000, true)),
      /wraps around|entry point/,
    ],
    ['an interpreter (dynamic linking)', withChange((view) => view.setUint32(52, 3, true)), /PT_INTERP/],
    ['no PT_LOAD', withChange((view) => view.setUint32(52, 4, true)), /no PT_LOAD/],
    [
      'an entry point outside the segments',
      withChange((view) => view.setUint32(24, 0x1000, true)),
      /entry point/,
    ],
    [
      'an entry point in a non-executable segment',
      withChange((view) => view.setUint32(52 + 24, 6, true)),
      /entry point/,
    ],
  ];
  for (const [what, image, message] of cases) {
    it(`rejects ${what} with a message naming the problem`, () => {
      expect(() => parseElf(image)).toThrow(ElfError);
      expect(() => parseElf(image)).toThrow(message);
    });
  }

  it('never throws anything but ElfError on random corruption of a valid image', () => {
    let seed = 12345;
    for (let round = 0; round < 2000; round++) {
      const bytes = minimalImage();
      for (let flip = 0; flip < 4; flip++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        bytes[seed % 96] = seed >>> 24;
      }
      try {
        parseElf(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(ElfError);
      }
    }
  });
});
