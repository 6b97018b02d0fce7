/*
 * Processes and the scheduler (after xv6's proc.c). One CPU; the kernel runs with interrupts
 * disabled (every gate is an interrupt gate), so the proc table needs no lock: a process
 * leaves the CPU only by calling sched(), and timer preemption happens in trap() on the way
 * back to user mode. The scheduler picks RUNNABLE processes round-robin and halts with
 * interrupts enabled (pv_safe_halt) when there are none.
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

struct proc proc_table[NPROC];
static uint8_t kernel_stacks[NPROC][KERNEL_STACK_SIZE] __attribute__((aligned(4096)));
static struct proc *current;
static struct context *scheduler_context;
static struct proc *init_process;
static int next_pid = 1;

struct proc *current_process(void) { return current; }

/* ---- memory regions ---- */

struct vma *vma_find(struct proc *p, uint32_t va)
{
    for (int i = 0; i < NVMA; i++)
        if (p->vmas[i].used && va >= p->vmas[i].start && va < p->vmas[i].end)
            return &p->vmas[i];
    return NULL;
}

struct vma *vma_add(struct proc *p, uint32_t start, uint32_t end, uint32_t protection)
{
    for (int i = 0; i < NVMA; i++) {
        if (!p->vmas[i].used) {
            p->vmas[i] = (struct vma){start, end, protection, 1};
            return &p->vmas[i];
        }
    }
    return NULL;
}

/* Splits the region containing `address` so that a region starts there. -1 if out of slots. */
int vma_split(struct proc *p, uint32_t address)
{
    struct vma *region = vma_find(p, address);
    if (region == NULL || region->start == address)
        return 0;
    uint32_t end = region->end;
    struct vma *upper = vma_add(p, address, end, region->protection);
    if (upper == NULL)
        return -1;
    region->end = address;
    return 0;
}

/* ---- creating processes ---- */

static void forkret(void);

/* A new proc in EMBRYO state with a kernel stack laid out so that swtch lands in forkret. */
static struct proc *proc_allocate(void)
{
    struct proc *p = NULL;
    for (int i = 0; i < NPROC; i++) {
        if (proc_table[i].state == UNUSED) {
            p = &proc_table[i];
            memset(p, 0, sizeof *p);
            p->kernel_stack = kernel_stacks[i];
            break;
        }
    }
    if (p == NULL)
        return NULL;
    p->state = EMBRYO;
    p->pid = next_pid++;
    uint8_t *sp = p->kernel_stack + KERNEL_STACK_SIZE;
    sp -= sizeof *p->tf;
    p->tf = (struct trapframe *)sp;
    sp -= 4;
    *(uint32_t *)sp = (uint32_t)trapret;
    sp -= sizeof *p->context;
    p->context = (struct context *)sp;
    memset(p->context, 0, sizeof *p->context);
    p->context->eip = (uint32_t)forkret;
    return p;
}

/* The first instructions a new process runs in the kernel; then trapret to user mode. */
static void forkret(void) {}

void process_init(void) { memset(proc_table, 0, sizeof proc_table); }

void user_init(void)
{
    struct proc *p = proc_allocate();
    if (p == NULL)
        panic("user_init: no proc");
    p->page_directory = page_directory_create();
    if (p->page_directory == NULL)
        panic("user_init: out of memory");
    strncpy_terminated(p->name, "init", sizeof p->name);
    init_process = p;
    p->tf->cs = USER_CS;
    p->tf->ds = p->tf->es = p->tf->fs = p->tf->gs = p->tf->ss = USER_DS;
    p->tf->eflags = EFLAGS_IF;
    /* Run exec on behalf of the new process, as if it had called exec("/bin/init"). */
    current = p;
    switch_address_space(p->page_directory);
    char *argv[] = {"/bin/init", NULL};
    if (exec("/bin/init", argv, 1) < 0)
        panic("cannot exec /bin/init");
    current = NULL;
    switch_kernel_address_space();
    p->state = RUNNABLE;
}

int sys_fork_impl(void)
{
    struct proc *parent = current;
    struct proc *child = proc_allocate();
    if (child == NULL)
        return -EAGAIN;
    child->page_directory = page_directory_create();
    if (child->page_directory == NULL || copy_address_space(parent->page_directory, child->page_directory) < 0) {
        if (child->page_directory)
            page_directory_destroy(child->page_directory);
        child->state = UNUSED;
        return -ENOMEM;
    }
    *child->tf = *parent->tf;
    child->tf->eax = 0; /* fork returns 0 in the child */
    if (child->tf->trapno == 0x81)
        child->tf->trapno = T_SYSCALL; /* the child's first return is an IRET */
    child->parent = parent;
    for (int i = 0; i < NOFILE; i++)
        child->files[i] = parent->files[i] ? file_duplicate(parent->files[i]) : NULL;
    memcpy(child->vmas, parent->vmas, sizeof child->vmas);
    child->heap_start = parent->heap_start;
    child->heap_end = parent->heap_end;
    memcpy(child->signal_handler, parent->signal_handler, sizeof child->signal_handler);
    memcpy(child->signal_restorer, parent->signal_restorer, sizeof child->signal_restorer);
    memcpy(child->name, parent->name, sizeof child->name);
    child->state = RUNNABLE;
    return child->pid;
}

/* ---- scheduling ---- */

void scheduler(void)
{
    int next = 0;
    for (;;) {
        struct proc *chosen = NULL;
        for (int n = 0; n < NPROC; n++) {
            struct proc *p = &proc_table[(next + n) % NPROC];
            if (p->state == RUNNABLE) {
                chosen = p;
                next = (int)(p - proc_table + 1) % NPROC;
                break;
            }
        }
        if (chosen == NULL) {
            pv_safe_halt(); /* an interrupt may make someone runnable */
            pv_irq_disable();
            continue;
        }
        current = chosen;
        chosen->state = RUNNING;
        /* The kernel stack and CR3 change together: lazy CPU mode lets a hypervisor batch them. */
        pv_set_lazy_mode(VMI_LAZY_CPU);
        tss_set_kernel_stack((uint32_t)(chosen->kernel_stack + KERNEL_STACK_SIZE));
        switch_address_space(chosen->page_directory);
        pv_set_lazy_mode(VMI_LAZY_NONE);
        swtch(&scheduler_context, chosen->context);
        current = NULL;
    }
}

/* Gives the CPU back to the scheduler; the caller has set current->state. */
static void sched(void)
{
    swtch(&current->context, scheduler_context);
}

void yield(void)
{
    current->state = RUNNABLE;
    sched();
}

void sleep_on(void *channel)
{
    current->channel = channel;
    current->state = SLEEPING;
    sched();
    current->channel = NULL;
}

void wakeup(void *channel)
{
    for (int i = 0; i < NPROC; i++)
        if (proc_table[i].state == SLEEPING && proc_table[i].channel == channel)
            proc_table[i].state = RUNNABLE;
}

/* ---- exit, wait, kill ---- */

void exit_process(int status)
{
    struct proc *p = current;
    if (p == init_process) {
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 0x7F;
        kprintf("init exited with status %d (%u pages free)\n", code, pages_free());
        machine_exit(code);
    }
    for (int fd = 0; fd < NOFILE; fd++) {
        if (p->files[fd]) {
            file_close(p->files[fd]);
            p->files[fd] = NULL;
        }
    }
    /* The kernel half is the same in every directory, so we can drop ours while on it. */
    switch_kernel_address_space();
    page_directory_destroy(p->page_directory);
    p->page_directory = kernel_page_directory;
    for (int i = 0; i < NPROC; i++) {
        if (proc_table[i].parent == p) {
            proc_table[i].parent = init_process;
            if (proc_table[i].state == ZOMBIE)
                wakeup(init_process);
        }
    }
    p->exit_status = status;
    p->state = ZOMBIE;
    signal_send(p->parent, SIGCHLD); /* discarded unless the parent handles SIGCHLD */
    wakeup(p->parent);
    sched();
    panic("zombie ran");
}

int wait_process(int *status)
{
    for (;;) {
        int children = 0;
        for (int i = 0; i < NPROC; i++) {
            struct proc *p = &proc_table[i];
            if (p->parent != current || p->state == UNUSED)
                continue;
            children++;
            if (p->state == ZOMBIE) {
                int pid = p->pid;
                *status = p->exit_status;
                p->state = UNUSED;
                p->parent = NULL;
                return pid;
            }
        }
        if (children == 0)
            return -ECHILD;
        if (current->killed || current->signal_pending)
            return -EINTR; /* the signal is acted on before the caller sees this */
        sleep_on(current);
    }
}

int kill_process(int pid, int signal)
{
    if (signal < 0 || signal >= NSIGNAL)
        return -EINVAL;
    for (int i = 0; i < NPROC; i++) {
        struct proc *p = &proc_table[i];
        if (p->pid == pid && p->state != UNUSED && p->state != ZOMBIE && p->state != EMBRYO) {
            if (signal != 0)
                signal_send(p, signal);
            return 0;
        }
    }
    return -ESRCH;
}
