/**
 * ACPI table builders: RSDP (ACPI 1.0, revision 0), RSDT, FADT (revision 1), FACS, DSDT with a
 * `\_S5` package, and MADT (when the machine has APICs), written into guest memory at chosen
 * physical addresses with correct checksums.
 *
 * Specification: Advanced Configuration and Power Interface Specification 1.0b (tables 5-1 to
 * 5-9: RSDP, system description header, RSDT, FADT, FACS) and 2.0 for the MADT entry layouts
 * (5.2.10.4: processor local APIC, I/O APIC, interrupt source override, local APIC NMI).
 *
 * DSDT encoding (AML, ACPI 1.0b chapter 16), of ASL `Name (_S5, Package (4) {t, t, 0, 0})`:
 *   08            NameOp
 *   5F 53 35 5F   NameString "_S5_"
 *   12            PackageOp
 *   06            PkgLength: one byte, counting itself, NumElements and the four elements
 *   04            NumElements
 *   tt tt 00 00   elements: ZeroOp (0x00), OneOp (0x01), or BytePrefix 0x0A + byte otherwise
 * (so the length byte grows by one per element that needs BytePrefix). Elements 0 and 1 are
 * SLP_TYPa and SLP_TYPb for S5.
 *
 * After `\_S5` the DSDT has `\_SB.PCI0` (the PCI root bridge, its windows, a static `_PRT`) and
 * the ISA devices under `\_SB.PCI0.ISA`: see `dsdt.ts`, built with the encoder in `aml.ts`.
 *
 * NOT IMPLEMENTED: XSDT/RSDP 2.0 (a 32-bit guest needs neither), PCI link devices (the `_PRT`
 * names GSIs), `_OSC`, MCFG, HPET, SRAT, S1-S4 packages.
 */
import { type DsdtDevicesOptions, systemBusAml } from './dsdt.js';

/** Where the PM register block is (matching the `AcpiPowerManagement` device's layout). */
export interface AcpiPmPorts {
  /** PM1a event block (status, enable): 4 bytes. */
  pm1aEventBlock: number;
  /** PM1a control block: 2 bytes. */
  pm1aControlBlock: number;
  /** PM timer block: 4 bytes. */
  pmTimerBlock: number;
}

/** The APICs a MADT lists. */
export interface AcpiApicConfiguration {
  /** Local APIC physical address (0xFEE00000). */
  localApicAddress: number;
  /** Local APIC ids of the processors (one entry each, enabled). */
  processorApicIds: number[];
  /** I/O APIC: id, physical address (0xFEC00000), first GSI. */
  ioApic: { id: number; address: number; gsiBase: number };
  /** Interrupt source overrides; default: ISA IRQ0 → GSI 2 and the SCI as level/active-high. */
  overrides?: Array<{ source: number; gsi: number; flags: number }>;
  /**
   * Local APIC NMI entries (`processorId` 0xFF = every processor; MPS INTI flags; LINT input);
   * default: LINT1 of every processor, conforming polarity and trigger (as QEMU's `pc`).
   */
  localApicNmis?: Array<{ processorId: number; flags: number; lint: number }>;
}

/** What to build and where. */
export interface AcpiTableOptions {
  /** Physical address of the RSDP: 16-byte aligned, in 0xE0000-0xFFFFF (or the EBDA's first KiB). */
  rsdpAddress: number;
  /** Physical address where FACS, DSDT, FADT, MADT and RSDT are laid out (64-byte aligned). */
  tablesAddress: number;
  /** PM register block ports. */
  pm: AcpiPmPorts;
  /** SCI interrupt (ISA IRQ), default 9. */
  sciInterrupt?: number;
  /** SLP_TYP value of S5 (soft off), default 0 (the PIIX4 encoding). */
  s5SleepType?: number;
  /** CMOS index of the century byte, default 0x32 (0 = none). */
  centuryCmosIndex?: number;
  /** APICs; when absent no MADT is built and FADT INT_MODEL says dual 8259. */
  apic?: AcpiApicConfiguration;
  /** OEM id (6 characters, padded), default "OPNVMI". */
  oemId?: string;
  /** What the DSDT's `\_SB` describes (PCI root window, `_PRT` GSIs, serial ports); defaults fit our PC. */
  devices?: DsdtDevicesOptions;
}

/** Physical addresses of the built tables. */
export interface AcpiTableLayout {
  rsdp: number;
  rsdt: number;
  fadt: number;
  facs: number;
  dsdt: number;
  madt: number | null;
  /** First byte after the tables (RSDP excluded). */
  end: number;
}

const HEADER_LENGTH = 36;
/** FADT length for revision 1 (ACPI 1.0b). */
export const FADT_REVISION_1_LENGTH = 116;
const FACS_LENGTH = 64;
const RSDP_LENGTH = 20;

function putAscii(bytes: Uint8Array, offset: number, text: string, length: number): void {
  for (let index = 0; index < length; index++) {
    const code = index < text.length ? text.charCodeAt(index) : 0x20;
    bytes[offset + index] = code < 0x80 ? code : 0x3f;
  }
}

function put16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value & 0xff;
  bytes[offset + 1] = (value >>> 8) & 0xff;
}

function put32(bytes: Uint8Array, offset: number, value: number): void {
  for (let index = 0; index < 4; index++) bytes[offset + index] = (value >>> (index * 8)) & 0xff;
}

/** The 8-bit checksum byte that makes the bytes of `bytes[from, from + length)` sum to 0. */
export function acpiChecksum(bytes: Uint8Array, from = 0, length = bytes.length): number {
  let sum = 0;
  for (let index = from; index < from + length; index++) sum = (sum + bytes[index]) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** A table with the standard 36-byte header filled in and its checksum set. */
function table(signature: string, revision: number, body: Uint8Array, oemId: string): Uint8Array {
  const bytes = new Uint8Array(HEADER_LENGTH + body.length);
  putAscii(bytes, 0, signature, 4);
  put32(bytes, 4, bytes.length);
  bytes[8] = revision;
  putAscii(bytes, 10, oemId, 6);
  putAscii(bytes, 16, `OVMI${signature}`, 8);
  put32(bytes, 24, 1); // OEM revision
  putAscii(bytes, 28, 'OVMI', 4); // creator id
  put32(bytes, 32, 1); // creator revision
  bytes.set(body, HEADER_LENGTH);
  bytes[9] = acpiChecksum(bytes);
  return bytes;
}

/** AML for an integer package element (ZeroOp, OneOp or BytePrefix). */
function amlSmallInteger(value: number): number[] {
  const byte = value & 0xff;
  if (byte === 0) return [0x00];
  if (byte === 1) return [0x01];
  return [0x0a, byte];
}

/** The DSDT AML body: `Name (_S5, Package (4) {type, type, 0, 0})`. */
export function s5PackageAml(sleepType: number): Uint8Array {
  const elements = [
    ...amlSmallInteger(sleepType),
    ...amlSmallInteger(sleepType),
    ...amlSmallInteger(0),
    ...amlSmallInteger(0),
  ];
  const packageLength = 1 + 1 + elements.length; // PkgLength byte + NumElements + elements
  return Uint8Array.from([0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, packageLength, 0x04, ...elements]);
}

/** Builds the RSDP (revision 0) pointing at `rsdtAddress`. */
export function buildRsdp(rsdtAddress: number, oemId = 'OPNVMI'): Uint8Array {
  const bytes = new Uint8Array(RSDP_LENGTH);
  putAscii(bytes, 0, 'RSD PTR ', 8);
  putAscii(bytes, 9, oemId, 6);
  bytes[15] = 0; // revision 0: ACPI 1.0
  put32(bytes, 16, rsdtAddress);
  bytes[8] = acpiChecksum(bytes);
  return bytes;
}

/** Builds the RSDT listing `tableAddresses`. */
export function buildRsdt(tableAddresses: number[], oemId = 'OPNVMI'): Uint8Array {
  const body = new Uint8Array(tableAddresses.length * 4);
  tableAddresses.forEach((address, index) => {
    put32(body, index * 4, address);
  });
  return table('RSDT', 1, body, oemId);
}

/** Builds a revision-1 FADT. */
export function buildFadt(options: {
  facsAddress: number;
  dsdtAddress: number;
  pm: AcpiPmPorts;
  sciInterrupt: number;
  centuryCmosIndex: number;
  multipleApic: boolean;
  oemId?: string;
}): Uint8Array {
  const body = new Uint8Array(FADT_REVISION_1_LENGTH - HEADER_LENGTH);
  const at = (offset: number) => offset - HEADER_LENGTH;
  put32(body, at(36), options.facsAddress); // FIRMWARE_CTRL
  put32(body, at(40), options.dsdtAddress); // DSDT
  body[at(44)] = options.multipleApic ? 1 : 0; // INT_MODEL
  put16(body, at(46), options.sciInterrupt); // SCI_INT
  put32(body, at(48), 0); // SMI_CMD = 0: always in ACPI mode (SCI_EN reads 1)
  put32(body, at(56), options.pm.pm1aEventBlock);
  put32(body, at(64), options.pm.pm1aControlBlock);
  put32(body, at(76), options.pm.pmTimerBlock);
  body[at(88)] = 4; // PM1_EVT_LEN
  body[at(89)] = 2; // PM1_CNT_LEN
  body[at(91)] = 4; // PM_TM_LEN
  put16(body, at(96), 0x0fff); // P_LVL2_LAT > 100: no C2
  put16(body, at(98), 0x0fff); // P_LVL3_LAT > 1000: no C3
  body[at(108)] = options.centuryCmosIndex; // CENTURY
  // WBINVD (0), PROC_C1 (2), PWR_BUTTON (4: control method / absent), SLP_BUTTON (5), 24-bit timer.
  put32(body, at(112), (1 << 0) | (1 << 2) | (1 << 4) | (1 << 5));
  return table('FACP', 1, body, options.oemId ?? 'OPNVMI');
}

/** Builds the FACS (64 bytes, no checksum field). */
export function buildFacs(): Uint8Array {
  const bytes = new Uint8Array(FACS_LENGTH);
  putAscii(bytes, 0, 'FACS', 4);
  put32(bytes, 4, FACS_LENGTH);
  return bytes;
}

/** Builds the DSDT (revision 1): the `\_S5` package, then `\_SB` with the PCI root and ISA devices. */
export function buildDsdt(
  s5SleepType: number,
  oemId = 'OPNVMI',
  devices: DsdtDevicesOptions = {},
): Uint8Array {
  const s5 = s5PackageAml(s5SleepType);
  const systemBus = systemBusAml(devices);
  const body = new Uint8Array(s5.length + systemBus.length);
  body.set(s5, 0);
  body.set(systemBus, s5.length);
  return table('DSDT', 1, body, oemId);
}

/**
 * Default interrupt source overrides: ISA IRQ0 → GSI 2 (edge), the SCI and the PCI IRQs 10 and
 * 11 (the DSDT `_PRT`'s GSIs) level/active-high, as QEMU's `pc` lists them.
 */
export function defaultInterruptOverrides(
  sciInterrupt: number,
): Array<{ source: number; gsi: number; flags: number }> {
  const levelHigh = 0x000d; // active high (01), level (11 << 2)
  const overrides = [
    { source: 0, gsi: 2, flags: 0x0000 },
    { source: sciInterrupt, gsi: sciInterrupt, flags: levelHigh },
  ];
  for (const irq of [10, 11]) {
    if (irq !== sciInterrupt) overrides.push({ source: irq, gsi: irq, flags: levelHigh });
  }
  return overrides;
}

/** Builds the MADT ("APIC", revision 1) with local APIC, I/O APIC, override and local APIC NMI entries. */
export function buildMadt(apic: AcpiApicConfiguration, sciInterrupt: number, oemId = 'OPNVMI'): Uint8Array {
  const overrides = apic.overrides ?? defaultInterruptOverrides(sciInterrupt);
  const entries: number[] = [];
  const push32 = (value: number) => {
    for (let index = 0; index < 4; index++) entries.push((value >>> (index * 8)) & 0xff);
  };
  apic.processorApicIds.forEach((apicId, processor) => {
    entries.push(0, 8, processor & 0xff, apicId & 0xff);
    push32(1); // enabled
  });
  entries.push(1, 12, apic.ioApic.id & 0xff, 0);
  push32(apic.ioApic.address);
  push32(apic.ioApic.gsiBase);
  for (const override of overrides) {
    entries.push(2, 10, 0, override.source & 0xff);
    push32(override.gsi);
    entries.push(override.flags & 0xff, (override.flags >> 8) & 0xff);
  }
  for (const nmi of apic.localApicNmis ?? [{ processorId: 0xff, flags: 0, lint: 1 }]) {
    entries.push(4, 6, nmi.processorId & 0xff, nmi.flags & 0xff, (nmi.flags >> 8) & 0xff, nmi.lint & 0xff);
  }
  const body = new Uint8Array(8 + entries.length);
  put32(body, 0, apic.localApicAddress);
  put32(body, 4, 1); // PCAT_COMPAT: dual 8259s present
  body.set(entries, 8);
  return table('APIC', 1, body, oemId);
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * Builds every table and writes it into `memory` (indexed by physical address).
 * @throws RangeError when an address is misaligned or a table would not fit in `memory`.
 */
export function writeAcpiTables(memory: Uint8Array, options: AcpiTableOptions): AcpiTableLayout {
  const oemId = options.oemId ?? 'OPNVMI';
  const sciInterrupt = options.sciInterrupt ?? 9;
  if (options.rsdpAddress % 16 !== 0) throw new RangeError('the RSDP must be 16-byte aligned');
  if (options.tablesAddress % 64 !== 0)
    throw new RangeError('the tables address must be 64-byte aligned (FACS)');
  const place = (address: number, bytes: Uint8Array) => {
    if (!Number.isInteger(address) || address < 0 || address + bytes.length > memory.length) {
      throw new RangeError(`ACPI table at 0x${address.toString(16)} does not fit in memory`);
    }
    memory.set(bytes, address);
  };
  let cursor = options.tablesAddress;
  const facs = cursor;
  place(facs, buildFacs());
  cursor = alignUp(cursor + FACS_LENGTH, 16);
  const dsdt = cursor;
  const dsdtBytes = buildDsdt(options.s5SleepType ?? 0, oemId, options.devices);
  place(dsdt, dsdtBytes);
  cursor = alignUp(cursor + dsdtBytes.length, 16);
  const fadt = cursor;
  const fadtBytes = buildFadt({
    facsAddress: facs,
    dsdtAddress: dsdt,
    pm: options.pm,
    sciInterrupt,
    centuryCmosIndex: options.centuryCmosIndex ?? 0x32,
    multipleApic: options.apic !== undefined,
    oemId,
  });
  place(fadt, fadtBytes);
  cursor = alignUp(cursor + fadtBytes.length, 16);
  let madt: number | null = null;
  if (options.apic) {
    madt = cursor;
    const madtBytes = buildMadt(options.apic, sciInterrupt, oemId);
    place(madt, madtBytes);
    cursor = alignUp(cursor + madtBytes.length, 16);
  }
  const rsdt = cursor;
  const rsdtBytes = buildRsdt(madt === null ? [fadt] : [fadt, madt], oemId);
  place(rsdt, rsdtBytes);
  cursor += rsdtBytes.length;
  place(options.rsdpAddress, buildRsdp(rsdt, oemId));
  return { rsdp: options.rsdpAddress, rsdt, fadt, facs, dsdt, madt, end: cursor };
}
