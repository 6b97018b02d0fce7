/**
 * The one error type of vmi-spec. Every rejection (an unknown call number, a ROM image that
 * Linux would not accept, a layout that does not fit) is a `VmiSpecError` with a machine-readable
 * `code` and a message naming the offset and the value that failed.
 */

/** Why vmi-spec rejected an input. */
export type VmiSpecErrorCode =
  /** A call number outside 0–73, or a name that is not in the call table. */
  | 'unknown-call'
  /** An image shorter than the structure being read from it. */
  | 'truncated'
  /** Bytes 0–1 are not 0x55 0xAA. */
  | 'bad-option-rom-signature'
  /** `vrom_signature` is not "cVmi". */
  | 'bad-vmi-signature'
  /** `api_version_maj` is not 3. */
  | 'unsupported-api-version'
  /** `pci_header_offs` is 0. */
  | 'missing-pci-header'
  /** An offset in the header points outside the image, or a string is not NUL-terminated in it. */
  | 'offset-out-of-range'
  /** The license string is not exactly "GPL" or "GPL v2". */
  | 'license-rejected'
  /** `rom_length` × 512 is 0 or larger than the image. */
  | 'bad-rom-length'
  /** The 8-bit sum over `rom_length` × 512 bytes is not zero. */
  | 'bad-checksum'
  /** A relocation record with an unknown type, non-zero reserved bytes or a target outside the ROM. */
  | 'bad-relocation'
  /** The ROM's GetRelocationInfo is not code this package can read without running it. */
  | 'relocation-table-not-decodable'
  /** A value that does not fit the field it is written to, or an invalid builder request. */
  | 'invalid-value';

/** An input vmi-spec refuses, with the reason as a code and as precise text. */
export class VmiSpecError extends Error {
  /** The machine-readable reason. */
  readonly code: VmiSpecErrorCode;

  constructor(code: VmiSpecErrorCode, message: string) {
    super(message);
    this.name = 'VmiSpecError';
    this.code = code;
  }
}

/** Formats `value` as 0x-prefixed hexadecimal, padded to `digits`. */
export function hex(value: number, digits = 0): string {
  return `0x${(value >>> 0).toString(16).toUpperCase().padStart(digits, '0')}`;
}
