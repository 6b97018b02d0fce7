/**
 * Loader for Linux kernels by the x86 boot protocol 2.02+ (Documentation/x86/boot.rst), entered
 * at the 32-bit entry point with no BIOS: the loader parses the setup header, loads the
 * protected-mode kernel at 1 MiB, builds `boot_params` (the "zero page") with the e820 map and
 * command line, places the initrd below `initrd_addr_max`, and describes the CPU state to enter
 * with (flat __BOOT_CS = 0x10 and __BOOT_DS = 0x18, ESI = boot_params, interrupts off).
 */
import { type GuestRam, LoaderError, type MemoryMapEntry, placeCString, placeInRam } from './guest-ram.js';

/** Offsets in the setup header and boot_params that the loader reads or writes. */
const Setup = {
  SetupSects: 0x1f1,
  BootFlag: 0x1fe,
  JumpOffset: 0x201,
  Header: 0x202,
  Version: 0x206,
  TypeOfLoader: 0x210,
  LoadFlags: 0x211,
  Code32Start: 0x214,
  RamdiskImage: 0x218,
  RamdiskSize: 0x21c,
  CmdLinePtr: 0x228,
  InitrdAddrMax: 0x22c,
  CmdlineSize: 0x238,
  InitSize: 0x260,
} as const;

const BootParams = {
  AltMemK: 0x1e0,
  E820Entries: 0x1e8,
  E820Table: 0x2d0,
  Size: 0x1000,
} as const;

const HDRS_MAGIC = 0x53726448; // "HdrS"
const LOADED_HIGH = 0x01;
const E820_MAX_ENTRIES = 128;

/** Where the loader puts things in low memory (as QEMU does for a direct kernel boot). */
export const LINUX_LAYOUT = {
  bootParams: 0x10000,
  commandLine: 0x20000,
  gdt: 0x9000,
  protectedModeKernel: 0x100000,
} as const;

/** The facts of a bzImage's setup header that matter to a loader. */
export interface LinuxSetupHeader {
  /** Boot protocol version, e.g. 0x020f for 2.15. */
  version: number;
  setupSectors: number;
  loadFlags: number;
  code32Start: number;
  initrdAddressMax: number;
  commandLineSize: number;
  /** Bytes the kernel needs from its load address while decompressing (0 before 2.10). */
  initSize: number;
  /** Length of the header copied into boot_params (from 0x1F1). */
  headerLength: number;
}

/** Reads and checks the setup header of a bzImage. @throws LoaderError naming the problem. */
export function parseLinuxSetupHeader(image: Uint8Array): LinuxSetupHeader {
  if (image.length < 0x260)
    throw new LoaderError(`kernel image is ${image.length} bytes: too short for a setup header`);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (view.getUint16(Setup.BootFlag, true) !== 0xaa55)
    throw new LoaderError('kernel image has no 0xAA55 boot flag');
  if (view.getUint32(Setup.Header, true) !== HDRS_MAGIC) {
    throw new LoaderError(
      'kernel image has no "HdrS" setup header (boot protocol before 2.00 is not supported)',
    );
  }
  const version = view.getUint16(Setup.Version, true);
  if (version < 0x0202) {
    throw new LoaderError(
      `Linux boot protocol ${formatVersion(version)} is too old: 2.02 or later is required`,
    );
  }
  const loadFlags = image[Setup.LoadFlags];
  if ((loadFlags & LOADED_HIGH) === 0)
    throw new LoaderError('kernel is a zImage (not LOADED_HIGH): only bzImage is supported');
  const setupSectors = image[Setup.SetupSects] === 0 ? 4 : image[Setup.SetupSects];
  if ((setupSectors + 1) * 512 >= image.length) {
    throw new LoaderError(
      `kernel image is truncated: ${setupSectors} setup sectors but ${image.length} bytes in all`,
    );
  }
  const headerLength = 0x202 + image[Setup.JumpOffset] - Setup.SetupSects;
  if (
    Setup.SetupSects + headerLength > BootParams.E820Table ||
    Setup.SetupSects + headerLength > image.length
  ) {
    throw new LoaderError(`setup header length ${headerLength} runs past boot_params' header area`);
  }
  return {
    version,
    setupSectors,
    loadFlags,
    code32Start: view.getUint32(Setup.Code32Start, true),
    initrdAddressMax: version >= 0x0203 ? view.getUint32(Setup.InitrdAddrMax, true) : 0x37ffffff,
    commandLineSize: version >= 0x0206 ? view.getUint32(Setup.CmdlineSize, true) : 255,
    initSize: version >= 0x020a ? view.getUint32(Setup.InitSize, true) : 0,
    headerLength,
  };
}

/** `0x020f` → "2.15". */
export function formatVersion(version: number): string {
  return `${version >> 8}.${(version & 0xff).toString().padStart(2, '0')}`;
}

/** What to load. */
export interface LinuxBootRequest {
  kernel: Uint8Array;
  initrd?: Uint8Array;
  commandLine: string;
  memoryMap: readonly MemoryMapEntry[];
}

/** The CPU state a loaded kernel is entered with (32-bit protected mode, paging off). */
export interface ProtectedModeEntry {
  eip: number;
  /** General registers to set; the rest are zero. */
  registers: { eax?: number; ebx?: number; esi?: number };
  /** Where the loader wrote a GDT with flat code (0x10) and data (0x18) descriptors. */
  gdtBase: number;
  gdtLimit: number;
  codeSelector: number;
  dataSelector: number;
}

/** A loaded Linux kernel. */
export interface LoadedLinux {
  header: LinuxSetupHeader;
  entry: ProtectedModeEntry;
  initrd?: { address: number; size: number };
}

/**
 * A GDT of four entries with flat 4 GiB ring-0 code at 0x10 and data at 0x18 (both protocols use
 * these selectors), written at `base`.
 */
export function writeBootGdt(ram: GuestRam, base: number): { base: number; limit: number } {
  const gdt = new Uint8Array(32);
  const view = new DataView(gdt.buffer);
  // limit 0xFFFFF pages, base 0; access 0x9A (present, ring 0, code, readable) / 0x92 (data, writable);
  // flags 0xC (4 KiB granularity, 32-bit).
  view.setUint32(0x10, 0x0000ffff, true);
  view.setUint32(0x14, 0x00cf9a00, true);
  view.setUint32(0x18, 0x0000ffff, true);
  view.setUint32(0x1c, 0x00cf9200, true);
  placeInRam(ram, base, gdt, 'boot GDT');
  return { base, limit: gdt.length - 1 };
}

/** Loads a bzImage (and initrd) into RAM. @throws LoaderError naming what is wrong. */
export function loadLinux(ram: GuestRam, request: LinuxBootRequest): LoadedLinux {
  const header = parseLinuxSetupHeader(request.kernel);
  const kernelStart = (header.setupSectors + 1) * 512;
  const protectedModeKernel = request.kernel.subarray(kernelStart);
  const loadAddress = LINUX_LAYOUT.protectedModeKernel;
  placeInRam(ram, loadAddress, protectedModeKernel, 'protected-mode kernel');
  const kernelEnd = loadAddress + Math.max(protectedModeKernel.length, header.initSize);

  const bootParams = new Uint8Array(BootParams.Size);
  const view = new DataView(bootParams.buffer);
  bootParams.set(
    request.kernel.subarray(Setup.SetupSects, Setup.SetupSects + header.headerLength),
    Setup.SetupSects,
  );
  bootParams[Setup.TypeOfLoader] = 0xff;
  view.setUint32(Setup.Code32Start, loadAddress, true);

  if (request.commandLine.length > header.commandLineSize) {
    throw new LoaderError(
      `command line is ${request.commandLine.length} bytes; this kernel accepts at most ${header.commandLineSize}`,
    );
  }
  placeCString(ram, LINUX_LAYOUT.commandLine, request.commandLine, 'kernel command line');
  view.setUint32(Setup.CmdLinePtr, LINUX_LAYOUT.commandLine, true);

  const ramTop = request.memoryMap
    .filter((entry) => entry.type === 1)
    .reduce((top, entry) => Math.max(top, entry.base + entry.length), 0);
  let initrd: LoadedLinux['initrd'];
  if (request.initrd !== undefined && request.initrd.length > 0) {
    const limit = Math.min(header.initrdAddressMax + 1, ramTop, ram.bytes.length);
    const address = Math.floor((limit - request.initrd.length) / 4096) * 4096;
    if (address < kernelEnd) {
      throw new LoaderError(
        `initrd of ${request.initrd.length} bytes does not fit between the kernel (ends 0x${kernelEnd.toString(16)}) and 0x${limit.toString(16)}: give more memory (-m)`,
      );
    }
    placeInRam(ram, address, request.initrd, 'initrd');
    view.setUint32(Setup.RamdiskImage, address, true);
    view.setUint32(Setup.RamdiskSize, request.initrd.length, true);
    initrd = { address, size: request.initrd.length };
  }

  if (request.memoryMap.length > E820_MAX_ENTRIES)
    throw new LoaderError('memory map has more than 128 entries');
  request.memoryMap.forEach((entry, index) => {
    const at = BootParams.E820Table + index * 20;
    view.setBigUint64(at, BigInt(entry.base), true);
    view.setBigUint64(at + 8, BigInt(entry.length), true);
    view.setUint32(at + 16, entry.type, true);
  });
  bootParams[BootParams.E820Entries] = request.memoryMap.length;
  view.setUint32(BootParams.AltMemK, Math.max(0, (ramTop - 0x100000) >>> 10), true);
  placeInRam(ram, LINUX_LAYOUT.bootParams, bootParams, 'boot_params');

  const gdt = writeBootGdt(ram, LINUX_LAYOUT.gdt);
  return {
    header,
    initrd,
    entry: {
      eip: loadAddress,
      registers: { esi: LINUX_LAYOUT.bootParams },
      gdtBase: gdt.base,
      gdtLimit: gdt.limit,
      codeSelector: 0x10,
      dataSelector: 0x18,
    },
  };
}
