import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AcpiPowerManagement, PM_TIMER_FREQUENCY_HZ } from './acpi-pm.js';
import { FADT_REVISION_1_LENGTH, s5PackageAml, writeAcpiTables } from './acpi-tables.js';

const PM = { pm1aEventBlock: 0x600, pm1aControlBlock: 0x604, pmTimerBlock: 0x608 };

function u32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24)) >>> 0;
}

function sum(bytes: Uint8Array, at: number, length: number): number {
  let total = 0;
  for (let index = at; index < at + length; index++) total = (total + bytes[index]) & 0xff;
  return total;
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

describe('ACPI tables', () => {
  const memory = new Uint8Array(0x100000);
  const layout = writeAcpiTables(memory, {
    rsdpAddress: 0xf0000,
    tablesAddress: 0xe0000,
    pm: PM,
    apic: {
      localApicAddress: 0xfee00000,
      processorApicIds: [0],
      ioApic: { id: 1, address: 0xfec00000, gsiBase: 0 },
    },
  });

  it('writes an RSDP v0 with a valid checksum pointing at the RSDT', () => {
    expect(ascii(memory, 0xf0000, 8)).toBe('RSD PTR ');
    expect(sum(memory, 0xf0000, 20)).toBe(0);
    expect(memory[0xf0000 + 15]).toBe(0);
    expect(u32(memory, 0xf0000 + 16)).toBe(layout.rsdt);
  });

  it('lists the FADT and MADT in the RSDT, every table with a zero checksum', () => {
    expect(ascii(memory, layout.rsdt, 4)).toBe('RSDT');
    expect(u32(memory, layout.rsdt + 4)).toBe(36 + 8);
    expect([u32(memory, layout.rsdt + 36), u32(memory, layout.rsdt + 40)]).toEqual([
      layout.fadt,
      layout.madt,
    ]);
    for (const address of [layout.rsdt, layout.fadt, layout.dsdt, layout.madt!]) {
      expect(sum(memory, address, u32(memory, address + 4))).toBe(0);
    }
  });

  it('fills the FADT rev 1 fields Linux reads', () => {
    const fadt = layout.fadt;
    expect(ascii(memory, fadt, 4)).toBe('FACP');
    expect(u32(memory, fadt + 4)).toBe(FADT_REVISION_1_LENGTH);
    expect(memory[fadt + 8]).toBe(1);
    expect(u32(memory, fadt + 36)).toBe(layout.facs);
    expect(u32(memory, fadt + 40)).toBe(layout.dsdt);
    expect(memory[fadt + 44]).toBe(1); // INT_MODEL: APIC
    expect(memory[fadt + 46]).toBe(9); // SCI_INT
    expect(u32(memory, fadt + 48)).toBe(0); // SMI_CMD
    expect([u32(memory, fadt + 56), u32(memory, fadt + 64), u32(memory, fadt + 76)]).toEqual([
      0x600, 0x604, 0x608,
    ]);
    expect([memory[fadt + 88], memory[fadt + 89], memory[fadt + 91]]).toEqual([4, 2, 4]);
    expect(memory[fadt + 108]).toBe(0x32);
    expect(ascii(memory, layout.facs, 4)).toBe('FACS');
    expect(layout.facs % 64).toBe(0);
  });

  it('encodes \\_S5 as Name(_S5, Package(4){t, t, 0, 0}) in the DSDT', () => {
    expect(Array.from(s5PackageAml(0))).toEqual([0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0, 0, 0, 0]);
    expect(Array.from(s5PackageAml(5))).toEqual([
      0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x08, 0x04, 0x0a, 5, 0x0a, 5, 0, 0,
    ]);
    expect(ascii(memory, layout.dsdt, 4)).toBe('DSDT');
    expect(Array.from(memory.subarray(layout.dsdt + 36, layout.dsdt + 48))).toEqual(
      Array.from(s5PackageAml(0)),
    );
  });

  it('describes the local APIC, the I/O APIC, the IRQ0, SCI and PCI IRQ overrides and LINT1 NMI in the MADT', () => {
    const madt = layout.madt!;
    expect(ascii(memory, madt, 4)).toBe('APIC');
    expect(u32(memory, madt + 36)).toBe(0xfee00000);
    expect(u32(memory, madt + 40)).toBe(1);
    expect(Array.from(memory.subarray(madt + 44, madt + 52))).toEqual([0, 8, 0, 0, 1, 0, 0, 0]);
    expect(Array.from(memory.subarray(madt + 52, madt + 56))).toEqual([1, 12, 1, 0]);
    expect(u32(memory, madt + 56)).toBe(0xfec00000);
    expect(Array.from(memory.subarray(madt + 64, madt + 74))).toEqual([2, 10, 0, 0, 2, 0, 0, 0, 0, 0]);
    expect(Array.from(memory.subarray(madt + 74, madt + 84))).toEqual([2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0]);
    expect(Array.from(memory.subarray(madt + 84, madt + 94))).toEqual([2, 10, 0, 10, 10, 0, 0, 0, 0x0d, 0]);
    expect(Array.from(memory.subarray(madt + 94, madt + 104))).toEqual([2, 10, 0, 11, 11, 0, 0, 0, 0x0d, 0]);
    expect(Array.from(memory.subarray(madt + 104, madt + 110))).toEqual([4, 6, 0xff, 0, 0, 1]);
    // header 36 + 8 + local APIC 8 + I/O APIC 12 + four overrides 40 + local APIC NMI 6
    expect(u32(memory, madt + 4)).toBe(110);
  });

  it('omits the MADT and says dual 8259 without APICs', () => {
    const plain = new Uint8Array(0x100000);
    const result = writeAcpiTables(plain, { rsdpAddress: 0xf0000, tablesAddress: 0xe0000, pm: PM });
    expect(result.madt).toBeNull();
    expect(u32(plain, result.rsdt + 4)).toBe(40);
    expect(plain[result.fadt + 44]).toBe(0);
  });

  it('refuses misaligned or out-of-memory placements', () => {
    const small = new Uint8Array(0x1000);
    expect(() => writeAcpiTables(small, { rsdpAddress: 0xf0000, tablesAddress: 0, pm: PM })).toThrow(
      RangeError,
    );
    expect(() => writeAcpiTables(small, { rsdpAddress: 8, tablesAddress: 0, pm: PM })).toThrow(RangeError);
  });
});

function pmSetup() {
  const clock = {
    time: 0,
    now(): number {
      return this.time;
    },
  };
  const sci = { level: false };
  const sleeps: number[] = [];
  let powerOffs = 0;
  const pm = new AcpiPowerManagement({
    clock,
    sci: {
      raise: () => {
        sci.level = true;
      },
      lower: () => {
        sci.level = false;
      },
    },
    onSleep: (type) => sleeps.push(type),
    onPowerOff: () => powerOffs++,
  });
  return { clock, sci, sleeps, pm, powerOffs: () => powerOffs };
}

describe('AcpiPowerManagement', () => {
  it('counts the PM timer at 3.579545 MHz of virtual time, wrapping at 24 bits', () => {
    const { clock, pm } = pmSetup();
    clock.time = 1e9;
    expect(pm.read(8, 4)).toBe(PM_TIMER_FREQUENCY_HZ);
    clock.time = 5e9;
    expect(pm.read(8, 4)).toBe((5 * PM_TIMER_FREQUENCY_HZ) & 0xffffff);
    expect(pm.read(11, 1)).toBe(0);
  });

  it('sets TMR_STS when timer bit 23 flips and raises the SCI when TMR_EN is set', () => {
    const { clock, sci, pm } = pmSetup();
    pm.write(2, 2, 0x0001);
    const deadline = pm.nextDeadline(0)!;
    clock.time = deadline - 1;
    pm.advance(clock.time);
    expect(sci.level).toBe(false);
    clock.time = deadline;
    pm.advance(clock.time);
    expect(sci.level).toBe(true);
    expect(pm.read(0, 2) & 1).toBe(1);
    pm.write(0, 2, 0x0001); // write 1 to clear
    expect(sci.level).toBe(false);
    expect(pm.read(0, 2) & 1).toBe(0);
  });

  it('reads SCI_EN as 1 and never reads SLP_EN back', () => {
    const { pm } = pmSetup();
    expect(pm.read(4, 2)).toBe(0x0001);
    pm.write(4, 2, 0x1400);
    expect(pm.read(4, 2)).toBe(0x1401);
  });

  it('calls the sleep callback with SLP_TYP and powers off for S5', () => {
    const { sleeps, pm, powerOffs } = pmSetup();
    pm.write(4, 2, 0x0400); // SLP_TYP 1, no SLP_EN yet
    expect(sleeps).toEqual([]);
    pm.write(4, 2, 0x2400); // S3-like type 1
    pm.write(4, 2, 0x2000); // SLP_TYP 0 = S5
    expect(sleeps).toEqual([1, 0]);
    expect(powerOffs()).toBe(1);
  });

  it('raises the SCI for the power button only when PWRBTN_EN is set', () => {
    const { sci, pm } = pmSetup();
    pm.pressPowerButton();
    expect(sci.level).toBe(false);
    expect(pm.read(1, 1)).toBe(0x01);
    pm.write(3, 1, 0x01);
    expect(sci.level).toBe(true);
  });

  it('reads undecoded offsets as all-ones', () => {
    const { pm } = pmSetup();
    expect(pm.read(12, 1)).toBe(0xff);
    expect(pm.read(6, 4)).toBe(0xffffffff);
    expect(pm.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state', () => {
    const { clock, pm } = pmSetup();
    pm.write(2, 2, 0x0121);
    pm.pressPowerButton();
    const copy = AcpiPowerManagement.fromState(pm.getState(), { clock });
    expect(copy.getState()).toEqual(pm.getState());
    expect(() => AcpiPowerManagement.fromState({ version: 5 } as never, { clock })).toThrow(TypeError);
  });

  it('never throws under random I/O and keeps deadlines in the future', () => {
    const step = fc.record({
      offset: fc.integer({ min: -1, max: 13 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      kind: fc.constantFrom('read', 'write', 'time'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const { clock, pm } = pmSetup();
        for (const s of steps) {
          if (s.kind === 'read') {
            const value = pm.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          } else if (s.kind === 'write') pm.write(s.offset, s.width, s.value);
          else {
            clock.time += s.value;
            pm.advance(clock.time);
          }
          const deadline = pm.nextDeadline(clock.time);
          if (deadline !== null) expect(deadline).toBeGreaterThan(clock.time);
        }
        expect(AcpiPowerManagement.fromState(pm.getState(), { clock }).getState()).toEqual(pm.getState());
      }),
      { numRuns: 200 },
    );
  });
});
