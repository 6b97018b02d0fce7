/* The tiny C library: system-call wrappers, strings, a bump allocator and printf. */
#include "libc.h"

int __syscall_int80(int number, int a, int b, int c, int d, int e);
int __syscall_sysenter(int number, int a, int b, int c, int d, int e);
void __signal_restorer(void);
int main(int argc, char **argv);

unsigned int __kernel_flags;
int syscall_uses_sysenter;

int __libc_start(int argc, char **argv);
int __libc_start(int argc, char **argv)
{
    syscall_uses_sysenter = (__kernel_flags & 1) != 0;
    return main(argc, argv);
}

int syscall(int number, int a, int b, int c, int d, int e)
{
    if (syscall_uses_sysenter)
        return __syscall_sysenter(number, a, b, c, d, e);
    return __syscall_int80(number, a, b, c, d, e);
}

#define S0(n) syscall(n, 0, 0, 0, 0, 0)
#define S1(n, a) syscall(n, (int)(a), 0, 0, 0, 0)
#define S2(n, a, b) syscall(n, (int)(a), (int)(b), 0, 0, 0)
#define S3(n, a, b, c) syscall(n, (int)(a), (int)(b), (int)(c), 0, 0)

void exit(int status)
{
    for (;;)
        S1(SYS_exit, status);
}
pid_t fork(void) { return S0(SYS_fork); }
int read(int fd, void *buffer, unsigned length) { return S3(SYS_read, fd, buffer, length); }
int write(int fd, const void *buffer, unsigned length) { return S3(SYS_write, fd, buffer, length); }
int open(const char *path, int flags) { return S2(SYS_open, path, flags); }
int close(int fd) { return S1(SYS_close, fd); }
pid_t wait(int *status) { return S1(SYS_wait, status); }
int exec(const char *path, char *const argv[]) { return S2(SYS_exec, path, argv); }
pid_t getpid(void) { return S0(SYS_getpid); }
pid_t getppid(void) { return S0(SYS_getppid); }
int kill(pid_t pid, int signal) { return S2(SYS_kill, pid, signal); }
int sigaction(int signal, signal_handler handler)
{
    return S3(SYS_sigaction, signal, handler, __signal_restorer);
}
int pipe(int fds[2]) { return S1(SYS_pipe, fds); }
void *mmap(void *address, unsigned length, int protection, int flags, int fd)
{
    int result = syscall(SYS_mmap, (int)address, (int)length, protection, flags, fd);
    return result < 0 && result > -4096 ? MAP_FAILED : (void *)result;
}
int munmap(void *address, unsigned length) { return S2(SYS_munmap, address, length); }
int mprotect(void *address, unsigned length, int protection) { return S3(SYS_mprotect, address, length, protection); }
int stat(const char *path, struct stat *st) { return S2(SYS_stat, path, st); }
int fstat(int fd, struct stat *st) { return S2(SYS_fstat, fd, st); }
int lseek(int fd, int offset, int whence) { return S3(SYS_lseek, fd, offset, whence); }
int clock_gettime(int clock, struct timespec *ts) { return S2(SYS_clock_gettime, clock, ts); }
int sched_yield(void) { return S0(SYS_sched_yield); }
int dup(int fd) { return S1(SYS_dup, fd); }
int dup2(int from, int to) { return S2(SYS_dup2, from, to); }
int unlink(const char *path) { return S1(SYS_unlink, path); }

void *sbrk(int increment)
{
    unsigned current = (unsigned)S1(SYS_brk, 0);
    if (increment == 0)
        return (void *)current;
    unsigned wanted = current + (unsigned)increment;
    if ((unsigned)S1(SYS_brk, wanted) != wanted)
        return (void *)-1;
    return (void *)current;
}

void *malloc(size_t size)
{
    void *p = sbrk((int)((size + 15) & ~15u));
    return p == (void *)-1 ? NULL : p;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}
int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return (unsigned char)*a - (unsigned char)*b;
}
int strncmp(const char *a, const char *b, size_t n)
{
    for (; n && *a && *a == *b; n--)
        a++, b++;
    return n == 0 ? 0 : (unsigned char)*a - (unsigned char)*b;
}
char *strchr(const char *s, int c)
{
    for (; *s; s++)
        if (*s == (char)c)
            return (char *)s;
    return c == 0 ? (char *)s : NULL;
}
void *memset(void *d, int c, size_t n)
{
    unsigned char *p = d;
    while (n--)
        *p++ = (unsigned char)c;
    return d;
}
void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *x = d;
    const unsigned char *y = s;
    while (n--)
        *x++ = *y++;
    return d;
}
int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
}
long atol(const char *s)
{
    long v = 0;
    int negative = *s == '-';
    if (negative)
        s++;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return negative ? -v : v;
}

/* printf: %d %u %x %s %c %%, width, '0' padding, 'l' and 'll'. */
struct out {
    char *buffer;
    int size, length;
};
static void put(struct out *o, char c)
{
    if (o->length + 1 < o->size)
        o->buffer[o->length] = c;
    o->length++;
}
static void number(struct out *o, unsigned long long v, unsigned base, int width, char pad, int negative)
{
    char digits[24];
    int n = 0;
    do {
        digits[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (negative)
        digits[n++] = '-';
    while (width-- > n)
        put(o, pad);
    while (n)
        put(o, digits[--n]);
}
int vsnprintf(char *buffer, int size, const char *f, va_list args)
{
    struct out o = {buffer, size, 0};
    for (; *f; f++) {
        if (*f != '%') {
            put(&o, *f);
            continue;
        }
        f++;
        char pad = ' ';
        int width = 0, longs = 0;
        if (*f == '0')
            pad = '0', f++;
        while (*f >= '0' && *f <= '9')
            width = width * 10 + (*f++ - '0');
        while (*f == 'l')
            longs++, f++;
        switch (*f) {
        case 'd': {
            long long v = longs >= 2 ? va_arg(args, long long) : va_arg(args, int);
            number(&o, v < 0 ? (unsigned long long)-v : (unsigned long long)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            number(&o, longs >= 2 ? va_arg(args, unsigned long long) : va_arg(args, unsigned), 10, width, pad, 0);
            break;
        case 'x':
            number(&o, longs >= 2 ? va_arg(args, unsigned long long) : va_arg(args, unsigned), 16, width, pad, 0);
            break;
        case 's': {
            const char *s = va_arg(args, const char *);
            for (s = s ? s : "(null)"; *s; s++)
                put(&o, *s);
            break;
        }
        case 'c':
            put(&o, (char)va_arg(args, int));
            break;
        case '%':
            put(&o, '%');
            break;
        default:
            if (*f == 0)
                goto done;
            put(&o, *f);
        }
    }
done:
    if (size > 0)
        buffer[o.length < size ? o.length : size - 1] = 0;
    return o.length;
}
int snprintf(char *buffer, int size, const char *f, ...)
{
    va_list args;
    va_start(args, f);
    int n = vsnprintf(buffer, size, f, args);
    va_end(args);
    return n;
}
static int vdprintf(int fd, const char *f, va_list args)
{
    char buffer[512];
    int n = vsnprintf(buffer, sizeof buffer, f, args);
    write(fd, buffer, n < (int)sizeof buffer ? (unsigned)n : sizeof buffer - 1);
    return n;
}
int printf(const char *f, ...)
{
    va_list args;
    va_start(args, f);
    int n = vdprintf(1, f, args);
    va_end(args);
    return n;
}
int dprintf(int fd, const char *f, ...)
{
    va_list args;
    va_start(args, f);
    int n = vdprintf(fd, f, args);
    va_end(args);
    return n;
}

static char command_line[256];
static int command_line_loaded;

static const char *find_option(const char *key)
{
    if (!command_line_loaded) {
        int fd = open("/proc/cmdline", O_RDONLY);
        if (fd >= 0) {
            int n = read(fd, command_line, sizeof command_line - 1);
            command_line[n > 0 ? n : 0] = 0;
            close(fd);
        }
        command_line_loaded = 1;
    }
    size_t length = strlen(key);
    for (const char *p = command_line; *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, key, length) == 0 && p[length] == '=')
            return p + length + 1;
        while (*p && *p != ' ')
            p++;
    }
    return NULL;
}

long kernel_option(const char *key, long fallback)
{
    const char *value = find_option(key);
    return value ? atol(value) : fallback;
}

int kernel_option_string(const char *key, char *value, int size)
{
    const char *v = find_option(key);
    if (v == NULL)
        return 0;
    int i = 0;
    while (v[i] && v[i] != ' ' && v[i] != '\n' && i + 1 < size) {
        value[i] = v[i];
        i++;
    }
    value[i] = 0;
    return 1;
}
