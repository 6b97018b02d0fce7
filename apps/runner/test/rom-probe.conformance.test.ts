import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProbe, probeToolsAvailable } from '../../../packages/vmi-spec/test/probe/probe-harness.js';
import { runProbeOnOpenvmi } from './rom-probe-openvmi.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const directory = mkdtempSync(join(tmpdir(), 'openvmi-rom-probe-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

// "Done when": `openvmi rom --backend vmi-native -o r.rom && openvmi rom --inspect r.rom` shows
// the table, and the probe prints the same table on qemu-system-i386 (`-option-rom r.rom`) and
// on `openvmi boot --backend vmi-native`.
describe.runIf(probeToolsAvailable())('openvmi rom against the probe on qemu-system-i386', () => {
  it('prints the same relocation table from --inspect as the probe reads from the running ROM', () => {
    const rom = join(directory, 'r.rom');
    expect(spawnSync(process.execPath, [cli, 'rom', '--backend', 'vmi-native', '-o', rom]).status).toBe(0);
    const inspected = spawnSync(process.execPath, [cli, 'rom', '--inspect', rom], { encoding: 'utf8' });
    const table = inspected.stdout
      .split('\n')
      .filter((line) => /^ {2}[ \d]\d [A-Za-z]/.test(line))
      .map((line) => line.slice(2));
    expect(table).toHaveLength(74);
    const probe = buildProbe();
    try {
      const onQemu = probe.run(new Uint8Array(readFileSync(rom)));
      expect(onQemu.relocations).toEqual(table);
      expect(onQemu.status).toBe(1);
      // ...and openvmi's own PC prints the same table and the same checks.
      const onOpenvmi = runProbeOnOpenvmi(probe, 'vmi-native');
      expect(onOpenvmi.relocations).toEqual(onQemu.relocations);
      expect(onOpenvmi.checks).toEqual(onQemu.checks);
    } finally {
      probe.dispose();
    }
  });
});
