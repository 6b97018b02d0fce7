import { describe, expect, it } from 'vitest';
import { dword, runProgram } from '../../test/core-harness.js';

describe('RDTSC and the TSC MSR', () => {
  it('counts retired instructions by default (deterministic)', () => {
    // nop ; nop ; rdtsc
    const run = runProgram([0x90, 0x90, 0x0f, 0x31], { setup: (cpu) => (cpu.tscOffset = 0x1_0000_0000n) });
    expect(run.edx).toBe(1);
    expect(run.eax).toBe(2); // two instructions retired before it
  });

  it('counts the tscClock when one is set, for RDTSC, RDMSR and WRMSR alike', () => {
    let clock = 5_000_000_000; // cycles
    // rdtsc ; mov ebx, eax ; mov ecx, 0x10 ; rdmsr  (clock moves 7 between the two reads)
    const read = runProgram([0x0f, 0x31, 0x89, 0xc3, 0xb9, ...dword(0x10), 0x0f, 0x32], {
      setup: (cpu) => {
        cpu.tscClock = () => {
          const now = clock;
          clock += 7;
          return now;
        };
      },
    });
    expect(read.ebx).toBe(5_000_000_000 % 2 ** 32);
    expect(read.eax).toBe((5_000_000_000 + 7) % 2 ** 32);
    expect(read.edx).toBe(1);

    // WRMSR 0x10 = 100, then the clock advances 50 cycles: RDTSC reads 150.
    let ticks = 1_000;
    const written = runProgram(
      [0xb9, ...dword(0x10), 0xb8, ...dword(100), 0x31, 0xd2, 0x0f, 0x30, 0x0f, 0x31],
      {
        setup: (cpu) => {
          cpu.tscClock = () => {
            const now = ticks;
            ticks += 50;
            return now;
          };
        },
      },
    );
    expect(written.eax).toBe(150);
    expect(written.edx).toBe(0);
  });
});
