import { describe, expect, it } from 'vitest';
import { DATA_ADDRESS, dword, F, runProgram, STACK_TOP, word } from '../../test/core-harness.js';

describe('string instructions', () => {
  it('REP MOVSB copies ECX bytes forwards and leaves ECX=0', () => {
    // mov esi, 0x20000 ; mov edi, 0x21000 ; mov ecx, 5 ; rep movsb
    const run = runProgram(
      [0xbe, ...dword(DATA_ADDRESS), 0xbf, ...dword(DATA_ADDRESS + 0x1000), 0xb9, ...dword(5), 0xf3, 0xa4],
      {
        setup: (_cpu, memory) => memory.writeBytes(DATA_ADDRESS, Uint8Array.from([1, 2, 3, 4, 5, 6])),
      },
    );
    expect(Array.from(run.memory.readBytes(DATA_ADDRESS + 0x1000, 6))).toEqual([1, 2, 3, 4, 5, 0]);
    expect(run.ecx).toBe(0);
    expect(run.esi).toBe(DATA_ADDRESS + 5);
    expect(run.edi).toBe(DATA_ADDRESS + 0x1005);
  });

  it('STD makes STOSD go backwards', () => {
    // std ; mov edi, 0x20008 ; mov eax, 0xdeadbeef ; mov ecx, 2 ; rep stosd
    const run = runProgram([
      0xfd,
      0xbf,
      ...dword(DATA_ADDRESS + 8),
      0xb8,
      ...dword(0xdeadbeef),
      0xb9,
      ...dword(2),
      0xf3,
      0xab,
    ]);
    expect(run.memory.read32(DATA_ADDRESS + 8)).toBe(0xdeadbeef);
    expect(run.memory.read32(DATA_ADDRESS + 4)).toBe(0xdeadbeef);
    expect(run.edi).toBe(DATA_ADDRESS);
  });

  it('REPNE SCASB stops on the match (strlen idiom)', () => {
    // mov edi, 0x20000 ; xor eax, eax ; mov ecx, -1 ; repne scasb
    const run = runProgram(
      [0xbf, ...dword(DATA_ADDRESS), 0x31, 0xc0, 0xb9, ...dword(0xffffffff), 0xf2, 0xae],
      {
        setup: (_cpu, memory) => memory.writeBytes(DATA_ADDRESS, new TextEncoder().encode('hello\0')),
      },
    );
    expect(run.edi).toBe(DATA_ADDRESS + 6);
    expect(run.ecx).toBe(0xffffffff - 6);
    expect(run.eflags & F.ZF).toBe(F.ZF);
  });

  it('REPE CMPSB stops at the first difference', () => {
    // mov esi, a ; mov edi, b ; mov ecx, 8 ; repe cmpsb
    const run = runProgram(
      [0xbe, ...dword(DATA_ADDRESS), 0xbf, ...dword(DATA_ADDRESS + 0x100), 0xb9, ...dword(8), 0xf3, 0xa6],
      {
        setup: (_cpu, memory) => {
          memory.writeBytes(DATA_ADDRESS, new TextEncoder().encode('abcdefgh'));
          memory.writeBytes(DATA_ADDRESS + 0x100, new TextEncoder().encode('abcxefgh'));
        },
      },
    );
    expect(run.ecx).toBe(4);
    expect(run.esi).toBe(DATA_ADDRESS + 4);
    expect(run.eflags & F.ZF).toBe(0);
    expect(run.eflags & F.CF).toBe(F.CF); // 'd' < 'x'
  });

  it('REP MOVSB with the destination one byte after the source replicates the first byte (forward copy, not memmove)', () => {
    // mov esi, 0x20000 ; mov edi, 0x20001 ; mov ecx, 6 ; rep movsb
    const run = runProgram(
      [0xbe, ...dword(DATA_ADDRESS), 0xbf, ...dword(DATA_ADDRESS + 1), 0xb9, ...dword(6), 0xf3, 0xa4],
      {
        setup: (_cpu, memory) => memory.writeBytes(DATA_ADDRESS, Uint8Array.from([7, 1, 2, 3, 4, 5, 6, 9])),
      },
    );
    expect(Array.from(run.memory.readBytes(DATA_ADDRESS, 8))).toEqual([7, 7, 7, 7, 7, 7, 7, 9]);
  });

  it('REP MOVSD across page boundaries with a large count copies exactly and updates ESI/EDI/ECX', () => {
    // mov esi, 0x20ffe ; mov edi, 0x30ff0 ; mov ecx, 5000 ; rep movsd
    const run = runProgram(
      [0xbe, ...dword(0x20ffe), 0xbf, ...dword(0x30ff0), 0xb9, ...dword(5000), 0xf3, 0xa5],
      {
        setup: (_cpu, memory) => {
          for (let index = 0; index < 20000; index++) memory.write8(0x20ffe + index, (index * 7) & 0xff);
        },
      },
    );
    expect(run.ecx).toBe(0);
    expect(run.esi).toBe(0x20ffe + 20000);
    expect(run.edi).toBe(0x30ff0 + 20000);
    let same = true;
    for (let index = 0; index < 20000; index++)
      if (run.memory.read8(0x30ff0 + index) !== ((index * 7) & 0xff)) same = false;
    expect(same).toBe(true);
    expect(run.memory.read8(0x30ff0 + 20000)).toBe(0);
  });

  it('REP STOSD at an unaligned address and REP STOSW fill exactly the requested elements', () => {
    // mov edi, 0x20001 ; mov eax, 0x11223344 ; mov ecx, 3 ; rep stosd ; mov ecx, 2 ; rep stosw
    const run = runProgram([
      0xbf,
      ...dword(DATA_ADDRESS + 1),
      0xb8,
      ...dword(0x11223344),
      0xb9,
      ...dword(3),
      0xf3,
      0xab,
      0xb9,
      ...dword(2),
      0x66,
      0xf3,
      0xab,
    ]);
    expect(Array.from(run.memory.readBytes(DATA_ADDRESS, 18))).toEqual([
      0, 0x44, 0x33, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11, 0x44, 0x33, 0x44, 0x33, 0,
    ]);
    expect(run.edi).toBe(DATA_ADDRESS + 17);
  });

  it('REP STOSB over code that already ran replaces it (self-modifying code through the bulk path)', () => {
    // 0x1000: mov edi, 0x1014 ; mov al, 0x90 ; mov ecx, 2 ; rep stosb ; 0x1010: jmp 0x1014 (eb 02) ... 0x1014: inc ebx ; inc ebx
    // The first pass runs "inc ebx" twice only after the NOPs overwrite... set up: 0x1014 holds 0x43 0x43 (inc ebx x2),
    // stosb writes 0x90 0x90 over them before they run, so EBX stays 0.
    const run = runProgram([
      0xbf,
      ...dword(0x1014),
      0xb0,
      0x90,
      0xb9,
      ...dword(2),
      0xf3,
      0xaa,
      0x90,
      0x90,
      0x90,
      0x90,
      0x90,
      0x90,
      0x43,
      0x43,
    ]);
    expect(run.ebx).toBe(0);
  });

  it('a huge REP count is executed in restartable chunks within the budget', () => {
    // mov edi, 0x20000 ; mov ecx, 10000000 ; rep stosb
    const run = runProgram([0xbf, ...dword(DATA_ADDRESS), 0xb9, ...dword(10_000_000), 0xf3, 0xaa], {
      budget: 5,
    });
    expect(run.result.reason).toBe('budget');
    expect(run.ecx).toBeGreaterThan(0);
    expect(run.cpu.eip).toBe(0x100a); // still at the REP STOSB
  });

  it('16-bit addressing REP MOVSW uses SI/DI/CX', () => {
    // mov si, 0x100 ; mov di, 0x200 ; mov cx, 2 ; a16 rep movsw (67 f3 66 a5)
    const run = runProgram(
      [
        0x66,
        0xbe,
        ...word(0x100),
        0x66,
        0xbf,
        ...word(0x200),
        0x66,
        0xb9,
        ...word(2),
        0x67,
        0xf3,
        0x66,
        0xa5,
      ],
      {
        setup: (_cpu, memory) => memory.write32(0x100, 0x44332211),
      },
    );
    expect(run.memory.read32(0x200)).toBe(0x44332211);
    expect(run.ecx & 0xffff).toBe(0);
    expect(run.esi & 0xffff).toBe(0x104);
  });
});

describe('stack instructions', () => {
  it('PUSH/POP, PUSH imm8 sign-extended, PUSH ESP pushes the old value', () => {
    // push 0x12345678 ; push -2 (6a fe) ; push esp ; pop eax ; pop ebx ; pop ecx
    const run = runProgram([0x68, ...dword(0x12345678), 0x6a, 0xfe, 0x54, 0x58, 0x5b, 0x59]);
    expect(run.eax).toBe(STACK_TOP - 8);
    expect(run.ebx).toBe(0xfffffffe);
    expect(run.ecx).toBe(0x12345678);
    expect(run.esp).toBe(STACK_TOP);
  });

  it('PUSHAD/POPAD round-trip every register but ESP', () => {
    // mov eax,1 ; mov ebp,6 ; pushad ; xor eax,eax ; xor ebp,ebp ; popad
    const run = runProgram([0xb8, ...dword(1), 0xbd, ...dword(6), 0x60, 0x31, 0xc0, 0x31, 0xed, 0x61]);
    expect(run.eax).toBe(1);
    expect(run.ebp).toBe(6);
    expect(run.esp).toBe(STACK_TOP);
    expect(run.memory.read32(STACK_TOP - 20)).toBe(STACK_TOP); // the pushed ESP
  });

  it('ENTER with nesting level 1 and LEAVE', () => {
    // mov ebp, 0x7000 ; enter 16, 1 ; mov ebx, ebp ; leave
    const run = runProgram([0xbd, ...dword(0x7000), 0xc8, ...word(16), 0x01, 0x89, 0xeb, 0xc9]);
    expect(run.ebx).toBe(STACK_TOP - 4);
    expect(run.memory.read32(STACK_TOP - 8)).toBe(STACK_TOP - 4); // frame pointer copy
    expect(run.ebp).toBe(0x7000);
    expect(run.esp).toBe(STACK_TOP);
  });

  it('POPF at CPL 3 cannot change IOPL or IF; PUSHF reads them', () => {
    // push 0x3ed7 (IOPL=3, IF, DF, TF off... all arithmetic flags) ; popf ; pushf ; pop eax
    const run = runProgram([0x68, ...dword(0x3cd7 | 0x200), 0x9d, 0x9c, 0x58], { mode: 'flat32-user' });
    expect(run.eax & 0x3000).toBe(0); // IOPL kept at 0
    expect(run.eax & 0x200).toBe(0); // IF kept clear (CPL 3 > IOPL 0)
    expect(run.eax & 0x8d5).toBe(0x8d5 & 0x3cd7); // the arithmetic flags did change
  });
});

describe('control transfers', () => {
  it('CALL/RET with a stack-adjusting RET imm16', () => {
    // push 7 ; call f ; int 0x80 ... f: mov eax,[esp+4] ; ret 4
    const run = runProgram(
      [0x6a, 0x07, 0xe8, ...dword(2), 0xcd, 0x80, 0x8b, 0x44, 0x24, 0x04, 0xc2, 0x04, 0x00],
      { noTerminator: true },
    );
    expect(run.eax).toBe(7);
    expect(run.esp).toBe(STACK_TOP);
  });

  it('LOOP counts ECX down and JECXZ tests it', () => {
    // mov ecx, 3 ; xor eax,eax ; l: inc eax ; loop l ; jecxz +2 ; mov al, 99 ; (end)
    const run = runProgram([0xb9, ...dword(3), 0x31, 0xc0, 0x40, 0xe2, 0xfd, 0xe3, 0x02, 0xb0, 0x63]);
    expect(run.eax).toBe(3);
  });

  it('Jcc takes signed conditions (JL after CMP -1, 1)', () => {
    // mov eax, -1 ; cmp eax, 1 ; jl +5 ; mov ebx, 1 ; (skip) ; ... mov ecx, 2
    const run = runProgram([
      0xb8,
      ...dword(0xffffffff),
      0x83,
      0xf8,
      0x01,
      0x7c,
      0x05,
      0xbb,
      ...dword(1),
      0xb9,
      ...dword(2),
    ]);
    expect(run.ebx).toBe(0);
    expect(run.ecx).toBe(2);
  });

  it('JMP through a register and CMOVcc', () => {
    // mov eax, target ; jmp eax ; (hlt) ; target: mov ecx, 5 ; xor edx, edx ; cmove edx, ecx
    const target = 0x1000 + 5 + 2 + 1;
    const run = runProgram([
      0xb8,
      ...dword(target),
      0xff,
      0xe0,
      0xf4,
      0xb9,
      ...dword(5),
      0x31,
      0xd2,
      0x0f,
      0x44,
      0xd1,
    ]);
    expect(run.edx).toBe(5);
  });

  it('DIV by zero raises #DE at the instruction', () => {
    // xor ecx, ecx ; div ecx
    const run = runProgram([0x31, 0xc9, 0xf7, 0xf1], { setup: (cpu) => cpu.intercepts.exceptions.add(0) });
    expect(run.exit).toEqual({ kind: 'exception', vector: 0 });
    expect(run.cpu.eip).toBe(0x1002);
  });

  it('CPUID, HLT and IN exit when intercepted', () => {
    // cpuid
    const cpuid = runProgram([0x0f, 0xa2], { setup: (cpu) => (cpu.intercepts.cpuid = true) });
    expect(cpuid.exit).toEqual({ kind: 'cpuid', leaf: 0, subleaf: 0 });
    const hlt = runProgram([0xf4], { setup: (cpu) => (cpu.intercepts.hlt = true) });
    expect(hlt.exit).toEqual({ kind: 'hlt' });
    expect(hlt.cpu.eip).toBe(0x1001);
    // mov dx, 0x3f8 ; in al, dx
    const input = runProgram([0x66, 0xba, ...word(0x3f8), 0xec], {
      setup: (cpu) => (cpu.intercepts.io = true),
    });
    expect(input.exit).toEqual({ kind: 'io', port: 0x3f8, width: 1, direction: 'in' });
  });

  it('CPUID reports GenuineIntel and only implemented features', () => {
    // xor eax,eax ; cpuid ; mov esi, ebx ; mov eax, 1 ; cpuid
    const run = runProgram([0x31, 0xc0, 0x0f, 0xa2, 0x89, 0xde, 0xb8, ...dword(1), 0x0f, 0xa2]);
    expect(run.esi).toBe(0x756e6547);
    expect(run.eax).toBe(0x633);
    expect(run.edx & (1 << 25)).toBe(0); // no SSE
    expect(run.edx & (1 << 24)).toBe(0); // no FXSR
    expect(run.edx & (1 << 15)).toBe(1 << 15); // CMOV
    expect(run.edx & (1 << 8)).toBe(1 << 8); // CX8
  });

  it('HLT at CPL 3 is #GP(0)', () => {
    const run = runProgram([0xf4], {
      mode: 'flat32-user',
      setup: (cpu) => cpu.intercepts.exceptions.add(13),
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 13, errorCode: 0 });
  });
});
