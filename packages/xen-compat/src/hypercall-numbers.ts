/** Xen 3.0.4 x86_32 hypercall numbers (vmi-abi-facts §2.2). EAX carries the plain number. */
export const Hypercall = {
  SetTrapTable: 0,
  MmuUpdate: 1,
  SetGdt: 2,
  StackSwitch: 3,
  SetCallbacks: 4,
  FpuTaskswitch: 5,
  SchedOpCompat: 6,
  PlatformOp: 7,
  SetDebugreg: 8,
  GetDebugreg: 9,
  UpdateDescriptor: 10,
  MemoryOp: 12,
  Multicall: 13,
  UpdateVaMapping: 14,
  SetTimerOp: 15,
  EventChannelOpCompat: 16,
  XenVersion: 17,
  ConsoleIo: 18,
  PhysdevOpCompat: 19,
  GrantTableOp: 20,
  VmAssist: 21,
  UpdateVaMappingOtherdomain: 22,
  Iret: 23,
  VcpuOp: 24,
  SetSegmentBase: 25,
  MmuextOp: 26,
  AcmOp: 27,
  NmiOp: 28,
  SchedOp: 29,
  CallbackOp: 30,
  XenoprofOp: 31,
  EventChannelOp: 32,
  PhysdevOp: 33,
  HvmOp: 34,
  Sysctl: 35,
  Domctl: 36,
  KexecOp: 37,
} as const;

/** Name of a hypercall number. */
export type HypercallName = keyof typeof Hypercall;

/** Size of the hypercall table: numbers at or above it are rejected with -ENOSYS. */
export const HYPERCALL_TABLE_SIZE = 64;

/** Each hypercall-page stub is 32 bytes: hypercall N is entered at `hypercall_page + N * 32`. */
export const HYPERCALL_STUB_SIZE = 32;

const namesByNumber: readonly (HypercallName | undefined)[] = (() => {
  const names = new Array<HypercallName | undefined>(HYPERCALL_TABLE_SIZE).fill(undefined);
  for (const [name, number] of Object.entries(Hypercall) as [HypercallName, number][]) names[number] = name;
  return names;
})();

/**
 * The name of hypercall `number`, or `undefined` for a number the 3.0.4 interface does not
 * define. Any guest-supplied value is accepted (out-of-range numbers give `undefined`).
 */
export function hypercallName(number: number): HypercallName | undefined {
  if (!Number.isInteger(number) || number < 0 || number >= HYPERCALL_TABLE_SIZE) return undefined;
  return namesByNumber[number];
}
