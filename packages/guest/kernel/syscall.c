/*
 * System calls: argument fetching and the call table. Arguments come from the trap frame
 * (EBX, ECX, EDX, ESI, EDI); for SYSENTER the second and third were pushed by the caller
 * and are read from the user stack. Every user pointer goes through copy_from_user /
 * copy_to_user, so a bad pointer is -EFAULT and never a kernel fault.
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

#define T_SYSENTER 0x81
#define PATH_SIZE 64

int fd_install_file(struct file *f);
int signal_return(struct trapframe *tf);

struct arguments {
    uint32_t a[5];
};

static struct file *fd_file(int fd)
{
    struct proc *p = current_process();
    if (fd < 0 || fd >= NOFILE)
        return NULL;
    return p->files[fd];
}

static int fetch_path(uint32_t user, char *path)
{
    return copy_string_from_user(path, user, PATH_SIZE) < 0 ? -EFAULT : 0;
}

static int sys_exec(uint32_t user_path, uint32_t user_argv)
{
    /* Path and arguments are copied into one page before the old image goes away. */
    char *buffer = page_alloc();
    if (buffer == NULL)
        return -ENOMEM;
    char *argv[33];
    int argc = 0, error = fetch_path(user_path, buffer);
    uint32_t used = PATH_SIZE;
    while (error == 0) {
        uint32_t pointer;
        if (argc >= 32) {
            error = -E2BIG;
            break;
        }
        if (copy_from_user(&pointer, user_argv + 4 * (uint32_t)argc, 4) < 0) {
            error = -EFAULT;
            break;
        }
        if (pointer == 0)
            break;
        int length = copy_string_from_user(buffer + used, pointer, PAGE_SIZE - used);
        if (length < 0) {
            error = -E2BIG;
            break;
        }
        argv[argc++] = buffer + used;
        used += (uint32_t)length + 1;
    }
    argv[argc] = NULL;
    if (error == 0)
        error = exec(buffer, argv, argc);
    page_free(buffer);
    return error;
}

static int sys_brk(uint32_t requested)
{
    struct proc *p = current_process();
    struct vma *heap = NULL;
    for (int i = 0; i < NVMA; i++)
        if (p->vmas[i].used && p->vmas[i].start == p->heap_start)
            heap = &p->vmas[i];
    if (requested == 0 || heap == NULL)
        return (int)p->heap_end;
    if (requested < p->heap_start || requested > MMAP_BASE)
        return (int)p->heap_end;
    uint32_t new_end = PAGE_ROUND_UP(requested);
    if (new_end < heap->end)
        unmap_range(p->page_directory, new_end, heap->end);
    heap->end = new_end;
    p->heap_end = requested;
    return (int)requested;
}

static int sys_mmap(uint32_t length, uint32_t protection, uint32_t flags, int fd, uint32_t offset)
{
    struct proc *p = current_process();
    if (length == 0 || length > (256u << 20) || (offset & (PAGE_SIZE - 1)) || protection > 7)
        return -EINVAL;
    struct file *f = NULL;
    if ((flags & MAP_ANONYMOUS) == 0 && (f = fd_file(fd)) == NULL)
        return -EBADF;
    length = PAGE_ROUND_UP(length);
    /* First fit above MMAP_BASE, keeping a guard page after every mapping, so that unmapped
     * ranges are reused. */
    uint32_t start = MMAP_BASE;
    for (int moved = 1; moved;) {
        moved = 0;
        for (int i = 0; i < NVMA; i++) {
            struct vma *v = &p->vmas[i];
            if (v->used && v->start < start + length + PAGE_SIZE && start < v->end + PAGE_SIZE) {
                start = v->end + PAGE_SIZE;
                moved = 1;
            }
        }
        if (start + length > USER_STACK_TOP - USER_STACK_SIZE || start + length < start)
            return -ENOMEM;
    }
    struct vma *region = vma_add(p, start, start + length, protection);
    if (region == NULL)
        return -ENOMEM;
    if (f != NULL) {
        /* A private file mapping: copy the file now; the pages are then ordinary memory. */
        for (uint32_t va = start; va < start + length; va += PAGE_SIZE) {
            void *page = page_alloc();
            int error = page == NULL ? -ENOMEM : file_mmap_copy(f, offset + (va - start), page);
            if (error == 0 && map_page(p->page_directory, va, V2P(page), PTE_U | PTE_W) < 0)
                error = -ENOMEM;
            if (error < 0) {
                if (page)
                    page_free(page);
                unmap_range(p->page_directory, start, start + length);
                region->used = 0;
                return error;
            }
        }
        protect_range(p->page_directory, start, start + length, (int)protection);
    }
    return (int)start;
}

/* Splits regions at both ends of [start, end) so that it is covered by whole regions. */
static int regions_isolate(struct proc *p, uint32_t start, uint32_t end)
{
    if ((start & (PAGE_SIZE - 1)) || end <= start || end > KERNEL_BASE)
        return -EINVAL;
    if (vma_split(p, start) < 0 || vma_split(p, end) < 0)
        return -ENOMEM;
    return 0;
}

static int sys_munmap(uint32_t start, uint32_t length)
{
    struct proc *p = current_process();
    uint32_t end = PAGE_ROUND_UP(start + length);
    int error = regions_isolate(p, start, end);
    if (error)
        return error;
    for (int i = 0; i < NVMA; i++)
        if (p->vmas[i].used && p->vmas[i].start >= start && p->vmas[i].end <= end && p->vmas[i].start != p->heap_start)
            p->vmas[i].used = 0;
    unmap_range(p->page_directory, start, end);
    return 0;
}

static int sys_mprotect(uint32_t start, uint32_t length, uint32_t protection)
{
    struct proc *p = current_process();
    uint32_t end = PAGE_ROUND_UP(start + length);
    if (protection > 7)
        return -EINVAL;
    int error = regions_isolate(p, start, end);
    if (error)
        return error;
    for (uint32_t va = start; va < end; va += PAGE_SIZE)
        if (vma_find(p, va) == NULL)
            return -ENOMEM; /* as Linux: the range must be mapped */
    for (int i = 0; i < NVMA; i++)
        if (p->vmas[i].used && p->vmas[i].start >= start && p->vmas[i].end <= end)
            p->vmas[i].protection = protection;
    protect_range(p->page_directory, start, end, (int)protection);
    return 0;
}

static int sys_sigaction(uint32_t signal, uint32_t handler, uint32_t restorer)
{
    struct proc *p = current_process();
    if (signal == 0 || signal >= NSIGNAL || signal == SIGKILL)
        return -EINVAL;
    uint32_t old = p->signal_handler[signal];
    p->signal_handler[signal] = handler;
    p->signal_restorer[signal] = restorer;
    return (int)old;
}

static int sys_clock_gettime(uint32_t clock, uint32_t user_timespec)
{
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
        return -EINVAL;
    uint64_t now = uptime_nanoseconds();
    struct timespec ts = {(int)(now / 1000000000ull), (int)(now % 1000000000ull)};
    return copy_to_user(user_timespec, &ts, sizeof ts) < 0 ? -EFAULT : 0;
}

static int dispatch(struct trapframe *tf, uint32_t number, const struct arguments *args)
{
    struct proc *p = current_process();
    const uint32_t *a = args->a;
    char path[PATH_SIZE];
    struct stat st;
    struct file *f;
    int result;

    switch (number) {
    case SYS_exit:
        exit_process((int)((a[0] & 0xFF) << 8));
    case SYS_fork:
        return sys_fork_impl();
    case SYS_read:
        return (f = fd_file((int)a[0])) ? file_read(f, a[1], a[2]) : -EBADF;
    case SYS_write:
        return (f = fd_file((int)a[0])) ? file_write(f, a[1], a[2]) : -EBADF;
    case SYS_open:
        return fetch_path(a[0], path) < 0 ? -EFAULT : sys_open(path, (int)a[1]);
    case SYS_close:
        if ((f = fd_file((int)a[0])) == NULL)
            return -EBADF;
        p->files[a[0]] = NULL;
        file_close(f);
        return 0;
    case SYS_wait: {
        int status = 0;
        int pid = wait_process(&status);
        if (pid > 0 && a[0] != 0 && copy_to_user(a[0], &status, sizeof status) < 0)
            return -EFAULT;
        return pid;
    }
    case SYS_exec:
        return sys_exec(a[0], a[1]);
    case SYS_getpid:
        return p->pid;
    case SYS_getppid:
        return p->parent ? p->parent->pid : 0;
    case SYS_kill:
        return kill_process((int)a[0], (int)a[1]);
    case SYS_sigaction:
        return sys_sigaction(a[0], a[1], a[2]);
    case SYS_sigreturn:
        return signal_return(tf);
    case SYS_pipe: {
        struct file *r, *w;
        if ((result = pipe_create(&r, &w)) < 0)
            return result;
        int fds[2] = {fd_install_file(r), -1};
        if (fds[0] >= 0)
            fds[1] = fd_install_file(w);
        if (fds[1] < 0 || copy_to_user(a[0], fds, sizeof fds) < 0) {
            if (fds[0] >= 0)
                p->files[fds[0]] = NULL;
            if (fds[1] >= 0)
                p->files[fds[1]] = NULL;
            file_close(r);
            file_close(w);
            return fds[1] < 0 ? -EMFILE : -EFAULT;
        }
        return 0;
    }
    case SYS_brk:
        return sys_brk(a[0]);
    case SYS_mmap:
        return sys_mmap(a[1], a[2], a[3], (int)a[4], 0);
    case SYS_munmap:
        return sys_munmap(a[0], a[1]);
    case SYS_mprotect:
        return sys_mprotect(a[0], a[1], a[2]);
    case SYS_stat:
        if (fetch_path(a[0], path) < 0)
            return -EFAULT;
        if ((result = stat_path(path, &st)) < 0)
            return result;
        return copy_to_user(a[1], &st, sizeof st) < 0 ? -EFAULT : 0;
    case SYS_fstat:
        if ((f = fd_file((int)a[0])) == NULL)
            return -EBADF;
        file_stat(f, &st);
        return copy_to_user(a[1], &st, sizeof st) < 0 ? -EFAULT : 0;
    case SYS_lseek:
        return (f = fd_file((int)a[0])) ? file_seek(f, (int)a[1], (int)a[2]) : -EBADF;
    case SYS_clock_gettime:
        return sys_clock_gettime(a[0], a[1]);
    case SYS_sched_yield:
        yield();
        return 0;
    case SYS_dup:
        if ((f = fd_file((int)a[0])) == NULL)
            return -EBADF;
        if ((result = fd_install_file(f)) >= 0)
            file_duplicate(f);
        return result;
    case SYS_dup2:
        if ((f = fd_file((int)a[0])) == NULL || a[1] >= NOFILE)
            return -EBADF;
        if (a[0] == a[1])
            return (int)a[1];
        if (p->files[a[1]])
            file_close(p->files[a[1]]);
        p->files[a[1]] = file_duplicate(f);
        return (int)a[1];
    case SYS_unlink:
        return fetch_path(a[0], path) < 0 ? -EFAULT : unlink_path(path);
    default:
        return -ENOSYS;
    }
}

void syscall(struct trapframe *tf)
{
    struct arguments args = {{tf->ebx, tf->ecx, tf->edx, tf->esi, tf->edi}};
    if (tf->trapno == T_SYSENTER) {
        uint32_t pushed[2];
        if (copy_from_user(pushed, tf->esp, sizeof pushed) < 0) {
            tf->eax = (uint32_t)-EFAULT;
            return;
        }
        args.a[1] = pushed[0];
        args.a[2] = pushed[1];
    }
    tf->eax = (uint32_t)dispatch(tf, tf->eax, &args);
}
