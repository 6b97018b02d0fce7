import { describe, expect, it } from 'vitest';
import {
  amlBuffer,
  amlDevice,
  amlEisaId,
  amlInteger,
  amlMethod,
  amlName,
  amlNameString,
  amlPackage,
  amlPackageLength,
  amlResourceTemplate,
  amlReturn,
  amlScope,
  amlString,
  eisaIdValue,
  resourceDWordMemory,
  resourceEndTag,
  resourceFixedIo,
  resourceIo,
  resourceIrq,
  resourceIrqNoFlags,
  resourceWordBusNumber,
  resourceWordIo,
} from './aml.js';

const bytes = (aml: Uint8Array) => Array.from(aml);
const ascii = (text: string) => Array.from(text, (character) => character.charCodeAt(0));

describe('AML encoder', () => {
  it('encodes PkgLength in one byte up to 63 and in 2-4 bytes beyond, counting itself', () => {
    expect(bytes(amlPackageLength(0))).toEqual([0x01]);
    expect(bytes(amlPackageLength(62))).toEqual([0x3f]);
    // 63 + 2 = 65 = 0x41: lead 0x40 | 0x1, then 0x41 >> 4 = 0x04
    expect(bytes(amlPackageLength(63))).toEqual([0x41, 0x04]);
    // 0xFFD + 2 = 0xFFF, the largest 2-byte length
    expect(bytes(amlPackageLength(0xffd))).toEqual([0x4f, 0xff]);
    // 0xFFE + 3 = 0x1001: lead 0x80 | 0x1, then 0x00, 0x01
    expect(bytes(amlPackageLength(0xffe))).toEqual([0x81, 0x00, 0x01]);
    expect(bytes(amlPackageLength(0x100000))).toEqual([0xc4, 0x00, 0x00, 0x01]);
    expect(() => amlPackageLength(0x10000000)).toThrow(RangeError);
  });

  it('encodes name strings: padded segments, root and parent prefixes, dual and multi names', () => {
    expect(bytes(amlNameString('_S5'))).toEqual(ascii('_S5_'));
    expect(bytes(amlNameString('\\_SB'))).toEqual([0x5c, ...ascii('_SB_')]);
    expect(bytes(amlNameString('^PCI0'))).toEqual([0x5e, ...ascii('PCI0')]);
    expect(bytes(amlNameString('\\_SB.PCI0'))).toEqual([0x5c, 0x2e, ...ascii('_SB_PCI0')]);
    expect(bytes(amlNameString('_SB.PCI0.ISA'))).toEqual([0x2f, 3, ...ascii('_SB_PCI0ISA_')]);
    expect(bytes(amlNameString('\\'))).toEqual([0x5c, 0x00]);
    expect(() => amlNameString('pci0')).toThrow(RangeError);
    expect(() => amlNameString('TOOLONG')).toThrow(RangeError);
  });

  it('encodes integers with the shortest form', () => {
    expect(bytes(amlInteger(0))).toEqual([0x00]);
    expect(bytes(amlInteger(1))).toEqual([0x01]);
    expect(bytes(amlInteger(0x0a))).toEqual([0x0a, 0x0a]);
    expect(bytes(amlInteger(0x1234))).toEqual([0x0b, 0x34, 0x12]);
    expect(bytes(amlInteger(0x0001ffff))).toEqual([0x0c, 0xff, 0xff, 0x01, 0x00]);
    expect(bytes(amlInteger(0x1_0000_0000n))).toEqual([0x0e, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(() => amlInteger(-1)).toThrow(RangeError);
  });

  it('encodes strings with StringPrefix and a NUL', () => {
    expect(bytes(amlString('AB'))).toEqual([0x0d, 0x41, 0x42, 0x00]);
    expect(() => amlString('a\u0000b')).toThrow(RangeError);
  });

  it('compresses EISA ids: EisaId("PNP0A03") is 0x030AD041', () => {
    expect(eisaIdValue('PNP0A03')).toBe(0x030ad041);
    expect(eisaIdValue('PNP0303')).toBe(0x0303d041);
    expect(eisaIdValue('PNP0F13')).toBe(0x130fd041);
    expect(bytes(amlEisaId('PNP0501'))).toEqual([0x0c, 0x41, 0xd0, 0x05, 0x01]);
    expect(() => eisaIdValue('PNP0a03')).toThrow(RangeError);
  });

  it('encodes Name, Buffer, Package, Method, Return, Device and Scope', () => {
    expect(bytes(amlName('_ADR', amlInteger(0)))).toEqual([0x08, ...ascii('_ADR'), 0x00]);
    expect(bytes(amlBuffer([0xaa, 0xbb]))).toEqual([0x11, 0x05, 0x0a, 0x02, 0xaa, 0xbb]);
    expect(bytes(amlPackage([amlInteger(0), amlInteger(5)]))).toEqual([0x12, 0x05, 0x02, 0x00, 0x0a, 0x05]);
    // Method (_STA, 0, NotSerialized) { Return (0x0F) }
    expect(bytes(amlMethod('_STA', 0, [amlReturn(amlInteger(0x0f))]))).toEqual([
      0x14,
      0x09,
      ...ascii('_STA'),
      0x00,
      0xa4,
      0x0a,
      0x0f,
    ]);
    expect(bytes(amlDevice('RTC', [amlName('_UID', amlInteger(1))]))).toEqual([
      0x5b,
      0x82,
      0x0b,
      ...ascii('RTC_'),
      0x08,
      ...ascii('_UID'),
      0x01,
    ]);
    expect(bytes(amlScope('\\_SB', []))).toEqual([0x10, 0x06, 0x5c, ...ascii('_SB_')]);
    expect(() => amlPackage(new Array(256).fill(amlInteger(0)))).toThrow(RangeError);
    expect(() => amlMethod('_PRT', 8, [])).toThrow(RangeError);
  });

  it('encodes the small resource descriptors', () => {
    // IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08)
    expect(bytes(resourceIo(0x3f8, 0x3f8, 1, 8))).toEqual([0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08]);
    // FixedIO (0x0060, 0x01)
    expect(bytes(resourceFixedIo(0x60, 1))).toEqual([0x4b, 0x60, 0x00, 0x01]);
    // IRQNoFlags () {12}
    expect(bytes(resourceIrqNoFlags([12]))).toEqual([0x22, 0x00, 0x10]);
    // IRQ (Level, ActiveLow, Shared) {10, 11}
    expect(bytes(resourceIrq([10, 11], { edge: false, activeLow: true, shared: true }))).toEqual([
      0x23, 0x00, 0x0c, 0x18,
    ]);
    expect(bytes(resourceEndTag())).toEqual([0x79, 0x00]);
    expect(() => resourceIrqNoFlags([16])).toThrow(RangeError);
    expect(() => resourceFixedIo(0x400, 1)).toThrow(RangeError);
  });

  it('encodes the Word and DWord address space descriptors of a root bridge', () => {
    // WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode, 0, 0, 0xFF, 0, 0x100)
    expect(bytes(resourceWordBusNumber(0, 0xff))).toEqual([
      0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00, 0, 0, 0x00, 0x00, 0xff, 0x00, 0, 0, 0x00, 0x01,
    ]);
    // WordIO (ResourceProducer, MinFixed, MaxFixed, PosDecode, EntireRange, 0, 0, 0xCF7, 0, 0xCF8)
    expect(bytes(resourceWordIo(0, 0xcf7))).toEqual([
      0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03, 0, 0, 0x00, 0x00, 0xf7, 0x0c, 0, 0, 0xf8, 0x0c,
    ]);
    // DWordMemory (..., Cacheable, ReadWrite, 0, 0xA0000, 0xBFFFF, 0, 0x20000)
    expect(bytes(resourceDWordMemory(0xa0000, 0xbffff))).toEqual([
      0x87, 0x17, 0x00, 0x00, 0x0c, 0x03, 0, 0, 0, 0, 0x00, 0x00, 0x0a, 0x00, 0xff, 0xff, 0x0b, 0x00, 0, 0, 0,
      0, 0x00, 0x00, 0x02, 0x00,
    ]);
    expect(() => resourceWordIo(0x10, 0x0f)).toThrow(RangeError);
    expect(() => resourceDWordMemory(0, 0x1_0000_0000)).toThrow(RangeError);
  });

  it('wraps descriptors and an end tag in a Buffer for ResourceTemplate', () => {
    expect(bytes(amlResourceTemplate([resourceIrqNoFlags([1])]))).toEqual([
      0x11, 0x08, 0x0a, 0x05, 0x22, 0x02, 0x00, 0x79, 0x00,
    ]);
  });
});
