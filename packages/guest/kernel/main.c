/*
 * The OpenVMI guest kernel: boot order.
 *
 * boot.S has turned on paging with a temporary map and jumped here. The VMI ROM is probed
 * first, before the kernel builds anything, because every later privileged operation (the
 * page tables, the GDT/IDT, the timer) goes through the paravirt sites that the ROM patches.
 */
#include "defs.h"
#include "paravirt.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define COMMAND_LINE_SIZE 256

struct multiboot_info_head {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};

static char command_line[COMMAND_LINE_SIZE];

int command_line_has(const char *word)
{
    size_t length = strlen(word);
    for (const char *p = command_line; *p;) {
        while (*p == ' ')
            p++;
        if (strncmp(p, word, length) == 0 && (p[length] == ' ' || p[length] == 0))
            return 1;
        while (*p && *p != ' ')
            p++;
    }
    return 0;
}

void kernel_main(uint32_t magic, uint32_t info_physical);
void kernel_main(uint32_t magic, uint32_t info_physical)
{
    console_init();
    kprintf("OpenVMI guest: hello\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC || info_physical >= (8u << 20)) {
        kprintf("OpenVMI guest: not started by a multiboot loader\n");
        machine_exit(2);
    }
    /* Copy the command line first: the loader may have put it where our tables will go. */
    const struct multiboot_info_head *info = P2V(info_physical);
    if ((info->flags & (1u << 2)) && info->cmdline < (8u << 20))
        strncpy_terminated(command_line, P2V(info->cmdline), sizeof command_line);
    kprintf("OpenVMI guest: command line \"%s\"\n", command_line);
    if (info->flags & 1)
        kprintf("OpenVMI guest: memory %u KiB\n", info->mem_lower + info->mem_upper + 1024);

    vmi_probe_and_activate();
    /* Kernel I/O privilege only: user programs must not reach the ports (IOPL 0). */
    pv_set_iopl_mask(0);
    if ((pv_read_cr0() & (CR0_PG | CR0_WP)) != (CR0_PG | CR0_WP))
        panic("paging or write protection is off (CR0 %x)", pv_read_cr0());
    page_allocator_init(info_physical);
    kernel_vm_init();
    gdt_init();
    idt_init();
    timer_init();
    ramfs_init(command_line);
    process_init();
    user_init();
    kprintf("OpenVMI guest: starting init (%u pages free)\n", pages_free());
    scheduler();
}
