/**
 * Debian's busybox-static (i386) under `openvmi user` against qemu-i386: every invocation of
 * busybox-cases.ts must give byte-identical stdout and the same exit status. The binary comes
 * from `bash scripts/busybox.sh` (apt-get download, cached in .cache/busybox), run here in
 * beforeAll. Each invocation also runs with block translation off, which must retire exactly the
 * same instructions with the same output.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES, createInputs, runOpenvmi, runQemu } from './busybox-cases.js';

const root = path.resolve(import.meta.dirname, '../../..');
let busybox = '';
let directory = '';

beforeAll(() => {
  busybox =
    execFileSync('bash', [path.join(root, 'scripts/busybox.sh')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop() ?? '';
  directory = fs.mkdtempSync(path.join(os.tmpdir(), 'openvmi-busybox-'));
  createInputs(directory, busybox);
});

afterAll(() => {
  if (directory !== '') fs.rmSync(directory, { recursive: true, force: true });
});

describe('busybox-static under openvmi user matches qemu-i386', () => {
  it('has at least 40 invocations', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
  });

  it('prints 42 for sh -c "echo $((6*7))"', () => {
    const outcome = runOpenvmi(busybox, directory, { name: '42', argv: ['sh', '-c', 'echo $((6*7))'] });
    expect(outcome.stdout.toString()).toBe('42\n');
    expect(outcome.status).toBe(0);
  });

  for (const testCase of CASES) {
    it(testCase.name, () => {
      const reference = runQemu(busybox, directory, testCase);
      const ours = runOpenvmi(busybox, directory, testCase);
      expect(ours.stdout.toString('latin1'), ours.diagnostics).toBe(reference.stdout.toString('latin1'));
      expect(ours.status, ours.diagnostics).toBe(reference.status);
      // Block translation changes nothing: the interpreter alone retires the same instructions.
      const interpreted = runOpenvmi(busybox, directory, testCase, false);
      expect(interpreted.stdout.toString('latin1')).toBe(ours.stdout.toString('latin1'));
      expect(interpreted.status).toBe(ours.status);
      expect(interpreted.instructions).toBe(ours.instructions);
    });
  }
});
