/*
 * bench: the lmbench-style suite of the 2006 VMI measurements. Each benchmark runs a warm-up
 * iteration, then N timed iterations, and prints one line:
 *
 *   BENCH name="null call" iterations=N cycles_per_iteration=X
 *
 * X is TSC cycles per iteration (rounded down), measured in user mode with RDTSC around the
 * whole loop. N comes from the kernel command line: bench.iterations=N is the count for the
 * cheap operations (default 2000); process creation uses N/20, context switches N/10 round
 * trips (each at least 2). bench.only=NAME runs the benchmarks whose name starts with NAME.
 * The last line is "BENCH DONE count=K".
 */
#include "libc.h"

static long base_iterations;
static char only[64];
static int reported;
static volatile unsigned recovery;
static volatile int faults;

static int selected(const char *name) { return only[0] == 0 || strncmp(name, only, strlen(only)) == 0; }

static void report(const char *name, long iterations, uint64_t cycles)
{
    printf("BENCH name=\"%s\" iterations=%ld cycles_per_iteration=%llu\n", name, iterations,
           (unsigned long long)(cycles / (uint64_t)(iterations > 0 ? iterations : 1)));
    reported++;
}

static long scaled(long divisor)
{
    long n = base_iterations / divisor;
    return n < 2 ? 2 : n;
}

static void wait_all(void)
{
    while (wait(NULL) > 0)
        ;
}

/* ---- system calls and files ---- */

static void bench_null_call(void)
{
    long n = base_iterations;
    getpid();
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        getpid();
    report("null call", n, rdtsc() - start);
}

static void bench_getppid(void)
{
    long n = base_iterations;
    getppid();
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        getppid();
    report("getppid", n, rdtsc() - start);
}

/* lmbench's "null I/O": the mean of a 1-byte read of /dev/zero and a 1-byte write to /dev/null. */
static void bench_null_io(void)
{
    long n = base_iterations;
    int zero = open("/dev/zero", O_RDONLY), null = open("/dev/null", O_WRONLY);
    char c = 0;
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++) {
        read(zero, &c, 1);
        write(null, &c, 1);
    }
    report("null I/O", 2 * n, rdtsc() - start);
    close(zero);
    close(null);
}

static void bench_stat(void)
{
    long n = base_iterations;
    struct stat st;
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        stat("/bin/hello", &st);
    report("stat", n, rdtsc() - start);
}

static void bench_open_close(void)
{
    long n = base_iterations;
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        close(open("/bin/hello", O_RDONLY));
    report("open/close", n, rdtsc() - start);
}

/* ---- signals and faults ---- */

static void count_signal(int signal, struct signal_context *context)
{
    (void)signal;
    (void)context;
    faults++;
}

static void skip_fault(int signal, struct signal_context *context)
{
    (void)signal;
    faults++;
    context->eip = recovery;
}

static void bench_sig_install(void)
{
    long n = base_iterations;
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        sigaction(SIGUSR1, count_signal);
    report("sig inst", n, rdtsc() - start);
}

static void bench_sig_handle(void)
{
    long n = base_iterations;
    int self = getpid();
    sigaction(SIGUSR1, count_signal);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        kill(self, SIGUSR1);
    report("sig hndl", n, rdtsc() - start);
}

static void bench_segv(void)
{
    long n = base_iterations / 2;
    sigaction(SIGSEGV, skip_fault);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        __asm__ volatile("movl $1f, %0\n\tmovl $0, 0\n1:" : "=m"(recovery) : : "memory");
    report("segv", n, rdtsc() - start);
    sigaction(SIGSEGV, (signal_handler)SIG_DFL);
}

static void bench_divzero(void)
{
    long n = base_iterations / 2;
    sigaction(SIGFPE, skip_fault);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++)
        __asm__ volatile("movl $1f, %0\n\tmovl $1, %%eax\n\txorl %%edx, %%edx\n\txorl %%ecx, %%ecx\n\tdivl %%ecx\n1:"
                         : "=m"(recovery)
                         :
                         : "eax", "ecx", "edx", "memory");
    report("divzero", n, rdtsc() - start);
    sigaction(SIGFPE, (signal_handler)SIG_DFL);
}

/* "prot fault": a write to a read-only page; the handler makes it writable, the write retries. */
static char *protected_page;
static void unprotect(int signal, struct signal_context *context)
{
    (void)signal;
    (void)context;
    faults++;
    mprotect(protected_page, 4096, PROT_READ | PROT_WRITE);
}

static void bench_prot_fault(void)
{
    long n = base_iterations / 2;
    protected_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    protected_page[0] = 0;
    sigaction(SIGSEGV, unprotect);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++) {
        mprotect(protected_page, 4096, PROT_READ);
        *(volatile char *)protected_page = 1;
    }
    report("prot fault", n, rdtsc() - start);
    sigaction(SIGSEGV, (signal_handler)SIG_DFL);
    munmap(protected_page, 4096);
}

/* ---- memory ---- */

#define MAP_PAGES 64

static void bench_mmap(void)
{
    long n = scaled(20);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++) {
        char *p = mmap(NULL, MAP_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        for (int page = 0; page < MAP_PAGES; page += 16)
            p[page * 4096] = 1;
        munmap(p, MAP_PAGES * 4096);
    }
    report("mmap", n, rdtsc() - start);
}

static void bench_page_fault(void)
{
    long rounds = scaled(40);
    uint64_t cycles = 0;
    for (long i = 0; i < rounds; i++) {
        char *p = mmap(NULL, MAP_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
        uint64_t start = rdtsc();
        for (int page = 0; page < MAP_PAGES; page++)
            p[page * 4096] = 1;
        cycles += rdtsc() - start;
        munmap(p, MAP_PAGES * 4096);
    }
    report("page fault", rounds * MAP_PAGES, cycles);
}

/* ---- processes ---- */

static void bench_fork(void)
{
    long n = scaled(20);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++) {
        if (fork() == 0)
            exit(0);
        wait(NULL);
    }
    report("fork proc", n, rdtsc() - start);
}

static void bench_exec(void)
{
    long n = scaled(20);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++) {
        if (fork() == 0) {
            char *argv[] = {"/bin/hello", NULL};
            exec("/bin/hello", argv);
            exit(1);
        }
        wait(NULL);
    }
    report("exec proc", n, rdtsc() - start);
}

static void bench_sh(void)
{
    long n = scaled(20);
    uint64_t start = rdtsc();
    for (long i = 0; i < n; i++) {
        if (fork() == 0) {
            char *argv[] = {"/bin/sh", "-c", "/bin/hello", NULL};
            exec("/bin/sh", argv);
            exit(1);
        }
        wait(NULL);
    }
    report("sh proc", n, rdtsc() - start);
}

/* forkwaitn: fork 8 children that exit at once, then wait for all of them; per child. */
static void bench_forkwaitn(void)
{
    long rounds = scaled(160);
    uint64_t start = rdtsc();
    for (long r = 0; r < rounds; r++) {
        for (int c = 0; c < 8; c++)
            if (fork() == 0)
                exit(0);
        wait_all();
    }
    report("forkwaitn", rounds * 8, rdtsc() - start);
}

/*
 * Context switch (lmbench lat_ctx): `processes` processes in a ring of pipes pass a one-word
 * token; each touches `kilobytes` KiB of its own data before passing it on. Reported per
 * switch (one token hand-over), including the pipe read and write.
 */
static void context_ring(int processes, int kilobytes, long rounds)
{
    char name[32];
    snprintf(name, sizeof name, "%dp/%dK", processes, kilobytes);
    if (!selected(name))
        return;
    int pipes[16][2];
    for (int i = 0; i < processes; i++)
        pipe(pipes[i]);
    unsigned bytes = (unsigned)kilobytes * 1024;
    int children[16];
    for (int i = 1; i < processes; i++) {
        if ((children[i] = fork()) == 0) {
            volatile int *data = bytes ? malloc(bytes) : NULL;
            int token;
            for (;;) {
                if (read(pipes[i][0], &token, sizeof token) != sizeof token)
                    exit(0);
                for (unsigned j = 0; j < bytes / 4; j += 16)
                    data[j]++;
                write(pipes[(i + 1) % processes][1], &token, sizeof token);
            }
        }
    }
    volatile int *data = bytes ? malloc(bytes) : NULL;
    if (data)
        memset((void *)data, 0, bytes);
    int token = 1;
    /* warm up one lap */
    write(pipes[1 % processes][1], &token, sizeof token);
    read(pipes[0][0], &token, sizeof token);
    uint64_t start = rdtsc();
    for (long r = 0; r < rounds; r++) {
        for (unsigned j = 0; j < bytes / 4; j += 16)
            data[j]++;
        write(pipes[1 % processes][1], &token, sizeof token);
        read(pipes[0][0], &token, sizeof token);
    }
    uint64_t cycles = rdtsc() - start;
    /* Every child holds every pipe end, so none sees end-of-file: stop them explicitly. */
    for (int i = 1; i < processes; i++)
        kill(children[i], SIGTERM);
    for (int i = 0; i < processes; i++) {
        close(pipes[i][0]);
        close(pipes[i][1]);
    }
    wait_all();
    report(name, rounds * processes, cycles);
}

/* ---- the macro workload ---- */

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return *state >> 8;
}

static void sort(unsigned *a, int n)
{
    while (n > 16) {
        unsigned pivot = a[n / 2];
        int i = 0, j = n - 1;
        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                unsigned t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        if (j + 1 < n - i) {
            sort(a, j + 1);
            a += i, n -= i;
        } else {
            sort(a + i, n - i);
            n = j + 1;
        }
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && a[j - 1] > a[j]; j--) {
            unsigned t = a[j];
            a[j] = a[j - 1];
            a[j - 1] = t;
        }
}

/*
 * "macro sort": stands in for the kernel compile. 4 workers each generate 32768 numbers, sort
 * them and send a checksum back through a pipe; the parent checks the sums. Per round.
 */
static void bench_macro(void)
{
    long rounds = scaled(400);
    const int workers = 4, count = 32768;
    int failures = 0;
    uint64_t start = rdtsc();
    for (long r = 0; r < rounds; r++) {
        int fds[2];
        pipe(fds);
        for (int w = 0; w < workers; w++) {
            if (fork() == 0) {
                unsigned *a = malloc(count * sizeof *a), state = (unsigned)(w + 1), sum = 0;
                for (int i = 0; i < count; i++)
                    a[i] = next_random(&state);
                sort(a, count);
                int ordered = 1;
                for (int i = 1; i < count; i++)
                    ordered &= a[i - 1] <= a[i];
                for (int i = 0; i < count; i++)
                    sum = sum * 31 + a[i];
                unsigned message[2] = {sum, (unsigned)ordered};
                write(fds[1], message, sizeof message);
                exit(0);
            }
        }
        close(fds[1]);
        for (int w = 0; w < workers; w++) {
            unsigned message[2] = {0, 0};
            if (read(fds[0], message, sizeof message) != sizeof message || !message[1])
                failures++;
        }
        close(fds[0]);
        wait_all();
    }
    uint64_t cycles = rdtsc() - start;
    if (failures)
        printf("bench: macro sort produced %d wrong results\n", failures);
    report("macro sort", rounds, cycles);
}

struct benchmark {
    const char *name;
    void (*run)(void);
};

static const struct benchmark benchmarks[] = {
    {"null call", bench_null_call}, {"null I/O", bench_null_io},   {"stat", bench_stat},
    {"open/close", bench_open_close}, {"sig inst", bench_sig_install}, {"sig hndl", bench_sig_handle},
    {"fork proc", bench_fork},       {"exec proc", bench_exec},     {"sh proc", bench_sh},
    {"mmap", bench_mmap},            {"prot fault", bench_prot_fault}, {"page fault", bench_page_fault},
    {"getppid", bench_getppid},      {"segv", bench_segv},          {"forkwaitn", bench_forkwaitn},
    {"divzero", bench_divzero},      {"macro sort", bench_macro},
};

int main(void)
{
    base_iterations = kernel_option("bench.iterations", 2000);
    if (base_iterations < 2)
        base_iterations = 2;
    kernel_option_string("bench.only", only, sizeof only);
    printf("bench: iterations=%ld, system calls by %s\n", base_iterations,
           syscall_uses_sysenter ? "sysenter" : "int 0x80");
    for (unsigned i = 0; i < sizeof benchmarks / sizeof benchmarks[0]; i++)
        if (selected(benchmarks[i].name))
            benchmarks[i].run();
    long rounds = scaled(10);
    static const int rings[][2] = {{2, 0}, {2, 16}, {2, 64}, {8, 16}, {8, 64}, {16, 16}, {16, 64}};
    for (unsigned i = 0; i < sizeof rings / sizeof rings[0]; i++)
        context_ring(rings[i][0], rings[i][1], rounds);
    printf("BENCH DONE count=%d\n", reported);
    return 0;
}
