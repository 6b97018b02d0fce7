import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LoaderError, standardMemoryMap } from './guest-ram.js';
import { LINUX_LAYOUT, loadLinux, parseLinuxSetupHeader } from './linux-boot.js';
import { loadMultiboot, MULTIBOOT_LAYOUT } from './multiboot.js';

const MiB = 1 << 20;

/** A minimal bzImage: 4 setup sectors with a 2.15 header, then `payload` bytes of kernel. */
function fakeBzImage(options: { version?: number; payload?: number; loadFlags?: number } = {}): Uint8Array {
  const image = new Uint8Array(5 * 512 + (options.payload ?? 4096));
  const view = new DataView(image.buffer);
  image[0x1f1] = 4;
  view.setUint16(0x1fe, 0xaa55, true);
  image[0x200] = 0xeb;
  image[0x201] = 0x6a; // header ends at 0x26c
  view.setUint32(0x202, 0x53726448, true);
  view.setUint16(0x206, options.version ?? 0x020f, true);
  image[0x211] = options.loadFlags ?? 1;
  view.setUint32(0x214, 0x100000, true);
  view.setUint32(0x22c, 0x7fffffff, true);
  view.setUint32(0x238, 2047, true);
  for (let index = 5 * 512; index < image.length; index++) image[index] = index & 0xff;
  return image;
}

describe('Linux boot protocol loader', () => {
  it('parses the setup header fields a loader needs', () => {
    const header = parseLinuxSetupHeader(fakeBzImage());
    expect(header).toMatchObject({
      version: 0x020f,
      setupSectors: 4,
      commandLineSize: 2047,
      headerLength: 0x7b,
    });
  });

  it('loads the kernel at 1 MiB and builds boot_params with e820, command line and initrd', () => {
    const ram = { bytes: new Uint8Array(32 * MiB) };
    const image = fakeBzImage();
    const initrd = new Uint8Array(10_000).fill(7);
    const loaded = loadLinux(ram, {
      kernel: image,
      initrd,
      commandLine: 'console=ttyS0',
      memoryMap: standardMemoryMap(32 * MiB),
    });
    expect([...ram.bytes.subarray(0x100000, 0x100010)]).toEqual([...image.subarray(2560, 2576)]);
    const zeroPage = new DataView(ram.bytes.buffer, LINUX_LAYOUT.bootParams, 4096);
    expect(zeroPage.getUint16(0x1fe, true)).toBe(0xaa55);
    expect(zeroPage.getUint8(0x210)).toBe(0xff);
    expect(zeroPage.getUint8(0x1e8)).toBe(5);
    expect(Number(zeroPage.getBigUint64(0x2d0 + 3 * 20 + 8, true))).toBe(31 * MiB);
    expect(zeroPage.getUint32(0x228, true)).toBe(LINUX_LAYOUT.commandLine);
    const commandLine = new TextDecoder().decode(
      ram.bytes.subarray(LINUX_LAYOUT.commandLine, LINUX_LAYOUT.commandLine + 13),
    );
    expect(commandLine).toBe('console=ttyS0');
    expect(loaded.initrd?.address).toBe(zeroPage.getUint32(0x218, true));
    expect(loaded.initrd!.address % 4096).toBe(0);
    expect(loaded.initrd!.address + initrd.length).toBeLessThanOrEqual(32 * MiB);
    expect(ram.bytes[loaded.initrd!.address]).toBe(7);
    expect(loaded.entry).toMatchObject({
      eip: 0x100000,
      registers: { esi: LINUX_LAYOUT.bootParams },
      codeSelector: 0x10,
    });
  });

  it('honours initrd_addr_max', () => {
    const image = fakeBzImage();
    new DataView(image.buffer).setUint32(0x22c, 0x00ffffff, true);
    const ram = { bytes: new Uint8Array(32 * MiB) };
    const loaded = loadLinux(ram, {
      kernel: image,
      initrd: new Uint8Array(4096),
      commandLine: '',
      memoryMap: standardMemoryMap(32 * MiB),
    });
    expect(loaded.initrd!.address + 4096).toBeLessThanOrEqual(0x1000000);
  });

  it.each([
    ['no boot flag', (image: Uint8Array) => image.fill(0, 0x1fe, 0x200), /0xAA55/],
    ['no HdrS', (image: Uint8Array) => image.fill(0, 0x202, 0x206), /HdrS/],
    [
      'protocol 2.01',
      (image: Uint8Array) => new DataView(image.buffer).setUint16(0x206, 0x0201, true),
      /2\.01 is too old/,
    ],
    ['a zImage', (image: Uint8Array) => (image[0x211] = 0), /zImage/],
    ['truncated', (image: Uint8Array) => (image[0x1f1] = 200), /truncated/],
  ])('rejects %s with a clear error', (_name, corrupt, message) => {
    const image = fakeBzImage();
    corrupt(image);
    expect(() => parseLinuxSetupHeader(image)).toThrow(message);
  });

  it('rejects a command line longer than the kernel accepts', () => {
    const ram = { bytes: new Uint8Array(8 * MiB) };
    expect(() =>
      loadLinux(ram, {
        kernel: fakeBzImage(),
        commandLine: 'x'.repeat(2048),
        memoryMap: standardMemoryMap(8 * MiB),
      }),
    ).toThrow(/at most 2047/);
  });

  it('rejects an initrd that does not fit in RAM', () => {
    const ram = { bytes: new Uint8Array(4 * MiB) };
    expect(() =>
      loadLinux(ram, {
        kernel: fakeBzImage(),
        initrd: new Uint8Array(3 * MiB),
        commandLine: '',
        memoryMap: standardMemoryMap(4 * MiB),
      }),
    ).toThrow(/does not fit/);
  });

  it('never throws anything but LoaderError on corrupted images', () => {
    const ram = { bytes: new Uint8Array(8 * MiB) };
    const base = fakeBzImage({ payload: 512 });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 20 }),
        fc.nat(base.length),
        (edits, cut) => {
          const image = base.slice(0, Math.max(cut, 1));
          for (const [at, value] of edits) if (at < image.length) image[at] = value;
          try {
            loadLinux(ram, { kernel: image, commandLine: 'x', memoryMap: standardMemoryMap(8 * MiB) });
          } catch (error) {
            expect(error).toBeInstanceOf(LoaderError);
          }
        },
      ),
    );
  });
});

/** A minimal multiboot ELF: one PT_LOAD of `code` at 1 MiB with 4 KiB of bss. */
function fakeMultibootElf(headerFlags = 3): Uint8Array {
  const image = new Uint8Array(0x1000 + 64);
  const view = new DataView(image.buffer);
  view.setUint32(0, 0x7f454c46, false);
  image[4] = 1;
  image[5] = 1;
  image[6] = 1;
  view.setUint16(16, 2, true);
  view.setUint16(18, 3, true);
  view.setUint32(24, 0x100010, true);
  view.setUint32(28, 52, true);
  view.setUint16(42, 32, true);
  view.setUint16(44, 1, true);
  view.setUint32(52, 1, true); // PT_LOAD
  view.setUint32(56, 0x1000, true); // offset
  view.setUint32(64, 0x100000, true); // paddr
  view.setUint32(68, 64, true); // filesz
  view.setUint32(72, 64 + 4096, true); // memsz
  view.setUint32(0x1000, 0x1badb002, true);
  view.setUint32(0x1004, headerFlags, true);
  view.setUint32(0x1008, -(0x1badb002 + headerFlags) >>> 0, true);
  image[0x1010] = 0xf4;
  return image;
}

describe('multiboot loader', () => {
  it('loads ELF segments, zeroes bss and writes the information structure', () => {
    const ram = { bytes: new Uint8Array(16 * MiB).fill(0xcc) };
    const loaded = loadMultiboot(ram, {
      image: fakeMultibootElf(),
      commandLine: 'bench=1',
      memoryMap: standardMemoryMap(16 * MiB),
    });
    expect(loaded.entry.eip).toBe(0x100010);
    expect(loaded.entry.registers).toEqual({ eax: 0x2badb002, ebx: MULTIBOOT_LAYOUT.information });
    expect(ram.bytes[0x100010]).toBe(0xf4);
    expect(ram.bytes[0x100040]).toBe(0);
    expect(ram.bytes[0x100040 + 4095]).toBe(0);
    const info = new DataView(ram.bytes.buffer, MULTIBOOT_LAYOUT.information);
    expect(info.getUint32(0, true) & 0x245).toBe(0x245);
    expect(info.getUint32(4, true)).toBe(639);
    expect(info.getUint32(8, true)).toBe(15 * 1024);
    expect(info.getUint32(44, true)).toBe(5 * 24);
  });

  it('rejects a header that asks for a video mode', () => {
    const ram = { bytes: new Uint8Array(16 * MiB) };
    expect(() =>
      loadMultiboot(ram, {
        image: fakeMultibootElf(7),
        commandLine: '',
        memoryMap: standardMemoryMap(16 * MiB),
      }),
    ).toThrow(/video mode/);
  });

  it('rejects segments outside RAM and images without a header', () => {
    const ram = { bytes: new Uint8Array(2 * MiB) };
    const image = fakeMultibootElf();
    new DataView(image.buffer).setUint32(64, 0x1f00000, true);
    expect(() =>
      loadMultiboot(ram, { image, commandLine: '', memoryMap: standardMemoryMap(2 * MiB) }),
    ).toThrow(/outside RAM/);
    expect(() => loadMultiboot(ram, { image: new Uint8Array(100), commandLine: '', memoryMap: [] })).toThrow(
      /no multiboot/,
    );
  });
});
