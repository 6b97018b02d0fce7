import { spawnSync } from 'node:child_process';
import { buildVmiNativeRom } from '@openvmi/vmi-native';
import { formatRelocation } from '@openvmi/vmi-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbe, type Probe } from '../../../packages/vmi-spec/test/probe/probe-harness.js';
import { runProbeOnOpenvmi } from './rom-probe-openvmi.js';

const hasCompiler = ['gcc', 'ld'].every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);

// The probe (vmi-spec/test/probe) on openvmi's own PC: `openvmi boot --backend vmi-native` maps
// the ROM, the probe finds it as Linux does and reads every relocation record back.
describe.runIf(hasCompiler)('the VMI probe on openvmi boot', () => {
  let probe: Probe;
  beforeAll(() => {
    probe = buildProbe();
  });
  afterAll(() => probe?.dispose());

  it('reads the vmi-native relocation table the builder recorded and passes every stub check', () => {
    const result = runProbeOnOpenvmi(probe, 'vmi-native');
    expect(result.output).toContain('probe: VMI_Init returned 0x00000000');
    expect(result.relocations).toEqual(buildVmiNativeRom().relocations.map(formatRelocation));
    expect(result.checks.filter((line) => line.includes('FAIL'))).toEqual([]);
    expect(result.checks.filter((line) => line.endsWith(' ok'))).toHaveLength(26);
    expect(result.status).toBe(1); // isa-debug-exit (0 << 1) | 1
  });

  it('finds no ROM with --backend none', () => {
    const result = runProbeOnOpenvmi(probe, 'none');
    expect(result.output).toContain('probe: no VMI ROM found');
    expect(result.relocations).toEqual([]);
    expect(result.status).toBe(3);
  });
});
