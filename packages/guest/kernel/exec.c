/*
 * exec: replace the current process's user memory with an ELF program from the RAM file
 * system. Everything in the file is checked before use (it is guest input like any other):
 * the header, the program-header table bounds, each segment's bounds and that no segment
 * reaches the kernel half.
 *
 * The new stack holds, from the stack pointer up: argc, argv (a pointer to the array), the
 * kernel flags (bit 0: SYSENTER may be used), the argv array with its NULL, then the strings.
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

#define ELF_MAGIC 0x464C457Fu
#define PT_LOAD 1
#define PF_W 2
#define MAX_PROGRAM_HEADERS 16
#define MAX_ARGUMENTS 32

struct elf_header {
    uint32_t magic;
    uint8_t class, data, version, os_abi, pad[8];
    uint16_t type, machine;
    uint32_t version2, entry, phoff, shoff, flags;
    uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct program_header {
    uint32_t type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

/*
 * Loads one PT_LOAD segment into `directory`, page by page. Like Linux mapping the page cache,
 * a page that lies wholly inside the file part of the segment is not copied: the RAM file
 * system's own page is mapped, read-only, and copy-on-write when the segment is writable. So
 * every exec of a program runs the same physical text pages (which also spares an emulator
 * from decoding the program again each time). Pages of writable segments that are partly
 * file and partly bss, and pages two segments share, get a private copy.
 */
static int load_segment(pte_t *directory, struct inode *ip, const struct program_header *ph)
{
    uint32_t start = PAGE_ROUND_DOWN(ph->vaddr), end = PAGE_ROUND_UP(ph->vaddr + ph->memsz);
    int writable = (ph->flags & PF_W) != 0;
    int congruent = ((ph->vaddr - ph->offset) & (PAGE_SIZE - 1)) == 0;
    for (uint32_t va = start; va < end; va += PAGE_SIZE) {
        pte_t *where = walk(directory, va, 1);
        if (where == NULL)
            return -ENOMEM;
        uint32_t file_offset = ph->offset + (va - ph->vaddr); /* meaningful when congruent */
        int whole_page_in_file = congruent && va >= ph->vaddr && va + PAGE_SIZE <= ph->vaddr + ph->filesz;
        /* A read-only segment without bss may share its partial first and last pages too: the
         * bytes around it are the file's neighbouring bytes, as with Linux's file mappings. */
        int read_only_file_page = congruent && !writable && ph->filesz == ph->memsz;
        if ((*where & PTE_P) == 0 && (whole_page_in_file || read_only_file_page)) {
            uint8_t *shared = ramfs_page(ip, file_offset);
            if (shared != NULL) {
                page_reference(shared);
                set_user_pte(directory, where, va, V2P(shared) | PTE_P | PTE_U | (writable ? PTE_COW : 0));
                continue;
            }
        }
        uint8_t *page;
        if (*where & PTE_P) {
            page = P2V(PTE_ADDRESS(*where)); /* two segments share this page */
            if (page_references(page) > 1) {  /* it is the file's page: make it ours first */
                uint8_t *copy = page_alloc();
                if (copy == NULL)
                    return -ENOMEM;
                memcpy(copy, page, PAGE_SIZE);
                set_user_pte(directory, where, va, V2P(copy) | PTE_P | PTE_U | PTE_W);
                page_free(page);
                page = copy;
            }
        } else {
            if ((page = page_alloc()) == NULL)
                return -ENOMEM;
            set_user_pte(directory, where, va, V2P(page) | PTE_P | PTE_U | PTE_W);
        }
        /* The part of [vaddr, vaddr + filesz) inside this page comes from the file. */
        uint32_t from = va < ph->vaddr ? ph->vaddr : va;
        uint32_t to = va + PAGE_SIZE < ph->vaddr + ph->filesz ? va + PAGE_SIZE : ph->vaddr + ph->filesz;
        if (from < to && ramfs_read(ip, ph->offset + (from - ph->vaddr), page + (from - va), to - from) < 0)
            return -EIO;
    }
    return 0;
}

int exec(const char *path, char *const *argv, int argc)
{
    struct proc *p = current_process();
    struct inode *ip = ramfs_lookup(path);
    if (ip == NULL)
        return -ENOENT;
    struct elf_header elf;
    struct program_header headers[MAX_PROGRAM_HEADERS];
    if (ramfs_read(ip, 0, &elf, sizeof elf) != sizeof elf || elf.magic != ELF_MAGIC || elf.class != 1 ||
        elf.machine != 3 || elf.type != 2 || elf.phentsize != sizeof(struct program_header) ||
        elf.phnum == 0 || elf.phnum > MAX_PROGRAM_HEADERS)
        return -ENOEXEC;
    uint32_t table_bytes = elf.phnum * sizeof(struct program_header);
    if (ramfs_read(ip, elf.phoff, headers, table_bytes) != (int)table_bytes)
        return -ENOEXEC;

    pte_t *directory = page_directory_create();
    if (directory == NULL)
        return -ENOMEM;
    struct vma vmas[NVMA];
    memset(vmas, 0, sizeof vmas);
    int vma_count = 0;
    uint32_t image_end = 0;
    int error = 0;
    for (int i = 0; i < elf.phnum && error == 0; i++) {
        const struct program_header *ph = &headers[i];
        if (ph->type != PT_LOAD)
            continue;
        uint32_t end = ph->vaddr + ph->memsz;
        if (ph->filesz > ph->memsz || end < ph->vaddr || end > USER_STACK_TOP - USER_STACK_SIZE ||
            ph->vaddr < PAGE_SIZE || ph->offset + ph->filesz < ph->offset ||
            ph->offset + ph->filesz > inode_size(ip) || vma_count >= NVMA - 2) {
            error = -ENOEXEC;
            break;
        }
        error = load_segment(directory, ip, ph);
        /* Text stays writable in the page tables but the region says what is allowed. */
        vmas[vma_count++] = (struct vma){PAGE_ROUND_DOWN(ph->vaddr), PAGE_ROUND_UP(end),
                                         PROT_READ | PROT_EXEC | ((ph->flags & PF_W) ? PROT_WRITE : 0), 1};
        if (PAGE_ROUND_UP(end) > image_end)
            image_end = PAGE_ROUND_UP(end);
    }
    if (error == 0 && (image_end == 0 || elf.entry >= image_end))
        error = -ENOEXEC;

    /* The stack: a 1 MiB region, its top page filled in now. */
    uint32_t sp = USER_STACK_TOP;
    if (error == 0) {
        vmas[vma_count++] = (struct vma){USER_STACK_TOP - USER_STACK_SIZE, USER_STACK_TOP, PROT_READ | PROT_WRITE, 1};
        uint8_t *top = page_alloc();
        if (top == NULL || map_page(directory, USER_STACK_TOP - PAGE_SIZE, V2P(top), PTE_U | PTE_W) < 0) {
            error = -ENOMEM;
        } else {
            uint32_t pointers[MAX_ARGUMENTS + 1];
            uint32_t offset = PAGE_SIZE;
            for (int i = 0; i < argc && error == 0; i++) {
                uint32_t length = strlen(argv[i]) + 1;
                if (length + 16 + 4 * (MAX_ARGUMENTS + 4) > offset) {
                    error = -E2BIG;
                    break;
                }
                offset -= length;
                memcpy(top + offset, argv[i], length);
                pointers[i] = USER_STACK_TOP - PAGE_SIZE + offset;
            }
            pointers[argc] = 0;
            offset &= ~3u;
            offset -= 4 * (uint32_t)(argc + 1);
            memcpy(top + offset, pointers, 4 * (uint32_t)(argc + 1));
            uint32_t argv_address = USER_STACK_TOP - PAGE_SIZE + offset;
            offset -= 12;
            ((uint32_t *)(top + offset))[0] = (uint32_t)argc;
            ((uint32_t *)(top + offset))[1] = argv_address;
            ((uint32_t *)(top + offset))[2] = sysenter_enabled ? 1 : 0; /* kernel flags */
            sp = USER_STACK_TOP - PAGE_SIZE + offset;
        }
    }
    if (error != 0) {
        page_directory_destroy(directory);
        return error;
    }

    /* Commit: nothing below can fail. */
    pte_t *old = p->page_directory;
    p->page_directory = directory;
    switch_address_space(directory);
    if (old != NULL && old != kernel_page_directory)
        page_directory_destroy(old);
    memcpy(p->vmas, vmas, sizeof vmas);
    p->heap_start = p->heap_end = image_end;
    vma_add(p, image_end, image_end, PROT_READ | PROT_WRITE); /* the heap, grown by brk */
    const char *base = path;
    for (const char *c = path; *c; c++)
        if (*c == '/')
            base = c + 1;
    strncpy_terminated(p->name, base, sizeof p->name);
    for (int s = 0; s < NSIGNAL; s++)
        if (p->signal_handler[s] > SIG_IGN)
            p->signal_handler[s] = SIG_DFL; /* handlers do not survive exec; SIG_IGN does */
    p->tf->eip = elf.entry;
    p->tf->esp = sp;
    p->tf->eax = p->tf->ebx = p->tf->ecx = p->tf->edx = p->tf->esi = p->tf->edi = p->tf->ebp = 0;
    p->tf->trapno = T_SYSCALL; /* leave by IRET so that every register is loaded */
    return 0;
}
