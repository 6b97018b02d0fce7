/*
 * x86 structures the kernel builds (GDT, IDT, TSS, trap frame) and the selector layout. The
 * privileged instructions themselves are NOT here: they live in paravirt.h, so that every one
 * of them is a patchable site.
 */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#include "types.h"

/* GDT slots. The RPL of kernel selectors is added at run time (see kernel_rpl in paravirt.h). */
#define GDT_KERNEL_CODE 1
#define GDT_KERNEL_DATA 2
#define GDT_USER_CODE 3
#define GDT_USER_DATA 4
#define GDT_TSS 5
#define GDT_ENTRIES 6

#define USER_CS ((GDT_USER_CODE << 3) | 3)
#define USER_DS ((GDT_USER_DATA << 3) | 3)

/* EFLAGS bits. */
#define EFLAGS_CF 0x00000001u
#define EFLAGS_IF 0x00000200u
#define EFLAGS_DF 0x00000400u
#define EFLAGS_IOPL_MASK 0x00003000u
#define EFLAGS_NT 0x00004000u
#define EFLAGS_VM 0x00020000u
#define EFLAGS_AC 0x00040000u
#define EFLAGS_ID 0x00200000u

/* CR0 and CR4 bits. */
#define CR0_PE 0x00000001u
#define CR0_WP 0x00010000u
#define CR0_PG 0x80000000u

/* Page-table entry bits. PTE_COW is an "available to software" bit. */
#define PTE_P 0x001u
#define PTE_W 0x002u
#define PTE_U 0x004u
#define PTE_A 0x020u
#define PTE_D 0x040u
#define PTE_COW 0x200u
#define PTE_ADDRESS(pte) ((pte) & ~0xFFFu)
#define PDX(va) (((uint32_t)(va) >> 22) & 0x3FF)
#define PTX(va) (((uint32_t)(va) >> 12) & 0x3FF)

/* Exception vectors (Intel SDM vol. 3, table 6-1). */
#define T_DIVIDE 0
#define T_DEBUG 1
#define T_NMI 2
#define T_BREAKPOINT 3
#define T_INVALID_OPCODE 6
#define T_DOUBLE_FAULT 8
#define T_GP 13
#define T_PAGE_FAULT 14
#define T_IRQ0 32          /* the 8259 PIC is remapped to vectors 32-47 */
#define T_SYSCALL 0x80

/* MSRs used for SYSENTER. */
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176

/* A segment descriptor as two 32-bit words (low, high). */
struct descriptor {
    uint32_t low;
    uint32_t high;
};

/* The 6-byte operand of LGDT/LIDT/SGDT/SIDT (VMI_DTR). */
struct descriptor_pointer {
    uint16_t limit;
    uint32_t base;
} __attribute__((packed));

/* The 32-bit TSS; the kernel only uses esp0/ss0 (the stack for traps from user mode). */
struct tss {
    uint32_t link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags;
    uint32_t eax, ecx, edx, ebx, esp, ebp, esi, edi;
    uint32_t es, cs, ss, ds, fs, gs, ldt;
    uint16_t trap, iomap_base;
};

/*
 * What entry.S pushes on a trap, low address first. esp and ss are present only when the trap
 * came from user mode (RPL 3).
 */
struct trapframe {
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax; /* pushal */
    uint32_t gs, fs, es, ds;
    uint32_t trapno, err;
    uint32_t eip, cs, eflags;
    uint32_t esp, ss;
};

#endif
