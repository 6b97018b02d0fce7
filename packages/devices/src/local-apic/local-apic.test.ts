import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { I8259Pic } from '../i8259-pic/i8259-pic.js';
import { LocalApic } from './local-apic.js';

const SVR = 0x0f0;
const TPR = 0x080;
const PPR = 0x0a0;
const EOI = 0x0b0;
const ISR = 0x100;
const TMR = 0x180;
const IRR = 0x200;
const ESR = 0x280;
const ICR_LOW = 0x300;
const LVT_TIMER = 0x320;
const LVT_LINT0 = 0x350;
const LVT_ERROR = 0x370;
const INITIAL_COUNT = 0x380;
const CURRENT_COUNT = 0x390;
const DIVIDE = 0x3e0;

function setup() {
  const clock = {
    time: 0,
    now(): number {
      return this.time;
    },
  };
  const eois: number[] = [];
  const apic = new LocalApic({ clock, onEoi: (vector) => eois.push(vector) });
  apic.write(SVR, 4, 0x1ff); // software enable, spurious vector 0xFF
  return { apic, clock, eois };
}

describe('LocalApic', () => {
  it('identifies as an xAPIC with six LVT entries at the default base', () => {
    const { apic } = setup();
    expect(apic.read(0x030, 4)).toBe(0x00050014);
    expect(apic.readBaseMsr()).toBe(0xfee00900);
  });

  it('refuses IA32_APIC_BASE writes with reserved bits or another base, keeping the BSP bit', () => {
    const { apic } = setup();
    expect(apic.localApic.initialApicId).toBe(0);
    expect(apic.localApic.writeBaseMsr(0xfee00801)).toBe(false); // reserved bit 0
    expect(apic.localApic.writeBaseMsr(0xfed00800)).toBe(false); // relocation
    expect(apic.readBaseMsr()).toBe(0xfee00900);
    expect(apic.localApic.writeBaseMsr(0xfee00800)).toBe(true); // BSP is read-only
    expect(apic.localApic.readBaseMsr()).toBe(0xfee00900);
    expect(apic.localApic.writeBaseMsr(0xfee00000)).toBe(true);
    expect(apic.readBaseMsr()).toBe(0xfee00100);
  });

  it('tells the board when the timer deadline may have moved', () => {
    let changes = 0;
    const apic = new LocalApic({ clock: { now: () => 0 }, onTimerChange: () => changes++ });
    apic.write(SVR, 4, 0x1ff);
    apic.write(0x320, 4, 0x20030); // LVT timer: periodic, vector 0x30
    apic.write(0x3e0, 4, 0xb); // divide by 1
    apic.write(0x380, 4, 1000); // initial count
    expect(changes).toBe(3);
    expect(apic.nextDeadline(0)).toBe(1000);
  });

  it('delivers the highest-priority vector, moves it to ISR and clears it on EOI', () => {
    const { apic } = setup();
    apic.acceptInterrupt(0x31, false);
    apic.acceptInterrupt(0x41, false);
    expect([apic.read(IRR + 0x10, 4), apic.read(IRR + 0x20, 4)]).toEqual([1 << 17, 1 << 1]);
    expect(apic.hasInterrupt()).toBe(true);
    expect(apic.acknowledge()).toBe(0x41);
    expect(apic.read(ISR + 0x20, 4)).toBe(1 << 1);
    expect(apic.hasInterrupt()).toBe(false); // 0x31 is a lower class than the in-service 0x41
    expect(apic.read(PPR, 4)).toBe(0x40);
    apic.write(EOI, 4, 0);
    expect(apic.acknowledge()).toBe(0x31);
  });

  it('holds back vectors whose class does not exceed the task priority', () => {
    const { apic } = setup();
    apic.write(TPR, 4, 0x50);
    apic.acceptInterrupt(0x55, false);
    expect(apic.hasInterrupt()).toBe(false);
    expect(apic.acknowledge()).toBe(0xff); // spurious vector
    apic.write(TPR, 4, 0x40);
    expect(apic.acknowledge()).toBe(0x55);
  });

  it('broadcasts EOI for level-triggered vectors only (TMR)', () => {
    const { apic, eois } = setup();
    apic.acceptInterrupt(0x61, true);
    expect(apic.read(TMR + 0x30, 4)).toBe(1 << 1);
    apic.acknowledge();
    apic.write(EOI, 4, 0);
    apic.acceptInterrupt(0x62, false);
    apic.acknowledge();
    apic.write(EOI, 4, 0);
    expect(eois).toEqual([0x61]);
  });

  it('delivers nothing while software-disabled and masks LVT writes then', () => {
    const { apic } = setup();
    apic.write(SVR, 4, 0xff);
    apic.acceptInterrupt(0x40, false);
    expect(apic.hasInterrupt()).toBe(false);
    apic.write(LVT_TIMER, 4, 0x20);
    expect(apic.read(LVT_TIMER, 4)).toBe(0x10020);
  });

  it('passes the 8259 through LINT0 in ExtINT mode, and not when LINT0 is masked', () => {
    const clock = { now: () => 0 };
    const pic = new I8259Pic();
    pic.masterPorts.write(0, 1, 0x13);
    pic.masterPorts.write(1, 1, 0x30);
    pic.masterPorts.write(1, 1, 0x01);
    const apic = new LocalApic({ clock, externalInterrupts: pic });
    pic.setIrq(1, true);
    expect(apic.hasInterrupt()).toBe(true);
    expect(apic.read(LVT_LINT0, 4)).toBe(0x700);
    apic.write(SVR, 4, 0x1ff);
    apic.write(LVT_LINT0, 4, 0x10700);
    expect(apic.hasInterrupt()).toBe(false);
    apic.write(LVT_LINT0, 4, 0x700);
    expect(apic.acknowledge()).toBe(0x31);
    apic.writeBaseMsr(0xfee00000); // globally disabled: the PIC reaches the CPU directly
    pic.setIrq(0, true); // IRQ1 is still in service on the 8259; IRQ0 beats it
    expect(apic.hasInterrupt()).toBe(true);
    expect(apic.acknowledge()).toBe(0x30);
  });

  it('counts the timer down through the divider and fires once in one-shot mode', () => {
    const { apic, clock } = setup();
    apic.write(DIVIDE, 4, 0x3); // divide by 16
    apic.write(LVT_TIMER, 4, 0x40);
    apic.write(INITIAL_COUNT, 4, 1000);
    clock.time = 1600;
    expect(apic.read(CURRENT_COUNT, 4)).toBe(900);
    expect(apic.nextDeadline(clock.time)).toBe(16_000);
    clock.time = 16_000;
    apic.advance(clock.time);
    expect(apic.acknowledge()).toBe(0x40);
    expect(apic.read(CURRENT_COUNT, 4)).toBe(0);
    expect(apic.nextDeadline(clock.time)).toBeNull();
  });

  it('reloads in periodic mode and coalesces missed periods', () => {
    const { apic, clock } = setup();
    apic.write(DIVIDE, 4, 0xb); // divide by 1
    apic.write(LVT_TIMER, 4, 0x20041);
    apic.write(INITIAL_COUNT, 4, 100);
    clock.time = 250;
    expect(apic.read(CURRENT_COUNT, 4)).toBe(50);
    apic.advance(clock.time);
    expect(apic.acknowledge()).toBe(0x41);
    expect(apic.nextDeadline(clock.time)).toBe(300);
  });

  it('loses expirations that happen while the timer LVT is masked', () => {
    const { apic, clock } = setup();
    apic.write(DIVIDE, 4, 0xb);
    apic.write(LVT_TIMER, 4, 0x10042); // masked, one-shot
    apic.write(INITIAL_COUNT, 4, 100);
    expect(apic.nextDeadline(0)).toBeNull();
    clock.time = 500;
    apic.write(LVT_TIMER, 4, 0x42); // unmask after the expiry
    apic.advance(clock.time);
    expect(apic.hasInterrupt()).toBe(false);
  });

  it('sends fixed self-IPIs and reports illegal vectors in ESR', () => {
    const { apic } = setup();
    apic.write(ICR_LOW, 4, 0x40050); // shorthand self, fixed, vector 0x50
    expect(apic.acknowledge()).toBe(0x50);
    apic.write(LVT_ERROR, 4, 0x00fe);
    apic.write(ICR_LOW, 4, 0x40005); // vector 5: illegal
    apic.write(ESR, 4, 0);
    expect(apic.read(ESR, 4)).toBe(0x20);
    apic.write(EOI, 4, 0);
    expect(apic.acknowledge()).toBe(0xfe); // the error LVT fired
    apic.write(ICR_LOW, 4, 0xc4500); // INIT to all but self: ignored
    expect(apic.getState().ignoredIpis).toBe(1);
  });

  it('reads misaligned or narrow accesses as 0 and counts them', () => {
    const { apic } = setup();
    expect(apic.read(0x024, 4)).toBe(0);
    expect(apic.read(0x020, 1)).toBe(0);
    expect(apic.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state', () => {
    const { apic, clock } = setup();
    apic.acceptInterrupt(0xff, true);
    apic.write(INITIAL_COUNT, 4, 1234);
    const copy = LocalApic.fromState(apic.getState(), { clock });
    expect(copy.getState()).toEqual(apic.getState());
    expect(() => LocalApic.fromState({ version: 0 } as never, { clock })).toThrow(TypeError);
  });

  it('never throws, keeps vectors in range and deadlines in the future under random MMIO', () => {
    const step = fc.record({
      offset: fc.oneof(
        fc.integer({ min: 0, max: 0x3f }).map((index) => index << 4),
        fc.integer({ min: -4, max: 0x1004 }),
      ),
      width: fc.constantFrom(4, 4, 1, 2) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      kind: fc.constantFrom('read', 'write', 'write', 'accept', 'ack', 'time'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { apic, clock } = setup();
        for (const s of steps) {
          if (s.kind === 'read') {
            const value = apic.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThanOrEqual(0xffffffff);
          } else if (s.kind === 'write') apic.write(s.offset, s.width, s.value);
          else if (s.kind === 'accept') apic.acceptInterrupt(s.value & 0xff, (s.value & 0x100) !== 0);
          else if (s.kind === 'ack') {
            const vector = apic.acknowledge();
            expect(vector).toBeGreaterThanOrEqual(0);
            expect(vector).toBeLessThanOrEqual(255);
          } else {
            clock.time += s.value % 1_000_000;
            apic.advance(clock.time);
          }
          const deadline = apic.nextDeadline(clock.time);
          if (deadline !== null) expect(deadline).toBeGreaterThan(clock.time);
        }
        expect(LocalApic.fromState(apic.getState(), { clock }).getState()).toEqual(apic.getState());
      }),
      { numRuns: 300 },
    );
  });
});
