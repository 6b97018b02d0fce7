/*
 * Physical memory. RAM is learned from the multiboot memory map. Pages are handed out from a
 * free list threaded through the free pages themselves (xv6's kalloc), and each page has a
 * reference count so copy-on-write pages can be shared between address spaces.
 *
 * Boot happens in two steps, because the free list lives in pages that must be mapped first:
 * page_allocator_init() reads the map and hands out page-table pages with a bump pointer
 * (boot_page_alloc) from the memory the boot mapping already covers; once kernel_vm_init()
 * has mapped all RAM, page_allocator_release() puts the rest on the free list.
 */
#include "defs.h"
#include "paravirt.h"

#define BOOT_MAPPED_LIMIT (8u << 20)  /* what boot.S maps */
#define MAX_PHYSICAL (880u << 20)     /* the direct map must end below the fixed top area */

struct multiboot_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
};

struct multiboot_mmap_entry {
    uint32_t size;
    uint64_t base, length;
    uint32_t type; /* 1 = usable RAM */
} __attribute__((packed));

struct free_page {
    struct free_page *next;
};

extern char kernel_end[];
uint32_t physical_memory_top;
static struct free_page *free_list;
static uint32_t free_count;
static uint16_t *reference_counts; /* one per page frame below physical_memory_top */
static uint32_t boot_next;         /* bump pointer (physical) */
static uint32_t multiboot_info_physical;

static int usable(const struct multiboot_mmap_entry *e) { return e->type == 1; }

/* Calls `visit` for every usable range of the memory map, clipped to the mapped limit. */
static void for_each_ram_range(void (*visit)(uint32_t start, uint32_t end))
{
    const struct multiboot_info *info = P2V(multiboot_info_physical);
    if ((info->flags & (1u << 6)) == 0) {
        /* No map: only mem_upper (KiB above 1 MiB) is known. */
        uint64_t end = 0x100000ull + (uint64_t)info->mem_upper * 1024;
        visit(0x100000, end > physical_memory_top ? physical_memory_top : (uint32_t)end);
        return;
    }
    uint32_t offset = 0;
    while (offset + sizeof(struct multiboot_mmap_entry) <= info->mmap_length && offset < 64 * 1024) {
        const struct multiboot_mmap_entry *e = P2V(info->mmap_addr + offset);
        if (usable(e) && e->base < physical_memory_top) {
            uint64_t end = e->base + e->length;
            if (end > physical_memory_top)
                end = physical_memory_top;
            visit((uint32_t)e->base, (uint32_t)end);
        }
        offset += e->size + 4;
    }
}

static uint32_t highest_ram;
static void note_top(uint32_t start, uint32_t end)
{
    (void)start;
    if (end > highest_ram)
        highest_ram = end;
}

/* The highest physical address the kernel may map: RAM, the fixed cap, and the VMI hole. */
static uint32_t mapping_limit(void)
{
    uint32_t limit = MAX_PHYSICAL;
    if (vmi_virtual_top != 0 && vmi_virtual_top - KERNEL_BASE - (8u << 20) < limit)
        limit = vmi_virtual_top - KERNEL_BASE - (8u << 20); /* keep 8 MiB under the hole free */
    return limit;
}

void *boot_page_alloc(void);
void *boot_page_alloc(void)
{
    if (boot_next + PAGE_SIZE > BOOT_MAPPED_LIMIT)
        panic("boot page allocator exhausted");
    void *page = P2V(boot_next);
    boot_next += PAGE_SIZE;
    memset(page, 0, PAGE_SIZE);
    return page;
}

void page_allocator_init(uint32_t info_physical)
{
    multiboot_info_physical = info_physical;
    physical_memory_top = mapping_limit();
    highest_ram = 0;
    for_each_ram_range(note_top);
    if (highest_ram < physical_memory_top)
        physical_memory_top = PAGE_ROUND_DOWN(highest_ram);
    if (physical_memory_top < (16u << 20))
        panic("need at least 16 MiB of RAM, found %u KiB", physical_memory_top / 1024);

    /* The reference counts go right after the kernel image; page tables follow. */
    uint32_t frames = physical_memory_top / PAGE_SIZE;
    reference_counts = (uint16_t *)kernel_end;
    boot_next = PAGE_ROUND_UP(V2P(kernel_end) + frames * sizeof(uint16_t));
    memset(reference_counts, 0, frames * sizeof(uint16_t));
}

static void release_range(uint32_t start, uint32_t end)
{
    for (uint32_t page = PAGE_ROUND_UP(start); page + PAGE_SIZE <= end; page += PAGE_SIZE) {
        if (page < boot_next || page < 0x100000)
            continue; /* the kernel, its tables, and the BIOS/ROM area stay reserved */
        struct free_page *f = P2V(page);
        f->next = free_list;
        free_list = f;
        free_count++;
    }
}

void page_allocator_release(void);
void page_allocator_release(void)
{
    for_each_ram_range(release_range);
    kprintf("memory: %u KiB mapped, %u pages free\n", physical_memory_top / 1024, free_count);
}

void *page_alloc(void)
{
    struct free_page *f = free_list;
    if (f == NULL)
        return NULL;
    free_list = f->next;
    free_count--;
    reference_counts[V2P(f) / PAGE_SIZE] = 1;
    memset(f, 0, PAGE_SIZE);
    return f;
}

void page_reference(void *page)
{
    reference_counts[V2P(page) / PAGE_SIZE]++;
}

uint32_t page_references(void *page)
{
    return reference_counts[V2P(page) / PAGE_SIZE];
}

void page_free(void *page)
{
    uint32_t physical = V2P(page);
    if ((physical & (PAGE_SIZE - 1)) || physical >= physical_memory_top || physical < boot_next)
        panic("page_free: bad page %p", page);
    uint16_t *count = &reference_counts[physical / PAGE_SIZE];
    if (*count == 0)
        panic("page_free: page %p is already free", page);
    if (--*count > 0)
        return;
    struct free_page *f = page;
    f->next = free_list;
    free_list = f;
    free_count++;
}

uint32_t pages_free(void) { return free_count; }
