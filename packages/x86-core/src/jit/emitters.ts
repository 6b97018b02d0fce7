/**
 * The translation table: for each opcode (0x000-0x0ff one-byte map, 0x100-0x1ff 0F map) an
 * entry that writes its semantics as JS source through a BlockBuilder. Only the common 32-bit forms are here; an
 * instruction without an entry, or in a form an entry declines, ends the block and runs in the
 * interpreter. Every emitted form does its faulting accesses before it changes any register,
 * so a fault leaves the state the interpreter would leave.
 */

import { LazyOp } from '../cpu/lazy-flags.js';
import type { Instruction } from '../decoder/instruction.js';
import { type BlockBuilder, MULTIPLY_FLAGS, SHIFT_FLAGS } from './block-builder.js';

/** One entry of the translation table. */
export interface Emitter {
  /** Whether this form is translated (nothing is emitted when false). */
  accepts(instruction: Instruction): boolean;
  /** Writes the instruction; sets `builder.terminated` when it leaves the block. */
  emit(builder: BlockBuilder, instruction: Instruction): void;
  /** Whether this instruction always leaves the block (RET, indirect JMP/CALL). */
  ends?: (instruction: Instruction) => boolean;
}

const ESP = 4;
const SS = 2;

const isMemory = (instruction: Instruction): boolean => instruction.hasModrm && instruction.mod !== 3;
/** ModRM forms the builder handles: register, or memory with a 32-bit address. */
const modrmOk = (instruction: Instruction): boolean => instruction.mod === 3 || instruction.addressSize32;
const imm = (instruction: Instruction): string => `${instruction.immediate | 0}`;

const table: (Emitter | undefined)[] = new Array(0x200);

// ---------------------------------------------------------------- ALU

/** fd/fs/fr for ALU operation `op` (0 ADD, 1 OR, 4 AND, 5 SUB, 6 XOR, 7 CMP). */
function aluResult(
  builder: BlockBuilder,
  op: number,
  size: number,
  destination: string,
  source: string,
): void {
  if (op === 2 || op === 3) {
    // ADC/SBB: the interpreter's semantic (the carry in decides the lazy op), flags settled first.
    builder.settleFlags();
    builder.emit(
      `fr = ALU(cpu, ${op}, (${destination}) >>> 0, (${source}) >>> 0, ${size}) ${size === 4 ? '| 0' : ''};`,
    );
    return;
  }
  const symbol = op === 0 ? '+' : op === 1 ? '|' : op === 4 ? '&' : op === 6 ? '^' : '-';
  const wrap = size === 4 ? '| 0' : `& ${size === 2 ? 65535 : 255}`;
  builder.emit(`fd = ${destination}; fs = ${source}; fr = (fd ${symbol} fs) ${wrap};`);
  builder.produce(op === 0 ? LazyOp.Add : op === 5 || op === 7 ? LazyOp.Sub : LazyOp.Logic, size);
}

/** `E op= source`: register or read-modify-write memory (CMP/TEST only read). */
function aluToRm(
  builder: BlockBuilder,
  instruction: Instruction,
  op: number,
  size: number,
  source: () => string,
): void {
  const writes = op !== 7 && op !== 8;
  const operation = op === 8 ? 4 : op;
  if (instruction.mod === 3) {
    aluResult(builder, operation, size, builder.reg(instruction.rm, size), source());
    if (writes) builder.setReg(instruction.rm, size, 'fr');
    return;
  }
  builder.load(instruction, size, writes);
  aluResult(builder, operation, size, 'v', source());
  if (writes) builder.storeUpdated(size, 'fr');
}

/** Operand size of a form with a byte and a word/dword variant. */
function sizeOf(byteForm: boolean, instruction?: Instruction): number {
  return byteForm ? 1 : (instruction?.operandSize ?? 4);
}

/** The immediate masked to the operand size (the decoder extended it to 32 bits). */
function immOf(instruction: Instruction, size: number): string {
  return size === 4
    ? `${instruction.immediate | 0}`
    : `${instruction.immediate & (size === 2 ? 0xffff : 0xff)}`;
}

const vOk = (instruction: Instruction): boolean => instruction.operandSize32;
/** 16- or 32-bit operand size (the forms written for every width). */
const sizedOk = (instruction: Instruction): boolean =>
  instruction.operandSize === 2 || instruction.operandSize === 4;

for (let op = 0; op < 8; op++) {
  const base = op << 3;
  for (const byteForm of [true, false]) {
    // E op= G
    table[base + (byteForm ? 0 : 1)] = {
      accepts: (instruction) =>
        modrmOk(instruction) && !instruction.lock && (byteForm || sizedOk(instruction)),
      emit: (builder, instruction) => {
        const size = sizeOf(byteForm, instruction);
        aluToRm(builder, instruction, op, size, () => builder.reg(instruction.reg, size));
      },
    };
    // G op= E
    table[base + (byteForm ? 2 : 3)] = {
      accepts: (instruction) => modrmOk(instruction) && (byteForm || sizedOk(instruction)),
      emit: (builder, instruction) => {
        const size = sizeOf(byteForm, instruction);
        let source: string;
        if (instruction.mod === 3) source = builder.reg(instruction.rm, size);
        else {
          builder.load(instruction, size);
          source = 'v';
        }
        aluResult(builder, op, size, builder.reg(instruction.reg, size), source);
        if (op !== 7) builder.setReg(instruction.reg, size, 'fr');
      },
    };
    // AL/eAX op= imm
    table[base + (byteForm ? 4 : 5)] = {
      accepts: (instruction) => byteForm || sizedOk(instruction),
      emit: (builder, instruction) => {
        const size = sizeOf(byteForm, instruction);
        aluResult(builder, op, size, builder.reg(0, size), immOf(instruction, size));
        if (op !== 7) builder.setReg(0, size, 'fr');
      },
    };
  }
}

// Group 1: 80 Eb,Ib / 81 Ev,Iz / 83 Ev,Ibs.
for (const opcode of [0x80, 0x81, 0x83]) {
  const byteForm = opcode === 0x80;
  table[opcode] = {
    accepts: (instruction) => modrmOk(instruction) && !instruction.lock && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      const value = immOf(instruction, size);
      aluToRm(builder, instruction, instruction.reg, size, () => value);
    },
  };
}

// TEST E,G (84/85), TEST AL/eAX,imm (A8/A9).
for (const byteForm of [true, false]) {
  table[byteForm ? 0x84 : 0x85] = {
    accepts: (instruction) => modrmOk(instruction) && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      aluToRm(builder, instruction, 8, size, () => builder.reg(instruction.reg, size));
    },
  };
  table[byteForm ? 0xa8 : 0xa9] = {
    accepts: (instruction) => byteForm || sizedOk(instruction),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      aluResult(builder, 4, size, builder.reg(0, size), immOf(instruction, size));
    },
  };
}

// Group 3 (F6/F7): TEST imm, NOT, NEG.
for (const byteForm of [true, false]) {
  table[byteForm ? 0xf6 : 0xf7] = {
    accepts: (instruction) =>
      instruction.reg <= 3 && modrmOk(instruction) && !instruction.lock && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      const mask = size === 4 ? '' : size === 2 ? ' & 65535' : ' & 255';
      if (instruction.reg <= 1) {
        const value = immOf(instruction, size);
        aluToRm(builder, instruction, 8, size, () => value);
        return;
      }
      const operate = (value: string): string => {
        if (instruction.reg === 2) return `(~${value})${mask}`;
        builder.emit(`fd = 0; fs = ${value}; fr = (-fs)${size === 4 ? ' | 0' : mask};`);
        builder.produce(LazyOp.Sub, size);
        return 'fr';
      };
      if (instruction.mod === 3) {
        builder.setReg(instruction.rm, size, operate(builder.reg(instruction.rm, size)));
        return;
      }
      builder.load(instruction, size, true);
      builder.storeUpdated(size, operate('v'));
    },
  };
}

// INC/DEC: 40+r / 48+r, FE /0 /1, FF /0 /1.
function incDec(builder: BlockBuilder, decrement: boolean, size: number, value: string): void {
  builder.emit(`fc = ${builder.carry()} ? 1 : 0;`);
  const wrap = size === 4 ? '| 0' : size === 2 ? '& 65535' : '& 255';
  builder.emit(`fd = ${value}; fs = 1; fr = (fd ${decrement ? '-' : '+'} 1) ${wrap};`);
  builder.produce(decrement ? LazyOp.Decrement : LazyOp.Increment, size);
}
for (let register = 0; register < 8; register++) {
  for (const decrement of [false, true]) {
    table[(decrement ? 0x48 : 0x40) + register] = {
      accepts: vOk,
      emit: (builder, instruction) => {
        incDec(builder, decrement, 4, builder.reg32(instruction.rm));
        builder.setReg32(instruction.rm, 'fr');
      },
    };
  }
}
table[0xfe] = {
  accepts: (instruction) => instruction.reg <= 1 && modrmOk(instruction) && !instruction.lock,
  emit: (builder, instruction) => incDecRm(builder, instruction, 1),
};
// FF: INC/DEC Ev, CALL Ev (near, indirect), JMP Ev (near, indirect), PUSH Ev.
table[0xff] = {
  accepts: (instruction) =>
    (instruction.reg <= 2 || instruction.reg === 4 || instruction.reg === 6) &&
    modrmOk(instruction) &&
    !instruction.lock &&
    vOk(instruction),
  ends: (instruction) => instruction.reg === 2 || instruction.reg === 4,
  emit: (builder, instruction) => {
    if (instruction.reg <= 1) {
      incDecRm(builder, instruction, 4);
      return;
    }
    // The operand is read first (it may fault); then the push, the jump or the call.
    let value: string;
    if (instruction.mod === 3) value = builder.reg32(instruction.rm);
    else {
      builder.load(instruction, 4);
      value = 'v';
    }
    builder.emit(`t = ${value};`);
    if (instruction.reg === 6) {
      builder.storeAt(SS, `(${builder.reg32(ESP)} - 4) | 0`, 4, 't');
      builder.setReg32(ESP, 'o');
      return;
    }
    if (instruction.reg === 2) {
      builder.storeAt(SS, `(${builder.reg32(ESP)} - 4) | 0`, 4, `${builder.eipAt(builder.endOffset)} | 0`);
      builder.setReg32(ESP, 'o');
    }
    builder.emit(builder.exit('(t >>> 0)'));
    builder.terminated = true;
  },
};

function incDecRm(builder: BlockBuilder, instruction: Instruction, size: number): void {
  const decrement = instruction.reg === 1;
  if (instruction.mod === 3) {
    incDec(builder, decrement, size, builder.reg(instruction.rm, size));
    builder.setReg(instruction.rm, size, 'fr');
    return;
  }
  builder.load(instruction, size, true);
  incDec(builder, decrement, size, 'v');
  builder.storeUpdated(size, 'fr');
}

// ---------------------------------------------------------------- data movement

// MOV AL/eAX, moffs and MOV moffs, AL/eAX (A0-A3).
for (const [opcode, byteForm, toMemory] of [
  [0xa0, true, false],
  [0xa1, false, false],
  [0xa2, true, true],
  [0xa3, false, true],
] as const) {
  table[opcode] = {
    accepts: (instruction) => instruction.addressSize32 && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      const offset = `${instruction.displacement | 0}`;
      if (toMemory) builder.storeAt(instruction.segment, offset, size, builder.reg(0, size));
      else {
        builder.loadAt(instruction.segment, offset, size);
        builder.setReg(0, size, 'v');
      }
    },
  };
}

for (const byteForm of [true, false]) {
  // MOV E,G
  table[byteForm ? 0x88 : 0x89] = {
    accepts: (instruction) => modrmOk(instruction) && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      const value = builder.reg(instruction.reg, size);
      if (instruction.mod === 3) builder.setReg(instruction.rm, size, value);
      else builder.store(instruction, size, value);
    },
  };
  // MOV G,E
  table[byteForm ? 0x8a : 0x8b] = {
    accepts: (instruction) => modrmOk(instruction) && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      if (instruction.mod === 3) builder.setReg(instruction.reg, size, builder.reg(instruction.rm, size));
      else {
        builder.load(instruction, size);
        builder.setReg(instruction.reg, size, 'v');
      }
    },
  };
  // MOV E,imm (C6/C7 /0)
  table[byteForm ? 0xc6 : 0xc7] = {
    accepts: (instruction) =>
      instruction.reg === 0 && modrmOk(instruction) && (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      const value = immOf(instruction, size);
      if (instruction.mod === 3) builder.setReg(instruction.rm, size, value);
      else builder.store(instruction, size, value);
    },
  };
}
for (let register = 0; register < 8; register++) {
  table[0xb0 + register] = {
    accepts: () => true,
    emit: (builder, instruction) => builder.setReg8(instruction.rm, `${instruction.immediate & 0xff}`),
  };
  table[0xb8 + register] = {
    accepts: vOk,
    emit: (builder, instruction) => builder.setReg32(instruction.rm, imm(instruction)),
  };
}
// LEA
table[0x8d] = {
  accepts: (instruction) => instruction.mod !== 3 && instruction.addressSize32 && vOk(instruction),
  emit: (builder, instruction) => builder.setReg32(instruction.reg, builder.effectiveAddress(instruction)),
};
// MOVZX/MOVSX Gv, Eb/Ew (0F B6/B7/BE/BF)
for (const [opcode, word, signed] of [
  [0x1b6, false, false],
  [0x1b7, true, false],
  [0x1be, false, true],
  [0x1bf, true, true],
] as const) {
  table[opcode] = {
    accepts: (instruction) => modrmOk(instruction) && vOk(instruction),
    emit: (builder, instruction) => {
      let value: string;
      if (instruction.mod === 3)
        value = word ? `(${builder.reg32(instruction.rm)} & 65535)` : builder.reg8(instruction.rm);
      else {
        builder.load(instruction, word ? 2 : 1);
        value = 'v';
      }
      if (signed) value = word ? `((${value} << 16) >> 16)` : `((${value} << 24) >> 24)`;
      builder.setReg32(instruction.reg, value);
    },
  };
}
// XCHG r32, r/m32 (register form) and XCHG eAX, r32.
table[0x87] = {
  accepts: (instruction) => instruction.mod === 3 && vOk(instruction),
  emit: (builder, instruction) => {
    builder.emit(`t = ${builder.reg32(instruction.reg)};`);
    builder.setReg32(instruction.reg, builder.reg32(instruction.rm));
    builder.setReg32(instruction.rm, 't');
  },
};
for (let register = 1; register < 8; register++) {
  table[0x90 + register] = {
    accepts: vOk,
    emit: (builder, instruction) => {
      builder.emit(`t = ${builder.reg32(0)};`);
      builder.setReg32(0, builder.reg32(instruction.rm));
      builder.setReg32(instruction.rm, 't');
    },
  };
}
// NOP / PAUSE, multi-byte NOP (0F 1F: no memory access).
table[0x90] = { accepts: () => true, emit: () => {} };
table[0x11f] = { accepts: () => true, emit: () => {} };
// CWDE, CDQ.
table[0x98] = {
  accepts: vOk,
  emit: (builder) => builder.setReg32(0, `((${builder.reg32(0)} << 16) >> 16)`),
};
table[0x99] = {
  accepts: vOk,
  emit: (builder) => builder.setReg32(2, `(${builder.reg32(0)} >> 31)`),
};
// CMOVcc Gv, Ev (the source is read, and may fault, whatever the condition).
for (let condition = 0; condition < 16; condition++) {
  table[0x140 + condition] = {
    accepts: (instruction) => modrmOk(instruction) && vOk(instruction),
    emit: (builder, instruction) => {
      let value: string;
      if (instruction.mod === 3) value = builder.reg32(instruction.rm);
      else {
        builder.load(instruction, 4);
        value = 'v';
      }
      const target = builder.reg32(instruction.reg);
      builder.setReg32(instruction.reg, `${builder.condition(condition)} ? ${value} : ${target}`);
    },
  };
  // SETcc Eb
  table[0x190 + condition] = {
    accepts: modrmOk,
    emit: (builder, instruction) => {
      const value = `(${builder.condition(condition)} ? 1 : 0)`;
      if (instruction.mod === 3) builder.setReg8(instruction.rm, value);
      else builder.store(instruction, 1, value);
    },
  };
}

// ---------------------------------------------------------------- multiply and shifts

function imulEmitter(immediateForm: boolean): Emitter {
  return {
    accepts: (instruction) => modrmOk(instruction) && vOk(instruction),
    emit: (builder, instruction) => {
      let source: string;
      if (instruction.mod === 3) source = builder.reg32(instruction.rm);
      else {
        builder.load(instruction, 4);
        source = 'v';
      }
      // The product now; the flags (CF = OF = the product overflowed) only if looked at.
      const first = builder.local();
      const second = builder.local();
      builder.emit(
        `${first} = ${source}; ${second} = ${immediateForm ? imm(instruction) : builder.reg32(instruction.reg)};`,
      );
      builder.setReg32(instruction.reg, `Math.imul(${first}, ${second})`);
      builder.pending = { op: MULTIPLY_FLAGS, size: 4, first, second };
    },
  };
}
table[0x1af] = imulEmitter(false);
table[0x69] = imulEmitter(true);
table[0x6b] = imulEmitter(true);

/** Group 2 /reg as a JS expression of `x` (int32) and count `c` (1-31) at 32 bits, flags aside. */
function shiftExpression(reg: number, count: string): string {
  switch (reg) {
    case 0:
      return `((x << ${count}) | (x >>> (32 - ${count})))`;
    case 1:
      return `((x >>> ${count}) | (x << (32 - ${count})))`;
    case 4:
    case 6:
      return `(x << ${count})`;
    case 5:
      return `((x >>> ${count}) | 0)`;
    default:
      return `(x >> ${count})`;
  }
}

/** C0/C1 imm8, D0/D1 by one, D2/D3 by CL. */
for (const [opcode, byteForm, countFrom] of [
  [0xc0, true, 'imm'],
  [0xc1, false, 'imm'],
  [0xd0, true, 'one'],
  [0xd1, false, 'one'],
  [0xd2, true, 'cl'],
  [0xd3, false, 'cl'],
] as const) {
  const countOf = (instruction: Instruction): number =>
    countFrom === 'one' ? 1 : countFrom === 'imm' ? instruction.immediate & 0x1f : -1;
  table[opcode] = {
    accepts: (instruction) =>
      instruction.reg !== 2 &&
      instruction.reg !== 3 &&
      modrmOk(instruction) &&
      (byteForm || sizedOk(instruction)),
    emit: (builder, instruction) => {
      const size = sizeOf(byteForm, instruction);
      const count = countOf(instruction);
      if (count === 0) {
        // Count 0 (after masking): no effect, but a memory operand is still read.
        if (isMemory(instruction)) builder.load(instruction, size);
        return;
      }
      if (size !== 4) {
        // Byte and word shifts: the interpreter's semantic, flags and all.
        const countCode = count === -1 ? builder.reg8(1) : `${count}`;
        builder.settleFlags();
        const compute = (value: string) =>
          `(SHIFT[${instruction.reg}](cpu, ${value}, ${countCode}, ${size}) | 0)`;
        if (instruction.mod === 3)
          builder.setReg(instruction.rm, size, compute(builder.reg(instruction.rm, size)));
        else {
          builder.load(instruction, size, true);
          builder.emit(`v = ${compute('v')};`);
          builder.storeUpdated(size, 'v');
        }
        return;
      }
      // 32 bits: the result now; the flags are recomputed from the input and count if looked at.
      // (A long run of shifts with no full flag writer between settles now and then, so the
      // recomputation a slow path would emit stays short.)
      let depth = 0;
      for (let base = builder.pending; base !== null && base !== undefined; base = base.base ?? null) depth++;
      if (depth >= 4) builder.settleFlags();
      const input = builder.local();
      const countLocal = builder.local();
      builder.emit(`${countLocal} = ${count === -1 ? `${builder.reg8(1)} & 31` : `${count}`};`);
      const compute = (value: string): string => {
        builder.emit(`${input} = ${value}; x = ${input};`);
        const result = shiftExpression(instruction.reg, countLocal);
        return count === -1 && instruction.reg <= 1 ? `(${countLocal} === 0 ? x : ${result})` : result;
      };
      if (instruction.mod === 3) builder.setReg32(instruction.rm, compute(builder.reg32(instruction.rm)));
      else {
        builder.load(instruction, 4, true);
        builder.emit(`v = ${compute('v')};`);
        builder.storeUpdated(4, 'v');
      }
      builder.pending = {
        op: SHIFT_FLAGS,
        size: 4,
        reg: instruction.reg,
        first: input,
        second: countLocal,
        base: builder.pending,
      };
    },
  };
}

// ---------------------------------------------------------------- stack

for (let register = 0; register < 8; register++) {
  table[0x50 + register] = {
    accepts: vOk,
    emit: (builder, instruction) => {
      builder.storeAt(SS, `(${builder.reg32(ESP)} - 4) | 0`, 4, builder.reg32(instruction.rm));
      builder.setReg32(ESP, 'o');
    },
  };
  table[0x58 + register] = {
    accepts: vOk,
    emit: (builder, instruction) => {
      builder.loadAt(SS, builder.reg32(ESP), 4);
      builder.setReg32(ESP, `(${builder.reg32(ESP)} + 4) | 0`);
      builder.setReg32(instruction.rm, 'v');
    },
  };
}
for (const opcode of [0x68, 0x6a]) {
  table[opcode] = {
    accepts: vOk,
    emit: (builder, instruction) => {
      builder.storeAt(SS, `(${builder.reg32(ESP)} - 4) | 0`, 4, imm(instruction));
      builder.setReg32(ESP, 'o');
    },
  };
}
// LEAVE: the load at EBP comes first, so a fault leaves ESP alone.
table[0xc9] = {
  accepts: vOk,
  emit: (builder) => {
    builder.loadAt(SS, builder.reg32(5), 4);
    builder.setReg32(ESP, `(${builder.reg32(5)} + 4) | 0`);
    builder.setReg32(5, 'v');
  },
};

// ---------------------------------------------------------------- control transfers

// A block is a trace: it goes on through a Jcc (the taken side leaves the block), and through a
// direct JMP or CALL whose target is in the same page (the run loop's translateAt collects the
// instructions there); it ends at RET, or at a branch that is its last instruction.

function target(builder: BlockBuilder, instruction: Instruction): string {
  return `((e0 + ${(builder.endOffset + (instruction.immediate | 0)) | 0}) >>> 0)`;
}

/** Offset of a relative branch's target from the block start. */
function targetOffset(builder: BlockBuilder, instruction: Instruction): number {
  return (builder.endOffset + (instruction.immediate | 0)) | 0;
}

/** Code taking a branch to `instruction`'s target: a loop back to the block start, or an exit. */
function branch(builder: BlockBuilder, instruction: Instruction): string {
  if (targetOffset(builder, instruction) === 0) return builder.loopBack();
  return builder.exit(target(builder, instruction));
}

function jumpConditional(condition: number): Emitter {
  return {
    accepts: vOk,
    emit: (builder, instruction) => {
      builder.emit(`if (${builder.condition(condition)}) { ${branch(builder, instruction)} }`);
      if (builder.last) {
        builder.emit(builder.exit(builder.eipAt(builder.endOffset)));
        builder.terminated = true;
      }
    },
  };
}
for (let condition = 0; condition < 16; condition++) {
  table[0x70 + condition] = jumpConditional(condition);
  table[0x180 + condition] = jumpConditional(condition);
}
for (const opcode of [0xe9, 0xeb]) {
  table[opcode] = {
    accepts: vOk,
    emit: (builder, instruction) => {
      if (!builder.last) return; // the trace goes on at the target
      builder.emit(branch(builder, instruction));
      builder.terminated = true;
    },
  };
}
table[0xe8] = {
  accepts: vOk,
  emit: (builder, instruction) => {
    builder.storeAt(SS, `(${builder.reg32(ESP)} - 4) | 0`, 4, `${builder.eipAt(builder.endOffset)} | 0`);
    builder.setReg32(ESP, 'o');
    if (!builder.last) return;
    builder.emit(builder.exit(target(builder, instruction)));
    builder.terminated = true;
  },
};
for (const opcode of [0xc2, 0xc3]) {
  table[opcode] = {
    accepts: vOk,
    ends: () => true,
    emit: (builder, instruction) => {
      builder.loadAt(SS, builder.reg32(ESP), 4);
      builder.setReg32(
        ESP,
        `(${builder.reg32(ESP)} + ${4 + (opcode === 0xc2 ? instruction.immediate & 0xffff : 0)}) | 0`,
      );
      builder.emit(builder.exit('(v >>> 0)'));
      builder.terminated = true;
    },
  };
}

/** Whether `instruction` is a direct JMP or CALL (the trace follows it to its target). */
export function isDirectTransfer(instruction: Instruction): boolean {
  const opcode = instruction.opcode;
  return (opcode === 0xe8 || opcode === 0xe9 || opcode === 0xeb) && instruction.operandSize32;
}

/**
 * Instructions a block may run through their interpreter handler when the table has no inline
 * form for them (other operand sizes, string instructions, multiply and divide, bit
 * instructions, x87...): they change only registers, flags (not IF or TF), memory and the FPU,
 * never CS, a segment register, a control register or the interrupt state, and they never
 * branch (a REP instruction may leave EIP at itself, which ends the block).
 */
const CALL_OUT = new Set<number>([
  ...range(0x00, 0x05),
  ...range(0x08, 0x0d),
  ...range(0x10, 0x15),
  ...range(0x18, 0x1d),
  ...range(0x20, 0x25),
  0x27,
  ...range(0x28, 0x2d),
  0x2f,
  ...range(0x30, 0x35),
  0x37,
  ...range(0x38, 0x3d),
  0x3f,
  ...range(0x40, 0x5f),
  0x69,
  0x6b,
  ...range(0x80, 0x8b),
  0x8d,
  0x8f,
  ...range(0x90, 0x99),
  0x9e,
  0x9f,
  ...range(0xa0, 0xaf),
  ...range(0xb0, 0xbf),
  0xc0,
  0xc1,
  0xc6,
  0xc7,
  ...range(0xd0, 0xd3),
  ...range(0xd8, 0xdf),
  0xf5,
  0xf6,
  0xf7,
  0xf8,
  0xf9,
  0xfc,
  0xfd,
  0xfe,
  ...range(0x140, 0x14f),
  ...range(0x190, 0x19f),
  0x1a3,
  0x1a4,
  0x1a5,
  0x1ab,
  0x1ac,
  0x1ad,
  0x1af,
  0x1b0,
  0x1b1,
  0x1b3,
  0x1b6,
  0x1b7,
  0x1ba,
  0x1bb,
  0x1bc,
  0x1bd,
  0x1be,
  0x1bf,
  0x1c0,
  0x1c1,
  ...range(0x1c8, 0x1cf),
]);

function range(first: number, last: number): number[] {
  const values: number[] = [];
  for (let value = first; value <= last; value++) values.push(value);
  return values;
}

const callOutEmitter: Emitter = {
  accepts: () => true,
  emit: (builder, instruction) => builder.callOut(instruction),
};

/** The translation entry of `instruction`, or undefined when it ends the block untranslated. */
export function emitterFor(instruction: Instruction): Emitter | undefined {
  const emitter = table[instruction.opcode];
  // REP/REPNE is ignored by the inline forms except where it means something else (F3 0F ..
  // forms are other instructions); keep REP RET and PAUSE inline.
  const repeatOk = instruction.repeat === 0 || instruction.opcode === 0xc3 || instruction.opcode === 0x90;
  if (emitter !== undefined && repeatOk && emitter.accepts(instruction)) return emitter;
  // String instructions take REP; elsewhere an F2/F3 prefix may select another instruction.
  const isString =
    instruction.opcode >= 0xa4 &&
    instruction.opcode <= 0xaf &&
    instruction.opcode !== 0xa8 &&
    instruction.opcode !== 0xa9;
  if (CALL_OUT.has(instruction.opcode) && (instruction.repeat === 0 || isString)) return callOutEmitter;
  return undefined;
}
