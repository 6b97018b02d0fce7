import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bootLinuxOnOpenvmi,
  bootLinuxOnQemu,
  type CommandSection,
  hasQemuSystem,
  parseGuestConsole,
  prepareLinuxGuest,
} from './linux-guest.js';

// Debian's i386 Linux 6.1 (linux-image-686) with a busybox initramfs, booted on openvmi and on
// qemu-system-i386 from the same files. Command outputs must be equal, except what legitimately
// differs between the two machines, which is named here:
// - /proc/cpuinfo: the CPU model, feature flags and the figures derived from the host speed
//   (openvmi is a family 6 model 3 part with no SSE; QEMU's default CPU has it);
// - /proc/interrupts: the counts (they depend on timing); every IRQ line, its interrupt chip,
//   pin and trigger, and the device behind it must be the same (both route through an IO-APIC);
// - dmesg lines with "error|fail|bug": each must be one of the explained lines below.
const commands = [
  'uname -a',
  'cat /proc/cpuinfo',
  'cat /proc/interrupts',
  // Timestamps are stripped so these lines are not taken for kernel messages on the console.
  "dmesg | grep -i -E 'error|fail|bug' | sed 's/^\\[[ 0-9.]*\\] //'",
  'seq 1 1000 > /tmp/f; md5sum /tmp/f',
  'date +%Y',
  'sleep 1; echo slept',
  'awk \'BEGIN { x = 0; for (i = 1; i <= 10; i++) x += 1 / i; printf "%.6f\\n", x }\'',
];
const commandLine = 'console=ttyS0 cryptomgr.notests noisapnp nokaslr';

const CPUINFO_DIFFERING = new Set([
  'model',
  'model name',
  'stepping',
  'microcode',
  'cpu MHz',
  'cache size',
  'cpuid level',
  'flags',
  'bugs',
  'bogomips',
  'clflush size',
  'cache_alignment',
  'address sizes',
  'apicid',
  'initial apicid',
  'fpu_exception',
]);

/** dmesg lines matching error|fail|bug that are expected, and why. */
const EXPLAINED_DMESG: { pattern: RegExp; why: string }[] = [
  { pattern: /tsc: Fast TSC calibration failed/, why: 'no fast PIT calibration window on emulated timers' },
  {
    pattern: /PCI: Using host bridge windows from ACPI; if necessary, use "pci=nocrs" and report a bug/,
    why: 'informational',
  },
  {
    pattern: /fail to add MMCONFIG information/,
    why: 'no MMCONFIG (PCIe extended config space) on an i440FX',
  },
  { pattern: /Failed to access perfctr msr/, why: 'no performance-counter MSRs (CPUID reports none)' },
  { pattern: /mce: Unable to init MCE device/, why: 'no machine-check architecture (CPUID reports none)' },
];

function cpuinfoFields(output: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([^\t:]+?)\s*:\s?(.*)$/.exec(line);
    if (match !== null) fields.set(match[1], match[2]);
  }
  return fields;
}

/** Each numbered IRQ line of /proc/interrupts without its count: "IO-APIC 2-edge timer". */
function irqLines(output: string): string[] {
  const lines: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+):\s+\d+\s+(.*?)\s*$/.exec(line);
    if (match !== null) lines.push(`${match[1]}: ${match[2].replace(/\s+/g, ' ')}`);
  }
  return lines;
}

function bootOnOpenvmi(kernel: Uint8Array, initrd: Uint8Array, epochMs: number) {
  const { stop, consoleText } = bootLinuxOnOpenvmi({ kernel, initrd }, commandLine, { epochMs });
  return { stop, console: consoleText };
}

describe.runIf(hasQemuSystem)("Debian's i386 Linux on openvmi, compared with qemu-system-i386", () => {
  const files = prepareLinuxGuest('conformance-compare', commands);
  const kernel = new Uint8Array(readFileSync(files.kernel));
  const initrd = new Uint8Array(readFileSync(files.initrd));
  const epochMs = Date.now();
  let ours: ReturnType<typeof bootOnOpenvmi>;
  let oursSections: CommandSection[];
  let qemuSections: CommandSection[];

  it('boots on openvmi, runs every command and powers off through ACPI', () => {
    ours = bootOnOpenvmi(kernel, initrd, epochMs);
    const parsed = parseGuestConsole(ours.console);
    expect(parsed.done).toBe(true);
    expect(ours.stop).toEqual({ kind: 'power-off' });
    oursSections = parsed.sections;
    expect(oursSections.map((section) => section.command)).toEqual(commands);

    const qemu = bootLinuxOnQemu(files, commandLine);
    qemuSections = parseGuestConsole(qemu.stdout).sections;
    expect(qemuSections.map((section) => section.command)).toEqual(commands);
  });

  it('gives the same output as qemu-system-i386 for each command', () => {
    const byCommand = (sections: CommandSection[], command: string) =>
      sections.find((s) => s.command === command)!;
    for (const command of commands) {
      const mine = byCommand(oursSections, command);
      const reference = byCommand(qemuSections, command);
      expect(mine.status, command).toBe(reference.status);
      if (command === 'cat /proc/cpuinfo') {
        const a = cpuinfoFields(mine.output);
        const b = cpuinfoFields(reference.output);
        for (const [key, value] of b)
          if (!CPUINFO_DIFFERING.has(key)) expect(a.get(key), `cpuinfo ${key}`).toBe(value);
      } else if (command === 'cat /proc/interrupts') {
        expect(irqLines(mine.output)).toEqual(irqLines(reference.output));
        expect(irqLines(mine.output)).toContain('0: IO-APIC 2-edge timer');
      } else if (command.startsWith('dmesg')) {
        const lines = mine.output.split('\n').filter((line) => line.trim() !== '');
        for (const line of lines) {
          expect(
            EXPLAINED_DMESG.some(({ pattern }) => pattern.test(line)),
            `unexplained dmesg line: ${line}`,
          ).toBe(true);
        }
      } else {
        expect(mine.output, command).toBe(reference.output);
      }
    }
  });

  it('is deterministic: a second boot gives a byte-identical console', () => {
    const again = bootOnOpenvmi(kernel, initrd, epochMs);
    expect(again.console).toBe(ours.console);
  });
});
