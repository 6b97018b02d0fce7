/** Identification constants of a VMI option ROM (vmi-abi-facts §1.1). */

/** The 16-bit option-ROM signature at offset 0 (bytes 0x55 0xAA). */
export const OPTION_ROM_SIGNATURE = 0xaa55;

/** `vrom_signature` at offset 8: the bytes "cVmi" read as a little-endian 32-bit value. */
export const VMI_SIGNATURE = 0x696d5663;

/** The API major version Linux requires (any minor version is accepted). */
export const VMI_API_MAJOR = 3;

/** PCI vendor ID a VMI ROM's PCI data structure carries (VMware). */
export const VMI_PCI_VENDOR_ID = 0x15ad;

/** PCI device ID a VMI ROM's PCI data structure carries (VMware VMI). */
export const VMI_PCI_DEVICE_ID = 0x0801;

/** Size of one option-ROM length unit (`rom_length` counts these). */
export const OPTION_ROM_BLOCK_SIZE = 512;
