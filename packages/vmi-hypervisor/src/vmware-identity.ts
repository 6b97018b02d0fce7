/** How an unmodified Linux recognises VMware (vmi-abi-facts §3.1–3.2). */

/** CPUID leaf holding the hypervisor signature and the maximum hypervisor leaf. */
export const HYPERVISOR_CPUID_LEAF = 0x40000000;

/** The 12-byte signature returned in EBX, ECX, EDX of the hypervisor leaf. */
export const VMWARE_CPUID_SIGNATURE = 'VMwareVMware';

/** Backdoor magic ("VMXh") expected in EAX. */
export const VMWARE_BACKDOOR_MAGIC = 0x564d5868;

/** Low-bandwidth backdoor I/O port ("VX"). */
export const VMWARE_BACKDOOR_PORT = 0x5658;

/** High-bandwidth backdoor I/O port. */
export const VMWARE_BACKDOOR_HIGH_BANDWIDTH_PORT = 0x5659;

/** Backdoor commands Linux 6.1 uses (ECX & 0xFFFF). */
export const VmwareBackdoorCommand = {
  GetVersion: 10,
  GetHz: 45,
  GetVcpuInfo: 68,
} as const;

/**
 * Packs a 12-character ASCII signature into the three little-endian registers CPUID returns it
 * in (EBX, ECX, EDX order).
 * @throws RangeError when the signature is not 12 ASCII characters.
 */
export function cpuidSignatureRegisters(signature: string): { ebx: number; ecx: number; edx: number } {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL padding is part of some signatures
  if (signature.length !== 12 || !/^[\x00-\x7f]*$/.test(signature)) {
    throw new RangeError(`a CPUID signature is 12 ASCII characters, got ${JSON.stringify(signature)}`);
  }
  const word = (start: number) =>
    (signature.charCodeAt(start) |
      (signature.charCodeAt(start + 1) << 8) |
      (signature.charCodeAt(start + 2) << 16) |
      (signature.charCodeAt(start + 3) << 24)) >>>
    0;
  return { ebx: word(0), ecx: word(4), edx: word(8) };
}
