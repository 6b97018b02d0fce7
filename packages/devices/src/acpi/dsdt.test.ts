import { describe, expect, it } from 'vitest';
import { buildDsdt } from './acpi-tables.js';
import { eisaIdValue } from './aml.js';

/** A tiny AML reader for the subset our DSDT uses: enough to walk Scope/Device/Name objects. */
interface AmlNode {
  kind: 'scope' | 'device' | 'name';
  name: string;
  children: AmlNode[];
  /** For names: the raw data object bytes. */
  data?: Uint8Array;
}

function readPackageLength(bytes: Uint8Array, at: number): { length: number; size: number } {
  const lead = bytes[at];
  const extra = lead >> 6;
  if (extra === 0) return { length: lead & 0x3f, size: 1 };
  let length = lead & 0x0f;
  for (let index = 0; index < extra; index++) length |= bytes[at + 1 + index] << (4 + 8 * index);
  return { length, size: 1 + extra };
}

function readNameString(bytes: Uint8Array, at: number): { name: string; size: number } {
  let cursor = at;
  let prefix = '';
  while (bytes[cursor] === 0x5c || bytes[cursor] === 0x5e) prefix += String.fromCharCode(bytes[cursor++]);
  let count = 1;
  if (bytes[cursor] === 0x2e) {
    count = 2;
    cursor++;
  } else if (bytes[cursor] === 0x2f) {
    count = bytes[cursor + 1];
    cursor += 2;
  }
  const segments: string[] = [];
  for (let index = 0; index < count; index++, cursor += 4) {
    segments.push(String.fromCharCode(...bytes.subarray(cursor, cursor + 4)).replace(/_+$/, ''));
  }
  return { name: prefix + segments.join('.'), size: cursor - at };
}

/** Length of one data object (integer, string, buffer, package). */
function dataObjectSize(bytes: Uint8Array, at: number): number {
  const opcode = bytes[at];
  if (opcode === 0x00 || opcode === 0x01 || opcode === 0xff) return 1;
  if (opcode === 0x0a) return 2;
  if (opcode === 0x0b) return 3;
  if (opcode === 0x0c) return 5;
  if (opcode === 0x0e) return 9;
  if (opcode === 0x0d) return bytes.indexOf(0, at + 1) - at + 1;
  if (opcode === 0x11 || opcode === 0x12) return 1 + readPackageLength(bytes, at + 1).length;
  throw new Error(`unexpected data opcode 0x${opcode.toString(16)} at ${at}`);
}

function parseTerms(bytes: Uint8Array, from: number, to: number): AmlNode[] {
  const nodes: AmlNode[] = [];
  let cursor = from;
  while (cursor < to) {
    if (bytes[cursor] === 0x08) {
      const name = readNameString(bytes, cursor + 1);
      const dataAt = cursor + 1 + name.size;
      const size = dataObjectSize(bytes, dataAt);
      nodes.push({
        kind: 'name',
        name: name.name,
        children: [],
        data: bytes.subarray(dataAt, dataAt + size),
      });
      cursor = dataAt + size;
    } else if (bytes[cursor] === 0x10 || (bytes[cursor] === 0x5b && bytes[cursor + 1] === 0x82)) {
      const kind = bytes[cursor] === 0x10 ? 'scope' : 'device';
      const lengthAt = cursor + (kind === 'scope' ? 1 : 2);
      const { length } = readPackageLength(bytes, lengthAt);
      const end = lengthAt + length;
      const pkg = readPackageLength(bytes, lengthAt);
      const name = readNameString(bytes, lengthAt + pkg.size);
      nodes.push({
        kind,
        name: name.name,
        children: parseTerms(bytes, lengthAt + pkg.size + name.size, end),
      });
      cursor = end;
    } else {
      throw new Error(`unexpected opcode 0x${bytes[cursor].toString(16)} at ${cursor}`);
    }
  }
  expect(cursor).toBe(to);
  return nodes;
}

function child(node: { children: AmlNode[] }, name: string): AmlNode {
  const found = node.children.find((entry) => entry.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found;
}

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function hidOf(device: AmlNode): number {
  const data = child(device, '_HID').data!;
  expect(data[0]).toBe(0x0c);
  return u32(data, 1);
}

/** The descriptor bytes of a `Name (_CRS, ResourceTemplate ...)` (the Buffer's byte list). */
function resources(device: AmlNode): number[] {
  const data = child(device, '_CRS').data!;
  const pkg = readPackageLength(data, 1);
  const sizeAt = 1 + pkg.size;
  const sizeBytes = dataObjectSize(data, sizeAt);
  return Array.from(data.subarray(sizeAt + sizeBytes, 1 + pkg.length));
}

describe('DSDT', () => {
  const dsdt = buildDsdt(0);
  const root = { children: parseTerms(dsdt, 36, dsdt.length) };

  it('has a valid header and checksum, and keeps \\_S5 first', () => {
    expect(String.fromCharCode(...dsdt.subarray(0, 4))).toBe('DSDT');
    expect(u32(dsdt, 4)).toBe(dsdt.length);
    expect(dsdt.reduce((sum, byte) => (sum + byte) & 0xff, 0)).toBe(0);
    expect(root.children[0]).toMatchObject({ kind: 'name', name: '_S5' });
  });

  it('declares \\_SB.PCI0 as a PNP0A03 root bridge with bus, I/O and memory windows', () => {
    const pci = child(child(root, '\\_SB'), 'PCI0');
    expect(pci.kind).toBe('device');
    expect(hidOf(pci)).toBe(eisaIdValue('PNP0A03'));
    expect(Array.from(child(pci, '_ADR').data!)).toEqual([0x00]);
    const crs = resources(pci);
    expect(crs.slice(-2)).toEqual([0x79, 0x00]);
    // Bus 0-0xFF, then the 0xCF8 ports, then I/O windows, then memory windows.
    expect(crs.slice(0, 4)).toEqual([0x88, 0x0d, 0x00, 0x02]);
    expect(crs.slice(16, 24)).toEqual([0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08]);
    const memoryWindow = crs.slice(-28, -2);
    expect(memoryWindow[0]).toBe(0x87);
    expect(u32(Uint8Array.from(memoryWindow), 10)).toBe(0xe0000000);
    expect(u32(Uint8Array.from(memoryWindow), 14)).toBe(0xfebfffff);
  });

  it('routes every slot INTA-D statically to GSIs 10/11 in _PRT', () => {
    const prt = child(child(child(root, '\\_SB'), 'PCI0'), '_PRT').data!;
    expect(prt[0]).toBe(0x12);
    const pkg = readPackageLength(prt, 1);
    expect(prt[1 + pkg.size]).toBe(128);
    // First entry: Package (4) {0xFFFF, Zero, Zero, 11}: slot 0 INTA uses link D.
    const first = 2 + pkg.size;
    expect(Array.from(prt.subarray(first, first + 10))).toEqual([
      0x12, 0x09, 0x04, 0x0b, 0xff, 0xff, 0x00, 0x00, 0x0a, 11,
    ]);
    // Second entry: slot 0 INTB → link A (GSI 10).
    expect(Array.from(prt.subarray(first + 10, first + 20))).toEqual([
      0x12, 0x09, 0x04, 0x0b, 0xff, 0xff, 0x01, 0x00, 0x0a, 10,
    ]);
    // Slot 1 INTA (0x0001FFFF, DWord; slot 0 took 10 + 10 + 11 + 11 bytes) → link A (GSI 10).
    expect(Array.from(prt.subarray(first + 42, first + 54))).toEqual([
      0x12, 0x0b, 0x04, 0x0c, 0xff, 0xff, 0x01, 0x00, 0x00, 0x00, 0x0a, 10,
    ]);
  });

  it('declares the PC ISA devices under PCI0.ISA with their HIDs and resources', () => {
    const isa = child(child(child(root, '\\_SB'), 'PCI0'), 'ISA');
    expect(Array.from(child(isa, '_ADR').data!)).toEqual([0x0c, 0x00, 0x00, 0x01, 0x00]);
    expect(hidOf(child(isa, 'KBD'))).toBe(eisaIdValue('PNP0303'));
    expect(resources(child(isa, 'KBD'))).toEqual([
      0x47, 0x01, 0x60, 0x00, 0x60, 0x00, 0x01, 0x01, 0x47, 0x01, 0x64, 0x00, 0x64, 0x00, 0x01, 0x01, 0x22,
      0x02, 0x00, 0x79, 0x00,
    ]);
    expect(hidOf(child(isa, 'MOU'))).toBe(eisaIdValue('PNP0F13'));
    expect(resources(child(isa, 'MOU'))).toEqual([0x22, 0x00, 0x10, 0x79, 0x00]);
    const serial = [
      ['COM1', 0x3f8, 4],
      ['COM2', 0x2f8, 3],
      ['COM3', 0x3e8, 4],
      ['COM4', 0x2e8, 3],
    ] as const;
    for (const [name, base, irq] of serial) {
      const port = child(isa, name);
      expect(hidOf(port)).toBe(eisaIdValue('PNP0501'));
      expect(resources(port)).toEqual([
        0x47,
        0x01,
        base & 0xff,
        base >> 8,
        base & 0xff,
        base >> 8,
        0x01,
        0x08,
        0x22,
        (1 << irq) & 0xff,
        0x00,
        0x79,
        0x00,
      ]);
    }
    expect(hidOf(child(isa, 'RTC'))).toBe(eisaIdValue('PNP0B00'));
    expect(resources(child(isa, 'RTC'))).toEqual([
      0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02, 0x22, 0x00, 0x01, 0x79, 0x00,
    ]);
  });

  it('takes a different memory window and serial port list', () => {
    const small = buildDsdt(0, 'OPNVMI', {
      pciMemoryWindow: { minimum: 0x10000000, maximum: 0xfebfffff },
      serialPorts: [{ base: 0x3f8, irq: 4 }],
    });
    const isa = child(
      child(child({ children: parseTerms(small, 36, small.length) }, '\\_SB'), 'PCI0'),
      'ISA',
    );
    expect(isa.children.filter((node) => node.name.startsWith('COM')).map((node) => node.name)).toEqual([
      'COM1',
    ]);
    expect(() =>
      buildDsdt(0, 'OPNVMI', { pciMemoryWindow: { minimum: 0xfec00000, maximum: 0xe0000000 } }),
    ).toThrow(RangeError);
  });
});
