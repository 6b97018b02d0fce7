/**
 * Numeric constants of VMI API 3.0 (vmi-abi-facts §1.2, §1.5, §1.8, §1.9, §1.12). Each group is
 * a frozen object so the C header generator can walk it; the names are the C names without the
 * `VMI_` prefix.
 */

/** Relocation types returned in DL by VMI_GetRelocationInfo (§1.5). */
export const RelocationType = Object.freeze({
  /** Not implemented: the guest keeps its native code. */
  None: 0,
  /** Call the implementation at `eip` (CALL rel32 at a patch site; a C function pointer in a slot). */
  CallRel: 1,
  /** Jump to `eip`; the target does not return to the site (IRET, SYSEXIT). */
  JumpRel: 2,
  /** The operation is a no-op: the site is filled with NOPs. */
  Nop: 3,
} as const);

/** A relocation type value (0–3). */
export type RelocationTypeValue = (typeof RelocationType)[keyof typeof RelocationType];

/** The C names of the relocation types, indexed by value. */
export const RELOCATION_TYPE_NAMES: readonly string[] = Object.freeze([
  'VMI_RELOCATION_NONE',
  'VMI_RELOCATION_CALL_REL',
  'VMI_RELOCATION_JUMP_REL',
  'VMI_RELOCATION_NOP',
]);

/** True when `value` is one of the four defined relocation types. */
export function isRelocationType(value: number): value is RelocationTypeValue {
  return value === 0 || value === 1 || value === 2 || value === 3;
}

/** Short names of the relocation types for tables (`none`, `call`, `jump`, `nop`). */
export const RELOCATION_TYPE_SHORT_NAMES: readonly string[] = Object.freeze(['none', 'call', 'jump', 'nop']);

/** Clobber bits of a paravirt patch site (§1.5): which registers the site lets the call change. */
export const PatchClobber = Object.freeze({
  Eax: 1,
  Ecx: 2,
  Edx: 4,
  Any: 7,
} as const);

/** Opcodes a guest writes when it patches a site from a relocation record (§1.5). */
export const PatchOpcode = Object.freeze({
  /** CALL rel32, for CALL_REL: displacement = eip − (site + 5). */
  CallRel32: 0xe8,
  /** JMP rel32, for JUMP_REL. */
  JmpRel32: 0xe9,
  Ret: 0xc3,
  Nop: 0x90,
} as const);

/** Page types and PTE-update flags (§1.8). Pairs share values; the receiving call tells them apart. */
export const PageFlag = Object.freeze({
  Normal: 0x00,
  Pt: 0x01,
  Pd: 0x02,
  Pdp: 0x04,
  Pml4: 0x08,
  /** AllocatePage/ReleasePage: allocate a PAE shadow (same value as CurrentAs). */
  Pae: 0x10,
  /** AllocatePage: clone from another shadow (same value as Defer). */
  Clone: 0x20,
  /** AllocatePage: the page is pre-zeroed. */
  Zeroed: 0x40,
  /** PTE updates: the update is to the current address space; bits 31:12 hold the VA. */
  CurrentAs: 0x10,
  /** PTE updates: may be queued until the next TLB flush or invalidation. */
  Defer: 0x20,
  /** PTE updates: the VA bits ORed into the flags. */
  VaMask: 0xfffff000,
} as const);

/** Linux's compound page types for AllocatePage (§1.8). */
export const PageLevel = Object.freeze({
  /** alloc_pt, non-PAE: PT | ZEROED. */
  L1: 0x41,
  /** alloc_pd, non-PAE: PD | ZEROED. */
  L2: 0x42,
  /** alloc_pt, PAE: PT | PAE | ZEROED. */
  L1Pae: 0x51,
  /** alloc_pd, PAE: PD | PAE | ZEROED. */
  L2Pae: 0x52,
} as const);

/** FlushTLB flags (§1.8). Linux passes 0x1 (user) or 0x3 (kernel, including global pages). */
export const FlushFlag = Object.freeze({
  Tlb: 0x01,
  Global: 0x02,
} as const);

/** SetLazyMode modes (§1.9). Modes do not nest. */
export const LazyMode = Object.freeze({
  /** Flush queued updates and leave lazy mode. */
  None: 0,
  /** Page-table updates may be queued. */
  Mmu: 1,
  /** CPU-state updates may be queued (context switch). */
  Cpu: 2,
} as const);

/** The timer counters (§1.12). REAL = STOLEN + AVAILABLE at all times. */
export const CycleCounter = Object.freeze({
  Real: 0,
  Available: 1,
  Stolen: 2,
} as const);

/** SetAlarm / CancelAlarm flags (§1.12). */
export const AlarmFlag = Object.freeze({
  /** Bits 0–7: the counter the alarm is on. */
  CounterMask: 0xff,
  IsOneshot: 0x000,
  IsPeriodic: 0x100,
  WiredIrq0: 0x00000,
  WiredLvtt: 0x10000,
} as const);

/** Miscellaneous sizes and limits of the ABI. */
export const VmiLimits = Object.freeze({
  /** Counters that can carry an alarm (REAL and AVAILABLE). */
  AlarmCounters: 2,
  /** Wallclock units per second (nanoseconds). */
  WallclockHz: 1_000_000_000,
  /** Linear-mapping slots of SetLinearMapping. */
  LinearMapSlots: 4,
  /** Number of calls in API 3.0 (0–73). */
  CallCount: 74,
} as const);

/** Where Linux scans for a VMI ROM (§1.2): [start, end) in steps. */
export const RomScan = Object.freeze({
  Start: 0xc0000,
  End: 0xe0000,
  Step: 2048,
} as const);

/** Offsets of the two bootstrap entry points in the ROM (§1.4). */
export const RomEntry = Object.freeze({
  /** VMI_Init: near call, returns EAX = 0 on success. */
  Init: 0x80,
  /** VMI_GetRelocationInfo: EAX = call number in, EDX:EAX = relocation record out. */
  GetRelocationInfo: 0x88,
  /** Size of each bootstrap entry slot. */
  SlotSize: 8,
} as const);

/** License strings Linux 2.6.21+ accepts (§1.2 step 8). */
export const ACCEPTED_LICENSES: readonly string[] = Object.freeze(['GPL', 'GPL v2']);
