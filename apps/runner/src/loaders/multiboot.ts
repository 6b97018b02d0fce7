/**
 * Loader for multiboot v1 kernels (Multiboot Specification 0.6.96): ELF32 images, or any image
 * using the a.out kludge (header flag 16). It loads the segments, writes the multiboot
 * information structure (memory sizes, memory map, command line, boot loader name) and describes
 * the entry state: 32-bit protected mode, paging off, EAX = 0x2BADB002, EBX = the information.
 */
import { findMultibootHeader, MULTIBOOT_BOOTLOADER_MAGIC } from '@openvmi/guest';
import { type GuestRam, LoaderError, type MemoryMapEntry, placeCString, placeInRam } from './guest-ram.js';
import type { ProtectedModeEntry } from './linux-boot.js';
import { writeBootGdt } from './linux-boot.js';

/** Where the loader puts its structures in low memory. */
export const MULTIBOOT_LAYOUT = {
  gdt: 0x8000,
  information: 0x9000,
  memoryMap: 0x9100,
  commandLine: 0xa000,
  loaderName: 0xaf00,
} as const;

const HeaderFlag = {
  PageAlignModules: 1 << 0,
  MemoryInformation: 1 << 1,
  VideoMode: 1 << 2,
  AoutKludge: 1 << 16,
} as const;

const InfoFlag = {
  Memory: 1 << 0,
  CommandLine: 1 << 2,
  MemoryMap: 1 << 6,
  LoaderName: 1 << 9,
} as const;

/** The name the loader reports in the multiboot information. */
export const BOOT_LOADER_NAME = 'openvmi';

/** What to load. */
export interface MultibootRequest {
  image: Uint8Array;
  commandLine: string;
  memoryMap: readonly MemoryMapEntry[];
}

/** A loaded multiboot kernel. */
export interface LoadedMultiboot {
  entry: ProtectedModeEntry;
  /** Lowest and highest guest-physical byte the image occupies. */
  loadedRange: { start: number; end: number };
}

/** True when `image` carries a valid multiboot v1 header. */
export function isMultibootImage(image: Uint8Array): boolean {
  return findMultibootHeader(image) !== undefined;
}

/** Loads a multiboot v1 kernel. @throws LoaderError naming what is wrong. */
export function loadMultiboot(ram: GuestRam, request: MultibootRequest): LoadedMultiboot {
  const header = findMultibootHeader(request.image);
  if (header === undefined) throw new LoaderError('image has no multiboot v1 header in its first 8 KiB');
  const unsupported = header.flags & 0xffff & ~(HeaderFlag.PageAlignModules | HeaderFlag.MemoryInformation);
  if (unsupported !== 0) {
    throw new LoaderError(
      `multiboot header requires features this loader lacks (flags 0x${unsupported.toString(16)}: video mode)`,
    );
  }
  const loaded =
    (header.flags & HeaderFlag.AoutKludge) !== 0
      ? loadAoutKludge(ram, request.image, header.offset)
      : loadElf32(ram, request.image);

  const information = new Uint8Array(88);
  const view = new DataView(information.buffer);
  let flags = InfoFlag.Memory | InfoFlag.MemoryMap | InfoFlag.CommandLine | InfoFlag.LoaderName;
  const lowerKiB = Math.min(640, lowRamKiB(request.memoryMap));
  const upperKiB = upperRamKiB(request.memoryMap);
  view.setUint32(4, lowerKiB, true);
  view.setUint32(8, upperKiB, true);
  placeCString(ram, MULTIBOOT_LAYOUT.commandLine, request.commandLine, 'kernel command line');
  if (request.commandLine.length >= MULTIBOOT_LAYOUT.loaderName - MULTIBOOT_LAYOUT.commandLine) {
    throw new LoaderError('kernel command line is longer than 3839 bytes');
  }
  view.setUint32(16, MULTIBOOT_LAYOUT.commandLine, true);
  const map = new Uint8Array(request.memoryMap.length * 24);
  const mapView = new DataView(map.buffer);
  request.memoryMap.forEach((entry, index) => {
    const at = index * 24;
    mapView.setUint32(at, 20, true);
    mapView.setBigUint64(at + 4, BigInt(entry.base), true);
    mapView.setBigUint64(at + 12, BigInt(entry.length), true);
    mapView.setUint32(at + 20, entry.type, true);
  });
  if (map.length > MULTIBOOT_LAYOUT.commandLine - MULTIBOOT_LAYOUT.memoryMap) {
    throw new LoaderError('memory map is too long for the multiboot information area');
  }
  placeInRam(ram, MULTIBOOT_LAYOUT.memoryMap, map, 'multiboot memory map');
  view.setUint32(44, map.length, true);
  view.setUint32(48, MULTIBOOT_LAYOUT.memoryMap, true);
  placeCString(ram, MULTIBOOT_LAYOUT.loaderName, BOOT_LOADER_NAME, 'boot loader name');
  view.setUint32(64, MULTIBOOT_LAYOUT.loaderName, true);
  if (lowerKiB === 0) flags &= ~InfoFlag.Memory;
  view.setUint32(0, flags, true);
  placeInRam(ram, MULTIBOOT_LAYOUT.information, information, 'multiboot information');

  if (loaded.start < 0x100000 && loaded.end > MULTIBOOT_LAYOUT.gdt) {
    throw new LoaderError(
      `image loads below 1 MiB (0x${loaded.start.toString(16)}), over the loader's structures`,
    );
  }
  const gdt = writeBootGdt(ram, MULTIBOOT_LAYOUT.gdt);
  return {
    loadedRange: { start: loaded.start, end: loaded.end },
    entry: {
      eip: loaded.entry,
      registers: { eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: MULTIBOOT_LAYOUT.information },
      gdtBase: gdt.base,
      gdtLimit: gdt.limit,
      codeSelector: 0x10,
      dataSelector: 0x18,
    },
  };
}

function lowRamKiB(map: readonly MemoryMapEntry[]): number {
  const low = map.find((entry) => entry.type === 1 && entry.base === 0);
  return low === undefined ? 0 : Math.floor(low.length / 1024);
}

function upperRamKiB(map: readonly MemoryMapEntry[]): number {
  const upper = map.find((entry) => entry.type === 1 && entry.base === 0x100000);
  return upper === undefined ? 0 : Math.floor(upper.length / 1024);
}

interface LoadedSegments {
  entry: number;
  start: number;
  end: number;
}

function loadElf32(ram: GuestRam, image: Uint8Array): LoadedSegments {
  if (image.length < 52) throw new LoaderError('image is too short for an ELF header');
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (view.getUint32(0, false) !== 0x7f454c46)
    throw new LoaderError('image is not ELF and does not use the a.out kludge');
  if (image[4] !== 1) throw new LoaderError('ELF image is not 32-bit (ELFCLASS32)');
  if (image[5] !== 1) throw new LoaderError('ELF image is not little-endian');
  if (view.getUint16(16, true) !== 2) throw new LoaderError('ELF image is not an executable (ET_EXEC)');
  if (view.getUint16(18, true) !== 3) throw new LoaderError('ELF image is not for i386 (EM_386)');
  const programHeaders = view.getUint32(28, true);
  const entrySize = view.getUint16(42, true);
  const count = view.getUint16(44, true);
  if (entrySize < 32 || programHeaders + count * entrySize > image.length) {
    throw new LoaderError('ELF program header table lies outside the image');
  }
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (let index = 0; index < count; index++) {
    const at = programHeaders + index * entrySize;
    if (view.getUint32(at, true) !== 1) continue; // PT_LOAD only
    const offset = view.getUint32(at + 4, true);
    const physical = view.getUint32(at + 12, true);
    const fileSize = view.getUint32(at + 16, true);
    const memorySize = view.getUint32(at + 20, true);
    if (offset + fileSize > image.length)
      throw new LoaderError(`ELF segment ${index} runs past the end of the image`);
    if (memorySize < fileSize) throw new LoaderError(`ELF segment ${index} has p_memsz < p_filesz`);
    if (physical + memorySize > ram.bytes.length) {
      throw new LoaderError(
        `ELF segment ${index} (0x${physical.toString(16)}+0x${memorySize.toString(16)}) is outside RAM`,
      );
    }
    placeInRam(ram, physical, image.subarray(offset, offset + fileSize), `ELF segment ${index}`);
    ram.bytes.fill(0, physical + fileSize, physical + memorySize);
    start = Math.min(start, physical);
    end = Math.max(end, physical + memorySize);
  }
  if (end === 0) throw new LoaderError('ELF image has no loadable segment');
  return { entry: view.getUint32(24, true), start, end };
}

function loadAoutKludge(ram: GuestRam, image: Uint8Array, headerOffset: number): LoadedSegments {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (headerOffset + 32 > image.length)
    throw new LoaderError('multiboot a.out kludge fields run past the image');
  const headerAddress = view.getUint32(headerOffset + 12, true);
  const loadAddress = view.getUint32(headerOffset + 16, true);
  const loadEnd = view.getUint32(headerOffset + 20, true);
  const bssEnd = view.getUint32(headerOffset + 24, true);
  const entry = view.getUint32(headerOffset + 28, true);
  const fileStart = headerOffset - (headerAddress - loadAddress);
  if (headerAddress < loadAddress || fileStart < 0)
    throw new LoaderError('multiboot header_addr is below load_addr');
  const length = loadEnd === 0 ? image.length - fileStart : loadEnd - loadAddress;
  if (length <= 0 || fileStart + length > image.length)
    throw new LoaderError('multiboot load range runs past the image');
  placeInRam(ram, loadAddress, image.subarray(fileStart, fileStart + length), 'multiboot image');
  const end = bssEnd === 0 ? loadAddress + length : bssEnd;
  if (end < loadAddress + length || end > ram.bytes.length)
    throw new LoaderError('multiboot bss_end_addr is invalid');
  ram.bytes.fill(0, loadAddress + length, end);
  return { entry, start: loadAddress, end };
}
