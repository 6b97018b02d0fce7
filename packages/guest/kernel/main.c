/*
 * The OpenVMI guest kernel, first stage: it proves the toolchain and the boot path. It prints a
 * banner and the multiboot memory size on COM1, then asks the machine to exit through the
 * isa-debug-exit port (0xF4) so a run under QEMU or openvmi ends by itself.
 */
#include <stdint.h>
#include "io.h"

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4
#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower; /* KiB below 1 MiB, valid when flags bit 0 is set */
    uint32_t mem_upper; /* KiB above 1 MiB, valid when flags bit 0 is set */
};

static void serial_init(void)
{
    outb(COM1 + 1, 0x00); /* no interrupts */
    outb(COM1 + 3, 0x80); /* divisor latch access */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
}

static void serial_putc(char c)
{
    while ((inb(COM1 + 5) & 0x20) == 0)
        ;
    outb(COM1, (uint8_t)c);
}

static void serial_puts(const char *text)
{
    for (; *text; text++) {
        if (*text == '\n')
            serial_putc('\r');
        serial_putc(*text);
    }
}

static void serial_put_decimal(uint32_t value)
{
    char digits[11];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    while (count > 0)
        serial_putc(digits[--count]);
}

void kernel_main(uint32_t magic, const struct multiboot_info *info)
{
    serial_init();
    serial_puts("OpenVMI guest: hello\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        serial_puts("OpenVMI guest: not started by a multiboot loader\n");
        outb(DEBUG_EXIT_PORT, 1);
        return;
    }
    if (info->flags & 1) {
        serial_puts("OpenVMI guest: memory ");
        serial_put_decimal(info->mem_lower + info->mem_upper + 1024);
        serial_puts(" KiB\n");
    }
    serial_puts("OpenVMI guest: done\n");
    outb(DEBUG_EXIT_PORT, 0); /* QEMU exits with status (0 << 1) | 1 = 1 */
}
