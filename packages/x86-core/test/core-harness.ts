/**
 * A tiny machine for instruction tests: 2 MiB of RAM, code at 0x1000, stack top at 0x80000.
 * Flat protected mode (32-bit) or real mode (16-bit, CS=DS=ES=SS=0). Programs end with INT 0x80
 * (CD 80), which is intercepted, so `run` returns an exit record after the last instruction.
 */

import { Cpu, type ExitRecord, PhysicalMemory, PortBus, Register, type RunResult } from '../src/index.js';

/** Where test code is loaded. */
export const CODE_ADDRESS = 0x1000;
/** Initial ESP. */
export const STACK_TOP = 0x80000;
/** A scratch data area tests may use. */
export const DATA_ADDRESS = 0x20000;

/** Options of {@link runProgram}. */
export interface ProgramOptions {
  /** 'flat32' (default): flat protected mode at CPL 0; 'flat32-user': CPL 3; 'real': real mode. */
  mode?: 'flat32' | 'flat32-user' | 'real';
  /** Called before running (set registers, memory, intercepts). */
  setup?: (cpu: Cpu, memory: PhysicalMemory) => void;
  /** Instruction budget (default 100 000). */
  budget?: number;
  /** Do not append INT 0x80. */
  noTerminator?: boolean;
}

/** The outcome of {@link runProgram}. */
export interface ProgramRun {
  cpu: Cpu;
  memory: PhysicalMemory;
  ports: PortBus;
  result: RunResult;
  exit: ExitRecord | undefined;
  /** EAX..EDI after the run. */
  eax: number;
  ecx: number;
  edx: number;
  ebx: number;
  esp: number;
  ebp: number;
  esi: number;
  edi: number;
  eflags: number;
}

/** Builds a machine, loads `bytes` (+ INT 0x80), runs it and returns the state. */
export function runProgram(bytes: readonly number[], options: ProgramOptions = {}): ProgramRun {
  const memory = new PhysicalMemory({ ramBytes: 2 << 20 });
  const ports = new PortBus();
  const cpu = new Cpu({ memory, ports });
  const mode = options.mode ?? 'flat32';
  if (mode === 'real') {
    for (let segment = 0; segment < 6; segment++)
      cpu.setSegmentCache(segment, 0, 0, 0xffff, segment === 1 ? 0x9b00 : 0x9300);
    cpu.setFlags(0x2);
  } else {
    cpu.enterFlatProtectedMode({ cpl: mode === 'flat32-user' ? 3 : 0 });
    cpu.setFlags(0x2);
  }
  cpu.eip = CODE_ADDRESS;
  cpu.writeRegister(Register.Esp, mode === 'real' ? 0xfff0 : STACK_TOP);
  const program = options.noTerminator ? [...bytes] : [...bytes, 0xcd, 0x80];
  memory.writeBytes(CODE_ADDRESS, new Uint8Array(program));
  cpu.intercepts.softwareInterrupts.add(0x80);
  options.setup?.(cpu, memory);
  const result = cpu.run(options.budget ?? 100_000);
  return {
    cpu,
    memory,
    ports,
    result,
    exit: result.exit,
    eax: cpu.readRegister(Register.Eax),
    ecx: cpu.readRegister(Register.Ecx),
    edx: cpu.readRegister(Register.Edx),
    ebx: cpu.readRegister(Register.Ebx),
    esp: cpu.readRegister(Register.Esp),
    ebp: cpu.readRegister(Register.Ebp),
    esi: cpu.readRegister(Register.Esi),
    edi: cpu.readRegister(Register.Edi),
    eflags: cpu.getFlags(),
  };
}

/** Little-endian bytes of a 32-bit value. */
export function dword(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

/** Little-endian bytes of a 16-bit value. */
export function word(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff];
}

/** EFLAGS bits by letter, for assertions. */
export const F = {
  CF: 0x1,
  PF: 0x4,
  AF: 0x10,
  ZF: 0x40,
  SF: 0x80,
  TF: 0x100,
  IF: 0x200,
  DF: 0x400,
  OF: 0x800,
} as const;

/** The six arithmetic flags of `eflags` as a compact string like "CF ZF" (for readable failures). */
export function arithmeticFlags(eflags: number): string {
  return (['CF', 'PF', 'AF', 'ZF', 'SF', 'OF'] as const).filter((name) => (eflags & F[name]) !== 0).join(' ');
}
