/**
 * PCI configuration mechanism #1 (ports 0xCF8-0xCFF) and bus 0 with an Intel 82441FX (i440FX)
 * host bridge at 00:00.0 and an Intel 82371SB (PIIX3) PCI-to-ISA bridge at 00:01.0.
 *
 * Datasheets: PCI Local Bus Specification 2.1 (configuration mechanism #1, type 0 header);
 * Intel 440FX PCIset 82441FX PMC datasheet (order 290549); Intel 82371FB/SB PIIX/PIIX3 datasheet
 * (order 290550), PIRQ route control registers 0x60-0x63.
 *
 * Registers: `PciHost` offset 0 (dword only) = CONFIG_ADDRESS (bit 31 enable, bus 23-16, device
 * 15-11, function 10-8, register 7-2); a byte at offset 1 (port 0xCF9) goes to the reset control
 * register when one is attached; offsets 4-7 = CONFIG_DATA, byte/word/dword at any offset that
 * stays inside it. Type 0 header: vendor, device, class, revision, header type, subsystem,
 * interrupt pin are read-only; command bits 0-2, 6, 8, 10 writable; status bits 8, 11-15 write-1-
 * to-clear; cache line size, latency timer and interrupt line writable; no BARs.
 *
 * Absent devices and functions read all-ones; so does CONFIG_DATA with the enable bit clear.
 *
 * NOT IMPLEMENTED: buses other than 0, configuration mechanism #2, the i440FX PAM/SMRAM
 * registers' effect on memory (they are stored, 0x50-0x7F writable, but do not remap), PIIX3
 * functions 1-3 (IDE, USB, power management), the PIIX3 registers other than the PIRQ routes
 * having any effect (0x40-0xFF are stored as written).
 */
import type { AccessWidth, PortIo } from '@openvmi/x86-core';
import { allOnes, byteOf, checkVersion, counterOf } from '../common/port-access.js';
import type { PciHostState } from './pci-state.js';

export type { PciHostState } from './pci-state.js';

/** Identity of a type 0 function. */
export interface PciFunctionIdentity {
  vendorId: number;
  deviceId: number;
  /** Class code: base class << 16 | subclass << 8 | programming interface. */
  classCode: number;
  revision: number;
  /** Header type byte (bit 7 = multi-function). */
  headerType: number;
  /** Status register at reset (read-only bits such as DEVSEL timing). */
  status?: number;
  /** Command register at reset. */
  command?: number;
  /** Interrupt pin (0 none, 1-4 INTA#-INTD#). */
  interruptPin?: number;
  subsystemVendorId?: number;
  subsystemId?: number;
}

/** A function's 256-byte configuration space with writable and write-1-to-clear masks. */
export class PciConfigSpace {
  /** The configuration bytes. */
  readonly bytes = new Uint8Array(256);
  /** Bits software may write. */
  readonly writeMask = new Uint8Array(256);
  /** Bits a write of 1 clears. */
  readonly writeOneToClearMask = new Uint8Array(256);
  private readonly resetBytes: Uint8Array;

  constructor(identity: PciFunctionIdentity) {
    const b = this.bytes;
    const put16 = (offset: number, value: number) => {
      b[offset] = value & 0xff;
      b[offset + 1] = (value >> 8) & 0xff;
    };
    put16(0x00, identity.vendorId);
    put16(0x02, identity.deviceId);
    put16(0x04, identity.command ?? 0);
    put16(0x06, identity.status ?? 0);
    b[0x08] = identity.revision & 0xff;
    b[0x09] = identity.classCode & 0xff;
    b[0x0a] = (identity.classCode >> 8) & 0xff;
    b[0x0b] = (identity.classCode >> 16) & 0xff;
    b[0x0e] = identity.headerType & 0xff;
    put16(0x2c, identity.subsystemVendorId ?? 0);
    put16(0x2e, identity.subsystemId ?? 0);
    b[0x3d] = identity.interruptPin ?? 0;
    this.writeMask[0x04] = 0x47; // I/O, memory, bus master, parity error response
    this.writeMask[0x05] = 0x05; // SERR# enable, interrupt disable
    this.writeOneToClearMask[0x06] = 0x00;
    this.writeOneToClearMask[0x07] = 0xf9; // parity, signalled/received aborts, SERR#, master data parity
    this.writeMask[0x0c] = 0xff; // cache line size
    this.writeMask[0x0d] = 0xff; // latency timer
    this.writeMask[0x3c] = 0xff; // interrupt line
    this.resetBytes = Uint8Array.from(this.bytes);
  }

  /** Makes bytes `from`..`to` (inclusive) writable with `mask`. Call during construction only. */
  protected allowWrites(from: number, to: number, mask = 0xff): void {
    for (let offset = from; offset <= to; offset++) this.writeMask[offset] = mask;
  }

  /** Sets a byte's reset value. Call during construction only. */
  protected setDefault(offset: number, value: number): void {
    this.bytes[offset] = value & 0xff;
    this.resetBytes[offset] = value & 0xff;
  }

  /** Reads `width` bytes at `offset` (little-endian); offset + width must not exceed 256. */
  read(offset: number, width: AccessWidth): number {
    let value = 0;
    for (let index = 0; index < width; index++) value |= this.bytes[(offset + index) & 0xff] << (index * 8);
    return value >>> 0;
  }

  /** Writes `width` bytes at `offset`, honouring the read-only and write-1-to-clear masks. */
  write(offset: number, width: AccessWidth, value: number): void {
    for (let index = 0; index < width; index++) {
      const at = (offset + index) & 0xff;
      const byte = (value >>> (index * 8)) & 0xff;
      const old = this.bytes[at];
      const mask = this.writeMask[at];
      let next = (old & ~mask) | (byte & mask);
      next &= ~(byte & this.writeOneToClearMask[at]);
      this.bytes[at] = next;
      if (next !== old) this.changed(at, old, next);
    }
  }

  /** Back to the reset values. */
  reset(): void {
    this.bytes.set(this.resetBytes);
  }

  /** Loads snapshot bytes; read-only bits keep their reset values. */
  restore(bytes: ArrayLike<number> | undefined): void {
    if (bytes === undefined) return;
    for (let at = 0; at < 256; at++) {
      const mask = this.writeMask[at] | this.writeOneToClearMask[at];
      this.bytes[at] = (this.resetBytes[at] & ~mask) | (byteOf(bytes[at]) & mask);
    }
  }

  /** Hook for device logic when a byte changes (default: nothing). */
  protected changed(_offset: number, _old: number, _value: number): void {}
}

/** The i440FX host bridge, 8086:1237 rev 02, class 06.00.00, at 00:00.0. */
export class I440fxHostBridge extends PciConfigSpace {
  constructor() {
    super({
      vendorId: 0x8086,
      deviceId: 0x1237,
      classCode: 0x060000,
      revision: 0x02,
      headerType: 0x00,
      command: 0x0006,
    });
    this.allowWrites(0x50, 0x7f); // PMCCFG, DRAM control, PAM, DRB, SMRAM...: stored only
    this.setDefault(0x51, 0x80);
    this.setDefault(0x58, 0x10);
    this.setDefault(0x72, 0x02); // SMRAM: C_BASE_SEG = 010 (A0000-BFFFF)
  }
}

/** Options of the PIIX3. */
export interface Piix3Options {
  /** Called when PIRQ route `pirq` (0-3 for PIRQA-D) changes: ISA IRQ number, or null when disabled. */
  onPirqRouteChange?: (pirq: number, irq: number | null) => void;
}

/** The PIIX3 PCI-to-ISA bridge, 8086:7000, class 06.01.00, function 0 of a multi-function device. */
export class Piix3IsaBridge extends PciConfigSpace {
  private readonly onPirqRouteChange: (pirq: number, irq: number | null) => void;

  constructor(options: Piix3Options = {}) {
    super({
      vendorId: 0x8086,
      deviceId: 0x7000,
      classCode: 0x060100,
      revision: 0x00,
      headerType: 0x80,
      command: 0x0007,
      status: 0x0200, // DEVSEL# medium
    });
    this.onPirqRouteChange = options.onPirqRouteChange ?? (() => {});
    this.allowWrites(0x40, 0xff);
    this.allowWrites(0x60, 0x63, 0x8f); // PIRQRC[A:D]: IRQROUTEN# (bit 7), IRQ (3-0)
    this.setDefault(0x4c, 0x4d); // IORT
    this.setDefault(0x4e, 0x03); // XBCS
    for (let pirq = 0; pirq < 4; pirq++) this.setDefault(0x60 + pirq, 0x80);
    this.setDefault(0x69, 0x02); // TOM
    this.setDefault(0x70, 0x80); // MBIRQ0
    this.setDefault(0x76, 0x0c); // MBDMA
    this.setDefault(0x77, 0x0c);
    this.setDefault(0xa0, 0x08); // SMICNTL
  }

  /** ISA IRQ that PIRQ `pirq` (0-3) is routed to, or null when routing is disabled or the IRQ is reserved. */
  pirqRoute(pirq: number): number | null {
    if (!Number.isInteger(pirq) || pirq < 0 || pirq > 3) return null;
    const value = this.bytes[0x60 + pirq];
    const irq = value & 0x0f;
    // Bit 7 disables routing; IRQ 0-2, 8 and 13 are reserved.
    if (value & 0x80 || irq < 3 || irq === 8 || irq === 13) return null;
    return irq;
  }

  protected override changed(offset: number): void {
    if (offset >= 0x60 && offset <= 0x63)
      this.onPirqRouteChange(offset - 0x60, this.pirqRoute(offset - 0x60));
  }
}

/** Options of the PCI host. */
export interface PciHostOptions {
  /** The PIIX3's options (PIRQ routing hook). */
  piix3?: Piix3Options;
  /** Port 0xCF9 (reset control), reached by byte accesses at offset 1; absent: all-ones. */
  resetControl?: PortIo;
}

/**
 * Configuration mechanism #1 and bus 0. Map 8 bytes at 0xCF8. `addFunction` lets a board add
 * more type 0 functions.
 */
export class PciHost implements PortIo {
  /** The host bridge at 00:00.0. */
  readonly hostBridge: I440fxHostBridge;
  /** The ISA bridge at 00:01.0. */
  readonly isaBridge: Piix3IsaBridge;
  private readonly functions = new Map<number, PciConfigSpace>();
  private readonly resetControl: PortIo | undefined;
  private configAddress = 0;
  private invalidAccesses = 0;

  constructor(options: PciHostOptions = {}) {
    this.hostBridge = new I440fxHostBridge();
    this.isaBridge = new Piix3IsaBridge(options.piix3);
    this.resetControl = options.resetControl;
    this.addFunction(0, 0, this.hostBridge);
    this.addFunction(1, 0, this.isaBridge);
  }

  /** Attaches `space` at bus 0, `device` (0-31), `function` (0-7). @throws RangeError when taken or out of range. */
  addFunction(device: number, functionNumber: number, space: PciConfigSpace): void {
    if (!Number.isInteger(device) || device < 0 || device > 31 || !Number.isInteger(functionNumber)) {
      throw new RangeError(`bad PCI device ${device}`);
    }
    if (functionNumber < 0 || functionNumber > 7) throw new RangeError(`bad PCI function ${functionNumber}`);
    const key = (device << 3) | functionNumber;
    if (this.functions.has(key)) throw new RangeError(`PCI 00:${device}.${functionNumber} is taken`);
    this.functions.set(key, space);
  }

  /** Reads a port: CONFIG_ADDRESS (offset 0, dword), 0xCF9 (offset 1, byte) or CONFIG_DATA (offsets 4-7). */
  read(offset: number, width: AccessWidth): number {
    if (offset === 0 && width === 4) return this.configAddress;
    if (offset === 1 && width === 1 && this.resetControl) return this.resetControl.read(0, 1);
    if (offset >= 4 && offset + width <= 8) {
      const target = this.target();
      if (target === null) return allOnes(width);
      return target.space.read(target.register + (offset - 4), width);
    }
    this.invalidAccesses++;
    return allOnes(width);
  }

  /** Writes a port (see `read`). */
  write(offset: number, width: AccessWidth, value: number): void {
    if (offset === 0 && width === 4) {
      this.configAddress = (value & 0x80fffffc) >>> 0;
      return;
    }
    if (offset === 1 && width === 1 && this.resetControl) {
      this.resetControl.write(0, 1, value);
      return;
    }
    if (offset >= 4 && offset + width <= 8) {
      const target = this.target();
      if (target !== null) target.space.write(target.register + (offset - 4), width, value);
      return;
    }
    this.invalidAccesses++;
  }

  /** Resets CONFIG_ADDRESS and every function's configuration space. */
  reset(): void {
    this.configAddress = 0;
    for (const space of this.functions.values()) space.reset();
  }

  /** A copy of the state. */
  getState(): PciHostState {
    const functions: Record<string, number[]> = {};
    for (const [key, space] of this.functions) functions[`${key >> 3}.${key & 7}`] = Array.from(space.bytes);
    return {
      version: 1,
      configAddress: this.configAddress,
      functions,
      invalidAccesses: this.invalidAccesses,
    };
  }

  /**
   * Restores a snapshot into a host built with `options` (functions added later with
   * `addFunction` are restored by calling `restoreFunctions` after adding them).
   * @throws TypeError on an unknown version.
   */
  static fromState(state: PciHostState, options: PciHostOptions = {}): PciHost {
    checkVersion(state, 1, 'PciHost');
    const host = new PciHost(options);
    host.configAddress = (counterOf(state.configAddress) & 0x80fffffc) >>> 0;
    host.invalidAccesses = counterOf(state.invalidAccesses);
    host.restoreFunctions(state);
    return host;
  }

  /** Loads the configuration bytes of every attached function found in `state`. */
  restoreFunctions(state: PciHostState): void {
    const functions = state.functions !== null && typeof state.functions === 'object' ? state.functions : {};
    for (const [key, space] of this.functions) {
      const bytes = functions[`${key >> 3}.${key & 7}`];
      space.restore(Array.isArray(bytes) ? bytes : undefined);
    }
  }

  private target(): { space: PciConfigSpace; register: number } | null {
    const address = this.configAddress;
    if ((address & 0x80000000) === 0) return null;
    if (((address >> 16) & 0xff) !== 0) return null; // only bus 0
    const key = (address >> 8) & 0xff; // device << 3 | function
    const space = this.functions.get(key);
    if (space === undefined) return null;
    return { space, register: address & 0xfc };
  }
}
