/**
 * The system architecture of the i686: segmentation with checks, paging and the software TLB,
 * exception/interrupt delivery, task switching, virtual-8086 mode and the system instructions.
 * Every function takes the core's `Cpu` (structurally a {@link SystemCpu}) as its first argument.
 * See README.md in this folder for what is implemented and what is not.
 */

export {
  breakpointsArmed,
  Dr6,
  matchDataBreakpoint,
  matchInstructionBreakpoint,
  matchIoBreakpoint,
  recordBreakpointHits,
} from './debug.js';
export * from './descriptor.js';
export { farCall, farJump, farReturn } from './far-transfer.js';
export { GuestFault, TripleFault } from './fault.js';
export {
  deliverInterrupt,
  deliverOnce,
  EventKind,
  interruptReturn,
  mergeEflags,
  raiseException,
  readTssStack,
} from './interrupts.js';
export { readLinear, translateLinear, writeLinear } from './linear.js';
export {
  Access,
  accessKind,
  Mmu,
  PageEntry,
  PageFaultError,
  permissionBit,
  TlbPermission,
  type TlbStatistics,
} from './paging.js';
export { ArrayPhysicalAccess, type PhysicalAccess } from './physical-access.js';
export {
  checkSegmentLimit,
  type DescriptorEntry,
  loadCache,
  loadRealModeSegment,
  loadSegment,
  markAccessed,
  nullInaccessibleDataSegments,
  readDescriptor,
} from './segmentation.js';
export { StackCursor } from './stack-frame.js';
export {
  Cr0,
  Cr4,
  Eflags,
  isProtectedMode,
  isVirtual8086,
  nullSegment,
  SegmentRegister,
  type SystemCpu,
} from './system-cpu.js';
export { mmuOf } from './system-cpu-mmu.js';
export {
  CR4_SUPPORTED,
  checkIoPermission,
  invalidatePage,
  loadAccessRights,
  loadLdt,
  loadSegmentLimit,
  loadTaskRegister,
  Msr,
  readDebugRegister,
  readMsr,
  sysenter,
  sysexit,
  timeStampCounterBase,
  verifySegment,
  writeControlRegister,
  writeDebugRegister,
  writeMsr,
} from './system-instructions.js';
export { setBusy, switchTask, TaskSwitchReason } from './task-switch.js';
export {
  combineExceptions,
  ExceptionClass,
  exceptionClass,
  exceptionHasErrorCode,
  Vector,
  type VectorNumber,
} from './vectors.js';
