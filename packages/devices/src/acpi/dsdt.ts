/**
 * The DSDT's AML: `\_S5` and, under `\_SB`, the PCI root bridge `PCI0` (PNP0A03) with its
 * resource windows and a static `_PRT`, and under `PCI0.ISA` (the PIIX3 function, 00:1.0) the
 * ISA devices of our PC with their resources, so an ACPI guest enumerates PCI under the root
 * bridge and binds its PnP drivers (i8042, 8250, rtc-cmos) instead of probing ports blindly.
 *
 * ASL equivalent (what the bytes say):
 *
 *   Name (_S5, Package (4) {t, t, 0, 0})
 *   Scope (\_SB) {
 *     Device (PCI0) {
 *       Name (_HID, EisaId ("PNP0A03")), Name (_ADR, 0), Name (_UID, 0)
 *       Name (_CRS, ResourceTemplate () {
 *         WordBusNumber (0x00-0xFF), IO (Decode16, 0xCF8, 0xCF8, 1, 8),
 *         WordIO (0x0000-0x0CF7), WordIO (0x0D00-0xFFFF),
 *         DWordMemory (0xA0000-0xBFFFF), DWordMemory (memory window) })
 *       Name (_PRT, Package () { Package () {slot << 16 | 0xFFFF, pin, 0, gsi}, ... })
 *       Device (ISA) {
 *         Name (_ADR, 0x00010000)
 *         Device (KBD) { _HID PNP0303, _CRS IO 0x60, IO 0x64, IRQNoFlags {1} }
 *         Device (MOU) { _HID PNP0F13, _CRS IRQNoFlags {12} }
 *         Device (COMn) { _HID PNP0501, _UID n, _CRS IO base-base+7, IRQNoFlags {irq} }
 *         Device (RTC) { _HID PNP0B00, _CRS IO 0x70-0x71, IRQNoFlags {8} } } } }
 *
 * Interrupt routing: a static `_PRT` (no link devices): slot s, pin p (0 = INTA) goes to GSI
 * `[10, 10, 11, 11][(s - 1 + p) & 3]`, what QEMU's PIIX links LNKA-D resolve to under SeaBIOS;
 * the MADT lists ISA IRQ 10 and 11 as level/active-high overrides to match. No PCI function of
 * ours drives an INTx pin (i440FX and PIIX3 function 0 report Interrupt Pin 0), so the table is
 * never exercised today; it is there so a future PCI device needs no DSDT change.
 */
import {
  type Aml,
  amlDevice,
  amlEisaId,
  amlInteger,
  amlName,
  amlPackage,
  amlResourceTemplate,
  amlScope,
  resourceDWordMemory,
  resourceIo,
  resourceIrqNoFlags,
  resourceWordBusNumber,
  resourceWordIo,
} from './aml.js';

/** A 16550 serial port the DSDT declares. */
export interface DsdtSerialPort {
  /** I/O base (8 ports). */
  base: number;
  /** ISA IRQ. */
  irq: number;
}

/** What the DSDT's `\_SB` describes. */
export interface DsdtDevicesOptions {
  /**
   * The PCI root's 32-bit memory window above RAM: first and last address. Must not overlap
   * RAM, the APICs (0xFEC00000, 0xFEE00000) or the firmware; default 0xE0000000-0xFEBFFFFF.
   */
  pciMemoryWindow?: { minimum: number; maximum: number };
  /** GSIs of PCI links A-D (slot s pin p uses link (s - 1 + p) & 3); default 10, 10, 11, 11. */
  pciLinkGsis?: [number, number, number, number];
  /** Serial ports; default COM1-4: 0x3F8/4, 0x2F8/3, 0x3E8/4, 0x2E8/3. */
  serialPorts?: DsdtSerialPort[];
}

/** The default PCI memory window: from 3.5 GiB (above our 3 GiB RAM limit) to below the I/O APIC. */
export const DEFAULT_PCI_MEMORY_WINDOW = { minimum: 0xe000_0000, maximum: 0xfebf_ffff } as const;
/** QEMU's PIIX PIRQ A-D routing under SeaBIOS. */
export const DEFAULT_PCI_LINK_GSIS: [number, number, number, number] = [10, 10, 11, 11];
/** The four PC serial ports. */
export const DEFAULT_SERIAL_PORTS: DsdtSerialPort[] = [
  { base: 0x3f8, irq: 4 },
  { base: 0x2f8, irq: 3 },
  { base: 0x3e8, irq: 4 },
  { base: 0x2e8, irq: 3 },
];

const PCI_SLOTS = 32;

/** The `_PRT` package: every slot's INTA-D to its link's GSI. */
export function pciRoutingTableAml(linkGsis: [number, number, number, number]): Aml {
  const entries: Aml[] = [];
  for (let slot = 0; slot < PCI_SLOTS; slot++) {
    for (let pin = 0; pin < 4; pin++) {
      const gsi = linkGsis[(slot - 1 + pin + 4) & 3];
      entries.push(
        amlPackage([amlInteger(slot * 0x10000 + 0xffff), amlInteger(pin), amlInteger(0), amlInteger(gsi)]),
      );
    }
  }
  return amlName('_PRT', amlPackage(entries));
}

function isaDevice(name: string, hid: string, uid: number | null, resources: Aml[]): Aml {
  return amlDevice(name, [
    amlName('_HID', amlEisaId(hid)),
    ...(uid === null ? [] : [amlName('_UID', amlInteger(uid))]),
    amlName('_CRS', amlResourceTemplate(resources)),
  ]);
}

/** `Scope (\_SB) { Device (PCI0) { ... Device (ISA) { ... } } }`. */
export function systemBusAml(options: DsdtDevicesOptions = {}): Aml {
  const window = options.pciMemoryWindow ?? DEFAULT_PCI_MEMORY_WINDOW;
  const serialPorts = options.serialPorts ?? DEFAULT_SERIAL_PORTS;
  if (serialPorts.length > 9) throw new RangeError('at most 9 serial ports (COM1-COM9)');
  const isa = amlDevice('ISA', [
    amlName('_ADR', amlInteger(0x0001_0000)), // device 1, function 0: the PIIX3
    isaDevice('KBD', 'PNP0303', null, [
      resourceIo(0x60, 0x60, 1, 1),
      resourceIo(0x64, 0x64, 1, 1),
      resourceIrqNoFlags([1]),
    ]),
    isaDevice('MOU', 'PNP0F13', null, [resourceIrqNoFlags([12])]),
    ...serialPorts.map((port, index) =>
      isaDevice(`COM${index + 1}`, 'PNP0501', index + 1, [
        resourceIo(port.base, port.base, 1, 8),
        resourceIrqNoFlags([port.irq]),
      ]),
    ),
    isaDevice('RTC', 'PNP0B00', null, [resourceIo(0x70, 0x70, 1, 2), resourceIrqNoFlags([8])]),
  ]);
  const pci = amlDevice('PCI0', [
    amlName('_HID', amlEisaId('PNP0A03')),
    amlName('_ADR', amlInteger(0)),
    amlName('_UID', amlInteger(0)),
    amlName(
      '_CRS',
      amlResourceTemplate([
        resourceWordBusNumber(0x00, 0xff),
        resourceIo(0x0cf8, 0x0cf8, 1, 8), // the configuration mechanism #1 ports (consumed)
        resourceWordIo(0x0000, 0x0cf7),
        resourceWordIo(0x0d00, 0xffff),
        resourceDWordMemory(0x000a_0000, 0x000b_ffff), // legacy VGA window
        resourceDWordMemory(window.minimum, window.maximum),
      ]),
    ),
    pciRoutingTableAml(options.pciLinkGsis ?? DEFAULT_PCI_LINK_GSIS),
    isa,
  ]);
  return amlScope('\\_SB', [pci]);
}
