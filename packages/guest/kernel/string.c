/* The string functions the kernel uses (gcc may also emit calls to memcpy/memset). */
#include "defs.h"

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    /* Word copies first: copying pages is on the fork and exec paths the benchmarks time. */
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if ((((uint32_t)dp | (uint32_t)sp | n) & 3) == 0) {
        uint32_t words = n / 4;
        __asm__ volatile("rep movsl" : "+D"(dp), "+S"(sp), "+c"(words) : : "memory");
        return d;
    }
    while (n--)
        *dp++ = *sp++;
    return d;
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    if (dp < sp || dp >= sp + n)
        return memcpy(d, s, n);
    while (n--)
        dp[n] = sp[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x - *y;
    return 0;
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
    return (uint8_t)*a - (uint8_t)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n && *a && *a == *b; n--)
        a++, b++;
    return n == 0 ? 0 : (uint8_t)*a - (uint8_t)*b;
}

/* Copies at most n - 1 bytes and always terminates (unlike strncpy). */
char *strncpy_terminated(char *d, const char *s, size_t n)
{
    size_t i = 0;
    if (n == 0)
        return d;
    for (; i + 1 < n && s[i]; i++)
        d[i] = s[i];
    d[i] = 0;
    return d;
}
