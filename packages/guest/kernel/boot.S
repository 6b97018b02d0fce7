/*
 * Multiboot v1 entry. The loader enters `_start` (a physical address: the kernel is linked at
 * 0xC0100000 but loaded at 1 MiB) in 32-bit protected mode with paging off, EAX = 0x2BADB002
 * and EBX = the physical address of the multiboot information.
 *
 * Before C can run at its link address, paging must be on. A temporary page directory maps
 * the first 8 MiB twice: at 0 (so the next instruction still exists once paging is enabled)
 * and at 0xC0000000 (where the kernel is linked). kernel_vm_init() later replaces it with
 * 4 KiB mappings of all RAM. These few privileged instructions run before the VMI ROM is
 * probed, as in Linux: until VMI_Init, the machine is the bare machine.
 */
#define KERNEL_BASE 0xC0000000
#define MULTIBOOT_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS 0x00000003 /* page-align modules, give a memory map */
#define BOOT_MAPPED_PAGES 2048      /* 8 MiB */

        .section .multiboot, "a"
        .align 4
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

        .section .bss
        .align 4096
boot_page_directory:
        .skip 4096
boot_page_tables:
        .skip 4096 * 2
        .align 16
        .globl boot_stack_top
boot_stack_bottom:
        .skip 16384
boot_stack_top:

        .section .text
        .globl _start
        .set _start_physical, _start - KERNEL_BASE
        .globl _start_physical
_start:
        cli
        movl %eax, %esi                 /* keep the multiboot magic and information */
        movl %ebx, %edi

        /* Page table entries for the first 8 MiB, present and writable. */
        movl $(boot_page_tables - KERNEL_BASE), %edx
        xorl %ecx, %ecx
1:      movl %ecx, %eax
        shll $12, %eax
        orl $3, %eax
        movl %eax, (%edx,%ecx,4)
        incl %ecx
        cmpl $BOOT_MAPPED_PAGES, %ecx
        jb 1b

        /* Directory slots 0-1 (identity) and 768-769 (0xC0000000). */
        movl $(boot_page_directory - KERNEL_BASE), %edx
        movl $(boot_page_tables - KERNEL_BASE + 3), %eax
        movl %eax, 0(%edx)
        movl %eax, 768*4(%edx)
        addl $4096, %eax
        movl %eax, 4(%edx)
        movl %eax, 769*4(%edx)
        movl %edx, %cr3

        movl %cr0, %eax
        orl $0x80010000, %eax           /* PG | WP: copy-on-write also binds the kernel */
        movl %eax, %cr0

        movl $high, %eax                /* continue at the link address */
        jmp *%eax
high:
        movl $boot_stack_top, %esp
        xorl %ebp, %ebp
        pushl %edi                      /* multiboot information (physical) */
        pushl %esi                      /* multiboot magic */
        call kernel_main
2:      cli
        hlt
        jmp 2b

        .section .note.GNU-stack, "", @progbits
