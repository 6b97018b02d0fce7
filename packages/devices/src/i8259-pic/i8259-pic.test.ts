import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { I8259Pic } from './i8259-pic.js';

/** The BIOS/Linux initialization: master vectors 0x20, slave 0x28, cascade on IR2, 8086 mode. */
function initialized(options: { autoEoi?: boolean; sfnm?: boolean } = {}): I8259Pic {
  const pic = new I8259Pic();
  const icw4 = 0x01 | (options.autoEoi ? 0x02 : 0) | (options.sfnm ? 0x10 : 0);
  pic.masterPorts.write(0, 1, 0x11);
  pic.masterPorts.write(1, 1, 0x20);
  pic.masterPorts.write(1, 1, 0x04);
  pic.masterPorts.write(1, 1, icw4);
  pic.slavePorts.write(0, 1, 0x11);
  pic.slavePorts.write(1, 1, 0x28);
  pic.slavePorts.write(1, 1, 0x02);
  pic.slavePorts.write(1, 1, icw4 & ~0x10);
  return pic;
}

const NON_SPECIFIC_EOI = 0x20;

describe('I8259Pic', () => {
  it('delivers an edge on IRQ0 as vector base+0 and sets ISR until EOI', () => {
    const pic = initialized();
    expect(pic.hasInterrupt()).toBe(false);
    pic.irqLine(0).raise();
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.masterPorts.read(0, 1)).toBe(0x01); // IRR
    expect(pic.acknowledge()).toBe(0x20);
    expect(pic.hasInterrupt()).toBe(false);
    pic.masterPorts.write(0, 1, 0x0b); // OCW3: read ISR
    expect(pic.masterPorts.read(0, 1)).toBe(0x01);
    pic.masterPorts.write(0, 1, NON_SPECIFIC_EOI);
    expect(pic.masterPorts.read(0, 1)).toBe(0x00);
  });

  it('needs a new rising edge for a second edge-triggered request', () => {
    const pic = initialized();
    pic.irqLine(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    pic.masterPorts.write(0, 1, NON_SPECIFIC_EOI);
    expect(pic.hasInterrupt()).toBe(false); // line still high, no new edge
    pic.irqLine(1).lower();
    pic.irqLine(1).raise();
    expect(pic.hasInterrupt()).toBe(true);
  });

  it('re-requests a level-triggered input after EOI while the line stays high (ELCR)', () => {
    const pic = initialized();
    pic.elcrPorts.write(1, 1, 0x08); // IRQ11 level
    expect(pic.elcrPorts.read(1, 1)).toBe(0x08);
    pic.irqLine(11).raise();
    expect(pic.acknowledge()).toBe(0x2b);
    pic.slavePorts.write(0, 1, NON_SPECIFIC_EOI);
    pic.masterPorts.write(0, 1, NON_SPECIFIC_EOI);
    expect(pic.hasInterrupt()).toBe(true);
    pic.irqLine(11).lower();
    // The slave withdrew its request; the master's edge-latched IR2 yields the spurious IRQ15.
    expect(pic.acknowledge()).toBe(0x2f);
    pic.masterPorts.write(0, 1, NON_SPECIFIC_EOI);
    expect(pic.hasInterrupt()).toBe(false);
  });

  it('keeps ELCR bits of IRQ0-2, 8 and 13 at zero', () => {
    const pic = new I8259Pic();
    pic.elcrPorts.write(0, 2, 0xffff);
    expect(pic.elcrPorts.read(0, 2)).toBe(0xdef8);
  });

  it('masks requests with OCW1 and reads the mask back', () => {
    const pic = initialized();
    pic.masterPorts.write(1, 1, 0x01);
    expect(pic.masterPorts.read(1, 1)).toBe(0x01);
    pic.irqLine(0).raise();
    expect(pic.hasInterrupt()).toBe(false);
    pic.masterPorts.write(1, 1, 0x00);
    expect(pic.hasInterrupt()).toBe(true);
  });

  it('routes slave requests through the cascade on IR2', () => {
    const pic = initialized();
    pic.irqLine(14).raise();
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x2e);
    pic.masterPorts.write(0, 1, 0x0b);
    pic.slavePorts.write(0, 1, 0x0b);
    expect(pic.masterPorts.read(0, 1)).toBe(0x04);
    expect(pic.slavePorts.read(0, 1)).toBe(0x40);
  });

  it('blocks lower priorities while a higher one is in service (fully nested)', () => {
    const pic = initialized();
    pic.irqLine(3).raise();
    expect(pic.acknowledge()).toBe(0x23);
    pic.irqLine(4).raise();
    expect(pic.hasInterrupt()).toBe(false);
    pic.irqLine(1).raise();
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x21);
    pic.masterPorts.write(0, 1, NON_SPECIFIC_EOI); // clears IR1, the highest in service
    pic.masterPorts.write(0, 1, 0x0b);
    expect(pic.masterPorts.read(0, 1)).toBe(0x08);
    pic.masterPorts.write(0, 1, 0x63); // specific EOI for IR3
    expect(pic.acknowledge()).toBe(0x24);
  });

  it('returns the spurious IRQ7 vector without setting ISR when the request vanished', () => {
    const pic = initialized();
    expect(pic.acknowledge()).toBe(0x27);
    pic.masterPorts.write(0, 1, 0x0b);
    expect(pic.masterPorts.read(0, 1)).toBe(0);
    expect(pic.getState().spuriousInterrupts).toBe(1);
  });

  it('returns the spurious IRQ15 vector when the slave request vanished after the master saw it', () => {
    const pic = initialized();
    pic.irqLine(9).raise();
    pic.slavePorts.write(1, 1, 0x02); // mask IRQ9 on the slave after the cascade latched
    // The master still has IR2 latched (edge); the slave has nothing to give.
    expect(pic.acknowledge()).toBe(0x2f);
    pic.slavePorts.write(0, 1, 0x0b);
    expect(pic.slavePorts.read(0, 1)).toBe(0);
  });

  it('does not set ISR in automatic EOI mode', () => {
    const pic = initialized({ autoEoi: true });
    pic.irqLine(5).raise();
    expect(pic.acknowledge()).toBe(0x25);
    pic.masterPorts.write(0, 1, 0x0b);
    expect(pic.masterPorts.read(0, 1)).toBe(0);
    pic.irqLine(6).raise();
    expect(pic.hasInterrupt()).toBe(true);
  });

  it('rotates priority in automatic EOI mode when asked', () => {
    const pic = initialized({ autoEoi: true });
    pic.masterPorts.write(0, 1, 0x80); // rotate in AEOI set
    pic.irqLine(0).raise();
    expect(pic.acknowledge()).toBe(0x20); // IR0 is now the lowest
    pic.irqLine(0).lower();
    pic.irqLine(0).raise();
    pic.irqLine(7).raise();
    expect(pic.acknowledge()).toBe(0x27);
  });

  it('answers the poll command with 0x80|level and acknowledges it', () => {
    const pic = initialized();
    pic.irqLine(6).raise();
    pic.masterPorts.write(0, 1, 0x0c); // OCW3 poll
    expect(pic.masterPorts.read(0, 1)).toBe(0x86);
    pic.masterPorts.write(0, 1, 0x0c);
    expect(pic.masterPorts.read(0, 1)).toBe(0x00); // IR6 in service, nothing else
    pic.masterPorts.write(0, 1, 0x0b);
    expect(pic.masterPorts.read(0, 1)).toBe(0x40);
  });

  it('lets masked in-service levels be interrupted in special mask mode', () => {
    const pic = initialized();
    pic.irqLine(1).raise();
    expect(pic.acknowledge()).toBe(0x21);
    pic.irqLine(5).raise();
    expect(pic.hasInterrupt()).toBe(false);
    pic.masterPorts.write(1, 1, 0x02); // mask IR1
    pic.masterPorts.write(0, 1, 0x68); // OCW3 set special mask
    expect(pic.hasInterrupt()).toBe(true);
    expect(pic.acknowledge()).toBe(0x25);
  });

  it('lets the slave interrupt its own service in special fully nested mode', () => {
    const plain = initialized();
    const nested = initialized({ sfnm: true });
    for (const pic of [plain, nested]) {
      pic.irqLine(12).raise();
      expect(pic.acknowledge()).toBe(0x2c);
      pic.irqLine(8).raise();
    }
    expect(plain.hasInterrupt()).toBe(false);
    expect(nested.hasInterrupt()).toBe(true);
    expect(nested.acknowledge()).toBe(0x28);
  });

  it('makes the rotated level the lowest with set-priority and rotate-on-EOI commands', () => {
    const pic = initialized();
    pic.masterPorts.write(0, 1, 0xc4); // set priority: IR4 lowest, IR5 highest
    pic.irqLine(3).raise();
    pic.irqLine(6).raise();
    expect(pic.acknowledge()).toBe(0x26);
    pic.masterPorts.write(0, 1, 0xa0); // rotate on non-specific EOI: IR6 becomes lowest
    expect(pic.getState().master.priorityAdd).toBe(7);
    expect(pic.acknowledge()).toBe(0x23);
    pic.masterPorts.write(0, 1, 0xe3); // rotate on specific EOI 3
    expect(pic.getState().master.priorityAdd).toBe(4);
  });

  it('clears the mask and in-service bits on ICW1', () => {
    const pic = initialized();
    pic.masterPorts.write(1, 1, 0xff);
    pic.masterPorts.write(0, 1, 0x11);
    expect(pic.masterPorts.read(1, 1)).toBe(0);
  });

  it('treats every input as level-triggered after ICW1.LTIM', () => {
    const pic = new I8259Pic();
    pic.masterPorts.write(0, 1, 0x1b); // ICW1: LTIM, single, ICW4
    pic.masterPorts.write(1, 1, 0x08);
    pic.masterPorts.write(1, 1, 0x01);
    pic.irqLine(3).raise();
    expect(pic.acknowledge()).toBe(0x0b);
    pic.masterPorts.write(0, 1, NON_SPECIFIC_EOI);
    expect(pic.hasInterrupt()).toBe(true);
  });

  it('reports INTR changes through the output hook', () => {
    const changes: boolean[] = [];
    const pic = new I8259Pic({ onInterruptOutput: (asserted) => changes.push(asserted) });
    pic.masterPorts.write(0, 1, 0x13);
    pic.masterPorts.write(1, 1, 0x08);
    pic.masterPorts.write(1, 1, 0x01);
    pic.irqLine(0).raise();
    pic.acknowledge();
    expect(changes).toEqual([true, false]);
  });

  it('reads undecoded offsets as all-ones and counts them', () => {
    const pic = new I8259Pic();
    expect(pic.masterPorts.read(2, 1)).toBe(0xff);
    expect(pic.masterPorts.read(1, 2)).toBe(0xffff);
    expect(pic.getState().invalidAccesses).toBe(2);
  });

  it('rejects input numbers outside 0-15', () => {
    expect(() => new I8259Pic().irqLine(16)).toThrow(RangeError);
  });

  it('round-trips its state, pending requests included', () => {
    const pic = initialized();
    pic.irqLine(12).raise();
    pic.irqLine(3).raise();
    const copy = I8259Pic.fromState(pic.getState());
    expect(copy.getState()).toEqual(pic.getState());
    expect(copy.acknowledge()).toBe(pic.acknowledge());
    expect(() => I8259Pic.fromState({ version: 2 } as never)).toThrow(TypeError);
  });

  it('never throws and keeps registers byte-wide under random port I/O', () => {
    const access = fc.record({
      port: fc.constantFrom('master', 'slave', 'elcr', 'irq', 'ack'),
      offset: fc.integer({ min: -2, max: 4 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      write: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(access, { maxLength: 60 }), (accesses) => {
        const pic = new I8259Pic();
        for (const a of accesses) {
          if (a.port === 'irq') pic.setIrq(a.value & 15, a.write);
          else if (a.port === 'ack') {
            const vector = pic.acknowledge();
            expect(vector).toBeGreaterThanOrEqual(0);
            expect(vector).toBeLessThanOrEqual(255);
          } else {
            const ports =
              a.port === 'master' ? pic.masterPorts : a.port === 'slave' ? pic.slavePorts : pic.elcrPorts;
            if (a.write) ports.write(a.offset, a.width, a.value);
            else {
              const value = ports.read(a.offset, a.width);
              expect(value).toBeGreaterThanOrEqual(0);
              expect(value).toBeLessThan(2 ** (8 * a.width));
            }
          }
        }
        const state = pic.getState();
        for (const chip of [state.master, state.slave]) {
          for (const field of [chip.irr, chip.isr, chip.imr, chip.elcr]) expect(field & ~0xff).toBe(0);
        }
        expect(I8259Pic.fromState(state).getState()).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
