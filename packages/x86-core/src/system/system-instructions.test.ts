import { describe, expect, it } from 'vitest';
import { encodeGate, encodeSegmentDescriptor, FakeSystemCpu } from './fake-cpu.js';
import { farCall, farJump, farReturn } from './far-transfer.js';
import { GuestFault } from './fault.js';
import { translateLinear } from './linear.js';
import { SegmentRegister } from './system-cpu.js';
import {
  checkIoPermission,
  invalidatePage,
  loadAccessRights,
  loadLdt,
  loadSegmentLimit,
  loadTaskRegister,
  Msr,
  readDebugRegister,
  readMsr,
  sysenter,
  sysexit,
  verifySegment,
  writeControlRegister,
  writeDebugRegister,
  writeMsr,
} from './system-instructions.js';

const GDT = 0x1000;
const TSS = 0x3000;

function faultOf(action: () => unknown): GuestFault {
  try {
    action();
  } catch (caught) {
    if (caught instanceof GuestFault) return caught;
    throw caught;
  }
  throw new Error('expected a guest fault');
}

/** GDT: 08 code0, 10 data0, 18 code3, 20 data3, 28 TSS (available), 30 LDT, 38 call gate DPL3 -> 08:0x5000 with 2 params. */
function setup(cpl: 0 | 3 = 0) {
  const cpu = new FakeSystemCpu();
  const put = (selector: number, [low, high]: [number, number]) =>
    cpu.writeDescriptor(GDT + (selector & ~7), low, high);
  put(0x08, encodeSegmentDescriptor(0, 0xffffffff, 0x409a00));
  put(0x10, encodeSegmentDescriptor(0, 0xffffffff, 0x409200));
  put(0x18, encodeSegmentDescriptor(0, 0xffffffff, 0x40fa00));
  put(0x20, encodeSegmentDescriptor(0, 0xffffffff, 0x40f200));
  put(0x28, encodeSegmentDescriptor(TSS, 0x2067, 0x8900));
  put(0x30, encodeSegmentDescriptor(0x4000, 0xff, 0x8200));
  put(0x38, encodeGate(0x08, 0x5000, 0xc, 3, 2));
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = 0x3f;
  cpu.cr0 = 0x11;
  cpu.memory.write32(TSS + 4, 0x9000);
  cpu.memory.write32(TSS + 8, 0x10);
  cpu.cpl = cpl;
  const code = cpl === 0 ? 0x08 : 0x1b;
  const data = cpl === 0 ? 0x10 : 0x23;
  const dpl = cpl << 13;
  cpu.setSegmentCache(SegmentRegister.Cs, code, 0, 0xffffffff, 0xc09b00 | dpl);
  for (const index of [0, 2, 3, 4, 5]) cpu.setSegmentCache(index, data, 0, 0xffffffff, 0xc09300 | dpl);
  cpu.registers32[4] = 0x7000;
  return cpu;
}

describe('control registers', () => {
  it('rejects CR writes outside ring 0, PG without PE and unimplemented CR4 bits', () => {
    const cpu = setup(3);
    expect(faultOf(() => writeControlRegister(cpu, 0, 0x80000011))).toMatchObject({
      vector: 13,
      errorCode: 0,
    });
    cpu.cpl = 0;
    expect(faultOf(() => writeControlRegister(cpu, 0, 0x80000010))).toMatchObject({ vector: 13 });
    expect(faultOf(() => writeControlRegister(cpu, 4, 1 << 5))).toMatchObject({ vector: 13 }); // PAE
    expect(faultOf(() => writeControlRegister(cpu, 1, 0))).toMatchObject({ vector: 6 });
    writeControlRegister(cpu, 4, (1 << 4) | (1 << 7));
    expect(cpu.cr4).toBe(0x90);
  });

  it('enables paging through CR0 and flushes translations on CR3 writes and INVLPG', () => {
    const cpu = setup(0);
    cpu.memory.write32(0x10000, 0x11000 | 7); // PDE 0 -> table at 0x11000
    cpu.memory.write32(0x11000 + 5 * 4, 0x20000 | 3); // page 5 -> 0x20000
    writeControlRegister(cpu, 3, 0x10000);
    writeControlRegister(cpu, 0, 0x80000011);
    expect(cpu.cr0 >>> 0).toBe(0x80000011);
    expect(translateLinear(cpu, 0x5123, 0)).toBe(0x20123);
    cpu.memory.write32(0x11000 + 5 * 4, 0x30000 | 3);
    expect(translateLinear(cpu, 0x5123, 0)).toBe(0x20123); // stale until invalidated
    invalidatePage(cpu, 0x5000);
    expect(translateLinear(cpu, 0x5123, 0)).toBe(0x30123);
    expect(cpu.translationInvalidations).toBeGreaterThanOrEqual(3);
  });

  it('aliases DR4/DR5 to DR6/DR7 unless CR4.DE, and honours DR7.GD', () => {
    const cpu = setup(0);
    writeDebugRegister(cpu, 0, 0x1234);
    expect(readDebugRegister(cpu, 0)).toBe(0x1234);
    writeDebugRegister(cpu, 5, 0x1);
    expect(readDebugRegister(cpu, 7)).toBe(0x401);
    cpu.cr4 = 1 << 3;
    expect(faultOf(() => readDebugRegister(cpu, 4))).toMatchObject({ vector: 6 });
    writeDebugRegister(cpu, 7, 0x2000);
    expect(faultOf(() => readDebugRegister(cpu, 0))).toMatchObject({ vector: 1 });
    expect(cpu.debugRegisters[6] & 0x2000).toBe(0x2000);
    expect(cpu.debugRegisters[7] & 0x2000).toBe(0);
  });
});

describe('descriptor-table instructions', () => {
  it('loads TR and marks the TSS busy; a second LTR of the busy TSS is #GP', () => {
    const cpu = setup(0);
    loadTaskRegister(cpu, 0x28);
    expect(cpu.trBase).toBe(TSS);
    expect(cpu.trLimit).toBe(0x2067);
    expect(cpu.memory.read8(GDT + 0x28 + 5) & 0xf).toBe(0xb);
    expect(faultOf(() => loadTaskRegister(cpu, 0x28))).toMatchObject({ vector: 13, errorCode: 0x28 });
    expect(faultOf(() => loadTaskRegister(cpu, 0x10))).toMatchObject({ vector: 13, errorCode: 0x10 });
  });

  it('loads LDTR and accepts a null selector', () => {
    const cpu = setup(0);
    loadLdt(cpu, 0x30);
    expect([cpu.ldtrBase, cpu.ldtrLimit]).toEqual([0x4000, 0xff]);
    loadLdt(cpu, 0);
    expect(cpu.ldtrFlags).toBe(0);
    expect(faultOf(() => loadLdt(cpu, 0x08))).toMatchObject({ vector: 13, errorCode: 0x08 });
  });

  it('answers LAR, LSL, VERR and VERW by privilege and type', () => {
    const cpu = setup(3);
    expect(loadAccessRights(cpu, 0x1b)).toBe(0x40fa00 | 0x800000);
    expect(loadAccessRights(cpu, 0x08)).toBe(-1); // DPL 0 < CPL 3
    expect(loadAccessRights(cpu, 0x3b)).toBe(0x00ec00); // call gate DPL 3
    expect(loadSegmentLimit(cpu, 0x3b)).toBe(-1); // gates have no limit
    expect(loadSegmentLimit(cpu, 0x23)).toBe(0xffffffff);
    expect(verifySegment(cpu, 0x23, true)).toBe(true);
    expect(verifySegment(cpu, 0x1b, true)).toBe(false);
    expect(verifySegment(cpu, 0x1b, false)).toBe(true);
    expect(verifySegment(cpu, 0, false)).toBe(false);
  });
});

describe('far transfers', () => {
  it('calls ring 0 from ring 3 through a call gate, copying parameters, and returns', () => {
    const cpu = setup(3);
    cpu.trBase = TSS;
    cpu.trLimit = 0x67;
    cpu.trFlags = 0x8b00;
    cpu.memory.write32(0x7000, 0xaaaa); // parameter 1 (top of stack)
    cpu.memory.write32(0x7004, 0xbbbb); // parameter 2
    cpu.eip = 0x8048010;
    farCall(cpu, 0x3b, 0, 4);
    expect(cpu.cpl).toBe(0);
    expect(cpu.eip).toBe(0x5000);
    expect(cpu.segmentSelector[SegmentRegister.Cs]).toBe(0x08);
    expect(cpu.segmentSelector[SegmentRegister.Ss]).toBe(0x10);
    const esp = cpu.registers32[4];
    expect(esp).toBe(0x9000 - 24);
    expect([0, 4, 8, 12, 16, 20].map((offset) => cpu.memory.read32(esp + offset))).toEqual([
      0x8048010, 0x1b, 0xaaaa, 0xbbbb, 0x7000, 0x23,
    ]);
    farReturn(cpu, 4, 8);
    expect(cpu.cpl).toBe(3);
    expect(cpu.eip).toBe(0x8048010);
    expect(cpu.registers32[4]).toBe(0x7008);
    expect(cpu.segmentSelector[SegmentRegister.Ss]).toBe(0x23);
  });

  it('rejects a direct far jump to more privileged code with #GP(selector)', () => {
    const cpu = setup(3);
    expect(faultOf(() => farJump(cpu, 0x08, 0x1000, 4))).toMatchObject({ vector: 13, errorCode: 0x08 });
    farJump(cpu, 0x1b, 0x1000, 4);
    expect(cpu.eip).toBe(0x1000);
  });

  it('jumps in real mode by loading CS as selector * 16', () => {
    const cpu = new FakeSystemCpu();
    farJump(cpu, 0xf000, 0xfff0, 2);
    expect(cpu.segmentBase[SegmentRegister.Cs]).toBe(0xf0000);
    expect(cpu.eip).toBe(0xfff0);
  });
});

describe('MSRs, SYSENTER and the I/O bitmap', () => {
  it('reads the TSC from retired instructions and #GPs unknown MSRs', () => {
    const cpu = setup(0);
    cpu.instructionsRetired = 1000;
    expect(readMsr(cpu, Msr.TimeStampCounter)).toBe(1000n);
    writeMsr(cpu, Msr.TimeStampCounter, 5000n);
    cpu.instructionsRetired = 1010;
    expect(readMsr(cpu, Msr.TimeStampCounter)).toBe(5010n);
    expect(faultOf(() => readMsr(cpu, 0xc0000080))).toMatchObject({ vector: 13, errorCode: 0 });
    expect(faultOf(() => writeMsr(cpu, Msr.PageAttributeTable, 0x02n))).toMatchObject({ vector: 13 });
    cpu.cpl = 3;
    expect(faultOf(() => readMsr(cpu, Msr.SysenterCs))).toMatchObject({ vector: 13 });
  });

  it('hands IA32_APIC_BASE to the local APIC behind INTR, with #GP when it refuses or for bits 63-32', () => {
    let base = 0xfee00900;
    const localApic = {
      initialApicId: 0,
      readBaseMsr: () => base,
      writeBaseMsr: (value: number) => {
        if ((value & 0xff) !== 0) return false;
        base = value;
        return true;
      },
    };
    const cpu = Object.assign(setup(0), {
      interrupts: { hasInterrupt: () => false, acknowledge: () => 0, localApic },
    });
    expect(readMsr(cpu, Msr.ApicBase)).toBe(0xfee00900n);
    writeMsr(cpu, Msr.ApicBase, 0xfee00100n);
    expect(base).toBe(0xfee00100);
    expect(faultOf(() => writeMsr(cpu, Msr.ApicBase, 0xfee00101n))).toMatchObject({
      vector: 13,
      errorCode: 0,
    });
    expect(faultOf(() => writeMsr(cpu, Msr.ApicBase, 0x1fee00900n))).toMatchObject({ vector: 13 });
    expect(base).toBe(0xfee00100);
  });

  it('enters ring 0 with SYSENTER and leaves with SYSEXIT', () => {
    const cpu = setup(0);
    writeMsr(cpu, Msr.SysenterCs, 0x08n);
    writeMsr(cpu, Msr.SysenterEsp, 0x9000n);
    writeMsr(cpu, Msr.SysenterEip, 0xc0001000n);
    cpu.cpl = 3;
    cpu.setFlags(0x202);
    sysenter(cpu);
    expect([cpu.cpl, cpu.eip, cpu.registers32[4]]).toEqual([0, 0xc0001000, 0x9000]);
    expect(cpu.segmentSelector[SegmentRegister.Ss]).toBe(0x10);
    expect(cpu.getFlags() & 0x200).toBe(0);
    cpu.registers32[1] = 0xbfff0000; // ECX
    cpu.registers32[2] = 0x8048000; // EDX
    sysexit(cpu);
    expect([cpu.cpl, cpu.eip, cpu.registers32[4]]).toEqual([3, 0x8048000, 0xbfff0000]);
    expect(cpu.segmentSelector[SegmentRegister.Cs]).toBe(0x1b);
    expect(cpu.segmentSelector[SegmentRegister.Ss]).toBe(0x23);
  });

  it('checks every bit of a multi-byte port access in the TSS bitmap', () => {
    const cpu = setup(3);
    loadTaskRegister(Object.assign(cpu, { cpl: 0 }), 0x28);
    cpu.cpl = 3;
    cpu.memory.write16(TSS + 0x66, 0x68);
    for (let offset = 0; offset < 0x2000; offset++) cpu.memory.write8(TSS + 0x68 + offset, 0xff);
    cpu.memory.write8(TSS + 0x68 + (0x3f8 >>> 3), 0x00); // ports 0x3f8-0x3ff allowed
    checkIoPermission(cpu, 0x3f8, 4);
    checkIoPermission(cpu, 0x3fc, 4);
    expect(faultOf(() => checkIoPermission(cpu, 0x3fe, 4))).toMatchObject({ vector: 13, errorCode: 0 });
    expect(faultOf(() => checkIoPermission(cpu, 0x60, 1))).toMatchObject({ vector: 13 });
    cpu.trLimit = 0x67;
    expect(faultOf(() => checkIoPermission(cpu, 0x3f8, 1))).toMatchObject({ vector: 13 });
  });
});
