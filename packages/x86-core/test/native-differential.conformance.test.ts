import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram, compareResults, generateCase, Random, runInEmulator } from './native-differential.js';

const seed = Number(process.env.X86_DIFF_SEED ?? 1);
const count = Number(process.env.X86_DIFF_COUNT ?? 5000);

/** Runs the ELF on the host CPU (IA-32 compatibility) or, when that is not possible, under qemu-i386. */
function runReference(path: string): Uint8Array | null {
  for (const command of [[path], ['qemu-i386', path]]) {
    try {
      return new Uint8Array(execFileSync(command[0], command.slice(1), { maxBuffer: 1 << 26 }));
    } catch {
      // try the next reference
    }
  }
  return null;
}

describe('integer ISA against the host CPU', () => {
  it(`matches registers and defined flags on ${count} random one-instruction cases (seed ${seed})`, () => {
    const random = new Random(seed);
    const cases = Array.from({ length: count }, () => generateCase(random));
    const { image } = buildProgram(cases);
    const directory = join(tmpdir(), 'openvmi-x86-core');
    mkdirSync(directory, { recursive: true });
    const path = join(directory, `differential-${seed}-${count}-${process.pid}.elf`);
    writeFileSync(path, image);
    chmodSync(path, 0o755);
    const reference = runReference(path);
    expect(reference, 'no way to run an i386 ELF (host IA-32 support or qemu-i386)').not.toBeNull();
    const mismatches = compareResults(cases, reference as Uint8Array, runInEmulator(image));
    if (mismatches.length > 0) console.log(mismatches.slice(0, 50).join('\n'));
    expect(mismatches).toEqual([]);
  });
});
