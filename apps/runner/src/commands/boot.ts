/**
 * `openvmi boot`: builds a PC from QEMU-style options and runs it. Argument parsing
 * (`parseBootArguments`) and the run loop (`runMachine`) are separate so tests drive the library.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { UART_FIFO_SIZE, type Uart16550 } from '@openvmi/devices';
import type { CliIo } from '../cli-io.js';
import { LoaderError } from '../loaders/guest-ram.js';
import { BACKEND_NAMES, type BackendName, type MachineConfig } from '../machine/machine-config.js';
import { createMachine, type Machine, type MachineStop } from '../machine/pc-machine.js';

/** Usage text of `openvmi boot`. */
export const BOOT_USAGE = `Usage: openvmi boot -kernel FILE [options]
       openvmi boot -bios FILE [options]

Boots a Linux bzImage (boot protocol 2.02+, entered at its 32-bit entry with no BIOS) or a
multiboot v1 kernel on the OpenVMI PC, with COM1 on standard input/output.

Options (QEMU's spelling):
  -kernel FILE            Linux bzImage or multiboot v1 ELF
  -initrd FILE            initial RAM disk (Linux)
  -append CMDLINE         kernel command line
  -m MB                   RAM in MiB (default 128)
  -bios FILE              raw firmware mapped below 1 MiB and 4 GiB; start at the reset vector
  -serial stdio|none      COM1 (default stdio)
  -debugcon stdio|file:PATH   the port 0xE9 debug console
  -device isa-debug-exit  a write of v to port 0xF4 ends the run with status (v << 1) | 1
  -no-reboot              a guest reset ends the run (status 0)
  --backend NAME          VMI backend: ${BACKEND_NAMES.join(', ')} (default none)
  --deterministic         virtual time from retired instructions: the same run every time
  --no-apic               no local APIC / I/O APIC (8259 only; none in CPUID or ACPI)
  --max-instructions N    stop after N instructions (status 124)
  --stats                 print instructions, MIPS, wall time and the translated share at exit
  --no-block-translation  interpret every instruction (same run, slower; for comparison)
  -nographic, -display none, -monitor none   accepted for QEMU compatibility (no effect)

Typing goes to COM1 (raw mode on a terminal; a pipe works too); Ctrl-A x quits, as in QEMU.
Input is held on the host until the guest can take it, so nothing typed during boot is lost.
Exit status: 0 on power-off (ACPI S5) or, with -no-reboot, reset; 1 on a triple fault or a CPU
halted with interrupts off; the isa-debug-exit status; 124 at --max-instructions.
`;

/** Parsed options of `openvmi boot`, before files are read. */
export interface BootOptions {
  kernel?: string;
  initrd?: string;
  bios?: string;
  append: string;
  memoryMiB: number;
  serial: 'stdio' | 'none';
  debugcon?: { kind: 'stdio' } | { kind: 'file'; path: string };
  isaDebugExit: boolean;
  noReboot: boolean;
  backend: BackendName;
  deterministic: boolean;
  maxInstructions: number;
  stats: boolean;
  /** False with `--no-apic`. */
  apic: boolean;
  /** False with `--no-block-translation`. */
  blockTranslation: boolean;
}

/** A command-line error: the message says what is wrong. */
export class BootUsageError extends Error {
  override name = 'BootUsageError';
}

/** Parses `openvmi boot` arguments. @throws BootUsageError. */
export function parseBootArguments(argv: readonly string[]): BootOptions {
  const options: BootOptions = {
    append: '',
    memoryMiB: 128,
    serial: 'stdio',
    isaDebugExit: false,
    noReboot: false,
    backend: 'none',
    deterministic: false,
    maxInstructions: 0,
    stats: false,
    apic: true,
    blockTranslation: true,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = (): string => {
      const next = argv[++index];
      if (next === undefined) throw new BootUsageError(`${argument} needs a value`);
      return next;
    };
    switch (
      argument.startsWith('--') && argument.includes('=')
        ? argument.slice(0, argument.indexOf('='))
        : argument
    ) {
      case '-kernel':
        options.kernel = value();
        break;
      case '-initrd':
        options.initrd = value();
        break;
      case '-append':
        options.append = value();
        break;
      case '-bios':
        options.bios = value();
        break;
      case '-m': {
        const text = value().replace(/[mM]$/, '');
        const megabytes = Number(text);
        if (!Number.isInteger(megabytes) || megabytes < 4)
          throw new BootUsageError(`-m takes a size in MiB, got ${text}`);
        options.memoryMiB = megabytes;
        break;
      }
      case '-serial': {
        const serial = value();
        if (serial !== 'stdio' && serial !== 'none')
          throw new BootUsageError(`-serial ${serial} is not supported (stdio, none)`);
        options.serial = serial;
        break;
      }
      case '-debugcon': {
        const target = value();
        if (target === 'stdio') options.debugcon = { kind: 'stdio' };
        else if (target.startsWith('file:') && target.length > 5)
          options.debugcon = { kind: 'file', path: target.slice(5) };
        else throw new BootUsageError(`-debugcon ${target} is not supported (stdio, file:PATH)`);
        break;
      }
      case '-device': {
        const device = value();
        if (!/^isa-debug-exit(,iobase=0xf4)?(,iosize=0x0?[14])?$/i.test(device)) {
          throw new BootUsageError(`-device ${device} is not supported (only isa-debug-exit at 0xF4)`);
        }
        options.isaDebugExit = true;
        break;
      }
      case '-no-reboot':
        options.noReboot = true;
        break;
      case '--backend': {
        const name = argument.includes('=') ? argument.slice(argument.indexOf('=') + 1) : value();
        if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
          throw new BootUsageError(`unknown backend "${name}" (known: ${BACKEND_NAMES.join(', ')})`);
        }
        options.backend = name as BackendName;
        break;
      }
      case '--deterministic':
        options.deterministic = true;
        break;
      case '--no-apic':
        options.apic = false;
        break;
      case '--max-instructions': {
        const text = argument.includes('=') ? argument.slice(argument.indexOf('=') + 1) : value();
        const count = Number(text);
        if (!Number.isSafeInteger(count) || count <= 0)
          throw new BootUsageError(`--max-instructions takes a positive count`);
        options.maxInstructions = count;
        break;
      }
      case '--stats':
        options.stats = true;
        break;
      case '--no-block-translation':
        options.blockTranslation = false;
        break;
      case '-nographic':
        break;
      case '-display':
      case '-monitor':
        if (value() !== 'none') throw new BootUsageError(`${argument} supports only "none"`);
        break;
      default:
        throw new BootUsageError(`unknown option ${argument}`);
    }
  }
  if (options.kernel === undefined && options.bios === undefined)
    throw new BootUsageError('give -kernel FILE or -bios FILE');
  if (options.kernel !== undefined && options.bios !== undefined)
    throw new BootUsageError('-kernel and -bios exclude each other');
  return options;
}

/** Exit status of a stop, and the message to print (if any). */
export function describeStop(stop: MachineStop, noReboot: boolean): { status: number; message?: string } {
  switch (stop.kind) {
    case 'power-off':
      return { status: 0 };
    case 'reset':
      return noReboot
        ? { status: 0 }
        : { status: 0, message: 'guest reset (reboot is not implemented: stopping)' };
    case 'debug-exit':
      return { status: stop.status };
    case 'triple-fault':
      return { status: 1, message: 'triple fault: the CPU shut down' };
    case 'halted-with-interrupts-off':
      return { status: 1, message: 'the CPU halted with interrupts disabled: nothing can wake it' };
    case 'idle-forever':
      return { status: 1, message: 'the CPU halted with no timer armed and no input: nothing can wake it' };
    case 'instruction-limit':
      return { status: 124, message: 'stopped at --max-instructions' };
    case 'backend-stop':
      return { status: 1, message: `backend stopped the machine: ${stop.reason}` };
    case 'host-request':
      return { status: 0 };
  }
}

/** Instructions per slice between host event checks. */
const SLICE_INSTRUCTIONS = 2_000_000;

/**
 * Runs `machine` until it stops, yielding to the host event loop between slices so input
 * arrives. `afterSlice` runs after every slice (the CLI flushes the console and feeds COM1
 * there). Returns the stop.
 */
export async function runMachine(
  machine: Machine,
  options: { realTime: boolean; afterSlice?: () => void },
): Promise<MachineStop> {
  let lastYield = performance.now();
  for (;;) {
    const stop = machine.runSlice(SLICE_INSTRUCTIONS);
    options.afterSlice?.();
    if (stop !== undefined) return stop;
    const wall = performance.now();
    if (options.realTime && machine.cpu.halted) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      lastYield = performance.now();
    } else if (wall - lastYield > 20) {
      await new Promise((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
}

/** Bytes {@link SerialInputQueue} remembers from before a driver enabled the receive interrupt. */
const BEFORE_DRIVER_MEMORY = 4096;

/** The part of the UART {@link SerialInputQueue} drives. */
export type SerialReceiver = Pick<Uart16550, 'getState' | 'receive' | 'inputSpace'>;

/**
 * Host input on its way to a UART, with flow control, so that nothing typed is lost.
 *
 * QEMU hands a 16550 only as many bytes as its receiver has room for and leaves the rest in the
 * host's buffer; we do the same, and more: Linux's 8250 driver clears the FIFO when the port is
 * opened (just before /init runs), which drops whatever was typed during boot. So:
 * - while the guest's driver has the receive interrupt enabled (IER bit 0), bytes go in as fast
 *   as the UART's input queue takes them;
 * - once a driver has enabled that interrupt, input waits whenever it is masked again (Linux
 *   masks it around console writes and while the port is closed);
 * - before any driver has enabled it (a polling guest, or Linux still booting), bytes go in
 *   only as the receiver has room, QEMU's rule, and are remembered (up to 4 KiB): when a driver
 *   first enables the interrupt with its receiver empty, they are given again, since Linux
 *   reads nothing before the port opens and its FIFO resets (at probe and at open) dropped
 *   them. (A polling program followed by an interrupt-driven one would see its input twice; no
 *   guest we run does that: our guest kernel polls throughout, Linux never polls.)
 */
export class SerialInputQueue {
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  private pendingBytes = 0;
  private interruptDriven = false;
  private readonly beforeDriver: number[] = [];

  constructor(private readonly uart: SerialReceiver) {}

  /** Bytes waiting on the host side. */
  get pending(): number {
    return this.pendingBytes;
  }

  /** Queues host bytes. */
  push(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.pendingBytes += bytes.length;
  }

  /** Moves as many bytes into the UART as it can take now; call between slices. */
  pump(): void {
    const state = this.uart.getState();
    const receiveInterrupt = (state.ier & 1) !== 0;
    if (receiveInterrupt && !this.interruptDriven) {
      this.interruptDriven = true;
      if (this.beforeDriver.length > 0 && state.rxFifo.length === 0) {
        const rest = this.chunks.map((chunk, index) => (index === 0 ? chunk.subarray(this.offset) : chunk));
        this.chunks.length = 0;
        this.chunks.push(Uint8Array.from(this.beforeDriver), ...rest);
        this.offset = 0;
        this.pendingBytes += this.beforeDriver.length;
      }
      this.beforeDriver.length = 0;
    }
    if (this.pendingBytes === 0) return;
    let room: number;
    if (receiveInterrupt) room = this.uart.inputSpace();
    else if (this.interruptDriven) return;
    else {
      const capacity = (state.fcr & 1) !== 0 ? UART_FIFO_SIZE : 1;
      room = capacity - state.rxFifo.length - state.hostInput.length;
    }
    while (room > 0 && this.pendingBytes > 0) {
      const chunk = this.chunks[0];
      const count = Math.min(room, chunk.length - this.offset);
      const bytes = chunk.subarray(this.offset, this.offset + count);
      const accepted = this.uart.receive(bytes);
      if (!this.interruptDriven) {
        for (let index = 0; index < accepted; index++) this.beforeDriver.push(bytes[index]);
        if (this.beforeDriver.length > BEFORE_DRIVER_MEMORY)
          this.beforeDriver.splice(0, this.beforeDriver.length - BEFORE_DRIVER_MEMORY);
      }
      this.offset += accepted;
      this.pendingBytes -= accepted;
      room -= accepted;
      if (this.offset === chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      if (accepted < count) break;
    }
  }
}

/** Host input beyond this many waiting bytes pauses the input stream (a large paste or file). */
const INPUT_HIGH_WATER = 1 << 20;

/** Runs `openvmi boot`. */
export async function runBootCommand(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(BOOT_USAGE);
    return 0;
  }
  let options: BootOptions;
  try {
    options = parseBootArguments(argv);
  } catch (error) {
    if (error instanceof BootUsageError) {
      io.stderr(`openvmi boot: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const read = async (path: string | undefined, what: string) => {
    if (path === undefined) return undefined;
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      throw new LoaderError(
        `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  };
  const writeBytes = io.stdoutBytes ?? ((bytes: Uint8Array) => io.stdout(String.fromCharCode(...bytes)));
  const serialBuffer: number[] = [];
  const flushSerial = () => {
    if (serialBuffer.length === 0) return;
    writeBytes(Uint8Array.from(serialBuffer));
    serialBuffer.length = 0;
  };
  const debugconBytes: number[] = [];
  let machine: Machine;
  try {
    const config: MachineConfig = {
      memoryMiB: options.memoryMiB,
      kernel: await read(options.kernel, 'kernel'),
      initrd: await read(options.initrd, 'initrd'),
      bios: await read(options.bios, 'firmware'),
      commandLine: options.append,
      backend: options.backend,
      deterministic: options.deterministic,
      maxInstructions: options.maxInstructions,
      noReboot: options.noReboot,
      isaDebugExit: options.isaDebugExit,
      apic: options.apic,
      serialOutput:
        options.serial === 'stdio'
          ? (byte) => {
              serialBuffer.push(byte);
              if (byte === 0x0a || serialBuffer.length >= 4096) flushSerial();
            }
          : () => {},
      debugConsoleOutput:
        options.debugcon === undefined
          ? undefined
          : options.debugcon.kind === 'stdio'
            ? (byte) => writeBytes(Uint8Array.of(byte))
            : (byte) => {
                if (debugconBytes.length < 64 << 20) debugconBytes.push(byte);
              },
      hostClockNs: () => Number(process.hrtime.bigint()),
      epochMs: options.deterministic ? undefined : Date.now(),
    };
    machine = createMachine(config);
    machine.cpu.blockTranslation = options.blockTranslation;
  } catch (error) {
    if (error instanceof LoaderError || error instanceof RangeError) {
      io.stderr(`openvmi boot: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const input = io.stdin;
  const serialInput = new SerialInputQueue(machine.com1);
  let inputPaused = false;
  let sawCtrlA = false;
  const wasRaw = input?.isTTY === true;
  if (input !== undefined && options.serial === 'stdio') {
    if (wasRaw) input.setRawMode?.(true);
    input.on('data', (chunk) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
      const forward: number[] = [];
      for (const byte of bytes) {
        if (sawCtrlA) {
          sawCtrlA = false;
          if (byte === 0x78 /* x */) {
            machine.requestStop();
            return;
          }
          if (byte !== 0x01) forward.push(0x01);
        } else if (byte === 0x01 /* Ctrl-A */) {
          sawCtrlA = true;
          continue;
        }
        forward.push(byte);
      }
      serialInput.push(Uint8Array.from(forward));
      if (serialInput.pending > INPUT_HIGH_WATER && !inputPaused) {
        inputPaused = true;
        input.pause();
      }
    });
    // End of input (a pipe closed) changes nothing: the guest runs on, as under QEMU.
    input.on('end', () => {});
    input.resume();
  }

  const started = performance.now();
  let stop: MachineStop;
  try {
    stop = await runMachine(machine, {
      realTime: !options.deterministic,
      afterSlice: () => {
        // The console is flushed after every slice, so a prompt or an echoed key (no newline)
        // shows at once.
        flushSerial();
        serialInput.pump();
        if (inputPaused && serialInput.pending < INPUT_HIGH_WATER / 16) {
          inputPaused = false;
          input?.resume();
        }
      },
    });
  } finally {
    flushSerial();
    if (input !== undefined && options.serial === 'stdio') {
      if (wasRaw) input.setRawMode?.(false);
      input.removeAllListeners('data');
      input.removeAllListeners('end');
      input.pause();
      input.unref?.();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (options.debugcon?.kind === 'file')
    await writeFile(options.debugcon.path, Uint8Array.from(debugconBytes));
  const outcome = describeStop(stop, options.noReboot);
  if (outcome.message !== undefined) io.stderr(`openvmi boot: ${outcome.message}\n`);
  if (options.stats) {
    const { instructions } = machine.statistics();
    io.stderr(
      `openvmi boot: ${instructions} instructions in ${seconds.toFixed(3)} s wall (${(instructions / seconds / 1e6).toFixed(1)} MIPS)\n`,
    );
    const cpu = machine.cpu;
    const share = instructions > 0 ? (100 * cpu.translatedRetired) / instructions : 0;
    io.stderr(`openvmi boot: ${share.toFixed(1)}% of them in ${cpu.translatedBlocks} translated blocks\n`);
  }
  return outcome.status;
}
