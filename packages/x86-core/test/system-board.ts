/**
 * A minimal test board for system-mode programs: RAM, the debug console on port 0xE9 (bytes
 * collected as text) and an exit port at 0xF4 (as QEMU's isa-debug-exit), a multiboot v1 ELF
 * loader and the build of the programs in test/system-programs/ with the host gcc.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AccessWidth, PortIo } from '../src/bus-interfaces.js';
import { Cpu } from '../src/cpu/cpu.js';
import { Register } from '../src/cpu/registers.js';
import { PhysicalMemory, PortBus } from '../src/memory/index.js';

const programDirectory = fileURLToPath(new URL('./system-programs/', import.meta.url));

/** True when a host command exists. */
export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Builds test/system-programs into a multiboot ELF; returns its path. */
export function buildSystemProgram(): string {
  const output = mkdtempSync(join(tmpdir(), 'openvmi-system-'));
  const flags = [
    '-m32',
    '-ffreestanding',
    '-fno-pic',
    '-fno-stack-protector',
    '-fno-builtin',
    '-nostdlib',
    '-O2',
    '-Wall',
    '-fno-asynchronous-unwind-tables',
  ];
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  };
  run('gcc', [...flags, '-c', join(programDirectory, 'entry.S'), '-o', join(output, 'entry.o')]);
  run('gcc', [...flags, '-c', join(programDirectory, 'main.c'), '-o', join(output, 'main.o')]);
  const elf = join(output, 'system.elf');
  run('ld', [
    ...['-m', 'elf_i386', '-nostdlib', '--build-id=none', '-z', 'noexecstack', '--no-warn-rwx-segments'],
    ...['-T', join(programDirectory, 'link.ld'), '-o', elf, join(output, 'entry.o'), join(output, 'main.o')],
  ]);
  return elf;
}

/** Builds test/system-programs/real-mode.S into a 64 KiB ROM image; returns its path. */
export function buildRealModeRom(options: { tripleFault?: boolean } = {}): string {
  const output = mkdtempSync(join(tmpdir(), 'openvmi-rom-'));
  const object = join(output, 'real-mode.o');
  const rom = join(output, 'real-mode.bin');
  for (const [command, args] of [
    [
      'gcc',
      [
        '-m32',
        ...(options.tripleFault ? ['-DTRIPLE_FAULT'] : []),
        '-c',
        join(programDirectory, 'real-mode.S'),
        '-o',
        object,
      ],
    ],
    ['ld', ['-m', 'elf_i386', '-Ttext', '0', '--oformat', 'binary', '-o', rom, object]],
  ] as const) {
    const result = spawnSync(command, [...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  }
  return rom;
}

/** Result of running a program on the board. */
export interface BoardRun {
  /** Bytes written to port 0xE9, as latin-1 text. */
  console: string;
  /** Value written to port 0xF4, or undefined. */
  exitValue: number | undefined;
  /** Why `run` stopped. */
  reason: string;
  /** Instructions retired. */
  retired: number;
}

function createBoard() {
  const memory = new PhysicalMemory({ ramBytes: 16 << 20 });
  const ports = new PortBus();
  const state = {
    console: '',
    exitValue: undefined as number | undefined,
    cpu: undefined as Cpu | undefined,
  };
  ports.register(0xe9, 1, {
    read: () => 0xe9,
    write: (_offset: number, _width: AccessWidth, value: number) => {
      state.console += String.fromCharCode(value & 0xff);
    },
  });
  ports.register(0xf4, 4, {
    read: () => 0xffffffff,
    write: (_offset: number, _width: AccessWidth, value: number) => {
      state.exitValue = value >>> 0;
      state.cpu?.requestStop();
    },
  });
  const cpu = new Cpu({ memory, ports });
  state.cpu = cpu;
  const run = (budget: number): BoardRun => {
    let retired = 0;
    let reason = 'budget';
    while (retired < budget) {
      const result = cpu.run(Math.min(1_000_000, budget - retired));
      retired += result.retired;
      reason = result.reason;
      if (result.reason !== 'budget' || state.exitValue !== undefined) break;
    }
    return { console: state.console, exitValue: state.exitValue, reason, retired };
  };
  return { memory, cpu, run };
}

/** Runs a 64 KiB ROM from the reset vector (mapped at 0xF0000 and 0xFFFF0000, like a PC BIOS). */
export function runRomOnBoard(romPath: string, budget = 1_000_000): BoardRun {
  const rom = new Uint8Array(readFileSync(romPath));
  const board = createBoard();
  board.memory.mapRom(0xf0000, rom);
  board.memory.mapRom(0xffff0000, rom);
  board.cpu.reset();
  return board.run(budget);
}

/** Runs a ROM image on qemu-system-i386 as its BIOS. */
export function runRomOnQemu(romPath: string): { console: string; status: number | null } {
  const result = spawnSync(
    'qemu-system-i386',
    [
      ...[
        '-nographic',
        '-no-reboot',
        '-net',
        'none',
        '-monitor',
        'none',
        '-display',
        'none',
        '-serial',
        'none',
      ],
      ...['-debugcon', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-bios', romPath],
    ],
    { encoding: 'latin1', timeout: 60_000 },
  );
  return { console: result.stdout, status: result.status };
}

/** Loads a multiboot ELF into a fresh 16 MiB machine and runs it for at most `budget` instructions. */
export function runOnBoard(elfPath: string, budget = 50_000_000): BoardRun {
  const image = readFileSync(elfPath);
  const memory = new PhysicalMemory({ ramBytes: 16 << 20 });
  const ports = new PortBus();
  let console = '';
  let exitValue: number | undefined;
  let cpu: Cpu | undefined;
  const debugConsole: PortIo = {
    read: () => 0xe9,
    write: (_offset: number, _width: AccessWidth, value: number) => {
      console += String.fromCharCode(value & 0xff);
    },
  };
  const exitPort: PortIo = {
    read: () => 0xffffffff,
    write: (_offset: number, _width: AccessWidth, value: number) => {
      exitValue = value >>> 0;
      cpu?.requestStop();
    },
  };
  ports.register(0xe9, 1, debugConsole);
  ports.register(0xf4, 4, exitPort);
  cpu = new Cpu({ memory, ports });
  // ELF32 program headers: copy PT_LOAD segments, zero the rest of their memory size.
  const programHeaderOffset = image.readUInt32LE(28);
  const programHeaderSize = image.readUInt16LE(42);
  const programHeaderCount = image.readUInt16LE(44);
  for (let index = 0; index < programHeaderCount; index++) {
    const header = programHeaderOffset + index * programHeaderSize;
    if (image.readUInt32LE(header) !== 1) continue;
    const fileOffset = image.readUInt32LE(header + 4);
    const physical = image.readUInt32LE(header + 12);
    const fileSize = image.readUInt32LE(header + 16);
    const memorySize = image.readUInt32LE(header + 20);
    memory.writeBytes(physical, new Uint8Array(memorySize));
    memory.writeBytes(physical, new Uint8Array(image.subarray(fileOffset, fileOffset + fileSize)));
  }
  cpu.enterFlatProtectedMode({ cpl: 0 });
  cpu.setFlags(0x2);
  cpu.writeRegister(Register.Eax, 0x2badb002);
  cpu.writeRegister(Register.Ebx, 0x9000);
  cpu.writeRegister(Register.Eip, image.readUInt32LE(24));
  let retired = 0;
  let reason = 'budget';
  while (retired < budget) {
    const result = cpu.run(Math.min(1_000_000, budget - retired));
    retired += result.retired;
    reason = result.reason;
    if (result.reason !== 'budget' || exitValue !== undefined) break;
  }
  return { console, exitValue, reason, retired };
}

/** Runs a multiboot ELF on qemu-system-i386 with the same console and exit ports. */
export function runOnQemu(elfPath: string): { console: string; status: number | null } {
  const result = spawnSync(
    'qemu-system-i386',
    [
      ...[
        '-nographic',
        '-no-reboot',
        '-net',
        'none',
        '-monitor',
        'none',
        '-display',
        'none',
        '-serial',
        'none',
      ],
      ...['-debugcon', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-kernel', elfPath],
    ],
    { encoding: 'latin1', timeout: 60_000 },
  );
  return { console: result.stdout, status: result.status };
}
