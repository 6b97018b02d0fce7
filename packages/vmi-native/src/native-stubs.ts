/**
 * The vmi-native implementation of every VMI call: the native instruction sequence, honouring
 * each call's register convention from the vmi-spec call table. Calls with no native meaning
 * are NOP (AllocatePage, ReleasePage, SetLinearMapping, SetLazyMode) or NONE (the timer calls,
 * SetInitialAPState, the APIC calls, SetCallbacks), so the guest keeps its native code for them.
 */
import {
  type CallImplementation,
  Condition,
  FlushFlag,
  Reg,
  type VmiCall,
  VmiSpecError,
  type X86Assembler,
} from '@openvmi/vmi-spec';

const EFLAGS_IF = 0x200;
const EFLAGS_IOPL = 0x3000;
const CR4_PGE = 0x80;
/** Debug registers that exist (DR4/DR5 alias DR6/DR7 only when CR4.DE = 0). */
const DEBUG_REGISTERS = [0, 1, 2, 3, 6, 7] as const;

const call = (emit: (assembler: X86Assembler) => void): CallImplementation => ({ type: 'call', emit });
const jump = (emit: (assembler: X86Assembler) => void): CallImplementation => ({ type: 'jump', emit });
const NONE: CallImplementation = { type: 'none' };
const NOP: CallImplementation = { type: 'nop' };

/** `mov [eax + edx*8], ecx; mov ecx, [esp+4]; mov [eax + edx*8 + 4], ecx; ret`. */
function writeDescriptorEntry(assembler: X86Assembler): void {
  assembler
    .movStore({ base: Reg.eax, index: Reg.edx, scale: 8 }, Reg.ecx)
    .movLoad(Reg.ecx, { base: Reg.esp, displacement: 4 })
    .movStore({ base: Reg.eax, index: Reg.edx, scale: 8, displacement: 4 }, Reg.ecx)
    .ret();
}

/** Dispatch on EAX = debug-register number; unknown numbers do nothing. */
function debugRegisterDispatch(
  assembler: X86Assembler,
  prefix: string,
  access: (assembler: X86Assembler, register: number) => void,
): void {
  for (const register of DEBUG_REGISTERS) {
    const next = `${prefix}.not${register}`;
    assembler.cmpImmediate8(Reg.eax, register).jumpIf(Condition.notEqual, next);
    access(assembler, register);
    assembler.ret().label(next);
  }
  assembler.ret();
}

function portIn(width: 1 | 2 | 4): CallImplementation {
  return call((assembler) => {
    if (width !== 4) assembler.xorRegister(Reg.eax, Reg.eax);
    assembler.inFromDx(width).ret();
  });
}

/** The vmi-native implementation of `vmiCall`. */
export function nativeImplementation(vmiCall: VmiCall): CallImplementation {
  const controlRegister = (name: string): 0 | 2 | 3 | 4 => Number(name.slice(-1)) as 0 | 2 | 3 | 4;
  switch (vmiCall.name) {
    case 'CPUID':
      return call((a) => a.cpuid().ret());
    case 'WRMSR':
      return call((a) => a.wrmsr().ret());
    case 'RDMSR':
      return call((a) => a.rdmsr().ret());
    case 'SetGDT':
      return call((a) => a.lgdt({ base: Reg.eax }).ret());
    case 'SetIDT':
      return call((a) => a.lidt({ base: Reg.eax }).ret());
    case 'GetGDT':
      return call((a) => a.sgdt({ base: Reg.eax }).ret());
    case 'GetIDT':
      return call((a) => a.sidt({ base: Reg.eax }).ret());
    case 'SetLDT':
      return call((a) => a.lldt(Reg.eax).ret());
    case 'SetTR':
      return call((a) => a.ltr(Reg.eax).ret());
    case 'GetLDT':
      return call((a) => a.xorRegister(Reg.eax, Reg.eax).sldt(Reg.eax).ret());
    case 'GetTR':
      return call((a) => a.xorRegister(Reg.eax, Reg.eax).str(Reg.eax).ret());
    case 'WriteGDTEntry':
    case 'WriteLDTEntry':
    case 'WriteIDTEntry':
      return call(writeDescriptorEntry);
    case 'UpdateKernelStack':
      // Natively the kernel stack lives in the TSS, which Linux's wrapper writes itself.
      return call((a) => a.ret());
    case 'SetCR0':
    case 'SetCR2':
    case 'SetCR3':
    case 'SetCR4':
      return call((a) => a.movToCr(controlRegister(vmiCall.name), Reg.eax).ret());
    case 'GetCR0':
    case 'GetCR2':
    case 'GetCR3':
    case 'GetCR4':
      return call((a) => a.movFromCr(Reg.eax, controlRegister(vmiCall.name)).ret());
    case 'WBINVD':
      return call((a) => a.wbinvd().ret());
    case 'SetDR':
      return call((a) => debugRegisterDispatch(a, 'setdr', (b, register) => b.movToDr(register, Reg.edx)));
    case 'GetDR':
      return call((a) => debugRegisterDispatch(a, 'getdr', (b, register) => b.movFromDr(Reg.eax, register)));
    case 'RDPMC':
      return call((a) => a.rdpmc().ret());
    case 'RDTSC':
      return call((a) => a.rdtsc().ret());
    case 'CLTS':
      return call((a) => a.clts().ret());
    case 'EnableInterrupts':
      return call((a) => a.sti().ret());
    case 'DisableInterrupts':
      return call((a) => a.cli().ret());
    case 'GetInterruptMask':
      return call((a) => a.pushfd().pop(Reg.eax).andImmediate(Reg.eax, EFLAGS_IF).ret());
    case 'SetInterruptMask':
      // test ah, 0x02 (the IF bit of EAX); only EFLAGS changes.
      return call((a) =>
        a
          .testByteRegisterImmediate(4, EFLAGS_IF >> 8)
          .jumpIf(Condition.equal, 'setmask.off')
          .sti()
          .ret()
          .label('setmask.off')
          .cli()
          .ret(),
      );
    case 'IRET':
      return jump((a) => a.iret());
    case 'SYSEXIT':
      return jump((a) => a.sti().sysexit());
    case 'Halt':
      return call((a) => a.sti().hlt().ret());
    case 'Reboot':
      // Pulse the reset line through the 8042 (command 0xFE to port 0x64), then stop.
      return call((a) =>
        a
          .movByteImmediate(0, 0xfe)
          .outImmediateAl(0x64)
          .label('reboot.stop')
          .cli()
          .hlt()
          .jumpShort('reboot.stop'),
      );
    case 'Shutdown':
      // No architectural power-off: stop the CPU for good.
      return call((a) => a.label('shutdown.stop').cli().hlt().jumpShort('shutdown.stop'));
    case 'SetPxE':
      return call((a) => a.movStore({ base: Reg.edx }, Reg.eax).ret());
    case 'SetPxELong':
      // High word first, as Linux's native PAE set_pte does, so the entry is never half-present.
      return call((a) =>
        a.movStore({ base: Reg.ecx, displacement: 4 }, Reg.edx).movStore({ base: Reg.ecx }, Reg.eax).ret(),
      );
    case 'UpdatePxE':
    case 'UpdatePxELong':
      // The guest has already written the entry; natively there is nothing to tell anyone.
      return call((a) => a.ret());
    case 'MachineToPhysical':
    case 'PhysicalToMachine':
      // Natively machine and physical addresses are the same: return EAX unchanged.
      return call((a) => a.ret());
    case 'AllocatePage':
    case 'ReleasePage':
    case 'SetLinearMapping':
    case 'SetLazyMode':
      return NOP;
    case 'InvalPage':
      return call((a) => a.invlpg({ base: Reg.eax }).ret());
    case 'FlushTLB':
      return call((a) => {
        a.testAlImmediate(FlushFlag.Global).jumpIf(Condition.equal, 'flush.local');
        // Toggle CR4.PGE off and back: flushes global entries too.
        a.movFromCr(Reg.ecx, 4)
          .movRegister(Reg.edx, Reg.ecx)
          .andImmediate(Reg.edx, ~CR4_PGE >>> 0)
          .movToCr(4, Reg.edx)
          .movToCr(4, Reg.ecx);
        // Reloading CR3 flushes every non-global entry (all of them when PGE is off).
        a.label('flush.local').movFromCr(Reg.ecx, 3).movToCr(3, Reg.ecx).ret();
      });
    case 'INL':
      return portIn(4);
    case 'INB':
      return portIn(1);
    case 'INW':
      return portIn(2);
    case 'INSL':
      return call((a) => a.repIns(4).ret());
    case 'INSB':
      return call((a) => a.repIns(1).ret());
    case 'INSW':
      return call((a) => a.repIns(2).ret());
    case 'OUTL':
      return call((a) => a.outToDx(4).ret());
    case 'OUTB':
      return call((a) => a.outToDx(1).ret());
    case 'OUTW':
      return call((a) => a.outToDx(2).ret());
    case 'OUTSL':
      return call((a) => a.repOuts(4).ret());
    case 'OUTSB':
      return call((a) => a.repOuts(1).ret());
    case 'OUTSW':
      return call((a) => a.repOuts(2).ret());
    case 'SetIOPLMask':
      return call((a) =>
        a
          .andImmediate(Reg.eax, EFLAGS_IOPL)
          .pushfd()
          .andMemoryImmediate({ base: Reg.esp }, ~EFLAGS_IOPL >>> 0)
          .orStore({ base: Reg.esp }, Reg.eax)
          .popfd()
          .ret(),
      );
    case 'IODelay':
      // Linux's native io_delay: a write to the POST diagnostic port 0x80.
      return call((a) => a.outImmediateAl(0x80).ret());
    case 'SetInitialAPState':
    case 'APICWrite':
    case 'APICRead':
    case 'GetCycleFrequency':
    case 'GetCycleCounter':
    case 'SetAlarm':
    case 'CancelAlarm':
    case 'GetWallclockTime':
    case 'WallclockUpdated':
    case 'SetCallbacks':
      return NONE;
    default:
      throw new VmiSpecError('unknown-call', `vmi-native has no implementation for ${vmiCall.name}`);
  }
}
