/**
 * Byte layouts of the ABI's structures, declared as data so that encode/decode and the C header
 * come from the same declaration. All multi-byte fields are little-endian.
 */
import { hex, VmiSpecError } from './errors.js';

/** A field type: unsigned integers, or a fixed byte array. */
export type FieldType = 'u8' | 'u16' | 'u32' | 'u64' | { readonly bytes: number };

/** One field of a structure. */
export interface FieldLayout {
  /** TypeScript name (camelCase). */
  readonly name: string;
  /** C name (as in Linux's header). */
  readonly cName: string;
  readonly offset: number;
  readonly type: FieldType;
}

/** A structure's name, size and fields. */
export interface StructLayout<Fields extends readonly FieldLayout[] = readonly FieldLayout[]> {
  /** C struct name. */
  readonly cName: string;
  readonly size: number;
  /** True when the C struct is `__attribute__((packed))`. */
  readonly packed: boolean;
  readonly fields: Fields;
}

/** The TypeScript value of one field type. */
export type FieldValue<Type extends FieldType> = Type extends 'u64'
  ? bigint
  : Type extends { readonly bytes: number }
    ? Uint8Array
    : number;

/** The decoded object of a layout: one property per field. */
export type StructValue<Layout extends StructLayout> = {
  -readonly [Field in Layout['fields'][number] as Field['name']]: FieldValue<Field['type']>;
};

/** Size in bytes of a field type. */
export function fieldSize(type: FieldType): number {
  if (typeof type === 'object') return type.bytes;
  return type === 'u8' ? 1 : type === 'u16' ? 2 : type === 'u32' ? 4 : 8;
}

/**
 * Declares a layout and checks it: fields in offset order, inside `size`, not overlapping.
 * Throws at module load if a declaration is wrong (a programming error, not guest input).
 */
export function defineStruct<const Fields extends readonly FieldLayout[]>(
  cName: string,
  size: number,
  packed: boolean,
  fields: Fields,
): StructLayout<Fields> {
  let end = 0;
  for (const field of fields) {
    if (field.offset < end) throw new Error(`${cName}.${field.cName} overlaps the previous field`);
    end = field.offset + fieldSize(field.type);
    if (end > size) throw new Error(`${cName}.${field.cName} ends past the ${size}-byte struct`);
  }
  return Object.freeze({ cName, size, packed, fields: Object.freeze(fields) as Fields });
}

function requireBytes(layout: StructLayout, bytes: Uint8Array, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + layout.size > bytes.length) {
    throw new VmiSpecError(
      'truncated',
      `${layout.cName} (${layout.size} bytes) at offset ${hex(offset)} does not fit in ${bytes.length} bytes`,
    );
  }
}

/**
 * Reads a structure from `bytes` at `offset`.
 * @throws VmiSpecError `truncated` when the structure does not fit.
 */
export function decodeStruct<Layout extends StructLayout>(
  layout: Layout,
  bytes: Uint8Array,
  offset = 0,
): StructValue<Layout> {
  requireBytes(layout, bytes, offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, layout.size);
  const value: Record<string, number | bigint | Uint8Array> = {};
  for (const field of layout.fields) {
    const type = field.type;
    if (typeof type === 'object')
      value[field.name] = bytes.slice(offset + field.offset, offset + field.offset + type.bytes);
    else if (type === 'u8') value[field.name] = view.getUint8(field.offset);
    else if (type === 'u16') value[field.name] = view.getUint16(field.offset, true);
    else if (type === 'u32') value[field.name] = view.getUint32(field.offset, true);
    else value[field.name] = view.getBigUint64(field.offset, true);
  }
  return value as StructValue<Layout>;
}

/**
 * Writes a structure into `bytes` at `offset`. Reserved/padding bytes not covered by a field are
 * left as they are.
 * @throws VmiSpecError `truncated` when it does not fit, `invalid-value` when a value does not
 * fit its field.
 */
export function encodeStructInto<Layout extends StructLayout>(
  layout: Layout,
  value: StructValue<Layout>,
  bytes: Uint8Array,
  offset = 0,
): void {
  requireBytes(layout, bytes, offset);
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, layout.size);
  const record = value as Record<string, number | bigint | Uint8Array>;
  for (const field of layout.fields) {
    const fieldValue = record[field.name];
    const type = field.type;
    const where = `${layout.cName}.${field.cName}`;
    if (typeof type === 'object') {
      if (!(fieldValue instanceof Uint8Array) || fieldValue.length !== type.bytes) {
        throw new VmiSpecError('invalid-value', `${where} needs exactly ${type.bytes} bytes`);
      }
      bytes.set(fieldValue, offset + field.offset);
    } else if (type === 'u64') {
      if (typeof fieldValue !== 'bigint' || fieldValue < 0n || fieldValue > 0xffffffffffffffffn) {
        throw new VmiSpecError('invalid-value', `${where} needs an unsigned 64-bit bigint`);
      }
      view.setBigUint64(field.offset, fieldValue, true);
    } else {
      const limit = type === 'u8' ? 0xff : type === 'u16' ? 0xffff : 0xffffffff;
      if (
        typeof fieldValue !== 'number' ||
        !Number.isInteger(fieldValue) ||
        fieldValue < 0 ||
        fieldValue > limit
      ) {
        throw new VmiSpecError('invalid-value', `${where} = ${String(fieldValue)} does not fit ${type}`);
      }
      if (type === 'u8') view.setUint8(field.offset, fieldValue);
      else if (type === 'u16') view.setUint16(field.offset, fieldValue, true);
      else view.setUint32(field.offset, fieldValue, true);
    }
  }
}

/** Encodes a structure into a new zero-filled buffer of its size. */
export function encodeStruct<Layout extends StructLayout>(
  layout: Layout,
  value: StructValue<Layout>,
): Uint8Array {
  const bytes = new Uint8Array(layout.size);
  encodeStructInto(layout, value, bytes, 0);
  return bytes;
}
