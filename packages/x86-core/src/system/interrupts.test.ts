import { describe, expect, it } from 'vitest';
import { encodeGate, encodeSegmentDescriptor, FakeSystemCpu } from './fake-cpu.js';
import { GuestFault, TripleFault } from './fault.js';
import { deliverInterrupt, deliverOnce, EventKind, interruptReturn } from './interrupts.js';
import { loadSegment } from './segmentation.js';
import { SegmentRegister } from './system-cpu.js';

const GDT = 0x1000;
const IDT = 0x2000;
const TSS = 0x3000;
const CODE0 = 0x08;
const DATA0 = 0x10;
const CODE3 = 0x1b;
const DATA3 = 0x23;
const TSS_SELECTOR = 0x28;
const DOUBLE_FAULT_TSS_SELECTOR = 0x30;
const DOUBLE_FAULT_TSS = 0x3200;

/** Flat GDT (ring 0 and ring 3 code/data), a 32-bit TSS with SS0:ESP0 = 0x10:0x9000, an IDT. */
function protectedModeCpu(cpl: 0 | 3 = 0) {
  const cpu = new FakeSystemCpu();
  const put = (selector: number, [low, high]: [number, number]) =>
    cpu.writeDescriptor(GDT + (selector & ~7), low, high);
  put(CODE0, encodeSegmentDescriptor(0, 0xffffffff, 0x409a00));
  put(DATA0, encodeSegmentDescriptor(0, 0xffffffff, 0x409200));
  put(CODE3, encodeSegmentDescriptor(0, 0xffffffff, 0x40fa00));
  put(DATA3, encodeSegmentDescriptor(0, 0xffffffff, 0x40f200));
  put(TSS_SELECTOR, encodeSegmentDescriptor(TSS, 0x67, 0x8b00));
  put(DOUBLE_FAULT_TSS_SELECTOR, encodeSegmentDescriptor(DOUBLE_FAULT_TSS, 0x67, 0x8900));
  cpu.memory.write32(TSS + 4, 0x9000);
  cpu.memory.write32(TSS + 8, DATA0);
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = 0x3f;
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 0x7ff;
  cpu.trSelector = TSS_SELECTOR;
  cpu.trBase = TSS;
  cpu.trLimit = 0x67;
  cpu.trFlags = 0x8b00;
  cpu.cr0 = 0x11;
  cpu.cpl = cpl;
  const code = cpl === 0 ? CODE0 : CODE3;
  const data = cpl === 0 ? DATA0 : DATA3;
  const flagsOf = (selector: number) =>
    selector === CODE0 ? 0xc09b00 : selector === CODE3 ? 0xc0fb00 : selector === DATA0 ? 0xc09300 : 0xc0f300;
  cpu.setSegmentCache(SegmentRegister.Cs, code, 0, 0xffffffff, flagsOf(code));
  for (const index of [0, 2, 3, 4, 5]) cpu.setSegmentCache(index, data, 0, 0xffffffff, flagsOf(data));
  cpu.registers32[4] = 0x7000;
  cpu.setFlags(0x202);
  const setGate = (vector: number, [low, high]: [number, number]) =>
    cpu.writeDescriptor(IDT + vector * 8, low, high);
  return { cpu, setGate };
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

describe('real-mode interrupts', () => {
  it('pushes FLAGS, CS, IP and jumps through the IVT', () => {
    const cpu = new FakeSystemCpu();
    cpu.memory.write32(0x21 * 4, 0x12345678); // 1234:5678
    cpu.setSegmentCache(SegmentRegister.Cs, 0x0100, 0x1000, 0xffff, 0x9b00);
    cpu.setSegmentCache(SegmentRegister.Ss, 0x0200, 0x2000, 0xffff, 0x9300);
    cpu.registers32[4] = 0x100;
    cpu.eip = 0x42;
    cpu.setFlags(0x302);
    deliverInterrupt(cpu, 0x21, EventKind.Software);
    expect(cpu.segmentSelector[SegmentRegister.Cs]).toBe(0x1234);
    expect(cpu.segmentBase[SegmentRegister.Cs]).toBe(0x12340);
    expect(cpu.eip).toBe(0x5678);
    expect(cpu.registers32[4]).toBe(0xfa);
    expect(cpu.memory.read16(0x20fa)).toBe(0x42);
    expect(cpu.memory.read16(0x20fc)).toBe(0x0100);
    expect(cpu.memory.read16(0x20fe)).toBe(0x302);
    expect(cpu.getFlags() & 0x300).toBe(0);
    interruptReturn(cpu, 2);
    expect(cpu.eip).toBe(0x42);
    expect(cpu.segmentBase[SegmentRegister.Cs]).toBe(0x1000);
    expect(cpu.getFlags()).toBe(0x302);
  });
});

describe('protected-mode interrupts', () => {
  it('delivers a #GP with its error code through a ring-0 interrupt gate at the same privilege', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    setGate(13, encodeGate(CODE0, 0x401000, 0xe, 0));
    cpu.eip = 0x1234;
    deliverInterrupt(cpu, 13, EventKind.Exception, 0x28);
    expect(cpu.eip).toBe(0x401000);
    expect(cpu.registers32[4]).toBe(0x7000 - 16);
    expect(cpu.memory.read32(0x7000 - 16)).toBe(0x28); // error code
    expect(cpu.memory.read32(0x7000 - 12)).toBe(0x1234); // EIP
    expect(cpu.memory.read32(0x7000 - 8)).toBe(CODE0);
    expect(cpu.memory.read32(0x7000 - 4)).toBe(0x202 | 0x10000); // EFLAGS with RF (fault)
    expect(cpu.getFlags() & 0x200).toBe(0); // interrupt gate clears IF
  });

  it('switches to SS0:ESP0 from ring 3 and returns with IRET', () => {
    const { cpu, setGate } = protectedModeCpu(3);
    setGate(0x80, encodeGate(CODE0, 0x500000, 0xf, 3));
    cpu.eip = 0x8048000;
    deliverInterrupt(cpu, 0x80, EventKind.Software);
    expect(cpu.cpl).toBe(0);
    expect(cpu.segmentSelector[SegmentRegister.Ss]).toBe(DATA0);
    expect(cpu.registers32[4]).toBe(0x9000 - 20);
    expect(cpu.memory.read32(0x9000 - 4)).toBe(DATA3);
    expect(cpu.memory.read32(0x9000 - 8)).toBe(0x7000);
    expect(cpu.memory.read32(0x9000 - 16)).toBe(CODE3);
    expect(cpu.getFlags() & 0x200).toBe(0x200); // trap gate keeps IF
    cpu.setSegmentCache(SegmentRegister.Ds, DATA0, 0, 0xffffffff, 0xc09300);
    interruptReturn(cpu, 4);
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x8048000);
    expect(cpu.registers32[4]).toBe(0x7000);
    expect(cpu.segmentSelector[SegmentRegister.Ss]).toBe(DATA3);
    expect(cpu.segmentSelector[SegmentRegister.Ds]).toBe(0); // ring-0 data nulled on return to ring 3
  });

  it('refuses INT n from ring 3 through a DPL 0 gate with #GP(vector*8+2)', () => {
    const { cpu, setGate } = protectedModeCpu(3);
    setGate(0x30, encodeGate(CODE0, 0x500000, 0xe, 0));
    const fault = faultOf(() => deliverOnce(cpu, 0x30, EventKind.Software));
    expect(fault.vector).toBe(13);
    expect(fault.errorCode).toBe(0x30 * 8 + 2);
    setGate(13, encodeGate(CODE0, 0x600000, 0xe, 0));
    cpu.eip = 0x1000;
    deliverInterrupt(cpu, 0x30, EventKind.Software);
    expect(cpu.eip).toBe(0x600000);
    expect(cpu.memory.read32(cpu.registers32[4])).toBe(0x30 * 8 + 2);
  });

  it('sets EXT in error codes of faults raised while delivering an external interrupt', () => {
    const { cpu } = protectedModeCpu(0);
    const fault = faultOf(() => deliverOnce(cpu, 0x40, EventKind.External));
    expect(fault.vector).toBe(13);
    expect(fault.errorCode).toBe(0x40 * 8 + 3);
  });

  it('raises #NP for a not-present gate and #GP beyond the IDT limit', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    const [low, high] = encodeGate(CODE0, 0x1000, 0xe, 0);
    setGate(5, [low, high & ~0x8000]);
    expect(faultOf(() => deliverOnce(cpu, 5, EventKind.Exception)).vector).toBe(11);
    cpu.idtrLimit = 0xff;
    const fault = faultOf(() => deliverOnce(cpu, 0x20, EventKind.Software));
    expect([fault.vector, fault.errorCode]).toEqual([13, 0x102]);
  });

  it('turns a #GP during #GP delivery into #DF and a fault during #DF into a triple fault', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    setGate(13, encodeGate(0x38, 0x1000, 0xe, 0)); // selector beyond the GDT limit
    setGate(8, encodeGate(CODE0, 0x2000, 0xe, 0));
    deliverInterrupt(cpu, 13, EventKind.Exception, 0);
    expect(cpu.eip).toBe(0x2000);
    expect(cpu.memory.read32(cpu.registers32[4])).toBe(0); // #DF error code
    setGate(8, encodeGate(0x38, 0x2000, 0xe, 0));
    expect(() => deliverInterrupt(cpu, 13, EventKind.Exception, 0)).toThrow(TripleFault);
  });

  it('delivers a #GP raised while delivering a benign #UD serially (no double fault)', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    setGate(8, encodeGate(CODE0, 0x8000, 0xe, 0));
    setGate(13, encodeGate(CODE0, 0x1300, 0xe, 0));
    // The #UD gate names a null code selector: #GP(EXT=1) is delivered serially.
    setGate(6, encodeGate(0, 0x600, 0xe, 0));
    deliverInterrupt(cpu, 6, EventKind.Exception);
    expect(cpu.eip).toBe(0x1300);
    expect(cpu.memory.read32(cpu.registers32[4])).toBe(1);
  });

  it('switches tasks through a task gate for #DF (as Linux does) and back with IRET', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    setGate(8, encodeGate(DOUBLE_FAULT_TSS_SELECTOR, 0, 0x5, 0));
    cpu.memory.write32(DOUBLE_FAULT_TSS + 0x20, 0x7777); // EIP
    cpu.memory.write32(DOUBLE_FAULT_TSS + 0x24, 0x2); // EFLAGS
    cpu.memory.write32(DOUBLE_FAULT_TSS + 0x38, 0xa000); // ESP
    for (const [offset, selector] of [
      [0x48, DATA0],
      [0x4c, CODE0],
      [0x50, DATA0],
      [0x54, DATA0],
    ]) {
      cpu.memory.write16(DOUBLE_FAULT_TSS + offset, selector);
    }
    cpu.eip = 0x1111;
    cpu.registers32[0] = 0xabcd;
    deliverInterrupt(cpu, 8, EventKind.Exception, 0);
    expect(cpu.trSelector).toBe(DOUBLE_FAULT_TSS_SELECTOR);
    expect(cpu.eip).toBe(0x7777);
    expect(cpu.registers32[4]).toBe(0xa000 - 4); // error code pushed on the new stack
    expect(cpu.getFlags() & 0x4000).toBe(0x4000); // NT
    expect(cpu.cr0 & 8).toBe(8); // TS
    expect(cpu.memory.read16(DOUBLE_FAULT_TSS)).toBe(TSS_SELECTOR); // back link
    expect(cpu.memory.read32(TSS + 0x20)).toBe(0x1111); // old EIP saved
    expect(cpu.memory.read32(TSS + 0x28)).toBe(0xabcd); // old EAX saved
    expect(cpu.memory.read8(GDT + DOUBLE_FAULT_TSS_SELECTOR + 5) & 0xf).toBe(0xb); // busy
    interruptReturn(cpu, 4);
    expect(cpu.trSelector).toBe(TSS_SELECTOR);
    expect(cpu.eip).toBe(0x1111);
    expect(cpu.registers32[0]).toBe(0xabcd);
    expect(cpu.memory.read8(GDT + DOUBLE_FAULT_TSS_SELECTOR + 5) & 0xf).toBe(0x9); // no longer busy
  });

  it('enters ring 0 from virtual-8086 mode, saving the data segments, and IRETs back', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    setGate(13, encodeGate(CODE0, 0x4000, 0xe, 0));
    // Build an IRET frame to v86 mode on the ring-0 stack: EIP CS EFLAGS ESP SS ES DS FS GS.
    const frame = [0x0100, 0x2000, 0x20202, 0x0ffe, 0x3000, 0x1111, 0x2222, 0x3333, 0x4444];
    cpu.registers32[4] = 0x6000 - frame.length * 4;
    frame.forEach((value, index) => {
      cpu.memory.write32(cpu.registers32[4] + index * 4, value);
    });
    interruptReturn(cpu, 4);
    expect(cpu.getFlags() & 0x20000).toBe(0x20000);
    expect(cpu.cpl).toBe(3);
    expect(cpu.segmentBase[SegmentRegister.Cs]).toBe(0x20000);
    expect(cpu.segmentBase[SegmentRegister.Ds]).toBe(0x22220);
    expect(cpu.eip).toBe(0x100);
    // INT n in v86 with IOPL 0 is #GP(0) to the monitor.
    expect(faultOf(() => deliverOnce(cpu, 0x21, EventKind.Software))).toMatchObject({
      vector: 13,
      errorCode: 0,
    });
    cpu.eip = 0x100;
    deliverInterrupt(cpu, 13, EventKind.Exception, 0);
    expect(cpu.cpl).toBe(0);
    expect(cpu.getFlags() & 0x20000).toBe(0);
    expect(cpu.registers32[4]).toBe(0x9000 - 40);
    expect(cpu.memory.read32(0x9000 - 4)).toBe(0x4444); // GS
    expect(cpu.memory.read32(0x9000 - 16)).toBe(0x1111); // ES
    expect(cpu.memory.read32(0x9000 - 20)).toBe(0x3000); // SS
    expect(cpu.segmentSelector[SegmentRegister.Ds]).toBe(0);
    cpu.registers32[4] += 4; // the handler pops the error code
    interruptReturn(cpu, 4);
    expect(cpu.getFlags() & 0x20000).toBe(0x20000);
    expect(cpu.segmentBase[SegmentRegister.Gs]).toBe(0x44440);
    expect(cpu.registers32[4]).toBe(0x0ffe);
  });
});

describe('16-bit gates', () => {
  it('pushes a 16-bit frame through a 16-bit interrupt gate and returns with a 16-bit IRET', () => {
    const { cpu, setGate } = protectedModeCpu(0);
    setGate(0x40, encodeGate(CODE0, 0x1234, 0x6, 0));
    cpu.eip = 0x5678;
    cpu.setFlags(0x246);
    deliverInterrupt(cpu, 0x40, EventKind.Software);
    expect(cpu.eip).toBe(0x1234);
    expect(cpu.registers32[4]).toBe(0x7000 - 6);
    expect(cpu.memory.read16(0x7000 - 6)).toBe(0x5678);
    expect(cpu.memory.read16(0x7000 - 4)).toBe(CODE0);
    expect(cpu.memory.read16(0x7000 - 2)).toBe(0x246);
    expect(cpu.getFlags() & 0x200).toBe(0);
    cpu.setFlags(0x2);
    interruptReturn(cpu, 2);
    expect(cpu.eip).toBe(0x5678);
    expect(cpu.registers32[4]).toBe(0x7000);
    expect(cpu.getFlags() & 0xfff).toBe(0x246);
  });
});

describe('segment loads', () => {
  it('loads a data segment, sets the accessed bit and rejects bad selectors with the right faults', () => {
    const { cpu } = protectedModeCpu(3);
    loadSegment(cpu, SegmentRegister.Ds, DATA3);
    expect(cpu.memory.read8(GDT + 0x20 + 5) & 1).toBe(1);
    expect(faultOf(() => loadSegment(cpu, SegmentRegister.Ds, DATA0))).toMatchObject({
      vector: 13,
      errorCode: DATA0,
    });
    expect(faultOf(() => loadSegment(cpu, SegmentRegister.Ds, 0x80))).toMatchObject({
      vector: 13,
      errorCode: 0x80,
    });
    expect(faultOf(() => loadSegment(cpu, SegmentRegister.Ss, 0))).toMatchObject({
      vector: 13,
      errorCode: 0,
    });
    expect(faultOf(() => loadSegment(cpu, SegmentRegister.Ss, DATA3 & ~3))).toMatchObject({ vector: 13 });
    const [low, high] = encodeSegmentDescriptor(0, 0xfffff, 0x40f200);
    cpu.writeDescriptor(GDT + 0x38, low, high & ~0x8000);
    expect(faultOf(() => loadSegment(cpu, SegmentRegister.Es, 0x3b))).toMatchObject({
      vector: 11,
      errorCode: 0x38,
    });
    expect(faultOf(() => loadSegment(cpu, SegmentRegister.Ss, 0x3b))).toMatchObject({
      vector: 12,
      errorCode: 0x38,
    });
    loadSegment(cpu, SegmentRegister.Fs, 0);
    expect(cpu.segmentFlags[SegmentRegister.Fs]).toBe(0);
  });
});
