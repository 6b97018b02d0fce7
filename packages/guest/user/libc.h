/* The tiny C library of the guest's user programs. */
#ifndef GUEST_LIBC_H
#define GUEST_LIBC_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "../kernel/syscall_abi.h"

typedef int pid_t;

/* System calls (negative results are -errno, as the kernel returns them). */
int syscall(int number, int a, int b, int c, int d, int e);
void exit(int status) __attribute__((noreturn));
pid_t fork(void);
int read(int fd, void *buffer, unsigned length);
int write(int fd, const void *buffer, unsigned length);
int open(const char *path, int flags);
int close(int fd);
pid_t wait(int *status);
int exec(const char *path, char *const argv[]);
pid_t getpid(void);
pid_t getppid(void);
int kill(pid_t pid, int signal);
typedef void (*signal_handler)(int signal, struct signal_context *context);
int sigaction(int signal, signal_handler handler); /* returns the old handler or -errno */
int pipe(int fds[2]);
void *sbrk(int increment);
void *mmap(void *address, unsigned length, int protection, int flags, int fd);
int munmap(void *address, unsigned length);
int mprotect(void *address, unsigned length, int protection);
int stat(const char *path, struct stat *st);
int fstat(int fd, struct stat *st);
int lseek(int fd, int offset, int whence);
int clock_gettime(int clock, struct timespec *ts);
int sched_yield(void);
int dup(int fd);
int dup2(int from, int to);
int unlink(const char *path);
extern int syscall_uses_sysenter;

/* Strings and memory. */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
long atol(const char *s);
void *malloc(size_t size); /* from brk; never freed */

/* Output. */
int vsnprintf(char *buffer, int size, const char *format, va_list args);
int snprintf(char *buffer, int size, const char *format, ...) __attribute__((format(printf, 3, 4)));
int printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
int dprintf(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* The time-stamp counter (RDTSC is allowed in user mode). */
static inline uint64_t rdtsc(void)
{
    uint32_t low, high;
    __asm__ volatile("rdtsc" : "=a"(low), "=d"(high));
    return ((uint64_t)high << 32) | low;
}

/* The value of `key=` in /proc/cmdline, or `fallback`. */
long kernel_option(const char *key, long fallback);
int kernel_option_string(const char *key, char *value, int size); /* 1 if found */

#endif
