import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VmiSpecError } from './errors.js';
import {
  ALL_LAYOUTS,
  AP_STATE_LAYOUT,
  type ApState,
  DTR_LAYOUT,
  RELOCATION_INFO_LAYOUT,
  ROM_HEADER_LAYOUT,
} from './layouts.js';
import { decodeStruct, encodeStruct, fieldSize } from './struct-layout.js';

describe('ABI layouts', () => {
  it('have the sizes and offsets gcc -m32 gives for Linux headers', () => {
    expect(ALL_LAYOUTS.map((layout) => [layout.cName, layout.size])).toEqual([
      ['vrom_header', 144],
      ['pci_header', 24],
      ['pnp_header', 18],
      ['vmi_relocation_info', 8],
      ['vmi_ap_state', 92],
      ['vmi_dtr', 6],
      ['paravirt_patch_site', 8],
    ]);
    const offset = (name: string) => AP_STATE_LAYOUT.fields.find((field) => field.cName === name)?.offset;
    expect([offset('efer'), offset('eip'), offset('cs'), offset('gdtr_base'), offset('idtr_limit')]).toEqual([
      16, 24, 64, 80, 88,
    ]);
    const header = (name: string) => ROM_HEADER_LAYOUT.fields.find((field) => field.cName === name)?.offset;
    expect([header('virtual_top'), header('license_offs'), header('vmi_init'), header('get_reloc')]).toEqual([
      0x10, 0x16, 0x80, 0x88,
    ]);
  });

  it('cover every byte of the packed structs with no overlap', () => {
    for (const layout of ALL_LAYOUTS.filter((candidate) => candidate.packed)) {
      const covered = layout.fields.reduce((sum, field) => sum + fieldSize(field.type), 0);
      expect(covered, layout.cName).toBe(layout.size);
    }
  });

  it('round-trip a relocation record: EAX = eip at 0, DL = type at 4', () => {
    const bytes = encodeStruct(RELOCATION_INFO_LAYOUT, {
      eip: 0xc0374,
      type: 1,
      reserved: new Uint8Array(3),
    });
    expect([...bytes]).toEqual([0x74, 0x03, 0x0c, 0x00, 0x01, 0, 0, 0]);
    expect(decodeStruct(RELOCATION_INFO_LAYOUT, bytes).eip).toBe(0xc0374);
  });

  it('round-trip any vmi_ap_state, with efer as a 64-bit value at offset 16', () => {
    const u32 = fc.nat({ max: 0xffffffff });
    const u16 = fc.nat({ max: 0xffff });
    const arbitrary = fc.record({
      cr0: u32,
      cr2: u32,
      cr3: u32,
      cr4: u32,
      efer: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }),
      eip: u32,
      eflags: u32,
      eax: u32,
      ebx: u32,
      ecx: u32,
      edx: u32,
      esp: u32,
      ebp: u32,
      esi: u32,
      edi: u32,
      cs: u16,
      ss: u16,
      ds: u16,
      es: u16,
      fs: u16,
      gs: u16,
      ldtr: u16,
      gdtrLimit: u16,
      gdtrBase: u32,
      idtrBase: u32,
      idtrLimit: u16,
    });
    fc.assert(
      fc.property(arbitrary, (state: ApState) => {
        const bytes = encodeStruct(AP_STATE_LAYOUT, state);
        expect(bytes.length).toBe(92);
        expect(decodeStruct(AP_STATE_LAYOUT, bytes)).toEqual(state);
        expect(new DataView(bytes.buffer).getBigUint64(16, true)).toBe(state.efer);
      }),
    );
  });

  it('encode a DTR as u16 limit then u32 base, packed', () => {
    expect([...encodeStruct(DTR_LAYOUT, { limit: 0x00ff, base: 0xc0100000 })]).toEqual([
      0xff, 0, 0, 0, 0x10, 0xc0,
    ]);
  });

  it('reject values that do not fit and structures that do not fit the bytes', () => {
    expect(() => encodeStruct(DTR_LAYOUT, { limit: 0x10000, base: 0 })).toThrow(/does not fit u16/);
    expect(() => encodeStruct(DTR_LAYOUT, { limit: -1, base: 0 })).toThrow(VmiSpecError);
    expect(() => decodeStruct(DTR_LAYOUT, new Uint8Array(5))).toThrow(/does not fit in 5 bytes/);
    expect(() => decodeStruct(DTR_LAYOUT, new Uint8Array(8), 3)).toThrow(VmiSpecError);
  });
});
