import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Hypercall, hypercallName } from './hypercall-numbers.js';

describe('hypercallName', () => {
  it('names the numbers Linux 2.6.23 uses', () => {
    expect(hypercallName(1)).toBe('MmuUpdate');
    expect(hypercallName(23)).toBe('Iret');
    expect(hypercallName(29)).toBe('SchedOp');
    expect(hypercallName(Hypercall.EventChannelOp)).toBe('EventChannelOp');
  });

  it('has no name for the hole at 11', () => {
    expect(hypercallName(11)).toBeUndefined();
  });

  it('accepts any guest value without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double()), (value) => {
        const name = hypercallName(value);
        if (name !== undefined) expect(Hypercall[name] === value).toBe(true); // -0 names hypercall 0 too
      }),
    );
  });
});
