import { describe, expect, it } from 'vitest';
import { PostPort } from './post-port.js';

describe('PostPort', () => {
  it('reads back the last byte written', () => {
    const port = new PostPort();
    port.write(0, 1, 0x1234);
    expect(port.read(0, 1)).toBe(0x34);
  });

  it('reads all-ones at an offset it does not decode', () => {
    expect(new PostPort().read(1, 1)).toBe(0xff);
  });

  it('round-trips its state', () => {
    const port = new PostPort();
    port.write(0, 1, 0xaa);
    expect(PostPort.fromState(port.getState()).getState()).toEqual(port.getState());
  });
});
