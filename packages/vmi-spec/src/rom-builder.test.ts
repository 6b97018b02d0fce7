import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VMI_CALLS } from './call-table.js';
import { RelocationType, RomEntry } from './constants.js';
import { VmiSpecError } from './errors.js';
import { PCI_HEADER_LAYOUT, ROM_HEADER_LAYOUT } from './layouts.js';
import { byteSum } from './option-rom-checksum.js';
import {
  buildVmiRom,
  type CallImplementation,
  formatRelocation,
  readRelocationTable,
  type VmiRomDefinition,
} from './rom-builder.js';
import { findVmiRom, validateVmiRom } from './rom-validation.js';
import { decodeStruct } from './struct-layout.js';

// A definition that exercises every relocation type: IRET/SYSEXIT jump, even calls are CALL_REL
// to `ret`, multiples of 3 are NOP, the rest NONE.
const mixed: VmiRomDefinition = {
  manufacturer: 'Test',
  product: 'Test ROM',
  romVersion: { major: 2, minor: 7 },
  implement: (call): CallImplementation => {
    if (call.nonReturning) return { type: 'jump', emit: (a) => a.iret() };
    if (call.number % 2 === 0) return { type: 'call', emit: (a) => a.ret() };
    return call.number % 3 === 0 ? { type: 'nop' } : { type: 'none' };
  },
};

describe('buildVmiRom', () => {
  const { image, relocations } = buildVmiRom(mixed);

  it('makes an image Linux and a BIOS accept: 55 AA, cVmi, API 3.0, PCI header, GPL v2, checksum 0', () => {
    const description = validateVmiRom(image);
    expect(image.length % 512).toBe(0);
    expect(description.lengthBytes).toBe(image.length);
    expect(byteSum(image)).toBe(0);
    expect(description.license).toBe('GPL v2');
    expect(description.manufacturer).toBe('Test');
    expect(description.product).toBe('Test ROM');
    expect(description.header.apiVersionMajor).toBe(3);
    expect(description.pciHeader.vendorId).toBe(0x15ad);
    expect(description.pciHeader.deviceId).toBe(0x0801);
    expect(description.pciHeader.romVersionMajor).toBe(2);
    expect(description.pciHeader.romVersionMinor).toBe(7);
    expect(description.warnings).toEqual([]);
  });

  it('puts a far return at the 16-bit init entry and the two bootstrap entries at 0x80 and 0x88', () => {
    expect(image[3]).toBe(0xcb);
    expect([...image.subarray(RomEntry.Init, RomEntry.Init + 3)]).toEqual([0x31, 0xc0, 0xc3]); // xor eax,eax; ret
    expect(image[RomEntry.GetRelocationInfo]).toBe(0xe9); // jmp rel32
  });

  it('records one relocation per call, with the types the definition asked for', () => {
    expect(relocations).toHaveLength(74);
    expect(relocations[33].type).toBe(RelocationType.JumpRel);
    expect(relocations[34].type).toBe(RelocationType.JumpRel);
    expect(relocations[2].type).toBe(RelocationType.CallRel);
    expect(relocations[3].type).toBe(RelocationType.Nop);
    expect(relocations[5].type).toBe(RelocationType.None);
    for (const relocation of relocations) {
      if (relocation.type === RelocationType.CallRel) expect(image[relocation.targetOffset]).toBe(0xc3);
      if (relocation.type === RelocationType.JumpRel) expect(image[relocation.targetOffset]).toBe(0xcf);
      if (relocation.type === RelocationType.None || relocation.type === RelocationType.Nop)
        expect(relocation.targetOffset).toBe(0);
    }
  });

  it('lets readRelocationTable recover exactly the builder record from the image', () => {
    expect(readRelocationTable(image)).toEqual(relocations);
  });

  it('fills the PCI length in 512-byte chunks and marks the last image', () => {
    const header = decodeStruct(ROM_HEADER_LAYOUT, image);
    const pci = decodeStruct(PCI_HEADER_LAYOUT, image, header.pciHeaderOffset);
    expect(pci.chunks).toBe(image.length / 512);
    expect(pci.lastRom).toBe(0x80);
    expect(String.fromCharCode(...image.subarray(header.pnpHeaderOffset, header.pnpHeaderOffset + 4))).toBe(
      '$PnP',
    );
    const pnp = image.subarray(header.pnpHeaderOffset, header.pnpHeaderOffset + 32);
    expect(byteSum(pnp)).toBe(0);
  });

  it('refuses a JUMP_REL for a call that returns, and non-ASCII strings', () => {
    expect(() =>
      buildVmiRom({ ...mixed, implement: () => ({ type: 'jump', emit: (a) => a.ret() }) }),
    ).toThrow(/cannot be a JUMP_REL/);
    expect(() => buildVmiRom({ ...mixed, product: 'caf\u00e9' })).toThrow(VmiSpecError);
  });

  it('moves VMI_Init out of line when its body is longer than 8 bytes', () => {
    const rom = buildVmiRom({
      ...mixed,
      init: (a) => a.nop().nop().nop().nop().nop().nop().xorRegister(0, 0).ret(),
    });
    expect(rom.image[RomEntry.Init]).toBe(0xe9);
    validateVmiRom(rom.image);
  });
});

describe('validateVmiRom', () => {
  const { image } = buildVmiRom(mixed);
  const patched = (mutate: (copy: Uint8Array) => void) => {
    const copy = image.slice();
    mutate(copy);
    return copy;
  };
  const codeOf = (bytes: Uint8Array, options = {}) => {
    try {
      validateVmiRom(bytes, options);
      return 'valid';
    } catch (error) {
      expect(error).toBeInstanceOf(VmiSpecError);
      return (error as VmiSpecError).code;
    }
  };
  const header = decodeStruct(ROM_HEADER_LAYOUT, image);

  it('rejects each broken rule with its own code', () => {
    expect(codeOf(image.subarray(0, 1))).toBe('truncated');
    expect(codeOf(patched((c) => (c[0] = 0x56)))).toBe('bad-option-rom-signature');
    expect(codeOf(image.subarray(0, 100))).toBe('truncated');
    expect(codeOf(patched((c) => (c[8] = 0x64)))).toBe('bad-vmi-signature');
    expect(codeOf(patched((c) => (c[13] = 2)))).toBe('unsupported-api-version');
    expect(codeOf(patched((c) => (c[0x18] = c[0x19] = 0)))).toBe('missing-pci-header');
    expect(codeOf(patched((c) => (c[0x19] = 0xff)))).toBe('offset-out-of-range');
    expect(
      codeOf(
        patched((c) => (c[header.licenseOffset + 3] = 0)),
        { checkChecksum: false },
      ),
    ).toBe('valid'); // "GPL"
    expect(codeOf(patched((c) => (c[header.licenseOffset] = 0x4c)))).toBe('license-rejected');
    expect(codeOf(patched((c) => (c[0x16] = c[0x17] = 0)))).toBe('license-rejected'); // "unspecified"
    expect(codeOf(patched((c) => (c[2] = 0)))).toBe('bad-rom-length');
    expect(codeOf(patched((c) => (c[2] = 0xff)))).toBe('bad-rom-length');
    expect(codeOf(patched((c) => (c[c.length - 2] ^= 1)))).toBe('bad-checksum');
  });

  it('accepts a bad checksum when only Linux rules apply (Linux never checks it)', () => {
    expect(
      codeOf(
        patched((c) => (c[c.length - 2] ^= 1)),
        { checkChecksum: false },
      ),
    ).toBe('valid');
  });

  it('names the offending value in the message', () => {
    expect(() => validateVmiRom(patched((c) => (c[13] = 2)))).toThrow(
      'API version 2.0 (0x0D/0x0C): Linux requires major 3',
    );
    expect(() => validateVmiRom(patched((c) => c.set([0x4d, 0x49, 0x54, 0], header.licenseOffset)))).toThrow(
      'license "MIT" is not "GPL" or "GPL v2"',
    );
  });

  it('warns, as Linux does, about PCI IDs other than VMware 15AD:0801 but still accepts', () => {
    const copy = patched((c) => (c[header.pciHeaderOffset + 4] = 0x34));
    expect(validateVmiRom(copy, { checkChecksum: false }).warnings[0]).toContain('unknown manufacturer');
  });

  it('never throws anything but VmiSpecError on random bytes or mutated ROMs', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 4096 }),
          fc
            .array(fc.tuple(fc.nat(image.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 16 })
            .map((edits) =>
              patched((c) => {
                for (const [at, value] of edits) c[at] = value;
              }),
            ),
          fc.nat(image.length).map((length) => image.slice(0, length)),
        ),
        (bytes) => {
          for (const check of [() => validateVmiRom(bytes), () => readRelocationTable(bytes)]) {
            try {
              check();
            } catch (error) {
              if (!(error instanceof VmiSpecError)) throw error;
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('readRelocationTable', () => {
  const { image } = buildVmiRom(mixed);
  const header = decodeStruct(ROM_HEADER_LAYOUT, image);
  const tableOffset = image[0x24] | (image[0x25] << 8);

  it('refuses a ROM without the OVRT descriptor, as not decodable without running it', () => {
    const copy = image.slice();
    copy[0x20] = 0;
    expect(() => readRelocationTable(copy)).toThrow(/OVRT/);
  });

  it('refuses a GetRelocationInfo that is not the table-driven body', () => {
    const copy = image.slice();
    const body = 0x88 + 5 + new DataView(copy.buffer).getInt32(0x89, true);
    copy[body + 1] ^= 0xff;
    expect(() => readRelocationTable(copy)).toThrow(/differs from the table-driven form/);
  });

  it('rejects unknown relocation types and targets outside the ROM', () => {
    const badType = image.slice();
    badType[tableOffset + 4] = 9;
    expect(() => readRelocationTable(badType)).toThrow(/has type 9/);
    const badTarget = image.slice();
    const callRel = tableOffset + 8 * 2; // call 2 is CALL_REL
    new DataView(badTarget.buffer).setUint32(callRel, 0x100000, true);
    expect(() => readRelocationTable(badTarget)).toThrow(/outside the ROM/);
    expect(header.pciHeaderOffset).toBeGreaterThan(0);
  });
});

describe('findVmiRom', () => {
  const { image } = buildVmiRom(mixed);

  it('scans 0xC0000-0xDFFFF in 2 KiB steps, skipping other option ROMs, and finds the VMI ROM', () => {
    const window = new Uint8Array(0x20000);
    window.set([0x55, 0xaa, 64], 0); // a VGA BIOS-like ROM at C0000
    window.set(image, 0x9800); // the VMI ROM at C9800
    const result = findVmiRom(window);
    expect(result.found?.address).toBe(0xc9800);
    expect(result.rejected.map((candidate) => [candidate.address, candidate.error.code])).toEqual([
      [0xc0000, 'bad-vmi-signature'],
    ]);
  });

  it('ignores a ROM that is not on a 2 KiB boundary', () => {
    const window = new Uint8Array(0x20000);
    window.set(image, 0x9a00);
    expect(findVmiRom(window).found).toBeUndefined();
  });

  it('lists every call of the table in the builder result', () => {
    expect(buildVmiRom(mixed).relocations.map((relocation) => relocation.callName)).toEqual(
      VMI_CALLS.map((call) => call.name),
    );
  });
});

describe('formatRelocation', () => {
  it('prints number, name, type and target in fixed columns', () => {
    expect(
      formatRelocation({
        callNumber: 33,
        callName: 'IRET',
        type: RelocationType.JumpRel,
        targetOffset: 0x490,
      }),
    ).toBe('33 IRET              jump 0x0490');
    expect(
      formatRelocation({
        callNumber: 73,
        callName: 'SetLazyMode',
        type: RelocationType.Nop,
        targetOffset: 0,
      }),
    ).toBe('73 SetLazyMode       nop  -');
  });
});

describe('builder defaults where the facts say UNVERIFIED', () => {
  it('writes jump_slots 0, virtual_top 0 unless asked, API minor 0 and license "GPL v2"', () => {
    const header = decodeStruct(ROM_HEADER_LAYOUT, buildVmiRom(mixed).image);
    expect([header.jumpSlots, header.virtualTop, header.apiVersionMinor]).toEqual([0, 0, 0]);
    const hole = decodeStruct(ROM_HEADER_LAYOUT, buildVmiRom({ ...mixed, virtualTop: 0xfc000000 }).image);
    expect(hole.virtualTop).toBe(0xfc000000);
    expect(validateVmiRom(buildVmiRom({ ...mixed, license: 'GPL' }).image).license).toBe('GPL');
    expect(() => buildVmiRom({ ...mixed, license: 'BSD' })).toThrow(/license "BSD"/);
  });
});
