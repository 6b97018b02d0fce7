import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fpu, type FpuHost, FpuOutcome } from './fpu-instructions.js';
import { FpuState, StatusWord } from './fpu-state.js';

const CR0_PROTECTED_NE = 0x33;

/** A 4 KiB flat test memory behind the FpuHost interface (addresses wrap, so fuzzing stays in bounds). */
function createHost(cr0 = CR0_PROTECTED_NE) {
  const memory = new Uint8Array(4096);
  const view = new DataView(memory.buffer);
  const wrap = (address: number, size: number): number => (address >>> 0) % (memory.length - size + 1);
  const record = { eflags: 0x202, ax: 0, cr0, ferr: 0 };
  const host: FpuHost = {
    read8: (address) => memory[wrap(address, 1)]!,
    read16: (address) => view.getUint16(wrap(address, 2), true),
    read32: (address) => view.getUint32(wrap(address, 4), true),
    write8: (address, value) => {
      memory[wrap(address, 1)] = value;
    },
    write16: (address, value) => view.setUint16(wrap(address, 2), value & 0xffff, true),
    write32: (address, value) => view.setUint32(wrap(address, 4), value >>> 0, true),
    readEflags: () => record.eflags,
    writeComparisonFlags: (zero, parity, carry, setResult) => {
      record.eflags &= ~0x890; // OF, SF, AF
      if (setResult)
        record.eflags = (record.eflags & ~0x45) | (zero ? 0x40 : 0) | (parity ? 4 : 0) | (carry ? 1 : 0);
    },
    writeAx: (value) => {
      record.ax = value;
    },
    readCr0: () => record.cr0,
    isRealOrVirtual8086: () => (record.cr0 & 1) === 0,
    signalFerr: () => {
      record.ferr++;
    },
  };
  return { host, memory, view, record };
}

/** Runs one escape: `bytes` is [opcode, modrm]; memory forms take `address`. */
function run(fpu: Fpu, host: FpuHost, opcode: number, modrm: number, address = 0x100): number {
  return fpu.execute(host, {
    opcode,
    modrm,
    address,
    operandSize32: true,
    instructionPointer: 0x1234,
    codeSelector: 0x23,
    dataOffset: address,
    dataSelector: 0x2b,
  });
}

const st0 = (fpu: Fpu): string =>
  `${fpu.state.st(0).signExponent.toString(16)}:${fpu.state.st(0).significand.toString(16)}`;

describe('x87 instructions', () => {
  it('FLD1; FLDPI; FADDP ST(1),ST gives π + 1 and pops', () => {
    // fld1 (D9 E8); fldpi (D9 EB); faddp st(1), st (DE C1)
    const fpu = new Fpu();
    const { host } = createHost();
    run(fpu, host, 0xd9, 0xe8);
    run(fpu, host, 0xd9, 0xeb);
    run(fpu, host, 0xde, 0xc1);
    expect(st0(fpu)).toBe('4001:8487ed5110b4611a');
    expect(fpu.state.top).toBe(7);
    expect(fpu.state.statusWord() & 0x3f).toBe(StatusWord.Precision);
  });

  it('flags stack overflow on the ninth push and loads the default NaN (masked)', () => {
    const fpu = new Fpu();
    const { host } = createHost();
    for (let index = 0; index < 9; index++) run(fpu, host, 0xd9, 0xe8); // fld1
    const status = fpu.state.statusWord();
    expect(status & (StatusWord.Invalid | StatusWord.StackFault | StatusWord.C1)).toBe(
      StatusWord.Invalid | StatusWord.StackFault | StatusWord.C1,
    );
    expect(st0(fpu)).toBe('ffff:c000000000000000');
  });

  it('flags stack underflow with C1 clear when an operand is empty', () => {
    const fpu = new Fpu();
    const { host } = createHost();
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd8, 0xc1); // fadd st, st(1): ST(1) empty
    expect(fpu.state.statusWord() & (StatusWord.Invalid | StatusWord.StackFault | StatusWord.C1)).toBe(
      StatusWord.Invalid | StatusWord.StackFault,
    );
    expect(st0(fpu)).toBe('ffff:c000000000000000');
  });

  it('leaves the destination alone on an unmasked IE and delivers #MF on the next waiting instruction', () => {
    const fpu = new Fpu();
    const { host, view, record } = createHost();
    view.setUint16(0x100, 0x037e, true); // IM clear
    run(fpu, host, 0xd9, 5 << 3, 0x100); // fldcw [0x100]
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd9, 0xe0); // fchs → -1
    run(fpu, host, 0xd9, 0xfa); // fsqrt(-1): invalid, unmasked
    expect(st0(fpu)).toBe('bfff:8000000000000000');
    expect(fpu.state.statusWord() & (StatusWord.ErrorSummary | StatusWord.Busy | StatusWord.Invalid)).toBe(
      StatusWord.ErrorSummary | StatusWord.Busy | StatusWord.Invalid,
    );
    expect(run(fpu, host, 0xd9, 0xe8)).toBe(FpuOutcome.FloatingPointError); // waiting: #MF
    expect(fpu.executeWait(host)).toBe(FpuOutcome.FloatingPointError);
    expect(run(fpu, host, 0xdf, 0xe0)).toBe(FpuOutcome.Done); // fnstsw ax does not wait
    expect(record.ax & StatusWord.ErrorSummary).toBe(StatusWord.ErrorSummary);
    record.cr0 = 0x13; // CR0.NE = 0: FERR# instead of #MF
    expect(fpu.executeWait(host)).toBe(FpuOutcome.Done);
    expect(record.ferr).toBe(1);
    run(fpu, host, 0xdb, 0xe2); // fnclex
    expect(fpu.state.statusWord() & 0x80ff).toBe(0);
  });

  it('raises #NM for escapes when CR0.EM or CR0.TS, and for FWAIT only when TS and MP', () => {
    const fpu = new Fpu();
    const { host, record } = createHost();
    record.cr0 = CR0_PROTECTED_NE | 8; // TS (MP already set in 0x33)
    expect(run(fpu, host, 0xd9, 0xe8)).toBe(FpuOutcome.DeviceNotAvailable);
    expect(fpu.executeWait(host)).toBe(FpuOutcome.DeviceNotAvailable);
    record.cr0 = 0x31 | 8; // TS without MP
    expect(fpu.executeWait(host)).toBe(FpuOutcome.Done);
    record.cr0 = CR0_PROTECTED_NE | 4; // EM
    expect(run(fpu, host, 0xd9, 0xe8)).toBe(FpuOutcome.DeviceNotAvailable);
  });

  it('rejects FISTTP (SSE3) and undefined D9 encodings with #UD', () => {
    const fpu = new Fpu();
    const { host } = createHost();
    expect(run(fpu, host, 0xdb, 1 << 3)).toBe(FpuOutcome.InvalidOpcode);
    expect(run(fpu, host, 0xd9, 0xd1)).toBe(FpuOutcome.InvalidOpcode);
    expect(run(fpu, host, 0xde, 0xd8)).toBe(FpuOutcome.InvalidOpcode);
  });

  it('FSAVE stores the 108-byte image and reinitialises; FRSTOR brings everything back', () => {
    const fpu = new Fpu();
    const { host, view } = createHost();
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd9, 0xeb); // fldpi
    run(fpu, host, 0xd9, 0xee); // fldz
    const before = JSON.stringify(fpu.state.getState());
    run(fpu, host, 0xdd, 6 << 3, 0x200); // fnsave [0x200]
    expect(view.getUint16(0x200, true)).toBe(0x037f); // control word
    expect(view.getUint16(0x204, true) >> 11).toBe(5); // TOP in the stored status word
    expect(view.getUint16(0x208, true)).toBe(0x07ff); // R7, R6 valid; R5 zero; R0-R4 empty
    expect(view.getUint32(0x20c, true)).toBe(0x1234); // FIP of the last FLDZ
    expect(view.getUint32(0x210, true)).toBe((0x1ee << 16) | 0x23); // FOP (D9 EE) and FCS
    expect(view.getUint16(0x200 + 28 + 8, true)).toBe(0); // ST(0) = +0: exponent word
    expect(view.getUint16(0x200 + 28 + 18, true)).toBe(0x4000); // ST(1) = π
    expect(fpu.state.top).toBe(0);
    expect(fpu.state.isEmpty(0)).toBe(true);
    run(fpu, host, 0xdd, 4 << 3, 0x200); // frstor [0x200]
    const after = fpu.state.getState();
    expect({
      ...after,
      instructionPointer: 0,
      opcode: 0,
      dataPointer: 0,
      dataSelector: 0,
      instructionSelector: 0,
    }).toEqual({
      ...JSON.parse(before),
      instructionPointer: 0,
      opcode: 0,
      dataPointer: 0,
      dataSelector: 0,
      instructionSelector: 0,
    });
  });

  it('FCOMI sets ZF/PF/CF and FCMOVB copies when CF is set', () => {
    const fpu = new Fpu();
    const { host, record } = createHost();
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd9, 0xee); // fldz: ST0 = 0, ST1 = 1
    run(fpu, host, 0xdb, 0xf1); // fcomi st, st(1): 0 < 1
    expect(record.eflags & 0x45).toBe(0x01);
    run(fpu, host, 0xda, 0xc1); // fcmovb st, st(1)
    expect(st0(fpu)).toBe('3fff:8000000000000000');
    run(fpu, host, 0xdb, 0xe9); // fucomi st, st(1): equal
    expect(record.eflags & 0x45).toBe(0x40);
  });

  it('FCOMI clears OF, SF and AF; an unmasked #IA leaves ZF, PF, CF but still clears them', () => {
    const fpu = new Fpu();
    const { host, record, view } = createHost();
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd9, 0xee); // fldz: ST0 = 0, ST1 = 1
    record.eflags = 0xad7; // OF SF ZF AF PF CF, IF
    run(fpu, host, 0xdb, 0xf1); // fcomi st, st(1): 0 < 1
    expect(record.eflags).toBe(0x203); // CF only
    run(fpu, host, 0xdd, 0xd8); // fstp st(0): ST0 = 1
    view.setUint32(0x100, 0x7fc00000, true);
    run(fpu, host, 0xd9, 0x06, 0x100); // fld dword [0x100]: ST0 = QNaN, ST1 = 1
    fpu.state.control &= ~1; // unmask IM
    record.eflags = 0xad6; // OF SF ZF AF PF, CF clear
    run(fpu, host, 0xdb, 0xf1); // fcomi st, st(1): QNaN → unmasked #IA
    expect(record.eflags).toBe(0x246); // ZF PF CF untouched, OF SF AF cleared
    expect(fpu.state.status & 0x81).toBe(0x81); // IE and ES
  });

  it('FXAM classifies zero, normal, infinity, NaN and empty', () => {
    const fpu = new Fpu();
    const { host } = createHost();
    const classify = (): number => {
      run(fpu, host, 0xd9, 0xe5);
      return fpu.state.statusWord() & (StatusWord.C3 | StatusWord.C2 | StatusWord.C1 | StatusWord.C0);
    };
    expect(classify()).toBe(StatusWord.C3 | StatusWord.C0); // empty
    run(fpu, host, 0xd9, 0xee); // fldz
    expect(classify()).toBe(StatusWord.C3);
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd9, 0xe0); // fchs
    expect(classify()).toBe(StatusWord.C2 | StatusWord.C1);
    run(fpu, host, 0xde, 0xf9); // fdivp: -1 / 0 → -∞ (ZE)... st(1) = st(1)/st(0) = 0 / -1
    run(fpu, host, 0xd9, 0xe8); // fld1
    run(fpu, host, 0xd9, 0xee); // fldz
    run(fpu, host, 0xde, 0xf9); // fdivp st(1), st: 1 / 0 = +∞
    expect(classify()).toBe(StatusWord.C2 | StatusWord.C0);
    run(fpu, host, 0xd9, 0xee); // fldz
    run(fpu, host, 0xd9, 0xee); // fldz
    run(fpu, host, 0xde, 0xf9); // 0 / 0 = default NaN
    expect(classify()).toBe(StatusWord.C1 | StatusWord.C0);
  });

  it('FIST m16 of an out-of-range value stores the integer indefinite with IE', () => {
    const fpu = new Fpu();
    const { host, view } = createHost();
    view.setUint32(0x100, 40000, true);
    run(fpu, host, 0xdb, 0 << 3, 0x100); // fild dword [0x100]
    run(fpu, host, 0xdf, 2 << 3, 0x300); // fist word [0x300]
    expect(view.getUint16(0x300, true)).toBe(0x8000);
    expect(fpu.state.statusWord() & StatusWord.Invalid).toBe(StatusWord.Invalid);
  });

  it('FBSTP stores packed BCD and FBLD reads it back', () => {
    const fpu = new Fpu();
    const { host, memory } = createHost();
    memory.set([0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0x80], 0x100); // -987654321
    run(fpu, host, 0xdf, 4 << 3, 0x100); // fbld [0x100]
    expect(st0(fpu)).toBe('c01c:eb79a2c400000000');
    run(fpu, host, 0xdf, 6 << 3, 0x200); // fbstp [0x200]
    expect([...memory.subarray(0x200, 0x20a)]).toEqual([0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0x80]);
    expect(fpu.state.isEmpty(0)).toBe(true);
  });

  it('records FIP, FCS, FOP, FDP and FDS of non-control instructions only', () => {
    const fpu = new Fpu();
    const { host } = createHost();
    run(fpu, host, 0xdd, 0 << 3, 0x180); // fld qword [0x180]
    expect(fpu.state.dataPointer).toBe(0x180);
    expect(fpu.state.dataSelector).toBe(0x2b);
    expect(fpu.state.opcode).toBe(0x500);
    fpu.execute(host, {
      opcode: 0xd9,
      modrm: 7 << 3,
      address: 0x190,
      operandSize32: true,
      instructionPointer: 0x9999,
      codeSelector: 0x23,
      dataOffset: 0x190,
      dataSelector: 0x2b,
    }); // fnstcw is a control instruction
    expect(fpu.state.instructionPointer).toBe(0x1234);
    expect(fpu.state.dataPointer).toBe(0x180);
  });

  it('round-trips a snapshot', () => {
    const fpu = new Fpu();
    const { host } = createHost();
    run(fpu, host, 0xd9, 0xeb); // fldpi
    run(fpu, host, 0xd9, 0xea); // fldl2e
    const snapshot = fpu.state.getState();
    const copy = FpuState.fromState(JSON.parse(JSON.stringify(snapshot)));
    expect(copy.getState()).toEqual(snapshot);
    expect(() => FpuState.fromState({ ...snapshot, registers: ['zz'] })).toThrow();
  });

  it('never throws on arbitrary escapes, operands and state (hostile guest)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            opcode: fc.integer({ min: 0xd8, max: 0xdf }),
            modrm: fc.integer({ min: 0, max: 255 }),
            address: fc.integer({ min: 0, max: 0xffffffff }),
            operandSize32: fc.boolean(),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.uint8Array({ minLength: 512, maxLength: 512 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(0x33, 0x13, 0x3b, 0x37, 0x31),
        (steps, bytes, control, cr0) => {
          const fpu = new Fpu();
          const { host, memory, record } = createHost(cr0);
          for (let offset = 0; offset < memory.length; offset += bytes.length) memory.set(bytes, offset);
          record.cr0 = cr0;
          fpu.state.control = control; // masked or not: #MF/FERR paths included
          for (const step of steps) {
            const outcome = fpu.execute(host, {
              ...step,
              instructionPointer: 0,
              codeSelector: 0,
              dataOffset: step.address,
              dataSelector: 0,
            });
            expect([0, 6, 7, 16]).toContain(outcome);
            expect(fpu.state.top).toBeGreaterThanOrEqual(0);
            expect(fpu.state.top).toBeLessThan(8);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('FNSTENV/FLDENV use the 16-bit and real-mode layouts', () => {
    const fpu = new Fpu();
    const { host, view, record } = createHost();
    run(fpu, host, 0xd9, 0xe8); // fld1 (FIP 0x1234, FOP 0x1e8)
    const environment16 = (address: number): void => {
      fpu.execute(host, {
        opcode: 0xd9,
        modrm: 6 << 3,
        address,
        operandSize32: false,
        instructionPointer: 0,
        codeSelector: 0,
        dataOffset: address,
        dataSelector: 0,
      });
    };
    environment16(0x400); // 16-bit protected: CW SW TW IP CS DP DS
    expect(view.getUint16(0x400, true)).toBe(0x037f);
    expect(view.getUint16(0x402, true) >> 11).toBe(7);
    expect(view.getUint16(0x404, true)).toBe(0x3fff);
    expect(view.getUint16(0x406, true)).toBe(0x1234);
    expect(view.getUint16(0x408, true)).toBe(0x23);
    expect(fpu.state.control & 0x3f).toBe(0x3f); // FNSTENV masks all exceptions
    record.cr0 = 0x30; // real mode: IP(15:0), IP(19:16)<<12 | FOP, DP(15:0), DP(19:16)<<12
    fpu.state.instructionPointer = 0x51234;
    environment16(0x500);
    expect(view.getUint16(0x506, true)).toBe(0x1234);
    expect(view.getUint16(0x508, true)).toBe((5 << 12) | 0x1e8);
    fpu.state.control = 0x0c7f;
    fpu.state.status = 0;
    fpu.execute(host, {
      opcode: 0xd9,
      modrm: 4 << 3,
      address: 0x500,
      operandSize32: false,
      instructionPointer: 0,
      codeSelector: 0,
      dataOffset: 0x500,
      dataSelector: 0,
    }); // fldenv (16-bit, real mode)
    expect(fpu.state.control).toBe(0x037f);
    expect(fpu.state.instructionPointer).toBe(0x51234);
    expect(fpu.state.opcode).toBe(0x1e8);
    expect(fpu.state.top).toBe(7);
  });

  it('probes the whole destination before a multi-part store, so a fault leaves memory and stack alone', () => {
    const fpu = new Fpu();
    const { host, memory } = createHost();
    const probes: Array<[number, number]> = [];
    host.probeWrite = (address, length) => {
      probes.push([address, length]);
      if (address + length > 0x1000 - 4) throw new Error('page fault');
    };
    run(fpu, host, 0xd9, 0xeb); // fldpi
    expect(() => run(fpu, host, 0xdb, 7 << 3, 0x1000 - 8)).toThrow('page fault'); // fstp tbyte
    expect(probes).toEqual([[0x1000 - 8, 10]]);
    expect([...memory.subarray(0x1000 - 8, 0x1000)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(fpu.state.top).toBe(7);
    expect(() => run(fpu, host, 0xdd, 6 << 3, 0x1000 - 100)).toThrow('page fault'); // fnsave
    expect(fpu.state.isEmpty(0)).toBe(false);
  });
});
