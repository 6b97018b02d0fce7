import { describe, expect, it } from 'vitest';
import { VmiSpecError } from './errors.js';
import { Condition, Reg, X86Assembler } from './x86-assembler.js';

const bytesOf = (emit: (a: X86Assembler) => void) => {
  const assembler = new X86Assembler();
  emit(assembler);
  return [...assembler.bytes()];
};

describe('X86Assembler', () => {
  it('encodes ModRM/SIB forms per the SDM tables', () => {
    // mov [eax+edx*8], ecx
    expect(bytesOf((a) => a.movStore({ base: Reg.eax, index: Reg.edx, scale: 8 }, Reg.ecx))).toEqual([
      0x89, 0x0c, 0xd0,
    ]);
    // mov ecx, [esp+4]: esp as base needs a SIB byte (0x24)
    expect(bytesOf((a) => a.movLoad(Reg.ecx, { base: Reg.esp, displacement: 4 }))).toEqual([
      0x8b, 0x4c, 0x24, 0x04,
    ]);
    // mov [ebp], eax: mod 00 rm 101 would mean disp32, so it is [ebp+0] with disp8
    expect(bytesOf((a) => a.movStore({ base: Reg.ebp }, Reg.eax))).toEqual([0x89, 0x45, 0x00]);
    // lea edx, [ecx+eax*8+0x100]: disp32
    expect(
      bytesOf((a) => a.lea(Reg.edx, { base: Reg.ecx, index: Reg.eax, scale: 8, displacement: 0x100 })),
    ).toEqual([0x8d, 0x94, 0xc1, 0x00, 0x01, 0x00, 0x00]);
  });

  it('encodes system instructions', () => {
    expect(bytesOf((a) => a.lgdt({ base: Reg.eax }))).toEqual([0x0f, 0x01, 0x10]);
    expect(bytesOf((a) => a.invlpg({ base: Reg.eax }))).toEqual([0x0f, 0x01, 0x38]);
    expect(bytesOf((a) => a.movToCr(3, Reg.eax))).toEqual([0x0f, 0x22, 0xd8]);
    expect(bytesOf((a) => a.movFromDr(Reg.eax, 6))).toEqual([0x0f, 0x21, 0xf0]);
    expect(bytesOf((a) => a.sti().sysexit())).toEqual([0xfb, 0x0f, 0x35]);
  });

  it('resolves forward and backward branches', () => {
    expect(bytesOf((a) => a.jumpIf(Condition.equal, 'x').nop().label('x'))).toEqual([0x74, 0x01, 0x90]);
    expect(bytesOf((a) => a.label('x').nop().jumpShort('x'))).toEqual([0x90, 0xeb, 0xfd]);
    expect(bytesOf((a) => a.callNear('x').label('x'))).toEqual([0xe8, 0, 0, 0, 0]);
  });

  it('rejects a short branch that does not reach, an unbound label and a non-byte', () => {
    expect(() =>
      bytesOf((a) => {
        a.jumpShort('far');
        for (let index = 0; index < 200; index++) a.nop();
        a.label('far');
      }),
    ).toThrow(/does not fit rel8/);
    expect(() => bytesOf((a) => a.jumpShort('nowhere'))).toThrow(VmiSpecError);
    expect(() => bytesOf((a) => a.raw(256))).toThrow(VmiSpecError);
    expect(() => bytesOf((a) => a.label('x').label('x'))).toThrow(/bound twice/);
  });
});
