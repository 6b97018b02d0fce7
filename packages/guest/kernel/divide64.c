/*
 * 64-bit division for i386, which gcc turns into calls to these libgcc helpers. The kernel and
 * the user library both link this file (no 32-bit libgcc is needed to build the guest).
 * Restoring shift-and-subtract division; a fast path when the divisor fits in 32 bits.
 */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t numerator, uint64_t denominator, uint64_t *remainder);
uint64_t __udivdi3(uint64_t numerator, uint64_t denominator);
uint64_t __umoddi3(uint64_t numerator, uint64_t denominator);
int64_t __divdi3(int64_t numerator, int64_t denominator);
int64_t __moddi3(int64_t numerator, int64_t denominator);

uint64_t __udivmoddi4(uint64_t numerator, uint64_t denominator, uint64_t *remainder)
{
    uint64_t quotient = 0, rest = 0;
    if (denominator == 0) {
        /* Division by zero: the native instruction would fault; give a defined answer instead. */
        if (remainder)
            *remainder = numerator;
        return ~0ull;
    }
    if ((denominator >> 32) == 0 && (numerator >> 32) < denominator) {
        /* One 64/32 divide: the high word is smaller than the divisor, so it cannot overflow. */
        uint32_t q, r;
        __asm__("divl %4" : "=a"(q), "=d"(r) : "a"((uint32_t)numerator), "d"((uint32_t)(numerator >> 32)),
                "rm"((uint32_t)denominator));
        if (remainder)
            *remainder = r;
        return q;
    }
    for (int bit = 63; bit >= 0; bit--) {
        rest = (rest << 1) | ((numerator >> bit) & 1);
        if (rest >= denominator) {
            rest -= denominator;
            quotient |= 1ull << bit;
        }
    }
    if (remainder)
        *remainder = rest;
    return quotient;
}

uint64_t __udivdi3(uint64_t numerator, uint64_t denominator) { return __udivmoddi4(numerator, denominator, 0); }

uint64_t __umoddi3(uint64_t numerator, uint64_t denominator)
{
    uint64_t remainder;
    __udivmoddi4(numerator, denominator, &remainder);
    return remainder;
}

int64_t __divdi3(int64_t numerator, int64_t denominator)
{
    int negative = (numerator < 0) != (denominator < 0);
    uint64_t q = __udivmoddi4(numerator < 0 ? -(uint64_t)numerator : (uint64_t)numerator,
                              denominator < 0 ? -(uint64_t)denominator : (uint64_t)denominator, 0);
    return negative ? -(int64_t)q : (int64_t)q;
}

int64_t __moddi3(int64_t numerator, int64_t denominator)
{
    uint64_t r;
    __udivmoddi4(numerator < 0 ? -(uint64_t)numerator : (uint64_t)numerator,
                 denominator < 0 ? -(uint64_t)denominator : (uint64_t)denominator, &r);
    return numerator < 0 ? -(int64_t)r : (int64_t)r;
}
