/**
 * The 64 Ki I/O port space. The board registers devices over port ranges; each device sees the
 * offset within its range. Unclaimed ports read as all-ones and drop writes.
 */

import type { AccessWidth, PortIo } from '../bus-interfaces.js';

/** Dispatch table of the I/O port space. */
export class PortBus {
  private readonly devices: (PortIo | undefined)[] = new Array(0x10000).fill(undefined);
  private readonly offsets = new Uint16Array(0x10000);
  /** Accesses to unclaimed ports (a debugging counter). */
  unclaimedAccesses = 0;

  /** Claims `count` ports starting at `base` for `device` (offsets 0..count-1). */
  register(base: number, count: number, device: PortIo): void {
    if (
      !Number.isInteger(base) ||
      !Number.isInteger(count) ||
      base < 0 ||
      count <= 0 ||
      base + count > 0x10000
    ) {
      throw new RangeError('PortBus.register: range outside the 64 Ki port space');
    }
    for (let offset = 0; offset < count; offset++) {
      this.devices[base + offset] = device;
      this.offsets[base + offset] = offset;
    }
  }

  /** Releases `count` ports starting at `base`. */
  unregister(base: number, count: number): void {
    for (let offset = 0; offset < count && base + offset < 0x10000; offset++)
      this.devices[base + offset] = undefined;
  }

  /** Reads `width` bytes from `port`. */
  read(port: number, width: AccessWidth): number {
    port &= 0xffff;
    const device = this.devices[port];
    const mask = width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
    if (device === undefined) {
      this.unclaimedAccesses++;
      return mask >>> 0;
    }
    return (device.read(this.offsets[port], width) & mask) >>> 0;
  }

  /** Writes the low `width` bytes of `value` to `port`. */
  write(port: number, width: AccessWidth, value: number): void {
    port &= 0xffff;
    const device = this.devices[port];
    if (device === undefined) {
      this.unclaimedAccesses++;
      return;
    }
    const mask = width === 4 ? 0xffffffff : (1 << (width * 8)) - 1;
    device.write(this.offsets[port], width, (value & mask) >>> 0);
  }
}
