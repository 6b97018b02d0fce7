/**
 * Parser for static i386 Linux executables (ELF32, little-endian, ET_EXEC, EM_386).
 *
 * Only what the user-mode runner needs: the entry point, the program headers and the PT_LOAD
 * segments. Every field is bounds-checked against the file; a bad image is rejected with an
 * {@link ElfError} whose message names what is wrong.
 */

/** A rejected image. */
export class ElfError extends Error {
  override readonly name = 'ElfError';
}

/** One PT_LOAD segment. */
export interface LoadSegment {
  /** Virtual address of the segment's first byte. */
  virtualAddress: number;
  /** File offset of the bytes that initialise it. */
  fileOffset: number;
  /** Bytes taken from the file. */
  fileSize: number;
  /** Bytes in memory (the rest, `memorySize - fileSize`, is zeroed: the bss). */
  memorySize: number;
  /** PF_R/PF_W/PF_X flags. */
  flags: number;
}

/** A parsed executable. */
export interface ElfImage {
  entry: number;
  /** File offset of the program header table. */
  programHeaderOffset: number;
  programHeaderEntrySize: number;
  programHeaderCount: number;
  /** Virtual address at which the program headers are loaded (for AT_PHDR), or 0 if not loaded. */
  programHeaderAddress: number;
  segments: LoadSegment[];
  /** Highest address of any segment (exclusive): where brk starts (page aligned up). */
  end: number;
}

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_TLS = 7;
const ET_EXEC = 2;
const ET_DYN = 3;
const EM_386 = 3;
/** The most program headers accepted (Linux allows 64 KiB of them; 256 is plenty for a static binary). */
const MAX_PROGRAM_HEADERS = 256;

/** Parses `file` as a static i386 executable; throws {@link ElfError} when it is not one. */
export function parseElf(file: Uint8Array): ElfImage {
  if (file.length < 52)
    throw new ElfError(`ELF image too short: ${file.length} bytes, the ELF32 header needs 52`);
  if (file[0] !== 0x7f || file[1] !== 0x45 || file[2] !== 0x4c || file[3] !== 0x46) {
    throw new ElfError('not an ELF image: bad magic (expected 7f 45 4c 46)');
  }
  if (file[4] !== 1) throw new ElfError(`not an ELF32 image: EI_CLASS is ${file[4]}, expected 1 (32-bit)`);
  if (file[5] !== 1) throw new ElfError(`not a little-endian image: EI_DATA is ${file[5]}, expected 1`);
  if (file[6] !== 1) throw new ElfError(`unsupported EI_VERSION ${file[6]}`);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const type = view.getUint16(16, true);
  const machine = view.getUint16(18, true);
  if (machine !== EM_386)
    throw new ElfError(`not an i386 image: e_machine is ${machine}, expected 3 (EM_386)`);
  if (type === ET_DYN)
    throw new ElfError('position-independent (ET_DYN) images are not supported: link with -static -no-pie');
  if (type !== ET_EXEC) throw new ElfError(`not an executable: e_type is ${type}, expected 2 (ET_EXEC)`);
  const entry = view.getUint32(24, true);
  const programHeaderOffset = view.getUint32(28, true);
  const programHeaderEntrySize = view.getUint16(42, true);
  const programHeaderCount = view.getUint16(44, true);
  if (programHeaderCount === 0) throw new ElfError('no program headers (e_phnum is 0)');
  if (programHeaderCount > MAX_PROGRAM_HEADERS)
    throw new ElfError(`too many program headers: ${programHeaderCount}`);
  if (programHeaderEntrySize < 32)
    throw new ElfError(`program header entries too small: e_phentsize ${programHeaderEntrySize}`);
  const tableEnd = programHeaderOffset + programHeaderEntrySize * programHeaderCount;
  if (tableEnd > file.length) {
    throw new ElfError(
      `program header table (offset ${programHeaderOffset}, ${programHeaderCount} entries) runs past the end of the file`,
    );
  }
  const segments: LoadSegment[] = [];
  let programHeaderAddress = 0;
  let end = 0;
  for (let index = 0; index < programHeaderCount; index++) {
    const at = programHeaderOffset + index * programHeaderEntrySize;
    const segmentType = view.getUint32(at, true);
    const fileOffset = view.getUint32(at + 4, true);
    const virtualAddress = view.getUint32(at + 8, true);
    const fileSize = view.getUint32(at + 16, true);
    const memorySize = view.getUint32(at + 20, true);
    const flags = view.getUint32(at + 24, true);
    if (segmentType === PT_INTERP)
      throw new ElfError('dynamically linked image (has PT_INTERP): only static executables run');
    if (segmentType === PT_PHDR) programHeaderAddress = virtualAddress;
    if (segmentType === PT_TLS && fileOffset + fileSize > file.length) {
      throw new ElfError(`PT_TLS segment ${index} runs past the end of the file`);
    }
    if (segmentType !== PT_LOAD) continue;
    if (fileSize > memorySize)
      throw new ElfError(`PT_LOAD segment ${index}: p_filesz ${fileSize} exceeds p_memsz ${memorySize}`);
    if (fileOffset + fileSize > file.length)
      throw new ElfError(`PT_LOAD segment ${index} runs past the end of the file`);
    if (virtualAddress + memorySize > 0xffffffff)
      throw new ElfError(`PT_LOAD segment ${index} wraps around the address space`);
    segments.push({ virtualAddress, fileOffset, fileSize, memorySize, flags });
    end = Math.max(end, virtualAddress + memorySize);
    if (
      programHeaderAddress === 0 &&
      fileOffset <= programHeaderOffset &&
      tableEnd <= fileOffset + fileSize
    ) {
      programHeaderAddress = virtualAddress + (programHeaderOffset - fileOffset);
    }
  }
  if (segments.length === 0) throw new ElfError('no PT_LOAD segment: nothing to load');
  const entryInside = segments.some(
    (segment) =>
      entry >= segment.virtualAddress &&
      entry < segment.virtualAddress + segment.memorySize &&
      (segment.flags & 1) !== 0,
  );
  if (!entryInside)
    throw new ElfError(`entry point 0x${entry.toString(16)} is not inside an executable PT_LOAD segment`);
  return {
    entry,
    programHeaderOffset,
    programHeaderEntrySize,
    programHeaderCount,
    programHeaderAddress,
    segments,
    end,
  };
}
