/*
 * The system-call ABI shared by the kernel and the user library: numbers, flags and the
 * structures that cross the boundary. int 0x80: EAX = number, arguments in EBX, ECX, EDX, ESI,
 * EDI, result in EAX (negative = -errno). SYSENTER: the same, except that the caller pushes
 * ECX and EDX (arguments 2 and 3) on its stack, puts its stack pointer in ECX and its return
 * address in EDX; the kernel reads the two arguments from the user stack.
 */
#ifndef GUEST_SYSCALL_ABI_H
#define GUEST_SYSCALL_ABI_H

#define SYS_exit 1
#define SYS_fork 2
#define SYS_read 3
#define SYS_write 4
#define SYS_open 5
#define SYS_close 6
#define SYS_wait 7
#define SYS_exec 8
#define SYS_getpid 9
#define SYS_getppid 10
#define SYS_kill 11
#define SYS_sigaction 12
#define SYS_sigreturn 13
#define SYS_pipe 14
#define SYS_brk 15
#define SYS_mmap 16
#define SYS_munmap 17
#define SYS_mprotect 18
#define SYS_stat 19
#define SYS_fstat 20
#define SYS_lseek 21
#define SYS_clock_gettime 22
#define SYS_sched_yield 23
#define SYS_dup 24
#define SYS_unlink 25
#define SYS_dup2 26
#define SYS_COUNT 27

/* errno values (Linux numbering). */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EFAULT 14
#define EEXIST 17
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOSPC 28
#define ESPIPE 29
#define EPIPE 32
#define ENOSYS 38

/* open flags (Linux values). */
#define O_RDONLY 0
#define O_WRONLY 1
#define O_RDWR 2
#define O_ACCMODE 3
#define O_CREAT 0x40
#define O_TRUNC 0x200
#define O_APPEND 0x400

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2

/* mmap/mprotect. */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 1
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void *)-1)

/* Signals (Linux numbering). */
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIG_DFL 0
#define SIG_IGN 1

/* wait status, as Linux encodes it. */
#define WIFEXITED(s) (((s) & 0x7F) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xFF)
#define WIFSIGNALED(s) (((s) & 0x7F) != 0)
#define WTERMSIG(s) ((s) & 0x7F)

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

struct timespec {
    int tv_sec;
    int tv_nsec;
};

#define S_IFMT 0xF000
#define S_IFIFO 0x1000
#define S_IFCHR 0x2000
#define S_IFREG 0x8000

struct stat {
    unsigned int st_dev, st_ino, st_mode, st_nlink, st_size;
};

/*
 * What a signal handler receives as its third argument: the interrupted user registers. The
 * handler may change them (e.g. eip, to resume elsewhere); sigreturn restores them, after the
 * kernel has checked the segment and flag values.
 */
struct signal_context {
    unsigned int edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
    unsigned int gs, fs, es, ds;
    unsigned int trapno, err;
    unsigned int eip, cs, eflags;
    unsigned int esp, ss;
};

#endif
