/** Runs vmi-spec's probe on the built `openvmi boot` (test helper; it touches the host). */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  type Probe,
  type ProbeRun,
  parseProbeOutput,
} from '../../../packages/vmi-spec/test/probe/probe-harness.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Boots the probe on openvmi with `backend` (deterministic mode) and parses what it printed. */
export function runProbeOnOpenvmi(probe: Probe, backend: string): ProbeRun {
  const result = spawnSync(
    process.execPath,
    [cli, 'boot', '-kernel', probe.elf, '--backend', backend, '-device', 'isa-debug-exit', '--deterministic'],
    { encoding: 'utf8', timeout: 60_000, input: '' },
  );
  return parseProbeOutput(result.stdout, result.status);
}
