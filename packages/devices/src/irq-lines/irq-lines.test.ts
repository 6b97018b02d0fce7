import { describe, expect, it } from 'vitest';
import { I8259Pic } from '../i8259-pic/i8259-pic.js';
import { fanOutIrqLine, SharedIrqLine } from './irq-lines.js';

function recorder() {
  const events: string[] = [];
  return { events, line: { raise: () => events.push('raise'), lower: () => events.push('lower') } };
}

describe('fanOutIrqLine', () => {
  it('drives every target', () => {
    const a = recorder();
    const b = recorder();
    const line = fanOutIrqLine(a.line, b.line);
    line.raise();
    line.lower();
    expect(a.events).toEqual(['raise', 'lower']);
    expect(b.events).toEqual(['raise', 'lower']);
  });
});

describe('SharedIrqLine', () => {
  it('keeps the input asserted while any source holds it (wired-OR)', () => {
    const target = recorder();
    const shared = new SharedIrqLine(target.line);
    const com1 = shared.source();
    const com3 = shared.source();
    com1.raise();
    com3.raise();
    com3.lower();
    expect(shared.level()).toBe(true);
    com3.lower(); // repeated lower changes nothing
    com1.lower();
    expect(target.events).toEqual(['raise', 'lower']);
  });

  it('lets two UARTs share IRQ4 on the 8259 without losing the second one', () => {
    const pic = new I8259Pic();
    pic.masterPorts.write(0, 1, 0x13);
    pic.masterPorts.write(1, 1, 0x20);
    pic.masterPorts.write(1, 1, 0x01);
    const shared = new SharedIrqLine(pic.irqLine(4));
    const com1 = shared.source();
    const com3 = shared.source();
    com1.raise();
    com3.raise();
    com1.lower();
    expect(pic.acknowledge()).toBe(0x24);
  });
});
