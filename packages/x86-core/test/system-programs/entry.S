/*
 * System-mode test program: multiboot v1 entry, GDT/IDT/TSS setup, exception stubs.
 * Entered in flat 32-bit protected mode with paging off (multiboot). Output goes to the debug
 * console (port 0xE9); the program ends by writing to the exit port 0xF4.
 */
#define MULTIBOOT_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS 0x00000000

        .section .multiboot, "a"
        .align 4
        .long MULTIBOOT_MAGIC
        .long MULTIBOOT_FLAGS
        .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

        .section .bss
        .align 16
        .globl stack_top
stack_bottom:
        .skip 16384
stack_top:
        .globl double_fault_stack_top
        .skip 4096
double_fault_stack_top:

        .section .text
        .globl _start
_start:
        cli
        movl $stack_top, %esp
        call test_main
2:      hlt
        jmp 2b

/* Exception/interrupt stubs: push a dummy error code where the CPU pushes none, then the vector. */
#define STUB_NO_ERROR(vector) \
        .globl interrupt_stub_##vector; interrupt_stub_##vector: pushl $0; pushl $vector; jmp interrupt_common
#define STUB_ERROR(vector) \
        .globl interrupt_stub_##vector; interrupt_stub_##vector: pushl $vector; jmp interrupt_common

STUB_NO_ERROR(0)
STUB_NO_ERROR(1)
STUB_NO_ERROR(2)
STUB_NO_ERROR(3)
STUB_NO_ERROR(4)
STUB_NO_ERROR(5)
STUB_NO_ERROR(6)
STUB_NO_ERROR(7)
STUB_ERROR(8)
STUB_NO_ERROR(9)
STUB_ERROR(10)
STUB_ERROR(11)
STUB_ERROR(12)
STUB_ERROR(13)
STUB_ERROR(14)
STUB_NO_ERROR(15)
STUB_NO_ERROR(16)
STUB_ERROR(17)
STUB_NO_ERROR(18)
STUB_NO_ERROR(19)
STUB_NO_ERROR(128)
STUB_NO_ERROR(129)
STUB_NO_ERROR(48)

interrupt_common:
        pushl %ds
        pushl %es
        pushl %fs
        pushl %gs
        pushal
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        pushl %esp
        call interrupt_handler
        addl $4, %esp
        popal
        popl %gs
        popl %fs
        popl %es
        popl %ds
        addl $8, %esp
        iret

/* The double-fault task: runs on its own TSS, reports, repairs and returns with IRET (NT=1). */
        .globl double_fault_task
double_fault_task:
        call double_fault_handler
        iret
        jmp double_fault_task

/* reload_segments(): CS = 0x08, data segments = 0x10 (after LGDT). */
        .globl reload_segments
reload_segments:
        ljmp $0x08, $1f
1:      movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        ret

/* Continuation after a handler returned to ring 0 from ring 3 or v86 mode. */
        .globl kernel_continue
kernel_continue:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %fs
        movw %ax, %gs
        movw %ax, %ss
        movl saved_kernel_esp, %esp
        popal
        ret

/* enter_user(eip, esp): IRET to ring 3; returns when the ring-3 code executes INT 0x81. */
        .globl enter_user
enter_user:
        pushal
        movl %esp, saved_kernel_esp
        movl 36(%esp), %eax
        movl 40(%esp), %ecx
        pushl $0x23
        pushl %ecx
        pushl $0x002        /* IF=0: the firmware left the PIT running */
        pushl $0x1b
        pushl %eax
        movw $0x23, %dx
        movw %dx, %ds
        movw %dx, %es
        movw $0x10, %dx     /* FS keeps a DPL 0 selector: IRET to ring 3 must null it */
        movw %dx, %fs
        iret

/* enter_v86(cs, ip, ss, sp, eflags): IRET to virtual-8086 mode; returns when the monitor resumes the kernel. */
        .globl enter_v86
enter_v86:
        pushal
        movl %esp, saved_kernel_esp
        pushl $0            /* GS */
        pushl $0            /* FS */
        pushl $0            /* DS */
        pushl $0            /* ES */
        pushl 60(%esp)      /* SS  (arg 3): 36+16 +8 */
        pushl 68(%esp)      /* SP  (arg 4) */
        pushl 76(%esp)      /* EFLAGS (arg 5) */
        pushl 64(%esp)      /* CS (arg 1) */
        pushl 72(%esp)      /* IP (arg 2) */
        iret

/* Target of the ring-3 -> ring-0 call gate (selector 0x58): one dword parameter. */
        .globl call_gate_target
call_gate_target:
        pushal
        leal 32(%esp), %eax
        pushl %eax
        call call_gate_handler
        addl $4, %esp
        popal
        lret $4

/* SYSENTER entry: report, then SYSEXIT to EDX with ESP = ECX. */
        .globl sysenter_entry
sysenter_entry:
        pushal
        call sysenter_handler
        popal
        sysexit

/* single_step(): sets TF, runs three instructions, clears TF. */
        .globl single_step, single_step_start
single_step:
        pushfl
        orl $0x100, (%esp)
        popfl
single_step_start:
        nop
        movl $1, %eax
        pushfl
        andl $0xfffffeff, (%esp)
        popfl
        ret

/* A second task: reports, then returns with IRET when called (NT=1) or jumps back to the main TSS. */
        .globl worker_task
worker_task:
        call worker_handler
        pushfl
        popl %eax
        testl $0x4000, %eax
        jz 1f
        iret
        jmp worker_task
1:      ljmp $0x28, $0
        jmp worker_task

/* Conforming code (selector 0x78, DPL 0): runs at the caller's CPL; prints "C" and CPL. */
        .globl conforming_target
conforming_target:
        movb $0x43, %al
        outb %al, $0xe9
        movw %cs, %ax
        andb $3, %al
        addb $0x30, %al
        outb %al, $0xe9
        movb $0x0a, %al
        outb %al, $0xe9
        lret
