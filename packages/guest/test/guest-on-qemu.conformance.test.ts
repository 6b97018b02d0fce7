import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findMultibootHeader } from '../src/index.js';

const imagePath = fileURLToPath(new URL('../dist/images/guest.elf', import.meta.url));

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

describe('the built guest kernel', () => {
  it('is a 32-bit i386 ELF with a multiboot v1 header', () => {
    const image = readFileSync(imagePath);
    expect([...image.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    expect(image[4]).toBe(1); // ELFCLASS32
    expect(image.readUInt16LE(18)).toBe(3); // EM_386
    expect(findMultibootHeader(new Uint8Array(image))).toBeDefined();
  });

  it.runIf(hasCommand('qemu-system-i386'))(
    'boots on qemu-system-i386 and exits through isa-debug-exit',
    () => {
      const result = spawnSync(
        'qemu-system-i386',
        [
          ...['-nographic', '-no-reboot', '-net', 'none', '-monitor', 'none', '-display', 'none'],
          ...['-serial', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', imagePath],
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(result.stdout).toContain('OpenVMI guest: hello');
      expect(result.stdout).toMatch(/OpenVMI guest: memory \d+ KiB/);
      expect(result.stdout).toContain('OpenVMI guest: done');
      expect(result.status).toBe(1); // isa-debug-exit: (0 << 1) | 1
    },
  );
});
