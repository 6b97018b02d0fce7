import { describe, expect, it } from 'vitest';
import { DATA_ADDRESS, dword, runProgram, word } from '../../test/core-harness.js';
import type { InterruptSource } from '../bus-interfaces.js';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../memory/port-bus.js';
import { Cpu } from './cpu.js';
import { Register, SegmentRegister } from './registers.js';

describe('Cpu reset and modes', () => {
  it('resets to real mode at F000:FFF0 and fetches from the top of the address space', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const bios = new Uint8Array(0x10000).fill(0x90);
    bios.set([0xcd, 0x80], 0xfff0); // int 0x80 at the reset vector
    memory.mapRom(0xffff0000, bios);
    const cpu = new Cpu({ memory, ports: new PortBus() });
    expect(cpu.segmentSelector[SegmentRegister.Cs]).toBe(0xf000);
    expect(cpu.readRegister(Register.Eip)).toBe(0xfff0);
    cpu.intercepts.softwareInterrupts.add(0x80);
    expect(cpu.run(10)).toEqual({
      reason: 'exit',
      retired: 1,
      exit: { kind: 'software-interrupt', vector: 0x80 },
    });
  });

  it('real mode: 16-bit addressing, [BP+SI] defaults to SS, segment override, IP wraps at 64 KiB', () => {
    // mov ax, 0x2000 ; mov ss, ax ; mov bp, 0x10 ; mov si, 2 ; mov word [bp+si], 0x1234 ; mov bx, [ss:0x12]
    const run = runProgram(
      [
        0xb8,
        ...word(0x2000),
        0x8e,
        0xd0,
        0xbd,
        ...word(0x10),
        0xbe,
        ...word(2),
        0xc7,
        0x02,
        ...word(0x1234),
        0x36,
        0x8b,
        0x1e,
        ...word(0x12),
      ],
      {
        mode: 'real',
      },
    );
    expect(run.memory.read16(0x20012)).toBe(0x1234);
    expect(run.ebx & 0xffff).toBe(0x1234);
  });

  it('real mode: INT n goes through the IVT and IRET returns', () => {
    // handler at 0000:0500: mov ax, 0x55 ; iret
    const run = runProgram([0xcd, 0x21, 0x89, 0xc3], {
      mode: 'real',
      setup: (_cpu, memory) => {
        memory.write16(0x21 * 4, 0x500);
        memory.write16(0x21 * 4 + 2, 0);
        memory.writeBytes(0x500, Uint8Array.from([0xb8, 0x55, 0x00, 0xcf]));
      },
    });
    expect(run.ebx & 0xffff).toBe(0x55);
    expect(run.esp & 0xffff).toBe(0xfff0);
  });

  it('real mode: far JMP loads CS = selector * 16', () => {
    // jmp 0x0100:0x0010 -> linear 0x1010: mov bx, cs ; int 0x80
    const run = runProgram([0xea, ...word(0x10), ...word(0x100)], {
      mode: 'real',
      noTerminator: true,
      setup: (_cpu, memory) => memory.writeBytes(0x1010, Uint8Array.from([0x8c, 0xcb, 0xcd, 0x80])),
    });
    expect(run.exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
    expect(run.ebx & 0xffff).toBe(0x100);
  });
});

describe('segment checks', () => {
  it('a write through a flat read-only data segment is #GP(0); reads work', () => {
    // mov eax, [0x2000] ; mov [0x2000], eax
    const run = runProgram([0xa1, ...dword(0x2000), 0xa3, ...dword(0x2000)], {
      setup: (cpu) => {
        cpu.setSegmentCache(SegmentRegister.Ds, 0x10, 0, 0xffffffff, 0x00cf9100);
        cpu.intercepts.exceptions.add(13);
      },
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 13, errorCode: 0 });
    expect(run.cpu.eip).toBe(0x1005);
  });

  it('real mode: a word access at offset 0xFFFF with a 32-bit address is outside the 64 KiB limit', () => {
    // mov eax, [0x0000ffff] with an address-size prefix: a32 mov ax, [0xffff]
    const run = runProgram([0x67, 0xa1, ...dword(0xffff)], {
      mode: 'real',
      setup: (cpu) => cpu.intercepts.exceptions.add(13),
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 13, errorCode: 0 });
  });
});

describe('paging through the TLB fast path', () => {
  function pagedMachine(writable: boolean) {
    const memory = new PhysicalMemory({ ramBytes: 4 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 3 });
    // Identity-map the first 4 MiB as user pages, then map linear 0x400000 to physical 0x30000.
    memory.write32(0x3f0000, 0x3f1000 | 7);
    for (let page = 0; page < 1024; page++) memory.write32(0x3f1000 + page * 4, (page << 12) | 7);
    memory.write32(0x3f0004, 0x3f2000 | 7);
    memory.write32(0x3f2000, 0x30000 | (writable ? 7 : 5));
    cpu.cr3 = 0x3f0000;
    cpu.cr0 = (cpu.cr0 | 0x80000000) >>> 0;
    cpu.invalidateTranslations();
    cpu.intercepts.softwareInterrupts.add(0x80);
    cpu.intercepts.exceptions.add(14);
    return { memory, cpu };
  }

  it('reads and writes go to the mapped frame, repeatedly (TLB hits) and set A/D bits', () => {
    const { memory, cpu } = pagedMachine(true);
    // mov ecx, 100 ; l: add dword [0x400010], 3 ; mov eax, [0x400010] ; loop l ; int 0x80
    memory.writeBytes(
      0x1000,
      Uint8Array.from([
        0xb9,
        ...dword(100),
        0x83,
        0x05,
        ...dword(0x400010),
        0x03,
        0xa1,
        ...dword(0x400010),
        0xe2,
        0xf2,
        0xcd,
        0x80,
      ]),
    );
    cpu.eip = 0x1000;
    expect(cpu.run(1000).reason).toBe('exit');
    expect(cpu.readRegister(Register.Eax)).toBe(300);
    expect(memory.read32(0x30010)).toBe(300);
    expect(memory.read32(0x3f2000) & 0x60).toBe(0x60); // accessed and dirty
  });

  it('a user write to a read-only page faults with error code 7 after reads succeeded', () => {
    const { memory, cpu } = pagedMachine(false);
    // mov eax, [0x400010] ; mov [0x400010], eax
    memory.writeBytes(
      0x1000,
      Uint8Array.from([0xa1, ...dword(0x400010), 0xa3, ...dword(0x400010), 0xcd, 0x80]),
    );
    cpu.eip = 0x1000;
    expect(cpu.run(100)).toEqual({
      reason: 'exit',
      retired: 1,
      exit: { kind: 'exception', vector: 14, errorCode: 7, faultAddress: 0x400010 },
    });
    expect(cpu.eip).toBe(0x1005);
  });
});

describe('debugger breakpoints', () => {
  it('stop before the instruction at a breakpoint address and resume through it', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 3 });
    memory.writeBytes(0x1000, Uint8Array.from([0x40, 0x40, 0x40, 0xcd, 0x80])); // inc eax x3 ; int 0x80
    cpu.eip = 0x1000;
    cpu.intercepts.softwareInterrupts.add(0x80);
    cpu.breakpoints.add(0x1002);
    expect(cpu.run(100)).toEqual({ reason: 'breakpoint', retired: 2 });
    expect(cpu.eip).toBe(0x1002);
    expect(cpu.run(100).reason).toBe('exit');
    expect(cpu.readRegister(Register.Eax)).toBe(3);
  });
});

describe('debug registers', () => {
  it('an execute breakpoint in DR0 is a #DB fault at the instruction, with B0 in DR6', () => {
    const run = runProgram([0x40, 0x40, 0x40], {
      setup: (cpu) => {
        cpu.debugRegisters[0] = 0x1001;
        cpu.debugRegisters[7] = 0x401; // L0, execute, length 1
        cpu.intercepts.exceptions.add(1);
      },
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 1 });
    expect(run.cpu.eip).toBe(0x1001);
    expect(run.eax).toBe(1);
    expect(run.cpu.debugRegisters[6] & 0xf).toBe(1);
  });

  it('a write breakpoint in DR1 is a #DB trap after the writing instruction', () => {
    // mov eax, [0x2000] (read: no hit) ; mov [0x2002], al (write inside the dword: hit) ; inc ebx
    const run = runProgram([0xa1, ...dword(0x2000), 0xa2, ...dword(0x2002), 0x43], {
      setup: (cpu) => {
        cpu.debugRegisters[1] = 0x2000;
        cpu.debugRegisters[7] = 0x400 | (1 << 2) | (0b1101 << 20); // L1, write, length 4
        cpu.intercepts.exceptions.add(1);
      },
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 1 });
    expect(run.cpu.eip).toBe(0x100a);
    expect(run.ebx).toBe(0);
    expect(run.cpu.debugRegisters[6] & 0xf).toBe(2);
  });
});

describe('single step', () => {
  it('raises #DB after each instruction while TF is set, starting after the instruction that follows POPF', () => {
    // pushfd ; or dword [esp], 0x100 ; popfd ; nop ; nop
    const run = runProgram([0x9c, 0x81, 0x0c, 0x24, ...dword(0x100), 0x9d, 0x90, 0x90], {
      setup: (cpu) => cpu.intercepts.exceptions.add(1),
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 1 });
    expect(run.cpu.eip).toBe(0x100a); // after the first NOP, not after POPFD
  });

  it('traps after each instruction started with TF=1: POPF clearing TF traps, MOV SS delays, INT n does not', () => {
    // 1000 pushf ; pop ax ; or ax, 0x100 ; push ax ; popf (sets TF: no trap)
    // 1007 nop ; mov ss, bx (trap held over) ; inc cx ; int 0x21 (no trap; handler IRETs with TF=0)
    // 100d inc dx ; pushf ; pop ax ; and ax, 0xfeff ; push ax ; popf (clears TF: traps) ; inc bx ; int 0x80
    const code = [
      0x9c,
      0x58,
      0x0d,
      ...word(0x100),
      0x50,
      0x9d,
      0x90,
      0x8e,
      0xd3,
      0x41,
      0xcd,
      0x21,
      0x42,
      0x9c,
      0x58,
      0x25,
      ...word(0xfeff),
      0x50,
      0x9d,
      0x43,
      0xcd,
      0x80,
    ];
    // #DB handler at 0:0500: push ax ; push bp ; mov bp, sp ; mov ax, [bp+4] ; mov [di], ax ; add di, 2 ; pop bp ; pop ax ; iret
    const debugHandler = [
      0x50, 0x55, 0x89, 0xe5, 0x8b, 0x46, 0x04, 0x89, 0x05, 0x83, 0xc7, 0x02, 0x5d, 0x58, 0xcf,
    ];
    const run = runProgram(code, {
      mode: 'real',
      setup: (cpu, memory) => {
        memory.writeBytes(0x500, Uint8Array.from(debugHandler));
        memory.write16(1 * 4, 0x500);
        memory.write16(1 * 4 + 2, 0);
        memory.write8(0x600, 0xcf); // INT 0x21 handler: iret
        memory.write16(0x21 * 4, 0x600);
        memory.write16(0x21 * 4 + 2, 0);
        cpu.writeRegister(Register.Edi, 0x3000);
      },
    });
    expect(run.exit).toEqual({ kind: 'software-interrupt', vector: 0x80 });
    const traps: number[] = [];
    for (let address = 0x3000; address < (run.cpu.readRegister(Register.Edi) & 0xffff); address += 2)
      traps.push(run.memory.read16(address));
    expect(traps).toEqual([0x1008, 0x100b, 0x100e, 0x100f, 0x1010, 0x1013, 0x1014, 0x1015]);
    expect(run.cpu.debugRegisters[6] & 0x4000).toBe(0x4000); // BS
    expect(run.cpu.getFlags() & 0x100).toBe(0);
  });

  it('a single-step trap owed by an instruction that exits is raised when run resumes', () => {
    // pushfd ; or dword [esp], 0x100 ; popfd ; nop ; cpuid (exits) ; nop
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 0 });
    memory.writeBytes(
      0x1000,
      Uint8Array.from([0x9c, 0x81, 0x0c, 0x24, ...dword(0x100), 0x9d, 0x0f, 0xa2, 0x90]),
    );
    cpu.eip = 0x1000;
    cpu.writeRegister(Register.Esp, 0x8000);
    cpu.intercepts.cpuid = true;
    cpu.intercepts.exceptions.add(1);
    expect(cpu.run(100).exit?.kind).toBe('cpuid');
    expect(cpu.eip).toBe(0x100b);
    expect(cpu.run(100).exit).toEqual({ kind: 'exception', vector: 1 });
    expect(cpu.eip).toBe(0x100b); // the trap after CPUID, before the NOP runs
  });
});

describe('time-stamp counter and retired instructions', () => {
  it('RDTSC reads tscOffset plus the instructions retired before it, also inside a chunk', () => {
    // rdtsc ; mov ebx, eax ; nop ; nop ; rdtsc ; int 0x80
    const run = runProgram([0x0f, 0x31, 0x89, 0xc3, 0x90, 0x90, 0x0f, 0x31], {
      setup: (cpu) => {
        cpu.instructionsRetired = 1000;
        cpu.tscOffset = 5n;
      },
    });
    expect(run.ebx).toBe(1005);
    expect(run.eax).toBe(1009);
    expect(run.cpu.instructionsRetired).toBe(1006); // five instructions and INT 0x80
  });

  it('a device reading instructionsRetired during IN sees the instructions before it', () => {
    // nop ; nop ; nop ; in al, 0x80 ; int 0x80
    const run = runProgram([0x90, 0x90, 0x90, 0xe4, 0x80], {
      setup: (cpu) => {
        cpu.ports.register(0x80, 1, { read: () => cpu.instructionsRetired & 0xff, write: () => {} });
      },
    });
    expect(run.eax & 0xff).toBe(3);
  });
});

describe('flat mode with a GDT', () => {
  it('lets ring-3 code reload GS from a TLS descriptor the host writes (set_thread_area)', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 3, gdtAddress: 0x500 });
    // GDT entry 6: base 0x12345000, limit 0xfffff pages, ring-3 data (what set_thread_area writes).
    memory.write32(0x500 + 6 * 8, 0x5000ffff);
    memory.write32(0x500 + 6 * 8 + 4, 0x12cff334);
    // mov ax, 0x33 ; mov gs, ax ; mov ds, ax ; int 0x80
    memory.writeBytes(0x1000, Uint8Array.from([0x66, 0xb8, 0x33, 0x00, 0x8e, 0xe8, 0xcd, 0x80]));
    cpu.eip = 0x1000;
    cpu.intercepts.softwareInterrupts.add(0x80);
    expect(cpu.run(10).reason).toBe('exit');
    expect(cpu.segmentSelector[SegmentRegister.Gs]).toBe(0x33);
    expect(cpu.segmentBase[SegmentRegister.Gs]).toBe(0x12345000);
  });
});

describe('execution engine', () => {
  it('self-modifying code: a store over the next instruction takes effect', () => {
    // mov byte [0x100c], 0x42 (c6 05 0c 10 00 00 42) ; nop... at 0x1007: mov eax, 1 -> patched to inc edx
    // Layout: 0x1000 c6 05 <addr32> 42 (7 bytes) ; 0x1007 b8 01 00 00 00 ; patch target is 0x1007 -> 0x42 (inc edx)
    const bytes = [0xc6, 0x05, ...dword(0x1007), 0x42, 0x90, 0x90, 0x90, 0x90, 0x90];
    // Run twice over the same code so the first decode is cached before the patch.
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 0 });
    memory.writeBytes(0x1000, Uint8Array.from([0xb8, 1, 0, 0, 0, 0xcd, 0x80]));
    cpu.eip = 0x1000;
    cpu.intercepts.softwareInterrupts.add(0x80);
    cpu.run(10); // caches "mov eax, 1" at 0x1000
    memory.writeBytes(
      0x2000,
      Uint8Array.from([...bytes.slice(0, 2), ...dword(0x1000), 0x42, 0xe9, ...dword(0x1000 - 0x200c)]),
    );
    cpu.eip = 0x2000;
    cpu.registers32[Register.Edx] = 0;
    cpu.run(10);
    expect(cpu.readRegister(Register.Edx)).toBe(1); // inc edx ran, not the cached mov eax, 1
  });

  it('self-modifying code in the same page: a patched, already linked instruction is re-decoded', () => {
    // mov ecx, 2 ; L: nop ; X: inc eax ; mov byte [X], 0x43 (inc ebx) ; loop L
    const run = runProgram([0xb9, ...dword(2), 0x90, 0x40, 0xc6, 0x05, ...dword(0x1006), 0x43, 0xe2, 0xf5]);
    expect(run.eax).toBe(1);
    expect(run.ebx).toBe(1);
  });

  it('a host write over linked code takes effect on the next run', () => {
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 0 });
    memory.writeBytes(0x1000, Uint8Array.from([0x90, 0x40, 0x90, 0xcd, 0x80])); // nop ; inc eax ; nop ; int 0x80
    cpu.intercepts.softwareInterrupts.add(0x80);
    for (let round = 0; round < 2; round++) {
      cpu.eip = 0x1000;
      cpu.run(10);
    }
    memory.write8(0x1001, 0x43); // inc ebx
    cpu.eip = 0x1000;
    cpu.run(10);
    expect(cpu.readRegister(Register.Eax)).toBe(2);
    expect(cpu.readRegister(Register.Ebx)).toBe(1);
  });

  it('an instruction crossing a page boundary decodes and runs', () => {
    // mov eax, 0x11223344 placed at 0x1ffe so its immediate spans two pages
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus() });
    cpu.enterFlatProtectedMode({ cpl: 3 });
    memory.writeBytes(0x1ffe, Uint8Array.from([0xb8, ...dword(0x11223344), 0xcd, 0x80]));
    cpu.eip = 0x1ffe;
    cpu.intercepts.softwareInterrupts.add(0x80);
    expect(cpu.run(10).reason).toBe('exit');
    expect(cpu.readRegister(Register.Eax)).toBe(0x11223344);
  });

  it('an instruction longer than 15 bytes is #GP(0)', () => {
    const run = runProgram([...new Array(15).fill(0x66), 0x90], {
      setup: (cpu) => cpu.intercepts.exceptions.add(13),
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 13, errorCode: 0 });
  });

  it('takes an external interrupt when IF=1, through the real-mode IVT, and wakes from HLT', () => {
    let pending = true;
    const source: InterruptSource = {
      hasInterrupt: () => pending,
      acknowledge: () => {
        pending = false;
        return 0x08;
      },
    };
    const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
    const cpu = new Cpu({ memory, ports: new PortBus(), interrupts: source });
    for (let segment = 0; segment < 6; segment++)
      cpu.setSegmentCache(segment, 0, 0, 0xffff, segment === 1 ? 0x9b00 : 0x9300);
    cpu.writeRegister(Register.Esp, 0x8000);
    memory.write16(0x08 * 4, 0x600);
    memory.writeBytes(0x600, Uint8Array.from([0x43, 0xcf])); // inc bx ; iret
    memory.writeBytes(0x1000, Uint8Array.from([0xfa, 0xf4, 0xfb, 0xf4, 0xcd, 0x80])); // cli ; hlt ; sti ; hlt ; int 0x80
    cpu.eip = 0x1000;
    cpu.intercepts.softwareInterrupts.add(0x80);
    expect(cpu.run(100).reason).toBe('halt'); // CLI; HLT: nothing can wake it
    expect(cpu.readRegister(Register.Ebx)).toBe(0);
    cpu.halted = false;
    const result = cpu.run(100); // STI; HLT: the interrupt is taken after HLT, then INT 0x80 exits
    expect(result.reason).toBe('exit');
    expect(cpu.readRegister(Register.Ebx)).toBe(1);
  });

  it('MOV SS holds off an external interrupt for one instruction; LSS does not (SDM 6.8.3)', () => {
    const handlerCx = (loadSs: number[]) => {
      const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
      let taken = false;
      const cpu: Cpu = new Cpu({
        memory,
        ports: new PortBus(),
        interrupts: {
          hasInterrupt: () => !taken && cpu.instructionsRetired >= 1,
          acknowledge: () => {
            taken = true;
            return 0x08;
          },
        },
      });
      for (let segment = 0; segment < 6; segment++)
        cpu.setSegmentCache(segment, 0, 0, 0xffff, segment === 1 ? 0x9b00 : 0x9300);
      cpu.writeRegister(Register.Esp, 0x8000);
      cpu.setFlags(0x202);
      memory.write16(0x08 * 4, 0x600);
      memory.writeBytes(0x600, Uint8Array.from([0x89, 0xcb, 0xcf])); // mov bx, cx ; iret
      memory.write32(0x2000, 0x8000); // far pointer for LSS: offset 0x8000, segment 0
      // mov ax, 0 ; <load SS> ; inc cx ; inc cx ; int 0x80
      memory.writeBytes(0x1000, Uint8Array.from([0xb8, 0, 0, ...loadSs, 0x41, 0x41, 0xcd, 0x80]));
      cpu.eip = 0x1000;
      cpu.intercepts.softwareInterrupts.add(0x80);
      expect(cpu.run(100).reason).toBe('exit');
      expect(taken).toBe(true);
      return cpu.readRegister(Register.Ebx);
    };
    expect(handlerCx([0x8e, 0xd0])).toBe(1); // mov ss, ax: taken after the next instruction
    expect(handlerCx([0x0f, 0xb2, 0x26, 0x00, 0x20])).toBe(0); // lss sp, [0x2000]: at once
  });

  it('getState / fromState round-trips the whole state through JSON', () => {
    const run = runProgram([0xb8, ...dword(0xdeadbeef), 0xf9, 0xfd]); // mov eax, ... ; stc ; std
    const state = JSON.parse(JSON.stringify(run.cpu.getState()));
    const copy = Cpu.fromState(state, { memory: run.memory, ports: run.ports });
    expect(copy.readRegister(Register.Eax)).toBe(0xdeadbeef);
    expect(copy.getFlags()).toBe(run.cpu.getFlags());
    expect(copy.getState()).toEqual(run.cpu.getState());
    expect(() => Cpu.fromState({ ...state, version: 99 }, { memory: run.memory, ports: run.ports })).toThrow(
      RangeError,
    );
  });

  it('a page fault with paging on is reported with CR2 and the error code', () => {
    // Page directory at 0x10000 with no present entries; paging on; then read [0x00400000].
    const run = runProgram([0xa1, ...dword(0x00400000)], {
      setup: (cpu, memory) => {
        // Identity-map the first 4 MiB with a 4 MiB page (PSE) so code keeps running.
        memory.write32(0x10000, 0x00000083);
        cpu.cr4 |= 0x10;
        cpu.cr3 = 0x10000;
        cpu.cr0 = (cpu.cr0 | 0x80000000) >>> 0;
        cpu.invalidateTranslations();
        cpu.intercepts.exceptions.add(14);
      },
    });
    expect(run.exit).toEqual({ kind: 'exception', vector: 14, errorCode: 0, faultAddress: 0x00400000 });
    void DATA_ADDRESS;
  });
});
