/*
 * selftest: checks of the kernel's process, memory, signal, pipe and file behaviour. Each
 * check prints "SELFTEST PASS name" or "SELFTEST FAIL name: why"; the last line is
 * "SELFTEST DONE passed=N failed=M" and the exit status is the number of failures.
 */
#include "libc.h"

static int passed, failed;

static void check(const char *name, int ok, const char *why)
{
    if (ok) {
        passed++;
        printf("SELFTEST PASS %s\n", name);
    } else {
        failed++;
        printf("SELFTEST FAIL %s: %s\n", name, why);
    }
}

/* Runs `body` in a child and returns its wait status. */
static int in_child(void (*body)(void))
{
    int pid = fork();
    if (pid == 0) {
        body();
        exit(0);
    }
    int status = -1;
    while (wait(&status) != pid)
        ;
    return status;
}

static volatile int counter;
static volatile unsigned recovery;
static volatile int last_signal;

static void on_signal(int signal, struct signal_context *context)
{
    (void)context;
    last_signal = signal;
    counter++;
}

/* For faults: record the signal and resume at the instruction after the faulting one. */
static void skip_fault(int signal, struct signal_context *context)
{
    last_signal = signal;
    context->eip = recovery;
}

static void write_null(void) { __asm__ volatile("movl $1f, %0\n\tmovl $0, 0\n1:" : "=m"(recovery) : : "memory"); }

static void divide_by_zero(void)
{
    __asm__ volatile("movl $1f, %0\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\txorl %%ecx, %%ecx\n\tdivl %%ecx\n1:"
                     : "=m"(recovery)
                     :
                     : "eax", "ecx", "edx", "memory");
}

static void child_writes_null(void) { *(volatile int *)0 = 1; }
static void child_spins(void)
{
    for (;;)
        ;
}

int __syscall_int80(int number, int a, int b, int c, int d, int e);
int __syscall_sysenter(int number, int a, int b, int c, int d, int e);

/* Both entry paths give the same answers (SYSENTER only when the kernel offers it). */
static void test_entry_paths(void)
{
    int pid = __syscall_int80(SYS_getpid, 0, 0, 0, 0, 0);
    check("int80-getpid", pid == getpid(), "int 0x80 disagrees");
    if (syscall_uses_sysenter) {
        struct stat st;
        int result = __syscall_sysenter(SYS_stat, (int)"/bin/hello", (int)&st, 0, 0, 0);
        check("sysenter-three-arguments", __syscall_sysenter(SYS_getpid, 0, 0, 0, 0, 0) == pid && result == 0 &&
                                              st.st_size > 0,
              "sysenter path lost arguments");
    }
    check("unknown-syscall", syscall(999, 0, 0, 0, 0, 0) == -ENOSYS, "expected -ENOSYS");
}

static void test_fork_and_wait(void)
{
    int pid = fork();
    if (pid == 0)
        exit(42);
    int status = 0;
    int reaped = wait(&status);
    check("fork-wait-status", reaped == pid && WIFEXITED(status) && WEXITSTATUS(status) == 42, "wrong status");
    check("wait-no-children", wait(&status) == -ECHILD, "expected -ECHILD");
}

static void test_copy_on_write(void)
{
    static int shared = 1;
    int fds[2];
    pipe(fds);
    int pid = fork();
    if (pid == 0) {
        int seen = shared;
        shared = 99;
        char reply = (char)(seen == 1 && shared == 99);
        write(fds[1], &reply, 1);
        exit(0);
    }
    char reply = 0;
    read(fds[0], &reply, 1);
    wait(NULL);
    shared = 2;
    check("copy-on-write", reply == 1 && shared == 2, "child and parent memory not separate");
    close(fds[0]);
    close(fds[1]);
}

static void test_getppid(void)
{
    int fds[2];
    pipe(fds);
    int parent = getpid();
    if (fork() == 0) {
        int p = getppid();
        write(fds[1], &p, sizeof p);
        exit(0);
    }
    int seen = 0;
    read(fds[0], &seen, sizeof seen);
    wait(NULL);
    check("getppid", seen == parent, "child sees a different parent");
    close(fds[0]);
    close(fds[1]);
}

static void test_exec(void)
{
    int pid = fork();
    if (pid == 0) {
        char *argv[] = {"/bin/hello", "from-exec", NULL};
        exec("/bin/hello", argv);
        exit(99);
    }
    int status = -1;
    wait(&status);
    check("exec", WIFEXITED(status) && WEXITSTATUS(status) == 0, "hello did not run");
    char *argv[] = {"/bin/none", NULL};
    check("exec-missing", exec("/bin/none", argv) == -ENOENT, "expected -ENOENT");
    check("exec-not-elf", exec("/proc/cmdline", argv) == -ENOEXEC, "expected -ENOEXEC");
}

/* Writes /bin/hello with one 32-bit field changed to /tmp/evil and tries to exec it. */
static int exec_modified_hello(unsigned offset_in_program_header, unsigned value)
{
    int fd = open("/bin/hello", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    unsigned char *image = malloc(st.st_size);
    read(fd, image, st.st_size);
    close(fd);
    unsigned program_headers = *(unsigned *)(image + 28);
    *(unsigned *)(image + program_headers + offset_in_program_header) = value;
    fd = open("/tmp/evil", O_CREAT | O_WRONLY | O_TRUNC);
    write(fd, image, st.st_size);
    close(fd);
    char *argv[] = {"/tmp/evil", NULL};
    int result = exec("/tmp/evil", argv);
    unlink("/tmp/evil");
    return result;
}

static void test_hostile_elf(void)
{
    /* Program header 0 (PT_LOAD): vaddr at +8, filesz at +16, offset at +4. */
    check("elf-segment-in-kernel", exec_modified_hello(8, 0xC0000000u) == -ENOEXEC, "kernel-half segment accepted");
    check("elf-segment-past-file", exec_modified_hello(16, 0x7FFFFFFFu) == -ENOEXEC, "oversized segment accepted");
    check("elf-offset-wraps", exec_modified_hello(4, 0xFFFFF000u) == -ENOEXEC, "wrapping offset accepted");
}

static void test_signals(void)
{
    counter = 0;
    sigaction(SIGUSR1, on_signal);
    kill(getpid(), SIGUSR1);
    check("signal-handler", counter == 1 && last_signal == SIGUSR1, "handler did not run once");

    sigaction(SIGSEGV, skip_fault);
    last_signal = 0;
    write_null();
    check("sigsegv-handled", last_signal == SIGSEGV, "no SIGSEGV");
    sigaction(SIGSEGV, (signal_handler)SIG_DFL);

    sigaction(SIGFPE, skip_fault);
    last_signal = 0;
    divide_by_zero();
    check("sigfpe-handled", last_signal == SIGFPE, "no SIGFPE");

    int status = in_child(child_writes_null);
    check("sigsegv-default-kills", WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "child not killed by SIGSEGV");

    sigaction(SIGUSR2, (signal_handler)SIG_IGN);
    kill(getpid(), SIGUSR2);
    check("signal-ignored", 1, "");
}

static void test_kill_and_preemption(void)
{
    /* The child never yields: only the timer can give the CPU back to us. */
    int pid = fork();
    if (pid == 0)
        child_spins();
    sched_yield();
    int result = kill(pid, SIGTERM);
    int status = 0;
    wait(&status);
    check("preemption-and-kill", result == 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "spinning child not killed");
    check("kill-missing", kill(99999, SIGTERM) == -ESRCH, "expected -ESRCH");
}

/* A process blocked in wait must still be killable; its orphan is adopted by init. */
static void test_kill_interrupts_wait(void)
{
    int fds[2];
    pipe(fds);
    int middle = fork();
    if (middle == 0) {
        if (fork() == 0) {
            /* The grandchild waits for end-of-file: it comes when `middle` dies. */
            char c;
            close(fds[1]);
            while (read(fds[0], &c, 1) > 0)
                ;
            exit(0);
        }
        close(fds[0]);
        wait(NULL); /* blocks: the grandchild does not exit first */
        exit(0);
    }
    close(fds[0]);
    close(fds[1]);
    for (int i = 0; i < 5; i++)
        sched_yield(); /* let it reach wait() */
    kill(middle, SIGTERM);
    int status = 0;
    int reaped = wait(&status);
    check("kill-interrupts-wait", reaped == middle && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "process blocked in wait not killed");
}

static void test_sigchld(void)
{
    counter = 0;
    sigaction(SIGCHLD, on_signal);
    if (fork() == 0)
        exit(0);
    int status;
    while (wait(&status) == -EINTR)
        ;
    check("sigchld", counter == 1 && last_signal == SIGCHLD, "no SIGCHLD for an exited child");
    sigaction(SIGCHLD, (signal_handler)SIG_DFL);
}

static void test_pipe(void)
{
    int fds[2];
    check("pipe-create", pipe(fds) == 0, "pipe failed");
    int pid = fork();
    if (pid == 0) {
        close(fds[1]);
        unsigned sum = 0, total = 0;
        unsigned char buffer[700];
        int n;
        while ((n = read(fds[0], buffer, sizeof buffer)) > 0) {
            for (int i = 0; i < n; i++)
                sum += buffer[i];
            total += (unsigned)n;
        }
        exit(total == 20000 && sum == 20000u * 7 ? 0 : 1);
    }
    close(fds[0]);
    unsigned char block[1000];
    memset(block, 7, sizeof block);
    for (int i = 0; i < 20; i++)
        write(fds[1], block, sizeof block);
    close(fds[1]);
    int status = -1;
    wait(&status);
    check("pipe-transfer", WIFEXITED(status) && WEXITSTATUS(status) == 0, "data lost or corrupted");
}

static void test_memory(void)
{
    char *heap = sbrk(8192);
    memset(heap, 3, 8192);
    check("brk", heap != (void *)-1 && heap[8191] == 3, "sbrk failed");

    unsigned length = 64 * 1024;
    unsigned char *region = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    int ok = region != MAP_FAILED;
    for (unsigned i = 0; ok && i < length; i += 4096)
        ok = region[i] == 0;
    for (unsigned i = 0; ok && i < length; i += 1024)
        region[i] = (unsigned char)i;
    for (unsigned i = 0; ok && i < length; i += 1024)
        ok = region[i] == (unsigned char)i;
    check("mmap-anonymous", ok, "mapping not zeroed or not writable");

    sigaction(SIGSEGV, skip_fault);
    mprotect(region, 4096, PROT_READ);
    last_signal = 0;
    __asm__ volatile("movl $1f, %0\n\tmovb $1, (%1)\n1:" : "=m"(recovery) : "r"(region) : "memory");
    check("mprotect-read-only", last_signal == SIGSEGV && region[0] == 0, "write to read-only page succeeded");
    mprotect(region, 4096, PROT_READ | PROT_WRITE);
    region[0] = 5;
    check("mprotect-writable-again", region[0] == 5, "");

    munmap(region, length);
    last_signal = 0;
    __asm__ volatile("movl $1f, %0\n\tmovb (%1), %%al\n1:" : "=m"(recovery) : "r"(region) : "eax", "memory");
    check("munmap", last_signal == SIGSEGV, "unmapped memory still readable");
    sigaction(SIGSEGV, (signal_handler)SIG_DFL);

    /* Copy-on-write across fork for an mmap region. */
    unsigned char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    shared[0] = 1;
    int pid = fork();
    if (pid == 0) {
        shared[0] = 2;
        exit(shared[0]);
    }
    int status = 0;
    wait(&status);
    check("mmap-copy-on-write", WEXITSTATUS(status) == 2 && shared[0] == 1, "private mapping shared");

    int fd = open("/proc/cmdline", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    char *file = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd);
    char direct[256];
    int n = read(fd, direct, sizeof direct);
    check("mmap-file", file != MAP_FAILED && n == (int)st.st_size && memcmp(file, direct, n) == 0,
          "mapping differs from the file");
    close(fd);
    check("bad-pointer-efault", write(1, (void *)0xC0000000, 10) == -EFAULT, "kernel address accepted");
}

static void test_files(void)
{
    int fd = open("/tmp/selftest", O_CREAT | O_RDWR | O_TRUNC);
    const char text[] = "hello, ramfs";
    int written = write(fd, text, sizeof text);
    check("file-write", fd >= 0 && written == (int)sizeof text, "write failed");
    check("file-lseek", lseek(fd, 7, SEEK_SET) == 7, "lseek failed");
    char buffer[32] = {0};
    int n = read(fd, buffer, sizeof buffer);
    check("file-read", n == (int)sizeof text - 7 && strcmp(buffer, "ramfs") == 0, "read back wrong data");
    struct stat st;
    check("file-fstat", fstat(fd, &st) == 0 && st.st_size == sizeof text && (st.st_mode & S_IFMT) == S_IFREG,
          "wrong fstat");
    close(fd);
    check("file-stat", stat("/tmp/selftest", &st) == 0 && st.st_size == sizeof text, "wrong stat");
    check("file-unlink", unlink("/tmp/selftest") == 0 && open("/tmp/selftest", O_RDONLY) == -ENOENT, "still there");
    check("open-missing", open("/nope", O_RDONLY) == -ENOENT, "expected -ENOENT");

    int zero = open("/dev/zero", O_RDONLY), null = open("/dev/null", O_RDWR);
    memset(buffer, 1, sizeof buffer);
    int ok = read(zero, buffer, sizeof buffer) == (int)sizeof buffer;
    for (unsigned i = 0; i < sizeof buffer; i++)
        ok = ok && buffer[i] == 0;
    check("dev-zero", ok, "not zeros");
    check("dev-null", write(null, buffer, 10) == 10 && read(null, buffer, 10) == 0, "wrong /dev/null");
    close(zero);
    close(null);
    check("close-bad-fd", close(15) == -EBADF, "expected -EBADF");
}

static void test_time(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < 3; i++)
        sched_yield();
    clock_gettime(CLOCK_MONOTONIC, &b);
    long long ta = (long long)a.tv_sec * 1000000000 + a.tv_nsec, tb = (long long)b.tv_sec * 1000000000 + b.tv_nsec;
    check("clock-monotonic", tb > ta && a.tv_nsec < 1000000000, "time did not advance");
}

int main(void)
{
    printf("selftest: pid %d, system calls by %s\n", getpid(), syscall_uses_sysenter ? "sysenter" : "int 0x80");
    test_entry_paths();
    test_fork_and_wait();
    test_copy_on_write();
    test_getppid();
    test_exec();
    test_hostile_elf();
    test_signals();
    test_kill_and_preemption();
    test_kill_interrupts_wait();
    test_sigchld();
    test_pipe();
    test_memory();
    test_files();
    test_time();
    printf("SELFTEST DONE passed=%d failed=%d\n", passed, failed);
    return failed;
}
