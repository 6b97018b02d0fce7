/**
 * The initial process stack, laid out as Linux's `create_elf_tables` builds it for an i386
 * ELF: from the top, the executable's file name, the environment and argument strings, the
 * platform string, 16 AT_RANDOM bytes; then, 16-byte aligned at the final stack pointer,
 * argc, argv[], NULL, envp[], NULL and the auxiliary vector ending with AT_NULL.
 */

/** Auxiliary vector keys (Linux include/uapi/linux/auxvec.h). */
export const AuxiliaryKey = {
  Null: 0,
  ProgramHeaders: 3,
  ProgramHeaderEntrySize: 4,
  ProgramHeaderCount: 5,
  PageSize: 6,
  Base: 7,
  Flags: 8,
  Entry: 9,
  Uid: 11,
  EffectiveUid: 12,
  Gid: 13,
  EffectiveGid: 14,
  Platform: 15,
  HardwareCapabilities: 16,
  ClockTicks: 17,
  Secure: 23,
  Random: 25,
  HardwareCapabilities2: 26,
  ExecutableFileName: 31,
} as const;

/** What goes on the initial stack. */
export interface InitialStackContents {
  argv: readonly string[];
  environment: readonly string[];
  /** The path the program was started as (AT_EXECFN). */
  executableFileName: string;
  /** 16 bytes for AT_RANDOM. */
  randomBytes: Uint8Array;
  /** AT_* pairs besides AT_RANDOM, AT_EXECFN, AT_PLATFORM and AT_NULL, in order. */
  auxiliary: ReadonlyArray<readonly [number, number]>;
}

/** The built stack: bytes to copy to `[stackPointer, top)` and the pointers inside it. */
export interface InitialStack {
  stackPointer: number;
  bytes: Uint8Array;
  argvAddress: number;
  environmentAddress: number;
  auxiliaryAddress: number;
  randomAddress: number;
}

const PLATFORM = 'i686';

/** Lays out the initial stack below `top`; throws RangeError when it exceeds `limit` bytes. */
export function buildInitialStack(
  top: number,
  contents: InitialStackContents,
  limit = 128 * 1024,
): InitialStack {
  const encoder = new TextEncoder();
  const chunks: Array<{ address: number; bytes: Uint8Array }> = [];
  let cursor = top - 4; // Linux leaves a NULL word at the very top
  const pushString = (text: string): number => {
    const bytes = encoder.encode(`${text}\0`);
    cursor -= bytes.length;
    chunks.push({ address: cursor, bytes });
    return cursor;
  };
  const executableFileNameAddress = pushString(contents.executableFileName);
  const environmentStrings = [...contents.environment].reverse().map(pushString).reverse();
  const argumentStrings = [...contents.argv].reverse().map(pushString).reverse();
  const platformAddress = pushString(PLATFORM);
  cursor &= ~15;
  cursor -= 16;
  const randomAddress = cursor;
  chunks.push({ address: randomAddress, bytes: contents.randomBytes.slice(0, 16) });
  const auxiliary: Array<readonly [number, number]> = [
    ...contents.auxiliary,
    [AuxiliaryKey.Random, randomAddress],
    [AuxiliaryKey.ExecutableFileName, executableFileNameAddress],
    [AuxiliaryKey.Platform, platformAddress],
    [AuxiliaryKey.Null, 0],
  ];
  const words = 1 + contents.argv.length + 1 + contents.environment.length + 1 + auxiliary.length * 2;
  const stackPointer = (cursor - words * 4) & ~15;
  if (top - stackPointer > limit) {
    throw new RangeError(
      `arguments and environment need ${top - stackPointer} bytes of stack; the limit is ${limit}`,
    );
  }
  const bytes = new Uint8Array(top - stackPointer);
  const view = new DataView(bytes.buffer);
  for (const chunk of chunks) bytes.set(chunk.bytes, chunk.address - stackPointer);
  let at = 0;
  const word = (value: number): void => {
    view.setUint32(at, value >>> 0, true);
    at += 4;
  };
  word(contents.argv.length);
  const argvAddress = stackPointer + at;
  for (const address of argumentStrings) word(address);
  word(0);
  const environmentAddress = stackPointer + at;
  for (const address of environmentStrings) word(address);
  word(0);
  const auxiliaryAddress = stackPointer + at;
  for (const [key, value] of auxiliary) {
    word(key);
    word(value);
  }
  return { stackPointer, bytes, argvAddress, environmentAddress, auxiliaryAddress, randomAddress };
}
