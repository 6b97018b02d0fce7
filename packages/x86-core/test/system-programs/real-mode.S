/*
 * Real-mode test ROM (64 KiB, mapped at 0xF0000 and 0xFFFF0000 like a PC BIOS): starts at the
 * reset vector, delivers INT n and #DE through the IVT, switches to protected mode, back to
 * real mode through a 16-bit segment, and exits through port 0xF4.
 */
        .code16
        .text
        .globl _start
_start:
        cli
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %ss
        movw $0x7000, %sp
        movw $message_real, %si
        call print16
#ifdef TRIPLE_FAULT
        /* An empty IVT: INT 0x20 -> #GP -> #GP -> #DF -> #GP: shutdown. */
        lidt %cs:empty_idt_pointer
        int $0x20
        movw $message_survived, %si
        call print16
1:      hlt
        jmp 1b
#endif
        movw $interrupt_0x60, 0x60 * 4
        movw $0xf000, 0x60 * 4 + 2
        movw $divide_handler, 0
        movw $0xf000, 2
        movw $0x1234, %ax
        int $0x60
        movw $0, %cx
        movw $7, %ax
        divb %cl
        movw $message_after_divide, %si
        call print16

        lgdtl %cs:gdt_pointer
        movl %cr0, %eax
        orl $1, %eax
        movl %eax, %cr0
        ljmpl $0x08, $(0xf0000 + protected32)

        .code32
protected32:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl $0x7000, %esp
        movl $(0xf0000 + message_protected), %esi
        call print32
        movl %cr0, %eax
        call print_hex32
        movl $(0xf0000 + message_newline), %esi
        call print32
        ljmp $0x18, $protected16

        .code16
protected16:
        movw $0x20, %ax
        movw %ax, %ds
        movw %ax, %ss
        movl %cr0, %eax
        andl $0xfffffffe, %eax
        movl %eax, %cr0
        ljmp $0xf000, $real_again
real_again:
        xorw %ax, %ax
        movw %ax, %ds
        movw %ax, %ss
        movw $0x7000, %sp
        movw $message_real_again, %si
        call print16
        movw $0x1111, %ax
        int $0x60
        movw $0xf4, %dx
        xorl %eax, %eax
        outl %eax, %dx
1:      hlt
        jmp 1b

/* INT 0x60: prints AX and the caller's CS:IP. */
interrupt_0x60:
        pushw %bp
        movw %sp, %bp
        pushw %si
        movw $message_interrupt, %si
        call print16
        call print_hex16
        movw $message_space, %si
        call print16
        movw 4(%bp), %ax
        call print_hex16
        movw $message_colon, %si
        call print16
        movw 2(%bp), %ax
        call print_hex16
        movw $message_newline, %si
        call print16
        popw %si
        popw %bp
        iret

/* #DE in real mode: report and skip the 2-byte DIV. */
divide_handler:
        pushw %bp
        movw %sp, %bp
        pushw %si
        movw $message_divide, %si
        call print16
        addw $2, 2(%bp)
        popw %si
        popw %bp
        iret

/* print16: NUL-terminated string at CS:SI to port 0xE9. */
print16:
        pushw %ax
        pushw %dx
        movw $0xe9, %dx
1:      movb %cs:(%si), %al
        testb %al, %al
        jz 2f
        outb %al, %dx
        incw %si
        jmp 1b
2:      popw %dx
        popw %ax
        ret

/* print_hex16: AX as four hex digits. */
print_hex16:
        pushw %ax
        pushw %bx
        pushw %cx
        pushw %dx
        movw %ax, %bx
        movw $4, %cx
        movw $0xe9, %dx
1:      rolw $4, %bx
        movb %bl, %al
        andb $15, %al
        addb $'0', %al
        cmpb $'9', %al
        jbe 2f
        addb $('a' - '9' - 1), %al
2:      outb %al, %dx
        loop 1b
        popw %dx
        popw %cx
        popw %bx
        popw %ax
        ret

        .code32
print32:
        pushl %eax
        pushl %edx
        movw $0xe9, %dx
1:      movb (%esi), %al
        testb %al, %al
        jz 2f
        outb %al, %dx
        incl %esi
        jmp 1b
2:      popl %edx
        popl %eax
        ret

print_hex32:
        pushl %ebx
        pushl %ecx
        pushl %edx
        movl %eax, %ebx
        movl $8, %ecx
        movw $0xe9, %dx
1:      roll $4, %ebx
        movb %bl, %al
        andb $15, %al
        addb $'0', %al
        cmpb $'9', %al
        jbe 2f
        addb $('a' - '9' - 1), %al
2:      outb %al, %dx
        loop 1b
        popl %edx
        popl %ecx
        popl %ebx
        ret

        .align 8
gdt:
        .quad 0
        .quad 0x00cf9a000000ffff   /* 0x08: 32-bit code, base 0, 4 GiB */
        .quad 0x00cf92000000ffff   /* 0x10: 32-bit data, base 0, 4 GiB */
        .quad 0x00009a0f0000ffff   /* 0x18: 16-bit code, base 0xF0000, 64 KiB */
        .quad 0x000092000000ffff   /* 0x20: 16-bit data, base 0, 64 KiB */
gdt_end:
gdt_pointer:
        .word gdt_end - gdt - 1
        .long 0xf0000 + gdt
empty_idt_pointer:
        .word 0
        .long 0

message_real:           .asciz "real mode\n"
message_survived:       .asciz "no triple fault?\n"
message_interrupt:      .asciz "  int 0x60: ax="
message_space:          .asciz " from "
message_colon:          .asciz ":"
message_newline:        .asciz "\n"
message_divide:         .asciz "  #DE through the IVT\n"
message_after_divide:   .asciz "after the divide error\n"
message_protected:      .asciz "protected mode, cr0="
message_real_again:     .asciz "real mode again\n"

        .code16
        .org 0xfff0
reset_vector:
        ljmp $0xf000, $_start
        .org 0x10000
