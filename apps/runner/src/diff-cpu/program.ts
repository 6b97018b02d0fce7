/**
 * Packs generated sequences into one static i386 Linux program (GNU assembler source), and
 * reads back the records the program writes.
 *
 * Each sequence: FNINIT, copy its 256-byte initial memory image over the window, set ESP,
 * EFLAGS and the seven other registers, run the body, then call `dump`, which writes one
 * {@link RECORD_BYTES}-byte record to stdout with write(2):
 *
 * | offset | contents |
 * |---|---|
 * | 0 | sequence index |
 * | 4..32 | EAX ECX EDX EBX ESP EBP ESI EDI |
 * | 36 | EFLAGS & the sequence's flag mask |
 * | 40 | x87 status word & the sequence's mask (0 for integer sequences) |
 * | 44 | x87 control word without its reserved bits (& 0x0f3f: QEMU keeps bit 6 as written) |
 * | 48..128 | ST0..ST7 as 80-bit values, popped with FSTP; empty registers (FXAM) and integer sequences: zero |
 * | 128..384 | the 64-byte window and the first 192 bytes of the stack area |
 */

import type { GeneratedSequence } from './generator.js';
import { SeededRandom } from './random.js';

/** Size of one record in the program's output. */
export const RECORD_BYTES = 384;

/** Names of the record's fields, by 4-byte word offset, for mismatch reports. */
export const RECORD_FIELDS: ReadonlyArray<readonly [number, string]> = [
  [0, 'index'],
  [4, 'eax'],
  [8, 'ecx'],
  [12, 'edx'],
  [16, 'ebx'],
  [20, 'esp'],
  [24, 'ebp'],
  [28, 'esi'],
  [32, 'edi'],
  [36, 'eflags'],
  [40, 'fpu-status'],
  [44, 'fpu-control'],
];

/** Describes the field at byte `offset` of a record. */
export function recordFieldName(offset: number): string {
  if (offset < 48) {
    const field = RECORD_FIELDS.find(([start]) => offset >= start && offset < start + 4);
    return field?.[1] ?? `byte ${offset}`;
  }
  if (offset < 128) return `st${Math.floor((offset - 48) / 10)}`;
  if (offset < 192) return `window+${offset - 128}`;
  return `stack_area+${offset - 192}`;
}

function bytesDirective(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (let start = 0; start < bytes.length; start += 32) {
    parts.push(`  .byte ${Array.from(bytes.subarray(start, start + 32)).join(',')}`);
  }
  return parts.join('\n');
}

/** The constant pools x87 sequences load from; fixed, so every program has the same ones. */
function constantPools(): string {
  const random = new SeededRandom(0x5eed, 0xf10a7);
  const doubles = [
    0,
    -0,
    1,
    -1,
    0.5,
    3,
    10,
    1 / 3,
    Math.PI,
    -2.5,
    1e300,
    -1e-300,
    5e-324,
    2.2250738585072014e-308,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    2 ** 63,
    -(2 ** 63),
    2 ** 31,
    0.1,
    123456789.125,
    -0.75,
    65535.5,
    1e-10,
    7,
  ];
  while (doubles.length < 32) doubles.push((random.nextUint32() / 0x10000) * (random.chance(0.5) ? 1 : -1));
  const doubleBytes = new Uint8Array(new Float64Array(doubles).buffer);
  const floatBytes = new Uint8Array(
    new Float32Array(doubles.map((value, index) => (index % 3 === 0 ? value : value * 1.5))).buffer,
  );
  const extended = new Uint8Array(16 * 10);
  const view = new DataView(extended.buffer);
  const specials: Array<[number, bigint]> = [
    [0x3fff, 0x8000000000000000n], // 1.0
    [0xbfff, 0xc000000000000000n], // -1.5
    [0x7ffe, 0xffffffffffffffffn], // largest finite
    [0x0000, 0x0000000000000001n], // smallest denormal
    [0x0001, 0x8000000000000000n], // smallest normal
    [0x7fff, 0x8000000000000000n], // +infinity
    [0x7fff, 0xc000000000000000n], // quiet NaN
    [0x4000, 0xc90fdaa22168c235n], // pi rounded the other way
  ];
  for (let slot = 0; slot < 16; slot++) {
    const special = specials[slot];
    const exponent = special
      ? special[0]
      : 0x3fff + random.between(-40, 40) + (random.chance(0.5) ? 0x8000 : 0);
    const significand = special
      ? special[1]
      : (BigInt(random.nextUint32()) << 32n) | BigInt(random.nextUint32()) | (1n << 63n);
    view.setBigUint64(slot * 10, significand, true);
    view.setUint16(slot * 10 + 8, exponent, true);
  }
  const smallValues = [
    0,
    -0,
    0.25,
    -0.25,
    0.125,
    1e-10,
    -1e-10,
    0.2,
    -0.2,
    0.28,
    -0.28,
    1 / 7,
    -1 / 9,
    2 ** -30,
    0.05,
    -0.001,
  ];
  const smallBytes = new Uint8Array(new Float64Array(smallValues).buffer);
  const xlat = new Uint8Array(256);
  for (let index = 0; index < 256; index++) xlat[index] = random.below(256);
  return [
    '  .balign 16',
    'double_table:',
    bytesDirective(doubleBytes),
    'float_table:',
    bytesDirective(floatBytes.subarray(0, 128)),
    'extended_table:',
    bytesDirective(extended),
    'small_table:',
    bytesDirective(smallBytes),
    'xlat_table:',
    bytesDirective(xlat),
  ].join('\n');
}

const DUMP_ROUTINE = `
# dump: [esp+4] index, [esp+8] x87 status mask, [esp+12] EFLAGS mask, [esp+16] EFLAGS
dump:
  mov dword ptr [record+4], eax
  mov dword ptr [record+8], ecx
  mov dword ptr [record+12], edx
  mov dword ptr [record+16], ebx
  mov eax, dword ptr [saved_esp]
  mov dword ptr [record+20], eax
  mov dword ptr [record+24], ebp
  mov dword ptr [record+28], esi
  mov dword ptr [record+32], edi
  mov eax, dword ptr [esp+4]
  mov dword ptr [record], eax
  mov eax, dword ptr [esp+16]
  and eax, dword ptr [esp+12]
  mov dword ptr [record+36], eax
  cld
  xor eax, eax
  mov edi, offset record+40
  mov ecx, 22
  rep stosd
  cmp dword ptr [esp+8], 0
  je 1f
  fnstsw ax
  and eax, dword ptr [esp+8]
  mov dword ptr [record+40], eax
  fnstcw word ptr [record+44]
  and word ptr [record+44], 0x0f3f
  mov edi, offset record+48
2:
  fxam
  fnstsw ax
  and ax, 0x4500
  cmp ax, 0x4100
  je 3f
  fstp tbyte ptr [edi]
  jmp 4f
3:
  fincstp
4:
  add edi, 10
  cmp edi, offset record+128
  jb 2b
1:
  mov esi, offset win
  mov edi, offset record+128
  mov ecx, 64
  rep movsd
  mov eax, 4
  mov ebx, 1
  mov ecx, offset record
  mov edx, ${RECORD_BYTES}
  int 0x80
  ret 16
`;

/** GNU assembler source (Intel syntax) of a program that runs `sequences` in order. */
export function programSource(sequences: readonly GeneratedSequence[]): string {
  const text: string[] = ['  .intel_syntax noprefix', '  .text', '  .globl _start', '_start:'];
  const data: string[] = ['  .section .rodata', constantPools()];
  for (const sequence of sequences) {
    text.push(`seq_${sequence.index}:`);
    text.push('  fninit');
    text.push(`  mov esi, offset init_${sequence.index}`);
    text.push('  mov edi, offset win');
    text.push('  mov ecx, 64');
    text.push('  cld');
    text.push('  rep movsd');
    text.push('  mov esp, offset stack_area+128');
    text.push(`  push 0x${(sequence.initialFlags | 0x2).toString(16)}`);
    text.push('  popfd');
    for (const line of sequence.registerSetup) text.push(`  ${line}`);
    text.push(`body_${sequence.index}:`);
    for (const line of sequence.body) text.push(`  ${line}`);
    text.push(`end_${sequence.index}:`);
    text.push('  mov dword ptr [saved_esp], esp');
    text.push('  mov esp, offset dump_stack+256');
    text.push('  pushfd');
    text.push(`  push 0x${sequence.flagsMask.toString(16)}`);
    text.push(`  push 0x${sequence.fpuStatusMask.toString(16)}`);
    text.push(`  push ${sequence.index}`);
    text.push('  call dump');
    data.push(`init_${sequence.index}:`);
    data.push(bytesDirective(sequence.memory));
  }
  text.push('  mov eax, 1', '  xor ebx, ebx', '  int 0x80');
  text.push(DUMP_ROUTINE);
  const bss = [
    '  .bss',
    '  .balign 64',
    'guard_before: .space 256',
    'win: .space 64',
    'stack_area: .space 256',
    'guard_after: .space 256',
    'record: .space 512',
    'dump_stack: .space 256',
    'saved_esp: .space 4',
    'fpu_control: .space 4',
  ];
  return `${[...text, ...data, ...bss].join('\n')}\n`;
}

/** One differing field between the reference's and our record of a sequence. */
export interface FieldDifference {
  field: string;
  expected: string;
  actual: string;
}

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** Decodes an 80-bit extended value to the nearest double (NaN for NaNs, ±Infinity). */
export function decodeExtended(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 10);
  const significand = view.getBigUint64(0, true);
  const signAndExponent = view.getUint16(8, true);
  const sign = signAndExponent & 0x8000 ? -1 : 1;
  const exponent = signAndExponent & 0x7fff;
  if (exponent === 0x7fff)
    return (significand & 0x7fffffffffffffffn) === 0n ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * Number(significand) * 2 ** (Math.max(exponent, 1) - 16383 - 63);
}

function withinTolerance(expected: Uint8Array, actual: Uint8Array, tolerance: number): boolean {
  const left = decodeExtended(expected);
  const right = decodeExtended(actual);
  if (Number.isNaN(left) || Number.isNaN(right)) return Number.isNaN(left) && Number.isNaN(right);
  if (left === right) return true;
  return Math.abs(left - right) <= tolerance * Math.max(Math.abs(left), Math.abs(right), 2 ** -60);
}

/**
 * Lists the fields in which two records differ (empty when they are equal). With a non-zero
 * `tolerance`, ST0..ST7 only differ when their values are further apart than that, relatively.
 */
export function compareRecords(expected: Uint8Array, actual: Uint8Array, tolerance = 0): FieldDifference[] {
  const differences: FieldDifference[] = [];
  const seen = new Set<string>();
  for (let offset = 0; offset < RECORD_BYTES; offset++) {
    if (expected[offset] === actual[offset]) continue;
    const field = recordFieldName(offset);
    if (seen.has(field)) continue;
    if (tolerance > 0 && offset >= 48 && offset < 128) {
      const start = 48 + Math.floor((offset - 48) / 10) * 10;
      if (
        withinTolerance(expected.subarray(start, start + 10), actual.subarray(start, start + 10), tolerance)
      ) {
        seen.add(field);
        continue;
      }
    }
    seen.add(field);
    const [start, length] = fieldExtent(offset);
    differences.push({
      field,
      expected: hexBytes(expected.subarray(start, start + length)),
      actual: hexBytes(actual.subarray(start, start + length)),
    });
  }
  return differences;
}

function fieldExtent(offset: number): [number, number] {
  if (offset < 48) return [offset & ~3, 4];
  if (offset < 128) return [48 + Math.floor((offset - 48) / 10) * 10, 10];
  return [offset, 1];
}
