/* Processes: the proc table entry and the memory regions of an address space. */
#ifndef GUEST_PROC_H
#define GUEST_PROC_H

#include "defs.h"
#include "syscall_abi.h"

#define NPROC 64
#define NOFILE 40
#define NVMA 16
#define NSIGNAL 32
#define KERNEL_STACK_SIZE 8192

#define USER_STACK_TOP 0xBFFFF000u
#define USER_STACK_SIZE (1u << 20)
#define MMAP_BASE 0x40000000u

/* A region of the user address space: what may be mapped there, and how. */
struct vma {
    uint32_t start, end; /* page aligned, [start, end) */
    uint32_t protection; /* PROT_* */
    int used;
};

/* The registers swtch saves (the C callee-saved ones), lowest address first. */
struct context {
    uint32_t edi, esi, ebx, ebp, eip;
};

enum proc_state { UNUSED, EMBRYO, SLEEPING, RUNNABLE, RUNNING, ZOMBIE };

struct proc {
    enum proc_state state;
    int pid;
    struct proc *parent;
    pte_t *page_directory;
    uint8_t *kernel_stack; /* KERNEL_STACK_SIZE bytes */
    struct trapframe *tf;
    struct context *context;
    void *channel;         /* what a SLEEPING process waits for */
    int killed;            /* exit at the next return to user mode */
    int exit_status;       /* wait status: (code << 8) or the terminating signal */
    struct file *files[NOFILE];
    struct vma vmas[NVMA];
    uint32_t heap_start, heap_end;
    uint32_t signal_pending; /* bit n = signal n */
    uint32_t signal_handler[NSIGNAL];
    uint32_t signal_restorer[NSIGNAL];
    char name[32];
};

extern struct proc proc_table[NPROC];

struct vma *vma_find(struct proc *p, uint32_t va);
struct vma *vma_add(struct proc *p, uint32_t start, uint32_t end, uint32_t protection);
int vma_split(struct proc *p, uint32_t address);

#endif
