import { describe, expect, it } from 'vitest';
import { dword, runProgram } from '../../test/core-harness.js';

describe('RDPMC', () => {
  it('reads PERFCTR0/1 (40 bits) at CPL 0', () => {
    // mov ecx, 1 ; rdpmc
    const run = runProgram([0xb9, ...dword(1), 0x0f, 0x33], {
      setup: (cpu) => cpu.msrs.set(0xc2, 0xfe12345678n | (0xabn << 40n)),
    });
    expect(run.eax).toBe(0x12345678);
    expect(run.edx).toBe(0xfe);
  });

  it('faults with #GP(0) for a counter the P6 does not have', () => {
    // mov ecx, 2 ; rdpmc
    const run = runProgram([0xb9, ...dword(2), 0x0f, 0x33], {
      setup: (cpu) => cpu.intercepts.exceptions.add(13),
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 13, errorCode: 0 });
  });

  it('faults at CPL 3 unless CR4.PCE is set', () => {
    // xor ecx, ecx ; rdpmc
    const denied = runProgram([0x31, 0xc9, 0x0f, 0x33], {
      mode: 'flat32-user',
      setup: (cpu) => cpu.intercepts.exceptions.add(13),
    });
    expect(denied.exit).toEqual({ kind: 'exception', vector: 13, errorCode: 0 });
    const allowed = runProgram([0x31, 0xc9, 0x0f, 0x33], {
      mode: 'flat32-user',
      setup: (cpu) => {
        cpu.cr4 |= 1 << 8;
        cpu.msrs.set(0xc1, 7n);
      },
    });
    expect(allowed.eax).toBe(7);
  });
});
