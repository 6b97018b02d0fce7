import { describe, expect, it } from 'vitest';
import { FakeSystemCpu } from './fake-cpu.js';
import { GuestFault } from './fault.js';
import { Access } from './paging.js';
import { checkSegmentLimit, loadRealModeSegment } from './segmentation.js';
import { SegmentRegister } from './system-cpu.js';

function faultOf(action: () => unknown): GuestFault | undefined {
  try {
    action();
  } catch (caught) {
    if (caught instanceof GuestFault) return caught;
    throw caught;
  }
  return undefined;
}

describe('segment access checks', () => {
  it('accepts offsets inside an expand-up segment and rejects the last byte beyond the limit', () => {
    const cpu = new FakeSystemCpu();
    cpu.cr0 = 0x11;
    cpu.setSegmentCache(SegmentRegister.Ds, 0x10, 0, 0xfff, 0x409300);
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Ds, 0xffc, 4, Access.Read))).toBeUndefined();
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Ds, 0xffd, 4, Access.Read))).toMatchObject({
      vector: 13,
      errorCode: 0,
    });
  });

  it('treats expand-down segments as valid above the limit, up to 64 KiB or 4 GiB by the B bit', () => {
    const cpu = new FakeSystemCpu();
    cpu.cr0 = 0x11;
    cpu.setSegmentCache(SegmentRegister.Ss, 0x10, 0, 0xfff, 0x009700); // expand-down, writable, B=0
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Ss, 0x800, 2, Access.Write))).toMatchObject({
      vector: 12,
    });
    expect(
      faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Ss, 0x1000, 2, Access.Write)),
    ).toBeUndefined();
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Ss, 0xffff, 2, Access.Write))).toMatchObject({
      vector: 12,
    });
    cpu.setSegmentCache(SegmentRegister.Ss, 0x10, 0, 0xfff, 0x409700); // B=1
    expect(
      faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Ss, 0xffff, 2, Access.Write)),
    ).toBeUndefined();
  });

  it('rejects writes to read-only data, reads of execute-only code and any use of a null segment', () => {
    const cpu = new FakeSystemCpu();
    cpu.cr0 = 0x11;
    cpu.setSegmentCache(SegmentRegister.Es, 0x10, 0, 0xfffff, 0x409100); // read-only data
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Es, 0, 4, Access.Write))).toMatchObject({
      vector: 13,
    });
    cpu.setSegmentCache(SegmentRegister.Fs, 0x08, 0, 0xfffff, 0x409900); // execute-only code
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Fs, 0, 4, Access.Read))).toMatchObject({
      vector: 13,
    });
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Fs, 0, 1, Access.Execute))).toBeUndefined();
    cpu.setSegmentCache(SegmentRegister.Gs, 0, 0, 0, 0);
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Gs, 0, 1, Access.Read))).toMatchObject({
      vector: 13,
    });
  });

  it('checks only the limit in real mode and keeps a cached 4 GiB limit (unreal mode)', () => {
    const cpu = new FakeSystemCpu();
    cpu.setSegmentCache(SegmentRegister.Ds, 0, 0, 0xffffffff, 0x009300);
    loadRealModeSegment(cpu, SegmentRegister.Ds, 0x1234);
    expect(cpu.segmentBase[SegmentRegister.Ds]).toBe(0x12340);
    expect(cpu.segmentLimit[SegmentRegister.Ds]).toBe(0xffffffff);
    cpu.setSegmentCache(SegmentRegister.Es, 0x10, 0, 0xffff, 0x009100);
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Es, 0, 4, Access.Write))).toBeUndefined();
    expect(faultOf(() => checkSegmentLimit(cpu, SegmentRegister.Es, 0xfffe, 4, Access.Read))).toMatchObject({
      vector: 13,
    });
  });
});
