import { describe, expect, it } from 'vitest';
import { createMachine, type MachineStop } from './pc-machine.js';

const base = {
  memoryMiB: 16,
  commandLine: '',
  backend: 'none' as const,
  deterministic: true,
  maxInstructions: 100_000,
  noReboot: true,
  isaDebugExit: true,
  serialOutput: () => {},
};

/** A 4 KiB firmware image whose reset vector (at its last 16 bytes) runs `code`. */
function firmware(code: number[]): Uint8Array {
  const image = new Uint8Array(4096).fill(0x90);
  image.set(code, 0); // at F000:F000 (physical 0xFF000)
  // At the reset vector F000:FFF0: JMP rel16 to F000:F000 (displacement 0xF000 - 0xFFF3).
  const displacement = (0xf000 - 0xfff3) & 0xffff;
  image.set([0xe9, displacement & 0xff, displacement >> 8], 4096 - 16);
  return image;
}

function run(config: Parameters<typeof createMachine>[0]): MachineStop {
  const machine = createMachine(config);
  let stop: MachineStop | undefined;
  while (stop === undefined) stop = machine.runSlice(10_000);
  return stop;
}

describe('createMachine', () => {
  it('starts firmware at the reset vector and ends through isa-debug-exit', () => {
    // mov al, 0x21 ; out 0xf4, al
    expect(run({ ...base, bios: firmware([0xb0, 0x21, 0xe6, 0xf4]) })).toEqual({
      kind: 'debug-exit',
      status: 0x43,
    });
  });

  it('reports a CPU halted with interrupts off', () => {
    expect(run({ ...base, bios: firmware([0xfa, 0xf4]) })).toEqual({ kind: 'halted-with-interrupts-off' });
  });

  it('reports a triple fault', () => {
    // lidt with limit 0, then int3: no IDT entry can be read -> #GP -> #DF -> shutdown
    const code = [
      0x2e, 0x0f, 0x01, 0x1e, 0x10, 0xf0, 0xcc, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90, 0, 0, 0,
      0, 0, 0,
    ];
    expect(run({ ...base, bios: firmware(code) })).toEqual({ kind: 'triple-fault' });
  });

  it('stops at the instruction limit', () => {
    expect(run({ ...base, bios: firmware([0xeb, 0xfe]) })).toEqual({ kind: 'instruction-limit' });
  });

  it('resets through port 0xCF9 and the keyboard controller', () => {
    // mov dx, 0xcf9 ; mov al, 6 ; out dx, al
    expect(run({ ...base, bios: firmware([0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee, 0xeb, 0xfe]) })).toEqual({
      kind: 'reset',
    });
    // mov al, 0xfe ; out 0x64, al
    expect(run({ ...base, bios: firmware([0xb0, 0xfe, 0xe6, 0x64, 0xeb, 0xfe]) })).toEqual({ kind: 'reset' });
  });

  it('counts the TSC in virtual (host) time in real-time mode', () => {
    // loop: rdtsc ; mov [0x1000], eax ; mov [0x1004], edx ; jmp loop
    const code = [0x0f, 0x31, 0x66, 0xa3, 0x00, 0x10, 0x66, 0x89, 0x16, 0x04, 0x10, 0xeb, 0xf3];
    let hostNs = 1_000;
    const machine = createMachine({
      ...base,
      deterministic: false,
      maxInstructions: 0,
      hostClockNs: () => hostNs,
      bios: firmware(code),
    });
    const tsc = () => Number(machine.memory.read32(0x1000)) + machine.memory.read32(0x1004) * 2 ** 32;
    let last = -1;
    for (const step of [0, 5_000_000_000, 0, 0, 1_000, 3_000_000_000]) {
      hostNs += step;
      expect(machine.runSlice(400)).toBeUndefined();
      const value = tsc();
      expect(value).toBeGreaterThanOrEqual(last);
      expect(value).toBe(hostNs - 1_000); // the host clock's start is virtual time 0
      last = value;
    }
  });

  it('rejects bad configurations with clear errors', () => {
    expect(() => createMachine({ ...base, memoryMiB: 2 })).toThrow(/outside 4-3072 MiB/);
    expect(() => createMachine({ ...base })).toThrow(/nothing to boot/);
    expect(() => createMachine({ ...base, bios: new Uint8Array(100) })).toThrow(/multiple of 4 KiB/);
    expect(() => createMachine({ ...base, kernel: new Uint8Array(100) })).toThrow(
      /too short for a setup header/,
    );
  });
});
