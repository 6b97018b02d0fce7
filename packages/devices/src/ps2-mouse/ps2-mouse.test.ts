import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PS2_MOUSE_PACKET_QUEUE_LIMIT, Ps2Mouse } from './ps2-mouse.js';

/** Sends `bytes` to the mouse and returns everything it answers. */
function send(mouse: Ps2Mouse, ...bytes: number[]): number[] {
  for (const byte of bytes) mouse.write(byte);
  return drain(mouse);
}

function drain(mouse: Ps2Mouse): number[] {
  const out: number[] = [];
  while (mouse.hasOutput() && out.length < 200) out.push(mouse.readOutput()!);
  return out;
}

/** Sets the sample rates in a row and asks for the id (Linux's intellimouse/imex detection). */
function knock(mouse: Ps2Mouse, rates: number[]): number[] {
  for (const rate of rates) expect(send(mouse, 0xf3, rate)).toEqual([0xfa, 0xfa]);
  return send(mouse, 0xf2);
}

describe('Ps2Mouse', () => {
  it('answers reset with ACK, BAT passed (0xAA) and id 0x00', () => {
    expect(send(new Ps2Mouse(), 0xff)).toEqual([0xfa, 0xaa, 0x00]);
  });

  it('reports id 0x00, 0x03 after rates 200,100,80 and 0x04 after 200,200,80', () => {
    const mouse = new Ps2Mouse();
    expect(send(mouse, 0xf2)).toEqual([0xfa, 0x00]);
    expect(knock(mouse, [200, 100, 80])).toEqual([0xfa, 0x03]);
    expect(knock(mouse, [200, 200, 80])).toEqual([0xfa, 0x04]);
    expect(send(mouse, 0xff)).toEqual([0xfa, 0xaa, 0x00]);
    expect(send(mouse, 0xf2)).toEqual([0xfa, 0x00]);
  });

  it('needs the knock rates in a row: another command in between breaks the sequence', () => {
    const mouse = new Ps2Mouse();
    send(mouse, 0xf3, 200, 0xf3, 100);
    send(mouse, 0xe6);
    expect(knock(mouse, [80])).toEqual([0xfa, 0x00]);
  });

  it('reports status: mode, enable, scaling, buttons, then resolution and rate', () => {
    const mouse = new Ps2Mouse();
    expect(send(mouse, 0xe9)).toEqual([0xfa, 0x00, 0x02, 100]);
    send(mouse, 0xe8, 0x03, 0xf3, 40, 0xe7, 0xf4);
    mouse.move({ dx: 0, dy: 0, buttons: 0x05 }); // left and middle
    expect(send(mouse, 0xe9)).toEqual([0xfa, 0x20 | 0x10 | 0x04 | 0x02, 0x03, 40]);
    send(mouse, 0xf0, 0xe6);
    expect(send(mouse, 0xe9)[1]).toBe(0x40 | 0x20 | 0x04 | 0x02);
  });

  it('restores sample rate 100, resolution 2, scaling 1:1 and reporting off with 0xF6', () => {
    const mouse = new Ps2Mouse();
    send(mouse, 0xe8, 0x00, 0xf3, 200, 0xe7, 0xf4);
    expect(send(mouse, 0xf6)).toEqual([0xfa]);
    expect(send(mouse, 0xe9)).toEqual([0xfa, 0x00, 0x02, 100]);
  });

  it('answers an unknown command with 0xFE and a second bad byte in a row with 0xFC', () => {
    const mouse = new Ps2Mouse();
    expect(send(mouse, 0xe1)).toEqual([0xfe]); // TrackPoint read-id: not a standard mouse
    expect(send(mouse, 0xe1)).toEqual([0xfc]);
    expect(send(mouse, 0xe1)).toEqual([0xfe]);
    expect(send(mouse, 0xf2)).toEqual([0xfa, 0x00]);
    expect(send(mouse, 0xed)).toEqual([0xfe]);
  });

  it('refuses invalid sample rates and resolutions (FE, then FC) and keeps the old value', () => {
    const mouse = new Ps2Mouse();
    expect(send(mouse, 0xf3, 0x66, 0x88)).toEqual([0xfa, 0xfe, 0xfc]); // Sentelic's probe
    expect(send(mouse, 0xe8, 0x04, 0x02)).toEqual([0xfa, 0xfe, 0xfa]);
    expect(send(mouse, 0xe9)).toEqual([0xfa, 0x00, 0x02, 100]);
  });

  it('sends 3-byte packets in stream mode only while reporting is enabled', () => {
    const mouse = new Ps2Mouse();
    expect(mouse.move({ dx: 1, dy: 1, buttons: 0 })).toBe(false);
    expect(drain(mouse)).toEqual([]);
    expect(send(mouse, 0xf4)).toEqual([0xfa]);
    expect(mouse.move({ dx: 10, dy: -20, buttons: 0x03 })).toBe(true);
    expect(drain(mouse)).toEqual([0x08 | 0x20 | 0x03, 10, 0xec]);
    expect(mouse.move({ dx: -300, dy: 300, buttons: 0x04 })).toBe(true);
    expect(drain(mouse)).toEqual([0x08 | 0x40 | 0x80 | 0x10 | 0x04, 0x00, 0xff]); // clamped, overflow
    send(mouse, 0xf5);
    expect(mouse.move({ dx: 1, dy: 1, buttons: 0 })).toBe(false);
  });

  it('adds the wheel byte with id 3 and wheel plus buttons 4/5 with id 4', () => {
    const mouse = new Ps2Mouse();
    knock(mouse, [200, 100, 80]);
    send(mouse, 0xf4);
    mouse.move({ dx: 0, dy: 0, dz: -2, buttons: 0 });
    expect(drain(mouse)).toEqual([0x08, 0, 0, 0xfe]);
    knock(mouse, [200, 200, 80]);
    send(mouse, 0xf4);
    mouse.move({ dx: 0, dy: 0, dz: 20, buttons: 0x18 });
    expect(drain(mouse)).toEqual([0x08, 0, 0, 0x07 | 0x30]);
  });

  it('applies scaling 2:1 to stream samples', () => {
    const mouse = new Ps2Mouse();
    send(mouse, 0xe7, 0xf4);
    mouse.move({ dx: 3, dy: -4, buttons: 0 });
    mouse.move({ dx: 10, dy: 1, buttons: 0 });
    expect(drain(mouse)).toEqual([0x28, 3, 0xfa, 0x08, 20, 1]);
  });

  it('accumulates motion in remote mode and sends it on 0xEB (read data)', () => {
    const mouse = new Ps2Mouse();
    expect(send(mouse, 0xf0, 0xf4)).toEqual([0xfa, 0xfa]);
    expect(mouse.move({ dx: 3, dy: 4, buttons: 1 })).toBe(false);
    mouse.move({ dx: 2, dy: -1, buttons: 1 });
    expect(drain(mouse)).toEqual([]);
    expect(send(mouse, 0xeb)).toEqual([0xfa, 0x09, 5, 3]);
    expect(send(mouse, 0xeb)).toEqual([0xfa, 0x09, 0, 0]);
    expect(send(mouse, 0xea)).toEqual([0xfa]);
  });

  it('echoes bytes in wrap mode until 0xEC, and resets from wrap mode on 0xFF', () => {
    const mouse = new Ps2Mouse();
    expect(send(mouse, 0xee)).toEqual([0xfa]);
    expect(send(mouse, 0x12, 0xf2, 0xe9)).toEqual([0x12, 0xf2, 0xe9]);
    expect(send(mouse, 0xec)).toEqual([0xfa]);
    expect(send(mouse, 0xf2)).toEqual([0xfa, 0x00]);
    send(mouse, 0xee);
    expect(send(mouse, 0xff)).toEqual([0xfa, 0xaa, 0x00]);
    expect(send(mouse, 0x12)).toEqual([0xfe]);
  });

  it('resends the last packet on 0xFE', () => {
    const mouse = new Ps2Mouse();
    send(mouse, 0xf4);
    mouse.move({ dx: 1, dy: 2, buttons: 0 });
    expect(drain(mouse)).toEqual([0x08, 1, 2]);
    expect(send(mouse, 0xfe)).toEqual([0x08, 1, 2]);
  });

  it('drops pending packets when the host sends a command', () => {
    const mouse = new Ps2Mouse();
    send(mouse, 0xf4);
    mouse.move({ dx: 1, dy: 2, buttons: 0 });
    expect(send(mouse, 0xf5)).toEqual([0xfa]);
  });

  it('bounds the packet queue and counts dropped events', () => {
    const mouse = new Ps2Mouse();
    send(mouse, 0xf4);
    let accepted = 0;
    for (let index = 0; index < 100; index++) if (mouse.move({ dx: 1, dy: 1, buttons: 0 })) accepted++;
    expect(accepted).toBe(Math.floor(PS2_MOUSE_PACKET_QUEUE_LIMIT / 3));
    expect(mouse.getState().packetQueue.length).toBeLessThanOrEqual(PS2_MOUSE_PACKET_QUEUE_LIMIT);
    expect(mouse.getState().droppedEvents).toBe(100 - accepted);
  });

  it('round-trips its state and refuses unknown versions', () => {
    const mouse = new Ps2Mouse();
    knock(mouse, [200, 100, 80]);
    send(mouse, 0xf4, 0xf3);
    mouse.move({ dx: 1, dy: 1, buttons: 2 });
    const copy = Ps2Mouse.fromState(mouse.getState());
    expect(copy.getState()).toEqual(mouse.getState());
    expect(send(copy, 100)).toEqual([0xfa]);
    expect(() => Ps2Mouse.fromState({ version: 2 } as never)).toThrow(TypeError);
  });

  it('never throws and keeps its queues bounded under random bytes and events', () => {
    const step = fc.oneof(
      fc.record({ byte: fc.integer({ min: -1, max: 0x1ff }) }),
      fc.record({
        dx: fc.oneof(fc.integer(), fc.double()),
        dy: fc.integer(),
        dz: fc.integer(),
        buttons: fc.integer(),
      }),
      fc.constant('read' as const),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
        const mouse = new Ps2Mouse();
        for (const s of steps) {
          if (s === 'read') mouse.readOutput();
          else if ('byte' in s) mouse.write(s.byte);
          else mouse.move(s);
        }
        const state = mouse.getState();
        expect(state.responseQueue.length).toBeLessThanOrEqual(16);
        expect(state.packetQueue.length).toBeLessThanOrEqual(PS2_MOUSE_PACKET_QUEUE_LIMIT);
        for (const byte of [...state.responseQueue, ...state.packetQueue]) {
          expect(byte).toBeGreaterThanOrEqual(0);
          expect(byte).toBeLessThanOrEqual(0xff);
        }
        expect(Ps2Mouse.fromState(state).getState()).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
