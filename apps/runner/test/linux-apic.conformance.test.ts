import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  bootLinuxOnOpenvmi,
  type CommandSection,
  parseGuestConsole,
  prepareLinuxGuest,
} from './linux-guest.js';

// Debian's i386 Linux 6.1 (linux-image-686) with a busybox initramfs on the PC with its local
// APIC and I/O APIC (the default, as QEMU's `pc`): the kernel must take its normal SMP path
// (ACPI MADT, IO-APIC routing, the local APIC timer), and with `noapic nolapic acpi=off` on the
// same machine the old 8259 path. Checked from what the guest itself reports.
const commands = [
  'cat /proc/interrupts',
  "grep -m1 '^flags' /proc/cpuinfo",
  // Timestamps stripped so the lines are not taken for kernel messages on the console.
  "dmesg | grep -i -E 'apic|timer|8259|irq routing|int_src_ovr' | sed 's/^\\[[ 0-9.]*\\] //'",
  // Guest time across `sleep 1`, and the local timer interrupts that woke it.
  "cut -d' ' -f1 /proc/uptime; grep LOC: /proc/interrupts; sleep 1; echo slept; cut -d' ' -f1 /proc/uptime; grep LOC: /proc/interrupts",
];
const baseCommandLine = 'console=ttyS0 cryptomgr.notests noisapnp nokaslr';

function boot(kernel: Uint8Array, initrd: Uint8Array, commandLine: string) {
  const { stop, consoleText } = bootLinuxOnOpenvmi({ kernel, initrd }, commandLine);
  const parsed = parseGuestConsole(consoleText);
  const output = (index: number): string => {
    const section: CommandSection | undefined = parsed.sections[index];
    expect(section?.command).toBe(commands[index]);
    expect(section?.status, commands[index]).toBe(0);
    return section?.output ?? '';
  };
  return { stop, consoleText, done: parsed.done, output };
}

/** `IRQ → { count, chip, device }` rows of /proc/interrupts (one CPU). */
function interruptRows(text: string): Map<string, { count: number; rest: string }> {
  const rows = new Map<string, { count: number; rest: string }>();
  for (const line of text.split('\n')) {
    const match = /^\s*(\w+):\s+(\d+)\s*(.*)$/.exec(line);
    if (match !== null) rows.set(match[1], { count: Number(match[2]), rest: match[3].replace(/\s+/g, ' ') });
  }
  return rows;
}

/** The `sleep 1` command's uptimes and LOC counts before and after. */
function sleepFigures(text: string) {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [before, locBefore, slept, after, locAfter] = lines;
  const loc = (line: string) => Number(/LOC:\s+(\d+)/.exec(line)?.[1]);
  return {
    slept,
    uptime: Number(after) - Number(before),
    localTimerInterrupts: loc(locAfter) - loc(locBefore),
  };
}

describe("Debian's i386 Linux on the PC with APICs", () => {
  const files = prepareLinuxGuest('linux-apic', commands);
  const kernel = new Uint8Array(readFileSync(files.kernel));
  const initrd = new Uint8Array(readFileSync(files.initrd));

  it('takes the IO-APIC path: MADT, IRQ0 on pin 2, ISA IRQs through the IO-APIC, the local APIC timer', () => {
    const run = boot(kernel, initrd, baseCommandLine);
    expect(run.done, run.consoleText.slice(-3000)).toBe(true);
    expect(run.stop).toEqual({ kind: 'power-off' });

    const rows = interruptRows(run.output(0));
    // The PIT through IO-APIC pin 2 (the MADT override), COM1 and the keyboard on their pins, the
    // SCI level-triggered (fasteoi) as the override says; every ISA IRQ counted by the IO-APIC.
    expect(rows.get('0')?.rest).toBe('IO-APIC 2-edge timer');
    expect(rows.get('0')?.count).toBeGreaterThan(0);
    expect(rows.get('1')?.rest).toBe('IO-APIC 1-edge i8042');
    expect(rows.get('4')?.rest).toBe('IO-APIC 4-edge ttyS0');
    expect(rows.get('4')?.count).toBeGreaterThan(0);
    expect(rows.get('9')?.rest).toBe('IO-APIC 9-fasteoi acpi');
    expect(rows.get('LOC')?.count).toBeGreaterThan(0); // local APIC timer interrupts
    expect(rows.get('ERR')?.count).toBe(0); // APIC errors
    expect(rows.get('SPU')?.count).toBe(0); // spurious

    expect(run.output(1).split(/\s+/)).toContain('apic');

    const dmesg = run.output(2);
    expect(dmesg).toContain('IOAPIC[0]: apic_id 0, version 17, address 0xfec00000, GSI 0-23');
    expect(dmesg).toContain('ACPI: INT_SRC_OVR (bus 0 bus_irq 0 global_irq 2 dfl dfl)');
    expect(dmesg).toContain('ACPI: INT_SRC_OVR (bus 0 bus_irq 9 global_irq 9 high level)');
    expect(dmesg).toContain('ACPI: LAPIC_NMI (acpi_id[0xff] dfl dfl lint[0x1])');
    expect(dmesg).toContain('Enabling APIC mode:  Flat.  Using 1 I/O APICs');
    expect(dmesg).toContain('..TIMER: vector=0x30 apic1=0 pin1=2 apic2=-1 pin2=-1');
    expect(dmesg).toContain('ACPI: Using IOAPIC for interrupt routing');
    expect(dmesg).not.toMatch(/APIC timer disabled|timer doesn't work|APIC error|MP-BIOS bug/i);

    const sleep = sleepFigures(run.output(3));
    expect(sleep.slept).toBe('slept');
    expect(sleep.uptime).toBeGreaterThanOrEqual(1);
    expect(sleep.uptime).toBeLessThan(1.5);
    expect(sleep.localTimerInterrupts).toBeGreaterThan(0); // the local APIC timer woke it
  });

  it('runs the 8259 path with noapic nolapic acpi=off on the same machine', () => {
    const run = boot(kernel, initrd, `${baseCommandLine} noapic nolapic acpi=off`);
    expect(run.done, run.consoleText.slice(-3000)).toBe(true);
    // Without ACPI, `poweroff -f` can only halt the CPU (as on QEMU).
    expect(run.stop).toEqual({ kind: 'halted-with-interrupts-off' });
    expect(run.consoleText).toContain('reboot: System halted');

    const rows = interruptRows(run.output(0));
    expect(rows.get('0')?.rest).toBe('XT-PIC timer');
    expect(rows.get('0')?.count).toBeGreaterThan(0);
    expect(rows.get('2')?.rest).toBe('XT-PIC cascade');
    expect(rows.get('4')?.rest).toBe('XT-PIC ttyS0');
    expect(rows.get('4')?.count).toBeGreaterThan(0);
    expect(rows.get('LOC')?.count).toBe(0);

    expect(run.output(1).split(/\s+/)).not.toContain('apic');

    const dmesg = run.output(2);
    expect(dmesg).toContain('APIC: Keep in PIC mode(8259)');
    expect(dmesg).not.toContain('IOAPIC[0]');

    const sleep = sleepFigures(run.output(3));
    expect(sleep.slept).toBe('slept');
    expect(sleep.uptime).toBeGreaterThanOrEqual(1);
    expect(sleep.uptime).toBeLessThan(1.5);
    expect(sleep.localTimerInterrupts).toBe(0);
  });
});
