import { Uart16550 } from '@openvmi/devices';
import { describe, expect, it } from 'vitest';
import { SerialInputQueue } from './boot.js';

/** A COM port as a guest driver sees it: registers by offset, the receiver read byte by byte. */
function comPort() {
  const uart = new Uart16550({ clock: { now: () => 0 } });
  const queue = new SerialInputQueue(uart);
  const write = (offset: number, value: number) => uart.write(offset, 1, value);
  /** Reads what the receiver holds (LSR bit 0 says data ready). */
  const drain = (): number[] => {
    const bytes: number[] = [];
    while ((uart.read(5, 1) & 1) !== 0) bytes.push(uart.read(0, 1));
    return bytes;
  };
  return { uart, queue, write, drain };
}

const text = (bytes: number[]) => String.fromCharCode(...bytes);
const input = (value: string) => Uint8Array.from(value, (c) => c.charCodeAt(0));

describe('SerialInputQueue: host input to COM1 without loss', () => {
  it('feeds a polling guest only as its receiver FIFO has room, in order', () => {
    const { queue, write, drain } = comPort();
    write(2, 0x01); // FIFO on, receive interrupt off: a polling guest
    const message = 'abcdefghijklmnopqrstuvwxyz0123456789ABCD';
    queue.push(input(message));
    const received: number[] = [];
    queue.pump();
    expect(queue.pending).toBe(message.length - 16); // the 16-byte FIFO is full, the rest waits
    for (let round = 0; round < 4; round++) {
      received.push(...drain());
      queue.pump();
    }
    expect(text(received)).toBe(message);
    expect(queue.pending).toBe(0);
  });

  it('feeds an interrupt-driven driver as fast as the UART takes input, and waits while it masks the interrupt', () => {
    const { queue, write, drain } = comPort();
    write(2, 0x01);
    write(1, 0x01); // receive interrupt on
    queue.push(input('x'.repeat(100)));
    queue.pump();
    expect(queue.pending).toBe(0);
    expect(drain()).toHaveLength(100);

    write(1, 0x00); // masked (Linux does this around console writes)
    queue.push(input('later'));
    queue.pump();
    expect(queue.pending).toBe(5);
    expect(drain()).toEqual([]);
    write(1, 0x01);
    queue.pump();
    expect(text(drain())).toBe('later');
  });

  it('gives again what was typed before a driver, when a FIFO reset dropped it (Linux at probe and open)', () => {
    const { queue, write, drain } = comPort();
    write(2, 0x01);
    queue.push(input('echo hi\n'));
    queue.pump(); // into the FIFO while no driver runs
    write(2, 0x07); // the driver's probe resets both FIFOs: the bytes are gone
    expect(drain()).toEqual([]);
    write(1, 0x01); // the port is opened: receive interrupt on, FIFO empty
    queue.pump();
    expect(text(drain())).toBe('echo hi\n');
  });
});
