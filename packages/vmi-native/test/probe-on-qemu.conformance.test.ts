import { buildVmiRom, fixOptionRomChecksum, formatRelocation, Reg } from '@openvmi/vmi-spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProbe, type Probe, probeToolsAvailable } from '../../vmi-spec/test/probe/probe-harness.js';
import { buildVmiNativeRom, nativeImplementation } from '../src/index.js';

// The probe finds the ROM as Linux does on qemu-system-i386 (SeaBIOS copies it into the
// C0000-DFFFF window during POST), prints what GetRelocationInfo returns for all 74 calls, and
// runs the stubs that are safe with interrupts and paging off against the native instructions.
describe.runIf(probeToolsAvailable())('the VMI probe on qemu-system-i386', () => {
  let probe: Probe;
  beforeAll(() => {
    probe = buildProbe();
  });
  afterAll(() => probe?.dispose());

  it('finds the vmi-native ROM and reads back exactly the relocation table the builder recorded', () => {
    const rom = buildVmiNativeRom();
    const result = probe.run(rom.image);
    expect(result.output).toMatch(/probe: rom at 0x[CD][0-9A-F]{4} length \d+ api 3\.0/);
    expect(result.output).toContain('probe: VMI_Init returned 0x00000000');
    expect(result.relocations).toEqual(rom.relocations.map(formatRelocation));
    expect(result.output).toContain('probe: call 74 type 0');
  });

  it('runs the native stubs with the same effect as the native instructions and their register conventions', () => {
    const result = probe.run(buildVmiNativeRom().image);
    expect(result.checks.filter((line) => line.includes('FAIL'))).toEqual([]);
    expect(result.checks.filter((line) => line.endsWith(' ok'))).toHaveLength(26);
    expect(result.output).toContain('check: OUTB says V');
    expect(result.checks).toContain('IRET to ring 3 ok');
    expect(result.checks).toContain('SYSEXIT to ring 3 ok');
    expect(result.checks).toContain('EnableInterrupts/SetInterruptMask(0x200) ok');
    expect(result.output).toContain('probe: done ok');
    expect(result.status).toBe(1); // isa-debug-exit: (0 << 1) | 1
  });

  it('catches a stub that breaks its convention (DisableInterrupts clobbering ECX)', () => {
    const broken = buildVmiRom({
      manufacturer: 'OpenVMI',
      product: 'broken',
      romVersion: { major: 0, minor: 0 },
      implement: (call) =>
        call.name === 'DisableInterrupts'
          ? { type: 'call', emit: (a) => a.xorRegister(Reg.ecx, Reg.ecx).cli().ret() }
          : nativeImplementation(call),
    });
    const result = probe.run(broken.image);
    expect(result.checks).toContain(
      'DisableInterrupts FAIL ecx preserved got 0x00000000 expected 0x33333333',
    );
    expect(result.status).toBe(3); // isa-debug-exit: (1 << 1) | 1
  });

  it('skips a ROM whose license Linux rejects, as Linux does', () => {
    const image = buildVmiNativeRom().image.slice();
    const licenseOffset = image[0x16] | (image[0x17] << 8);
    image.set([0x4d, 0x49, 0x54, 0], licenseOffset); // "MIT"
    fixOptionRomChecksum(image, image.length - 1);
    const result = probe.run(image);
    expect(result.output).toMatch(/probe: skip 0x[CD][0-9A-F]{4} \(non-GPL license\)/);
    expect(result.output).toContain('probe: no VMI ROM found');
    expect(result.status).toBe(3);
  });
});
