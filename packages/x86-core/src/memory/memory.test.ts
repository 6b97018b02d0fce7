import { describe, expect, it } from 'vitest';
import type { AccessWidth, MmioDevice, PortIo } from '../bus-interfaces.js';
import { PhysicalMemory } from './physical-memory.js';
import { PortBus } from './port-bus.js';

describe('PhysicalMemory', () => {
  it('reads back RAM writes of every width, aligned and unaligned, little-endian', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 16 });
    memory.write32(0x101, 0x11223344);
    expect(memory.read8(0x101)).toBe(0x44);
    expect(memory.read16(0x102)).toBe(0x2233);
    expect(memory.read32(0x101)).toBe(0x11223344);
    memory.write16(0xfff, 0xbeef); // crosses a page
    expect(memory.read16(0xfff)).toBe(0xbeef);
    memory.write32(0xffe, 0xcafebabe);
    expect(memory.read32(0xffe)).toBe(0xcafebabe);
  });

  it('reads all-ones outside RAM and drops writes there', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 16 });
    memory.write32(0x20000, 0x12345678);
    expect(memory.read32(0x20000)).toBe(0xffffffff);
    expect(memory.read8(0xffffffff)).toBe(0xff);
    expect(memory.read16(0xffff)).toBe(0xff00 | memory.read8(0xffff));
  });

  it('keeps ROM read-only', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    memory.mapRom(0xc0000, Uint8Array.from([0x55, 0xaa, 0x10]));
    memory.write8(0xc0000, 0);
    expect(memory.read16(0xc0000)).toBe(0xaa55);
    expect(memory.read8(0xc0003)).toBe(0xff);
  });

  it('dispatches MMIO accesses with the offset inside the region and the width', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const log: string[] = [];
    const device: MmioDevice = {
      read: (offset: number, width: AccessWidth) => {
        log.push(`r${width}@${offset.toString(16)}`);
        return 0x12345678;
      },
      write: (offset: number, width: AccessWidth, value: number) => {
        log.push(`w${width}@${offset.toString(16)}=${value.toString(16)}`);
      },
    };
    memory.mapMmio(0xfee00000, 0x1000, device);
    expect(memory.read32(0xfee00020)).toBe(0x12345678);
    expect(memory.read8(0xfee00030)).toBe(0x78);
    memory.write16(0xfee000b0, 0xabcd);
    expect(log).toEqual(['r4@20', 'r1@30', 'w2@b0=abcd']);
  });

  it('wraps bit 20 while the A20 gate is disabled', () => {
    const memory = new PhysicalMemory({ ramBytes: 2 << 20 });
    memory.write8(0x100005, 0x42);
    memory.setA20(false);
    expect(memory.read8(0x100005)).toBe(memory.read8(0x5));
    memory.write8(0x100006, 0x24);
    memory.setA20(true);
    expect(memory.read8(0x6)).toBe(0x24);
    expect(memory.read8(0x100005)).toBe(0x42);
  });

  it('reports writes to pages marked as holding code', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 16 });
    const pages: number[] = [];
    memory.onCodeWrite = (page) => pages.push(page);
    memory.codePages[3] = 1;
    memory.write8(0x3004, 1);
    memory.write8(0x3005, 1); // already reported: the mark is cleared
    memory.write32(0x2000, 1);
    expect(pages).toEqual([3]);
  });

  it('rejects unaligned regions and absurd RAM sizes', () => {
    expect(() => new PhysicalMemory({ ramBytes: 2 ** 40 })).toThrow(RangeError);
    const memory = new PhysicalMemory({ ramBytes: 4096 });
    expect(() => memory.mapRom(0x123, new Uint8Array(1))).toThrow(RangeError);
  });
});

describe('PortBus', () => {
  it('gives devices the offset in their range and unclaimed ports all-ones', () => {
    const bus = new PortBus();
    const seen: string[] = [];
    const device: PortIo = {
      read: (offset, width) => {
        seen.push(`r${offset}/${width}`);
        return 0xab;
      },
      write: (offset, width, value) => {
        seen.push(`w${offset}/${width}=${value}`);
      },
    };
    bus.register(0x3f8, 8, device);
    expect(bus.read(0x3fd, 1)).toBe(0xab);
    bus.write(0x3f8, 1, 0x141);
    expect(seen).toEqual(['r5/1', 'w0/1=65']);
    expect(bus.read(0x80, 2)).toBe(0xffff);
    expect(bus.read(0x80, 4)).toBe(0xffffffff);
    expect(() => bus.register(0xfffe, 4, device)).toThrow(RangeError);
  });
});
