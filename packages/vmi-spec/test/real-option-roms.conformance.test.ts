import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { byteSum } from '../src/option-rom-checksum.js';
import { validateVmiRom } from '../src/rom-validation.js';

// Option ROMs nobody here wrote (QEMU's and SeaBIOS's, installed with qemu-system-x86): their
// byte sums must be zero by our checksum, and Linux's rules must reject them as not "cVmi".
const CANDIDATES = [
  '/usr/share/qemu/linuxboot.bin',
  '/usr/share/qemu/linuxboot_dma.bin',
  '/usr/share/qemu/multiboot.bin',
  '/usr/share/qemu/multiboot_dma.bin',
  '/usr/share/qemu/kvmvapic.bin',
  '/usr/share/qemu/pvh.bin',
  '/usr/share/seabios/vgabios-isavga.bin',
  '/usr/share/seabios/vgabios-cirrus.bin',
  '/usr/share/seabios/vgabios-stdvga.bin',
];
const present = CANDIDATES.filter((path) => existsSync(path));

describe.runIf(present.length > 0)("QEMU's and SeaBIOS's option ROMs", () => {
  it.each(present)('%s: byte sum 0 over rom_length × 512, rejected as not a VMI ROM', (path) => {
    const image = new Uint8Array(readFileSync(path));
    expect([image[0], image[1]]).toEqual([0x55, 0xaa]);
    expect(byteSum(image.subarray(0, image[2] * 512))).toBe(0);
    expect(() => validateVmiRom(image)).toThrow(expect.objectContaining({ code: 'bad-vmi-signature' }));
  });
});
