/*
 * The paravirt-ops layer: every privileged operation the kernel performs is one of the inline
 * functions below, and each of them is a *patch site*.
 *
 * A site holds the native instruction(s), padded with NOPs to at least 5 bytes, and leaves a
 * record in the .parainstructions section: the site's address, the VMI call number, the site's
 * length and the registers the site may clobber (the layout Linux's .parainstructions used).
 * With no VMI ROM the native code simply runs. When vmi.c finds a ROM it asks, for each site's
 * call, VMI_GetRelocationInfo where the implementation lives and rewrites the site with a CALL
 * rel32 or a JMP rel32 to it, fills it with NOPs, or leaves it alone (vmi_patch_sites()).
 *
 * Because the ROM may be called instead of the native code, each site is written with the
 * VMI register convention (regparm(3): arguments in EAX, EDX, ECX, further ones on the stack,
 * results in EAX or EDX:EAX), and the compiler is told that EAX, ECX and EDX may change,
 * except for the interrupt-flag calls (29-32) and CPUID, which the ROM must keep to "flags
 * only" as the spec requires.
 *
 * The call numbers come from the generated ABI header (packages/vmi-spec/c); nothing here
 * repeats them.
 */
#ifndef GUEST_PARAVIRT_H
#define GUEST_PARAVIRT_H

#include "types.h"
#include "vmi.generated.h"

/* Clobber bits of a site record (Linux's CLBR_EAX/ECX/EDX). */
#define PV_CLOBBER_NONE 0
#define PV_CLOBBER_EAX 1
#define PV_CLOBBER_ECX 2
#define PV_CLOBBER_EDX 4
#define PV_CLOBBER_STANDARD 7

/* One record of the .parainstructions section. */
struct pv_site {
    uint32_t address;  /* first byte of the site */
    uint8_t call;      /* VMI call number */
    uint8_t length;    /* bytes available for a patch (>= 5) */
    uint16_t clobbers; /* PV_CLOBBER_* bits */
};

/*
 * The site template. `native` is assembled between labels 771 and 772; NOPs pad it to five
 * bytes (GAS comparisons yield -1 for true, hence the leading minus). The operand named
 * [call] carries the call number into the record.
 */
#define PV_SITE(native, clobbers)                                                      \
    "771:\n\t" native "\n"                                                             \
    "772:\n\t.fill -(((772b - 771b) < 5) * (5 - (772b - 771b))), 1, 0x90\n"            \
    "773:\n\t.pushsection .parainstructions, \"a\"\n\t.balign 4\n\t"                   \
    ".long 771b\n\t.byte %c[call]\n\t.byte 773b - 771b\n\t.short " #clobbers "\n\t"   \
    ".popsection\n\t"

/* A site following the C convention with up to three register arguments; returns EAX. */
#define PV_CALL(call_number, native, a, d, c)                                          \
    ({                                                                                 \
        uint32_t eax_ = (uint32_t)(a), edx_ = (uint32_t)(d), ecx_ = (uint32_t)(c);   \
        __asm__ volatile(PV_SITE(native, 7)                                            \
                         : "+a"(eax_), "+d"(edx_), "+c"(ecx_)                          \
                         : [call] "i"(call_number)                                     \
                         : "memory", "cc");                                            \
        eax_;                                                                          \
    })

/* The same, returning the 64-bit EDX:EAX. */
#define PV_CALL64(call_number, native, a, d, c)                                        \
    ({                                                                                 \
        uint32_t eax_ = (uint32_t)(a), edx_ = (uint32_t)(d), ecx_ = (uint32_t)(c);   \
        __asm__ volatile(PV_SITE(native, 7)                                            \
                         : "+a"(eax_), "+d"(edx_), "+c"(ecx_)                          \
                         : [call] "i"(call_number)                                     \
                         : "memory", "cc");                                            \
        ((uint64_t)edx_ << 32) | eax_;                                                 \
    })

/*
 * Privilege: after VMI_Init the ROM may run the kernel in ring 1 or 2. The kernel reads its
 * ring from CS and builds every kernel selector with that RPL; "came from user mode" is always
 * tested as RPL == 3, never as RPL == 0.
 */
extern uint32_t kernel_rpl;
extern uint32_t kernel_code_selector; /* (GDT_KERNEL_CODE << 3) | kernel_rpl */
extern uint32_t kernel_data_selector; /* (GDT_KERNEL_DATA << 3) | kernel_rpl */
#define FROM_USER_MODE(cs) (((cs) & 3) == 3)

/* ---- CPUID, MSRs, TSC ---- */

struct cpuid_result {
    uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_result pv_cpuid(uint32_t leaf, uint32_t subleaf)
{
    struct cpuid_result r;
    __asm__ volatile(PV_SITE("cpuid", 0)
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf), [call] "i"(VMI_CALL_CPUID)
                     : "memory", "cc");
    return r;
}

static inline void pv_write_msr(uint32_t msr, uint64_t value)
{
    PV_CALL(VMI_CALL_WRMSR, "wrmsr", (uint32_t)value, (uint32_t)(value >> 32), msr);
}

static inline uint64_t pv_read_msr(uint32_t msr)
{
    return PV_CALL64(VMI_CALL_RDMSR, "rdmsr", 0, 0, msr);
}

static inline uint64_t pv_read_tsc(void)
{
    return PV_CALL64(VMI_CALL_RDTSC, "rdtsc", 0, 0, 0);
}

/* ---- Descriptor tables ---- */

static inline void pv_load_gdt(const void *pointer) { PV_CALL(VMI_CALL_SetGDT, "lgdt (%%eax)", pointer, 0, 0); }
static inline void pv_load_idt(const void *pointer) { PV_CALL(VMI_CALL_SetIDT, "lidt (%%eax)", pointer, 0, 0); }
static inline void pv_store_gdt(void *pointer) { PV_CALL(VMI_CALL_GetGDT, "sgdt (%%eax)", pointer, 0, 0); }
static inline void pv_store_idt(void *pointer) { PV_CALL(VMI_CALL_GetIDT, "sidt (%%eax)", pointer, 0, 0); }
static inline void pv_load_ldt(uint32_t selector) { PV_CALL(VMI_CALL_SetLDT, "lldt %%ax", selector, 0, 0); }
static inline void pv_load_tr(uint32_t selector) { PV_CALL(VMI_CALL_SetTR, "ltr %%ax", selector, 0, 0); }
static inline uint32_t pv_store_tr(void) { return PV_CALL(VMI_CALL_GetTR, "str %%eax", 0, 0, 0); }
static inline uint32_t pv_store_ldt(void) { return PV_CALL(VMI_CALL_GetLDT, "sldt %%eax", 0, 0, 0); }

/*
 * Write{GDT,LDT,IDT}Entry: EAX = table, EDX = index, ECX = low word, high word on the stack.
 * Native: store both words. Inside the site the high word is at (%esp) (no return address
 * yet); a ROM reached by CALL finds it at 4(%esp), as the convention says.
 */
#define PV_WRITE_DESCRIPTOR(call_number, table, index, low, high)                          \
    do {                                                                                   \
        uint32_t eax_ = (uint32_t)(table), edx_ = (uint32_t)(index), ecx_ = (uint32_t)(low); \
        uint32_t high_ = (uint32_t)(high);                                                 \
        __asm__ volatile("pushl %[high]\n\t"                                               \
                         PV_SITE("movl %%ecx, (%%eax,%%edx,8)\n\t"                         \
                                 "movl (%%esp), %%ecx\n\t"                                 \
                                 "movl %%ecx, 4(%%eax,%%edx,8)", 7)                        \
                         "addl $4, %%esp"                                                  \
                         : "+a"(eax_), "+d"(edx_), "+c"(ecx_)                              \
                         : [high] "r"(high_), [call] "i"(call_number)                      \
                         : "memory", "cc");                                                \
    } while (0)

static inline void pv_write_gdt_entry(void *table, uint32_t index, uint32_t low, uint32_t high)
{
    PV_WRITE_DESCRIPTOR(VMI_CALL_WriteGDTEntry, table, index, low, high);
}
static inline void pv_write_ldt_entry(void *table, uint32_t index, uint32_t low, uint32_t high)
{
    PV_WRITE_DESCRIPTOR(VMI_CALL_WriteLDTEntry, table, index, low, high);
}
static inline void pv_write_idt_entry(void *table, uint32_t index, uint32_t low, uint32_t high)
{
    PV_WRITE_DESCRIPTOR(VMI_CALL_WriteIDTEntry, table, index, low, high);
}

/* UpdateKernelStack: EAX = the TSS (as the spec says), EDX = esp0; native = tss->esp0 = EDX. */
static inline void pv_update_kernel_stack(void *tss, uint32_t esp0)
{
    PV_CALL(VMI_CALL_UpdateKernelStack, "movl %%edx, 4(%%eax)", tss, esp0, 0);
}

/* ---- Control and debug registers ---- */

static inline void pv_write_cr0(uint32_t v) { PV_CALL(VMI_CALL_SetCR0, "movl %%eax, %%cr0", v, 0, 0); }
static inline void pv_write_cr2(uint32_t v) { PV_CALL(VMI_CALL_SetCR2, "movl %%eax, %%cr2", v, 0, 0); }
static inline void pv_write_cr3(uint32_t v) { PV_CALL(VMI_CALL_SetCR3, "movl %%eax, %%cr3", v, 0, 0); }
static inline void pv_write_cr4(uint32_t v) { PV_CALL(VMI_CALL_SetCR4, "movl %%eax, %%cr4", v, 0, 0); }
static inline uint32_t pv_read_cr0(void) { return PV_CALL(VMI_CALL_GetCR0, "movl %%cr0, %%eax", 0, 0, 0); }
static inline uint32_t pv_read_cr2(void) { return PV_CALL(VMI_CALL_GetCR2, "movl %%cr2, %%eax", 0, 0, 0); }
static inline uint32_t pv_read_cr3(void) { return PV_CALL(VMI_CALL_GetCR3, "movl %%cr3, %%eax", 0, 0, 0); }
static inline uint32_t pv_read_cr4(void) { return PV_CALL(VMI_CALL_GetCR4, "movl %%cr4, %%eax", 0, 0, 0); }
static inline void pv_wbinvd(void) { PV_CALL(VMI_CALL_WBINVD, "wbinvd", 0, 0, 0); }
static inline void pv_clts(void) { PV_CALL(VMI_CALL_CLTS, "clts", 0, 0, 0); }

/* The debug register number is a run-time value, so the native form calls a small helper. */
void native_set_debug_register(void);
void native_get_debug_register(void);
static inline void pv_set_debug_register(uint32_t number, uint32_t value)
{
    PV_CALL(VMI_CALL_SetDR, "call native_set_debug_register", number, value, 0);
}
static inline uint32_t pv_get_debug_register(uint32_t number)
{
    return PV_CALL(VMI_CALL_GetDR, "call native_get_debug_register", number, 0, 0);
}

/* ---- Interrupt flag (flags-only clobbers; GetInterruptMask returns EAX) ---- */

static inline void pv_irq_disable(void)
{
    __asm__ volatile(PV_SITE("cli", 0) : : [call] "i"(VMI_CALL_DisableInterrupts) : "memory", "cc");
}
static inline void pv_irq_enable(void)
{
    __asm__ volatile(PV_SITE("sti", 0) : : [call] "i"(VMI_CALL_EnableInterrupts) : "memory", "cc");
}
static inline uint32_t pv_save_flags(void)
{
    uint32_t flags;
    __asm__ volatile(PV_SITE("pushfl\n\tpopl %%eax", 1)
                     : "=a"(flags)
                     : [call] "i"(VMI_CALL_GetInterruptMask)
                     : "memory", "cc");
    return flags;
}
static inline void pv_restore_flags(uint32_t flags)
{
    __asm__ volatile(PV_SITE("pushl %%eax\n\tpopfl", 0)
                     : : "a"(flags), [call] "i"(VMI_CALL_SetInterruptMask)
                     : "memory", "cc");
}
/* Halt until the next interrupt with interrupts enabled (every VMI halt is "sti; hlt"). */
static inline void pv_safe_halt(void) { PV_CALL(VMI_CALL_Halt, "sti\n\thlt", 0, 0, 0); }

/* ---- Page tables and the TLB ---- */

/* SetPxE: EAX = entry value, EDX = where, ECX = flags (level | CURRENT_AS | VA). */
static inline void pv_set_pte(pte_t *where, pte_t value, uint32_t flags)
{
    PV_CALL(VMI_CALL_SetPxE, "movl %%eax, (%%edx)", value, where, flags);
}
/* UpdatePxE: the kernel already changed *where (e.g. cleared the dirty bit); tell the ROM. */
static inline void pv_update_pte(pte_t *where, uint32_t flags)
{
    PV_CALL(VMI_CALL_UpdatePxE, "", where, flags, 0);
}
/* AllocatePage: EAX = pfn, EDX = flags, ECX = clone source, stack: start index, count. */
static inline void pv_allocate_page(uint32_t pfn, uint32_t flags, uint32_t clone_pfn, uint32_t start,
                                    uint32_t count)
{
    uint32_t eax_ = pfn, edx_ = flags, ecx_ = clone_pfn;
    __asm__ volatile("pushl %[count]\n\tpushl %[start]\n\t" PV_SITE("", 7) "addl $8, %%esp"
                     : "+a"(eax_), "+d"(edx_), "+c"(ecx_)
                     : [count] "r"(count), [start] "r"(start), [call] "i"(VMI_CALL_AllocatePage)
                     : "memory", "cc");
}
static inline void pv_release_page(uint32_t pfn, uint32_t flags)
{
    PV_CALL(VMI_CALL_ReleasePage, "", pfn, flags, 0);
}
static inline void pv_invalidate_page(uint32_t va)
{
    PV_CALL(VMI_CALL_InvalPage, "invlpg (%%eax)", va, 0, 0);
}
/* FlushTLB: EAX = VMI_FLUSH_TLB [| VMI_FLUSH_GLOBAL]. The kernel uses no global pages. */
static inline void pv_flush_tlb(uint32_t flags)
{
    PV_CALL(VMI_CALL_FlushTLB, "movl %%cr3, %%edx\n\tmovl %%edx, %%cr3", flags, 0, 0);
}
/* SetLinearMapping: EAX = slot, EDX = first VA, ECX = pages, stack: first pfn. */
static inline void pv_set_linear_mapping(uint32_t slot, uint32_t va, uint32_t pages, uint32_t pfn)
{
    uint32_t eax_ = slot, edx_ = va, ecx_ = pages;
    __asm__ volatile("pushl %[pfn]\n\t" PV_SITE("", 7) "addl $4, %%esp"
                     : "+a"(eax_), "+d"(edx_), "+c"(ecx_)
                     : [pfn] "r"(pfn), [call] "i"(VMI_CALL_SetLinearMapping)
                     : "memory", "cc");
}
/* SetLazyMode: 0 = none (flush), 1 = MMU, 2 = CPU. Natively there is nothing to batch. */
static inline void pv_set_lazy_mode(uint32_t mode) { PV_CALL(VMI_CALL_SetLazyMode, "", mode, 0, 0); }

/* ---- I/O privilege, I/O delay, reboot ---- */

static inline void pv_set_iopl_mask(uint32_t mask)
{
    PV_CALL(VMI_CALL_SetIOPLMask,
            "pushfl\n\tandl $0xFFFFCFFF, (%%esp)\n\torl %%eax, (%%esp)\n\tpopfl", mask, 0, 0);
}
static inline void pv_io_delay(void) { PV_CALL(VMI_CALL_IODelay, "outb %%al, $0x80", 0, 0, 0); }
/* Reboot: EAX = 0 soft, 1 hard. Native: pulse the reset line through the 8042. */
static inline void pv_reboot(uint32_t hard)
{
    PV_CALL(VMI_CALL_Reboot, "movb $0xFE, %%al\n\toutb %%al, $0x64", hard, 0, 0);
}
/* Shutdown: natively there is no power-off instruction; stop the CPU. */
static inline void pv_shutdown(void) { PV_CALL(VMI_CALL_Shutdown, "cli\n\thlt", 0, 0, 0); }

/* ---- VMI timer (natively: no cycle frequency, TSC as the counter, no alarms) ---- */

static inline uint64_t pv_get_cycle_frequency(void)
{
    return PV_CALL64(VMI_CALL_GetCycleFrequency, "xorl %%eax, %%eax\n\txorl %%edx, %%edx", 0, 0, 0);
}
static inline uint64_t pv_get_cycle_counter(uint32_t counter)
{
    return PV_CALL64(VMI_CALL_GetCycleCounter, "rdtsc", counter, 0, 0);
}
static inline void pv_set_alarm(uint32_t flags, uint64_t expiry, uint64_t period)
{
    uint32_t eax_ = flags, edx_ = (uint32_t)expiry, ecx_ = (uint32_t)(expiry >> 32);
    __asm__ volatile("pushl %[high]\n\tpushl %[low]\n\t" PV_SITE("", 7) "addl $8, %%esp"
                     : "+a"(eax_), "+d"(edx_), "+c"(ecx_)
                     : [high] "r"((uint32_t)(period >> 32)), [low] "r"((uint32_t)period),
                       [call] "i"(VMI_CALL_SetAlarm)
                     : "memory", "cc");
}
static inline uint32_t pv_cancel_alarm(uint32_t flags)
{
    return PV_CALL(VMI_CALL_CancelAlarm, "xorl %%eax, %%eax", flags, 0, 0);
}
static inline uint64_t pv_get_wallclock(void)
{
    return PV_CALL64(VMI_CALL_GetWallclockTime, "xorl %%eax, %%eax\n\txorl %%edx, %%edx", 0, 0, 0);
}

/* ---- Boot-time patching (vmi.c) ---- */

/* How many sites the VMI ROM rewrote, and what the ROM is; 0 / NULL without a ROM. */
extern uint32_t vmi_patched_sites;
extern int vmi_present;
extern int vmi_timer_available;
extern uint32_t vmi_virtual_top; /* 0 without a ROM: nothing reserved */

void vmi_probe_and_activate(void);

#endif
