import { describe, expect, it } from 'vitest';
import { AuxiliaryKey, buildInitialStack } from './stack.js';

function readString(bytes: Uint8Array, base: number, address: number): string {
  let end = address - base;
  while (bytes[end] !== 0) end++;
  return Buffer.from(bytes.subarray(address - base, end)).toString();
}

describe('buildInitialStack', () => {
  const top = 0x0fffe000;
  const random = Uint8Array.from({ length: 16 }, (_, index) => index + 1);
  const stack = buildInitialStack(top, {
    argv: ['busybox', 'sh', '-c', 'echo hi'],
    environment: ['PATH=/bin', 'HOME=/root'],
    executableFileName: '/bin/busybox',
    randomBytes: random,
    auxiliary: [
      [AuxiliaryKey.PageSize, 4096],
      [AuxiliaryKey.Entry, 0x08049000],
    ],
  });
  const view = new DataView(stack.bytes.buffer);
  const word = (address: number): number => view.getUint32(address - stack.stackPointer, true);

  it('puts argc at a 16-byte aligned stack pointer, then argv, NULL, envp, NULL', () => {
    expect(stack.stackPointer % 16).toBe(0);
    expect(word(stack.stackPointer)).toBe(4);
    expect(stack.argvAddress).toBe(stack.stackPointer + 4);
    const argv = [0, 1, 2, 3].map((index) =>
      readString(stack.bytes, stack.stackPointer, word(stack.argvAddress + index * 4)),
    );
    expect(argv).toEqual(['busybox', 'sh', '-c', 'echo hi']);
    expect(word(stack.argvAddress + 16)).toBe(0);
    expect(stack.environmentAddress).toBe(stack.argvAddress + 20);
    const environment = [0, 1].map((index) =>
      readString(stack.bytes, stack.stackPointer, word(stack.environmentAddress + index * 4)),
    );
    expect(environment).toEqual(['PATH=/bin', 'HOME=/root']);
    expect(word(stack.environmentAddress + 8)).toBe(0);
  });

  it('ends with the auxiliary vector: the given pairs, AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL', () => {
    const pairs: Array<[number, number]> = [];
    for (let at = stack.auxiliaryAddress; ; at += 8) {
      pairs.push([word(at), word(at + 4)]);
      if (word(at) === AuxiliaryKey.Null) break;
    }
    expect(pairs.map(([key]) => key)).toEqual([
      AuxiliaryKey.PageSize,
      AuxiliaryKey.Entry,
      AuxiliaryKey.Random,
      AuxiliaryKey.ExecutableFileName,
      AuxiliaryKey.Platform,
      AuxiliaryKey.Null,
    ]);
    expect(pairs[1]).toEqual([AuxiliaryKey.Entry, 0x08049000]);
    const randomAddress = pairs[2]?.[1] ?? 0;
    expect(
      Array.from(
        stack.bytes.subarray(randomAddress - stack.stackPointer, randomAddress - stack.stackPointer + 16),
      ),
    ).toEqual(Array.from(random));
    expect(readString(stack.bytes, stack.stackPointer, pairs[3]?.[1] ?? 0)).toBe('/bin/busybox');
    expect(readString(stack.bytes, stack.stackPointer, pairs[4]?.[1] ?? 0)).toBe('i686');
  });

  it('keeps every string below the top with a NULL word at the very top', () => {
    expect(stack.stackPointer + stack.bytes.length).toBe(top);
    expect(word(top - 4)).toBe(0);
    expect(readString(stack.bytes, stack.stackPointer, top - 4 - '/bin/busybox'.length - 1)).toBe(
      '/bin/busybox',
    );
  });

  it('refuses arguments larger than the limit instead of writing below the stack', () => {
    expect(() =>
      buildInitialStack(top, {
        argv: ['x'.repeat(200_000)],
        environment: [],
        executableFileName: 'a',
        randomBytes: random,
        auxiliary: [],
      }),
    ).toThrow(RangeError);
  });
});
