/**
 * Validates a VMI option ROM the way Linux's `probe_vmi_rom`/`check_vmi_rom` do (vmi-abi-facts
 * §1.2), plus the checks a BIOS makes (length and byte checksum). Each rejection is a
 * `VmiSpecError` with a code and a message naming the offset and value. Never reads outside the
 * image and never throws anything else, whatever the bytes.
 */
import { ACCEPTED_LICENSES, RomScan } from './constants.js';
import { hex, VmiSpecError } from './errors.js';
import {
  OPTION_ROM_BLOCK_SIZE,
  OPTION_ROM_SIGNATURE,
  VMI_API_MAJOR,
  VMI_PCI_DEVICE_ID,
  VMI_PCI_VENDOR_ID,
  VMI_SIGNATURE,
} from './identification.js';
import {
  PCI_HEADER_LAYOUT,
  type PciHeader,
  PNP_HEADER_LAYOUT,
  type PnpHeader,
  ROM_HEADER_LAYOUT,
  type RomHeader,
} from './layouts.js';
import { byteSum } from './option-rom-checksum.js';
import { decodeStruct } from './struct-layout.js';

/** What a valid ROM says about itself. */
export interface VmiRomDescription {
  readonly header: RomHeader;
  readonly pciHeader: PciHeader;
  /** Absent when `pnp_header_offs` is 0. */
  readonly pnpHeader: PnpHeader | undefined;
  /** The license string, or "unspecified" when `license_offs` is 0 (which Linux rejects). */
  readonly license: string;
  readonly manufacturer: string | undefined;
  readonly product: string | undefined;
  /** `rom_length` × 512. */
  readonly lengthBytes: number;
  /** True when the 8-bit sum over `lengthBytes` is zero. */
  readonly checksumValid: boolean;
  /** Linux's only warning: the PCI IDs are not VMware's 15AD:0801. */
  readonly warnings: readonly string[];
}

/** Options of `validateVmiRom`. */
export interface ValidateOptions {
  /**
   * Reject a bad byte checksum or length (a BIOS's rules). Linux itself checks neither; default
   * true. With false only Linux's acceptance rules apply.
   */
  readonly checkChecksum?: boolean;
}

/** Reads a NUL-terminated ASCII string at `offset`, bounded by the image and 256 bytes. */
function readString(image: Uint8Array, offset: number, what: string): string {
  if (offset >= image.length) {
    throw new VmiSpecError(
      'offset-out-of-range',
      `${what} offset ${hex(offset)} is outside the ${image.length}-byte image`,
    );
  }
  let text = '';
  for (let index = offset; index < image.length && index < offset + 256; index++) {
    const byte = image[index];
    if (byte === 0) return text;
    text += String.fromCharCode(byte);
  }
  throw new VmiSpecError(
    'offset-out-of-range',
    `${what} at ${hex(offset)} is not NUL-terminated within the image (or 256 bytes)`,
  );
}

function requireStruct(image: Uint8Array, offset: number, size: number, what: string): void {
  if (offset + size > image.length) {
    throw new VmiSpecError(
      'offset-out-of-range',
      `${what} at ${hex(offset)} (${size} bytes) runs past the end of the ${image.length}-byte image`,
    );
  }
}

/**
 * Checks `image` (a ROM starting at byte 0) against Linux's acceptance rules, in Linux's order:
 * 0xAA55, "cVmi", API major 3, a PCI header, the optional PnP header, the license "GPL" or
 * "GPL v2"; then (unless disabled) the length byte and the byte checksum.
 * @throws VmiSpecError with the first rule that fails.
 */
export function validateVmiRom(image: Uint8Array, options: ValidateOptions = {}): VmiRomDescription {
  if (image.length < 2)
    throw new VmiSpecError('truncated', `a ROM needs at least 2 bytes, got ${image.length}`);
  const signature = image[0] | (image[1] << 8);
  if (signature !== OPTION_ROM_SIGNATURE) {
    throw new VmiSpecError(
      'bad-option-rom-signature',
      `bytes 0-1 are ${hex(signature, 4)}, not 0xAA55 (55 AA)`,
    );
  }
  if (image.length < ROM_HEADER_LAYOUT.size) {
    throw new VmiSpecError(
      'truncated',
      `the VMI ROM header needs ${ROM_HEADER_LAYOUT.size} bytes, got ${image.length}`,
    );
  }
  const header = decodeStruct(ROM_HEADER_LAYOUT, image);
  if (header.vromSignature !== VMI_SIGNATURE) {
    throw new VmiSpecError(
      'bad-vmi-signature',
      `vrom_signature at 0x08 is ${hex(header.vromSignature, 8)}, not 0x696D5663 ("cVmi")`,
    );
  }
  if (header.apiVersionMajor !== VMI_API_MAJOR) {
    throw new VmiSpecError(
      'unsupported-api-version',
      `API version ${header.apiVersionMajor}.${header.apiVersionMinor} (0x0D/0x0C): Linux requires major ${VMI_API_MAJOR}`,
    );
  }
  if (header.pciHeaderOffset === 0) {
    throw new VmiSpecError(
      'missing-pci-header',
      'pci_header_offs at 0x18 is 0: the ROM does not contain a PCI header',
    );
  }
  requireStruct(image, header.pciHeaderOffset, PCI_HEADER_LAYOUT.size, 'PCI data structure');
  const pciHeader = decodeStruct(PCI_HEADER_LAYOUT, image, header.pciHeaderOffset);
  const warnings: string[] = [];
  if (pciHeader.vendorId !== VMI_PCI_VENDOR_ID || pciHeader.deviceId !== VMI_PCI_DEVICE_ID) {
    warnings.push(
      `ROM from unknown manufacturer: PCI ID ${hex(pciHeader.vendorId, 4)}:${hex(pciHeader.deviceId, 4)}, not 0x15AD:0x0801`,
    );
  }
  let pnpHeader: PnpHeader | undefined;
  let manufacturer: string | undefined;
  let product: string | undefined;
  if (header.pnpHeaderOffset !== 0) {
    requireStruct(image, header.pnpHeaderOffset, PNP_HEADER_LAYOUT.size, 'PnP header');
    pnpHeader = decodeStruct(PNP_HEADER_LAYOUT, image, header.pnpHeaderOffset);
    if (pnpHeader.manufacturerOffset !== 0)
      manufacturer = readString(image, pnpHeader.manufacturerOffset, 'manufacturer string');
    if (pnpHeader.productOffset !== 0) product = readString(image, pnpHeader.productOffset, 'product string');
  }
  const license =
    header.licenseOffset === 0 ? 'unspecified' : readString(image, header.licenseOffset, 'license string');
  if (!ACCEPTED_LICENSES.includes(license)) {
    throw new VmiSpecError(
      'license-rejected',
      `license ${JSON.stringify(license)} is not "GPL" or "GPL v2": Linux does not use the ROM`,
    );
  }
  const lengthBytes = header.romLength * OPTION_ROM_BLOCK_SIZE;
  const checkChecksum = options.checkChecksum ?? true;
  let checksumValid = false;
  if (lengthBytes > 0 && lengthBytes <= image.length) {
    checksumValid = byteSum(image.subarray(0, lengthBytes)) === 0;
  }
  if (checkChecksum) {
    if (lengthBytes === 0 || lengthBytes > image.length) {
      throw new VmiSpecError(
        'bad-rom-length',
        `rom_length at 0x02 is ${header.romLength} (${lengthBytes} bytes) but the image has ${image.length} bytes`,
      );
    }
    if (!checksumValid) {
      throw new VmiSpecError(
        'bad-checksum',
        `the 8-bit sum of the first ${lengthBytes} bytes is ${hex(byteSum(image.subarray(0, lengthBytes)), 2)}, not 0`,
      );
    }
  }
  return {
    header,
    pciHeader,
    pnpHeader,
    license,
    manufacturer,
    product,
    lengthBytes,
    checksumValid,
    warnings,
  };
}

/** One candidate the scan looked at. */
export interface RomScanCandidate {
  /** Physical address of the 2 KiB slot. */
  readonly address: number;
  /** Why it was not taken (only slots starting with 55 AA are listed). */
  readonly error: VmiSpecError;
}

/** The result of scanning the option-ROM window. */
export interface RomScanResult {
  /** The first slot Linux would accept, if any. */
  readonly found: { readonly address: number; readonly description: VmiRomDescription } | undefined;
  /** Slots with an option-ROM signature that Linux would skip, with the reason. */
  readonly rejected: readonly RomScanCandidate[];
}

/**
 * Scans physical memory as Linux does: 0xC0000 up to 0xE0000 in 2 KiB steps, taking the first
 * slot that passes Linux's rules (no checksum check). `window` holds the bytes of physical
 * memory starting at `windowBase`; slots outside it are skipped.
 */
export function findVmiRom(window: Uint8Array, windowBase: number = RomScan.Start): RomScanResult {
  const rejected: RomScanCandidate[] = [];
  for (let address = RomScan.Start; address < RomScan.End; address += RomScan.Step) {
    const start = address - windowBase;
    if (start < 0 || start + 2 > window.length) continue;
    const slot = window.subarray(start, Math.min(window.length, RomScan.End - windowBase));
    if ((slot[0] | (slot[1] << 8)) !== OPTION_ROM_SIGNATURE) continue;
    try {
      return { found: { address, description: validateVmiRom(slot, { checkChecksum: false }) }, rejected };
    } catch (error) {
      if (!(error instanceof VmiSpecError)) throw error;
      rejected.push({ address, error });
    }
  }
  return { found: undefined, rejected };
}
