import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocalApic } from '../local-apic/local-apic.js';
import { IoApic, type IoApicMessage } from './io-apic.js';

function setup() {
  const messages: IoApicMessage[] = [];
  const ioApic = new IoApic({ id: 1, deliver: (message) => messages.push(message) });
  const select = (index: number) => ioApic.write(0, 4, index);
  const get = (index: number) => {
    select(index);
    return ioApic.read(0x10, 4);
  };
  const set = (index: number, value: number) => {
    select(index);
    ioApic.write(0x10, 4, value);
  };
  return { ioApic, messages, get, set };
}

describe('IoApic', () => {
  it('reports its id, 24 entries and version 0x11, with every entry masked at reset', () => {
    const { get } = setup();
    expect(get(0x00)).toBe(0x01000000);
    expect(get(0x01)).toBe(0x00170011);
    expect(get(0x10)).toBe(0x00010000);
  });

  it('delivers an edge-triggered pin on each assertion while unmasked', () => {
    const { ioApic, messages, set } = setup();
    set(0x10 + 2 * 2, 0x30);
    set(0x10 + 2 * 2 + 1, 0x00000000);
    ioApic.setIrq(2, true);
    ioApic.setIrq(2, true); // no new edge
    ioApic.setIrq(2, false);
    ioApic.setIrq(2, true);
    expect(messages.map((message) => message.vector)).toEqual([0x30, 0x30]);
    expect(messages[0].levelTriggered).toBe(false);
  });

  it('loses edges that arrive while the entry is masked', () => {
    const { ioApic, messages, set } = setup();
    ioApic.setIrq(4, true);
    set(0x18, 0x34);
    expect(messages).toEqual([]);
  });

  it('holds a level-triggered pin in remote IRR until the EOI broadcast, then re-delivers', () => {
    const { ioApic, messages, get, set } = setup();
    set(0x10 + 2 * 9, 0xa049); // level, active low, vector 0x49
    ioApic.setIrq(9, true);
    ioApic.setIrq(9, true);
    expect(messages.length).toBe(1);
    expect(get(0x10 + 2 * 9) & 0x4000).toBe(0x4000);
    ioApic.endOfInterrupt(0x49);
    expect(messages.length).toBe(2); // still asserted
    ioApic.setIrq(9, false);
    ioApic.endOfInterrupt(0x49);
    expect(get(0x10 + 2 * 9) & 0x4000).toBe(0);
    expect(messages.length).toBe(2);
  });

  it('keeps remote IRR and delivery status read-only', () => {
    const { get, set } = setup();
    set(0x12, 0xffffffff);
    expect(get(0x12)).toBe(0x0001afff);
    set(0x13, 0xffffffff);
    expect(get(0x13)).toBe(0xff000000);
  });

  it('counts messages in delivery modes it does not implement', () => {
    const { ioApic, messages, set } = setup();
    set(0x10, 0x700); // ExtINT
    ioApic.setIrq(0, true);
    expect(messages).toEqual([]);
    expect(ioApic.getState().undeliverable).toBe(1);
  });

  it('drives a local APIC end to end, including the EOI broadcast of a level vector', () => {
    const clock = { now: () => 0 };
    let ioApic: IoApic | undefined;
    const apic = new LocalApic({ clock, onEoi: (vector) => ioApic?.endOfInterrupt(vector) });
    ioApic = new IoApic({
      deliver: (message) => apic.acceptInterrupt(message.vector, message.levelTriggered),
    });
    apic.write(0x0f0, 4, 0x1ff);
    ioApic.write(0, 4, 0x10 + 2 * 11);
    ioApic.write(0x10, 4, 0x8051);
    ioApic.setIrq(11, true);
    expect(apic.acknowledge()).toBe(0x51);
    ioApic.setIrq(11, false);
    apic.write(0x0b0, 4, 0);
    ioApic.write(0, 4, 0x10 + 2 * 11);
    expect(ioApic.read(0x10, 4) & 0x4000).toBe(0);
  });

  it('reads undecoded offsets as 0 and counts them', () => {
    const { ioApic } = setup();
    expect(ioApic.read(0x20, 4)).toBe(0);
    expect(ioApic.read(0x10, 2)).toBe(0);
    expect(ioApic.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state', () => {
    const { ioApic, set } = setup();
    set(0x20, 0x8033);
    ioApic.setIrq(8, true);
    expect(IoApic.fromState(ioApic.getState()).getState()).toEqual(ioApic.getState());
    expect(() => IoApic.fromState({ version: 7 } as never)).toThrow(TypeError);
  });

  it('never throws and keeps the table within its writable bits under random MMIO', () => {
    const step = fc.record({
      offset: fc.constantFrom(0, 0x10, 0x10, 4, 0x20, -1),
      width: fc.constantFrom(4, 4, 1, 2) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      kind: fc.constantFrom('read', 'write', 'irq', 'eoi'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const ioApic = new IoApic();
        for (const s of steps) {
          if (s.kind === 'read') {
            const value = ioApic.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(0xffffffff);
          } else if (s.kind === 'write') ioApic.write(s.offset, s.width, s.value);
          else if (s.kind === 'irq') ioApic.setIrq(s.value % 30, (s.value & 0x100) !== 0);
          else ioApic.endOfInterrupt(s.value & 0xff);
        }
        const state = ioApic.getState();
        for (const [low, high] of state.redirection) {
          expect(low & ~(0x0001afff | 0x4000)).toBe(0);
          expect(high & 0x00ffffff).toBe(0);
        }
        expect(IoApic.fromState(state).getState()).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
