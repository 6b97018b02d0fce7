/**
 * `createMachine(config)`: the PC that `openvmi boot` runs. It builds the CPU (x86-core), maps
 * the chips (devices) at their ISA ports, wires their interrupt lines to the 8259 pair, writes
 * the CMOS memory fields and ACPI tables, attaches the VMI backend's ROM, loads the kernel, and
 * runs the CPU in slices up to the next device deadline, with virtual time derived from retired
 * instructions (deterministic) or from the host clock (real time).
 *
 * Port map (as on a PIIX3 PC and QEMU's `pc` machine): PIC 0x20/0xA0, ELCR 0x4D0, PIT 0x40,
 * port 0x61, i8042 0x60/0x64 (keyboard IRQ 1, PS/2 mouse IRQ 12), RTC 0x70, port 0x92, POST 0x80,
 * delay port 0xED, COM1-4 0x3F8/0x2F8/0x3E8/0x2E8 (IRQ 4/3/4/3), PCI configuration 0xCF8 (with
 * reset control 0xCF9),
 * ACPI PM block 0x600 (SCI on IRQ 9), debug console 0xE9 and isa-debug-exit 0xF4 when asked.
 *
 * Interrupts (with `apic`, the default, as QEMU's `pc`): every ISA IRQ line drives both its
 * 8259 input and its I/O APIC pin (IRQ n → pin n, except IRQ0 → pin 2, which the MADT's
 * interrupt source override tells the guest; the SCI is level/active-high). The I/O APIC
 * (0xFEC00000, id 0) sends its messages to the local APIC (0xFEE00000, id 0), which is the CPU's
 * interrupt source; the 8259's INTR reaches the CPU through the local APIC's LINT0 in ExtINT mode
 * (virtual wire, the reset state) or with the APIC globally disabled, so PIC-mode, `noapic` and
 * `nolapic` guests work. Without `apic` the 8259 is the CPU's interrupt source and CPUID and
 * ACPI show no APIC.
 */
import {
  type AcpiApicConfiguration,
  AcpiPowerManagement,
  DebugConsole,
  fanOutIrqLine,
  I8042,
  I8254Pit,
  I8259Pic,
  IoApic,
  IsaDebugExit,
  LOCAL_APIC_DEFAULT_BASE,
  LocalApic,
  Mc146818Rtc,
  PciHost,
  Port61,
  PostPort,
  ResetControl,
  SharedIrqLine,
  SystemControlPortA,
  Uart16550,
  writeAcpiTables,
} from '@openvmi/devices';
import { createVmiNativeBackend } from '@openvmi/vmi-native';
import { BACKEND_SPECIFICATION_VERSION, type Backend, type BackendAttachment } from '@openvmi/vmi-spec';
import {
  type Clock,
  Cpu,
  Flag,
  type IrqLine,
  type MmioDevice,
  PhysicalMemory,
  PortBus,
  Register,
  SegmentRegister,
} from '@openvmi/x86-core';
import { LoaderError, type MemoryMapEntry, standardMemoryMap } from '../loaders/guest-ram.js';
import { loadLinux, type ProtectedModeEntry, parseLinuxSetupHeader } from '../loaders/linux-boot.js';
import { isMultibootImage, loadMultiboot } from '../loaders/multiboot.js';
import { createBackendMachine } from './backend-adapter.js';
import { DETERMINISTIC_EPOCH_MS, type MachineConfig, NANOSECONDS_PER_INSTRUCTION } from './machine-config.js';
import { SynchronisingPortBus, synchronisingMmio } from './synchronous-io.js';

/** Interpreted runs of an instruction before the PC's CPU translates a block from it. */
const PC_HOT_THRESHOLD = 4096;

/** Why a machine stopped. */
export type MachineStop =
  | { kind: 'power-off' }
  | { kind: 'reset' }
  | { kind: 'debug-exit'; status: number }
  | { kind: 'triple-fault' }
  | { kind: 'halted-with-interrupts-off' }
  | { kind: 'idle-forever' }
  | { kind: 'instruction-limit' }
  | { kind: 'backend-stop'; reason: string }
  | { kind: 'host-request' };

/** Run statistics (`--stats`). */
export interface MachineStatistics {
  instructions: number;
  virtualNanoseconds: number;
}

/** A built PC. */
export interface Machine {
  readonly cpu: Cpu;
  readonly memory: PhysicalMemory;
  readonly ports: PortBus;
  readonly com1: Uart16550;
  readonly keyboard: I8042;
  /** The local APIC and I/O APIC (absent when the machine is built without `apic`). */
  readonly localApic: LocalApic | undefined;
  readonly ioApic: IoApic | undefined;
  readonly backend: Backend | undefined;
  /** What the loader found: 'linux', 'multiboot' or 'firmware'. */
  readonly bootKind: 'linux' | 'multiboot' | 'firmware';
  /**
   * Runs up to `instructionBudget` guest instructions (fewer when a device deadline or a stop
   * comes first). Returns the stop, or undefined when the guest is still running.
   */
  runSlice(instructionBudget: number): MachineStop | undefined;
  /** Asks the machine to stop at the next slice boundary. */
  requestStop(): void;
  statistics(): MachineStatistics;
  /** Virtual time now, ns. */
  now(): number;
}

/** Physical layout of the firmware-side data the machine writes. */
export const PC_LAYOUT = {
  rsdp: 0xf0000,
  acpiBytes: 0x10000,
  pmBase: 0x600,
  biosTop: 0x100000,
  localApic: LOCAL_APIC_DEFAULT_BASE,
  ioApic: 0xfec00000,
} as const;

/** APIC ids: the one processor's local APIC and the I/O APIC (0 and 0, as QEMU's `pc`). */
const BOOT_PROCESSOR_APIC_ID = 0;
const IO_APIC_ID = 0;

/** The I/O APIC pin of ISA IRQ `irq` (the MADT's override moves IRQ0 to pin 2). */
export function ioApicPinOfIsaIrq(irq: number): number {
  return irq === 0 ? 2 : irq;
}

/** The ACPI SCI's ISA IRQ (PIIX4 and QEMU's `pc`). */
const SCI_IRQ = 9;

/** What the MADT lists: one processor, the I/O APIC with GSIs 0-23, the default overrides and LINT1 NMI. */
const MADT_APICS: AcpiApicConfiguration = {
  localApicAddress: LOCAL_APIC_DEFAULT_BASE,
  processorApicIds: [BOOT_PROCESSOR_APIC_ID],
  ioApic: { id: IO_APIC_ID, address: PC_LAYOUT.ioApic, gsiBase: 0 },
};

/** Real time: the shortest slice (bounds the per-slice overhead when a timer is due at once). */
const MIN_REAL_TIME_SLICE = 2_000;
/** Real time: the speed assumed before any is measured (50 MIPS). */
const INITIAL_INSTRUCTIONS_PER_NANOSECOND = 0.05;

/** The largest RAM `-m` accepts: below the 3 GiB PCI hole, as our memory map assumes. */
export const MAX_MEMORY_MIB = 3072;

/** Builds a PC from `config`. @throws LoaderError / RangeError with a clear message on bad input. */
export function createMachine(config: MachineConfig): Machine {
  if (!Number.isInteger(config.memoryMiB) || config.memoryMiB < 4 || config.memoryMiB > MAX_MEMORY_MIB) {
    throw new RangeError(`memory size ${config.memoryMiB} MiB is outside 4-${MAX_MEMORY_MIB} MiB`);
  }
  const ramBytes = config.memoryMiB << 20;
  const memory = new PhysicalMemory({ ramBytes });
  // Deterministic: every device access ends the CPU's run so deadlines are re-planned and
  // interrupts raised by the access are taken at once (synchronous-io.ts).
  const syncDevices = () => cpu.requestStop();
  const ports = config.deterministic ? new SynchronisingPortBus(syncDevices) : new PortBus();
  const mmio = (device: MmioDevice): MmioDevice =>
    config.deterministic ? synchronisingMmio(device, syncDevices) : device;
  const pic = new I8259Pic();

  // Virtual time. Deterministic: retired instructions plus the time skipped while halted.
  let idleNs = 0;
  const hostClock = config.hostClockNs;
  const hostStart = hostClock?.() ?? 0;
  const now =
    config.deterministic || hostClock === undefined
      ? () => cpu.instructionsRetired * NANOSECONDS_PER_INSTRUCTION + idleNs
      : () => hostClock() - hostStart + idleNs;
  const clock: Clock = { now };

  // The APICs: the I/O APIC's messages go to the local APIC, its EOI broadcasts come back; a
  // timer reprogrammed mid-slice ends the slice so the loop plans up to the new deadline.
  let localApic: LocalApic | undefined;
  let ioApic: IoApic | undefined;
  if (config.apic ?? true) {
    const io = new IoApic({
      id: IO_APIC_ID,
      deliver: (message) => local.acceptInterrupt(message.vector, message.levelTriggered),
    });
    const local = new LocalApic({
      clock,
      id: BOOT_PROCESSOR_APIC_ID,
      externalInterrupts: pic,
      onEoi: (vector) => io.endOfInterrupt(vector),
      onTimerChange: () => cpu.requestStop(),
    });
    memory.mapMmio(PC_LAYOUT.localApic, 0x1000, mmio(local));
    memory.mapMmio(PC_LAYOUT.ioApic, 0x1000, mmio(io));
    localApic = local;
    ioApic = io;
  }
  const interruptSource = localApic ?? pic;
  const cpu = new Cpu({ memory, ports, interrupts: interruptSource });
  // A kernel runs much of its code a few hundred to a few thousand times (boot, init) and then
  // never again; translating it costs V8 ~2 ms a block. Only code run 4096 times at an entry
  // point is translated: Linux's quiet boot goes from 27 s to 18 s (11 645 blocks to 867), and
  // the hot loops of a benchmark are run far more often than that
  // (docs/decisions/2026-11-28-block-translation.md).
  cpu.hotThreshold = PC_HOT_THRESHOLD;

  // ISA IRQ n: a wired-OR of its devices, driving 8259 input n and (with APICs) its I/O APIC pin.
  const isaIrqs = new Map<number, SharedIrqLine>();
  const isaIrq = (irq: number): IrqLine => {
    let line = isaIrqs.get(irq);
    if (line === undefined) {
      const target =
        ioApic === undefined
          ? pic.irqLine(irq)
          : fanOutIrqLine(pic.irqLine(irq), ioApic.irqLine(ioApicPinOfIsaIrq(irq)));
      line = new SharedIrqLine(target);
      isaIrqs.set(irq, line);
    }
    return line.source();
  };

  let pendingStop: MachineStop | undefined;
  const stop = (reason: MachineStop) => {
    pendingStop ??= reason;
    cpu.requestStop();
  };
  const requestReset = () => stop({ kind: 'reset' });

  const pit = new I8254Pit({ clock, irq: isaIrq(0) });
  ports.register(0x40, 4, pit);
  ports.register(0x61, 1, new Port61({ pit, clock }));
  const keyboard = new I8042({ irq: isaIrq(1), auxIrq: isaIrq(12), onReset: requestReset });
  ports.register(0x60, 1, keyboard.dataPorts);
  ports.register(0x64, 1, keyboard.commandPorts);
  ports.register(0x20, 2, pic.masterPorts);
  ports.register(0xa0, 2, pic.slavePorts);
  ports.register(0x4d0, 2, pic.elcrPorts);
  const epochMs = config.epochMs ?? DETERMINISTIC_EPOCH_MS;
  const rtc = new Mc146818Rtc({ clock, epochMs, irq: isaIrq(8) });
  rtc.setMemorySize(ramBytes);
  rtc.updateChecksum();
  ports.register(0x70, 2, rtc);
  ports.register(0x92, 1, new SystemControlPortA({ onReset: requestReset }));
  ports.register(0x80, 1, new PostPort());
  ports.register(0xed, 1, new PostPort());

  const com1 = new Uart16550({ clock, irq: isaIrq(4), output: config.serialOutput });
  const serialPorts: [number, number][] = [
    [0x2f8, 3],
    [0x3e8, 4],
    [0x2e8, 3],
  ];
  const uarts = [com1, ...serialPorts.map(([, irq]) => new Uart16550({ clock, irq: isaIrq(irq) }))];
  ports.register(0x3f8, 8, com1);
  serialPorts.forEach(([base], index) => {
    ports.register(base, 8, uarts[index + 1]);
  });

  const pci = new PciHost({ resetControl: new ResetControl({ onReset: requestReset }) });
  ports.register(0xcf8, 8, pci);

  const pm = new AcpiPowerManagement({
    clock,
    sci: isaIrq(SCI_IRQ),
    onPowerOff: () => stop({ kind: 'power-off' }),
  });
  ports.register(PC_LAYOUT.pmBase, 12, pm);

  if (config.isaDebugExit) {
    ports.register(0xf4, 1, new IsaDebugExit({ onExit: (status) => stop({ kind: 'debug-exit', status }) }));
  }
  if (config.debugConsoleOutput !== undefined) {
    ports.register(0xe9, 1, new DebugConsole({ output: config.debugConsoleOutput }));
  }
  const timers = localApic === undefined ? [pit, rtc, pm, ...uarts] : [pit, rtc, pm, ...uarts, localApic];

  const memoryMap: MemoryMapEntry[] = standardMemoryMap(ramBytes, PC_LAYOUT.acpiBytes);
  writeAcpiTables(memory.ram, {
    rsdpAddress: PC_LAYOUT.rsdp,
    tablesAddress: ramBytes - PC_LAYOUT.acpiBytes,
    pm: {
      pm1aEventBlock: PC_LAYOUT.pmBase,
      pm1aControlBlock: PC_LAYOUT.pmBase + 4,
      pmTimerBlock: PC_LAYOUT.pmBase + 8,
    },
    sciInterrupt: SCI_IRQ,
    apic: localApic === undefined ? undefined : MADT_APICS,
  });

  let backend: Backend | undefined;
  let attachment: BackendAttachment | undefined;
  if (typeof config.backend === 'object') {
    if (config.backend.specificationVersion !== BACKEND_SPECIFICATION_VERSION) {
      throw new RangeError(
        `backend ${config.backend.name} implements ${String(config.backend.specificationVersion)}, not ${BACKEND_SPECIFICATION_VERSION}`,
      );
    }
    backend = config.backend;
  } else if (config.backend === 'vmi-native') backend = createVmiNativeBackend();
  if (backend !== undefined) attachment = backend.attach(createBackendMachine(cpu, memory));

  let bootKind: Machine['bootKind'];
  if (config.bios !== undefined) {
    mapFirmware(memory, config.bios);
    bootKind = 'firmware';
  } else if (config.kernel !== undefined) {
    const ram = { bytes: memory.ram };
    let entry: ProtectedModeEntry;
    if (isMultibootImage(config.kernel)) {
      if (config.initrd !== undefined)
        throw new LoaderError('-initrd is not supported with a multiboot kernel');
      entry = loadMultiboot(ram, { image: config.kernel, commandLine: config.commandLine, memoryMap }).entry;
      bootKind = 'multiboot';
    } else {
      parseLinuxSetupHeader(config.kernel);
      entry = loadLinux(ram, {
        kernel: config.kernel,
        initrd: config.initrd,
        commandLine: config.commandLine,
        memoryMap,
      }).entry;
      bootKind = 'linux';
    }
    enterProtectedMode(cpu, entry);
  } else {
    throw new LoaderError('nothing to boot: give -kernel FILE or -bios FILE');
  }

  /** Brings every timer up to `time`; returns the earliest next deadline (Infinity: none). */
  const advanceTimers = (time: number): number => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const timer of timers) {
      timer.advance(time);
      const next = timer.nextDeadline(time);
      if (next !== null && next < earliest) earliest = next;
    }
    return earliest;
  };

  // Real time: the TSC counts virtual (host) time at 1 GHz, as the PIT, RTC and PM timer do, so
  // Linux calibrates it against the PIT correctly and its TSC clocksource keeps the host's pace
  // whatever the emulation speed. Deterministic: it counts retired instructions (1 per ns).
  if (!config.deterministic) cpu.tscClock = () => now() / NANOSECONDS_PER_INSTRUCTION;

  // Real time: the emulation speed, measured, to turn timer deadlines into slice sizes.
  let instructionsPerNanosecond = INITIAL_INSTRUCTIONS_PER_NANOSECOND;

  let hostStopRequested = false;
  return {
    cpu,
    memory,
    ports,
    com1,
    keyboard,
    localApic,
    ioApic,
    backend,
    bootKind,
    now,
    requestStop() {
      hostStopRequested = true;
      cpu.requestStop();
    },
    statistics: () => ({ instructions: cpu.instructionsRetired, virtualNanoseconds: now() }),
    runSlice(instructionBudget: number): MachineStop | undefined {
      if (pendingStop !== undefined) return pendingStop;
      if (hostStopRequested) return { kind: 'host-request' };
      const time = now();
      let deadline = advanceTimers(time);
      let budget = instructionBudget;
      if (config.deterministic && deadline !== Number.POSITIVE_INFINITY) {
        budget = Math.max(1, Math.min(budget, Math.ceil((deadline - time) / NANOSECONDS_PER_INSTRUCTION)));
      } else if (deadline !== Number.POSITIVE_INFINITY) {
        // Real time: end the slice about when the next timer falls due, at the measured speed,
        // so timer interrupts arrive on time (Linux checks that IRQ0 ticks during a busy wait).
        const instructions = Math.ceil((deadline - time) * instructionsPerNanosecond);
        budget = Math.max(MIN_REAL_TIME_SLICE, Math.min(budget, instructions));
      }
      if (config.maxInstructions > 0) {
        const left = config.maxInstructions - cpu.instructionsRetired;
        if (left <= 0) return { kind: 'instruction-limit' };
        budget = Math.min(budget, left);
      }
      const retiredBefore = cpu.instructionsRetired;
      const result = cpu.run(budget);
      if (!config.deterministic) {
        const executed = cpu.instructionsRetired - retiredBefore;
        const elapsed = now() - time;
        if (executed >= MIN_REAL_TIME_SLICE && elapsed > 0) {
          instructionsPerNanosecond = 0.75 * instructionsPerNanosecond + 0.25 * (executed / elapsed);
        }
      }
      if (pendingStop !== undefined) return pendingStop;
      if (hostStopRequested) return { kind: 'host-request' };
      switch (result.reason) {
        case 'triple-fault':
          return { kind: 'triple-fault' };
        case 'halt': {
          if ((cpu.getFlags() & Flag.Interrupt) === 0) return { kind: 'halted-with-interrupts-off' };
          // The guest may have armed a timer just before HLT: look again.
          const haltedAt = now();
          deadline = advanceTimers(haltedAt);
          // A timer that expired within the slice (reprogrammed after the slice was planned) may
          // just have raised its interrupt: the next slice wakes the CPU, nothing to skip.
          if (interruptSource.hasInterrupt()) return undefined;
          if (deadline === Number.POSITIVE_INFINITY) {
            if (config.deterministic) return { kind: 'idle-forever' };
            return undefined; // real time: host input may still wake it
          }
          // Deterministic: skip the idle time to the next deadline, as a halted CPU does nothing.
          // The TSC runs on (one cycle per virtual ns), so it stays in step with the PIT and PM timer.
          if (config.deterministic && deadline > haltedAt) {
            const skipped = Math.ceil(deadline - haltedAt);
            idleNs += skipped;
            cpu.tscOffset += BigInt(Math.round(skipped / NANOSECONDS_PER_INSTRUCTION));
            advanceTimers(now());
          }
          return undefined;
        }
        case 'exit': {
          if (result.exit === undefined || attachment === undefined) return undefined;
          if (result.exit.kind === 'stop-request' || result.exit.kind === 'invlpg') return undefined;
          const outcome = attachment.handleExit(
            result.exit as Parameters<BackendAttachment['handleExit']>[0],
          );
          return outcome.action === 'stop' ? { kind: 'backend-stop', reason: outcome.reason } : undefined;
        }
        default:
          return undefined;
      }
    },
  };
}

/** Maps a firmware image so it ends at 1 MiB and at 4 GiB; the CPU starts at the reset vector. */
function mapFirmware(memory: PhysicalMemory, image: Uint8Array): void {
  if (image.length === 0 || image.length % 4096 !== 0 || image.length > 0x20000) {
    throw new LoaderError(
      `firmware image is ${image.length} bytes: it must be a multiple of 4 KiB, at most 128 KiB`,
    );
  }
  memory.mapRom(PC_LAYOUT.biosTop - image.length, image);
  memory.mapRom(0x100000000 - image.length, image);
}

/** Puts the CPU in 32-bit protected mode at a loader's entry (flat 0x10/0x18, paging and IF off). */
function enterProtectedMode(cpu: Cpu, entry: ProtectedModeEntry): void {
  cpu.enterFlatProtectedMode({ cpl: 0 });
  cpu.gdtrBase = entry.gdtBase;
  cpu.gdtrLimit = entry.gdtLimit;
  const codeFlags = cpu.segmentFlags[SegmentRegister.Cs];
  const dataFlags = cpu.segmentFlags[SegmentRegister.Ds];
  cpu.setSegmentCache(SegmentRegister.Cs, entry.codeSelector, 0, 0xffffffff, codeFlags);
  for (const segment of [
    SegmentRegister.Ds,
    SegmentRegister.Es,
    SegmentRegister.Ss,
    SegmentRegister.Fs,
    SegmentRegister.Gs,
  ]) {
    cpu.setSegmentCache(segment, entry.dataSelector, 0, 0xffffffff, dataFlags);
  }
  cpu.setFlags(0x2);
  for (let register = 0; register < 8; register++) cpu.writeRegister(register, 0);
  if (entry.registers.eax !== undefined) cpu.writeRegister(Register.Eax, entry.registers.eax);
  if (entry.registers.ebx !== undefined) cpu.writeRegister(Register.Ebx, entry.registers.ebx);
  if (entry.registers.esi !== undefined) cpu.writeRegister(Register.Esi, entry.registers.esi);
  cpu.writeRegister(Register.Eip, entry.eip);
}
