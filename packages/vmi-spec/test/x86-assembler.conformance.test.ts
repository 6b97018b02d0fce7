import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Condition, Reg, X86Assembler } from '../src/x86-assembler.js';

// Every instruction form the emitter has, and how GNU objdump (AT&T syntax) prints it.
const CASES: [string, (a: X86Assembler) => void][] = [
  ['ret', (a) => a.ret()],
  ['lret', (a) => a.retFar()],
  ['nop', (a) => a.nop()],
  ['sti', (a) => a.sti()],
  ['cli', (a) => a.cli()],
  ['hlt', (a) => a.hlt()],
  ['iret', (a) => a.iret()],
  ['pushf', (a) => a.pushfd()],
  ['popf', (a) => a.popfd()],
  ['push %ebx', (a) => a.push(Reg.ebx)],
  ['pop %ecx', (a) => a.pop(Reg.ecx)],
  ['cpuid', (a) => a.cpuid()],
  ['wrmsr', (a) => a.wrmsr()],
  ['rdtsc', (a) => a.rdtsc()],
  ['rdmsr', (a) => a.rdmsr()],
  ['rdpmc', (a) => a.rdpmc()],
  ['sysexit', (a) => a.sysexit()],
  ['clts', (a) => a.clts()],
  ['wbinvd', (a) => a.wbinvd()],
  ['sgdtl (%eax)', (a) => a.sgdt({ base: Reg.eax })],
  ['sidtl (%eax)', (a) => a.sidt({ base: Reg.eax })],
  ['lgdtl (%eax)', (a) => a.lgdt({ base: Reg.eax })],
  ['lidtl (%eax)', (a) => a.lidt({ base: Reg.eax })],
  ['invlpg (%eax)', (a) => a.invlpg({ base: Reg.eax })],
  ['sldt %eax', (a) => a.sldt(Reg.eax)],
  ['str %eax', (a) => a.str(Reg.eax)],
  ['lldt %ax', (a) => a.lldt(Reg.eax)],
  ['ltr %ax', (a) => a.ltr(Reg.eax)],
  ['mov %cr0,%eax', (a) => a.movFromCr(Reg.eax, 0)],
  ['mov %cr4,%ecx', (a) => a.movFromCr(Reg.ecx, 4)],
  ['mov %eax,%cr3', (a) => a.movToCr(3, Reg.eax)],
  ['mov %edx,%cr4', (a) => a.movToCr(4, Reg.edx)],
  ['mov %db7,%eax', (a) => a.movFromDr(Reg.eax, 7)],
  ['mov %edx,%db1', (a) => a.movToDr(1, Reg.edx)],
  ['mov %ecx,(%eax,%edx,8)', (a) => a.movStore({ base: Reg.eax, index: Reg.edx, scale: 8 }, Reg.ecx)],
  [
    'mov %ecx,0x4(%eax,%edx,8)',
    (a) => a.movStore({ base: Reg.eax, index: Reg.edx, scale: 8, displacement: 4 }, Reg.ecx),
  ],
  ['mov %eax,(%edx)', (a) => a.movStore({ base: Reg.edx }, Reg.eax)],
  ['mov %edx,0x4(%ecx)', (a) => a.movStore({ base: Reg.ecx, displacement: 4 }, Reg.edx)],
  ['mov %eax,0x0(%ebp)', (a) => a.movStore({ base: Reg.ebp }, Reg.eax)],
  ['mov %eax,0x12345(%ebx)', (a) => a.movStore({ base: Reg.ebx, displacement: 0x12345 }, Reg.eax)],
  ['mov 0x4(%esp),%ecx', (a) => a.movLoad(Reg.ecx, { base: Reg.esp, displacement: 4 })],
  ['mov (%edx),%eax', (a) => a.movLoad(Reg.eax, { base: Reg.edx })],
  ['mov %ecx,%edx', (a) => a.movRegister(Reg.edx, Reg.ecx)],
  ['mov $0xfe,%al', (a) => a.movByteImmediate(0, 0xfe)],
  ['movzbl 0x4(%edx),%edx', (a) => a.movzxByte(Reg.edx, { base: Reg.edx, displacement: 4 })],
  [
    'lea 0xf0(%ecx,%eax,8),%edx',
    (a) => a.lea(Reg.edx, { base: Reg.ecx, index: Reg.eax, scale: 8, displacement: 0xf0 }),
  ],
  ['xor %eax,%eax', (a) => a.xorRegister(Reg.eax, Reg.eax)],
  ['add %ecx,%eax', (a) => a.addRegister(Reg.eax, Reg.ecx)],
  ['sub $0x34c,%ecx', (a) => a.subImmediate(Reg.ecx, 0x34c)],
  ['and $0x200,%eax', (a) => a.andImmediate(Reg.eax, 0x200)],
  ['andl $0xffffcfff,(%esp)', (a) => a.andMemoryImmediate({ base: Reg.esp }, 0xffffcfff)],
  ['or %eax,(%esp)', (a) => a.orStore({ base: Reg.esp }, Reg.eax)],
  ['cmp $0x7,%eax', (a) => a.cmpImmediate8(Reg.eax, 7)],
  ['cmp $0x4a,%eax', (a) => a.cmpEaxImmediate(74)],
  ['test $0x2,%al', (a) => a.testAlImmediate(2)],
  ['test $0x2,%ah', (a) => a.testByteRegisterImmediate(4, 2)],
  ['in (%dx),%al', (a) => a.inFromDx(1)],
  ['in (%dx),%ax', (a) => a.inFromDx(2)],
  ['in (%dx),%eax', (a) => a.inFromDx(4)],
  ['out %al,(%dx)', (a) => a.outToDx(1)],
  ['out %ax,(%dx)', (a) => a.outToDx(2)],
  ['out %eax,(%dx)', (a) => a.outToDx(4)],
  ['out %al,$0x80', (a) => a.outImmediateAl(0x80)],
  ['rep insb (%dx),%es:(%edi)', (a) => a.repIns(1)],
  ['rep insw (%dx),%es:(%edi)', (a) => a.repIns(2)],
  ['rep insl (%dx),%es:(%edi)', (a) => a.repIns(4)],
  ['rep outsb %ds:(%esi),(%dx)', (a) => a.repOuts(1)],
  ['rep outsw %ds:(%esi),(%dx)', (a) => a.repOuts(2)],
  ['rep outsl %ds:(%esi),(%dx)', (a) => a.repOuts(4)],
  ['jae 0x2', (a) => a.label('t').jumpIf(Condition.aboveOrEqual, 'u').label('u')],
  ['jne 0x0', (a) => a.label('t').jumpIf(Condition.notEqual, 't')],
  ['jmp 0x0', (a) => a.label('t').jumpShort('t')],
  ['jmp 0x5', (a) => a.jumpNear('t').label('t')],
  ['call 0x5', (a) => a.callNear('t').label('t')],
];

const hasObjdump = spawnSync('sh', ['-c', 'command -v objdump']).status === 0;

/** Disassembles one instruction's bytes with objdump and returns the instruction text. */
function disassemble(bytes: Uint8Array, directory: string): string {
  const file = join(directory, 'code.bin');
  writeFileSync(file, bytes);
  const result = spawnSync('objdump', ['-D', '-b', 'binary', '-m', 'i386', file], { encoding: 'utf8' });
  const lines = result.stdout.split('\n').filter((line) => /^\s+[0-9a-f]+:\t/.test(line));
  return lines
    .map((line) => line.split('\t')[2] ?? '')
    .join(' ; ')
    .replace(/\s+/g, ' ')
    .trim();
}

describe.runIf(hasObjdump)('the x86 emitter against objdump', () => {
  it.each(CASES)('encodes %s', (expected, emit) => {
    const directory = mkdtempSync(join(tmpdir(), 'openvmi-x86-'));
    try {
      const assembler = new X86Assembler();
      emit(assembler);
      const text = disassemble(assembler.bytes(), directory);
      expect(text.replace(/\s+/g, ' ')).toBe(expected);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
