import { describe, expect, it } from 'vitest';
import { dword, runProgram } from '../../test/core-harness.js';
import type { Cpu } from '../cpu/cpu.js';
import { SegmentRegister } from '../cpu/registers.js';
import type { PhysicalMemory } from '../memory/index.js';
import { Vector } from '../system/vectors.js';

/** FLD1: gives stores a value to write. */
const FLD1 = [0xd9, 0xe8];

/** One x87 memory format: the opcode, ModRM.reg, size in bytes, and whether it stores. */
interface Format {
  name: string;
  opcode: number;
  reg: number;
  length: number;
  store: boolean;
  /** Prefix bytes (0x66 for the 16-bit FSTENV/FSAVE layouts). */
  prefix?: number[];
}

const FORMATS: Format[] = [
  { name: 'FLD m32real', opcode: 0xd9, reg: 0, length: 4, store: false },
  { name: 'FST m32real', opcode: 0xd9, reg: 2, length: 4, store: true },
  { name: 'FADD m64real', opcode: 0xdc, reg: 0, length: 8, store: false },
  { name: 'FSTP m64real', opcode: 0xdd, reg: 3, length: 8, store: true },
  { name: 'FLD m80real', opcode: 0xdb, reg: 5, length: 10, store: false },
  { name: 'FSTP m80real', opcode: 0xdb, reg: 7, length: 10, store: true },
  { name: 'FILD m16int', opcode: 0xdf, reg: 0, length: 2, store: false },
  { name: 'FIST m16int', opcode: 0xdf, reg: 2, length: 2, store: true },
  { name: 'FIADD m32int', opcode: 0xda, reg: 0, length: 4, store: false },
  { name: 'FISTP m32int', opcode: 0xdb, reg: 3, length: 4, store: true },
  { name: 'FILD m64int', opcode: 0xdf, reg: 5, length: 8, store: false },
  { name: 'FISTP m64int', opcode: 0xdf, reg: 7, length: 8, store: true },
  { name: 'FBLD m80bcd', opcode: 0xdf, reg: 4, length: 10, store: false },
  { name: 'FBSTP m80bcd', opcode: 0xdf, reg: 6, length: 10, store: true },
  { name: 'FLDCW m16', opcode: 0xd9, reg: 5, length: 2, store: false },
  { name: 'FNSTCW m16', opcode: 0xd9, reg: 7, length: 2, store: true },
  { name: 'FNSTSW m16', opcode: 0xdd, reg: 7, length: 2, store: true },
  { name: 'FLDENV m28', opcode: 0xd9, reg: 4, length: 28, store: false },
  { name: 'FNSTENV m28', opcode: 0xd9, reg: 6, length: 28, store: true },
  { name: 'FLDENV m14 (o16)', opcode: 0xd9, reg: 4, length: 14, store: false, prefix: [0x66] },
  { name: 'FNSTENV m14 (o16)', opcode: 0xd9, reg: 6, length: 14, store: true, prefix: [0x66] },
  { name: 'FRSTOR m108', opcode: 0xdd, reg: 4, length: 108, store: false },
  { name: 'FNSAVE m108', opcode: 0xdd, reg: 6, length: 108, store: true },
  { name: 'FRSTOR m94 (o16)', opcode: 0xdd, reg: 4, length: 94, store: false, prefix: [0x66] },
  { name: 'FNSAVE m94 (o16)', opcode: 0xdd, reg: 6, length: 94, store: true, prefix: [0x66] },
];

/** `[prefix] opcode modrm(mod 00, rm 101) disp32`: the format's memory form at absolute `offset`. */
function memoryForm(format: Format, offset: number, segmentPrefix: number[] = []): number[] {
  return [...segmentPrefix, ...(format.prefix ?? []), format.opcode, (format.reg << 3) | 5, ...dword(offset)];
}

/** A byte-granular, present, writable, expand-up 32-bit data segment (LAR layout). */
const DATA_SEGMENT = 0x00409300;
const SEGMENT_BASE = 0x30000;
const SEGMENT_LIMIT = 0x1fff;

function runWithLimitedSegment(format: Format, offset: number, segment: number) {
  const prefix = segment === SegmentRegister.Ss ? [0x36] : [];
  return runProgram([...FLD1, ...memoryForm(format, offset, prefix)], {
    setup: (cpu, memory) => {
      cpu.setSegmentCache(segment, 0x10, SEGMENT_BASE, SEGMENT_LIMIT, DATA_SEGMENT);
      memory.writeBytes(SEGMENT_BASE + SEGMENT_LIMIT - 127, new Uint8Array(128).fill(0xaa));
      cpu.intercepts.exceptions.add(Vector.GeneralProtection);
      cpu.intercepts.exceptions.add(Vector.StackFault);
    },
  });
}

describe('x87 memory operands against the segment limit', () => {
  for (const format of FORMATS) {
    it(`${format.name}: the last byte at the limit works, one past it is #GP(0) and writes nothing`, () => {
      const fits = runWithLimitedSegment(format, SEGMENT_LIMIT - format.length + 1, SegmentRegister.Ds);
      expect(fits.exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
      if (format.store) {
        // The store reached the last byte below the limit (FNSTCW/FNSTSW/FNSTENV/FNSAVE all write it).
        const written = fits.memory.readBytes(
          SEGMENT_BASE + SEGMENT_LIMIT - format.length + 1,
          format.length,
        );
        expect(written.some((byte) => byte !== 0xaa)).toBe(true);
      }

      const straddles = runWithLimitedSegment(format, SEGMENT_LIMIT - format.length + 2, SegmentRegister.Ds);
      expect(straddles.exit).toEqual({ kind: 'exception', vector: Vector.GeneralProtection, errorCode: 0 });
      expect(straddles.cpu.eip).toBe(0x1002); // at the x87 instruction, after FLD1
      const below = straddles.memory.readBytes(SEGMENT_BASE + SEGMENT_LIMIT - 127, 128);
      expect(below.every((byte) => byte === 0xaa)).toBe(true);
      expect(straddles.cpu.fpu.state.isEmpty(0)).toBe(false); // FLD1 still there: nothing popped
    });
  }

  it('through SS the straddling operand is #SS(0) (FSTP m64, FNSAVE, FRSTOR)', () => {
    for (const name of ['FSTP m64real', 'FNSAVE m108', 'FRSTOR m108']) {
      const format = FORMATS.find((candidate) => candidate.name === name)!;
      const run = runWithLimitedSegment(format, SEGMENT_LIMIT - format.length + 2, SegmentRegister.Ss);
      expect(run.exit).toEqual({ kind: 'exception', vector: Vector.StackFault, errorCode: 0 });
      const below = run.memory.readBytes(SEGMENT_BASE + SEGMENT_LIMIT - 127, 128);
      expect(below.every((byte) => byte === 0xaa)).toBe(true);
    }
  });

  it('stores through a read-only data segment are #GP(0); loads work', () => {
    const store = FORMATS.find((candidate) => candidate.name === 'FNSTCW m16')!;
    const load = FORMATS.find((candidate) => candidate.name === 'FLDCW m16')!;
    const setup = (cpu: Cpu, memory: PhysicalMemory) => {
      cpu.setSegmentCache(SegmentRegister.Ds, 0x10, SEGMENT_BASE, SEGMENT_LIMIT, 0x00409100);
      memory.write16(SEGMENT_BASE + 0x10, 0x037f);
      cpu.intercepts.exceptions.add(Vector.GeneralProtection);
    };
    const stored = runProgram(memoryForm(store, 0x10), { setup });
    expect(stored.exit).toEqual({ kind: 'exception', vector: Vector.GeneralProtection, errorCode: 0 });
    const loaded = runProgram(memoryForm(load, 0x10), { setup });
    expect(loaded.exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
  });
});

/** Linear 0x400000 maps to physical 0x30000; linear 0x401000 is not present. */
const PAGE_LINEAR = 0x400000;
const PAGE_PHYSICAL = 0x30000;

function pagedSetup(cpu: Cpu, memory: PhysicalMemory): void {
  const directory = 0x100000;
  const identity = 0x101000;
  const mapped = 0x102000;
  memory.write32(directory, identity | 3);
  for (let page = 0; page < 512; page++) memory.write32(identity + page * 4, (page << 12) | 3);
  memory.write32(directory + 4, mapped | 3);
  memory.write32(mapped, PAGE_PHYSICAL | 3);
  memory.write32(mapped + 4, 0); // 0x401000: not present
  memory.writeBytes(PAGE_PHYSICAL + 0xf00, new Uint8Array(0x100).fill(0xaa));
  cpu.cr3 = directory;
  cpu.cr0 = (cpu.cr0 | 0x80000000) >>> 0;
  cpu.invalidateTranslations();
  cpu.intercepts.exceptions.add(Vector.PageFault);
}

describe('x87 memory operands across a page boundary', () => {
  for (const format of FORMATS) {
    it(`${format.name}: second page not present is #PF at the page, memory and FPU unchanged`, () => {
      // Straddle by 1 byte (2-byte operands), else by a few bytes.
      const offset = PAGE_LINEAR + 0x1000 - format.length + Math.min(2, format.length - 1);
      const run = runProgram([...FLD1, ...memoryForm(format, offset)], { setup: pagedSetup });
      expect(run.exit).toEqual({
        kind: 'exception',
        vector: Vector.PageFault,
        errorCode: format.store ? 2 : 0,
        faultAddress: PAGE_LINEAR + 0x1000,
      });
      expect(run.cpu.eip).toBe(0x1002);
      const first = run.memory.readBytes(PAGE_PHYSICAL + 0xf00, 0x100);
      expect(first.every((byte) => byte === 0xaa)).toBe(true);
      // FLD1 is still ST0 and the control word is the reset one (FNSAVE did not reinitialise).
      expect(run.cpu.fpu.state.isEmpty(0)).toBe(false);
      expect(run.cpu.fpu.state.control).toBe(0x037f);
    });
  }
});

describe('FCOMI through the CPU', () => {
  it('clears the OF, SF and AF a lazy ADD left and sets ZF, PF, CF from the compare', () => {
    // mov al, 0x7f ; add al, 1 (OF SF AF set) ; fld1 ; fldz ; fcomi st, st(1) (0 < 1)
    const run = runProgram([0xb0, 0x7f, 0x04, 0x01, ...FLD1, 0xd9, 0xee, 0xdb, 0xf1]);
    expect(run.eflags & 0x8d5).toBe(0x001); // CF only
  });

  it('FUCOMIP of equal values sets ZF, clears OF, SF, AF and pops', () => {
    // mov al, 0x7f ; add al, 1 ; fld1 ; fld1 ; fucomip st, st(1)
    const run = runProgram([0xb0, 0x7f, 0x04, 0x01, ...FLD1, ...FLD1, 0xdf, 0xe9]);
    expect(run.eflags & 0x8d5).toBe(0x040);
    expect(run.cpu.fpu.state.isEmpty(0)).toBe(false);
    expect(run.cpu.fpu.state.isEmpty(1)).toBe(true);
  });
});
