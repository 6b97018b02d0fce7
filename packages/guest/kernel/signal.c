/*
 * Signals. A signal is a bit in the process's pending set. On every return to user mode the
 * lowest pending signal is acted on: ignored, the default action (terminate; SIGCHLD is
 * ignored), or its handler is run on the user stack:
 *
 *     [esp]      return address = the restorer the C library gave to sigaction
 *     [esp + 4]  signal number
 *     [esp + 8]  pointer to the saved registers below (struct signal_context)
 *     [esp + 12] struct signal_context: the interrupted user registers
 *
 * The restorer calls sigreturn, which restores the registers after checking that they still
 * describe user mode (a handler must not be able to return into ring 0 or raise IOPL).
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

#define T_SYSENTER 0x81

struct signal_frame {
    uint32_t return_address;
    uint32_t signal;
    uint32_t context_pointer;
    struct signal_context context;
};

int signal_send(struct proc *p, int signal)
{
    /* An ignored signal is discarded at once, so it never interrupts a sleep. */
    uint32_t handler = p->signal_handler[signal];
    if (signal != SIGKILL && (handler == SIG_IGN || (handler == SIG_DFL && signal == SIGCHLD)))
        return 0;
    p->signal_pending |= 1u << signal;
    if (signal == SIGKILL) {
        p->killed = 1;
        p->exit_status = SIGKILL;
    }
    if (p->state == SLEEPING)
        p->state = RUNNABLE; /* interruptible sleeps re-check and return -EINTR */
    return 0;
}

/* A synchronous fault: without a handler (or when ignored) the process dies of it. */
void signal_fault(struct trapframe *tf, int signal)
{
    struct proc *p = current_process();
    (void)tf;
    if (p->signal_handler[signal] <= SIG_IGN) {
        p->killed = 1;
        p->exit_status = signal;
        return;
    }
    p->signal_pending |= 1u << signal;
}

void signal_deliver_pending(struct trapframe *tf)
{
    struct proc *p = current_process();
    while (p->signal_pending != 0 && !p->killed) {
        int signal = __builtin_ctz(p->signal_pending);
        p->signal_pending &= ~(1u << signal);
        uint32_t handler = p->signal_handler[signal];
        if (handler == SIG_IGN || (handler == SIG_DFL && signal == SIGCHLD))
            continue;
        if (handler == SIG_DFL) {
            p->killed = 1;
            p->exit_status = signal;
            return;
        }
        struct signal_frame frame;
        frame.return_address = p->signal_restorer[signal];
        frame.signal = (uint32_t)signal;
        memcpy(&frame.context, tf, sizeof frame.context);
        uint32_t esp = (tf->esp - sizeof frame) & ~15u;
        frame.context_pointer = esp + __builtin_offsetof(struct signal_frame, context);
        if (copy_to_user(esp, &frame, sizeof frame) < 0) {
            p->killed = 1; /* no room for the frame: the process cannot survive */
            p->exit_status = SIGSEGV;
            return;
        }
        tf->esp = esp;
        tf->eip = handler;
        tf->trapno = T_SYSCALL; /* return by IRET: SYSEXIT would not load the handler's frame */
        return;                  /* one handler at a time */
    }
}

/* sigreturn: the restorer's `ret` popped the return address, so the frame is at esp - 4. */
int signal_return(struct trapframe *tf);
int signal_return(struct trapframe *tf)
{
    struct signal_context saved;
    uint32_t frame = tf->esp - 4;
    if (copy_from_user(&saved, frame + __builtin_offsetof(struct signal_frame, context), sizeof saved) < 0) {
        current_process()->killed = 1;
        current_process()->exit_status = SIGSEGV;
        return -EFAULT;
    }
    uint32_t keep_trapno = tf->trapno;
    memcpy(tf, &saved, sizeof saved);
    tf->trapno = keep_trapno == 0x81 ? T_SYSCALL : keep_trapno;
    tf->cs = USER_CS;
    tf->ss = tf->ds = tf->es = tf->fs = tf->gs = USER_DS;
    tf->eflags = (tf->eflags & ~(EFLAGS_IOPL_MASK | EFLAGS_VM | EFLAGS_NT)) | EFLAGS_IF;
    return (int)tf->eax;
}
