/* Basic types and the few helpers every kernel file uses. */
#ifndef GUEST_TYPES_H
#define GUEST_TYPES_H

#include <stdint.h>
#include <stddef.h>

typedef uint32_t pte_t;  /* a page-table or page-directory entry (non-PAE) */

#define KERNEL_BASE 0xC0000000u          /* the kernel's view of physical memory starts here */
#define PAGE_SIZE 4096u
#define PAGE_ROUND_UP(x) (((uint32_t)(x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(x) ((uint32_t)(x) & ~(PAGE_SIZE - 1))
#define P2V(pa) ((void *)((uint32_t)(pa) + KERNEL_BASE))
#define V2P(va) ((uint32_t)(va) - KERNEL_BASE)
#define ARRAY_LENGTH(a) (sizeof(a) / sizeof((a)[0]))

#endif
