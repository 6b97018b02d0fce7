/*
 * Multiboot v1 entry of the VMI probe, and vmi_invoke(): the register-level call into a ROM
 * stub that the probe uses to check each call's register convention.
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
stack_bottom:
        .skip 16384
stack_top:
invoke_target:
        .skip 4
invoke_registers:
        .skip 4

        .section .text
        .globl _start
_start:
        cli
        movl $stack_top, %esp
        pushl %ebx              /* multiboot information */
        pushl %eax              /* multiboot magic */
        call probe_main
1:      cli
        hlt
        jmp 1b

/*
 * void vmi_invoke(uint32_t target, struct probe_registers *registers)
 * Loads eax, ebx, ecx, edx, esi, edi, ebp from *registers, pushes stack_arg5 then stack_arg4
 * (so argument 4 is at [esp+4] in the stub), CALLs target, then stores the seven registers and
 * EFLAGS back and pops the two stack words (the caller pops, as regparm(3) requires).
 * struct layout: eax 0, ebx 4, ecx 8, edx 12, esi 16, edi 20, ebp 24, arg4 28, arg5 32, eflags 36.
 */
        .globl vmi_invoke
vmi_invoke:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl 20(%esp), %eax
        movl %eax, invoke_target
        movl 24(%esp), %ebp
        movl %ebp, invoke_registers
        pushl 32(%ebp)
        pushl 28(%ebp)
        movl 0(%ebp), %eax
        movl 4(%ebp), %ebx
        movl 8(%ebp), %ecx
        movl 12(%ebp), %edx
        movl 16(%ebp), %esi
        movl 20(%ebp), %edi
        movl 24(%ebp), %ebp
        call *invoke_target
        pushl %ebp
        movl invoke_registers, %ebp
        movl %eax, 0(%ebp)
        movl %ebx, 4(%ebp)
        movl %ecx, 8(%ebp)
        movl %edx, 12(%ebp)
        movl %esi, 16(%ebp)
        movl %edi, 20(%ebp)
        popl %eax
        movl %eax, 24(%ebp)
        pushfl
        popl %eax
        movl %eax, 36(%ebp)
        addl $8, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret

/*
 * uint32_t vmi_iret_same_ring(uint32_t target): builds a same-privilege IRET frame
 * (EFLAGS, CS, return EIP) and JMPs to the IRET stub, as a JUMP_REL site would. Returns 1 when
 * execution came back to the frame's EIP.
 */
        .globl vmi_iret_same_ring
vmi_iret_same_ring:
        movl 4(%esp), %eax
        pushfl
        pushl %cs
        pushl $2f
        jmp *%eax
2:      movl $1, %eax
        ret

/*
 * uint32_t enter_user(uint32_t stub, uint32_t mode, uint32_t user_eip, uint32_t user_esp)
 * Saves the kernel context and leaves for ring 3 through a VMI stub: mode 0 builds an IRET frame
 * (SS 0x23, ESP, EFLAGS 0x202, CS 0x1B, EIP) and JMPs to the IRET stub; mode 1 JMPs to the SYSEXIT
 * stub with EDX = EIP and ECX = ESP. The user code's INT 0x80 lands in syscall_entry, which
 * restores the kernel context and returns the CS the CPU pushed (0x1B when the user really ran
 * in ring 3); the pushed EFLAGS is left in user_eflags.
 */
        .section .bss
saved_kernel_esp:
        .skip 4
        .globl user_eflags
user_eflags:
        .skip 4
        .section .text
        .globl enter_user
enter_user:
        pushl %ebp
        pushl %ebx
        pushl %esi
        pushl %edi
        movl %esp, saved_kernel_esp
        movl 20(%esp), %eax
        movl 24(%esp), %ebx
        movl 28(%esp), %edx
        movl 32(%esp), %ecx
        testl %ebx, %ebx
        jnz 3f
        pushl $0x23
        pushl %ecx
        pushl $0x202
        pushl $0x1B
        pushl %edx
3:      jmp *%eax

        .globl user_code
user_code:
        int $0x80
4:      jmp 4b

        .globl syscall_entry
syscall_entry:
        movl $0x10, %eax
        movl %eax, %ds
        movl %eax, %es
        movl 8(%esp), %eax
        movl %eax, user_eflags
        movl 4(%esp), %eax
        movl saved_kernel_esp, %esp
        popl %edi
        popl %esi
        popl %ebx
        popl %ebp
        ret
        .section .note.GNU-stack, "", @progbits
