import { describe, expect, it } from 'vitest';
import { set1ToSet2 } from './scan-codes.js';

describe('set1ToSet2', () => {
  it('maps the keys of the IBM tables (Esc, A, Enter, F7, F12, KP-, non-US backslash)', () => {
    expect([0x01, 0x1e, 0x1c, 0x41, 0x58, 0x4a, 0x56].map((code) => set1ToSet2(code)[0])).toEqual([
      0x76, 0x1c, 0x5a, 0x83, 0x07, 0x7b, 0x61,
    ]);
  });

  it('turns breaks into 0xF0 + make and passes prefixes through', () => {
    expect(set1ToSet2(0x9c)).toEqual([0xf0, 0x5a]);
    expect(set1ToSet2(0xe0)).toEqual([0xe0]);
    expect(set1ToSet2(0xe1)).toEqual([0xe1]);
  });

  it('maps Pause (E1 1D 45 E1 9D C5) to E1 14 77 E1 F0 14 F0 77', () => {
    expect([0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5].flatMap((code) => set1ToSet2(code))).toEqual([
      0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77,
    ]);
  });

  it('maps every set-2 code back to one set-1 key (no two keys collide)', () => {
    const seen = new Map<number, number>();
    for (let code = 1; code < 0x5e; code++) {
      const [make] = set1ToSet2(code);
      if (make === undefined) continue;
      expect(seen.has(make)).toBe(false);
      seen.set(make, code);
    }
    expect(seen.size).toBe(0x5d - 3); // 0x55, 0x59 and 0x5A have no key
  });

  it('drops bytes with no key', () => {
    expect(set1ToSet2(0x55)).toEqual([]);
    expect(set1ToSet2(0x7f)).toEqual([]);
  });
});
