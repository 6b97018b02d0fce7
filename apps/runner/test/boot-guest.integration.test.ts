import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBenchLines } from '@openvmi/guest';
import { describe, expect, it } from 'vitest';
import type { BackendName } from '../src/machine/machine-config.js';
import { createMachine, type MachineStop } from '../src/machine/pc-machine.js';

const guestImage = new Uint8Array(
  readFileSync(fileURLToPath(new URL('../../../packages/guest/dist/images/guest.elf', import.meta.url))),
);

/** Boots the guest deterministically on `backend` and returns its console and how it stopped. */
function bootGuest(backend: BackendName, commandLine: string) {
  const bytes: number[] = [];
  const machine = createMachine({
    memoryMiB: 64,
    kernel: guestImage,
    commandLine,
    backend,
    deterministic: true,
    maxInstructions: 400_000_000,
    noReboot: true,
    isaDebugExit: true,
    serialOutput: (byte) => bytes.push(byte),
  });
  let stop: MachineStop | undefined;
  while (stop === undefined) stop = machine.runSlice(5_000_000);
  return {
    console: Buffer.from(bytes).toString('latin1'),
    stop,
    instructions: machine.statistics().instructions,
  };
}

const quick = 'bench.iterations=40';

describe('openvmi boot: the bundled guest kernel on our PC', () => {
  for (const backend of ['none', 'vmi-native'] as const) {
    it(`passes its self-tests and completes the suite on --backend ${backend}`, () => {
      const run = bootGuest(backend, quick);
      expect(run.stop).toEqual({ kind: 'debug-exit', status: 1 }); // init exited 0
      expect(run.console).toMatch(/SELFTEST DONE passed=\d+ failed=0/);
      expect(run.console).not.toMatch(/SELFTEST FAIL/);
      expect(run.console).toContain('BENCH DONE count=24');
      expect(parseBenchLines(run.console)).toHaveLength(24);
      if (backend === 'none') expect(run.console).toMatch(/VMI: no ROM found; running native/);
      else {
        expect(run.console).toMatch(/VMI: found ROM at c0000: .*API 3\.0.*license GPL v2/);
        expect(run.console).toMatch(/VMI: patched \d+ of \d+ call sites/);
      }
    });
  }

  it('is deterministic: two runs give the same console and instruction count', () => {
    const options = 'guest.run=selftest';
    const first = bootGuest('vmi-native', options);
    const second = bootGuest('vmi-native', options);
    expect(first.console).toContain('SELFTEST DONE');
    expect(second.console).toBe(first.console);
    expect(second.instructions).toBe(first.instructions);
  });
});
