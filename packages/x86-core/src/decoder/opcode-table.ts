/**
 * The opcode table of the i686 integer ISA in Intel SDM operand notation (SDM vol. 2, appendix
 * A). One entry per opcode of the one-byte map and the two-byte (0F) map; groups are indexed by
 * ModRM.reg. The decoder reads the operand codes to know which bytes follow; the handler is the
 * semantic layer, bound here once.
 *
 * Legend of operand codes (addressing method + size):
 *   E  ModRM r/m: register or memory          G  ModRM.reg general register
 *   M  ModRM r/m, memory only                 R  ModRM r/m, register only (mod ignored)
 *   S  ModRM.reg segment register             C  ModRM.reg control register   D  debug register
 *   I  immediate                              J  relative offset (signed, added to EIP)
 *   A  far pointer ptr16:16/32 in the instruction
 *   O  moffs: an address-size offset, no ModRM
 *   X  DS:(E)SI string source                 Y  ES:(E)DI string destination
 *   Z  register in the low three opcode bits (50+r, B8+r, ...)
 *   b byte, w word, d dword, q qword, v word/dword by operand size, z word/dword (immediates:
 *   16 bits with a 16-bit operand size, else 32), p 32/48-bit far pointer, a two v's (BOUND),
 *   s 6-byte pseudo-descriptor; "Ibs" is an Ib sign-extended to the operand size.
 *   AL, eAX, CL, DX, 1, ES, CS, SS, DS, FS, GS: fixed operands (no bytes).
 */

import type { Cpu } from '../cpu/cpu.js';
import { SegmentRegister } from '../cpu/registers.js';
import {
  add,
  addWithCarry,
  and,
  type BinarySemantic,
  decrement,
  increment,
  negate,
  not,
  or,
  subtract,
  subtractWithBorrow,
  xor,
} from '../instructions/alu.js';
import {
  BitOperation,
  bitScanForward,
  bitScanReverse,
  bitTestImmediate,
  bitTestRegister,
} from '../instructions/bit.js';
import * as control from '../instructions/control.js';
import * as data from '../instructions/data.js';
import {
  aluMemory32,
  aluMemoryImmediate32,
  aluRegisterImmediate32,
  aluRegisters32,
  aluRmImmediate,
  aluRmReg,
  binaryAccumulatorImmediate,
  binaryRegisters32,
  binaryRmImmediate,
  binaryRmReg,
  ShiftCount,
  shiftRm,
  unaryRegister,
  unaryRegister32,
  unaryRm,
} from '../instructions/forms.js';
import { floatingPointEscape, floatingPointWait } from '../instructions/fpu-bridge.js';
import * as io from '../instructions/io.js';
import { GROUP2_SEMANTICS, shiftLeftDouble, shiftRightDouble } from '../instructions/shift.js';
import * as stack from '../instructions/stack.js';
import * as string from '../instructions/string.js';
import * as system from '../instructions/system-instructions.js';
import type { Instruction, InstructionHandler } from './instruction.js';
import { readRm, readRmForUpdate, writeRmBack } from './operands.js';

/** One opcode (or one member of a group). */
export interface OpcodeEntry {
  /** Intel mnemonic. */
  readonly mnemonic: string;
  /** Operands in SDM notation (see the legend). */
  readonly operands: readonly string[];
  /** The semantic handler. */
  readonly handler: InstructionHandler;
  /** LOCK is legal (with a memory destination). */
  readonly lock?: boolean;
  /** Explicit operand width code ('b', 'w', 'd', 'v') when the operands do not say it. */
  readonly width?: string;
  /** Segment register an instruction implies (PUSH ES, LDS...), passed in `immediate2`. */
  readonly segment?: number;
  /** Optional fast path bound instead of `handler` when the operand size is 32 bits (any operand form). */
  readonly handler32?: InstructionHandler;
  /** Optional fast path bound instead of `handler` when ModRM.mod = 3 and the operand size is 32 bits. */
  readonly registerHandler32?: InstructionHandler;
  /** Optional fast path bound instead of `handler` for a memory operand at 32-bit operand size. */
  readonly memoryHandler32?: InstructionHandler;
}

/** A group: eight entries selected by ModRM.reg (null: #UD). */
export interface OpcodeGroup {
  readonly mnemonic: string;
  readonly group: readonly (OpcodeEntry | null)[];
}

/** A slot of an opcode map: an entry, a group, a prefix marker or a hole (null: #UD). */
export type OpcodeSlot = OpcodeEntry | OpcodeGroup | 'prefix' | null;

function entry(
  mnemonic: string,
  operands: readonly string[],
  handler: InstructionHandler,
  extra: Partial<OpcodeEntry> = {},
): OpcodeEntry {
  return { mnemonic, operands, handler, ...extra };
}

const invalid: InstructionHandler = data.invalidOpcode;

// ------------------------------------------------------------------ handler families

const ALU: readonly [string, BinarySemantic, boolean][] = [
  ['ADD', add, true],
  ['OR', or, true],
  ['ADC', addWithCarry, true],
  ['SBB', subtractWithBorrow, true],
  ['AND', and, true],
  ['SUB', subtract, true],
  ['XOR', xor, true],
  ['CMP', subtract, false],
];

/** INC/DEC r32 (40+r, 48+r), one compiled handler each for all eight registers. */
const incrementRegister32 = unaryRegister32(increment);
const decrementRegister32 = unaryRegister32(decrement);

const CONDITIONS = ['O', 'NO', 'B', 'AE', 'E', 'NE', 'BE', 'A', 'S', 'NS', 'P', 'NP', 'L', 'GE', 'LE', 'G'];

function group1(immediate: string, width: string): OpcodeGroup {
  return {
    mnemonic: 'Grp1',
    group: ALU.map(([mnemonic, , writes], operation) =>
      entry(mnemonic, [`E${width}`, immediate], aluRmImmediate(operation), {
        lock: writes,
        registerHandler32: aluRegisterImmediate32(operation),
        memoryHandler32: aluMemoryImmediate32(operation),
      }),
    ),
  };
}

const SHIFT_MNEMONICS = ['ROL', 'ROR', 'RCL', 'RCR', 'SHL', 'SHR', 'SAL', 'SAR'];

function group2(operands: readonly string[], countFrom: number): OpcodeGroup {
  return {
    mnemonic: 'Grp2',
    group: SHIFT_MNEMONICS.map((mnemonic, index) =>
      entry(mnemonic, operands, shiftRm(GROUP2_SEMANTICS[index], countFrom)),
    ),
  };
}

function group3(width: string): OpcodeGroup {
  const test = entry('TEST', [`E${width}`, width === 'b' ? 'Ib' : 'Iz'], binaryRmImmediate(and, false));
  return {
    mnemonic: 'Grp3',
    group: [
      test,
      test,
      entry('NOT', [`E${width}`], unaryRm(not), { lock: true }),
      entry('NEG', [`E${width}`], unaryRm(negate), { lock: true }),
      entry('MUL', [`E${width}`], data.multiply),
      entry('IMUL', [`E${width}`], data.multiplySigned),
      entry('DIV', [`E${width}`], data.divide),
      entry('IDIV', [`E${width}`], data.divideSignedHandler),
    ],
  };
}

// ------------------------------------------------------------------ the one-byte map

/** The one-byte opcode map. */
export const ONE_BYTE_MAP: readonly OpcodeSlot[] = (() => {
  const map: OpcodeSlot[] = new Array(256).fill(null);
  ALU.forEach(([mnemonic, semantic, writes], index) => {
    const base = index * 8;
    map[base + 0] = entry(mnemonic, ['Eb', 'Gb'], aluRmReg(index, false), { lock: writes });
    map[base + 1] = entry(mnemonic, ['Ev', 'Gv'], aluRmReg(index, false), {
      lock: writes,
      registerHandler32: aluRegisters32(index, false),
      memoryHandler32: aluMemory32(index, false),
    });
    map[base + 2] = entry(mnemonic, ['Gb', 'Eb'], aluRmReg(index, true));
    map[base + 3] = entry(mnemonic, ['Gv', 'Ev'], aluRmReg(index, true), {
      registerHandler32: aluRegisters32(index, true),
      memoryHandler32: aluMemory32(index, true),
    });
    map[base + 4] = entry(mnemonic, ['AL', 'Ib'], binaryAccumulatorImmediate(semantic, writes));
    map[base + 5] = entry(mnemonic, ['eAX', 'Iz'], binaryAccumulatorImmediate(semantic, writes));
  });
  map[0x06] = entry('PUSH', ['ES'], stack.pushSegment, { segment: SegmentRegister.Es });
  map[0x07] = entry('POP', ['ES'], stack.popSegment, { segment: SegmentRegister.Es });
  map[0x0e] = entry('PUSH', ['CS'], stack.pushSegment, { segment: SegmentRegister.Cs });
  // 0x0F: two-byte escape (handled by the decoder).
  map[0x16] = entry('PUSH', ['SS'], stack.pushSegment, { segment: SegmentRegister.Ss });
  map[0x17] = entry('POP', ['SS'], stack.popSegment, { segment: SegmentRegister.Ss });
  map[0x1e] = entry('PUSH', ['DS'], stack.pushSegment, { segment: SegmentRegister.Ds });
  map[0x1f] = entry('POP', ['DS'], stack.popSegment, { segment: SegmentRegister.Ds });
  map[0x26] = 'prefix'; // ES:
  map[0x27] = entry('DAA', [], data.daa);
  map[0x2e] = 'prefix'; // CS:
  map[0x2f] = entry('DAS', [], data.das);
  map[0x36] = 'prefix'; // SS:
  map[0x37] = entry('AAA', [], data.aaa);
  map[0x3e] = 'prefix'; // DS:
  map[0x3f] = entry('AAS', [], data.aas);
  for (let register = 0; register < 8; register++) {
    map[0x40 + register] = entry('INC', ['Zv'], unaryRegister(increment), {
      handler32: incrementRegister32,
    });
    map[0x48 + register] = entry('DEC', ['Zv'], unaryRegister(decrement), {
      handler32: decrementRegister32,
    });
    map[0x50 + register] = entry('PUSH', ['Zv'], stack.pushRegister, { handler32: stack.pushRegister32 });
    map[0x58 + register] = entry('POP', ['Zv'], stack.popRegister, { handler32: stack.popRegister32 });
  }
  map[0x60] = entry('PUSHA', [], stack.pushAll, { width: 'v' });
  map[0x61] = entry('POPA', [], stack.popAll, { width: 'v' });
  map[0x62] = entry('BOUND', ['Gv', 'Ma'], data.checkBounds);
  map[0x63] = entry('ARPL', ['Ew', 'Gw'], system.adjustRequestedPrivilege);
  map[0x64] = 'prefix'; // FS:
  map[0x65] = 'prefix'; // GS:
  map[0x66] = 'prefix'; // operand size
  map[0x67] = 'prefix'; // address size
  map[0x68] = entry('PUSH', ['Iz'], stack.pushImmediate, { width: 'v' });
  map[0x69] = entry('IMUL', ['Gv', 'Ev', 'Iz'], data.multiplySignedImmediate);
  map[0x6a] = entry('PUSH', ['Ibs'], stack.pushImmediate, { width: 'v' });
  map[0x6b] = entry('IMUL', ['Gv', 'Ev', 'Ibs'], data.multiplySignedImmediate);
  map[0x6c] = entry('INS', ['Yb', 'DX'], string.inputString);
  map[0x6d] = entry('INS', ['Yz', 'DX'], string.inputString);
  map[0x6e] = entry('OUTS', ['DX', 'Xb'], string.outputString);
  map[0x6f] = entry('OUTS', ['DX', 'Xz'], string.outputString);
  CONDITIONS.forEach((condition, index) => {
    map[0x70 + index] = entry(`J${condition}`, ['Jb'], control.jumpConditionalOn(index), { width: 'v' });
  });
  map[0x80] = group1('Ib', 'b');
  map[0x81] = group1('Iz', 'v');
  map[0x82] = group1('Ib', 'b'); // alias of 80 (valid outside 64-bit mode)
  map[0x83] = group1('Ibs', 'v');
  map[0x84] = entry('TEST', ['Eb', 'Gb'], binaryRmReg(and, false));
  map[0x85] = entry('TEST', ['Ev', 'Gv'], binaryRmReg(and, false), {
    registerHandler32: binaryRegisters32(and, false, false),
  });
  map[0x86] = entry('XCHG', ['Eb', 'Gb'], data.exchangeRmReg, { lock: true });
  map[0x87] = entry('XCHG', ['Ev', 'Gv'], data.exchangeRmReg, { lock: true });
  map[0x88] = entry('MOV', ['Eb', 'Gb'], data.moveRmReg);
  map[0x89] = entry('MOV', ['Ev', 'Gv'], data.moveRmReg, {
    registerHandler32: data.moveRegisters32,
    memoryHandler32: data.moveMemoryFromRegister32,
  });
  map[0x8a] = entry('MOV', ['Gb', 'Eb'], data.moveRegRm);
  map[0x8b] = entry('MOV', ['Gv', 'Ev'], data.moveRegRm, {
    registerHandler32: data.moveRegisters32Reverse,
    memoryHandler32: data.moveRegisterFromMemory32,
  });
  map[0x8c] = entry('MOV', ['Ew', 'Sw'], data.moveFromSegment);
  map[0x8d] = entry('LEA', ['Gv', 'M'], data.loadEffectiveAddress, {
    memoryHandler32: data.loadEffectiveAddress32,
  });
  map[0x8e] = entry('MOV', ['Sw', 'Ew'], data.moveToSegment);
  map[0x8f] = {
    mnemonic: 'Grp1A',
    group: [entry('POP', ['Ev'], stack.popRm), null, null, null, null, null, null, null],
  };
  map[0x90] = entry('NOP', [], data.noOperation); // also XCHG eAX,eAX and F3 90 PAUSE
  for (let register = 1; register < 8; register++)
    map[0x90 + register] = entry('XCHG', ['Zv', 'eAX'], data.exchangeAccumulator);
  map[0x98] = entry('CBW', [], data.convertByteToWord, { width: 'v' });
  map[0x99] = entry('CWD', [], data.convertWordToDouble, { width: 'v' });
  map[0x9a] = entry('CALLF', ['Ap'], system.callFarDirect, { width: 'v' });
  map[0x9b] = entry('FWAIT', [], floatingPointWait);
  map[0x9c] = entry('PUSHF', [], stack.pushFlags, { width: 'v' });
  map[0x9d] = entry('POPF', [], stack.popFlags, { width: 'v' });
  map[0x9e] = entry('SAHF', [], data.storeAhIntoFlags);
  map[0x9f] = entry('LAHF', [], data.loadFlagsIntoAh);
  map[0xa0] = entry('MOV', ['AL', 'Ob'], data.moveAccumulatorFromOffset);
  map[0xa1] = entry('MOV', ['eAX', 'Ov'], data.moveAccumulatorFromOffset);
  map[0xa2] = entry('MOV', ['Ob', 'AL'], data.moveOffsetFromAccumulator);
  map[0xa3] = entry('MOV', ['Ov', 'eAX'], data.moveOffsetFromAccumulator);
  map[0xa4] = entry('MOVS', ['Yb', 'Xb'], string.moveString);
  map[0xa5] = entry('MOVS', ['Yv', 'Xv'], string.moveString);
  map[0xa6] = entry('CMPS', ['Xb', 'Yb'], string.compareString);
  map[0xa7] = entry('CMPS', ['Xv', 'Yv'], string.compareString);
  map[0xa8] = entry('TEST', ['AL', 'Ib'], binaryAccumulatorImmediate(and, false));
  map[0xa9] = entry('TEST', ['eAX', 'Iz'], binaryAccumulatorImmediate(and, false));
  map[0xaa] = entry('STOS', ['Yb', 'AL'], string.storeString);
  map[0xab] = entry('STOS', ['Yv', 'eAX'], string.storeString);
  map[0xac] = entry('LODS', ['AL', 'Xb'], string.loadString);
  map[0xad] = entry('LODS', ['eAX', 'Xv'], string.loadString);
  map[0xae] = entry('SCAS', ['AL', 'Yb'], string.scanString);
  map[0xaf] = entry('SCAS', ['eAX', 'Yv'], string.scanString);
  for (let register = 0; register < 8; register++) {
    map[0xb0 + register] = entry('MOV', ['Zb', 'Ib'], data.moveRegisterImmediate);
    map[0xb8 + register] = entry('MOV', ['Zv', 'Iv'], data.moveRegisterImmediate, {
      handler32: data.moveRegisterImmediate32,
    });
  }
  map[0xc0] = group2(['Eb', 'Ib'], ShiftCount.Immediate);
  map[0xc1] = group2(['Ev', 'Ib'], ShiftCount.Immediate);
  map[0xc2] = entry('RET', ['Iw'], control.returnNear, { width: 'v', handler32: control.returnNear32 });
  map[0xc3] = entry('RET', [], control.returnNear, { width: 'v', handler32: control.returnNear32 });
  map[0xc4] = entry('LES', ['Gv', 'Mp'], data.loadFarPointer, { segment: SegmentRegister.Es });
  map[0xc5] = entry('LDS', ['Gv', 'Mp'], data.loadFarPointer, { segment: SegmentRegister.Ds });
  map[0xc6] = {
    mnemonic: 'Grp11',
    group: [entry('MOV', ['Eb', 'Ib'], data.moveRmImmediate), null, null, null, null, null, null, null],
  };
  map[0xc7] = {
    mnemonic: 'Grp11',
    group: [
      entry('MOV', ['Ev', 'Iz'], data.moveRmImmediate, {
        registerHandler32: data.moveRegisterImmediate32,
        memoryHandler32: data.moveMemoryImmediate32,
      }),
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ],
  };
  map[0xc8] = entry('ENTER', ['Iw', 'Ib'], stack.enter, { width: 'v' });
  map[0xc9] = entry('LEAVE', [], stack.leave, { width: 'v' });
  map[0xca] = entry('RETF', ['Iw'], system.returnFar, { width: 'v' });
  map[0xcb] = entry('RETF', [], system.returnFar, { width: 'v' });
  map[0xcc] = entry('INT3', [], control.breakpoint);
  map[0xcd] = entry('INT', ['Ib'], control.softwareInterrupt);
  map[0xce] = entry('INTO', [], control.interruptOnOverflow);
  map[0xcf] = entry('IRET', [], system.interruptReturnHandler, { width: 'v' });
  map[0xd0] = group2(['Eb', '1'], ShiftCount.One);
  map[0xd1] = group2(['Ev', '1'], ShiftCount.One);
  map[0xd2] = group2(['Eb', 'CL'], ShiftCount.Cl);
  map[0xd3] = group2(['Ev', 'CL'], ShiftCount.Cl);
  map[0xd4] = entry('AAM', ['Ib'], data.aam);
  map[0xd5] = entry('AAD', ['Ib'], data.aad);
  map[0xd6] = entry('SALC', [], data.setAlFromCarry); // undocumented, as QEMU implements it
  map[0xd7] = entry('XLAT', [], data.translateByte);
  for (let escapeOpcode = 0xd8; escapeOpcode <= 0xdf; escapeOpcode++)
    map[escapeOpcode] = entry('ESC', ['Ex87'], floatingPointEscape);
  map[0xe0] = entry('LOOPNE', ['Jb'], control.loopWhileNotEqual, { width: 'v' });
  map[0xe1] = entry('LOOPE', ['Jb'], control.loopWhileEqual, { width: 'v' });
  map[0xe2] = entry('LOOP', ['Jb'], control.loop, { width: 'v' });
  map[0xe3] = entry('JCXZ', ['Jb'], control.jumpIfCounterZero, { width: 'v' });
  map[0xe4] = entry('IN', ['AL', 'Ib'], io.inImmediate);
  map[0xe5] = entry('IN', ['eAX', 'Ib'], io.inImmediate);
  map[0xe6] = entry('OUT', ['Ib', 'AL'], io.outImmediate, { width: 'b' });
  map[0xe7] = entry('OUT', ['Ib', 'eAX'], io.outImmediate, { width: 'v' });
  map[0xe8] = entry('CALL', ['Jz'], control.callRelative, { width: 'v', handler32: control.callRelative32 });
  map[0xe9] = entry('JMP', ['Jz'], control.jumpRelative, { width: 'v' });
  map[0xea] = entry('JMPF', ['Ap'], system.jumpFarDirect, { width: 'v' });
  map[0xeb] = entry('JMP', ['Jb'], control.jumpRelative, { width: 'v' });
  map[0xec] = entry('IN', ['AL', 'DX'], io.inDx);
  map[0xed] = entry('IN', ['eAX', 'DX'], io.inDx);
  map[0xee] = entry('OUT', ['DX', 'AL'], io.outDx);
  map[0xef] = entry('OUT', ['DX', 'eAX'], io.outDx);
  map[0xf0] = 'prefix'; // LOCK
  map[0xf1] = entry('INT1', [], control.debugTrap);
  map[0xf2] = 'prefix'; // REPNE
  map[0xf3] = 'prefix'; // REP / REPE
  map[0xf4] = entry('HLT', [], control.halt);
  map[0xf5] = entry('CMC', [], data.complementCarry);
  map[0xf6] = group3('b');
  map[0xf7] = group3('v');
  map[0xf8] = entry('CLC', [], data.clearCarry);
  map[0xf9] = entry('STC', [], data.setCarryFlag);
  map[0xfa] = entry('CLI', [], data.clearInterrupt);
  map[0xfb] = entry('STI', [], data.setInterrupt);
  map[0xfc] = entry('CLD', [], data.clearDirection);
  map[0xfd] = entry('STD', [], data.setDirection);
  map[0xfe] = {
    mnemonic: 'Grp4',
    group: [
      entry('INC', ['Eb'], unaryRm(increment), { lock: true }),
      entry('DEC', ['Eb'], unaryRm(decrement), { lock: true }),
      null,
      null,
      null,
      null,
      null,
      null,
    ],
  };
  map[0xff] = {
    mnemonic: 'Grp5',
    group: [
      entry('INC', ['Ev'], unaryRm(increment), { lock: true }),
      entry('DEC', ['Ev'], unaryRm(decrement), { lock: true }),
      entry('CALL', ['Ev'], control.callIndirect),
      entry('CALLF', ['Mp'], system.callFarIndirect),
      entry('JMP', ['Ev'], control.jumpIndirect),
      entry('JMPF', ['Mp'], system.jumpFarIndirect),
      entry('PUSH', ['Ev'], stack.pushRm),
      null,
    ],
  };
  return map;
})();

// ------------------------------------------------------------------ the two-byte map (0F xx)

function shiftDouble(semantic: typeof shiftLeftDouble, fromCl: boolean): InstructionHandler {
  return (cpu: Cpu, instruction: Instruction) => {
    const size = instruction.operandSize;
    const count = (fromCl ? cpu.registers8[4] : instruction.immediate) & 0x1f;
    if (count === 0) {
      readRm(cpu, instruction, size);
      return;
    }
    const destination = readRmForUpdate(cpu, instruction, size);
    writeRmBack(
      cpu,
      instruction,
      size,
      semantic(cpu, destination, cpu.readGeneral(instruction.reg, size), count, size),
    );
  };
}

/** The two-byte opcode map (after 0F). */
export const TWO_BYTE_MAP: readonly OpcodeSlot[] = (() => {
  const map: OpcodeSlot[] = new Array(256).fill(null);
  map[0x00] = {
    mnemonic: 'Grp6',
    group: [
      entry('SLDT', ['Ew'], system.storeSystemSegment),
      entry('STR', ['Ew'], system.storeSystemSegment),
      entry('LLDT', ['Ew'], system.loadLdtHandler),
      entry('LTR', ['Ew'], system.loadTaskRegisterHandler),
      entry('VERR', ['Ew'], system.verifySegmentHandler),
      entry('VERW', ['Ew'], system.verifySegmentHandler),
      null,
      null,
    ],
  };
  map[0x01] = {
    mnemonic: 'Grp7',
    group: [
      entry('SGDT', ['Ms'], system.storeDescriptorTable),
      entry('SIDT', ['Ms'], system.storeDescriptorTable),
      entry('LGDT', ['Ms'], system.loadDescriptorTable),
      entry('LIDT', ['Ms'], system.loadDescriptorTable),
      entry('SMSW', ['Ew'], system.storeMachineStatusWord),
      null,
      entry('LMSW', ['Ew'], system.loadMachineStatusWord),
      entry('INVLPG', ['Mb'], system.invalidatePageHandler),
    ],
  };
  map[0x02] = entry('LAR', ['Gv', 'Ew'], system.loadAccessRightsHandler);
  map[0x03] = entry('LSL', ['Gv', 'Ew'], system.loadSegmentLimitHandler);
  // 0x04, 0x05 (SYSCALL: AMD), 0x07 (SYSRET): holes on the i686.
  map[0x06] = entry('CLTS', [], system.clearTaskSwitched);
  map[0x08] = entry('INVD', [], system.invalidateCaches);
  map[0x09] = entry('WBINVD', [], system.invalidateCaches);
  map[0x0b] = entry('UD2', [], invalid);
  // 0x10-0x17: SSE (not implemented: #UD).
  for (let hint = 0x18; hint <= 0x1f; hint++) map[hint] = entry('NOP', ['Ev'], data.noOperation); // hint NOPs, 0F 1F /0 NOP Ev
  map[0x20] = entry('MOV', ['Rd', 'Cd'], system.moveFromControlRegister);
  map[0x21] = entry('MOV', ['Rd', 'Dd'], system.moveFromDebugRegister);
  map[0x22] = entry('MOV', ['Cd', 'Rd'], system.moveToControlRegister);
  map[0x23] = entry('MOV', ['Dd', 'Rd'], system.moveToDebugRegister);
  // 0x24-0x27: test registers (386/486 only): #UD. 0x28-0x2f: SSE.
  map[0x30] = entry('WRMSR', [], system.wrmsr);
  map[0x31] = entry('RDTSC', [], system.rdtsc);
  map[0x32] = entry('RDMSR', [], system.rdmsr);
  map[0x33] = entry('RDPMC', [], system.rdpmc);
  map[0x34] = entry('SYSENTER', [], system.sysenter);
  map[0x35] = entry('SYSEXIT', [], system.sysexit);
  CONDITIONS.forEach((condition, index) => {
    map[0x40 + index] = entry(`CMOV${condition}`, ['Gv', 'Ev'], data.conditionalMoveOn(index));
    map[0x80 + index] = entry(`J${condition}`, ['Jz'], control.jumpConditionalOn(index), { width: 'v' });
    map[0x90 + index] = entry(`SET${condition}`, ['Eb'], data.setOnConditionOn(index));
  });
  // 0x50-0x7f: SSE/MMX (not implemented: #UD).
  map[0xa0] = entry('PUSH', ['FS'], stack.pushSegment, { segment: SegmentRegister.Fs, width: 'v' });
  map[0xa1] = entry('POP', ['FS'], stack.popSegment, { segment: SegmentRegister.Fs, width: 'v' });
  map[0xa2] = entry('CPUID', [], system.cpuid);
  map[0xa3] = entry('BT', ['Ev', 'Gv'], bitTestRegister(BitOperation.Test));
  map[0xa4] = entry('SHLD', ['Ev', 'Gv', 'Ib'], shiftDouble(shiftLeftDouble, false));
  map[0xa5] = entry('SHLD', ['Ev', 'Gv', 'CL'], shiftDouble(shiftLeftDouble, true));
  map[0xa8] = entry('PUSH', ['GS'], stack.pushSegment, { segment: SegmentRegister.Gs, width: 'v' });
  map[0xa9] = entry('POP', ['GS'], stack.popSegment, { segment: SegmentRegister.Gs, width: 'v' });
  // 0xaa RSM: no SMM, #UD.
  map[0xab] = entry('BTS', ['Ev', 'Gv'], bitTestRegister(BitOperation.Set), { lock: true });
  map[0xac] = entry('SHRD', ['Ev', 'Gv', 'Ib'], shiftDouble(shiftRightDouble, false));
  map[0xad] = entry('SHRD', ['Ev', 'Gv', 'CL'], shiftDouble(shiftRightDouble, true));
  // 0xae: FXSAVE group (not implemented: #UD).
  map[0xaf] = entry('IMUL', ['Gv', 'Ev'], data.multiplySignedTwoOperands);
  map[0xb0] = entry('CMPXCHG', ['Eb', 'Gb'], data.compareExchange, { lock: true });
  map[0xb1] = entry('CMPXCHG', ['Ev', 'Gv'], data.compareExchange, { lock: true });
  map[0xb2] = entry('LSS', ['Gv', 'Mp'], data.loadFarPointer, { segment: SegmentRegister.Ss });
  map[0xb3] = entry('BTR', ['Ev', 'Gv'], bitTestRegister(BitOperation.Reset), { lock: true });
  map[0xb4] = entry('LFS', ['Gv', 'Mp'], data.loadFarPointer, { segment: SegmentRegister.Fs });
  map[0xb5] = entry('LGS', ['Gv', 'Mp'], data.loadFarPointer, { segment: SegmentRegister.Gs });
  map[0xb6] = entry('MOVZX', ['Gv', 'Eb'], data.moveZeroExtendByte, {
    memoryHandler32: data.moveZeroExtendByteFromMemory32,
  });
  map[0xb7] = entry('MOVZX', ['Gv', 'Ew'], data.moveZeroExtendWord, {
    memoryHandler32: data.moveZeroExtendWordFromMemory32,
  });
  // 0xb8: JMPE / POPCNT: #UD. 0xb9: UD1 (group 10): #UD.
  map[0xba] = {
    mnemonic: 'Grp8',
    group: [
      null,
      null,
      null,
      null,
      entry('BT', ['Ev', 'Ib'], bitTestImmediate(BitOperation.Test)),
      entry('BTS', ['Ev', 'Ib'], bitTestImmediate(BitOperation.Set), { lock: true }),
      entry('BTR', ['Ev', 'Ib'], bitTestImmediate(BitOperation.Reset), { lock: true }),
      entry('BTC', ['Ev', 'Ib'], bitTestImmediate(BitOperation.Complement), { lock: true }),
    ],
  };
  map[0xbb] = entry('BTC', ['Ev', 'Gv'], bitTestRegister(BitOperation.Complement), { lock: true });
  map[0xbc] = entry('BSF', ['Gv', 'Ev'], bitScanForward);
  map[0xbd] = entry('BSR', ['Gv', 'Ev'], bitScanReverse);
  map[0xbe] = entry('MOVSX', ['Gv', 'Eb'], data.moveSignExtendByte, {
    memoryHandler32: data.moveSignExtendByteFromMemory32,
  });
  map[0xbf] = entry('MOVSX', ['Gv', 'Ew'], data.moveSignExtendWord, {
    memoryHandler32: data.moveSignExtendWordFromMemory32,
  });
  map[0xc0] = entry('XADD', ['Eb', 'Gb'], data.exchangeAdd, { lock: true });
  map[0xc1] = entry('XADD', ['Ev', 'Gv'], data.exchangeAdd, { lock: true });
  // 0xc2-0xc6: SSE. 0xc7: group 9, only /1 CMPXCHG8B on the i686.
  map[0xc7] = {
    mnemonic: 'Grp9',
    group: [
      null,
      entry('CMPXCHG8B', ['Mq'], data.compareExchange8Bytes, { lock: true }),
      null,
      null,
      null,
      null,
      null,
      null,
    ],
  };
  for (let register = 0; register < 8; register++)
    map[0xc8 + register] = entry('BSWAP', ['Zd'], data.byteSwap);
  // 0xd0-0xff: MMX/SSE (not implemented: #UD); 0xff UD0.
  return map;
})();
