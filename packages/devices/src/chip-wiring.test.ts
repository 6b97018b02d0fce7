/**
 * The chips wired as a PC board would wire them (no CPU): interrupts travel from the PIT and
 * a UART through the 8259 pair or the I/O APIC and local APIC to an `acknowledge()`.
 */
import { describe, expect, it } from 'vitest';
import { I8254Pit } from './i8254-pit/i8254-pit.js';
import { I8259Pic } from './i8259-pic/i8259-pic.js';
import { IoApic } from './io-apic/io-apic.js';
import { fanOutIrqLine as fanOut } from './irq-lines/irq-lines.js';
import { LocalApic } from './local-apic/local-apic.js';
import { Uart16550 } from './uart-16550/uart-16550.js';

function board() {
  const clock = {
    time: 0,
    now(): number {
      return this.time;
    },
  };
  const pic = new I8259Pic();
  let lapic: LocalApic | undefined;
  const ioApic = new IoApic({
    deliver: (message) => lapic?.acceptInterrupt(message.vector, message.levelTriggered),
  });
  lapic = new LocalApic({ clock, externalInterrupts: pic, onEoi: (vector) => ioApic.endOfInterrupt(vector) });
  const pit = new I8254Pit({ clock, irq: fanOut(pic.irqLine(0), ioApic.irqLine(2)) });
  const com1 = new Uart16550({ clock, irq: fanOut(pic.irqLine(4), ioApic.irqLine(4)) });
  // Linux's 8259 initialization: vectors 0x30 (master) and 0x38 (slave).
  for (const [ports, base, cascade] of [
    [pic.masterPorts, 0x30, 0x04],
    [pic.slavePorts, 0x38, 0x02],
  ] as const) {
    ports.write(0, 1, 0x11);
    ports.write(1, 1, base);
    ports.write(1, 1, cascade);
    ports.write(1, 1, 0x01);
  }
  const startPeriodicTimer = () => {
    pit.write(3, 1, 0x34);
    pit.write(0, 1, 1193 & 0xff);
    pit.write(0, 1, 1193 >> 8);
  };
  /** The machine loop: run to each PIT deadline and take every interrupt the CPU would. */
  const run = (until: number, onInterrupt: (vector: number) => void) => {
    for (let guard = 0; guard < 100_000; guard++) {
      while (lapic!.hasInterrupt()) onInterrupt(lapic!.acknowledge());
      const deadline = pit.nextDeadline(clock.time);
      if (deadline === null || deadline > until) break;
      clock.time = deadline;
      pit.advance(deadline);
    }
  };
  return { clock, pic, ioApic, lapic, pit, com1, startPeriodicTimer, run };
}

describe('PC chip wiring', () => {
  it('delivers PIT ticks through the 8259 with the APIC globally disabled (nolapic)', () => {
    const { pic, lapic, startPeriodicTimer, run } = board();
    lapic.writeBaseMsr(0xfee00000);
    startPeriodicTimer();
    const vectors: number[] = [];
    run(10_000_000, (vector) => {
      vectors.push(vector);
      pic.masterPorts.write(0, 1, 0x20);
    });
    // The mode-2 OUT rises at programming time, then once per period.
    expect(vectors).toEqual(new Array(11).fill(0x30));
  });

  it('delivers PIT ticks through I/O APIC pin 2 and the local APIC with the 8259 masked', () => {
    const { pic, ioApic, lapic, startPeriodicTimer, run } = board();
    pic.masterPorts.write(1, 1, 0xff);
    pic.slavePorts.write(1, 1, 0xff);
    lapic.write(0x0f0, 4, 0x1ff);
    ioApic.write(0, 4, 0x10 + 2 * 2);
    ioApic.write(0x10, 4, 0x30); // pin 2: vector 0x30, edge, unmasked
    startPeriodicTimer();
    const vectors: number[] = [];
    run(10_000_000, (vector) => {
      vectors.push(vector);
      lapic.write(0x0b0, 4, 0);
    });
    expect(vectors).toEqual(new Array(11).fill(0x30));
  });

  it('raises COM1 THRE as IRQ4 through the 8259 (vector 0x34)', () => {
    const { com1, lapic } = board();
    com1.write(4, 1, 0x08); // OUT2
    com1.write(1, 1, 0x02); // ETBEI
    expect(lapic.hasInterrupt()).toBe(true);
    expect(lapic.acknowledge()).toBe(0x34);
  });
});
