/*
 * Program entry: the kernel leaves argc at (%esp), argv at 4(%esp) and the kernel's flags at
 * 8(%esp) (bit 0: SYSENTER may be used). Calls main(argc, argv) and exits with its result.
 */
        .text
        .globl _start
_start:
        xorl %ebp, %ebp
        movl 8(%esp), %eax
        movl %eax, __kernel_flags
        movl 4(%esp), %eax
        movl (%esp), %ecx
        andl $-16, %esp
        subl $8, %esp
        pushl %eax
        pushl %ecx
        call __libc_start
        pushl %eax
        call exit
1:      jmp 1b

/* int __syscall_int80(number, a, b, c, d, e) */
        .globl __syscall_int80
__syscall_int80:
        pushl %ebx
        pushl %esi
        pushl %edi
        movl 16(%esp), %eax
        movl 20(%esp), %ebx
        movl 24(%esp), %ecx
        movl 28(%esp), %edx
        movl 32(%esp), %esi
        movl 36(%esp), %edi
        int $0x80
        popl %edi
        popl %esi
        popl %ebx
        ret

/*
 * int __syscall_sysenter(number, a, b, c, d, e): arguments 2 and 3 go on the stack because
 * SYSENTER/SYSEXIT use ECX (stack) and EDX (return address).
 */
        .globl __syscall_sysenter
__syscall_sysenter:
        pushl %ebx
        pushl %esi
        pushl %edi
        pushl %ebp
        movl 20(%esp), %eax
        movl 24(%esp), %ebx
        movl 28(%esp), %ecx
        movl 32(%esp), %edx
        movl 36(%esp), %esi
        movl 40(%esp), %edi
        pushl %edx
        pushl %ecx
        movl %esp, %ecx
        movl $1f, %edx
        sysenter
1:      popl %ecx
        popl %edx
        popl %ebp
        popl %edi
        popl %esi
        popl %ebx
        ret

/* Where a signal handler returns: sigreturn (always by int 0x80; see signal.c). */
        .globl __signal_restorer
__signal_restorer:
        movl $13, %eax
        int $0x80
        hlt

        .section .note.GNU-stack, "", @progbits
