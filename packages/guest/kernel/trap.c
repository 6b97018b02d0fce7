/*
 * Descriptor tables and trap dispatch. The GDT, TSS and IDT are built in memory and loaded
 * through the paravirt layer (WriteGDTEntry, WriteIDTEntry, SetGDT, SetIDT, SetTR,
 * UpdateKernelStack), with the kernel's privilege level taken from CS after VMI_Init.
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

#define T_SYSENTER 0x81

static struct descriptor gdt[GDT_ENTRIES] __attribute__((aligned(4096)));
static struct descriptor idt[256] __attribute__((aligned(4096)));
struct tss kernel_tss __attribute__((aligned(128)));
int sysenter_enabled;
extern uint32_t vectors[]; /* entry.S: 0-47 then 128 */
void sysenter_entry(void);

static const char *exception_names[] = {
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
    "device not available", "double fault", "coprocessor overrun", "invalid TSS",
    "segment not present", "stack fault", "general protection", "page fault", "reserved",
    "x87 error", "alignment check", "machine check", "SIMD error",
};

/* A flat 4 GiB segment: `type` 0xA = code (execute/read), 0x2 = data (read/write). */
static void set_segment(int slot, uint32_t type, uint32_t dpl)
{
    pv_write_gdt_entry(gdt, slot, 0x0000FFFF, 0x00CF9000u | (type << 8) | (dpl << 13));
}

void gdt_init(void)
{
    set_segment(GDT_KERNEL_CODE, 0xA, kernel_rpl);
    set_segment(GDT_KERNEL_DATA, 0x2, kernel_rpl);
    set_segment(GDT_USER_CODE, 0xA, 3);
    set_segment(GDT_USER_DATA, 0x2, 3);
    uint32_t base = (uint32_t)&kernel_tss, limit = sizeof kernel_tss - 1;
    kernel_tss.ss0 = kernel_data_selector;
    kernel_tss.iomap_base = sizeof kernel_tss; /* no I/O bitmap: user I/O faults */
    pv_write_gdt_entry(gdt, GDT_TSS, (base << 16) | (limit & 0xFFFF),
                       (base & 0xFF000000u) | ((base >> 16) & 0xFF) | 0x8900u | (limit & 0xF0000u));
    struct descriptor_pointer pointer = {sizeof gdt - 1, (uint32_t)gdt};
    pv_load_gdt(&pointer);
    /* Reload every segment register from the new table (CS through a far return). */
    __asm__ volatile("pushl %0\n\tpushl $1f\n\tlret\n1:\n\t"
                     "movw %w1, %%ds\n\tmovw %w1, %%es\n\tmovw %w1, %%ss\n\t"
                     "movw %w2, %%fs\n\tmovw %w2, %%gs"
                     :
                     : "r"(kernel_code_selector), "r"(kernel_data_selector), "r"(USER_DS)
                     : "memory");
    pv_load_tr(GDT_TSS << 3);
    pv_load_ldt(0);
}

static void set_gate(int vector, uint32_t handler, uint32_t dpl)
{
    uint32_t low = (kernel_code_selector << 16) | (handler & 0xFFFF);
    uint32_t high = (handler & 0xFFFF0000u) | 0x8E00u | (dpl << 13); /* 32-bit interrupt gate */
    pv_write_idt_entry(idt, vector, low, high);
}

void idt_init(void)
{
    for (int v = 0; v < 48; v++)
        set_gate(v, vectors[v], 0);
    set_gate(T_SYSCALL, vectors[48], 3); /* int 0x80 from user mode */
    struct descriptor_pointer pointer = {sizeof idt - 1, (uint32_t)idt};
    pv_load_idt(&pointer);

    /*
     * SYSENTER enters ring 0 by definition, so it is used only when the kernel runs there
     * (CPUID.1:EDX.SEP, and a ring-0 kernel). MSR_SYSENTER_ESP points at tss.esp0, which
     * always holds the current process's kernel stack.
     */
    struct cpuid_result id = pv_cpuid(1, 0);
    uint32_t family = (id.eax >> 8) & 0xF, model = (id.eax >> 4) & 0xF, stepping = id.eax & 0xF;
    int sep = (id.edx & (1u << 11)) && !(family == 6 && model < 3 && stepping < 3);
    if (sep && kernel_rpl == 0) {
        pv_write_msr(MSR_SYSENTER_CS, kernel_code_selector);
        pv_write_msr(MSR_SYSENTER_ESP, (uint32_t)&kernel_tss.esp0);
        pv_write_msr(MSR_SYSENTER_EIP, (uint32_t)sysenter_entry);
        sysenter_enabled = 1;
    }
    kprintf("traps: IDT loaded; system calls by int 0x80%s\n", sysenter_enabled ? " and sysenter" : "");
}

void tss_set_kernel_stack(uint32_t esp0)
{
    kernel_tss.esp0 = esp0;
    pv_update_kernel_stack(&kernel_tss, esp0);
}

static void dump_and_panic(struct trapframe *tf, const char *what)
{
    uint32_t cr2 = pv_read_cr2();
    kprintf("\n%s (trap %u, error %x) at eip %p cs %x eflags %x\n", what, tf->trapno, tf->err, (void *)tf->eip,
            tf->cs, tf->eflags);
    kprintf("eax %x ebx %x ecx %x edx %x esi %x edi %x ebp %x cr2 %x\n", tf->eax, tf->ebx, tf->ecx, tf->edx,
            tf->esi, tf->edi, tf->ebp, cr2);
    struct proc *p = current_process();
    panic("kernel exception in %s", p ? p->name : "the kernel");
}

void trap(struct trapframe *tf);
void trap(struct trapframe *tf)
{
    struct proc *p = current_process();
    int from_user = FROM_USER_MODE(tf->cs);
    int preempt = 0;

    if (tf->trapno == T_SYSCALL || tf->trapno == T_SYSENTER) {
        if (!from_user)
            dump_and_panic(tf, "system call from kernel mode");
        syscall(tf);
    } else if (tf->trapno >= T_IRQ0 && tf->trapno < T_IRQ0 + 16) {
        int irq = (int)tf->trapno - T_IRQ0;
        if (irq == 0) {
            timer_interrupt();
            preempt = 1;
        }
        pic_acknowledge(irq);
    } else if (!from_user) {
        dump_and_panic(tf, tf->trapno < ARRAY_LENGTH(exception_names) ? exception_names[tf->trapno] : "trap");
    } else if (tf->trapno == T_PAGE_FAULT) {
        uint32_t address = pv_read_cr2();
        if (handle_user_fault(p, address, (tf->err & 2) != 0) < 0)
            signal_fault(tf, SIGSEGV);
    } else if (tf->trapno == T_DIVIDE) {
        signal_fault(tf, SIGFPE);
    } else if (tf->trapno == T_INVALID_OPCODE) {
        signal_fault(tf, SIGILL);
    } else if (tf->trapno == T_BREAKPOINT || tf->trapno == T_DEBUG) {
        signal_fault(tf, SIGTRAP);
    } else {
        signal_fault(tf, SIGSEGV); /* general protection and the rest */
    }

    if (!from_user || p == NULL)
        return;
    if (p->killed)
        exit_process(p->exit_status);
    if (preempt)
        yield();
    signal_deliver_pending(tf);
    if (p->killed)
        exit_process(p->exit_status);
}
