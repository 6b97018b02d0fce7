/**
 * @openvmi/x86-core — an i686-class CPU with its physical memory and bus interfaces.
 * See README.md for what is implemented and DESIGN.md for the internal seams.
 */
export * from './bus-interfaces.js';
export { Cpu, type CpuOptions, FLAT_GDT_ENTRIES, type FlatModeOptions } from './cpu/cpu.js';
export { createIntercepts, type ExitRecord, type Intercepts, type RunResult } from './cpu/exits.js';
export { LazyOp } from './cpu/lazy-flags.js';
export {
  Access,
  ARITHMETIC_FLAGS,
  Cr0,
  Cr4,
  Flag,
  InterruptKind,
  Register,
  type RegisterName,
  SegmentRegister,
  type SegmentRegisterName,
} from './cpu/registers.js';
export { CPU_STATE_VERSION, type CpuState, type SegmentState } from './cpu/state.js';
export { decodeInstruction, MAX_INSTRUCTION_LENGTH } from './decoder/decode.js';
export { Instruction, type InstructionHandler, RepeatPrefix } from './decoder/instruction.js';
export {
  ONE_BYTE_MAP,
  type OpcodeEntry,
  type OpcodeGroup,
  type OpcodeSlot,
  TWO_BYTE_MAP,
} from './decoder/opcode-table.js';
export { completeStringInput } from './instructions/io.js';
export { PageKind, PhysicalMemory, type PhysicalMemoryOptions, PortBus } from './memory/index.js';
export { GuestFault, TripleFault } from './system/fault.js';
export { Vector, type VectorNumber } from './system/vectors.js';
