import { describe, expect, it } from 'vitest';
import { BootUsageError, describeStop, parseBootArguments, runBootCommand } from './boot.js';

describe('openvmi boot arguments', () => {
  it('parses the QEMU-style options', () => {
    const options = parseBootArguments([
      ...['-kernel', 'k', '-initrd', 'i', '-append', 'console=ttyS0', '-m', '256M', '-no-reboot'],
      ...['--backend', 'vmi-native', '--deterministic', '--max-instructions', '1000', '--stats', '--no-apic'],
      ...['-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-debugcon', 'file:/tmp/x', '-nographic'],
      '--no-block-translation',
    ]);
    expect(options).toMatchObject({
      kernel: 'k',
      initrd: 'i',
      append: 'console=ttyS0',
      memoryMiB: 256,
      noReboot: true,
      backend: 'vmi-native',
      deterministic: true,
      maxInstructions: 1000,
      stats: true,
      apic: false,
      isaDebugExit: true,
      debugcon: { kind: 'file', path: '/tmp/x' },
      blockTranslation: false,
    });
    expect(parseBootArguments(['-kernel', 'k']).blockTranslation).toBe(true);
  });

  it.each([
    [['-kernel'], /needs a value/],
    [['-kernel', 'k', '--backend', 'xen9'], /unknown backend "xen9"/],
    [['-kernel', 'k', '-m', 'lots'], /size in MiB/],
    [['-kernel', 'k', '-device', 'e1000'], /not supported/],
    [['-append', 'x'], /give -kernel FILE or -bios FILE/],
    [['-kernel', 'k', '-bios', 'b'], /exclude each other/],
    [['-kernel', 'k', '--frobnicate'], /unknown option/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBootArguments(argv)).toThrow(BootUsageError);
    expect(() => parseBootArguments(argv)).toThrow(message);
  });

  it('maps stops to exit statuses as documented', () => {
    expect(describeStop({ kind: 'power-off' }, false).status).toBe(0);
    expect(describeStop({ kind: 'reset' }, true).status).toBe(0);
    expect(describeStop({ kind: 'debug-exit', status: 7 }, false).status).toBe(7);
    expect(describeStop({ kind: 'triple-fault' }, true)).toMatchObject({
      status: 1,
      message: /triple fault/,
    });
    expect(describeStop({ kind: 'halted-with-interrupts-off' }, true).status).toBe(1);
    expect(describeStop({ kind: 'instruction-limit' }, true).status).toBe(124);
  });

  it('reports a missing kernel file clearly', async () => {
    let stderr = '';
    const status = await runBootCommand(['-kernel', '/nonexistent/kernel'], {
      stdout: () => {},
      stderr: (text) => {
        stderr += text;
      },
    });
    expect(status).toBe(1);
    expect(stderr).toContain('cannot read kernel /nonexistent/kernel: ENOENT');
  });
});
