/*
 * Multiboot v1 entry for the OpenVMI guest kernel. The boot loader (QEMU's -kernel or the
 * openvmi loader) enters `_start` in 32-bit protected mode with paging off, EAX = the
 * multiboot magic 0x2BADB002 and EBX = the physical address of the multiboot information.
 */
#define MULTIBOOT_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS 0x00000003 /* page-align modules, give a memory map */

        .section .multiboot, "a"
        .align 4
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

        .section .bss
        .align 16
boot_stack_bottom:
        .skip 16384
boot_stack_top:

        .section .text
        .globl _start
_start:
        cli
        movl $boot_stack_top, %esp
        pushl %ebx              /* multiboot information */
        pushl %eax              /* multiboot magic */
        call kernel_main
1:      cli
        hlt
        jmp 1b
        .section .note.GNU-stack, "", @progbits
