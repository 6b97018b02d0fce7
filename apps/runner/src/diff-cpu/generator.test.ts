import { describe, expect, it } from 'vitest';
import { COMPARED_FLAGS, Flag, generateSequence, INSTRUCTION_CLASSES, STATUS_FLAGS } from './generator.js';
import { compareRecords, decodeExtended, programSource, RECORD_BYTES } from './program.js';

describe('generateSequence', () => {
  it('is a pure function of (seed, index)', () => {
    for (let index = 0; index < 50; index++)
      expect(generateSequence(7, index)).toEqual(generateSequence(7, index));
    const first = Array.from({ length: 20 }, (_, index) => generateSequence(1, index).body.join('\n'));
    const second = Array.from({ length: 20 }, (_, index) => generateSequence(2, index).body.join('\n'));
    expect(first).not.toEqual(second);
  });

  it('covers every instruction class within a few thousand sequences', () => {
    const seen = new Set<string>();
    for (let index = 0; index < 3000; index++) seen.add(generateSequence(3, index).instructionClass);
    expect([...seen].sort()).toEqual([...INSTRUCTION_CLASSES].sort());
  });

  it('restricts to the requested classes', () => {
    for (let index = 0; index < 100; index++)
      expect(generateSequence(4, index, ['shift']).instructionClass).toBe('shift');
  });

  it('masks the flags DIV leaves undefined and keeps DF and bit 1 compared', () => {
    for (let index = 0; index < 200; index++) {
      const sequence = generateSequence(5, index, ['divide']);
      const last = sequence.body[sequence.body.length - 1] ?? '';
      if (/^i?div /.test(last)) {
        expect(sequence.flagsMask & STATUS_FLAGS).toBe(0);
        expect(sequence.flagsMask & (Flag.Direction | 0x2)).toBe(Flag.Direction | 0x2);
      }
    }
  });

  it('puts a flag-defining CMP before an instruction that reads flags left undefined', () => {
    for (let index = 0; index < 500; index++) {
      const body = generateSequence(6, index, ['multiply', 'set-move-conditional']).body;
      for (let line = 1; line < body.length; line++) {
        if (/^(set|cmov)/.test(body[line] ?? '') && /^(i?mul) /.test(body[line - 1] ?? '')) {
          throw new Error(`SETcc/CMOVcc directly after MUL reads undefined flags: ${body.join('; ')}`);
        }
      }
    }
  });

  it('never generates BSF/BSR of a zero source', () => {
    for (let index = 0; index < 300; index++) {
      const body = generateSequence(8, index, ['bit-scan']).body;
      for (const line of body) expect(line).not.toMatch(/^mov \w+, 0x0$/);
    }
  });

  it('only compares flags within the compared set', () => {
    for (let index = 0; index < 300; index++)
      expect(generateSequence(9, index).flagsMask & ~COMPARED_FLAGS).toBe(0);
  });
});

describe('programSource and compareRecords', () => {
  it('emits one labelled body per sequence and the dump routine', () => {
    const source = programSource([generateSequence(1, 0), generateSequence(1, 1)]);
    expect(source).toContain('body_0:');
    expect(source).toContain('end_1:');
    expect(source).toContain('dump:');
  });

  it('names the differing fields of two records', () => {
    const expected = new Uint8Array(RECORD_BYTES);
    const actual = new Uint8Array(RECORD_BYTES);
    actual[4] = 1; // eax
    actual[37] = 8; // eflags
    actual[130] = 9; // window+2
    expect(compareRecords(expected, actual).map((difference) => difference.field)).toEqual([
      'eax',
      'eflags',
      'window+2',
    ]);
    expect(compareRecords(expected, expected.slice())).toEqual([]);
  });

  it('decodes 80-bit extended values', () => {
    const one = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f);
    const minusThree = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0x00, 0xc0);
    const infinity = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x7f);
    const nan = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff);
    expect(decodeExtended(one)).toBe(1);
    expect(decodeExtended(minusThree)).toBe(-3);
    expect(decodeExtended(infinity)).toBe(Number.POSITIVE_INFINITY);
    expect(decodeExtended(nan)).toBeNaN();
  });

  it('accepts last-bit differences of x87 registers only within the tolerance', () => {
    const expected = new Uint8Array(RECORD_BYTES);
    expected.set([0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0x3f], 48); // st0 = 1.0
    const close = expected.slice();
    close[48] = 1; // 1 + 2^-63
    const far = expected.slice();
    far[54] = 1; // 1 + 2^-15
    expect(compareRecords(expected, close)).toHaveLength(1);
    expect(compareRecords(expected, close, 2 ** -40)).toEqual([]);
    expect(compareRecords(expected, far, 2 ** -40).map((difference) => difference.field)).toEqual(['st0']);
  });
});
