/**
 * Deterministic mode's device synchronisation. A device access can change what the machine plans
 * a slice around: it may raise an interrupt at once (a UART's THRE when its interrupt is enabled)
 * or move a timer's deadline earlier (a PIT count written mid-slice). Ending the CPU's run after
 * every port and MMIO access lets the machine re-read the deadlines and take a pending interrupt
 * at the next instruction boundary, so a run no longer depends on how the caller slices it:
 * `runSlice(2_000_000)` and `runSlice(20_000_000)` retire the same instructions in the same order.
 */
import { type AccessWidth, type MmioDevice, PortBus } from '@openvmi/x86-core';

/** A port space that calls `onAccess` after every read and write (claimed or not). */
export class SynchronisingPortBus extends PortBus {
  constructor(private readonly onAccess: () => void) {
    super();
  }

  override read(port: number, width: AccessWidth): number {
    const value = super.read(port, width);
    this.onAccess();
    return value;
  }

  override write(port: number, width: AccessWidth, value: number): void {
    super.write(port, width, value);
    this.onAccess();
  }
}

/** `device` with `onAccess` called after each of its reads and writes. */
export function synchronisingMmio(device: MmioDevice, onAccess: () => void): MmioDevice {
  return {
    read(offset, width) {
      const value = device.read(offset, width);
      onAccess();
      return value;
    },
    write(offset, width, value) {
      device.write(offset, width, value);
      onAccess();
    },
  };
}
