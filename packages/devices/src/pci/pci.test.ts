import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ResetControl } from '../system-control/system-control.js';
import { PciHost } from './pci.js';

/** CONFIG_ADDRESS for bus 0, `device`, `fn`, `register`. */
function address(device: number, fn: number, register: number): number {
  return (0x80000000 | (device << 11) | (fn << 8) | (register & 0xfc)) >>> 0;
}

function configRead(host: PciHost, device: number, fn: number, register: number, width: 1 | 2 | 4): number {
  host.write(0, 4, address(device, fn, register));
  return host.read(4 + (register & 3), width);
}

function configWrite(
  host: PciHost,
  device: number,
  fn: number,
  register: number,
  width: 1 | 2 | 4,
  value: number,
) {
  host.write(0, 4, address(device, fn, register));
  host.write(4 + (register & 3), width, value);
}

describe('PciHost', () => {
  it('finds the i440FX at 00:00.0 and the PIIX3 at 00:01.0', () => {
    const host = new PciHost();
    expect(configRead(host, 0, 0, 0, 4)).toBe(0x12378086);
    expect(configRead(host, 0, 0, 8, 4)).toBe(0x06000002);
    expect(configRead(host, 1, 0, 0, 4)).toBe(0x70008086);
    expect(configRead(host, 1, 0, 8, 4) >>> 8).toBe(0x060100);
    expect(configRead(host, 1, 0, 0x0e, 1)).toBe(0x80); // multi-function
  });

  it('reads absent devices, functions and buses as all-ones', () => {
    const host = new PciHost();
    expect(configRead(host, 2, 0, 0, 4)).toBe(0xffffffff);
    expect(configRead(host, 1, 1, 0, 2)).toBe(0xffff);
    host.write(0, 4, 0x80010000); // bus 1
    expect(host.read(4, 4)).toBe(0xffffffff);
  });

  it('reads CONFIG_DATA as all-ones while the enable bit is clear', () => {
    const host = new PciHost();
    host.write(0, 4, 0x00000000);
    expect(host.read(4, 4)).toBe(0xffffffff);
  });

  it('keeps CONFIG_ADDRESS bits 1-0 and 30-24 at zero', () => {
    const host = new PciHost();
    host.write(0, 4, 0xffffffff);
    expect(host.read(0, 4)).toBe(0x80fffffc);
  });

  it('serves byte, word and dword accesses at any offset of CONFIG_DATA', () => {
    const host = new PciHost();
    host.write(0, 4, address(0, 0, 0));
    expect(host.read(4, 1)).toBe(0x86);
    expect(host.read(5, 1)).toBe(0x80);
    expect(host.read(6, 2)).toBe(0x1237);
    expect(host.read(5, 2)).toBe(0x3780);
    expect(host.read(6, 4)).toBe(0xffffffff); // crosses the end of CONFIG_DATA
  });

  it('enforces read-only identity fields and writes the writable ones', () => {
    const host = new PciHost();
    configWrite(host, 0, 0, 0, 4, 0);
    expect(configRead(host, 0, 0, 0, 4)).toBe(0x12378086);
    configWrite(host, 1, 0, 0x3c, 1, 0x0b);
    expect(configRead(host, 1, 0, 0x3c, 1)).toBe(0x0b);
    configWrite(host, 1, 0, 0x04, 2, 0xffff);
    expect(configRead(host, 1, 0, 0x04, 2)).toBe(0x0547);
  });

  it('clears status error bits by writing ones and leaves DEVSEL timing', () => {
    const host = new PciHost();
    const piix3 = host.isaBridge;
    piix3.bytes[0x07] |= 0x20; // received master abort
    expect(configRead(host, 1, 0, 0x06, 2)).toBe(0x2200);
    configWrite(host, 1, 0, 0x06, 2, 0xffff);
    expect(configRead(host, 1, 0, 0x06, 2)).toBe(0x0200);
  });

  it('routes PIRQs through PIIX3 registers 0x60-0x63', () => {
    const changes: Array<[number, number | null]> = [];
    const host = new PciHost({ piix3: { onPirqRouteChange: (pirq, irq) => changes.push([pirq, irq]) } });
    expect(configRead(host, 1, 0, 0x60, 4)).toBe(0x80808080);
    configWrite(host, 1, 0, 0x60, 4, 0x800b0a0b);
    expect([0, 1, 2, 3].map((pirq) => host.isaBridge.pirqRoute(pirq))).toEqual([11, 10, 11, null]);
    expect(changes).toEqual([
      [0, 11],
      [1, 10],
      [2, 11],
    ]);
    configWrite(host, 1, 0, 0x61, 1, 0xff);
    expect(configRead(host, 1, 0, 0x61, 1)).toBe(0x8f);
  });

  it('forwards a byte access at 0xCF9 to the reset control register', () => {
    const kinds: string[] = [];
    const host = new PciHost({ resetControl: new ResetControl({ onReset: (kind) => kinds.push(kind) }) });
    host.write(1, 1, 0x06);
    expect(kinds).toEqual(['hard']);
    expect(new PciHost().read(1, 1)).toBe(0xff);
  });

  it('round-trips its state without letting a snapshot change read-only fields', () => {
    const host = new PciHost();
    configWrite(host, 1, 0, 0x60, 1, 0x0a);
    host.write(0, 4, address(0, 0, 0x58));
    const state = host.getState();
    expect(PciHost.fromState(state).getState()).toEqual(state);
    state.functions['0.0'][0] = 0x00;
    expect(configRead(PciHost.fromState(state), 0, 0, 0, 2)).toBe(0x8086);
    expect(() => PciHost.fromState({ version: 0 } as never)).toThrow(TypeError);
  });

  it('never throws and keeps identity registers intact under random I/O', () => {
    const step = fc.record({
      offset: fc.integer({ min: -1, max: 9 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      write: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        const host = new PciHost();
        for (const s of steps) {
          if (s.write) host.write(s.offset, s.width, s.value);
          else {
            const value = host.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          }
        }
        expect(configRead(host, 0, 0, 0, 4)).toBe(0x12378086);
        expect(configRead(host, 1, 0, 0, 4)).toBe(0x70008086);
      }),
      { numRuns: 300 },
    );
  });
});
