/**
 * The ABI's structures (vmi-abi-facts §1.3, §1.4, §1.7, §1.11), with the offsets Linux's
 * headers give under gcc -m32.
 */
import { defineStruct, type StructValue } from './struct-layout.js';

/** `struct vrom_header`, API 3.0: the first 144 bytes of a VMI ROM (packed). */
export const ROM_HEADER_LAYOUT = defineStruct('vrom_header', 144, true, [
  { name: 'romSignature', cName: 'rom_signature', offset: 0x00, type: 'u16' },
  { name: 'romLength', cName: 'rom_length', offset: 0x02, type: 'u8' },
  { name: 'romEntry', cName: 'rom_entry', offset: 0x03, type: { bytes: 4 } },
  { name: 'romPad0', cName: 'rom_pad0', offset: 0x07, type: 'u8' },
  { name: 'vromSignature', cName: 'vrom_signature', offset: 0x08, type: 'u32' },
  { name: 'apiVersionMinor', cName: 'api_version_min', offset: 0x0c, type: 'u8' },
  { name: 'apiVersionMajor', cName: 'api_version_maj', offset: 0x0d, type: 'u8' },
  { name: 'jumpSlots', cName: 'jump_slots', offset: 0x0e, type: 'u8' },
  { name: 'reserved1', cName: 'reserved1', offset: 0x0f, type: 'u8' },
  { name: 'virtualTop', cName: 'virtual_top', offset: 0x10, type: 'u32' },
  { name: 'reserved2', cName: 'reserved2', offset: 0x14, type: 'u16' },
  { name: 'licenseOffset', cName: 'license_offs', offset: 0x16, type: 'u16' },
  { name: 'pciHeaderOffset', cName: 'pci_header_offs', offset: 0x18, type: 'u16' },
  { name: 'pnpHeaderOffset', cName: 'pnp_header_offs', offset: 0x1a, type: 'u16' },
  { name: 'romPad3', cName: 'rom_pad3', offset: 0x1c, type: 'u32' },
  { name: 'reserved', cName: 'reserved', offset: 0x20, type: { bytes: 96 } },
  { name: 'vmiInit', cName: 'vmi_init', offset: 0x80, type: { bytes: 8 } },
  { name: 'getRelocationInfo', cName: 'get_reloc', offset: 0x88, type: { bytes: 8 } },
] as const);

/** A decoded `vrom_header`. */
export type RomHeader = StructValue<typeof ROM_HEADER_LAYOUT>;

/** The PCI data structure as Linux reads it ("PCIR"; packed, 24 bytes). */
export const PCI_HEADER_LAYOUT = defineStruct('pci_header', 24, true, [
  { name: 'signature', cName: 'signature', offset: 0, type: 'u32' },
  { name: 'vendorId', cName: 'vendorID', offset: 4, type: 'u16' },
  { name: 'deviceId', cName: 'deviceID', offset: 6, type: 'u16' },
  { name: 'vpdData', cName: 'vpdData', offset: 8, type: 'u16' },
  { name: 'size', cName: 'size', offset: 10, type: 'u16' },
  { name: 'revision', cName: 'rev', offset: 12, type: 'u8' },
  { name: 'classCode', cName: 'class', offset: 13, type: 'u8' },
  { name: 'subclass', cName: 'subclass', offset: 14, type: 'u8' },
  { name: 'interface', cName: 'interface', offset: 15, type: 'u8' },
  { name: 'chunks', cName: 'chunks', offset: 16, type: 'u16' },
  { name: 'romVersionMinor', cName: 'rom_version_min', offset: 18, type: 'u8' },
  { name: 'romVersionMajor', cName: 'rom_version_maj', offset: 19, type: 'u8' },
  { name: 'codeType', cName: 'codetype', offset: 20, type: 'u8' },
  { name: 'lastRom', cName: 'lastRom', offset: 21, type: 'u8' },
  { name: 'reserved', cName: 'reserved', offset: 22, type: 'u16' },
] as const);

/** A decoded PCI data structure. */
export type PciHeader = StructValue<typeof PCI_HEADER_LAYOUT>;

/** "PCIR" as a little-endian u32. */
export const PCI_DATA_SIGNATURE = 0x52494350;

/**
 * The PnP expansion header as Linux reads it ("$PnP"; packed, 18 bytes). The full PnP BIOS header
 * is 32 bytes; bytes 18–31 (device type, indicators, BCV, DV, BEV, static resources) follow and
 * the builder writes them as zeros so a BIOS boots nothing from the ROM.
 */
export const PNP_HEADER_LAYOUT = defineStruct('pnp_header', 18, true, [
  { name: 'signature', cName: 'signature', offset: 0, type: 'u32' },
  { name: 'revision', cName: 'rev', offset: 4, type: 'u8' },
  { name: 'size', cName: 'size', offset: 5, type: 'u8' },
  { name: 'next', cName: 'next', offset: 6, type: 'u16' },
  { name: 'reserved', cName: 'res', offset: 8, type: 'u16' },
  { name: 'deviceId', cName: 'devID', offset: 10, type: 'u32' },
  { name: 'manufacturerOffset', cName: 'manufacturer_offset', offset: 14, type: 'u16' },
  { name: 'productOffset', cName: 'product_offset', offset: 16, type: 'u16' },
] as const);

/** A decoded PnP header (Linux's view). */
export type PnpHeader = StructValue<typeof PNP_HEADER_LAYOUT>;

/** "$PnP" as a little-endian u32. */
export const PNP_SIGNATURE = 0x506e5024;

/** Size of the full PnP BIOS expansion header the builder writes. */
export const PNP_EXPANSION_HEADER_SIZE = 32;

/**
 * `struct vmi_relocation_info` (8 bytes): what VMI_GetRelocationInfo returns in EDX:EAX. `eip` is
 * the absolute linear address of the implementation (EAX), `type` is DL.
 */
export const RELOCATION_INFO_LAYOUT = defineStruct('vmi_relocation_info', 8, false, [
  { name: 'eip', cName: 'eip', offset: 0, type: 'u32' },
  { name: 'type', cName: 'type', offset: 4, type: 'u8' },
  { name: 'reserved', cName: 'reserved', offset: 5, type: { bytes: 3 } },
] as const);

/** A decoded relocation record. */
export type RelocationInfo = StructValue<typeof RELOCATION_INFO_LAYOUT>;

/** `struct vmi_ap_state` (not packed, 92 bytes; `efer` is 4-byte aligned under the i386 ABI). */
export const AP_STATE_LAYOUT = defineStruct('vmi_ap_state', 92, false, [
  { name: 'cr0', cName: 'cr0', offset: 0, type: 'u32' },
  { name: 'cr2', cName: 'cr2', offset: 4, type: 'u32' },
  { name: 'cr3', cName: 'cr3', offset: 8, type: 'u32' },
  { name: 'cr4', cName: 'cr4', offset: 12, type: 'u32' },
  { name: 'efer', cName: 'efer', offset: 16, type: 'u64' },
  { name: 'eip', cName: 'eip', offset: 24, type: 'u32' },
  { name: 'eflags', cName: 'eflags', offset: 28, type: 'u32' },
  { name: 'eax', cName: 'eax', offset: 32, type: 'u32' },
  { name: 'ebx', cName: 'ebx', offset: 36, type: 'u32' },
  { name: 'ecx', cName: 'ecx', offset: 40, type: 'u32' },
  { name: 'edx', cName: 'edx', offset: 44, type: 'u32' },
  { name: 'esp', cName: 'esp', offset: 48, type: 'u32' },
  { name: 'ebp', cName: 'ebp', offset: 52, type: 'u32' },
  { name: 'esi', cName: 'esi', offset: 56, type: 'u32' },
  { name: 'edi', cName: 'edi', offset: 60, type: 'u32' },
  { name: 'cs', cName: 'cs', offset: 64, type: 'u16' },
  { name: 'ss', cName: 'ss', offset: 66, type: 'u16' },
  { name: 'ds', cName: 'ds', offset: 68, type: 'u16' },
  { name: 'es', cName: 'es', offset: 70, type: 'u16' },
  { name: 'fs', cName: 'fs', offset: 72, type: 'u16' },
  { name: 'gs', cName: 'gs', offset: 74, type: 'u16' },
  { name: 'ldtr', cName: 'ldtr', offset: 76, type: 'u16' },
  { name: 'gdtrLimit', cName: 'gdtr_limit', offset: 78, type: 'u16' },
  { name: 'gdtrBase', cName: 'gdtr_base', offset: 80, type: 'u32' },
  { name: 'idtrBase', cName: 'idtr_base', offset: 84, type: 'u32' },
  { name: 'idtrLimit', cName: 'idtr_limit', offset: 88, type: 'u16' },
] as const);

/** A decoded `vmi_ap_state`. */
export type ApState = StructValue<typeof AP_STATE_LAYOUT>;

/** The 6-byte descriptor-table register image (`VMI_DTR`): u16 limit, u32 base (packed). */
export const DTR_LAYOUT = defineStruct('vmi_dtr', 6, true, [
  { name: 'limit', cName: 'limit', offset: 0, type: 'u16' },
  { name: 'base', cName: 'base', offset: 2, type: 'u32' },
] as const);

/** A decoded DTR. */
export type Dtr = StructValue<typeof DTR_LAYOUT>;

/**
 * A paravirt patch-site record (Linux's `.parainstructions`, 8 bytes; vmi-abi-facts §1.5): where a
 * guest's call site is, which op it is, how long it is and which registers it may clobber. Not
 * part of the ROM ABI; guests that patch their call sites from relocation records use it.
 */
export const PATCH_SITE_LAYOUT = defineStruct('paravirt_patch_site', 8, false, [
  { name: 'instruction', cName: 'instr', offset: 0, type: 'u32' },
  { name: 'type', cName: 'instrtype', offset: 4, type: 'u8' },
  { name: 'length', cName: 'len', offset: 5, type: 'u8' },
  { name: 'clobbers', cName: 'clobbers', offset: 6, type: 'u16' },
] as const);

/** A decoded patch-site record. */
export type PatchSite = StructValue<typeof PATCH_SITE_LAYOUT>;

/** Every layout, in the order the C header declares them. */
export const ALL_LAYOUTS = Object.freeze([
  ROM_HEADER_LAYOUT,
  PCI_HEADER_LAYOUT,
  PNP_HEADER_LAYOUT,
  RELOCATION_INFO_LAYOUT,
  AP_STATE_LAYOUT,
  DTR_LAYOUT,
  PATCH_SITE_LAYOUT,
]);
