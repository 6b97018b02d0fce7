import { describe, expect, it } from 'vitest';
import { arithmeticFlags, dword, F, runProgram } from '../../test/core-harness.js';

describe('ALU instructions', () => {
  it('ADD sets CF, ZF, PF and AF on 0xFFFFFFFF + 1', () => {
    // mov eax, 0xffffffff ; add eax, 1
    const run = runProgram([0xb8, ...dword(0xffffffff), 0x83, 0xc0, 0x01]);
    expect(run.eax).toBe(0);
    expect(arithmeticFlags(run.eflags)).toBe('CF PF AF ZF');
  });

  it('ADD sets OF and SF on signed overflow 0x7FFFFFFF + 1', () => {
    // mov eax, 0x7fffffff ; add eax, 1
    const run = runProgram([0xb8, ...dword(0x7fffffff), 0x05, ...dword(1)]);
    expect(run.eax).toBe(0x80000000);
    expect(arithmeticFlags(run.eflags)).toBe('PF AF SF OF');
  });

  it('SUB borrows: 1 - 2 = 0xFF with CF, SF, AF on bytes', () => {
    // mov al, 1 ; sub al, 2
    const run = runProgram([0xb0, 0x01, 0x2c, 0x02]);
    expect(run.eax & 0xff).toBe(0xff);
    expect(arithmeticFlags(run.eflags)).toBe('CF PF AF SF');
  });

  it('ADC adds the carry and reports the carry out of 0xFFFF + 0 + 1', () => {
    // stc ; mov ax, 0xffff ; adc ax, 0
    const run = runProgram([0xf9, 0x66, 0xb8, 0xff, 0xff, 0x66, 0x83, 0xd0, 0x00]);
    expect(run.eax & 0xffff).toBe(0);
    expect(run.eflags & (F.CF | F.ZF)).toBe(F.CF | F.ZF);
  });

  it('SBB with borrow-in of 0 - 0xFFFFFFFF - 1 gives 0 with CF', () => {
    // stc ; xor eax, eax (clears CF) ; stc ; mov eax,0 ; mov ebx,0xffffffff ; sbb eax, ebx
    const run = runProgram([0xf9, 0xb8, ...dword(0), 0xbb, ...dword(0xffffffff), 0x19, 0xd8]);
    expect(run.eax).toBe(0);
    expect(run.eflags & (F.CF | F.ZF)).toBe(F.CF | F.ZF);
  });

  it('INC keeps CF and sets OF at 0x7F', () => {
    // stc ; mov bl, 0x7f ; inc bl
    const run = runProgram([0xf9, 0xb3, 0x7f, 0xfe, 0xc3]);
    expect(run.ebx & 0xff).toBe(0x80);
    expect(arithmeticFlags(run.eflags)).toBe('CF AF SF OF');
  });

  it('DEC keeps CF clear and sets ZF', () => {
    // clc ; mov ecx, 1 ; dec ecx
    const run = runProgram([0xf8, 0xb9, ...dword(1), 0x49]);
    expect(run.ecx).toBe(0);
    expect(arithmeticFlags(run.eflags)).toBe('PF ZF');
  });

  it('NEG sets CF for a non-zero operand and OF for the most negative value', () => {
    // mov eax, 0x80000000 ; neg eax
    const run = runProgram([0xb8, ...dword(0x80000000), 0xf7, 0xd8]);
    expect(run.eax).toBe(0x80000000);
    expect(run.eflags & (F.CF | F.OF | F.SF)).toBe(F.CF | F.OF | F.SF);
  });

  it('logic operations clear CF and OF; CMP leaves the destination alone', () => {
    // mov eax, 5 ; cmp eax, 7 ; (CF SF) then and eax, 4
    const run = runProgram([0xb8, ...dword(5), 0x83, 0xf8, 0x07, 0x0f, 0x92, 0xc3, 0x83, 0xe0, 0x04]);
    expect(run.ebx & 0xff).toBe(1); // setb bl after the CMP
    expect(run.eax).toBe(4);
    expect(run.eflags & (F.CF | F.OF | F.ZF)).toBe(0);
  });

  it('ADD to memory through a SIB operand (read-modify-write)', () => {
    // mov dword [ebx+ecx*4+8], 40 ; add dword [ebx+ecx*4+8], 2 ; mov eax, [ebx+ecx*4+8]
    const run = runProgram(
      [0xc7, 0x44, 0x8b, 0x08, ...dword(40), 0x83, 0x44, 0x8b, 0x08, 0x02, 0x8b, 0x44, 0x8b, 0x08],
      {
        setup: (cpu) => {
          cpu.registers32[3] = 0x20000;
          cpu.registers32[1] = 3;
        },
      },
    );
    expect(run.eax).toBe(42);
    expect(run.memory.read32(0x20000 + 12 + 8)).toBe(42);
  });

  it('LOCK on a register destination is #UD', () => {
    // lock add eax, ebx
    const run = runProgram([0xf0, 0x01, 0xd8], { setup: (cpu) => cpu.intercepts.exceptions.add(6) });
    expect(run.exit).toEqual({ kind: 'exception', vector: 6 });
    expect(run.cpu.eip).toBe(0x1000);
  });

  it('LOCK on a memory destination executes', () => {
    // lock inc dword [0x20000]
    const run = runProgram([0xf0, 0xff, 0x05, ...dword(0x20000)]);
    expect(run.exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
    expect(run.memory.read32(0x20000)).toBe(1);
  });
});
