/**
 * The view of guest RAM a loader writes into: guest-physical address 0 is `bytes[0]`. Loaders
 * never write outside it; every placement is bounds-checked first.
 */
export interface GuestRam {
  readonly bytes: Uint8Array;
}

/** A loader's error: the image or the request is wrong, and the message says what. */
export class LoaderError extends Error {
  override name = 'LoaderError';
}

/** One entry of the physical memory map (e820 types: 1 RAM, 2 reserved, 3 ACPI, 4 NVS). */
export interface MemoryMapEntry {
  base: number;
  length: number;
  type: 1 | 2 | 3 | 4;
}

/** Copies `data` to guest-physical `address`, failing with `what` named when it does not fit. */
export function placeInRam(ram: GuestRam, address: number, data: Uint8Array, what: string): void {
  if (!Number.isSafeInteger(address) || address < 0 || address + data.length > ram.bytes.length) {
    throw new LoaderError(
      `${what} (${data.length} bytes at 0x${address.toString(16)}) does not fit in ${ram.bytes.length >> 20} MiB of RAM`,
    );
  }
  ram.bytes.set(data, address);
}

/** Writes a NUL-terminated ASCII string at `address`. */
export function placeCString(ram: GuestRam, address: number, text: string, what: string): void {
  const bytes = new Uint8Array(text.length + 1);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0x7e || code < 0x20)
      throw new LoaderError(`${what} contains a non-printable character at ${index}`);
    bytes[index] = code;
  }
  placeInRam(ram, address, bytes, what);
}

/**
 * The standard PC memory map for `ramBytes` of RAM: conventional memory below 0x9FC00, the EBDA
 * and the VGA/BIOS hole reserved, RAM from 1 MiB to the end (less `reservedTopBytes` for ACPI
 * tables, typed ACPI), and the BIOS alias below 4 GiB reserved.
 */
export function standardMemoryMap(ramBytes: number, acpiBytes = 0): MemoryMapEntry[] {
  if (ramBytes < 2 << 20) throw new LoaderError(`RAM of ${ramBytes} bytes is below the 2 MiB minimum`);
  const map: MemoryMapEntry[] = [
    { base: 0, length: 0x9fc00, type: 1 },
    { base: 0x9fc00, length: 0x400, type: 2 },
    { base: 0xf0000, length: 0x10000, type: 2 },
    { base: 0x100000, length: ramBytes - 0x100000 - acpiBytes, type: 1 },
  ];
  if (acpiBytes > 0) map.push({ base: ramBytes - acpiBytes, length: acpiBytes, type: 3 });
  map.push({ base: 0xfffc0000, length: 0x40000, type: 2 });
  return map;
}
