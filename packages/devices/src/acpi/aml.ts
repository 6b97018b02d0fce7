/**
 * A small AML (ACPI Machine Language) encoder: just the constructs our DSDT needs, each a pure
 * function returning bytes, bounds-checked (out-of-range values throw `RangeError`; these are
 * board inputs, never guest inputs).
 *
 * Specification: ACPI 6.4, chapter 20 (AML grammar: 20.2.2 name objects, 20.2.3 data objects,
 * 20.2.4 package length, 20.2.5.2 named objects, 20.2.5.3 statements) and chapter 6.4 (resource
 * data types: 6.4.2 small descriptors IRQ 0x22/0x23, I/O 0x47, fixed I/O 0x4B, end tag 0x79;
 * 6.4.3 large descriptors DWord address space 0x87, Word address space 0x88).
 *
 * NOT IMPLEMENTED: control flow other than `Return`, locals/arguments, operation regions and
 * fields, QWord/extended address descriptors, Interrupt (extended) descriptors, DMA.
 */

/** AML opcodes used here (ACPI 6.4, 20.3 "AML Byte Stream Byte Values"). */
export const AmlOpcode = {
  Zero: 0x00,
  One: 0x01,
  Name: 0x08,
  BytePrefix: 0x0a,
  WordPrefix: 0x0b,
  DWordPrefix: 0x0c,
  StringPrefix: 0x0d,
  QWordPrefix: 0x0e,
  Scope: 0x10,
  Buffer: 0x11,
  Package: 0x12,
  Method: 0x14,
  DualNamePrefix: 0x2e,
  MultiNamePrefix: 0x2f,
  ExtendedPrefix: 0x5b,
  /** Follows ExtendedPrefix. */
  Device: 0x82,
  RootChar: 0x5c,
  ParentPrefixChar: 0x5e,
  Return: 0xa4,
} as const;

/** Bytes of AML (a term, a data object, or a resource descriptor). */
export type Aml = Uint8Array;

function concat(parts: ReadonlyArray<ArrayLike<number>>): Aml {
  let length = 0;
  for (const part of parts) length += part.length;
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

function checkUnsigned(value: number, bits: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw new RangeError(`${what} ${value} does not fit in ${bits} bits`);
  }
}

function little(value: number, bytes: number): number[] {
  const out: number[] = [];
  for (let index = 0; index < bytes; index++) out.push(Math.floor(value / 2 ** (index * 8)) & 0xff);
  return out;
}

/**
 * PkgLength (20.2.4) for a body of `bodyLength` bytes: the encoded length counts the PkgLength
 * bytes themselves. One byte up to 63; otherwise the lead byte's bits 7-6 give the number of
 * following bytes, its bits 3-0 the low nibble, and each following byte the next 8 bits.
 */
export function amlPackageLength(bodyLength: number): Aml {
  checkUnsigned(bodyLength, 28, 'package body length');
  if (bodyLength + 1 <= 0x3f) return Uint8Array.of(bodyLength + 1);
  for (let extra = 1; extra <= 3; extra++) {
    const total = bodyLength + 1 + extra;
    if (total < 2 ** (4 + 8 * extra)) {
      const bytes = [(extra << 6) | (total & 0x0f)];
      for (let index = 0; index < extra; index++) bytes.push(Math.floor(total / 2 ** (4 + 8 * index)) & 0xff);
      return Uint8Array.from(bytes);
    }
  }
  throw new RangeError(`package body length ${bodyLength} is too long for PkgLength`);
}

/** A NameSeg: 1-4 characters `[A-Z_][A-Z0-9_]*`, padded with `_` to 4. */
export function amlNameSegment(segment: string): Aml {
  if (!/^[A-Z_][A-Z0-9_]{0,3}$/.test(segment)) throw new RangeError(`invalid AML name segment "${segment}"`);
  const padded = segment.padEnd(4, '_');
  return Uint8Array.from(padded, (character) => character.charCodeAt(0));
}

/**
 * A NameString: optional `\` (root) or `^`s (parent) prefix, then segments separated by `.`
 * (one plain, two with DualNamePrefix, more with MultiNamePrefix and a count).
 */
export function amlNameString(name: string): Aml {
  const match = /^(\\|\^*)(.*)$/.exec(name);
  const prefix = match?.[1] ?? '';
  const path = match?.[2] ?? '';
  const prefixBytes = Array.from(prefix, (character) => character.charCodeAt(0));
  if (path === '') return Uint8Array.from([...prefixBytes, 0x00]); // NullName
  const segments = path.split('.').map(amlNameSegment);
  if (segments.length > 255) throw new RangeError('too many name segments');
  const lead =
    segments.length === 1
      ? []
      : segments.length === 2
        ? [AmlOpcode.DualNamePrefix]
        : [AmlOpcode.MultiNamePrefix, segments.length];
  return concat([prefixBytes, lead, ...segments]);
}

/** The shortest integer encoding: ZeroOp, OneOp, or Byte/Word/DWord/QWord prefix. */
export function amlInteger(value: number | bigint): Aml {
  const big = BigInt(value);
  if (big < 0n || big > 0xffff_ffff_ffff_ffffn) throw new RangeError(`integer ${value} out of range`);
  if (big === 0n) return Uint8Array.of(AmlOpcode.Zero);
  if (big === 1n) return Uint8Array.of(AmlOpcode.One);
  const [prefix, size] =
    big <= 0xffn
      ? [AmlOpcode.BytePrefix, 1]
      : big <= 0xffffn
        ? [AmlOpcode.WordPrefix, 2]
        : big <= 0xffff_ffffn
          ? [AmlOpcode.DWordPrefix, 4]
          : [AmlOpcode.QWordPrefix, 8];
  const bytes: number[] = [prefix];
  for (let index = 0n; index < BigInt(size); index++) bytes.push(Number((big >> (index * 8n)) & 0xffn));
  return Uint8Array.from(bytes);
}

/** A String: StringPrefix, ASCII 0x01-0x7F, NullChar. */
export function amlString(text: string): Aml {
  const bytes = Array.from(text, (character) => character.charCodeAt(0));
  if (bytes.some((code) => code < 1 || code > 0x7f))
    throw new RangeError('AML strings are ASCII without NUL');
  return Uint8Array.from([AmlOpcode.StringPrefix, ...bytes, 0x00]);
}

/**
 * The 32-bit compressed EISA id of `PNP0A03`-style ids (three letters of 5 bits each, then four
 * hex digits), stored big-endian in a little-endian DWORD, e.g. "PNP0A03" → 0x030AD041.
 */
export function eisaIdValue(id: string): number {
  if (!/^[A-Z]{3}[0-9A-F]{4}$/.test(id)) throw new RangeError(`invalid EISA id "${id}"`);
  const letters =
    ((id.charCodeAt(0) - 0x40) << 10) | ((id.charCodeAt(1) - 0x40) << 5) | (id.charCodeAt(2) - 0x40);
  const product = Number.parseInt(id.slice(3), 16);
  return ((letters >> 8) | ((letters & 0xff) << 8) | ((product >> 8) << 16) | ((product & 0xff) << 24)) >>> 0;
}

/** `EisaId("PNP0A03")`: the compressed id as a DWord integer. */
export function amlEisaId(id: string): Aml {
  const value = eisaIdValue(id);
  return Uint8Array.from([AmlOpcode.DWordPrefix, ...little(value, 4)]);
}

/** `Name (name, object)`. */
export function amlName(name: string, object: Aml): Aml {
  return concat([[AmlOpcode.Name], amlNameString(name), object]);
}

/** `Buffer (n) {bytes}` with the size as an integer. */
export function amlBuffer(bytes: ArrayLike<number>): Aml {
  const body = concat([amlInteger(bytes.length), bytes]);
  return concat([[AmlOpcode.Buffer], amlPackageLength(body.length), body]);
}

/** `Package (n) {elements}`: at most 255 elements (NumElements is a byte). */
export function amlPackage(elements: ReadonlyArray<Aml>): Aml {
  if (elements.length > 255) throw new RangeError('a Package holds at most 255 elements');
  const body = concat([[elements.length], ...elements]);
  return concat([[AmlOpcode.Package], amlPackageLength(body.length), body]);
}

/** `Method (name, argumentCount, NotSerialized) {terms}`. */
export function amlMethod(name: string, argumentCount: number, terms: ReadonlyArray<Aml>): Aml {
  checkUnsigned(argumentCount, 3, 'method argument count');
  const body = concat([amlNameString(name), [argumentCount], ...terms]);
  return concat([[AmlOpcode.Method], amlPackageLength(body.length), body]);
}

/** `Return (object)`. */
export function amlReturn(object: Aml): Aml {
  return concat([[AmlOpcode.Return], object]);
}

/** `Device (name) {terms}`. */
export function amlDevice(name: string, terms: ReadonlyArray<Aml>): Aml {
  const body = concat([amlNameString(name), ...terms]);
  return concat([[AmlOpcode.ExtendedPrefix, AmlOpcode.Device], amlPackageLength(body.length), body]);
}

/** `Scope (name) {terms}`. */
export function amlScope(name: string, terms: ReadonlyArray<Aml>): Aml {
  const body = concat([amlNameString(name), ...terms]);
  return concat([[AmlOpcode.Scope], amlPackageLength(body.length), body]);
}

// --- Resource descriptors (ACPI 6.4, 6.4) ---

/** `ResourceTemplate () {descriptors}`: a Buffer of the descriptors and an EndTag. */
export function amlResourceTemplate(descriptors: ReadonlyArray<Aml>): Aml {
  return amlBuffer(concat([...descriptors, resourceEndTag()]));
}

/** End tag (6.4.2.9): 0x79 and a checksum byte; 0 means "treat as valid", as ASL compilers emit. */
export function resourceEndTag(): Aml {
  return Uint8Array.of(0x79, 0x00);
}

/** `IO (Decode16, minimum, maximum, alignment, length)` (6.4.2.5, 0x47). */
export function resourceIo(minimum: number, maximum: number, alignment: number, length: number): Aml {
  checkUnsigned(minimum, 16, 'I/O minimum');
  checkUnsigned(maximum, 16, 'I/O maximum');
  checkUnsigned(alignment, 8, 'I/O alignment');
  checkUnsigned(length, 8, 'I/O length');
  return Uint8Array.from([0x47, 0x01, ...little(minimum, 2), ...little(maximum, 2), alignment, length]);
}

/** `FixedIO (base, length)` (6.4.2.6, 0x4B): a 10-bit ISA address. */
export function resourceFixedIo(base: number, length: number): Aml {
  checkUnsigned(base, 10, 'fixed I/O base');
  checkUnsigned(length, 8, 'fixed I/O length');
  return Uint8Array.from([0x4b, ...little(base, 2), length]);
}

function irqMask(irqs: ReadonlyArray<number>): number {
  let mask = 0;
  for (const irq of irqs) {
    checkUnsigned(irq, 4, 'IRQ');
    mask |= 1 << irq;
  }
  return mask;
}

/** `IRQNoFlags () {irqs}` (6.4.2.1, 0x22): edge-triggered, active-high, exclusive. */
export function resourceIrqNoFlags(irqs: ReadonlyArray<number>): Aml {
  return Uint8Array.from([0x22, ...little(irqMask(irqs), 2)]);
}

/** `IRQ (trigger, polarity, sharing) {irqs}` (6.4.2.1, 0x23 with the information byte). */
export function resourceIrq(
  irqs: ReadonlyArray<number>,
  options: { edge: boolean; activeLow: boolean; shared: boolean },
): Aml {
  const information =
    (options.edge ? 0x01 : 0) | (options.activeLow ? 0x08 : 0) | (options.shared ? 0x10 : 0);
  return Uint8Array.from([0x23, ...little(irqMask(irqs), 2), information]);
}

/**
 * General flags of the address space descriptors for a bridge's window: ResourceProducer,
 * PosDecode, MinFixed, MaxFixed (bits 0 = 0, 1 = 0, 2 = 1, 3 = 1).
 */
const PRODUCER_FIXED_WINDOW = 0x0c;

/** A Word address space descriptor (6.4.3.5.3, 0x88), minimum-maximum with length derived. */
function wordAddressSpace(resourceType: number, typeFlags: number, minimum: number, maximum: number): Aml {
  checkUnsigned(minimum, 16, 'window minimum');
  checkUnsigned(maximum, 16, 'window maximum');
  if (maximum < minimum) throw new RangeError('window maximum below minimum');
  const fields = [0, minimum, maximum, 0, maximum - minimum + 1].flatMap((value) => little(value, 2));
  return Uint8Array.from([0x88, 0x0d, 0x00, resourceType, PRODUCER_FIXED_WINDOW, typeFlags, ...fields]);
}

/** `WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, minimum, maximum, 0, length)`. */
export function resourceWordBusNumber(minimum: number, maximum: number): Aml {
  return wordAddressSpace(2, 0x00, minimum, maximum);
}

/** `WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, minimum, maximum, 0, length)`. */
export function resourceWordIo(minimum: number, maximum: number): Aml {
  return wordAddressSpace(1, 0x03, minimum, maximum); // _RNG = 3: ISA and non-ISA ranges
}

/**
 * `DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadWrite, 0,
 * minimum, maximum, 0, length)` (6.4.3.5.2, 0x87).
 */
export function resourceDWordMemory(minimum: number, maximum: number): Aml {
  checkUnsigned(minimum, 32, 'window minimum');
  checkUnsigned(maximum, 32, 'window maximum');
  if (maximum < minimum) throw new RangeError('window maximum below minimum');
  const fields = [0, minimum, maximum, 0, maximum - minimum + 1].flatMap((value) => little(value, 4));
  // Type-specific flags: bit 0 read-write, bits 2:1 = 1 cacheable.
  return Uint8Array.from([0x87, 0x17, 0x00, 0, PRODUCER_FIXED_WINDOW, 0x03, ...fields]);
}
