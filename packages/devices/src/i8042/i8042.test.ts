import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { I8042, I8042_KEY_QUEUE_LIMIT } from './i8042.js';

function line() {
  const state = { level: false, raises: 0 };
  const irqLine = {
    raise: () => {
      state.level = true;
      state.raises++;
    },
    lower: () => {
      state.level = false;
    },
  };
  return { state, irqLine };
}

function setup() {
  const events: string[] = [];
  const keyboardIrq = line();
  const mouseIrq = line();
  const irq = keyboardIrq.state;
  const auxIrq = mouseIrq.state;
  const controller = new I8042({
    irq: keyboardIrq.irqLine,
    auxIrq: mouseIrq.irqLine,
    onA20Change: (enabled) => events.push(`a20:${enabled}`),
    onReset: () => events.push('reset'),
  });
  const command = (byte: number) => controller.commandPorts.write(0, 1, byte);
  const data = (byte: number) => controller.dataPorts.write(0, 1, byte);
  const status = () => controller.commandPorts.read(0, 1);
  /** Reads every byte the controller has for us, as a driver polling OBF would. */
  const drain = () => {
    const bytes: number[] = [];
    while (status() & 1 && bytes.length < 64) bytes.push(controller.dataPorts.read(0, 1));
    return bytes;
  };
  /** Reads every byte with its status: [byte, AUXB] pairs. */
  const drainTagged = () => {
    const bytes: [number, boolean][] = [];
    while (status() & 1 && bytes.length < 64) {
      const aux = (status() & 0x20) !== 0;
      bytes.push([controller.dataPorts.read(0, 1), aux]);
    }
    return bytes;
  };
  /** Sends a byte to the mouse (0xD4) and returns what comes back. */
  const toMouse = (byte: number) => {
    command(0xd4);
    data(byte);
    return drain();
  };
  return { controller, events, irq, auxIrq, command, data, status, drain, drainTagged, toMouse };
}

describe('I8042', () => {
  it('passes the controller self-test with 0x55 and sets the system flag', () => {
    const { command, status, drain } = setup();
    command(0xaa);
    expect(status() & 0x0d).toBe(0x0d); // OBF, SYS, A2
    expect(drain()).toEqual([0x55]);
  });

  it('passes the keyboard and aux interface tests with 0x00', () => {
    const { command, drain } = setup();
    command(0xab);
    expect(drain()).toEqual([0x00]);
    command(0xa9);
    expect(drain()).toEqual([0x00]);
  });

  it('loops a 0xD3 byte back as aux data (AUXB) without IRQ12 while the aux interrupt is off', () => {
    const { command, data, status, irq, auxIrq, drain } = setup();
    command(0xd3);
    data(0x5a);
    expect(status() & 0x21).toBe(0x21);
    expect(auxIrq.level).toBe(false);
    expect(irq.level).toBe(false);
    expect(drain()).toEqual([0x5a]);
    expect(status() & 0x21).toBe(0x00);
  });

  it('raises IRQ12, not IRQ1, for a looped-back byte when command byte bit 1 is set (Linux AUX IRQ test)', () => {
    const { command, data, irq, auxIrq, drain } = setup();
    command(0x60);
    data(0x47); // keyboard and aux interrupts, SYS, translate; both ports enabled
    command(0xd3);
    data(0xa5);
    expect(auxIrq.level).toBe(true);
    expect(irq.level).toBe(false);
    expect(drain()).toEqual([0xa5]);
    expect(auxIrq.level).toBe(false);
  });

  it("passes Linux's i8042_check_aux and finds no active multiplexer, as on QEMU", () => {
    const { command, data, status, auxIrq, drainTagged } = setup();
    const loop = (byte: number) => {
      command(0xd3);
      data(byte);
      return drainTagged();
    };
    expect(loop(0x5a)).toEqual([[0x5a, true]]); // loopback with AUXB
    command(0xa7);
    command(0x20);
    expect(drainTagged()[0][0] & 0x20).toBe(0x20);
    command(0xa8);
    command(0x20);
    const ctr = drainTagged()[0][0];
    expect(ctr & 0x20).toBe(0);
    command(0x60);
    data(ctr | 0x02); // aux interrupt on
    command(0xd3);
    data(0xa5);
    expect(auxIrq.level).toBe(true); // IRQ12 delivered
    expect(drainTagged()).toEqual([[0xa5, true]]);
    // i8042_set_mux_mode: F0, 56, A4 come back unchanged, so the version byte check fails.
    expect([...loop(0xf0), ...loop(0x56), ...loop(0xa4)].map(([byte]) => byte)).toEqual([0xf0, 0x56, 0xa4]);
    expect(status() & 0x21).toBe(0);
  });

  it('sets and clears command byte bit 5 with 0xA8/0xA7', () => {
    const { command, drain } = setup();
    command(0xa8);
    command(0x20);
    expect(drain()[0] & 0x20).toBe(0);
    command(0xa7);
    command(0x20);
    expect(drain()[0] & 0x20).toBe(0x20);
  });

  it('sends bytes to the mouse with 0xD4 and returns its answers as aux data', () => {
    const { command, data, drainTagged } = setup();
    command(0xd4);
    data(0xf2);
    expect(drainTagged()).toEqual([
      [0xfa, true],
      [0x00, true],
    ]);
    command(0xd4);
    data(0xff);
    expect(drainTagged()).toEqual([
      [0xfa, true],
      [0xaa, true],
      [0x00, true],
    ]);
  });

  it('holds mouse data while the aux port is disabled and delivers it after 0xA8', () => {
    const { command, data, status, drain } = setup();
    command(0xd4);
    data(0xf4); // enable reporting (and, by clocking, the aux port)
    expect(drain()).toEqual([0xfa]);
    command(0xa7);
    expect(status() & 1).toBe(0);
    command(0xa8);
    expect(drain()).toEqual([]);
  });

  it('delivers mouse packets with IRQ12 and reports them in the output port', () => {
    const { controller, command, data, auxIrq, drain, toMouse } = setup();
    command(0x60);
    data(0x47);
    expect(toMouse(0xf4)).toEqual([0xfa]);
    const raises = auxIrq.raises;
    expect(controller.sendMouseEvent({ dx: 5, dy: -3, buttons: 1 })).toBe(true);
    expect(auxIrq.level).toBe(true);
    command(0xd0);
    // The controller's own answer is queued behind the mouse byte already in the buffer.
    expect(drain()).toEqual([0x29, 0xe3, 0x05, 0xfd]); // output port: aux OBF (bit 5)
    expect(auxIrq.raises - raises).toBe(3);
  });

  it('gives keyboard data priority over mouse data, one byte at a time, each tagged', () => {
    const { controller, command, data, drainTagged, toMouse } = setup();
    toMouse(0xf4);
    controller.sendMouseEvent({ dx: 1, dy: 1, buttons: 0 });
    controller.sendScanCodes([0x1e, 0x9e]);
    expect(drainTagged()).toEqual([
      [0x08, true], // already in the output buffer
      [0x1e, false],
      [0x9e, false],
      [0x01, true],
      [0x01, true],
    ]);
    command(0xd2);
    data(0x3b);
    expect(drainTagged()).toEqual([[0x3b, false]]);
  });

  it('bounds the aux loopback queue', () => {
    const { controller, command, data } = setup();
    for (let index = 0; index < 40; index++) {
      command(0xd3);
      data(index);
    }
    expect(controller.getState().auxLoopbackQueue.length).toBeLessThanOrEqual(16);
  });

  it('reads and writes the command byte with 0x20 and 0x60', () => {
    const { command, data, drain } = setup();
    command(0x20);
    expect(drain()).toEqual([0x65]);
    command(0x60);
    data(0x47);
    command(0x20);
    expect(drain()).toEqual([0x47]);
  });

  it('drives A20 and the reset line through the output port (0xD0/0xD1)', () => {
    const { controller, command, data, events, drain } = setup();
    command(0xd0);
    expect(drain()[0] & 0x03).toBe(0x03);
    command(0xd1);
    data(0xc1); // A20 off
    expect(controller.a20Enabled()).toBe(false);
    command(0xd1);
    data(0xc3);
    command(0xd1);
    data(0xc2); // reset low
    expect(events).toEqual(['a20:false', 'a20:true', 'reset']);
    command(0xd0);
    expect(drain()[0] & 0x01).toBe(0x01);
  });

  it('pulses reset on command 0xFE and not on 0xFF', () => {
    const { command, events } = setup();
    command(0xff);
    expect(events).toEqual([]);
    command(0xfe);
    expect(events).toEqual(['reset']);
  });

  it('answers a keyboard reset with ACK then 0xAA and raises IRQ1 when the byte is ready', () => {
    const { data, irq, drain } = setup();
    data(0xff);
    expect(irq.level).toBe(true);
    expect(drain()).toEqual([0xfa, 0xaa]);
    expect(irq.level).toBe(false);
    expect(irq.raises).toBe(2);
  });

  it('identifies as an MF2 keyboard (translated ID with translation on)', () => {
    const { command, data, drain } = setup();
    data(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    command(0x60);
    data(0x05); // translation off
    data(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x83]);
  });

  it('echoes 0xEE and sets LEDs with 0xED', () => {
    const { controller, data, drain } = setup();
    data(0xee);
    expect(drain()).toEqual([0xee]);
    data(0xed);
    data(0x05);
    expect(drain()).toEqual([0xfa, 0xfa]);
    expect(controller.leds()).toBe(5);
  });

  it('sets and gets the scan code set with 0xF0', () => {
    const { command, data, drain } = setup();
    command(0x60);
    data(0x01); // no translation
    data(0xf0);
    data(0x03);
    data(0xf0);
    data(0x00);
    expect(drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0x03]);
    data(0xf0);
    data(0x07);
    expect(drain()).toEqual([0xfa, 0xfe]);
  });

  it('delivers host scan codes only while scanning is enabled and the interface is on', () => {
    const { controller, command, data, irq, drain } = setup();
    data(0xf5);
    expect(drain()).toEqual([0xfa]);
    controller.sendScanCodes([0x1e, 0x9e]);
    expect(drain()).toEqual([]);
    data(0xf4);
    expect(drain()).toEqual([0xfa]);
    controller.sendScanCodes([0x1e, 0x9e]);
    command(0xad);
    expect(drain()).toEqual([0x1e]); // already in the output buffer
    command(0xae);
    expect(irq.level).toBe(true);
    expect(drain()).toEqual([0x9e]);
  });

  it('keeps IRQ1 low when the command byte disables the keyboard interrupt', () => {
    const { controller, command, data, irq, status } = setup();
    command(0x60);
    data(0x64);
    controller.sendScanCodes([0x1c]);
    expect(status() & 1).toBe(1);
    expect(irq.level).toBe(false);
  });

  it('sends set-2 codes when translation is off (set 1 make/break 1E/9E → 1C, F0 1C)', () => {
    const { controller, command, data, drain } = setup();
    command(0x60);
    data(0x05); // translation off
    controller.sendScanCodes([0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8]);
    expect(drain()).toEqual([0x1c, 0xf0, 0x1c, 0xe0, 0x75, 0xe0, 0xf0, 0x75]);
    data(0xf0);
    data(0x01); // scan set 1: passed through
    drain();
    controller.sendScanCodes([0x1e]);
    expect(drain()).toEqual([0x1e]);
  });

  it('bounds the host key queue and counts drops', () => {
    const { controller } = setup();
    expect(controller.sendScanCodes(new Array(I8042_KEY_QUEUE_LIMIT + 10).fill(0x1e))).toBe(
      I8042_KEY_QUEUE_LIMIT,
    );
    expect(controller.getState().droppedKeys).toBe(10);
  });

  it('writes the keyboard output buffer with 0xD2', () => {
    const { command, data, drain } = setup();
    command(0xd2);
    data(0x3b);
    expect(drain()).toEqual([0x3b]);
  });

  it('answers unknown keyboard commands with resend and resends the last byte on 0xFE', () => {
    const { data, drain } = setup();
    data(0xee);
    drain();
    data(0x12);
    expect(drain()).toEqual([0xfe]);
    data(0xfe);
    expect(drain()).toEqual([0xfe]);
  });

  it('reads undecoded offsets and wide accesses as all-ones', () => {
    const { controller } = setup();
    expect(controller.dataPorts.read(1, 1)).toBe(0xff);
    expect(controller.commandPorts.read(0, 2)).toBe(0xffff);
    expect(controller.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state with queued bytes', () => {
    const { controller, data } = setup();
    data(0xff);
    controller.sendScanCodes([1, 2, 3]);
    const copy = I8042.fromState(controller.getState());
    expect(copy.getState()).toEqual(controller.getState());
    expect(copy.dataPorts.read(0, 1)).toBe(controller.dataPorts.read(0, 1));
    expect(() => I8042.fromState({ version: 3 } as never)).toThrow(TypeError);
  });

  it('round-trips the mouse and aux state, and restores a version 1 snapshot with an idle mouse', () => {
    const { controller, toMouse, command, data } = setup();
    for (const rate of [200, 200, 80]) {
      toMouse(0xf3);
      toMouse(rate);
    }
    toMouse(0xf4);
    controller.sendMouseEvent({ dx: 1, dy: 2, dz: 1, buttons: 0x10 });
    command(0xd3);
    data(0x77);
    const copy = I8042.fromState(controller.getState());
    expect(copy.getState()).toEqual(controller.getState());
    expect(copy.getState().mouse.deviceId).toBe(4);
    const {
      mouse: _mouse,
      outputBufferAux: _aux,
      lastOutputByte: _last,
      auxLoopbackQueue: _queue,
      ...rest
    } = I8042.defaultState();
    const old = I8042.fromState({ ...rest, version: 1 });
    expect(old.getState().version).toBe(2);
    expect(old.getState().mouse).toEqual(I8042.defaultState().mouse);
  });

  it('never throws and keeps its queues bounded under random I/O', () => {
    const step = fc.record({
      port: fc.constantFrom('data', 'command', 'keys', 'mouse'),
      offset: fc.integer({ min: -1, max: 2 }),
      width: fc.constantFrom(1, 1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      // Biased toward the controller and mouse commands so 0xD3/0xD4 sequences are common.
      value: fc.oneof(
        fc.constantFrom(
          0xd4,
          0xd3,
          0xa7,
          0xa8,
          0xa9,
          0x60,
          0x20,
          0xd0,
          0xf4,
          0xf3,
          0xf2,
          0xff,
          0xe9,
          0xeb,
          0xee,
          0xec,
        ),
        fc.integer({ min: 0, max: 0xffffffff }),
      ),
      write: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 100 }), (steps) => {
        const { controller } = setup();
        for (const s of steps) {
          if (s.port === 'keys') {
            controller.sendScanCodes(Array.from({ length: s.value % 300 }, (_, index) => index));
            continue;
          }
          if (s.port === 'mouse') {
            controller.sendMouseEvent({
              dx: s.value - 0x80000000,
              dy: s.offset * 300,
              dz: s.width,
              buttons: s.value,
            });
            continue;
          }
          const ports = s.port === 'data' ? controller.dataPorts : controller.commandPorts;
          if (s.write) ports.write(s.offset, s.width, s.value);
          else {
            const status = controller.commandPorts.read(0, 1);
            if (status & 0x20) expect(status & 0x01).toBe(0x01); // AUXB only with OBF
            const value = ports.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          }
        }
        const state = controller.getState();
        expect(state.keyQueue.length).toBeLessThanOrEqual(I8042_KEY_QUEUE_LIMIT);
        expect(state.controllerQueue.length).toBeLessThanOrEqual(16);
        expect(state.keyboardQueue.length).toBeLessThanOrEqual(16);
        expect(state.auxLoopbackQueue.length).toBeLessThanOrEqual(16);
        expect(state.mouse.responseQueue.length).toBeLessThanOrEqual(16);
        expect(state.mouse.packetQueue.length).toBeLessThanOrEqual(64);
        expect(I8042.fromState(state).getState()).toEqual(state);
      }),
      { numRuns: 300 },
    );
  });
});
