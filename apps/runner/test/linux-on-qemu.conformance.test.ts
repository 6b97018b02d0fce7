import { describe, expect, it } from 'vitest';
import { bootLinuxOnQemu, hasQemuSystem, parseGuestConsole, prepareLinuxGuest } from './linux-guest.js';

// The reference half of the Linux boot comparison: Debian's i386 kernel with our initramfs on
// qemu-system-i386. When `openvmi boot` exists, the same files boot on openvmi and the command
// sections must match these.
const commands = [
  'uname -a',
  'echo $((6*7))',
  'awk \'BEGIN { x = 0; for (i = 1; i <= 10; i++) x += 1 / i; printf "%.6f\\n", x }\'',
  'echo hello | md5sum',
  'sleep 1',
];

describe.runIf(hasQemuSystem)("Debian's i386 Linux on qemu-system-i386", () => {
  it('boots the initramfs, runs each command and powers off', () => {
    const files = prepareLinuxGuest('conformance-basic', commands);
    const result = bootLinuxOnQemu(files, 'console=ttyS0 quiet cryptomgr.notests noisapnp nokaslr');
    const { sections, done } = parseGuestConsole(result.stdout);
    expect(done).toBe(true);
    expect(result.status).toBe(0);
    expect(sections.map((section) => section.command)).toEqual(commands);
    expect(sections.every((section) => section.status === 0)).toBe(true);
    expect(sections[0].output).toMatch(/^Linux \(none\) 6\.1\.\S+-686 .* i686 GNU\/Linux$/m);
    expect(sections[1].output.trim()).toBe('42');
    expect(sections[2].output.trim()).toBe('2.928968');
    expect(sections[3].output.trim()).toBe('b1946ac92492d2347c6235b4d2611184  -');
  });
});

describe.runIf(hasQemuSystem)("the boot-protocol loader on Debian's kernel", () => {
  it('accepts the bzImage and places the initrd below initrd_addr_max', async () => {
    const { readFileSync } = await import('node:fs');
    const { loadLinux } = await import('../src/loaders/linux-boot.js');
    const { standardMemoryMap } = await import('../src/loaders/guest-ram.js');
    const files = prepareLinuxGuest('conformance-basic', commands);
    const ram = { bytes: new Uint8Array(256 << 20) };
    const loaded = loadLinux(ram, {
      kernel: new Uint8Array(readFileSync(files.kernel)),
      initrd: new Uint8Array(readFileSync(files.initrd)),
      commandLine: 'console=ttyS0',
      memoryMap: standardMemoryMap(256 << 20),
    });
    expect(loaded.header.version).toBeGreaterThanOrEqual(0x020f);
    expect(loaded.initrd!.address + loaded.initrd!.size).toBeLessThanOrEqual(
      loaded.header.initrdAddressMax + 1,
    );
  });
});
