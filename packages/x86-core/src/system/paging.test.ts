import { describe, expect, it } from 'vitest';
import { GuestFault } from './fault.js';
import { Access, Mmu, PageEntry, PageFaultError } from './paging.js';
import { ArrayPhysicalAccess } from './physical-access.js';

const P = PageEntry.Present;
const W = PageEntry.Writable;
const U = PageEntry.User;
const CR0_PG = 0x80000000;
const CR0_WP = 1 << 16;
const CR4_PSE = 1 << 4;
const CR4_PGE = 1 << 7;

/** 4 MiB of RAM; page directory at 0x1000, one page table at 0x2000 covering 0-4 MiB. */
function setup(cr0 = CR0_PG | 1, cr4 = 0) {
  const memory = new ArrayPhysicalAccess(new Uint8Array(4 << 20));
  const mmu = new Mmu(memory);
  memory.write32(0x1000, 0x2000 | P | W | U);
  mmu.writeCr4(cr4);
  mmu.writeCr3(0x1000);
  mmu.writeCr0(cr0);
  const mapPage = (linearPage: number, physicalPage: number, bits: number) =>
    memory.write32(0x2000 + linearPage * 4, (physicalPage << 12) | bits);
  return { memory, mmu, mapPage };
}

function faultOf(action: () => unknown): GuestFault {
  try {
    action();
  } catch (caught) {
    if (caught instanceof GuestFault) return caught;
    throw caught;
  }
  throw new Error('expected a guest fault');
}

describe('Mmu', () => {
  it('passes linear addresses through unchanged while CR0.PG=0', () => {
    const { mmu } = setup(1);
    expect(mmu.translate(0xdeadbeef, Access.User | Access.Write)).toBe(0xdeadbeef);
  });

  it('translates a 4 KiB page and sets the accessed bits of PDE and PTE', () => {
    const { memory, mmu, mapPage } = setup();
    mapPage(5, 0x123, P | W | U);
    expect(mmu.translate(0x5abc, Access.Read)).toBe(0x123abc);
    expect(memory.read32(0x1000) & PageEntry.Accessed).toBe(PageEntry.Accessed);
    expect(memory.read32(0x2000 + 20) & (PageEntry.Accessed | PageEntry.Dirty)).toBe(PageEntry.Accessed);
  });

  it('sets the dirty bit on the first write even after a read filled the TLB', () => {
    const { memory, mmu, mapPage } = setup();
    mapPage(5, 0x123, P | W | U);
    mmu.translate(0x5000, Access.User);
    const walks = mmu.statistics.walks;
    mmu.translate(0x5004, Access.User | Access.Write);
    expect(mmu.statistics.walks).toBe(walks + 1);
    expect(memory.read32(0x2000 + 20) & PageEntry.Dirty).toBe(PageEntry.Dirty);
    mmu.translate(0x5008, Access.User | Access.Write);
    expect(mmu.statistics.walks).toBe(walks + 1);
  });

  it('raises #PF with P=0 and the W/U bits for a not-present page', () => {
    const { mmu } = setup();
    const fault = faultOf(() => mmu.translate(0x7123, Access.User | Access.Write));
    expect(fault.vector).toBe(14);
    expect(fault.errorCode).toBe(PageFaultError.Write | PageFaultError.User);
    expect(fault.faultAddress).toBe(0x7123);
  });

  it('raises #PF with P=0 for a not-present page directory entry', () => {
    const { mmu } = setup();
    const fault = faultOf(() => mmu.translate(0x80001000, Access.Read));
    expect(fault.errorCode).toBe(0);
    expect(fault.faultAddress).toBe(0x80001000);
  });

  it('forbids user access to a supervisor page with error code P|U', () => {
    const { mmu, mapPage } = setup();
    mapPage(3, 3, P | W);
    expect(mmu.translate(0x3000, Access.Write)).toBe(0x3000);
    const fault = faultOf(() => mmu.translate(0x3000, Access.User));
    expect(fault.errorCode).toBe(PageFaultError.Protection | PageFaultError.User);
  });

  it('forbids user writes to read-only pages and honours CR0.WP for supervisor writes', () => {
    const { mmu, mapPage } = setup(CR0_PG | 1);
    mapPage(4, 4, P | U);
    expect(mmu.translate(0x4000, Access.Write)).toBe(0x4000);
    expect(faultOf(() => mmu.translate(0x4000, Access.User | Access.Write)).errorCode).toBe(7);
    mmu.writeCr0(CR0_PG | CR0_WP | 1);
    expect(faultOf(() => mmu.translate(0x4000, Access.Write)).errorCode).toBe(
      PageFaultError.Protection | PageFaultError.Write,
    );
  });

  it('combines R/W and U/S of both levels', () => {
    const { memory, mmu, mapPage } = setup();
    memory.write32(0x1000, 0x2000 | P | U); // directory entry read-only
    mapPage(6, 6, P | W | U);
    expect(mmu.translate(0x6000, Access.User)).toBe(0x6000);
    expect(faultOf(() => mmu.translate(0x6000, Access.User | Access.Write)).errorCode).toBe(7);
  });

  it('maps 4 MiB pages with CR4.PSE and sets accessed and dirty in the PDE', () => {
    const { memory, mmu } = setup(CR0_PG | 1, CR4_PSE);
    memory.write32(0x1000 + 0x300 * 4, 0x00400000 | PageEntry.PageSize | P | W);
    expect(mmu.translate(0xc0123456, Access.Write)).toBe(0x00523456);
    expect(memory.read32(0x1000 + 0x300 * 4) & 0x60).toBe(0x60);
  });

  it('ignores PDE.PS without CR4.PSE', () => {
    const { memory, mmu } = setup(CR0_PG | 1, 0);
    memory.write32(0x1000 + 4, 0x2000 | PageEntry.PageSize | P | W);
    memory.write32(0x2000 + 4, 0x9000 | P);
    expect(mmu.translate(0x401000, Access.Read)).toBe(0x9000);
  });

  it('raises #PF with RSVD for reserved bits in a 4 MiB PDE', () => {
    const { memory, mmu } = setup(CR0_PG | 1, CR4_PSE);
    memory.write32(0x1000 + 8, 0x00800000 | 0x2000 | PageEntry.PageSize | P);
    expect(faultOf(() => mmu.translate(0x800000, Access.Read)).errorCode).toBe(
      PageFaultError.Protection | PageFaultError.ReservedBit,
    );
  });

  it('keeps stale translations until INVLPG or a CR3 write', () => {
    const { mmu, mapPage } = setup();
    mapPage(8, 0x10, P | W);
    expect(mmu.translate(0x8000, Access.Read)).toBe(0x10000);
    mapPage(8, 0x11, P | W);
    expect(mmu.translate(0x8000, Access.Read)).toBe(0x10000);
    mmu.invalidatePage(0x8fff);
    expect(mmu.translate(0x8000, Access.Read)).toBe(0x11000);
    mapPage(8, 0x12, P | W);
    mmu.writeCr3(0x1000);
    expect(mmu.translate(0x8000, Access.Read)).toBe(0x12000);
  });

  it('keeps global pages across CR3 writes only while CR4.PGE=1', () => {
    const { mmu, mapPage } = setup(CR0_PG | 1, CR4_PGE);
    mapPage(9, 0x20, P | W | PageEntry.Global);
    mapPage(10, 0x30, P | W);
    mmu.translate(0x9000, Access.Read);
    mmu.translate(0xa000, Access.Read);
    mapPage(9, 0x21, P | W | PageEntry.Global);
    mapPage(10, 0x31, P | W);
    mmu.writeCr3(0x1000);
    expect(mmu.translate(0x9000, Access.Read)).toBe(0x20000);
    expect(mmu.translate(0xa000, Access.Read)).toBe(0x31000);
    mmu.writeCr4(0);
    expect(mmu.translate(0x9000, Access.Read)).toBe(0x21000);
  });

  it('flushes everything when CR0.WP changes', () => {
    const { mmu, mapPage } = setup();
    mapPage(4, 4, P | PageEntry.Dirty);
    expect(mmu.translate(0x4000, Access.Write)).toBe(0x4000);
    mmu.writeCr0(CR0_PG | CR0_WP | 1);
    expect(() => mmu.translate(0x4000, Access.Write)).toThrow();
  });

  it('probes without side effects', () => {
    const { memory, mmu, mapPage } = setup();
    mapPage(5, 0x55, P);
    expect(mmu.probe(0x5000, Access.Read)).toBe(0x55000);
    expect(mmu.probe(0x5000, Access.User)).toBe(-1);
    expect(memory.read32(0x2000 + 20) & PageEntry.Accessed).toBe(0);
    expect(mmu.filledPageCount).toBe(0);
  });

  it('stays bounded when the guest maps far more pages than the fill list holds', () => {
    const memory = new ArrayPhysicalAccess(new Uint8Array(4 << 20));
    const mmu = new Mmu(memory, 16);
    memory.write32(0x1000, 0x2000 | P | W);
    for (let page = 0; page < 1024; page++) memory.write32(0x2000 + page * 4, (page << 12) | P | W);
    mmu.writeCr3(0x1000);
    mmu.writeCr0(CR0_PG | 1);
    for (let page = 0; page < 1024; page++) {
      expect(mmu.translate(page << 12, Access.Read)).toBe(page << 12);
    }
    expect(mmu.filledPageCount).toBeLessThanOrEqual(16);
  });
});
