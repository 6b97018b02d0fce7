import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DebugConsole, IsaDebugExit, ResetControl, SystemControlPortA } from './system-control.js';

describe('SystemControlPortA (port 0x92)', () => {
  it('gates A20 with bit 1 and reports changes', () => {
    const changes: boolean[] = [];
    const port = new SystemControlPortA({ onA20Change: (enabled) => changes.push(enabled) });
    expect(port.read(0, 1)).toBe(0x02);
    port.write(0, 1, 0x00);
    port.write(0, 1, 0x00);
    port.write(0, 1, 0x02);
    expect(changes).toEqual([false, true]);
    expect(port.a20Enabled()).toBe(true);
  });

  it('resets the CPU on a write of bit 0, which reads back as 0', () => {
    let resets = 0;
    const port = new SystemControlPortA({ onReset: () => resets++ });
    port.write(0, 1, 0x03);
    expect(resets).toBe(1);
    expect(port.read(0, 1)).toBe(0x02);
  });
});

describe('ResetControl (port 0xCF9)', () => {
  it('resets on a 0→1 write of bit 2, hard when bit 1 is set', () => {
    const kinds: string[] = [];
    const control = new ResetControl({ onReset: (kind) => kinds.push(kind) });
    control.write(0, 1, 0x02);
    expect(kinds).toEqual([]);
    control.write(0, 1, 0x06);
    control.write(0, 1, 0x04);
    expect(kinds).toEqual(['hard', 'soft']);
    expect(control.read(0, 1)).toBe(0x00);
  });
});

describe('IsaDebugExit (port 0xF4)', () => {
  it('ends the run with status (v << 1) | 1', () => {
    const statuses: number[] = [];
    const device = new IsaDebugExit({ onExit: (status) => statuses.push(status) });
    device.write(0, 1, 0x00);
    device.write(0, 1, 0x10);
    device.write(0, 4, 0xffffffff);
    expect(statuses).toEqual([1, 0x21, 0x1_ffff_ffff]);
    expect(device.read(0, 1)).toBe(0xff);
  });
});

describe('DebugConsole (port 0xE9)', () => {
  it('sends written bytes to the sink and reads 0xE9', () => {
    const bytes: number[] = [];
    const debugConsole = new DebugConsole({ output: (byte) => bytes.push(byte) });
    debugConsole.write(0, 1, 0x41);
    debugConsole.write(0, 2, 0x0a42);
    expect(bytes).toEqual([0x41, 0x42, 0x0a]);
    expect(debugConsole.read(0, 1)).toBe(0xe9);
    expect(debugConsole.read(1, 1)).toBe(0xff);
  });
});

describe('system-control devices', () => {
  it('round-trip their state', () => {
    const a = new SystemControlPortA();
    a.write(0, 1, 0x40);
    expect(SystemControlPortA.fromState(a.getState()).getState()).toEqual(a.getState());
    const r = new ResetControl();
    r.write(0, 1, 0x0a);
    expect(ResetControl.fromState(r.getState()).getState()).toEqual(r.getState());
    const e = new IsaDebugExit();
    e.write(0, 1, 3);
    expect(IsaDebugExit.fromState(e.getState()).getState()).toEqual(e.getState());
    const d = new DebugConsole();
    d.write(0, 1, 3);
    expect(DebugConsole.fromState(d.getState()).getState()).toEqual(d.getState());
    expect(() => ResetControl.fromState({ version: 2 } as never)).toThrow(TypeError);
  });

  it('never throw under random I/O and read within the access width', () => {
    const step = fc.record({
      device: fc.integer({ min: 0, max: 3 }),
      offset: fc.integer({ min: -1, max: 3 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      write: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 50 }), (steps) => {
        const devices = [
          new SystemControlPortA(),
          new ResetControl(),
          new IsaDebugExit(),
          new DebugConsole(),
        ];
        for (const s of steps) {
          const device = devices[s.device];
          if (s.write) device.write(s.offset, s.width, s.value);
          else {
            const value = device.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
