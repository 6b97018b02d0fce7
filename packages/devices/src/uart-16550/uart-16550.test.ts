import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Uart16550 } from './uart-16550.js';

const RBR = 0;
const THR = 0;
const IER = 1;
const IIR = 2;
const FCR = 2;
const LCR = 3;
const MCR = 4;
const LSR = 5;
const MSR = 6;
const SCR = 7;

function setup(inputLimit?: number) {
  const clock = {
    time: 0,
    now(): number {
      return this.time;
    },
  };
  const irq = { level: false };
  const sent: number[] = [];
  const uart = new Uart16550({
    clock,
    irq: {
      raise: () => {
        irq.level = true;
      },
      lower: () => {
        irq.level = false;
      },
    },
    output: (byte) => sent.push(byte),
    inputLimit,
  });
  return { clock, irq, sent, uart };
}

/** Linux-like setup: 115200 8N1, FIFOs on with an 8-byte trigger, OUT2 for the IRQ. */
function configure(uart: Uart16550): void {
  uart.write(LCR, 1, 0x80);
  uart.write(0, 1, 1);
  uart.write(1, 1, 0);
  uart.write(LCR, 1, 0x03);
  uart.write(FCR, 1, 0x87);
  uart.write(MCR, 1, 0x0b);
}

describe('Uart16550', () => {
  it('sends THR writes to the host byte sink and keeps THRE and TEMT set', () => {
    const { sent, uart } = setup();
    configure(uart);
    for (const byte of [0x68, 0x69]) uart.write(THR, 1, byte);
    expect(sent).toEqual([0x68, 0x69]);
    expect(uart.read(LSR, 1) & 0x60).toBe(0x60);
    expect(uart.getState().transmittedBytes).toBe(2);
  });

  it('raises THRE interrupt after a write when IER.THRI is set, and clears it on an IIR read', () => {
    const { irq, uart } = setup();
    configure(uart);
    uart.write(IER, 1, 0x02);
    expect(irq.level).toBe(true); // enabling ETBEI with THR empty
    expect(uart.read(IIR, 1)).toBe(0xc2);
    expect(irq.level).toBe(false);
    expect(uart.read(IIR, 1)).toBe(0xc1);
    uart.write(THR, 1, 0x41);
    expect(irq.level).toBe(true);
  });

  it('gates the IRQ pin with MCR.OUT2 while IIR still shows the interrupt', () => {
    const { irq, uart } = setup();
    configure(uart);
    uart.write(MCR, 1, 0x03);
    uart.write(IER, 1, 0x02);
    expect(irq.level).toBe(false);
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x02);
  });

  it('programs the divisor latch through DLAB without touching RBR/THR or IER', () => {
    const { sent, uart } = setup();
    uart.write(IER, 1, 0x05);
    uart.write(LCR, 1, 0x83);
    uart.write(0, 2, 0x0180);
    expect(uart.read(0, 1)).toBe(0x80);
    expect(uart.read(1, 1)).toBe(0x01);
    uart.write(LCR, 1, 0x03);
    expect(uart.read(IER, 1)).toBe(0x05);
    expect(uart.getState().divisor).toBe(0x180);
    expect(sent).toEqual([]);
  });

  it('interrupts on received data once the FIFO reaches the trigger level', () => {
    const { irq, uart } = setup();
    configure(uart); // trigger 8
    uart.write(IER, 1, 0x01);
    uart.receive([1, 2, 3, 4, 5, 6, 7]);
    expect(uart.read(LSR, 1) & 1).toBe(1);
    expect(irq.level).toBe(false);
    uart.receive([8]);
    expect(irq.level).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0xc4);
    const bytes = [];
    while (uart.read(LSR, 1) & 1) bytes.push(uart.read(RBR, 1));
    expect(bytes).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(irq.level).toBe(false);
  });

  it('raises the character timeout after 4 character times below the trigger level', () => {
    const { clock, irq, uart } = setup();
    configure(uart);
    uart.write(IER, 1, 0x01);
    uart.receive([0x61]);
    const deadline = uart.nextDeadline(clock.time);
    // 8N1 = 10 bits at 115200 baud: 86.8 us per character, 4 of them.
    expect(deadline).toBe(Math.ceil((10 * 1e9) / 115_200) * 4);
    clock.time = deadline! - 1;
    uart.advance(clock.time);
    expect(irq.level).toBe(false);
    clock.time = deadline!;
    uart.advance(clock.time);
    expect(irq.level).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0xcc);
    expect(uart.read(RBR, 1)).toBe(0x61);
    expect(irq.level).toBe(false);
    expect(uart.nextDeadline(clock.time)).toBeNull();
  });

  it('holds one byte without FIFOs and interrupts on every byte', () => {
    const { irq, uart } = setup();
    uart.write(MCR, 1, 0x08);
    uart.write(IER, 1, 0x01);
    uart.receive([9, 10]);
    expect(irq.level).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0x04);
    expect(uart.read(RBR, 1)).toBe(9);
    expect(uart.read(RBR, 1)).toBe(10);
    expect(uart.read(LSR, 1) & 1).toBe(0);
  });

  it('bounds the host input queue and counts dropped bytes', () => {
    const { uart } = setup(4);
    // FIFO off: 1 byte in the holding register, 4 in the queue.
    expect(uart.receive([1, 2, 3, 4, 5, 6, 7])).toBe(5);
    expect(uart.getState().droppedInputBytes).toBe(2);
    expect(uart.inputSpace()).toBe(0);
  });

  it('clears the receiver FIFO on FCR bit 1 and reports the trigger bits in IIR', () => {
    const { uart } = setup();
    uart.write(FCR, 1, 0x01);
    uart.receive([1, 2, 3]);
    uart.write(FCR, 1, 0x43);
    expect(uart.read(LSR, 1) & 1).toBe(0);
    expect(uart.read(IIR, 1) & 0xc0).toBe(0xc0);
    uart.write(FCR, 1, 0x00);
    expect(uart.read(IIR, 1) & 0xc0).toBe(0);
  });

  it('loops THR back to RBR and MCR outputs to MSR inputs in loopback mode', () => {
    const { sent, uart } = setup();
    configure(uart);
    uart.write(MCR, 1, 0x10);
    uart.read(MSR, 1);
    uart.write(THR, 1, 0x5a);
    expect(sent).toEqual([]);
    expect(uart.read(RBR, 1)).toBe(0x5a);
    uart.write(MCR, 1, 0x1f); // DTR RTS OUT1 OUT2
    expect(uart.read(MSR, 1)).toBe(0xfb); // all lines high; DCTS DDSR DDCD (RI rose: no TERI)
    uart.write(MCR, 1, 0x10);
    expect(uart.read(MSR, 1)).toBe(0x0f); // trailing edge of RI sets TERI
  });

  it('reports an overrun in loopback when the FIFO is full and clears it on an LSR read', () => {
    const { irq, uart } = setup();
    configure(uart);
    uart.write(MCR, 1, 0x18);
    uart.write(IER, 1, 0x04);
    for (let index = 0; index < 17; index++) uart.write(THR, 1, index);
    expect(irq.level).toBe(true);
    expect(uart.read(IIR, 1)).toBe(0xc6);
    expect(uart.read(LSR, 1) & 0x83).toBe(0x03); // bit 7 is for PE/FE/BI only
    expect(uart.read(LSR, 1) & 0x02).toBe(0);
    expect(irq.level).toBe(false);
  });

  it('ranks line status above received data above THRE above modem status', () => {
    const { uart } = setup();
    configure(uart);
    uart.write(MCR, 1, 0x18);
    uart.write(FCR, 1, 0x07); // trigger 1
    uart.write(IER, 1, 0x0f);
    for (let index = 0; index < 17; index++) uart.write(THR, 1, index);
    uart.write(MCR, 1, 0x1a); // RTS: DCTS
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x06);
    uart.read(LSR, 1);
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x04);
    while (uart.read(LSR, 1) & 1) uart.read(RBR, 1);
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x02);
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x00);
    uart.read(MSR, 1);
    expect(uart.read(IIR, 1) & 0x0f).toBe(0x01);
  });

  it('latches modem-status deltas from the host lines', () => {
    const { uart } = setup();
    expect(uart.read(MSR, 1)).toBe(0xb0);
    uart.setModemInputs({ dcd: false });
    expect(uart.read(MSR, 1)).toBe(0x38);
    expect(uart.read(MSR, 1)).toBe(0x30);
  });

  it('keeps the scratch register and reads undecoded offsets as all-ones', () => {
    const { uart } = setup();
    uart.write(SCR, 1, 0xa5);
    expect(uart.read(SCR, 1)).toBe(0xa5);
    expect(uart.read(8, 1)).toBe(0xff);
    expect(uart.read(6, 4)).toBe(0xffffffff);
    expect(uart.getState().invalidAccesses).toBe(2);
  });

  it('round-trips its state with queued input', () => {
    const { clock, uart } = setup();
    configure(uart);
    uart.receive(Array.from({ length: 40 }, (_, index) => index));
    const copy = Uart16550.fromState(uart.getState(), { clock });
    expect(copy.getState()).toEqual(uart.getState());
    expect(copy.read(RBR, 1)).toBe(uart.read(RBR, 1));
    expect(() => Uart16550.fromState({ version: 9 } as never, { clock })).toThrow(TypeError);
  });

  it('regression: a divisor of 0 gives a finite character timeout', () => {
    const { clock, uart } = setup();
    uart.write(LCR, 1, 0x80);
    uart.write(0, 2, 0);
    uart.write(LCR, 1, 0x03);
    uart.write(FCR, 1, 0x01);
    uart.receive([1]);
    const deadline = uart.nextDeadline(clock.time);
    expect(Number.isFinite(deadline)).toBe(true);
    expect(deadline).toBeGreaterThan(0);
  });

  it('never throws and keeps the FIFO and queue bounded under random I/O', () => {
    const step = fc.record({
      offset: fc.integer({ min: -1, max: 9 }),
      width: fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>,
      value: fc.integer({ min: 0, max: 0xffffffff }),
      kind: fc.constantFrom('read', 'write', 'write', 'receive', 'time'),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const { clock, uart } = setup(32);
        for (const s of steps) {
          if (s.kind === 'read') {
            const value = uart.read(s.offset, s.width);
            expect(value).toBeGreaterThanOrEqual(0);
            expect(value).toBeLessThan(2 ** (8 * s.width));
          } else if (s.kind === 'write') uart.write(s.offset, s.width, s.value);
          else if (s.kind === 'receive')
            uart.receive(Array.from({ length: s.value % 50 }, (_, index) => index));
          else {
            clock.time += s.value % 10_000_000;
            uart.advance(clock.time);
          }
          const state = uart.getState();
          expect(state.rxFifo.length).toBeLessThanOrEqual(16);
          expect(state.hostInput.length).toBeLessThanOrEqual(32);
        }
        expect(Uart16550.fromState(uart.getState(), { clock, inputLimit: 32 }).getState()).toEqual(
          uart.getState(),
        );
      }),
      { numRuns: 300 },
    );
  });
});
