/**
 * Boots the bundled guest's benchmark suite and collects its BENCH lines, on our PC (in
 * process) or on qemu-system-i386 (the outside reference). Each benchmark's guest instructions
 * and host seconds are the increments between consecutive BENCH lines as they reach the console.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchLines } from '@openvmi/guest';
import { buildVmiNativeRom } from '@openvmi/vmi-native';
import type { BackendName } from '../machine/machine-config.js';
import { createMachine, type MachineStop } from '../machine/pc-machine.js';
import type { BenchSample } from './scoreboard.js';

/** A finished suite run. */
export interface SuiteRun {
  samples: BenchSample[];
  console: string;
  /** Null on QEMU, which does not count guest instructions for us. */
  totalInstructions: number | null;
  hostSeconds: number;
}

/** The guest exits through isa-debug-exit with status 0 → (0 << 1) | 1. */
const GUEST_SUCCESS = 1;

/** A streaming line splitter that records, per BENCH line, the instruction count and host time. */
class BenchLineRecorder {
  readonly samples: BenchSample[] = [];
  private line: number[] = [];
  private readonly text: number[] = [];
  private lastInstructions = 0;
  private lastSeconds = 0;

  constructor(
    private readonly instructions: () => number | null,
    private readonly seconds: () => number,
  ) {}

  push(byte: number): void {
    if (this.text.length < 16 << 20) this.text.push(byte);
    if (byte !== 0x0a) {
      if (this.line.length < 4096) this.line.push(byte);
      return;
    }
    const text = Buffer.from(this.line).toString('latin1');
    this.line = [];
    const instructions = this.instructions();
    const seconds = this.seconds();
    const [parsed] = parseBenchLines(text);
    if (parsed !== undefined) {
      this.samples.push({
        name: parsed.name,
        cyclesPerIteration: parsed.cyclesPerIteration,
        instructions: instructions === null ? null : instructions - this.lastInstructions,
        hostSeconds: seconds - this.lastSeconds,
      });
    }
    if (parsed !== undefined || /^bench: /.test(text)) {
      this.lastInstructions = instructions ?? 0;
      this.lastSeconds = seconds;
    }
  }

  consoleText(): string {
    return Buffer.from(this.text).toString('latin1');
  }
}

/** Checks a finished console: the suite must have completed with no failed self-test. */
function checkSuite(consoleText: string, where: string): void {
  if (!/BENCH DONE count=\d+/.test(consoleText)) {
    const tail = consoleText.split('\n').slice(-8).join('\n');
    throw new Error(`${where}: the guest did not finish its benchmark suite; last lines:\n${tail}`);
  }
}

/** Boots the guest on our PC with `backend` and returns its benchmark samples. */
export function runSuiteOnOpenvmi(
  guestImage: Uint8Array,
  backend: BackendName,
  commandLine: string,
  maxInstructions = 20_000_000_000,
): SuiteRun {
  const started = performance.now();
  let instructions = () => 0;
  const recorder = new BenchLineRecorder(
    () => instructions(),
    () => (performance.now() - started) / 1000,
  );
  const machine = createMachine({
    memoryMiB: 128,
    kernel: guestImage,
    commandLine,
    backend,
    deterministic: true,
    maxInstructions,
    noReboot: true,
    isaDebugExit: true,
    serialOutput: (byte) => recorder.push(byte),
  });
  instructions = () => machine.statistics().instructions;
  let stop: MachineStop | undefined;
  while (stop === undefined) stop = machine.runSlice(10_000_000);
  const consoleText = recorder.consoleText();
  if (stop.kind !== 'debug-exit' || stop.status !== GUEST_SUCCESS) {
    const tail = consoleText.split('\n').slice(-8).join('\n');
    throw new Error(
      `openvmi --backend ${backend}: the guest stopped with ${JSON.stringify(stop)}; last lines:\n${tail}`,
    );
  }
  checkSuite(consoleText, `openvmi --backend ${backend}`);
  return {
    samples: recorder.samples,
    console: consoleText,
    totalInstructions: machine.statistics().instructions,
    hostSeconds: (performance.now() - started) / 1000,
  };
}

/** Boots the guest on qemu-system-i386 (TCG), with the vmi-native ROM when `withRom`. */
export async function runSuiteOnQemu(
  guestImagePath: string,
  withRom: boolean,
  commandLine: string,
): Promise<SuiteRun> {
  const directory = await mkdtemp(join(tmpdir(), 'openvmi-bench-'));
  try {
    const romArguments: string[] = [];
    if (withRom) {
      const romPath = join(directory, 'vmi-native.rom');
      await writeFile(romPath, buildVmiNativeRom().image);
      romArguments.push('-option-rom', romPath);
    }
    const started = performance.now();
    const recorder = new BenchLineRecorder(
      () => null,
      () => (performance.now() - started) / 1000,
    );
    const child = spawn(
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
          'stdio',
        ],
        ...['-m', '128', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', ...romArguments],
        ...['-kernel', guestImagePath, '-append', commandLine],
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => {
      for (const byte of chunk) recorder.push(byte);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000);
    const status = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    clearTimeout(timer);
    const consoleText = recorder.consoleText();
    if (status !== GUEST_SUCCESS) throw new Error(`qemu-system-i386 exited with ${status}`);
    checkSuite(consoleText, 'qemu-system-i386');
    return {
      samples: recorder.samples,
      console: consoleText,
      totalInstructions: null,
      hostSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
