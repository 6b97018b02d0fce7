/*
 * Page tables (two-level, 4 KiB pages, no PAE). Every entry the kernel writes goes through
 * pv_set_pte with the VMI flags that say which level it is and, for the current address
 * space, which virtual address it maps; every page that becomes a page table is announced with
 * pv_allocate_page and withdrawn with pv_release_page, so a shadow-paging hypervisor can follow.
 *
 * All RAM is mapped at KERNEL_BASE in every address space (the page-directory slots 768-1023
 * are shared). User memory is never touched through user addresses by the kernel: copy_to_user
 * and copy_from_user walk the tables and use the direct map, which makes bad user pointers a
 * clean -1 instead of a kernel fault.
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

#define KERNEL_PDE_FIRST PDX(KERNEL_BASE)
#define KERNEL_PDE_COUNT (1024 - KERNEL_PDE_FIRST)

void *boot_page_alloc(void);
void page_allocator_release(void);

pte_t *kernel_page_directory;
static pte_t *current_directory;

static uint32_t pfn_of(void *kernel_va) { return V2P(kernel_va) / PAGE_SIZE; }

/* The flags argument of SetPxE/UpdatePxE for an entry of `directory` that maps `va`. */
static uint32_t pte_flags(pte_t *directory, uint32_t level, uint32_t va)
{
    if (directory == current_directory)
        return level | VMI_PAGE_CURRENT_AS | (va & 0xFFFFF000u);
    return level;
}

void kernel_vm_init(void)
{
    kernel_page_directory = boot_page_alloc();
    pv_allocate_page(pfn_of(kernel_page_directory), VMI_PAGE_PD | VMI_PAGE_ZEROED, 0, 0, 0);
    for (uint32_t physical = 0; physical < physical_memory_top; physical += PAGE_SIZE) {
        uint32_t va = KERNEL_BASE + physical;
        pte_t *pde = &kernel_page_directory[PDX(va)];
        if ((*pde & PTE_P) == 0) {
            pte_t *table = boot_page_alloc();
            pv_allocate_page(pfn_of(table), VMI_PAGE_PT | VMI_PAGE_ZEROED, 0, 0, 0);
            pv_set_pte(pde, V2P(table) | PTE_P | PTE_W, VMI_PAGE_PD);
        }
        pte_t *table = P2V(PTE_ADDRESS(*pde));
        pv_set_pte(&table[PTX(va)], physical | PTE_P | PTE_W, VMI_PAGE_PT);
    }
    current_directory = kernel_page_directory;
    pv_write_cr3(V2P(kernel_page_directory));
    /* Tell the ROM where the direct map is (Linux: slot 0 = PAGE_OFFSET, all low memory). */
    pv_set_linear_mapping(0, KERNEL_BASE, physical_memory_top / PAGE_SIZE, 0);
    page_allocator_release();
}

pte_t *page_directory_create(void)
{
    pte_t *directory = page_alloc();
    if (directory == NULL)
        return NULL;
    memcpy(&directory[KERNEL_PDE_FIRST], &kernel_page_directory[KERNEL_PDE_FIRST], KERNEL_PDE_COUNT * 4);
    pv_allocate_page(pfn_of(directory), VMI_PAGE_PD | VMI_PAGE_ZEROED | VMI_PAGE_CLONE,
                     pfn_of(kernel_page_directory), KERNEL_PDE_FIRST, KERNEL_PDE_COUNT);
    return directory;
}

void switch_address_space(pte_t *directory)
{
    if (directory == current_directory)
        return;
    current_directory = directory;
    pv_write_cr3(V2P(directory));
}

void switch_kernel_address_space(void) { switch_address_space(kernel_page_directory); }

/* The entry for `va`, creating its page table when `create` is set; NULL if absent. */
pte_t *walk(pte_t *directory, uint32_t va, int create)
{
    pte_t *pde = &directory[PDX(va)];
    if ((*pde & PTE_P) == 0) {
        if (!create)
            return NULL;
        pte_t *table = page_alloc();
        if (table == NULL)
            return NULL;
        pv_allocate_page(pfn_of(table), VMI_PAGE_PT | VMI_PAGE_ZEROED, 0, 0, 0);
        pv_set_pte(pde, V2P(table) | PTE_P | PTE_W | PTE_U, pte_flags(directory, VMI_PAGE_PD, va));
    }
    pte_t *table = P2V(PTE_ADDRESS(*pde));
    return &table[PTX(va)];
}

/* Writes a user PTE, invalidating the TLB entry when it belongs to the live address space. */
void set_user_pte(pte_t *directory, pte_t *where, uint32_t va, pte_t value)
{
    pte_t old = *where;
    pv_set_pte(where, value, pte_flags(directory, VMI_PAGE_PT, va));
    if (directory == current_directory && (old & PTE_P))
        pv_invalidate_page(va);
}

int map_page(pte_t *directory, uint32_t va, uint32_t physical, uint32_t flags)
{
    pte_t *where = walk(directory, va, 1);
    if (where == NULL)
        return -1;
    set_user_pte(directory, where, va, physical | flags | PTE_P);
    return 0;
}

/* Unmaps [start, end) and drops the page references (in lazy MMU mode: a batch of writes). */
void unmap_range(pte_t *directory, uint32_t start, uint32_t end)
{
    pv_set_lazy_mode(VMI_LAZY_MMU);
    for (uint32_t va = PAGE_ROUND_DOWN(start); va < end && va < KERNEL_BASE; va += PAGE_SIZE) {
        if ((directory[PDX(va)] & PTE_P) == 0) {
            va = (va & ~0x3FFFFFu) + (1u << 22) - PAGE_SIZE; /* skip the whole empty table */
            continue;
        }
        pte_t *where = walk(directory, va, 0);
        if (where && (*where & PTE_P)) {
            void *page = P2V(PTE_ADDRESS(*where));
            set_user_pte(directory, where, va, 0);
            page_free(page);
        }
    }
    pv_set_lazy_mode(VMI_LAZY_NONE);
}

/*
 * Changes the access of the mapped pages of [start, end): user-visible or not (PROT_NONE keeps
 * the page present for the kernel only), writable or not. A shared page never becomes writable
 * directly; it becomes copy-on-write instead.
 */
void protect_range(pte_t *directory, uint32_t start, uint32_t end, int protection)
{
    for (uint32_t va = start; va < end; va += PAGE_SIZE) {
        pte_t *where = walk(directory, va, 0);
        if (where == NULL || (*where & PTE_P) == 0)
            continue;
        pte_t value = *where & ~(PTE_W | PTE_U | PTE_COW);
        if (protection & 1)
            value |= PTE_U;
        if (protection & 2) {
            if (page_references(P2V(PTE_ADDRESS(value))) > 1)
                value |= PTE_COW;
            else
                value |= PTE_W;
        } else if (*where & PTE_COW) {
            value |= PTE_COW; /* still shared: keep the mark for a later PROT_WRITE */
        }
        set_user_pte(directory, where, va, value);
    }
}

void page_directory_destroy(pte_t *directory)
{
    if (directory == current_directory)
        switch_kernel_address_space();
    for (uint32_t slot = 0; slot < KERNEL_PDE_FIRST; slot++) {
        if ((directory[slot] & PTE_P) == 0)
            continue;
        pte_t *table = P2V(PTE_ADDRESS(directory[slot]));
        for (int i = 0; i < 1024; i++)
            if (table[i] & PTE_P)
                page_free(P2V(PTE_ADDRESS(table[i])));
        pv_release_page(pfn_of(table), VMI_PAGE_PT);
        page_free(table);
    }
    pv_release_page(pfn_of(directory), VMI_PAGE_PD);
    page_free(directory);
}

/*
 * fork: share every user page copy-on-write. Writable pages lose PTE_W in both address spaces
 * and gain PTE_COW; the parent's TLB is flushed once at the end (lazy MMU mode lets a
 * hypervisor batch the many entry writes).
 */
int copy_address_space(pte_t *from, pte_t *to)
{
    int result = 0;
    pv_set_lazy_mode(VMI_LAZY_MMU);
    for (uint32_t slot = 0; slot < KERNEL_PDE_FIRST && result == 0; slot++) {
        if ((from[slot] & PTE_P) == 0)
            continue;
        pte_t *table = P2V(PTE_ADDRESS(from[slot]));
        for (uint32_t i = 0; i < 1024; i++) {
            pte_t value = table[i];
            if ((value & PTE_P) == 0)
                continue;
            uint32_t va = (slot << 22) | (i << 12);
            if (value & PTE_W) {
                value = (value & ~PTE_W) | PTE_COW;
                pv_set_pte(&table[i], value, pte_flags(from, VMI_PAGE_PT, va));
            }
            pte_t *where = walk(to, va, 1);
            if (where == NULL) {
                result = -1;
                break;
            }
            page_reference(P2V(PTE_ADDRESS(value)));
            pv_set_pte(where, value, VMI_PAGE_PT);
        }
    }
    pv_set_lazy_mode(VMI_LAZY_NONE);
    if (from == current_directory)
        pv_flush_tlb(VMI_FLUSH_TLB);
    return result;
}

/*
 * Resolves a user fault at `va` (write or read) against the process's regions: demand-zero
 * pages and copy-on-write. Returns 0 when the access may be retried, -1 for SIGSEGV.
 */
int handle_user_fault(struct proc *p, uint32_t va, int write)
{
    if (va >= KERNEL_BASE)
        return -1;
    struct vma *region = vma_find(p, va);
    if (region == NULL || (region->protection & PROT_READ) == 0)
        return -1;
    if (write && (region->protection & PROT_WRITE) == 0)
        return -1;
    uint32_t page_va = PAGE_ROUND_DOWN(va);
    pte_t *where = walk(p->page_directory, page_va, 1);
    if (where == NULL)
        return -1;
    if ((*where & PTE_P) == 0) {
        void *page = page_alloc();
        if (page == NULL)
            return -1;
        uint32_t flags = PTE_U | ((region->protection & PROT_WRITE) ? PTE_W : 0);
        set_user_pte(p->page_directory, where, page_va, V2P(page) | PTE_P | flags);
        return 0;
    }
    if (write && (*where & PTE_COW)) {
        void *old = P2V(PTE_ADDRESS(*where));
        if (page_references(old) == 1) {
            set_user_pte(p->page_directory, where, page_va, (*where & ~PTE_COW) | PTE_W);
            return 0;
        }
        void *copy = page_alloc();
        if (copy == NULL)
            return -1;
        memcpy(copy, old, PAGE_SIZE);
        set_user_pte(p->page_directory, where, page_va, V2P(copy) | PTE_P | PTE_U | PTE_W);
        page_free(old);
        return 0;
    }
    if ((*where & PTE_U) == 0)
        return -1;
    return write && (*where & PTE_W) == 0 ? -1 : 0;
}

/* The kernel address of user byte `va`, faulting the page in as a user access would. */
static uint8_t *user_byte(uint32_t va, int write)
{
    struct proc *p = current_process();
    if (va >= KERNEL_BASE)
        return NULL;
    pte_t *where = walk(p->page_directory, va, 0);
    int usable = where && (*where & PTE_P) && (*where & PTE_U) && (!write || (*where & PTE_W));
    if (!usable) {
        if (handle_user_fault(p, va, write) < 0)
            return NULL;
        where = walk(p->page_directory, va, 0);
    }
    return (uint8_t *)P2V(PTE_ADDRESS(*where)) + (va & (PAGE_SIZE - 1));
}

int copy_to_user(uint32_t destination, const void *source, uint32_t length)
{
    const uint8_t *from = source;
    while (length > 0) {
        uint32_t chunk = PAGE_SIZE - (destination & (PAGE_SIZE - 1));
        if (chunk > length)
            chunk = length;
        uint8_t *to = user_byte(destination, 1);
        if (to == NULL)
            return -1;
        memcpy(to, from, chunk);
        from += chunk, destination += chunk, length -= chunk;
    }
    return 0;
}

int copy_from_user(void *destination, uint32_t source, uint32_t length)
{
    uint8_t *to = destination;
    while (length > 0) {
        uint32_t chunk = PAGE_SIZE - (source & (PAGE_SIZE - 1));
        if (chunk > length)
            chunk = length;
        const uint8_t *from = user_byte(source, 0);
        if (from == NULL)
            return -1;
        memcpy(to, from, chunk);
        to += chunk, source += chunk, length -= chunk;
    }
    return 0;
}

/* Copies a NUL-terminated string of at most size - 1 bytes; -1 if bad or too long. */
int copy_string_from_user(char *destination, uint32_t source, uint32_t size)
{
    for (uint32_t i = 0; i < size; i++) {
        const uint8_t *from = user_byte(source + i, 0);
        if (from == NULL)
            return -1;
        destination[i] = (char)*from;
        if (*from == 0)
            return (int)i;
    }
    return -1;
}
