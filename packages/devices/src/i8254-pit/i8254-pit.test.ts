import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Port61 } from '../port-61/port-61.js';
import { I8254Pit, nanosecondsForPitTicks, pitTicksIn } from './i8254-pit.js';

function setup() {
  const clock = {
    time: 0,
    now(): number {
      return this.time;
    },
  };
  const irq = { raises: 0, lowers: 0, level: false };
  const pit = new I8254Pit({
    clock,
    irq: {
      raise: () => {
        irq.raises++;
        irq.level = true;
      },
      lower: () => {
        irq.lowers++;
        irq.level = false;
      },
    },
  });
  /** Sets the clock to the start of PIT tick `ticks`. */
  const atTick = (ticks: number) => {
    clock.time = nanosecondsForPitTicks(ticks);
  };
  return { clock, irq, pit, atTick };
}

/** Runs the machine loop: jump to each deadline up to `end` ns and advance there. */
function runUntil(pit: I8254Pit, clock: { time: number }, end: number): void {
  for (let guard = 0; guard < 1_000_000; guard++) {
    const deadline = pit.nextDeadline(clock.time);
    if (deadline === null || deadline > end) break;
    clock.time = deadline;
    pit.advance(deadline);
  }
  clock.time = end;
  pit.advance(end);
}

describe('I8254Pit', () => {
  it('converts between ns and ticks exactly, even after hours', () => {
    expect(pitTicksIn(1_000_000_000)).toBe(1_193_182);
    expect(pitTicksIn(3600e9 + 1)).toBe(3600 * 1_193_182);
    for (const ticks of [1, 1193, 65536, 1_193_182 * 7200 + 5]) {
      expect(pitTicksIn(nanosecondsForPitTicks(ticks))).toBe(ticks);
      expect(pitTicksIn(nanosecondsForPitTicks(ticks) - 1)).toBe(ticks - 1);
    }
  });

  it('raises IRQ0 once per period in mode 2 (rate generator): 100 in 100 ms at count 1193', () => {
    const { clock, irq, pit } = setup();
    pit.write(3, 1, 0x34); // counter 0, LSB/MSB, mode 2
    pit.write(0, 1, 1193 & 0xff);
    pit.write(0, 1, 1193 >> 8);
    const afterLoad = irq.raises; // OUT goes high when the mode is set
    runUntil(pit, clock, 100_000_000);
    expect(irq.raises - afterLoad).toBe(100);
    expect(pit.getState().coalescedEdges).toBe(0);
  });

  it('keeps OUT low in mode 0 until terminal count, then high for good', () => {
    const { irq, pit, atTick } = setup();
    pit.write(3, 1, 0x30);
    pit.write(0, 1, 100);
    pit.write(0, 1, 0);
    expect(pit.nextDeadline(0)).toBe(nanosecondsForPitTicks(100));
    atTick(99);
    pit.advance(nanosecondsForPitTicks(99));
    expect(irq.level).toBe(false);
    atTick(100);
    pit.advance(nanosecondsForPitTicks(100));
    expect(irq.level).toBe(true);
    expect(pit.nextDeadline(nanosecondsForPitTicks(100))).toBeNull();
    expect(pit.output(0, nanosecondsForPitTicks(5000))).toBe(true);
  });

  it('counts down and wraps to 0xFFFF after terminal count in mode 0', () => {
    const { pit, atTick } = setup();
    pit.write(3, 1, 0x30);
    pit.write(0, 1, 10);
    pit.write(0, 1, 0);
    atTick(3);
    expect(pit.read(0, 1) | (pit.read(0, 1) << 8)).toBe(7);
    atTick(11);
    expect(pit.read(0, 1) | (pit.read(0, 1) << 8)).toBe(0xffff);
  });

  it('freezes the value read after a counter latch command until both bytes are read', () => {
    const { pit, atTick } = setup();
    pit.write(3, 1, 0x34);
    pit.write(0, 1, 0x00);
    pit.write(0, 1, 0x10); // 0x1000
    atTick(0x100);
    pit.write(3, 1, 0x00); // latch counter 0
    atTick(0x200);
    expect(pit.read(0, 1)).toBe(0x00);
    expect(pit.read(0, 1)).toBe(0x0f);
    expect(pit.read(0, 1) | (pit.read(0, 1) << 8)).toBe(0x0e00);
  });

  it('reads back status and count with the read-back command', () => {
    const { pit, atTick } = setup();
    pit.write(3, 1, 0xb0); // counter 2, LSB/MSB, mode 0
    expect(pit.getState().channels[2].nullCount).toBe(true);
    pit.write(2, 1, 0x34);
    pit.write(2, 1, 0x12);
    pit.setGate(2, true);
    atTick(0x12);
    pit.write(3, 1, 0xc8); // read-back: count and status of counter 2
    expect(pit.read(2, 1)).toBe(0x30); // OUT low, count loaded, RW=3, mode 0, binary
    expect(pit.read(2, 1)).toBe(0x22);
    expect(pit.read(2, 1)).toBe(0x12);
    pit.write(3, 1, 0xe8); // status only
    atTick(0x2000);
    expect(pit.read(2, 1)).toBe(0x30);
    pit.write(3, 1, 0xe8);
    atTick(0x1234);
    expect(pit.read(2, 1)).toBe(0xb0); // OUT high now
  });

  it('reports NULL COUNT in the status between the control word and the count load', () => {
    const { pit } = setup();
    pit.write(3, 1, 0x34);
    pit.write(3, 1, 0xe2);
    expect(pit.read(0, 1) & 0x40).toBe(0x40);
  });

  it('counts in BCD when the control word asks for it', () => {
    const { pit, atTick } = setup();
    pit.write(3, 1, 0x31); // counter 0, LSB/MSB, mode 0, BCD
    pit.write(0, 1, 0x00);
    pit.write(0, 1, 0x10); // 1000 decimal
    atTick(1);
    expect(pit.read(0, 1)).toBe(0x99);
    expect(pit.read(0, 1)).toBe(0x09);
    atTick(1000);
    expect(pit.output(0)).toBe(true);
  });

  it('loads a count with the LSB-only and MSB-only access modes', () => {
    const { pit } = setup();
    pit.write(3, 1, 0x10); // LSB only, mode 0
    pit.write(0, 1, 0x50);
    expect(pit.getState().channels[0].count).toBe(0x50);
    expect(pit.read(0, 1)).toBe(0x50);
    pit.write(3, 1, 0x20); // MSB only
    pit.write(0, 1, 0x02);
    expect(pit.getState().channels[0].count).toBe(0x200);
    expect(pit.read(0, 1)).toBe(0x02);
  });

  it('alternates LSB and MSB on reads with the flip-flop of access mode 3', () => {
    const { pit } = setup();
    pit.write(3, 1, 0x30);
    pit.write(0, 1, 0xcd);
    pit.write(0, 1, 0xab);
    expect([pit.read(0, 1), pit.read(0, 1), pit.read(0, 1), pit.read(0, 1)]).toEqual([
      0xcd, 0xab, 0xcd, 0xab,
    ]);
  });

  it('makes a square wave in mode 3: high for the first half of the count, low for the rest', () => {
    const { pit } = setup();
    pit.write(3, 1, 0x36);
    pit.write(0, 1, 5);
    pit.write(0, 1, 0);
    const levels = Array.from({ length: 10 }, (_, tick) => pit.output(0, nanosecondsForPitTicks(tick)));
    expect(levels).toEqual([true, true, true, false, false, true, true, true, false, false]);
  });

  it('strobes OUT low for one clock at terminal count in mode 4', () => {
    const { pit } = setup();
    pit.write(3, 1, 0x38);
    pit.write(0, 1, 3);
    pit.write(0, 1, 0);
    const levels = Array.from({ length: 6 }, (_, tick) => pit.output(0, nanosecondsForPitTicks(tick)));
    expect(levels).toEqual([true, true, true, false, true, true]);
  });

  it('waits for a gate rising edge in mode 1 and mode 5 (counter 2 via port 0x61)', () => {
    const { clock, pit, atTick } = setup();
    const port61 = new Port61({ pit, clock });
    pit.write(3, 1, 0xb2); // counter 2, mode 1
    pit.write(2, 1, 4);
    pit.write(2, 1, 0);
    atTick(10);
    expect(port61.read(0, 1) & 0x20).toBe(0x20); // still high: not triggered
    port61.write(0, 1, 0x01); // gate high: trigger
    atTick(11);
    expect(port61.read(0, 1) & 0x20).toBe(0);
    atTick(14);
    expect(port61.read(0, 1) & 0x20).toBe(0x20);
    port61.write(0, 1, 0x00);
    pit.write(3, 1, 0xba); // counter 2, mode 5
    pit.write(2, 1, 2);
    pit.write(2, 1, 0);
    port61.write(0, 1, 0x01);
    const start = pitTicksIn(clock.time);
    expect(pit.output(2, nanosecondsForPitTicks(start + 2) + 100)).toBe(false);
    expect(pit.output(2, nanosecondsForPitTicks(start + 4))).toBe(true);
  });

  it('does not count in mode 0 while the gate is low (Linux TSC calibration on counter 2)', () => {
    const { clock, pit, atTick } = setup();
    const port61 = new Port61({ pit, clock });
    port61.write(0, 1, 0x00);
    pit.write(3, 1, 0xb0);
    pit.write(2, 1, 0xff);
    pit.write(2, 1, 0xff);
    atTick(1000);
    expect(pit.countValue(2)).toBe(0xffff);
    port61.write(0, 1, 0x01);
    atTick(1000 + 0xffff);
    expect(port61.read(0, 1) & 0x20).toBe(0x20);
    expect(port61.read(0, 1) & 0x01).toBe(0x01);
  });

  it('lets Linux quick_pit_calibrate read counter 2 MSB falling by one every 256 ticks', () => {
    const { clock, pit, atTick } = setup();
    const port61 = new Port61({ pit, clock });
    port61.write(0, 1, (port61.read(0, 1) & ~0x02) | 0x01); // gate high, speaker off
    pit.write(3, 1, 0xb0); // counter 2, LSB/MSB, mode 0, binary
    pit.write(2, 1, 0xff);
    pit.write(2, 1, 0xff);
    const msbAt = (tick: number) => {
      atTick(tick);
      pit.read(2, 1); // LSB
      return pit.read(2, 1); // MSB
    };
    expect(msbAt(1)).toBe(0xff);
    expect(msbAt(256)).toBe(0xfe);
    expect(msbAt(256 * 10 + 5)).toBe(0xf5);
  });

  it('toggles the refresh bit of port 0x61 every 15.085 us and keeps bits 0-3 writable', () => {
    const { clock, pit } = setup();
    const port61 = new Port61({ pit, clock });
    port61.write(0, 1, 0xff);
    expect(port61.read(0, 1) & 0x0f).toBe(0x0f);
    const first = port61.read(0, 1) & 0x10;
    clock.time += 15_085;
    expect(port61.read(0, 1) & 0x10).toBe(first ^ 0x10);
    expect(port61.speakerEnabled()).toBe(true);
    expect(port61.read(1, 1)).toBe(0xff);
  });

  it('coalesces the edges an overdue advance skipped into one IRQ0 pulse and counts them', () => {
    const { irq, pit } = setup();
    pit.write(3, 1, 0x34);
    pit.write(0, 1, 100);
    pit.write(0, 1, 0);
    const before = irq.raises;
    pit.advance(nanosecondsForPitTicks(1000));
    expect(irq.raises - before).toBe(1);
    expect(pit.getState().coalescedEdges).toBe(9);
  });

  it('reads the control port and undecoded offsets as all-ones', () => {
    const { pit } = setup();
    expect(pit.read(3, 1)).toBe(0xff);
    expect(pit.read(4, 1)).toBe(0xff);
    expect(pit.read(2, 4)).toBe(0xffffffff);
    expect(pit.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state mid-count', () => {
    const { clock, pit, atTick } = setup();
    pit.write(3, 1, 0x34);
    pit.write(0, 1, 0x00);
    pit.write(0, 1, 0x10);
    atTick(0x123);
    pit.write(3, 1, 0x00);
    const copy = I8254Pit.fromState(pit.getState(), { clock });
    expect(copy.getState()).toEqual(pit.getState());
    expect(copy.read(0, 1)).toBe(pit.read(0, 1));
    expect(copy.countValue(0)).toBe(pit.countValue(0));
    expect(() => I8254Pit.fromState({ version: 0 } as never, { clock })).toThrow(TypeError);
  });

  it('regression: a count of 1 in mode 2 runs as 2 so deadlines keep moving forward', () => {
    const { clock, irq, pit } = setup();
    pit.write(3, 1, 0x14); // counter 0, LSB only, mode 2
    pit.write(0, 1, 1);
    const first = pit.nextDeadline(0)!;
    clock.time = first;
    pit.advance(first);
    const second = pit.nextDeadline(first)!;
    expect(second).toBeGreaterThan(first);
    runUntil(pit, clock, nanosecondsForPitTicks(100));
    expect(irq.raises).toBeLessThanOrEqual(51);
  });

  it('never throws, keeps counts in range and deadlines in the future under random I/O', () => {
    const step = fc.record({
      offset: fc.integer({ min: -1, max: 4 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      kind: fc.constantFrom('read', 'write', 'write', 'gate', 'time', 'port61'),
      delta: fc.integer({ min: 0, max: 5_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const { clock, pit } = setup();
        const port61 = new Port61({ pit, clock });
        for (const s of steps) {
          if (s.kind === 'read') {
            const value = pit.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          } else if (s.kind === 'write') pit.write(s.offset, s.width, s.value);
          else if (s.kind === 'gate') pit.setGate(s.value % 3, (s.value & 4) !== 0);
          else if (s.kind === 'port61') port61.write(0, 1, s.value);
          else {
            clock.time += s.delta;
            pit.advance(clock.time);
          }
          const deadline = pit.nextDeadline(clock.time);
          if (deadline !== null) expect(deadline).toBeGreaterThan(clock.time);
          for (let channel = 0; channel < 3; channel++) {
            const count = pit.countValue(channel);
            expect(count).toBeGreaterThanOrEqual(0);
            expect(count).toBeLessThanOrEqual(0xffff);
          }
        }
        expect(I8254Pit.fromState(pit.getState(), { clock }).getState()).toEqual(pit.getState());
      }),
      { numRuns: 300 },
    );
  });
});
