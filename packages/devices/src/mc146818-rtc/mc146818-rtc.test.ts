import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mc146818Rtc, periodicRateTicks } from './mc146818-rtc.js';

/** 2026-11-28 16:05:06 UTC, a Saturday. */
const EPOCH_MS = Date.UTC(2026, 10, 28, 16, 5, 6);

function setup(epochMs = EPOCH_MS) {
  const clock = {
    time: 0,
    now(): number {
      return this.time;
    },
  };
  const irq = { level: false, raises: 0 };
  const nmi: boolean[] = [];
  const rtc = new Mc146818Rtc({
    clock,
    epochMs,
    irq: {
      raise: () => {
        irq.level = true;
        irq.raises++;
      },
      lower: () => {
        irq.level = false;
      },
    },
    onNmiMaskChange: (masked) => nmi.push(masked),
  });
  const get = (index: number) => {
    rtc.write(0, 1, index);
    return rtc.read(1, 1);
  };
  const set = (index: number, value: number) => {
    rtc.write(0, 1, index);
    rtc.write(1, 1, value);
  };
  return { clock, irq, nmi, rtc, get, set };
}

describe('Mc146818Rtc', () => {
  it('reads the injected clock as BCD 24-hour time with the century at 0x32', () => {
    const { get } = setup();
    expect([0, 2, 4, 6, 7, 8, 9, 0x32].map(get)).toEqual([0x06, 0x05, 0x16, 0x07, 0x28, 0x11, 0x26, 0x20]);
  });

  it('switches to binary and 12-hour formats (PM in hour bit 7)', () => {
    const { get, set } = setup();
    set(0x0b, 0x04); // binary, 12-hour
    expect(get(4)).toBe(0x84); // 4 PM
    expect(get(0)).toBe(6);
    expect(get(7)).toBe(28);
    set(0x0b, 0x00); // BCD, 12-hour
    expect(get(4)).toBe(0x84);
    expect(setup(Date.UTC(2026, 0, 1, 0, 30)).get(4)).toBe(0x00); // 24-hour default: 00
    const midnight = setup(Date.UTC(2026, 0, 1, 0, 30));
    midnight.set(0x0b, 0x00);
    expect(midnight.get(4)).toBe(0x12); // 12 AM
  });

  it('advances with virtual time, not the host clock', () => {
    const { clock, get } = setup();
    clock.time = 54e9; // 16:06:00
    expect([get(0), get(2)]).toEqual([0x00, 0x06]);
  });

  it('freezes while SET is 1 and runs from the written time after SET clears', () => {
    const { clock, get, set } = setup();
    set(0x0b, 0x82); // SET, 24-hour, BCD
    set(0x09, 0x99);
    set(0x32, 0x19);
    set(0x08, 0x12);
    set(0x07, 0x31);
    set(0x04, 0x23);
    set(0x02, 0x59);
    set(0x00, 0x58);
    clock.time = 5e9;
    expect(get(0)).toBe(0x58);
    set(0x0b, 0x02);
    clock.time = 7e9;
    expect([get(0), get(2), get(4), get(7), get(8), get(9), get(0x32)]).toEqual([
      0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x20,
    ]);
  });

  it('shows UIP only in the last 244 us before an update', () => {
    const { clock, get } = setup(Date.UTC(2026, 0, 1));
    clock.time = 999_755_000;
    expect(get(0x0a) & 0x80).toBe(0);
    clock.time = 999_756_000;
    expect(get(0x0a)).toBe(0xa6);
    clock.time = 1_000_000_000;
    expect(get(0x0a)).toBe(0x26);
  });

  it('raises IRQ8 at the periodic rate with PIE and clears it on a register C read', () => {
    const { clock, irq, rtc, get, set } = setup();
    expect(periodicRateTicks(6)).toBe(32);
    set(0x0b, 0x42); // PIE
    const deadline = rtc.nextDeadline(0);
    expect(deadline).toBe(976_563); // 1/1024 s, rounded up
    clock.time = deadline!;
    rtc.advance(clock.time);
    expect(irq.level).toBe(true);
    expect(get(0x0c)).toBe(0xc0);
    expect(irq.level).toBe(false);
    expect(get(0x0c)).toBe(0x00);
  });

  it('sets PF without PIE but keeps IRQF and the line low', () => {
    const { clock, irq, rtc, get } = setup();
    clock.time = 2_000_000;
    expect(rtc.nextDeadline(0)).toBeNull();
    expect(get(0x0c)).toBe(0x40);
    expect(irq.level).toBe(false);
  });

  it('raises the update-ended interrupt once a second with UIE', () => {
    const { clock, irq, rtc, get, set } = setup(Date.UTC(2026, 0, 1));
    set(0x0a, 0x20); // rate 0: no periodic
    set(0x0b, 0x12); // UIE
    expect(rtc.nextDeadline(0)).toBe(1e9);
    clock.time = 1e9;
    rtc.advance(clock.time);
    expect(irq.level).toBe(true);
    expect(get(0x0c)).toBe(0x90);
    expect(rtc.nextDeadline(clock.time)).toBe(2e9);
  });

  it('clears UIE when SET is written', () => {
    const { get, set } = setup();
    set(0x0b, 0x92);
    expect(get(0x0b)).toBe(0x82);
  });

  it('raises the alarm interrupt when seconds, minutes and hours match (0xC0 = any)', () => {
    const { clock, irq, rtc, get, set } = setup();
    set(0x0a, 0x20);
    set(0x01, 0x09); // :09
    set(0x03, 0xc0); // any minute
    set(0x05, 0x16); // 16h
    set(0x0b, 0x22); // AIE
    clock.time = 2e9; // 16:05:08
    rtc.advance(clock.time);
    expect(irq.level).toBe(false);
    expect(get(0x0c) & 0x20).toBe(0);
    clock.time = 3e9; // 16:05:09
    rtc.advance(clock.time);
    expect(irq.level).toBe(true);
    expect(get(0x0c)).toBe(0xb0);
  });

  it('keeps NMI masking in port 0x70 bit 7 and reads the index port as 0xFF', () => {
    const { nmi, rtc } = setup();
    rtc.write(0, 1, 0x8f);
    expect(rtc.nmiMasked()).toBe(true);
    expect(rtc.read(0, 1)).toBe(0xff);
    rtc.write(0, 1, 0x0f);
    expect(nmi).toEqual([true, false]);
  });

  it('stores NVRAM bytes and reports a valid battery in register D', () => {
    const { get, set } = setup();
    set(0x40, 0x5a);
    set(0x0d, 0x00);
    expect(get(0x40)).toBe(0x5a);
    expect(get(0x0d)).toBe(0x80);
  });

  it('writes the standard memory-size fields and the checksum', () => {
    const { rtc } = setup();
    rtc.setMemorySize(32 << 20);
    expect(rtc.peek(0x15) | (rtc.peek(0x16) << 8)).toBe(640);
    expect(rtc.peek(0x17) | (rtc.peek(0x18) << 8)).toBe(31 * 1024);
    expect(rtc.peek(0x30) | (rtc.peek(0x31) << 8)).toBe(31 * 1024);
    expect(rtc.peek(0x34) | (rtc.peek(0x35) << 8)).toBe((16 << 20) / 0x10000);
    rtc.setMemorySize(0xe000_0000, 2 * 2 ** 30);
    expect(rtc.peek(0x17) | (rtc.peek(0x18) << 8)).toBe(0xffff);
    expect(rtc.peek(0x5b) | (rtc.peek(0x5c) << 8) | (rtc.peek(0x5d) << 16)).toBe(0x8000);
    let sum = 0;
    for (let index = 0x10; index <= 0x2d; index++) sum += rtc.peek(index);
    expect((rtc.peek(0x2e) << 8) | rtc.peek(0x2f)).toBe(sum & 0xffff);
    expect(() => rtc.setNvram(0x0c, 1)).toThrow(RangeError);
  });

  it('reads undecoded offsets as all-ones', () => {
    const { rtc } = setup();
    expect(rtc.read(2, 1)).toBe(0xff);
    expect(rtc.read(1, 2)).toBe(0xffff);
    expect(rtc.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state, including a guest-set time and pending flags', () => {
    const { clock, rtc, set } = setup();
    set(0x02, 0x30);
    set(0x40, 0x11);
    clock.time = 10_000_000;
    rtc.advance(clock.time);
    const copy = Mc146818Rtc.fromState(rtc.getState(), { clock });
    expect(copy.getState()).toEqual(rtc.getState());
    expect(copy.unixSeconds()).toBe(rtc.unixSeconds());
    expect(() => Mc146818Rtc.fromState({ version: 3 } as never, { clock })).toThrow(TypeError);
  });

  it('regression: a guest-set date past the year 9999 is refused, not turned into NaN', () => {
    const { rtc, get, set } = setup(Date.UTC(9999, 11, 31, 23, 59, 50));
    set(0x32, 0x99);
    set(0x09, 0x99);
    set(0x08, 0x12);
    set(0x07, 0x99); // December 99th overflows into year 10000
    expect(Number.isInteger(rtc.unixSeconds())).toBe(true);
    expect(get(0x32)).toBe(0x99);
  });

  it('regression: BCD garbage in the time registers never throws', () => {
    const { rtc, set } = setup();
    for (const index of [0, 2, 4, 7, 8, 9, 0x32]) set(index, 0xff);
    expect(Number.isFinite(rtc.unixSeconds())).toBe(true);
  });

  it('never throws and keeps the clock in range under random I/O', () => {
    const step = fc.record({
      offset: fc.integer({ min: -1, max: 3 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      kind: fc.constantFrom('read', 'write', 'write', 'time'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { clock, rtc } = setup();
        for (const s of steps) {
          if (s.kind === 'read') {
            const value = rtc.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          } else if (s.kind === 'write') rtc.write(s.offset, s.width, s.value);
          else {
            clock.time += s.value * 1000;
            rtc.advance(clock.time);
          }
          const deadline = rtc.nextDeadline(clock.time);
          if (deadline !== null) expect(deadline).toBeGreaterThan(clock.time);
          const seconds = rtc.unixSeconds();
          expect(Number.isInteger(seconds) && seconds >= 0).toBe(true);
        }
        expect(Mc146818Rtc.fromState(rtc.getState(), { clock }).getState()).toEqual(rtc.getState());
      }),
      { numRuns: 300 },
    );
  });
});
