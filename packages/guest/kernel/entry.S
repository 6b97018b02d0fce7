/*
 * Trap entry and exit, the context switch, and the SYSENTER path.
 *
 * Every vector pushes an error code (a zero when the CPU does not) and its number, then joins
 * alltraps, which saves the rest of the trap frame (struct trapframe in x86.h) and calls
 * trap(). The way back is trapret, whose final IRET is a paravirt patch site: a VMI ROM
 * may replace it with a CALL or JMP to its own IRET (call 33), which is how a hypervisor that
 * runs the kernel in ring 1 returns to user mode.
 */
/* The call numbers, extracted from vmi.generated.h by the Makefile (the header has C types). */
#include "vmi-calls-asm.h"

#define TRAPFRAME_TRAPNO 48
#define TRAPFRAME_EIP 56
#define TRAPFRAME_ESP 68
#define T_SYSENTER 0x81
#define USER_CS 0x1B
#define USER_DS 0x23

/* A patch site written in assembly: the same record as PV_SITE in paravirt.h. */
.macro PV_SITE_RECORD call, clobbers
772:    .fill -(((772b - 771b) < 5) * (5 - (772b - 771b))), 1, 0x90
773:    .pushsection .parainstructions, "a"
        .balign 4
        .long 771b
        .byte \call
        .byte 773b - 771b
        .short \clobbers
        .popsection
.endm

.macro VECTOR number, has_error_code
        .text
vector\number:
        .if \has_error_code == 0
        pushl $0
        .endif
        pushl $\number
        jmp alltraps
        .section .rodata
        .long vector\number
.endm

        .section .rodata
        .align 4
        .globl vectors
vectors:
        VECTOR 0, 0
        VECTOR 1, 0
        VECTOR 2, 0
        VECTOR 3, 0
        VECTOR 4, 0
        VECTOR 5, 0
        VECTOR 6, 0
        VECTOR 7, 0
        VECTOR 8, 1
        VECTOR 9, 0
        VECTOR 10, 1
        VECTOR 11, 1
        VECTOR 12, 1
        VECTOR 13, 1
        VECTOR 14, 1
        VECTOR 15, 0
        VECTOR 16, 0
        VECTOR 17, 1
        VECTOR 18, 0
        VECTOR 19, 0
        VECTOR 20, 0
        VECTOR 21, 0
        VECTOR 22, 0
        VECTOR 23, 0
        VECTOR 24, 0
        VECTOR 25, 0
        VECTOR 26, 0
        VECTOR 27, 0
        VECTOR 28, 0
        VECTOR 29, 0
        VECTOR 30, 0
        VECTOR 31, 0
        VECTOR 32, 0
        VECTOR 33, 0
        VECTOR 34, 0
        VECTOR 35, 0
        VECTOR 36, 0
        VECTOR 37, 0
        VECTOR 38, 0
        VECTOR 39, 0
        VECTOR 40, 0
        VECTOR 41, 0
        VECTOR 42, 0
        VECTOR 43, 0
        VECTOR 44, 0
        VECTOR 45, 0
        VECTOR 46, 0
        VECTOR 47, 0
        VECTOR 128, 0

        .text
        .globl alltraps
alltraps:
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        pushal
        movl %ss:kernel_data_selector, %eax   /* the kernel's data selector carries its RPL */
        movw %ax, %ds
        movw %ax, %es
        pushl %esp                      /* struct trapframe * */
        call trap
        addl $4, %esp

        .globl trapret
trapret:
        popal
        popl %gs
        popl %fs
        popl %es
        popl %ds
        addl $8, %esp                   /* trap number and error code */
771:    iret
        PV_SITE_RECORD VMI_CALL_IRET, 0

/*
 * SYSENTER arrives with ESP = MSR_SYSENTER_ESP, which points at kernel_tss.esp0: one load
 * gives the current process's kernel stack. The user stub put its return address in EDX and
 * its stack pointer in ECX. We build the same frame an int 0x80 from user mode would, marked
 * T_SYSENTER; if the system call left it so (no signal, no exec), the way back is SYSEXIT.
 */
        .globl sysenter_entry
sysenter_entry:
        movl (%esp), %esp
        pushl $USER_DS
        pushl %ecx
        pushfl
        orl $0x200, (%esp)              /* user mode always runs with IF set */
        pushl $USER_CS
        pushl %edx
        pushl $0
        pushl $T_SYSENTER
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        pushal
        movl %ss:kernel_data_selector, %eax
        movw %ax, %ds
        movw %ax, %es
        pushl %esp
        call trap
        addl $4, %esp
        cmpl $T_SYSENTER, TRAPFRAME_TRAPNO(%esp)
        jne trapret
        popal
        popl %gs
        popl %fs
        popl %es
        popl %ds
        movl 8(%esp), %edx              /* user EIP */
        movl 20(%esp), %ecx             /* user ESP */
771:    sti
        sysexit
        PV_SITE_RECORD VMI_CALL_SYSEXIT, 0

/*
 * swtch(struct context **old, struct context *new): save the callee-saved registers on the
 * current stack, store the stack pointer in *old, switch to new and restore. (xv6's swtch.S.)
 */
        .globl swtch
swtch:
        movl 4(%esp), %eax
        movl 8(%esp), %edx
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, (%eax)
        movl %edx, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

/* Native bodies of SetDR/GetDR: EAX = register number, EDX = value. */
        .globl native_set_debug_register
native_set_debug_register:
        cmpl $0, %eax ; jne 1f ; movl %edx, %db0 ; ret
1:      cmpl $1, %eax ; jne 1f ; movl %edx, %db1 ; ret
1:      cmpl $2, %eax ; jne 1f ; movl %edx, %db2 ; ret
1:      cmpl $3, %eax ; jne 1f ; movl %edx, %db3 ; ret
1:      cmpl $6, %eax ; jne 1f ; movl %edx, %db6 ; ret
1:      cmpl $7, %eax ; jne 1f ; movl %edx, %db7
1:      ret

        .globl native_get_debug_register
native_get_debug_register:
        cmpl $0, %eax ; jne 1f ; movl %db0, %eax ; ret
1:      cmpl $1, %eax ; jne 1f ; movl %db1, %eax ; ret
1:      cmpl $2, %eax ; jne 1f ; movl %db2, %eax ; ret
1:      cmpl $3, %eax ; jne 1f ; movl %db3, %eax ; ret
1:      cmpl $6, %eax ; jne 1f ; movl %db6, %eax ; ret
1:      cmpl $7, %eax ; jne 1f ; movl %db7, %eax ; ret
1:      xorl %eax, %eax
        ret

        .section .note.GNU-stack, "", @progbits
