import { describe, expect, it } from 'vitest';
import { widthMask } from './bus-interfaces.js';

describe('widthMask', () => {
  it('covers exactly the bytes of each access width', () => {
    expect(widthMask(1)).toBe(0xff);
    expect(widthMask(2)).toBe(0xffff);
    expect(widthMask(4)).toBe(0xffffffff);
  });
});
