import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RomScan } from '../src/constants.js';
import { buildVmiRom, type CallImplementation, formatRelocation } from '../src/rom-builder.js';
import { Reg } from '../src/x86-assembler.js';
import { buildProbe, type Probe, probeToolsAvailable } from './probe/probe-harness.js';

// The builder's own check on real hardware semantics (QEMU's CPU and SeaBIOS): a ROM with every
// relocation type, wherever SeaBIOS copies it, answers GetRelocationInfo with the builder's table.
describe.runIf(probeToolsAvailable())('a buildVmiRom ROM on qemu-system-i386', () => {
  let probe: Probe;
  beforeAll(() => {
    probe = buildProbe();
  });
  afterAll(() => probe?.dispose());

  it('is found by the Linux-style scan and returns position-independent targets for all 74 calls', () => {
    const rom = buildVmiRom({
      manufacturer: 'OpenVMI',
      product: 'mixed',
      romVersion: { major: 0, minor: 1 },
      implement: (call): CallImplementation => {
        if (call.nonReturning) return { type: 'jump', emit: (a) => a.iret() };
        if (call.number % 4 === 0) return { type: 'nop' };
        if (call.number % 4 === 1) return { type: 'none' };
        return { type: 'call', emit: (a) => a.xorRegister(Reg.eax, Reg.eax).ret() };
      },
    });
    const result = probe.run(rom.image, { tableOnly: true });
    expect(result.output).toContain('probe: table only');
    expect(result.status).toBe(1);
    const found = /probe: rom at (0x[0-9A-F]+)/.exec(result.output);
    expect(found).not.toBeNull();
    const address = Number(found?.[1]);
    expect(address % RomScan.Step).toBe(0);
    expect(address).toBeGreaterThanOrEqual(RomScan.Start);
    expect(address).toBeLessThan(RomScan.End);
    expect(result.output).toContain('probe: VMI_Init returned 0x00000000');
    expect(result.relocations).toEqual(rom.relocations.map(formatRelocation));
    expect(result.output).toContain('probe: call 74 type 0');
  });
});
