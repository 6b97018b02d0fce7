/**
 * A tiny i386 byte emitter for ROM stubs: the few 32-bit instructions VMI stubs need, encoded by
 * hand from the Intel SDM (vol. 2) tables, with labels and relative-branch fixups. Not a general
 * assembler: each method is one instruction form, and each has a test against objdump.
 *
 * Encoding notes: ModRM = mod(2) reg(3) rm(3); rm = 100 means a SIB byte follows; mod = 00 with
 * rm = 101 means disp32 with no base, so [ebp] is written as [ebp+0] with a disp8.
 */
import { VmiSpecError } from './errors.js';

/** The eight 32-bit general registers by their encoding number. */
export const Reg = Object.freeze({ eax: 0, ecx: 1, edx: 2, ebx: 3, esp: 4, ebp: 5, esi: 6, edi: 7 } as const);

/** A register encoding number (0–7). */
export type RegisterCode = (typeof Reg)[keyof typeof Reg];

/** A memory operand [base + index × scale + displacement]. */
export interface MemoryOperand {
  readonly base: RegisterCode;
  readonly index?: RegisterCode;
  readonly scale?: 1 | 2 | 4 | 8;
  readonly displacement?: number;
}

/** Condition codes of Jcc (the low nibble of 0x70+cc). */
export const Condition = Object.freeze({
  below: 0x2,
  aboveOrEqual: 0x3,
  equal: 0x4,
  notEqual: 0x5,
  above: 0x7,
} as const);

/** A Jcc condition code. */
export type ConditionCode = (typeof Condition)[keyof typeof Condition];

interface Fixup {
  readonly label: string;
  /** Offset of the displacement field in the output. */
  readonly at: number;
  readonly size: 1 | 4;
  /** Offset the displacement is relative to (the end of the instruction). */
  readonly from: number;
}

/** Accumulates instruction bytes; `bytes()` resolves labels and returns the code. */
export class X86Assembler {
  private readonly output: number[] = [];
  private readonly labels = new Map<string, number>();
  private readonly fixups: Fixup[] = [];

  /** Current offset from the start of this assembler's output. */
  get offset(): number {
    return this.output.length;
  }

  /** Appends raw bytes (data, or prefixes). */
  raw(...bytes: number[]): this {
    for (const byte of bytes) {
      if (!Number.isInteger(byte) || byte < 0 || byte > 0xff) {
        throw new VmiSpecError('invalid-value', `byte ${byte} is not 0–255`);
      }
      this.output.push(byte);
    }
    return this;
  }

  /** Appends a little-endian 32-bit value. */
  u32(value: number): this {
    const v = value >>> 0;
    return this.raw(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  }

  /** Binds `name` to the current offset. */
  label(name: string): this {
    if (this.labels.has(name)) throw new VmiSpecError('invalid-value', `label ${name} bound twice`);
    this.labels.set(name, this.output.length);
    return this;
  }

  /** The offset of a bound label. */
  labelOffset(name: string): number {
    const offset = this.labels.get(name);
    if (offset === undefined) throw new VmiSpecError('invalid-value', `label ${name} is not bound`);
    return offset;
  }

  /** The code with every branch displacement filled in. */
  bytes(): Uint8Array {
    const code = Uint8Array.from(this.output);
    const view = new DataView(code.buffer);
    for (const fixup of this.fixups) {
      const target = this.labelOffset(fixup.label);
      const displacement = target - fixup.from;
      if (fixup.size === 1) {
        if (displacement < -128 || displacement > 127) {
          throw new VmiSpecError(
            'invalid-value',
            `branch to ${fixup.label} (${displacement}) does not fit rel8`,
          );
        }
        view.setInt8(fixup.at, displacement);
      } else view.setInt32(fixup.at, displacement, true);
    }
    return code;
  }

  private modrm(mod: number, reg: number, rm: number): this {
    return this.raw((mod << 6) | (reg << 3) | rm);
  }

  /** Emits ModRM (+SIB, +displacement) for a memory operand with `reg` in the reg field. */
  private memory(reg: number, operand: MemoryOperand): this {
    const displacement = operand.displacement ?? 0;
    const needsSib = operand.index !== undefined || operand.base === Reg.esp;
    const mod =
      displacement === 0 && operand.base !== Reg.ebp
        ? 0
        : displacement >= -128 && displacement <= 127
          ? 1
          : 2;
    if (needsSib) {
      if (operand.index === Reg.esp)
        throw new VmiSpecError('invalid-value', 'esp cannot be an index register');
      const scaleBits = { 1: 0, 2: 1, 4: 2, 8: 3 }[operand.scale ?? 1];
      const index = operand.index ?? Reg.esp; // 100 = no index
      this.modrm(mod, reg, 0b100).raw((scaleBits << 6) | (index << 3) | operand.base);
    } else this.modrm(mod, reg, operand.base);
    if (mod === 1) this.raw(displacement & 0xff);
    if (mod === 2) this.u32(displacement);
    return this;
  }

  // --- one-byte instructions ---
  /** RET (C3). */
  ret(): this {
    return this.raw(0xc3);
  }
  /** RETF (CB): far return, used by the 16-bit BIOS init entry. */
  retFar(): this {
    return this.raw(0xcb);
  }
  /** NOP (90). */
  nop(): this {
    return this.raw(0x90);
  }
  /** STI (FB). */
  sti(): this {
    return this.raw(0xfb);
  }
  /** CLI (FA). */
  cli(): this {
    return this.raw(0xfa);
  }
  /** HLT (F4). */
  hlt(): this {
    return this.raw(0xf4);
  }
  /** IRET (CF), 32-bit operand size. */
  iret(): this {
    return this.raw(0xcf);
  }
  /** PUSHFD (9C). */
  pushfd(): this {
    return this.raw(0x9c);
  }
  /** POPFD (9D). */
  popfd(): this {
    return this.raw(0x9d);
  }
  /** PUSH r32 (50+r). */
  push(register: RegisterCode): this {
    return this.raw(0x50 + register);
  }
  /** POP r32 (58+r). */
  pop(register: RegisterCode): this {
    return this.raw(0x58 + register);
  }

  // --- 0F-prefixed system instructions without operands ---
  /** CPUID (0F A2). */
  cpuid(): this {
    return this.raw(0x0f, 0xa2);
  }
  /** WRMSR (0F 30). */
  wrmsr(): this {
    return this.raw(0x0f, 0x30);
  }
  /** RDTSC (0F 31). */
  rdtsc(): this {
    return this.raw(0x0f, 0x31);
  }
  /** RDMSR (0F 32). */
  rdmsr(): this {
    return this.raw(0x0f, 0x32);
  }
  /** RDPMC (0F 33). */
  rdpmc(): this {
    return this.raw(0x0f, 0x33);
  }
  /** SYSEXIT (0F 35). */
  sysexit(): this {
    return this.raw(0x0f, 0x35);
  }
  /** CLTS (0F 06). */
  clts(): this {
    return this.raw(0x0f, 0x06);
  }
  /** WBINVD (0F 09). */
  wbinvd(): this {
    return this.raw(0x0f, 0x09);
  }

  // --- descriptor tables ---
  /** SGDT m (0F 01 /0). */
  sgdt(operand: MemoryOperand): this {
    return this.raw(0x0f, 0x01).memory(0, operand);
  }
  /** SIDT m (0F 01 /1). */
  sidt(operand: MemoryOperand): this {
    return this.raw(0x0f, 0x01).memory(1, operand);
  }
  /** LGDT m (0F 01 /2). */
  lgdt(operand: MemoryOperand): this {
    return this.raw(0x0f, 0x01).memory(2, operand);
  }
  /** LIDT m (0F 01 /3). */
  lidt(operand: MemoryOperand): this {
    return this.raw(0x0f, 0x01).memory(3, operand);
  }
  /** INVLPG m (0F 01 /7). */
  invlpg(operand: MemoryOperand): this {
    return this.raw(0x0f, 0x01).memory(7, operand);
  }
  /** SLDT r16 (0F 00 /0, register form). */
  sldt(register: RegisterCode): this {
    return this.raw(0x0f, 0x00).modrm(3, 0, register);
  }
  /** STR r16 (0F 00 /1, register form). */
  str(register: RegisterCode): this {
    return this.raw(0x0f, 0x00).modrm(3, 1, register);
  }
  /** LLDT r16 (0F 00 /2, register form). */
  lldt(register: RegisterCode): this {
    return this.raw(0x0f, 0x00).modrm(3, 2, register);
  }
  /** LTR r16 (0F 00 /3, register form). */
  ltr(register: RegisterCode): this {
    return this.raw(0x0f, 0x00).modrm(3, 3, register);
  }

  // --- control and debug registers ---
  /** MOV r32, CRn (0F 20 /r). */
  movFromCr(register: RegisterCode, controlRegister: 0 | 2 | 3 | 4): this {
    return this.raw(0x0f, 0x20).modrm(3, controlRegister, register);
  }
  /** MOV CRn, r32 (0F 22 /r). */
  movToCr(controlRegister: 0 | 2 | 3 | 4, register: RegisterCode): this {
    return this.raw(0x0f, 0x22).modrm(3, controlRegister, register);
  }
  /** MOV r32, DRn (0F 21 /r). */
  movFromDr(register: RegisterCode, debugRegister: number): this {
    return this.raw(0x0f, 0x21).modrm(3, debugRegister & 7, register);
  }
  /** MOV DRn, r32 (0F 23 /r). */
  movToDr(debugRegister: number, register: RegisterCode): this {
    return this.raw(0x0f, 0x23).modrm(3, debugRegister & 7, register);
  }

  // --- data movement and arithmetic ---
  /** MOV m32, r32 (89 /r). */
  movStore(operand: MemoryOperand, register: RegisterCode): this {
    return this.raw(0x89).memory(register, operand);
  }
  /** MOV r32, m32 (8B /r). */
  movLoad(register: RegisterCode, operand: MemoryOperand): this {
    return this.raw(0x8b).memory(register, operand);
  }
  /** MOV r32, r32 (89 /r, register form: destination in rm). */
  movRegister(destination: RegisterCode, source: RegisterCode): this {
    return this.raw(0x89).modrm(3, source, destination);
  }
  /** MOV r8, imm8 (B0+r); registers 0–3 are AL, CL, DL, BL. */
  movByteImmediate(register: 0 | 1 | 2 | 3, value: number): this {
    return this.raw(0xb0 + register, value & 0xff);
  }
  /** MOVZX r32, m8 (0F B6 /r). */
  movzxByte(register: RegisterCode, operand: MemoryOperand): this {
    return this.raw(0x0f, 0xb6).memory(register, operand);
  }
  /** LEA r32, m (8D /r). */
  lea(register: RegisterCode, operand: MemoryOperand): this {
    return this.raw(0x8d).memory(register, operand);
  }
  /** XOR r32, r32 (31 /r). */
  xorRegister(destination: RegisterCode, source: RegisterCode): this {
    return this.raw(0x31).modrm(3, source, destination);
  }
  /** ADD r32, r32 (01 /r). */
  addRegister(destination: RegisterCode, source: RegisterCode): this {
    return this.raw(0x01).modrm(3, source, destination);
  }
  /** SUB r32, imm32 (81 /5 id). */
  subImmediate(register: RegisterCode, value: number): this {
    return this.raw(0x81).modrm(3, 5, register).u32(value);
  }
  /** AND r32, imm32 (81 /4 id). */
  andImmediate(register: RegisterCode, value: number): this {
    return this.raw(0x81).modrm(3, 4, register).u32(value);
  }
  /** AND m32, imm32 (81 /4 id). */
  andMemoryImmediate(operand: MemoryOperand, value: number): this {
    return this.raw(0x81).memory(4, operand).u32(value);
  }
  /** OR m32, r32 (09 /r). */
  orStore(operand: MemoryOperand, register: RegisterCode): this {
    return this.raw(0x09).memory(register, operand);
  }
  /** CMP r32, imm8 sign-extended (83 /7 ib). */
  cmpImmediate8(register: RegisterCode, value: number): this {
    return this.raw(0x83)
      .modrm(3, 7, register)
      .raw(value & 0xff);
  }
  /** CMP EAX, imm32 (3D id). */
  cmpEaxImmediate(value: number): this {
    return this.raw(0x3d).u32(value);
  }
  /** TEST AL, imm8 (A8 ib). */
  testAlImmediate(value: number): this {
    return this.raw(0xa8, value & 0xff);
  }
  /** TEST r8, imm8 (F6 /0 ib); register codes 0–7 are AL, CL, DL, BL, AH, CH, DH, BH. */
  testByteRegisterImmediate(byteRegister: number, value: number): this {
    return this.raw(0xf6)
      .modrm(3, 0, byteRegister & 7)
      .raw(value & 0xff);
  }

  // --- I/O ---
  /** IN AL/AX/EAX, DX (EC / 66 ED / ED). */
  inFromDx(width: 1 | 2 | 4): this {
    return width === 1 ? this.raw(0xec) : width === 2 ? this.raw(0x66, 0xed) : this.raw(0xed);
  }
  /** OUT DX, AL/AX/EAX (EE / 66 EF / EF). */
  outToDx(width: 1 | 2 | 4): this {
    return width === 1 ? this.raw(0xee) : width === 2 ? this.raw(0x66, 0xef) : this.raw(0xef);
  }
  /** OUT imm8, AL (E6 ib). */
  outImmediateAl(port: number): this {
    return this.raw(0xe6, port & 0xff);
  }
  /** REP INSB/INSW/INSD (F3 6C / 66 F3 6D / F3 6D). */
  repIns(width: 1 | 2 | 4): this {
    return width === 1
      ? this.raw(0xf3, 0x6c)
      : width === 2
        ? this.raw(0x66, 0xf3, 0x6d)
        : this.raw(0xf3, 0x6d);
  }
  /** REP OUTSB/OUTSW/OUTSD (F3 6E / 66 F3 6F / F3 6F). */
  repOuts(width: 1 | 2 | 4): this {
    return width === 1
      ? this.raw(0xf3, 0x6e)
      : width === 2
        ? this.raw(0x66, 0xf3, 0x6f)
        : this.raw(0xf3, 0x6f);
  }

  // --- control transfer ---
  /** Jcc rel8 (70+cc cb) to a label. */
  jumpIf(condition: ConditionCode, label: string): this {
    this.raw(0x70 + condition, 0);
    this.fixups.push({ label, at: this.offset - 1, size: 1, from: this.offset });
    return this;
  }
  /** JMP rel8 (EB cb) to a label. */
  jumpShort(label: string): this {
    this.raw(0xeb, 0);
    this.fixups.push({ label, at: this.offset - 1, size: 1, from: this.offset });
    return this;
  }
  /** JMP rel32 (E9 cd) to a label. */
  jumpNear(label: string): this {
    this.raw(0xe9).u32(0);
    this.fixups.push({ label, at: this.offset - 4, size: 4, from: this.offset });
    return this;
  }
  /** CALL rel32 (E8 cd) to a label. */
  callNear(label: string): this {
    this.raw(0xe8).u32(0);
    this.fixups.push({ label, at: this.offset - 4, size: 4, from: this.offset });
    return this;
  }
}
