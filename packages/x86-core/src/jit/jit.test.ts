/**
 * Translated blocks against the interpreter: random straight-line code (every translated form
 * and some that end a block) runs in a loop hot enough to be translated, on one CPU with block
 * translation and one without; registers, flags, memory and the instruction count must agree
 * exactly, also when the run is cut into odd budgets, and when a block faults or writes its own
 * code.
 */

import { describe, expect, it } from 'vitest';
import { Cpu } from '../cpu/cpu.js';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../memory/port-bus.js';
import { writeControlRegister } from '../system/index.js';

const CODE = 0x1000;
const DATA = 0x8000;
const COUNTER = 0x8ff0;
const STACK_TOP = 0xa000;
/** Registers random code may write (not ESP). */
const WRITABLE = [0, 1, 2, 3, 5, 6, 7];

/** xorshift32: the same sequence for the same seed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

const le32 = (value: number): number[] => [
  value & 0xff,
  (value >>> 8) & 0xff,
  (value >>> 16) & 0xff,
  value >>> 24,
];

/** One random instruction (bytes) from the forms the translator handles, and a few it does not. */
function randomInstruction(next: () => number): number[] {
  const pick = <T>(items: readonly T[]): T => items[next() % items.length]!;
  const reg = () => pick(WRITABLE);
  const anyReg = () => next() % 8;
  const modrmRegs = (r: number, m: number) => 0xc0 | (r << 3) | m;
  // An absolute memory operand inside the data area (aligned or not).
  const absolute = (r: number) => [0x05 | (r << 3), ...le32(DATA + (next() % 0x100))];
  const aluOp = () => pick([0, 1, 2, 3, 4, 5, 6, 7]);
  const imm8 = () => next() & 0xff;
  switch (next() % 32) {
    case 0:
      return [(aluOp() << 3) | 1, modrmRegs(anyReg(), reg())];
    case 1:
      return [(aluOp() << 3) | 3, ...absolute(reg())];
    case 2:
      return [(aluOp() << 3) | 1, ...absolute(anyReg())];
    case 3:
      return [(aluOp() << 3) | 0, modrmRegs(next() % 8, pick([0, 1, 2, 3, 4, 5, 7].filter((r) => r !== 4)))];
    case 4:
      return [0x83, modrmRegs(aluOp(), reg()), imm8()];
    case 5:
      return [0x81, modrmRegs(aluOp(), reg()), ...le32(next())];
    case 6:
      return [0x80, ...absolute(aluOp()), imm8()];
    case 7:
      return [pick([0x40, 0x48]) + reg()];
    case 8:
      return [0x85, modrmRegs(anyReg(), anyReg())];
    case 9: {
      const operation = pick([0, 2, 3]);
      const bytes = [0xf7, modrmRegs(operation, reg())];
      return operation === 0 ? [...bytes, ...le32(next())] : bytes;
    }
    case 10:
      return [0xc1, modrmRegs(pick([0, 1, 2, 3, 4, 5, 7]), reg()), next() % 40];
    case 11:
      return [pick([0xd1, 0xd3]), modrmRegs(pick([0, 1, 4, 5, 7]), reg())];
    case 12:
      return [0x0f, 0xaf, modrmRegs(reg(), anyReg())];
    case 13:
      return [0x6b, modrmRegs(reg(), anyReg()), imm8()];
    case 14:
      return [0x0f, 0x90 + (next() % 16), modrmRegs(0, pick([0, 1, 2, 3]))];
    case 15:
      return [0x0f, 0x40 + (next() % 16), modrmRegs(reg(), anyReg())];
    case 16:
      return [0x0f, pick([0xb6, 0xbe, 0xb7, 0xbf]), modrmRegs(reg(), pick([0, 1, 2, 3]))];
    case 17:
      return [0x0f, pick([0xb6, 0xbe, 0xb7, 0xbf]), ...absolute(reg())];
    case 18:
      // LEA reg, [base + index*scale + disp8]
      return [
        0x8d,
        0x44 | (reg() << 3),
        ((next() % 4) << 6) | (pick([0, 1, 2, 3, 5, 6, 7]) << 3) | anyReg(),
        imm8(),
      ];
    case 19:
      return [0x89, ...absolute(anyReg())];
    case 20:
      return [0x8b, ...absolute(reg())];
    case 21:
      return [0xc7, ...absolute(0), ...le32(next())];
    case 22:
      return [0xb8 + reg(), ...le32(next())];
    case 23:
      return [0x87, modrmRegs(reg(), reg())];
    case 24:
      return [pick([0x98, 0x99, 0x90])];
    case 25:
      return [0x50 + anyReg(), 0x58 + reg()];
    case 26:
      return [0x6a, imm8(), 0x58 + reg()];
    case 27:
      // Jcc short over a two-byte ALU instruction.
      return [0x70 + (next() % 16), 0x02, (aluOp() << 3) | 1, modrmRegs(anyReg(), reg())];
    case 28:
      return [0xfe, modrmRegs(next() % 2, pick([0, 1, 2, 3])), 0xff, ...absolute(next() % 2)];
    case 29:
      // A push/pop of a memory operand (PUSH inline, POP through its handler).
      return [0xff, ...absolute(6), 0x8f, ...absolute(0)];
    default:
      // Forms run through their interpreter handler inside a block: 16-bit ALU, MUL, BT, BSWAP,
      // BSF, ADC with 16 bits, SHLD, XADD.
      return pick([
        [0x66, (aluOp() << 3) | 1, modrmRegs(anyReg(), reg())],
        [0xf7, modrmRegs(4, anyReg())],
        [0x0f, 0xa3, modrmRegs(anyReg(), anyReg())],
        [0x0f, 0xc8 + reg()],
        [0x0f, 0xbc, modrmRegs(reg(), anyReg())],
        [0x0f, 0xa4, modrmRegs(anyReg(), reg()), imm8()],
        [0x0f, 0xc1, modrmRegs(reg(), reg())],
        [0xf5],
        // 16-bit forms written inline.
        [0x66, 0x81, modrmRegs(aluOp(), reg()), imm8(), imm8()],
        [0x66, 0x83, modrmRegs(aluOp(), reg()), imm8()],
        [0x66, (aluOp() << 3) | 3, ...absolute(reg())],
        [0x66, 0x89, ...absolute(anyReg())],
        [0x66, 0x8b, modrmRegs(reg(), anyReg())],
        [0x66, 0xc7, ...absolute(0), imm8(), imm8()],
        [0x66, 0xd1, modrmRegs(pick([0, 1, 4, 5, 7]), reg())],
        [0x66, 0xf7, modrmRegs(pick([2, 3]), reg())],
        [0x66, 0x25, imm8(), imm8()],
        [0x66, 0x85, modrmRegs(anyReg(), anyReg())],
      ]);
  }
}

interface Program {
  code: number[];
}

/** `top: body; dec dword [COUNTER]; jnz top; hlt`. */
function loopProgram(body: number[]): Program {
  const tail = [0xff, 0x0d, ...le32(COUNTER)];
  const jumpBack = -(body.length + tail.length + 6);
  return { code: [...body, ...tail, 0x0f, 0x85, ...le32(jumpBack >>> 0), 0xf4] };
}

function makeCpu(program: Program, seed: number, iterations: number, translate: boolean): Cpu {
  const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
  const cpu = new Cpu({ memory, ports: new PortBus() });
  cpu.enterFlatProtectedMode({ cpl: 0 });
  cpu.blockTranslation = translate;
  memory.ram.set(program.code, CODE);
  const next = random(seed ^ 0x5eed);
  for (let offset = 0; offset < 0x100; offset += 4) memory.ram32[(DATA + offset) >>> 2] = next() | 0;
  memory.ram32[COUNTER >>> 2] = iterations;
  for (const register of WRITABLE) cpu.registers32[register] = next();
  cpu.registers32[4] = STACK_TOP;
  cpu.eip = CODE;
  return cpu;
}

function snapshot(cpu: Cpu) {
  return {
    registers: [...cpu.registers32],
    eip: cpu.eip,
    flags: cpu.getFlags(),
    retired: cpu.instructionsRetired,
    data: [...cpu.memory.ram32.subarray(DATA >>> 2, (DATA + 0x100) >>> 2)],
    stack: [...cpu.memory.ram32.subarray((STACK_TOP - 0x40) >>> 2, STACK_TOP >>> 2)],
  };
}

/** Runs to HLT in budgets from `budgets` (cycled). */
function runToHalt(cpu: Cpu, budgets: readonly number[]): void {
  for (let step = 0; step < 100_000; step++) {
    const result = cpu.run(budgets[step % budgets.length]!);
    if (result.reason === 'halt') return;
    if (result.reason !== 'budget')
      throw new Error(`stopped: ${result.reason} at ${cpu.eip.toString(16)} (${cpu.blockTranslation})`);
  }
  throw new Error('no HLT');
}

describe('block translation', () => {
  it('gives the interpreter’s registers, flags, memory and counts on random code', () => {
    let translatedSomewhere = 0;
    const seeds = Number(process.env.JIT_TEST_SEEDS ?? 150);
    for (let seed = 1; seed <= seeds; seed++) {
      const next = random(seed);
      const body: number[] = [];
      const length = 4 + (next() % 24);
      for (let index = 0; index < length; index++) body.push(...randomInstruction(next));
      const program = loopProgram(body);
      const budgets = seed % 3 === 0 ? [1_000_000] : [37, 1, 250, 7, 1024];
      const translated = makeCpu(program, seed, 200, true);
      const interpreted = makeCpu(program, seed, 200, false);
      runToHalt(interpreted, budgets);
      runToHalt(translated, budgets);
      expect(snapshot(translated), `seed ${seed}`).toEqual(snapshot(interpreted));
      expect(interpreted.translatedRetired).toBe(0);
      if (translated.translatedRetired > 0) translatedSomewhere++;
    }
    // The check above is only meaningful if blocks ran.
    expect(translatedSomewhere).toBeGreaterThan(seeds * 0.9);
  });

  it('makes a store into the block’s own next instruction take effect at once', () => {
    // inc eax; cmp eax, 100; cmove ebx, esi; mov [ebx], cl; inc edi (patched to dec edi)
    const body = [0x40, 0x83, 0xf8, 100, 0x0f, 0x44, 0xde, 0x88, 0x0b, 0x47];
    const program = loopProgram(body);
    const patchAddress = CODE + body.length - 1;
    const cpus = [true, false].map((translate) => {
      const cpu = makeCpu(program, 3, 200, translate);
      cpu.registers32[0] = 0;
      cpu.registers32[1] = 0x4f; // CL: DEC EDI
      cpu.registers32[3] = DATA; // EBX: a data word until the 100th pass
      cpu.registers32[6] = patchAddress; // ESI
      cpu.registers32[7] = 0;
      runToHalt(cpu, [1024]);
      return cpu;
    });
    const [translated, interpreted] = cpus as [Cpu, Cpu];
    expect(snapshot(translated)).toEqual(snapshot(interpreted));
    // 99 passes count EDI up; the 100th patches its own INC before reaching it: 101 count down.
    expect(interpreted.registers32[7]).toBe((99 - 101) >>> 0);
    expect(translated.translatedRetired).toBeGreaterThan(0);
  });
});

describe('block translation on hostile code', () => {
  it('matches the interpreter on random bytes run in a loop, whatever they do', () => {
    // Random bytes as the loop body: most fault, jump away or run into data; both engines must
    // stop for the same reason at the same instruction with the same state, and never throw.
    let ranBlocks = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed * 7919);
      const body: number[] = [];
      const length = 2 + (next() % 40);
      for (let index = 0; index < length; index++) body.push(next() & 0xff);
      const program = loopProgram(body);
      const outcomes = [true, false].map((translate) => {
        const cpu = makeCpu(program, seed, 50, translate);
        cpu.hotThreshold = 2;
        let reason = '';
        for (let step = 0; step < 200 && reason === ''; step++) {
          const result = cpu.run(97);
          if (result.reason !== 'budget') reason = result.reason;
        }
        return { cpu, reason, state: snapshot(cpu) };
      });
      const [translated, interpreted] = outcomes as [(typeof outcomes)[0], (typeof outcomes)[0]];
      expect({ reason: translated.reason, ...translated.state }, `seed ${seed}`).toEqual({
        reason: interpreted.reason,
        ...interpreted.state,
      });
      if (translated.cpu.translatedRetired > 0) ranBlocks++;
    }
    expect(ranBlocks).toBeGreaterThan(20);
  });
});

describe('block translation switched off', () => {
  it('drops the blocks already made and interprets from then on', () => {
    const program = loopProgram([0x40, 0x01, 0xc3, 0x41, 0x01, 0xca]);
    const cpu = makeCpu(program, 5, 1000, true);
    const reference = makeCpu(program, 5, 1000, false);
    runToHaltOrCount(cpu, 2000);
    runToHaltOrCount(reference, 2000);
    expect(cpu.translatedRetired).toBeGreaterThan(0);
    cpu.blockTranslation = false;
    const before = cpu.translatedRetired;
    runToHalt(cpu, [1000]);
    runToHalt(reference, [1000]);
    expect(cpu.translatedRetired).toBe(before);
    expect(snapshot(cpu)).toEqual(snapshot(reference));
  });
});

describe('block translation limits', () => {
  it('drops every block past maxTranslatedBlocks and still computes what the interpreter does', () => {
    // Three blocks a pass, split by CPUID (never translated): inc eax; add ebx, eax; cpuid;
    // inc ecx; add edx, ecx; cpuid; inc esi; add edi, esi.
    const body = [0x40, 0x01, 0xc3, 0x0f, 0xa2, 0x41, 0x01, 0xca, 0x0f, 0xa2, 0x46, 0x01, 0xf7];
    const program = loopProgram(body);
    const translated = makeCpu(program, 77, 300, true);
    translated.hotThreshold = 2;
    translated.maxTranslatedBlocks = 2;
    const interpreted = makeCpu(program, 77, 300, false);
    runToHalt(translated, [1000]);
    runToHalt(interpreted, [1000]);
    expect(snapshot(translated)).toEqual(snapshot(interpreted));
    expect(translated.translatedBlocks).toBeGreaterThan(2);
    expect(translated.translatedRetired).toBeGreaterThan(0);
  });
});

describe('block translation with paging', () => {
  const DIRECTORY = 0x20000;
  const TABLE = 0x21000;
  const MISSING_PAGE = 9; // 0x9000: not present until the fault is handled

  function pagedCpu(program: Program, translate: boolean): Cpu {
    const cpu = makeCpu(program, 11, 100, translate);
    const memory = cpu.memory;
    memory.ram32[DIRECTORY >>> 2] = TABLE | 7;
    for (let page = 0; page < 256; page++)
      memory.ram32[(TABLE >>> 2) + page] = page === MISSING_PAGE ? 0 : (page << 12) | 7;
    writeControlRegister(cpu, 3, DIRECTORY);
    writeControlRegister(cpu, 0, cpu.cr0 | 0x80000001);
    cpu.intercepts.exceptions.add(14);
    cpu.registers32[3] = DATA; // EBX walks up 64 bytes a pass, into the missing page
    cpu.registers32[1] = 0;
    return cpu;
  }

  it('delivers a page fault in the middle of a block at the faulting instruction', () => {
    // add ebx, 64; mov [ebx], eax; inc ecx; add eax, ecx
    const program = loopProgram([0x83, 0xc3, 0x40, 0x89, 0x03, 0x41, 0x01, 0xc8]);
    const cpus = [true, false].map((translate) => {
      const cpu = pagedCpu(program, translate);
      let fault: unknown;
      for (let step = 0; step < 100 && fault === undefined; step++) {
        const result = cpu.run(1000);
        if (result.reason === 'exit') fault = result.exit;
        else if (result.reason !== 'budget') throw new Error(`stopped: ${result.reason}`);
      }
      const atFault = { fault, cr2: cpu.cr2, ...snapshot(cpu) };
      // The handler's part: map the page, flush the TLB, resume at the faulting instruction.
      cpu.memory.ram32[(TABLE >>> 2) + MISSING_PAGE] = (MISSING_PAGE << 12) | 7;
      writeControlRegister(cpu, 3, DIRECTORY);
      runToHalt(cpu, [1000]);
      return { cpu, atFault, end: snapshot(cpu) };
    });
    const [translated, interpreted] = cpus as [(typeof cpus)[0], (typeof cpus)[0]];
    expect(translated.atFault).toEqual(interpreted.atFault);
    expect(interpreted.atFault.fault).toMatchObject({ kind: 'exception', vector: 14, faultAddress: 0x9000 });
    // At the MOV (EIP of the loop start + 3), after the ADD, before the INC.
    expect(interpreted.atFault.eip).toBe(CODE + 3);
    expect(translated.end).toEqual(interpreted.end);
    expect(translated.cpu.translatedRetired).toBeGreaterThan(0);
  });
});

/** Runs exactly `count` instructions in budgets of 1000. */
function runToHaltOrCount(cpu: Cpu, count: number): void {
  let left = count;
  while (left > 0) {
    const result = cpu.run(Math.min(left, 1000));
    if (result.reason !== 'budget') throw new Error(`stopped: ${result.reason}`);
    left -= result.retired;
  }
}
