import { describe, expect, it } from 'vitest';
import { cpuidSignatureRegisters, VMWARE_CPUID_SIGNATURE } from './vmware-identity.js';

describe('cpuidSignatureRegisters', () => {
  it('packs "VMwareVMware" as Linux compares it', () => {
    expect(cpuidSignatureRegisters(VMWARE_CPUID_SIGNATURE)).toEqual({
      ebx: 0x61774d56,
      ecx: 0x4d566572,
      edx: 0x65726177,
    });
  });

  it('packs the Xen signature to the documented register values', () => {
    expect(cpuidSignatureRegisters('XenVMMXenVMM')).toEqual({
      ebx: 0x566e6558,
      ecx: 0x65584d4d,
      edx: 0x4d4d566e,
    });
  });

  it('rejects a signature of the wrong length', () => {
    expect(() => cpuidSignatureRegisters('VMware')).toThrow(RangeError);
  });
});
