/**
 * Builds a VMI API 3.0 option ROM from one implementation per call, and reads the relocation
 * table back out of any ROM this builder made.
 *
 * Image layout (offsets are ROM-relative; everything after the header is position-independent):
 *
 * | Offset | What |
 * |---|---|
 * | 0x00 | `vrom_header` (144 bytes): 55 AA, length, 16-bit init entry (RETF), "cVmi", API 3.0 |
 * | 0x20 | OpenVMI relocation-table descriptor in the header's reserved bytes: "OVRT", u16 table offset, u16 count |
 * | 0x80 | VMI_Init (8 bytes: the body, or JMP rel32 to it) |
 * | 0x88 | VMI_GetRelocationInfo (8 bytes: JMP rel32 to the body) |
 * | 0x90 | license string, manufacturer and product strings |
 * | …  | PCI data structure ("PCIR", 24 bytes, 4-aligned), PnP header ("$PnP", 32 bytes, 16-aligned) |
 * | …  | relocation table: 74 × 8 bytes {u32 ROM-relative target, u8 type, 3 zero bytes} |
 * | …  | GetRelocationInfo body, VMI_Init body, one stub per call |
 * | last | checksum byte (8-bit sum of the image is 0); length padded to 512-byte blocks |
 *
 * GetRelocationInfo finds its own address with CALL/POP, subtracts its ROM offset to get the
 * ROM's linear base, and returns base + target for CALL_REL/JUMP_REL records (0 for NONE/NOP),
 * so the ROM works at any linear mapping of its physical address.
 */
import { VMI_CALL_COUNT, VMI_CALLS, type VmiCall } from './call-table.js';
import {
  isRelocationType,
  RELOCATION_TYPE_NAMES,
  RELOCATION_TYPE_SHORT_NAMES,
  RelocationType,
  type RelocationTypeValue,
  RomEntry,
} from './constants.js';
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
  PCI_DATA_SIGNATURE,
  PCI_HEADER_LAYOUT,
  PNP_EXPANSION_HEADER_SIZE,
  PNP_HEADER_LAYOUT,
  PNP_SIGNATURE,
  ROM_HEADER_LAYOUT,
} from './layouts.js';
import { fixOptionRomChecksum } from './option-rom-checksum.js';
import { validateVmiRom } from './rom-validation.js';
import { encodeStructInto } from './struct-layout.js';
import { Condition, Reg, X86Assembler } from './x86-assembler.js';

/** How one call is implemented by a ROM. */
export type CallImplementation =
  /** Relocation NONE: the guest keeps its native code. */
  | { readonly type: 'none' }
  /** Relocation NOP: the guest drops the call. */
  | { readonly type: 'nop' }
  /** Relocation CALL_REL to a stub the function emits (it must return with RET unless it never returns). */
  | { readonly type: 'call'; readonly emit: (assembler: X86Assembler) => void }
  /** Relocation JUMP_REL to a stub that never returns (IRET, SYSEXIT). */
  | { readonly type: 'jump'; readonly emit: (assembler: X86Assembler) => void };

/** What a backend tells the builder. */
export interface VmiRomDefinition {
  /** PnP manufacturer string (ASCII). */
  readonly manufacturer: string;
  /** PnP product string (ASCII). */
  readonly product: string;
  /** ROM version in the PCI header (major, minor bytes). */
  readonly romVersion: { readonly major: number; readonly minor: number };
  /** API minor version (any value is accepted by Linux); default 0. */
  readonly apiVersionMinor?: number;
  /** Start of the reserved hypervisor area; 0 reserves nothing. Default 0. */
  readonly virtualTop?: number;
  /** License string; Linux accepts only "GPL" and "GPL v2". Default "GPL v2". */
  readonly license?: string;
  /** The VMI_Init body; default `xor eax, eax; ret` (success). */
  readonly init?: (assembler: X86Assembler) => void;
  /** The implementation of each call. */
  readonly implement: (call: VmiCall) => CallImplementation;
}

/** One relocation record as the ROM returns it, with the target relative to the ROM's start. */
export interface RomRelocation {
  readonly callNumber: number;
  readonly callName: string;
  readonly type: RelocationTypeValue;
  /** ROM-relative target for CALL_REL/JUMP_REL; 0 for NONE/NOP. */
  readonly targetOffset: number;
}

/** A built ROM and what the builder knows about it. */
export interface BuiltVmiRom {
  /** The image, a whole number of 512-byte blocks with a zero byte sum. */
  readonly image: Uint8Array;
  /** The relocation record of every call, index = call number. */
  readonly relocations: readonly RomRelocation[];
}

/** "OVRT": the OpenVMI relocation-table descriptor signature at ROM offset 0x20. */
export const RELOCATION_TABLE_DESCRIPTOR_SIGNATURE = 0x5452564f;
/** Offset of the descriptor inside the header's reserved bytes. */
export const RELOCATION_TABLE_DESCRIPTOR_OFFSET = 0x20;
/** Size of one relocation-table entry. */
export const RELOCATION_TABLE_ENTRY_SIZE = 8;
/** Largest ROM the builder makes (the whole scan window is 128 KiB; 255 blocks fit the length byte). */
const MAX_ROM_BYTES = 255 * OPTION_ROM_BLOCK_SIZE;

function asciiBytes(text: string, what: string): number[] {
  const bytes: number[] = [];
  for (const character of text) {
    const code = character.charCodeAt(0);
    if (code < 0x20 || code > 0x7e)
      throw new VmiSpecError('invalid-value', `${what} must be printable ASCII`);
    bytes.push(code);
  }
  return [...bytes, 0];
}

function align(assembler: X86Assembler, boundary: number, fill = 0): void {
  while (assembler.offset % boundary !== 0) assembler.raw(fill);
}

/** INT3: fills the gaps between stubs, so a stray jump into them traps. */
const CODE_FILL = 0xcc;

/**
 * Emits the GetRelocationInfo body; `bodyRomOffset` is the ROM offset where it will sit. Input
 * EAX = call number; output EAX = target (absolute), EDX = type. Clobbers ECX and flags; uses 4
 * bytes of stack.
 */
export function emitGetRelocationInfoBody(
  assembler: X86Assembler,
  bodyRomOffset: number,
  tableOffset: number,
  count: number,
): void {
  const start = assembler.offset;
  assembler
    .cmpEaxImmediate(count)
    .jumpIf(Condition.aboveOrEqual, 'reloc.unknown')
    .callNear('reloc.here')
    .label('reloc.here')
    .pop(Reg.ecx);
  // ECX = linear address of reloc.here; subtracting its ROM offset gives the ROM's linear base.
  assembler
    .subImmediate(Reg.ecx, bodyRomOffset + assembler.labelOffset('reloc.here') - start)
    .lea(Reg.edx, { base: Reg.ecx, index: Reg.eax, scale: 8, displacement: tableOffset })
    .movLoad(Reg.eax, { base: Reg.edx })
    .movzxByte(Reg.edx, { base: Reg.edx, displacement: 4 })
    .cmpImmediate8(Reg.edx, RelocationType.CallRel)
    .jumpIf(Condition.below, 'reloc.no-target')
    .cmpImmediate8(Reg.edx, RelocationType.JumpRel)
    .jumpIf(Condition.above, 'reloc.no-target')
    .addRegister(Reg.eax, Reg.ecx)
    .ret()
    .label('reloc.unknown')
    .xorRegister(Reg.edx, Reg.edx)
    .label('reloc.no-target')
    .xorRegister(Reg.eax, Reg.eax)
    .ret();
}

function getRelocationInfoBodyBytes(bodyOffset: number, tableOffset: number, count: number): Uint8Array {
  const assembler = new X86Assembler();
  emitGetRelocationInfoBody(assembler, bodyOffset, tableOffset, count);
  return assembler.bytes();
}

/**
 * Builds the ROM image.
 * @throws VmiSpecError `invalid-value` for a bad definition (strings, versions, a stub that
 * does not fit, a JUMP_REL on a call that returns).
 */
export function buildVmiRom(definition: VmiRomDefinition): BuiltVmiRom {
  const license = definition.license ?? 'GPL v2';
  const assembler = new X86Assembler();
  // Header placeholder; filled by encodeStructInto below (entry slots are emitted in place).
  for (let index = 0; index < RomEntry.Init; index++) assembler.raw(0);
  // VMI_Init slot at 0x80.
  const initProbe = new X86Assembler();
  (definition.init ?? ((a: X86Assembler) => a.xorRegister(Reg.eax, Reg.eax).ret()))(initProbe);
  const inlineInit = initProbe.bytes().length <= RomEntry.SlotSize;
  if (inlineInit) assembler.raw(...initProbe.bytes());
  else assembler.jumpNear('init.body');
  while (assembler.offset < RomEntry.GetRelocationInfo) assembler.nop();
  // GetRelocationInfo slot at 0x88.
  assembler.jumpNear('reloc.body');
  while (assembler.offset < ROM_HEADER_LAYOUT.size) assembler.nop();

  const licenseOffset = assembler.offset;
  assembler.raw(...asciiBytes(license, 'license'));
  const manufacturerOffset = assembler.offset;
  assembler.raw(...asciiBytes(definition.manufacturer, 'manufacturer'));
  const productOffset = assembler.offset;
  assembler.raw(...asciiBytes(definition.product, 'product'));
  align(assembler, 4);
  const pciOffset = assembler.offset;
  for (let index = 0; index < PCI_HEADER_LAYOUT.size; index++) assembler.raw(0);
  align(assembler, 16);
  const pnpOffset = assembler.offset;
  for (let index = 0; index < PNP_EXPANSION_HEADER_SIZE; index++) assembler.raw(0);
  align(assembler, 8);
  const tableOffset = assembler.offset;
  for (let index = 0; index < VMI_CALL_COUNT * RELOCATION_TABLE_ENTRY_SIZE; index++) assembler.raw(0);

  assembler.label('reloc.body');
  emitGetRelocationInfoBody(assembler, assembler.offset, tableOffset, VMI_CALL_COUNT);
  if (!inlineInit) {
    assembler.label('init.body');
    (definition.init as (a: X86Assembler) => void)(assembler);
  }

  const records: { call: VmiCall; type: RelocationTypeValue; label: string | undefined }[] = [];
  for (const call of VMI_CALLS) {
    const implementation = definition.implement(call);
    if (implementation.type === 'none' || implementation.type === 'nop') {
      records.push({
        call,
        type: implementation.type === 'none' ? RelocationType.None : RelocationType.Nop,
        label: undefined,
      });
      continue;
    }
    if (implementation.type === 'jump' && !call.nonReturning) {
      throw new VmiSpecError(
        'invalid-value',
        `call ${call.name} returns, so it cannot be a JUMP_REL relocation`,
      );
    }
    align(assembler, 4, CODE_FILL);
    const label = `call.${call.number}`;
    assembler.label(label);
    const before = assembler.offset;
    implementation.emit(assembler);
    if (assembler.offset === before)
      throw new VmiSpecError('invalid-value', `the stub of ${call.name} is empty`);
    records.push({
      call,
      type: implementation.type === 'call' ? RelocationType.CallRel : RelocationType.JumpRel,
      label,
    });
  }

  // Room for the checksum byte, then whole 512-byte blocks.
  const codeEnd = assembler.offset + 1;
  const size = Math.ceil(codeEnd / OPTION_ROM_BLOCK_SIZE) * OPTION_ROM_BLOCK_SIZE;
  if (size > MAX_ROM_BYTES)
    throw new VmiSpecError('invalid-value', `the ROM needs ${size} bytes, more than ${MAX_ROM_BYTES}`);
  const code = assembler.bytes();
  const image = new Uint8Array(size);
  image.set(code);

  const relocations: RomRelocation[] = records.map(({ call, type, label }) => ({
    callNumber: call.number,
    callName: call.name,
    type,
    targetOffset: label === undefined ? 0 : assembler.labelOffset(label),
  }));
  const view = new DataView(image.buffer);
  for (const relocation of relocations) {
    const at = tableOffset + relocation.callNumber * RELOCATION_TABLE_ENTRY_SIZE;
    view.setUint32(at, relocation.targetOffset, true);
    view.setUint8(at + 4, relocation.type);
  }

  const versionByte = (value: number, what: string) => {
    if (!Number.isInteger(value) || value < 0 || value > 0xff)
      throw new VmiSpecError('invalid-value', `${what} must be 0–255`);
    return value;
  };
  encodeStructInto(
    ROM_HEADER_LAYOUT,
    {
      romSignature: OPTION_ROM_SIGNATURE,
      romLength: size / OPTION_ROM_BLOCK_SIZE,
      // The BIOS calls offset 3 with a far call during POST: RETF and pad.
      romEntry: Uint8Array.of(0xcb, 0x90, 0x90, 0x90),
      romPad0: 0,
      vromSignature: VMI_SIGNATURE,
      apiVersionMinor: versionByte(definition.apiVersionMinor ?? 0, 'apiVersionMinor'),
      apiVersionMajor: VMI_API_MAJOR,
      jumpSlots: 0,
      reserved1: 0,
      virtualTop: definition.virtualTop ?? 0,
      reserved2: 0,
      licenseOffset,
      pciHeaderOffset: pciOffset,
      pnpHeaderOffset: pnpOffset,
      romPad3: 0,
      reserved: image.slice(0x20, 0x80),
      vmiInit: image.slice(RomEntry.Init, RomEntry.Init + 8),
      getRelocationInfo: image.slice(RomEntry.GetRelocationInfo, RomEntry.GetRelocationInfo + 8),
    },
    image,
  );
  view.setUint32(RELOCATION_TABLE_DESCRIPTOR_OFFSET, RELOCATION_TABLE_DESCRIPTOR_SIGNATURE, true);
  view.setUint16(RELOCATION_TABLE_DESCRIPTOR_OFFSET + 4, tableOffset, true);
  view.setUint16(RELOCATION_TABLE_DESCRIPTOR_OFFSET + 6, VMI_CALL_COUNT, true);
  encodeStructInto(
    PCI_HEADER_LAYOUT,
    {
      signature: PCI_DATA_SIGNATURE,
      vendorId: VMI_PCI_VENDOR_ID,
      deviceId: VMI_PCI_DEVICE_ID,
      vpdData: 0,
      size: PCI_HEADER_LAYOUT.size,
      revision: 0,
      // Class code 0x050000 (memory controller, RAM) in PCI byte order: interface, subclass, class.
      classCode: 0x00,
      subclass: 0x00,
      interface: 0x05,
      chunks: size / OPTION_ROM_BLOCK_SIZE,
      romVersionMinor: versionByte(definition.romVersion.minor, 'romVersion.minor'),
      romVersionMajor: versionByte(definition.romVersion.major, 'romVersion.major'),
      codeType: 0, // x86
      lastRom: 0x80, // last image
      reserved: 0,
    },
    image,
    pciOffset,
  );
  encodeStructInto(
    PNP_HEADER_LAYOUT,
    {
      signature: PNP_SIGNATURE,
      revision: 1,
      size: PNP_EXPANSION_HEADER_SIZE / 16,
      next: 0,
      reserved: 0,
      deviceId: 0,
      manufacturerOffset,
      productOffset,
    },
    image,
    pnpOffset,
  );
  // PnP header checksum (byte 9): its 32 bytes sum to zero. Device type, BCV, DV and BEV stay 0.
  const pnp = image.subarray(pnpOffset, pnpOffset + PNP_EXPANSION_HEADER_SIZE);
  pnp[9] = 0;
  pnp[9] = (0x100 - pnp.reduce((sum, byte) => (sum + byte) & 0xff, 0)) & 0xff;
  fixOptionRomChecksum(image, size - 1);
  validateVmiRom(image);
  return { image, relocations };
}

/**
 * Reads the relocation table of a ROM this builder made, without running it: follows the
 * "OVRT" descriptor at 0x20, checks that VMI_GetRelocationInfo at 0x88 is a JMP rel32 to exactly
 * the body `emitGetRelocationInfoBody` produces for that table (so the table is what the code
 * returns), and decodes every record.
 * @throws VmiSpecError `relocation-table-not-decodable` for ROMs made otherwise, `bad-relocation`
 * for a record with an unknown type, non-zero reserved bytes or a target outside the ROM.
 */
export function readRelocationTable(image: Uint8Array): readonly RomRelocation[] {
  const fail = (message: string) => new VmiSpecError('relocation-table-not-decodable', message);
  if (image.length < ROM_HEADER_LAYOUT.size)
    throw new VmiSpecError('truncated', `the image has only ${image.length} bytes`);
  const view = new DataView(image.buffer, image.byteOffset, image.length);
  if (view.getUint32(RELOCATION_TABLE_DESCRIPTOR_OFFSET, true) !== RELOCATION_TABLE_DESCRIPTOR_SIGNATURE) {
    throw fail(
      'no OpenVMI relocation-table descriptor ("OVRT" at 0x20): the table can only be read by running the ROM',
    );
  }
  const tableOffset = view.getUint16(RELOCATION_TABLE_DESCRIPTOR_OFFSET + 4, true);
  const count = view.getUint16(RELOCATION_TABLE_DESCRIPTOR_OFFSET + 6, true);
  if (count !== VMI_CALL_COUNT) throw fail(`the descriptor lists ${count} calls, not ${VMI_CALL_COUNT}`);
  if (tableOffset + count * RELOCATION_TABLE_ENTRY_SIZE > image.length) {
    throw fail(
      `the table at ${hex(tableOffset)} (${count} entries) runs past the ${image.length}-byte image`,
    );
  }
  if (image[RomEntry.GetRelocationInfo] !== 0xe9) {
    throw fail(
      `GetRelocationInfo at 0x88 starts with ${hex(image[RomEntry.GetRelocationInfo], 2)}, not JMP rel32 (E9)`,
    );
  }
  const bodyOffset = RomEntry.GetRelocationInfo + 5 + view.getInt32(RomEntry.GetRelocationInfo + 1, true);
  const expected = getRelocationInfoBodyBytes(bodyOffset >>> 0, tableOffset, count);
  if (bodyOffset < ROM_HEADER_LAYOUT.size || bodyOffset + expected.length > image.length) {
    throw fail(`GetRelocationInfo jumps to ${hex(bodyOffset)}, outside the ROM's code`);
  }
  for (let index = 0; index < expected.length; index++) {
    if (image[bodyOffset + index] !== expected[index]) {
      throw fail(
        `GetRelocationInfo's body at ${hex(bodyOffset)} differs from the table-driven form at byte ${index}`,
      );
    }
  }
  const relocations: RomRelocation[] = [];
  for (let number = 0; number < count; number++) {
    const at = tableOffset + number * RELOCATION_TABLE_ENTRY_SIZE;
    const target = view.getUint32(at, true);
    const type = view.getUint8(at + 4);
    const where = `relocation record of call ${number} (${VMI_CALLS[number].name}) at ${hex(at)}`;
    if (!isRelocationType(type))
      throw new VmiSpecError('bad-relocation', `${where} has type ${type}, not 0–3`);
    if (image[at + 5] !== 0 || image[at + 6] !== 0 || image[at + 7] !== 0) {
      throw new VmiSpecError('bad-relocation', `${where} has non-zero reserved bytes`);
    }
    const hasTarget = type === RelocationType.CallRel || type === RelocationType.JumpRel;
    if (hasTarget && (target < ROM_HEADER_LAYOUT.size || target >= image.length)) {
      throw new VmiSpecError(
        'bad-relocation',
        `${where}: ${RELOCATION_TYPE_NAMES[type]} target ${hex(target)} is outside the ROM's code`,
      );
    }
    relocations.push({
      callNumber: number,
      callName: VMI_CALLS[number].name,
      type,
      targetOffset: hasTarget ? target : 0,
    });
  }
  return relocations;
}

/**
 * One relocation as a fixed-format text line, the format both `openvmi rom --inspect` and the
 * C probe program print: call number (2 wide), name (17 wide), type (`none`/`call`/`jump`/`nop`,
 * 4 wide), then the ROM-relative target as 0x%04X, or `-` for NONE and NOP.
 */
export function formatRelocation(relocation: RomRelocation): string {
  const target =
    relocation.type === RelocationType.CallRel || relocation.type === RelocationType.JumpRel
      ? hex(relocation.targetOffset, 4)
      : '-';
  return `${String(relocation.callNumber).padStart(2)} ${relocation.callName.padEnd(17)} ${RELOCATION_TYPE_SHORT_NAMES[relocation.type].padEnd(4)} ${target}`;
}
