/**
 * Handlers built from a semantic function and an operand form. The opcode table binds each
 * entry to one of these; the handler loads operands (operands.ts), calls the semantic function
 * with values and a width, and stores the result.
 */

import type { Cpu } from '../cpu/cpu.js';
import type { Instruction, InstructionHandler } from '../decoder/instruction.js';
import { effectiveAddress, readRm, readRmForUpdate, writeRmBack } from '../decoder/operands.js';
import { aluOperation, type BinarySemantic } from './alu.js';
import type { ShiftSemantic } from './shift.js';
import { compileHandler } from './specialize.js';

/** `E op= G` (e.g. 00 ADD Eb,Gb / 01 ADD Ev,Gv); `writes` false for CMP/TEST. */
export function binaryRmReg(semantic: BinarySemantic, writes: boolean): InstructionHandler {
  if (!writes) {
    return (cpu: Cpu, instruction: Instruction) => {
      const size = instruction.operandSize;
      semantic(cpu, readRm(cpu, instruction, size), cpu.readGeneral(instruction.reg, size), size);
    };
  }
  return (cpu: Cpu, instruction: Instruction) => {
    const size = instruction.operandSize;
    if (instruction.mod === 3) {
      const rm = instruction.rm;
      cpu.writeGeneral(
        rm,
        size,
        semantic(cpu, cpu.readGeneral(rm, size), cpu.readGeneral(instruction.reg, size), size),
      );
      return;
    }
    const destination = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), size);
    cpu.writeUpdated(size, semantic(cpu, destination, cpu.readGeneral(instruction.reg, size), size));
  };
}

/**
 * Register-register fast path of `E op= G` / `G op= E` at 32-bit operand size: the decoder binds
 * it when ModRM.mod = 3 and the operand size is 4 (no size or mod tests at run time).
 * `toReg`: the destination is ModRM.reg (G,E forms), else ModRM.rm.
 */
export function binaryRegisters32(
  semantic: BinarySemantic,
  writes: boolean,
  toReg: boolean,
): InstructionHandler {
  if (!writes) {
    return (cpu: Cpu, instruction: Instruction) => {
      const registers = cpu.registers32;
      if (toReg) semantic(cpu, registers[instruction.reg], registers[instruction.rm], 4);
      else semantic(cpu, registers[instruction.rm], registers[instruction.reg], 4);
    };
  }
  if (toReg) {
    return (cpu: Cpu, instruction: Instruction) => {
      const registers = cpu.registers32;
      const reg = instruction.reg;
      registers[reg] = semantic(cpu, registers[reg], registers[instruction.rm], 4);
    };
  }
  return (cpu: Cpu, instruction: Instruction) => {
    const registers = cpu.registers32;
    const rm = instruction.rm;
    registers[rm] = semantic(cpu, registers[rm], registers[instruction.reg], 4);
  };
}

/** `G op= E` (e.g. 02 ADD Gb,Eb / 03 ADD Gv,Ev). */
export function binaryRegRm(semantic: BinarySemantic, writes: boolean): InstructionHandler {
  return compileHandler(
    `function binaryRegRm(cpu, instruction) {
      const size = instruction.operandSize;
      const reg = instruction.reg;
      const result = semantic(cpu, cpu.readGeneral(reg, size), readRm(cpu, instruction, size), size);
      ${writes ? 'cpu.writeGeneral(reg, size, result);' : ''}
    }`,
    { semantic, readRm },
  );
}

/** `AL/eAX op= imm` (e.g. 04 ADD AL,Ib / 05 ADD eAX,Iz). */
export function binaryAccumulatorImmediate(semantic: BinarySemantic, writes: boolean): InstructionHandler {
  return compileHandler(
    `function binaryAccumulatorImmediate(cpu, instruction) {
      const size = instruction.operandSize;
      const result = semantic(cpu, cpu.readGeneral(0, size), instruction.immediate, size);
      ${writes ? 'cpu.writeGeneral(0, size, result);' : ''}
    }`,
    { semantic },
  );
}

/** `E op= imm` (group 1: 80/81/82/83; the immediate is already extended by the decoder). */
export function binaryRmImmediate(semantic: BinarySemantic, writes: boolean): InstructionHandler {
  if (!writes) {
    return compileHandler(
      `function binaryRmImmediate(cpu, instruction) {
        const size = instruction.operandSize;
        semantic(cpu, readRm(cpu, instruction, size), instruction.immediate, size);
      }`,
      { semantic, readRm },
    );
  }
  return compileHandler(
    `function binaryRmImmediate(cpu, instruction) {
      const size = instruction.operandSize;
      if (instruction.mod === 3) {
        const rm = instruction.rm;
        cpu.writeGeneral(rm, size, semantic(cpu, cpu.readGeneral(rm, size), instruction.immediate, size));
        return;
      }
      const destination = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), size);
      cpu.writeUpdated(size, semantic(cpu, destination, instruction.immediate, size));
    }`,
    { semantic, effectiveAddress },
  );
}

/** A one-operand semantic (INC, DEC, NEG, NOT). */
export type UnarySemantic = (cpu: Cpu, value: number, size: number) => number;

/** `E = op(E)` (FE/FF /0 /1, F6/F7 /2 /3). */
export function unaryRm(semantic: UnarySemantic): InstructionHandler {
  return compileHandler(
    `function unaryRm(cpu, instruction) {
      const size = instruction.operandSize;
      writeRmBack(cpu, instruction, size, semantic(cpu, readRmForUpdate(cpu, instruction, size), size));
    }`,
    { semantic, readRmForUpdate, writeRmBack },
  );
}

/** 40+r INC / 48+r DEC at 32-bit operand size (bound by the decoder). */
export function unaryRegister32(semantic: UnarySemantic): InstructionHandler {
  return compileHandler(
    `function unaryRegister32(cpu, instruction) {
      const registers = cpu.registers32;
      registers[instruction.rm] = semantic(cpu, registers[instruction.rm], 4);
    }`,
    { semantic },
  );
}

/** `Zv = op(Zv)`: the register in the low opcode bits (40+r INC, 48+r DEC). */
export function unaryRegister(semantic: UnarySemantic): InstructionHandler {
  return compileHandler(
    `function unaryRegister(cpu, instruction) {
      const size = instruction.operandSize;
      cpu.writeGeneral(instruction.rm, size, semantic(cpu, cpu.readGeneral(instruction.rm, size), size));
    }`,
    { semantic },
  );
}

/** How a group-2 instruction gets its count. */
export const ShiftCount = { One: 0, Cl: 1, Immediate: 2 } as const;

/** Group 2 (C0/C1 imm8, D0/D1 by 1, D2/D3 by CL); compiled per semantic and count source. */
export function shiftRm(semantic: ShiftSemantic, countFrom: number): InstructionHandler {
  const count =
    countFrom === ShiftCount.One
      ? '1'
      : countFrom === ShiftCount.Cl
        ? 'cpu.registers8[4]'
        : 'instruction.immediate';
  return compileHandler(
    `function shiftRm(cpu, instruction) {
      const size = instruction.operandSize;
      const count = ${count};
      if ((count & 0x1f) === 0) {
        readRm(cpu, instruction, size); // the operand is still read (and may fault)
        return;
      }
      writeRmBack(cpu, instruction, size, semantic(cpu, readRmForUpdate(cpu, instruction, size), count, size));
    }`,
    { semantic, readRm, readRmForUpdate, writeRmBack },
  );
}

const ALU_BINDINGS = { aluOperation, readRm, effectiveAddress };

/** 32-bit register-register ALU form by operation number (see {@link binaryRegisters32}). */
export function aluRegisters32(operation: number, toReg: boolean): InstructionHandler {
  const destination = toReg ? 'reg' : 'rm';
  const source = toReg ? 'rm' : 'reg';
  const call = `aluOperation(cpu, ${operation | 0}, registers[instruction.${destination}], registers[instruction.${source}], 4)`;
  return compileHandler(
    `function aluRegisters32(cpu, instruction) {
      const registers = cpu.registers32;
      ${operation !== 7 ? `registers[instruction.${destination}] = ${call};` : `${call};`}
    }`,
    ALU_BINDINGS,
  );
}

/** `E op= imm` by operation number (group 1). */
export function aluRmImmediate(operation: number): InstructionHandler {
  const op = operation | 0;
  const writes = op !== 7;
  return compileHandler(
    `function aluRmImmediate(cpu, instruction) {
      const size = instruction.operandSize;
      if (instruction.mod === 3) {
        const rm = instruction.rm;
        const result = aluOperation(cpu, ${op}, cpu.readGeneral(rm, size), instruction.immediate, size);
        ${writes ? 'cpu.writeGeneral(rm, size, result);' : ''}
        return;
      }
      ${
        writes
          ? `const destination = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), size);
      cpu.writeUpdated(size, aluOperation(cpu, ${op}, destination, instruction.immediate, size));`
          : `aluOperation(cpu, ${op}, readRm(cpu, instruction, size), instruction.immediate, size);`
      }
    }`,
    ALU_BINDINGS,
  );
}

/** `E op= G` / `G op= E` by operation number. */
export function aluRmReg(operation: number, toReg: boolean): InstructionHandler {
  const op = operation | 0;
  const writes = op !== 7;
  if (toReg) {
    return compileHandler(
      `function aluRegRm(cpu, instruction) {
        const size = instruction.operandSize;
        const reg = instruction.reg;
        const result = aluOperation(cpu, ${op}, cpu.readGeneral(reg, size), readRm(cpu, instruction, size), size);
        ${writes ? 'cpu.writeGeneral(reg, size, result);' : ''}
      }`,
      ALU_BINDINGS,
    );
  }
  return compileHandler(
    `function aluRmReg(cpu, instruction) {
      const size = instruction.operandSize;
      const reg = instruction.reg;
      if (instruction.mod === 3) {
        const rm = instruction.rm;
        const result = aluOperation(cpu, ${op}, cpu.readGeneral(rm, size), cpu.readGeneral(reg, size), size);
        ${writes ? 'cpu.writeGeneral(rm, size, result);' : ''}
        return;
      }
      ${
        writes
          ? `const destination = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), size);
      cpu.writeUpdated(size, aluOperation(cpu, ${op}, destination, cpu.readGeneral(reg, size), size));`
          : `aluOperation(cpu, ${op}, readRm(cpu, instruction, size), cpu.readGeneral(reg, size), size);`
      }
    }`,
    ALU_BINDINGS,
  );
}

/** Group 1 `Ev op= imm` with a register operand at 32 bits (bound by the decoder). */
export function aluRegisterImmediate32(operation: number): InstructionHandler {
  const op = operation | 0;
  const call = `aluOperation(cpu, ${op}, registers[instruction.rm], instruction.immediate, 4)`;
  return compileHandler(
    `function aluRegisterImmediate32(cpu, instruction) {
      const registers = cpu.registers32;
      ${op !== 7 ? `registers[instruction.rm] = ${call};` : `${call};`}
    }`,
    ALU_BINDINGS,
  );
}

/** Group 1 `Ev op= imm` with a memory operand at 32 bits (bound by the decoder). */
export function aluMemoryImmediate32(operation: number): InstructionHandler {
  const op = operation | 0;
  return compileHandler(
    `function aluMemoryImmediate32(cpu, instruction) {
      ${
        op !== 7
          ? `const destination = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), 4);
      cpu.writeUpdated(4, aluOperation(cpu, ${op}, destination, instruction.immediate, 4));`
          : `aluOperation(cpu, ${op}, cpu.readSized(instruction.segment, effectiveAddress(cpu, instruction), 4), instruction.immediate, 4);`
      }
    }`,
    ALU_BINDINGS,
  );
}

/**
 * `Ev op= Gv` (`toReg` false) / `Gv op= Ev` (`toReg` true) with a memory operand at 32 bits
 * (bound by the decoder).
 */
export function aluMemory32(operation: number, toReg: boolean): InstructionHandler {
  const op = operation | 0;
  const writes = op !== 7;
  if (toReg) {
    const call = `aluOperation(cpu, ${op}, registers[instruction.reg], cpu.readSized(instruction.segment, effectiveAddress(cpu, instruction), 4), 4)`;
    return compileHandler(
      `function aluRegisterMemory32(cpu, instruction) {
        const registers = cpu.registers32;
        ${writes ? `registers[instruction.reg] = ${call};` : `${call};`}
      }`,
      ALU_BINDINGS,
    );
  }
  return compileHandler(
    `function aluMemoryRegister32(cpu, instruction) {
      ${
        writes
          ? `const destination = cpu.readForUpdate(instruction.segment, effectiveAddress(cpu, instruction), 4);
      cpu.writeUpdated(4, aluOperation(cpu, ${op}, destination, cpu.registers32[instruction.reg], 4));`
          : `aluOperation(cpu, ${op}, cpu.readSized(instruction.segment, effectiveAddress(cpu, instruction), 4), cpu.registers32[instruction.reg], 4);`
      }
    }`,
    ALU_BINDINGS,
  );
}
