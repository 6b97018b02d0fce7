/**
 * Segment and gate descriptors (Intel SDM vol. 3A, 3.4.5 and 6.11; table 3-2 for system types).
 * A descriptor is handled as its two little-endian dwords, `low` (bytes 0-3) and `high`
 * (bytes 4-7). Segment caches keep `attributes` in the LAR layout: `high & 0x00f0ff00`
 * (type in bits 8-11, S 12, DPL 13-14, P 15, AVL 20, D/B 22, G 23).
 */

/** Attribute bits in the LAR layout (`high & 0x00f0ff00`). */
export const Attribute = {
  /** Type bit 0: accessed (code/data). */
  Accessed: 1 << 8,
  /** Data: writable. Code: readable. */
  WritableOrReadable: 1 << 9,
  /** Data: expand-down. Code: conforming. */
  ExpandDownOrConforming: 1 << 10,
  /** Type bit 3: code (1) or data (0). */
  Code: 1 << 11,
  /** S: code/data (1) or system (0) descriptor. */
  CodeOrData: 1 << 12,
  /** DPL field (2 bits). */
  DplShift: 13,
  /** P: present. */
  Present: 1 << 15,
  /** AVL: available to software. */
  Available: 1 << 20,
  /** D/B: 32-bit default operand size (code) / 32-bit stack and upper bound (data). */
  Big: 1 << 22,
  /** G: limit in 4 KiB units. */
  Granularity: 1 << 23,
} as const;

/** Attribute mask kept in segment caches (LAR layout). */
export const ATTRIBUTE_MASK = 0x00f0ff00;

/** System descriptor types (S=0), SDM table 3-2. */
export const SystemType = {
  Tss16Available: 1,
  Ldt: 2,
  Tss16Busy: 3,
  CallGate16: 4,
  TaskGate: 5,
  InterruptGate16: 6,
  TrapGate16: 7,
  Tss32Available: 9,
  Tss32Busy: 11,
  CallGate32: 12,
  InterruptGate32: 14,
  TrapGate32: 15,
} as const;

/** Base address of a segment descriptor. */
export function descriptorBase(low: number, high: number): number {
  return ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0;
}

/** Byte-granular limit of a segment descriptor (G applied). */
export function descriptorLimit(low: number, high: number): number {
  const raw = (low & 0xffff) | (high & 0x000f0000);
  return (high & Attribute.Granularity) !== 0 ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** Cache attributes (LAR layout) of a descriptor. */
export function descriptorAttributes(high: number): number {
  return high & ATTRIBUTE_MASK;
}

/** Descriptor privilege level from attributes. */
export function attributesDpl(attributes: number): number {
  return (attributes >>> 13) & 3;
}

/** Four-bit type field from attributes. */
export function attributesType(attributes: number): number {
  return (attributes >>> 8) & 0xf;
}

/** True when attributes describe a code or data segment (S=1). */
export function isCodeOrData(attributes: number): boolean {
  return (attributes & Attribute.CodeOrData) !== 0;
}

/** True for a code segment (S=1, type bit 3). */
export function isCode(attributes: number): boolean {
  return (attributes & (Attribute.CodeOrData | Attribute.Code)) === (Attribute.CodeOrData | Attribute.Code);
}

/** True for a data segment (S=1, type bit 3 clear). */
export function isData(attributes: number): boolean {
  return (attributes & (Attribute.CodeOrData | Attribute.Code)) === Attribute.CodeOrData;
}

/** True for a conforming code segment. */
export function isConformingCode(attributes: number): boolean {
  return isCode(attributes) && (attributes & Attribute.ExpandDownOrConforming) !== 0;
}

/** True when the segment may be read (data, or readable code). */
export function isReadable(attributes: number): boolean {
  return isData(attributes) || (isCode(attributes) && (attributes & Attribute.WritableOrReadable) !== 0);
}

/** True for a writable data segment. */
export function isWritableData(attributes: number): boolean {
  return isData(attributes) && (attributes & Attribute.WritableOrReadable) !== 0;
}

/** True for an expand-down data segment. */
export function isExpandDown(attributes: number): boolean {
  return isData(attributes) && (attributes & Attribute.ExpandDownOrConforming) !== 0;
}

/** True when the present bit is set. */
export function isPresent(attributes: number): boolean {
  return (attributes & Attribute.Present) !== 0;
}

/** Target offset of a call, interrupt or trap gate (16-bit gates use only the low word). */
export function gateOffset(low: number, high: number): number {
  return ((low & 0xffff) | (high & 0xffff0000)) >>> 0;
}

/** Target selector of a gate. */
export function gateSelector(low: number): number {
  return low >>> 16;
}

/** Parameter count (dwords or words) of a call gate. */
export function gateParameterCount(high: number): number {
  return high & 0x1f;
}

/**
 * True when `offset..offset+size-1` lies inside a segment with byte limit `limit` and
 * `attributes` (expand-down data segments have the valid range `limit+1 .. 0xffff` or
 * `.. 0xffffffff` with B=1).
 */
export function withinLimit(attributes: number, limit: number, offset: number, size: number): boolean {
  const last = offset + size - 1;
  if (isExpandDown(attributes)) {
    const upper = (attributes & Attribute.Big) !== 0 ? 0xffffffff : 0xffff;
    return offset > limit && last <= upper;
  }
  return last <= limit;
}

/** Selector fields. */
export const Selector = {
  /** Requested privilege level mask. */
  RplMask: 3,
  /** Table indicator: LDT (1) or GDT (0). */
  LocalTable: 4,
  /** Selector without RPL (what error codes carry). */
  IndexMask: 0xfffc,
} as const;
