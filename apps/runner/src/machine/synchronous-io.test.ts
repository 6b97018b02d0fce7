import { describe, expect, it } from 'vitest';
import { createMachine, type MachineStop } from './pc-machine.js';

/** A 4 KiB firmware image whose reset vector jumps to `code` at F000:F000. */
function firmware(code: number[]): Uint8Array {
  const image = new Uint8Array(4096).fill(0x90);
  image.set(code, 0);
  const displacement = (0xf000 - 0xfff3) & 0xffff;
  image.set([0xe9, displacement & 0xff, displacement >> 8], 4096 - 16);
  return image;
}

const out = (port: number, value: number) => [0xb0, value, 0xe6, port]; // mov al, v ; out port, al

/**
 * Real mode: IRQ0's vector points at a handler that exits through isa-debug-exit with the low
 * byte of a counter the main loop increments; the 8259 is initialised (vector base 8, only IRQ0
 * unmasked) and the PIT armed in mode 0 for 10 ticks (~8.4 us) from the middle of a slice.
 */
const program = firmware([
  ...[0x31, 0xc0, 0x8e, 0xd8], //                        xor ax, ax ; mov ds, ax
  ...[0xc7, 0x06, 0x20, 0x00, 0x38, 0xf0], //            mov word [0x20], 0xf038 (handler)
  ...[0xc7, 0x06, 0x22, 0x00, 0x00, 0xf0], //            mov word [0x22], 0xf000
  ...out(0x20, 0x11),
  ...out(0x21, 0x08),
  ...out(0x21, 0x04),
  ...out(0x21, 0x01),
  ...out(0x21, 0xfe),
  ...out(0x43, 0x30), //                                 counter 0, LSB then MSB, mode 0
  ...out(0x40, 10),
  ...out(0x40, 0),
  ...[0x66, 0x31, 0xc9], //                              xor ecx, ecx
  0xfb, //                                               sti
  ...[0x66, 0x41, 0xeb, 0xfc], //                        loop: inc ecx ; jmp loop
  ...[0x88, 0xc8, 0xe6, 0xf4], //                        handler (0xf038): mov al, cl ; out 0xf4, al
]);

function runWithSlices(slice: number, apic: boolean) {
  const machine = createMachine({
    memoryMiB: 16,
    commandLine: '',
    backend: 'none',
    deterministic: true,
    maxInstructions: 1_000_000,
    noReboot: true,
    isaDebugExit: true,
    serialOutput: () => {},
    bios: program,
    apic,
  });
  let stop: MachineStop | undefined;
  while (stop === undefined) stop = machine.runSlice(slice);
  return { stop, instructions: machine.statistics().instructions };
}

describe('deterministic mode: device accesses synchronise the slice', () => {
  for (const apic of [false, true]) {
    it(`takes a timer interrupt armed mid-slice at the same instruction whatever the slice size (apic ${apic})`, () => {
      const reference = runWithSlices(1, apic);
      expect(reference.stop.kind).toBe('debug-exit');
      // 10 PIT ticks are ~8,380 ns = instructions; the loop runs two instructions per count.
      expect(reference.instructions).toBeGreaterThan(8_000);
      expect(reference.instructions).toBeLessThan(9_000);
      for (const slice of [7, 997, 10_000, 1_000_000]) expect(runWithSlices(slice, apic)).toEqual(reference);
    });
  }
});
