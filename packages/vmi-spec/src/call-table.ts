/**
 * The VMI API 3.0 call table, calls 0–73 (vmi-abi-facts §1.6, §1.7). One flat table declared
 * once; the C header, the README tables, the ROM builder and every backend are driven from it.
 *
 * Register convention: regparm(3). Arguments 1–3 in EAX, EDX, ECX; further 32-bit arguments on
 * the stack, argument 4 at [ESP+4] on entry (the caller pops them). 32-bit results in EAX, 64-bit
 * results in EDX:EAX. "standard" calls clobber EAX, ECX, EDX and EFLAGS; "flags-only" calls
 * (29–32, and CPUID and the OUT calls by their own convention) preserve every register that is
 * not a result. Calls that break the C convention say so in `note`.
 */
import { VmiSpecError } from './errors.js';

/** A 32-bit general register by its assembler name. */
export type GeneralRegister = 'eax' | 'ebx' | 'ecx' | 'edx' | 'esi' | 'edi' | 'ebp' | 'esp';

/** Where an argument is passed: a register, or a 32-bit stack slot at [ESP + offset] on entry. */
export type ArgumentLocation =
  | { readonly kind: 'register'; readonly register: GeneralRegister }
  | { readonly kind: 'stack'; readonly offset: number };

/** One argument of a call. */
export interface VmiCallArgument {
  /** Name as the spec or Linux calls it (snake_case, as in the C header). */
  readonly name: string;
  readonly location: ArgumentLocation;
}

/** What a call returns. */
export type VmiCallResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'eax'; readonly name: string }
  | { readonly kind: 'edx:eax'; readonly name: string }
  /** CPUID: EAX, EBX, ECX, EDX as the native instruction. */
  | { readonly kind: 'cpuid' }
  /** The call stores its result through a pointer argument. */
  | { readonly kind: 'memory'; readonly name: string };

/** Which registers a call may change besides its results. */
export type ClobberConvention =
  /** EAX, ECX, EDX and EFLAGS (the C convention). */
  | 'standard'
  /** EFLAGS only: every other register not holding a result is preserved (calls 29–32). */
  | 'flags-only'
  /** Nothing at all (the spec's OUT calls). */
  | 'none'
  /** As the native string instruction: ECX and ESI/EDI advance, EFLAGS preserved. */
  | 'string-io';

/** How Linux 2.6.21–2.6.36 binds the call (§1.6). */
export type LinuxBinding =
  /** The ROM address is installed directly as the paravirt op (it must follow the op's C ABI). */
  | 'fill'
  /** A Linux wrapper calls a cached ROM pointer. */
  | 'wrap'
  /** Only inline patch sites use it. */
  | 'patch'
  /** Installed as the op and also patched inline (the interrupt-flag calls). */
  | 'fill-and-patch'
  /** Linux never asks for it. */
  | 'unused';

/** Where the call number is documented. */
export type CallSource = 'linux' | 'vmi-calls-v3';

/** One entry of the call table. */
export interface VmiCall {
  /** Call number (0–73), the argument of VMI_GetRelocationInfo. */
  readonly number: number;
  /** Name without the `VMI_` prefix, as in Linux's `VMI_CALL_*`. */
  readonly name: string;
  readonly arguments: readonly VmiCallArgument[];
  readonly result: VmiCallResult;
  readonly clobbers: ClobberConvention;
  /** True for IRET and SYSEXIT: reached by JMP (or CALL) and never return. */
  readonly nonReturning: boolean;
  readonly linuxBinding: LinuxBinding;
  /** The paravirt op(s) the call backs in Linux, or '' when unused. */
  readonly linuxHook: string;
  readonly source: CallSource;
  /** Anything unusual about the convention or semantics. */
  readonly note: string;
}

/** Registers a `standard` call may change (besides results). */
export const STANDARD_CLOBBERED_REGISTERS: readonly GeneralRegister[] = Object.freeze(['eax', 'ecx', 'edx']);

const r = (name: string, register: GeneralRegister): VmiCallArgument => ({
  name,
  location: { kind: 'register', register },
});
const s = (name: string, offset: number): VmiCallArgument => ({ name, location: { kind: 'stack', offset } });
const none: VmiCallResult = { kind: 'none' };
const eax = (name: string): VmiCallResult => ({ kind: 'eax', name });
const edxEax = (name: string): VmiCallResult => ({ kind: 'edx:eax', name });

interface Row {
  name: string;
  arguments?: VmiCallArgument[];
  result?: VmiCallResult;
  clobbers?: ClobberConvention;
  nonReturning?: boolean;
  binding: LinuxBinding;
  hook?: string;
  source?: CallSource;
  note?: string;
}

const descriptorEntry = (hook: string, table: string): Row => ({
  name: `Write${table}Entry`,
  arguments: [r('table_base', 'eax'), r('index', 'edx'), r('descriptor_low', 'ecx'), s('descriptor_high', 4)],
  binding: 'fill',
  hook,
  note: 'fill in 2.6.21, wrap later; the monitor may change DPL/RPL/limit of the stored entry',
});
const portIn = (name: string): Row => ({
  name,
  arguments: [r('port', 'edx')],
  result: eax('value'),
  binding: 'unused',
  source: 'vmi-calls-v3',
  note: 'the result is zero-extended into EAX',
});
const portInString = (name: string): Row => ({
  name,
  arguments: [r('buffer', 'edi'), r('port', 'edx'), r('count', 'ecx')],
  clobbers: 'string-io',
  binding: 'unused',
  source: 'vmi-calls-v3',
  note: 'as REP INS with DF = 0: EDI and ECX advance',
});
const portOut = (name: string): Row => ({
  name,
  arguments: [r('value', 'eax'), r('port', 'edx')],
  clobbers: 'none',
  binding: 'unused',
  source: 'vmi-calls-v3',
});
const portOutString = (name: string): Row => ({
  name,
  arguments: [r('buffer', 'esi'), r('port', 'edx'), r('count', 'ecx')],
  clobbers: 'string-io',
  binding: 'unused',
  source: 'vmi-calls-v3',
  note: 'as REP OUTS with DF = 0: ESI and ECX advance',
});

// Index = call number. Keep this list in number order; a test checks the length and the names.
const ROWS: readonly Row[] = [
  {
    name: 'CPUID',
    arguments: [r('leaf', 'eax'), r('subleaf', 'ecx')],
    result: { kind: 'cpuid' },
    clobbers: 'flags-only',
    binding: 'wrap',
    hook: 'cpuid',
    note: 'non-C: returns EAX, EBX, ECX, EDX like the instruction',
  },
  {
    name: 'WRMSR',
    arguments: [r('low', 'eax'), r('high', 'edx'), r('msr', 'ecx')],
    binding: 'unused',
    note: 'Linux keeps the native instruction (trap and emulate)',
  },
  {
    name: 'RDMSR',
    arguments: [r('msr', 'ecx')],
    result: edxEax('value'),
    binding: 'unused',
    note: 'the C prototype uses a dummy 64-bit first argument to land the index in ECX',
  },
  {
    name: 'SetGDT',
    arguments: [r('descriptor', 'eax')],
    binding: 'fill',
    hook: 'load_gdt',
    note: 'EAX points to a 6-byte DTR',
  },
  { name: 'SetLDT', arguments: [r('selector', 'eax')], binding: 'wrap', hook: 'set_ldt' },
  {
    name: 'SetIDT',
    arguments: [r('descriptor', 'eax')],
    binding: 'fill',
    hook: 'load_idt',
    note: 'EAX points to a 6-byte DTR',
  },
  { name: 'SetTR', arguments: [r('selector', 'eax')], binding: 'wrap', hook: 'load_tr_desc' },
  {
    name: 'GetGDT',
    arguments: [r('descriptor', 'eax')],
    result: { kind: 'memory', name: 'descriptor' },
    binding: 'fill',
    hook: 'store_gdt',
  },
  { name: 'GetLDT', result: eax('selector'), binding: 'unused' },
  {
    name: 'GetIDT',
    arguments: [r('descriptor', 'eax')],
    result: { kind: 'memory', name: 'descriptor' },
    binding: 'fill',
    hook: 'store_idt',
  },
  { name: 'GetTR', result: eax('selector'), binding: 'fill', hook: 'store_tr' },
  descriptorEntry('write_gdt_entry', 'GDT'),
  descriptorEntry('write_ldt_entry', 'LDT'),
  descriptorEntry('write_idt_entry', 'IDT'),
  {
    name: 'UpdateKernelStack',
    arguments: [r('tss_or_selector', 'eax'), r('esp0', 'edx')],
    binding: 'wrap',
    hook: 'load_esp0/load_sp0',
    note: 'spec: EAX = TSS pointer; Linux passes __KERNEL_DS and writes tss.esp0 itself',
  },
  { name: 'SetCR0', arguments: [r('value', 'eax')], binding: 'fill', hook: 'write_cr0' },
  { name: 'SetCR2', arguments: [r('value', 'eax')], binding: 'fill', hook: 'write_cr2' },
  { name: 'SetCR3', arguments: [r('value', 'eax')], binding: 'fill', hook: 'write_cr3' },
  { name: 'SetCR4', arguments: [r('value', 'eax')], binding: 'fill', hook: 'write_cr4' },
  { name: 'GetCR0', result: eax('value'), binding: 'fill', hook: 'read_cr0' },
  { name: 'GetCR2', result: eax('value'), binding: 'fill', hook: 'read_cr2' },
  { name: 'GetCR3', result: eax('value'), binding: 'fill', hook: 'read_cr3' },
  { name: 'GetCR4', result: eax('value'), binding: 'fill', hook: 'read_cr4' },
  { name: 'WBINVD', binding: 'fill', hook: 'wbinvd' },
  {
    name: 'SetDR',
    arguments: [r('register_number', 'eax'), r('value', 'edx')],
    binding: 'fill',
    hook: 'set_debugreg',
  },
  {
    name: 'GetDR',
    arguments: [r('register_number', 'eax')],
    result: eax('value'),
    binding: 'fill',
    hook: 'get_debugreg',
  },
  {
    name: 'RDPMC',
    arguments: [r('counter', 'ecx')],
    result: edxEax('value'),
    binding: 'unused',
    note: 'dummy 64-bit first argument lands the counter in ECX',
  },
  { name: 'RDTSC', result: edxEax('tsc'), binding: 'fill', hook: 'read_tsc' },
  { name: 'CLTS', binding: 'fill', hook: 'clts' },
  {
    name: 'EnableInterrupts',
    clobbers: 'flags-only',
    binding: 'fill-and-patch',
    hook: 'irq_enable',
    note: 'delivers pending interrupts',
  },
  { name: 'DisableInterrupts', clobbers: 'flags-only', binding: 'fill-and-patch', hook: 'irq_disable' },
  {
    name: 'GetInterruptMask',
    result: eax('mask'),
    clobbers: 'flags-only',
    binding: 'fill-and-patch',
    hook: 'save_fl',
    note: 'EAX = 0x200 (the IF bit) when enabled, else 0',
  },
  {
    name: 'SetInterruptMask',
    arguments: [r('mask', 'eax')],
    clobbers: 'flags-only',
    binding: 'fill-and-patch',
    hook: 'restore_fl',
    note: 'only the IF bit (0x200) matters',
  },
  {
    name: 'IRET',
    arguments: [s('eip', 0), s('cs', 4), s('eflags', 8), s('esp', 12), s('ss', 16)],
    nonReturning: true,
    binding: 'patch',
    hook: 'iret',
    note: 'stack as for the native IRET ([ESP] = EIP when jumped to); ESP/SS only to an outer ring',
  },
  {
    name: 'SYSEXIT',
    arguments: [r('eip', 'edx'), r('esp', 'ecx')],
    nonReturning: true,
    binding: 'patch',
    hook: 'irq_enable_sysexit',
    note: 'enables interrupts atomically with the return to user mode',
  },
  { name: 'Halt', binding: 'fill', hook: 'safe_halt', note: 'always a safe halt (sti; hlt)' },
  {
    name: 'Reboot',
    arguments: [r('how', 'eax')],
    binding: 'unused',
    note: 'EAX = 0 soft (INIT-like), 1 hard (reset)',
  },
  { name: 'Shutdown', binding: 'unused' },
  {
    name: 'SetPxE',
    arguments: [r('pte', 'eax'), r('pointer', 'edx'), r('flags', 'ecx')],
    binding: 'wrap',
    hook: 'set_pte/set_pte_at/set_pmd',
    note: 'non-PAE',
  },
  {
    name: 'SetPxELong',
    arguments: [r('pte_low', 'eax'), r('pte_high', 'edx'), r('pointer', 'ecx'), s('flags', 4)],
    binding: 'wrap',
    hook: 'set_pte/set_pmd/set_pud/pte_clear/pmd_clear (PAE)',
    note: 'PAE; register assignment follows GCC regparm rules (UNVERIFIED against a ROM binary)',
  },
  {
    name: 'UpdatePxE',
    arguments: [r('pointer', 'eax'), r('flags', 'edx')],
    binding: 'wrap',
    hook: 'pte_update/pte_update_defer',
    note: 'the guest has already written the entry',
  },
  {
    name: 'UpdatePxELong',
    arguments: [r('pointer', 'eax'), r('flags', 'edx')],
    binding: 'wrap',
    hook: 'pte_update/pte_update_defer/set_pte_atomic (PAE)',
    note: 'the guest has already written the entry',
  },
  {
    name: 'MachineToPhysical',
    arguments: [r('machine', 'eax')],
    result: eax('physical'),
    binding: 'unused',
    note: 'intended for Xen compatibility; convention chosen here (UNVERIFIED)',
  },
  {
    name: 'PhysicalToMachine',
    arguments: [r('physical', 'eax')],
    result: eax('machine'),
    binding: 'unused',
    note: 'intended for Xen compatibility; convention chosen here (UNVERIFIED)',
  },
  {
    name: 'AllocatePage',
    arguments: [r('pfn', 'eax'), r('flags', 'edx'), r('clone_pfn', 'ecx'), s('start', 4), s('count', 8)],
    binding: 'fill',
    hook: 'alloc_pt/alloc_pd/alloc_pd_clone (alloc_pte/alloc_pmd later)',
  },
  {
    name: 'ReleasePage',
    arguments: [r('pfn', 'eax'), r('flags', 'edx')],
    binding: 'fill',
    hook: 'release_pt/release_pd (release_pte/release_pmd later)',
  },
  { name: 'InvalPage', arguments: [r('address', 'eax')], binding: 'fill', hook: 'flush_tlb_single' },
  {
    name: 'FlushTLB',
    arguments: [r('flags', 'eax')],
    binding: 'wrap',
    hook: 'flush_tlb_user (0x1)/flush_tlb_kernel (0x3)',
  },
  {
    name: 'SetLinearMapping',
    arguments: [r('slot', 'eax'), r('address', 'edx'), r('pages', 'ecx'), s('pfn', 4)],
    binding: 'wrap',
    hook: 'map_pt_hook/kmap_atomic_pte; slot 0 in vmi_bringup',
  },
  portIn('INL'),
  portIn('INB'),
  portIn('INW'),
  portInString('INSL'),
  portInString('INSB'),
  portInString('INSW'),
  portOut('OUTL'),
  portOut('OUTB'),
  portOut('OUTW'),
  portOutString('OUTSL'),
  portOutString('OUTSB'),
  portOutString('OUTSW'),
  {
    name: 'SetIOPLMask',
    arguments: [r('mask', 'eax')],
    binding: 'fill',
    hook: 'set_iopl_mask',
    note: 'EAX = IOPL << 12',
  },
  {
    name: 'SetInitialAPState',
    arguments: [r('state', 'eax'), r('apic_id', 'edx')],
    binding: 'wrap',
    hook: 'startup_ipi_hook',
    note: 'EAX points to struct vmi_ap_state',
  },
  {
    name: 'APICWrite',
    arguments: [r('register_offset', 'eax'), r('value', 'edx')],
    binding: 'fill',
    hook: 'apic_write/apic_write_atomic',
    note: 'Linux passes the register offset (e.g. 0x320 = LVTT)',
  },
  {
    name: 'APICRead',
    arguments: [r('register_offset', 'eax')],
    result: eax('value'),
    binding: 'fill',
    hook: 'apic_read',
  },
  { name: 'IODelay', binding: 'fill', hook: 'io_delay' },
  {
    name: 'GetCycleFrequency',
    result: edxEax('cycles_per_second'),
    binding: 'wrap',
    hook: 'cpu_khz/tsc_khz (timer probe)',
  },
  {
    name: 'GetCycleCounter',
    arguments: [r('counter', 'eax')],
    result: edxEax('cycles'),
    binding: 'wrap',
    hook: 'clocksource/sched_clock',
    note: '0 for an unknown counter',
  },
  {
    name: 'SetAlarm',
    arguments: [
      r('flags', 'eax'),
      r('expiry_low', 'edx'),
      r('expiry_high', 'ecx'),
      s('period_low', 4),
      s('period_high', 8),
    ],
    binding: 'wrap',
    hook: 'clock events',
  },
  {
    name: 'CancelAlarm',
    arguments: [r('flags', 'eax')],
    result: eax('was_armed'),
    binding: 'wrap',
    hook: 'clock events',
  },
  { name: 'GetWallclockTime', result: edxEax('nanoseconds'), binding: 'wrap', hook: 'get_wallclock' },
  {
    name: 'WallclockUpdated',
    result: eax('updated'),
    binding: 'unused',
    note: 'Linux caches the relocation but never calls it',
  },
  {
    name: 'SetCallbacks',
    binding: 'unused',
    source: 'vmi-calls-v3',
    note: 'semantics UNVERIFIED: no arguments are defined here; backends should report NONE',
  },
  {
    name: 'SetLazyMode',
    arguments: [r('mode', 'eax')],
    binding: 'wrap',
    hook: 'set_lazy_mode / lazy_mode enter-leave / start-end_context_switch',
  },
];

function freezeRow(row: Row, number: number): VmiCall {
  const call: VmiCall = {
    number,
    name: row.name,
    arguments: Object.freeze([...(row.arguments ?? [])]),
    result: row.result ?? none,
    clobbers: row.clobbers ?? 'standard',
    nonReturning: row.nonReturning ?? false,
    linuxBinding: row.binding,
    linuxHook: row.hook ?? '',
    source: row.source ?? (number >= 49 && number <= 60 ? 'vmi-calls-v3' : 'linux'),
    note: row.note ?? '',
  };
  return Object.freeze(call);
}

/** The API 3.0 call table: `VMI_CALLS[n].number === n` for n in 0–73. */
export const VMI_CALLS: readonly VmiCall[] = Object.freeze(ROWS.map(freezeRow));

/** Number of calls (74). */
export const VMI_CALL_COUNT = VMI_CALLS.length;

/** True when `number` is a defined call number (an integer in 0–73). */
export function isVmiCallNumber(number: number): boolean {
  return Number.isInteger(number) && number >= 0 && number < VMI_CALL_COUNT;
}

/**
 * The call with this number.
 * @throws VmiSpecError `unknown-call` for anything but an integer in 0–73.
 */
export function vmiCall(number: number): VmiCall {
  if (!isVmiCallNumber(number)) {
    throw new VmiSpecError(
      'unknown-call',
      `VMI call number ${String(number)} is not in 0–${VMI_CALL_COUNT - 1}`,
    );
  }
  return VMI_CALLS[number];
}

const BY_NAME = new Map(VMI_CALLS.map((call) => [call.name, call]));

/**
 * The call with this name (as in `VMI_CALL_<name>`, case-sensitive).
 * @throws VmiSpecError `unknown-call` when no call has that name.
 */
export function vmiCallByName(name: string): VmiCall {
  const call = BY_NAME.get(name);
  if (call === undefined)
    throw new VmiSpecError('unknown-call', `no VMI call is named ${JSON.stringify(name)}`);
  return call;
}

/** Call numbers by name, for readable backend code (`VmiCallNumber.SetCR3 === 17`). */
export const VmiCallNumber: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(VMI_CALLS.map((call) => [call.name, call.number])),
);

/** The registers a call may change: its result registers plus what its convention clobbers. */
export function clobberedRegisters(call: VmiCall): readonly GeneralRegister[] {
  const changed = new Set<GeneralRegister>();
  if (call.clobbers === 'standard')
    for (const register of STANDARD_CLOBBERED_REGISTERS) changed.add(register);
  if (call.clobbers === 'string-io') {
    changed.add('ecx');
    for (const argument of call.arguments) {
      if (argument.location.kind === 'register' && argument.name === 'buffer')
        changed.add(argument.location.register);
    }
  }
  switch (call.result.kind) {
    case 'eax':
      changed.add('eax');
      break;
    case 'edx:eax':
      changed.add('eax');
      changed.add('edx');
      break;
    case 'cpuid':
      for (const register of ['eax', 'ebx', 'ecx', 'edx'] as const) changed.add(register);
      break;
    default:
      break;
  }
  return [...changed];
}
