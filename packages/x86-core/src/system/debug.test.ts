import { describe, expect, it } from 'vitest';
import {
  breakpointsArmed,
  Dr6,
  matchDataBreakpoint,
  matchInstructionBreakpoint,
  matchIoBreakpoint,
  recordBreakpointHits,
} from './debug.js';
import { FakeSystemCpu } from './fake-cpu.js';

describe('debug breakpoints', () => {
  it('matches execute, write, read/write and I/O breakpoints by DR7 condition and length', () => {
    const cpu = new FakeSystemCpu();
    cpu.debugRegisters[7] = 0x400;
    expect(breakpointsArmed(cpu)).toBe(false);
    cpu.debugRegisters[0] = 0x1000; // execute
    cpu.debugRegisters[1] = 0x2002; // write, 2 bytes
    cpu.debugRegisters[2] = 0x3000; // read/write, 4 bytes
    cpu.debugRegisters[3] = 0x3f8; // I/O, 1 byte
    cpu.debugRegisters[7] = 0x400 | 0xff | (0x0 << 16) | (0x5 << 20) | (0xf << 24) | (0x2 << 28);
    expect(breakpointsArmed(cpu)).toBe(true);
    expect(matchInstructionBreakpoint(cpu, 0x1000)).toBe(1);
    expect(matchInstructionBreakpoint(cpu, 0x1001)).toBe(0);
    expect(matchDataBreakpoint(cpu, 0x2003, 1, true)).toBe(2);
    expect(matchDataBreakpoint(cpu, 0x2003, 1, false)).toBe(0);
    expect(matchDataBreakpoint(cpu, 0x2ffe, 4, false)).toBe(4); // overlaps 0x3000
    expect(matchIoBreakpoint(cpu, 0x3f8, 1)).toBe(0); // CR4.DE clear
    cpu.cr4 = 1 << 3;
    expect(matchIoBreakpoint(cpu, 0x3f8, 1)).toBe(8);
    recordBreakpointHits(cpu, 2, Dr6.SingleStep);
    expect(cpu.debugRegisters[6] >>> 0).toBe((0xffff0ff0 | 2 | Dr6.SingleStep) >>> 0);
  });
});
