/**
 * Adapts x86-core's CPU and memory to the machine-side interfaces of `@openvmi/vmi-spec`, so a
 * backend written against the specification alone can attach to our PC.
 */
import type { BackendMachine, BackendRegister } from '@openvmi/vmi-spec';
import { type Cpu, completeStringInput, type PhysicalMemory, Register } from '@openvmi/x86-core';

const GENERAL: Partial<Record<BackendRegister, number>> = {
  eax: Register.Eax,
  ebx: Register.Ebx,
  ecx: Register.Ecx,
  edx: Register.Edx,
  esi: Register.Esi,
  edi: Register.Edi,
  ebp: Register.Ebp,
  esp: Register.Esp,
  eip: Register.Eip,
  eflags: Register.Eflags,
};

type ControlRegister = 'cr0' | 'cr2' | 'cr3' | 'cr4';

/** The backend's view of `cpu` and `memory`. */
export function createBackendMachine(cpu: Cpu, memory: PhysicalMemory): BackendMachine {
  return {
    registers: {
      read(register) {
        const general = GENERAL[register];
        if (general !== undefined) return cpu.readRegister(general) >>> 0;
        return cpu[register as ControlRegister] >>> 0;
      },
      write(register, value) {
        const general = GENERAL[register];
        if (general !== undefined) cpu.writeRegister(general, value >>> 0);
        else cpu[register as ControlRegister] = value >>> 0;
      },
    },
    memory: {
      size: memory.ramBytes,
      read8: (address) => memory.read8(address),
      read16: (address) => memory.read16(address),
      read32: (address) => memory.read32(address),
      write8: (address, value) => memory.write8(address, value),
      write16: (address, value) => memory.write16(address, value),
      write32: (address, value) => memory.write32(address, value),
      mapRom: (address, bytes) => memory.mapRom(address, bytes),
    },
    intercepts: {
      softwareInterrupts: { add: (vector) => cpu.intercepts.softwareInterrupts.add(vector) },
      exceptions: { add: (vector) => cpu.intercepts.exceptions.add(vector) },
      add(kind) {
        if (kind === 'control-register') cpu.intercepts.controlRegisters = true;
        else cpu.intercepts[kind] = true;
      },
    },
    completeInput(exit, value) {
      if (exit.direction !== 'in') return;
      if (exit.string === true) completeStringInput(cpu, value);
      else {
        // IN leaves the rest of EAX alone for a byte or word.
        const mask = exit.width === 4 ? 0xffffffff : (1 << (exit.width * 8)) - 1;
        const eax = cpu.readRegister(Register.Eax);
        cpu.writeRegister(Register.Eax, ((eax & ~mask) | (value & mask)) >>> 0);
      }
    },
  };
}
