/*
 * The serial console (COM1, 16550 UART, polled) and a small printf. Output is polled so that
 * a panic can always print, whatever state the interrupt machinery is in.
 */
#include <stdarg.h>
#include "defs.h"
#include "paravirt.h"
#include "io.h"

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4

void console_init(void)
{
    outb(COM1 + 1, 0x00); /* no UART interrupts: the kernel polls */
    outb(COM1 + 3, 0x80); /* divisor latch access */
    outb(COM1 + 0, 0x01); /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03); /* 8N1 */
    outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
}

void console_putc(char c)
{
    if (c == '\n')
        console_putc('\r');
    for (int spins = 0; (inb(COM1 + 5) & 0x20) == 0 && spins < 100000; spins++)
        ;
    outb(COM1, (uint8_t)c);
}

int console_getc(void)
{
    if ((inb(COM1 + 5) & 0x01) == 0)
        return -1;
    return inb(COM1);
}

/* Output sink of the formatter: either the console or a bounded buffer. */
struct sink {
    char *buffer;
    int size, length;
};

static void sink_put(struct sink *s, char c)
{
    if (s->buffer == NULL) {
        console_putc(c);
    } else if (s->length + 1 < s->size) {
        s->buffer[s->length] = c;
    }
    s->length++;
}

static void format_number(struct sink *s, uint64_t value, unsigned base, int width, char pad, int negative)
{
    char digits[24];
    int count = 0;
    do {
        digits[count++] = "0123456789abcdef"[value % base];
        value /= base;
    } while (value != 0);
    if (negative)
        digits[count++] = '-';
    while (width-- > count)
        sink_put(s, pad);
    while (count > 0)
        sink_put(s, digits[--count]);
}

/* Supports %d %u %x %s %c %p %%, with an optional width, '0' padding and 'l'/'ll'. */
static void format(struct sink *s, const char *f, va_list args)
{
    for (; *f; f++) {
        if (*f != '%') {
            sink_put(s, *f);
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
            int64_t v = longs >= 2 ? va_arg(args, int64_t) : va_arg(args, int32_t);
            format_number(s, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, width, pad, v < 0);
            break;
        }
        case 'u':
            format_number(s, longs >= 2 ? va_arg(args, uint64_t) : va_arg(args, uint32_t), 10, width, pad, 0);
            break;
        case 'x':
            format_number(s, longs >= 2 ? va_arg(args, uint64_t) : va_arg(args, uint32_t), 16, width, pad, 0);
            break;
        case 'p':
            sink_put(s, '0');
            sink_put(s, 'x');
            format_number(s, va_arg(args, uint32_t), 16, 8, '0', 0);
            break;
        case 's': {
            const char *text = va_arg(args, const char *);
            for (text = text ? text : "(null)"; *text; text++)
                sink_put(s, *text);
            break;
        }
        case 'c':
            sink_put(s, (char)va_arg(args, int));
            break;
        case '%':
            sink_put(s, '%');
            break;
        default:
            sink_put(s, '%');
            if (*f == 0)
                return;
            sink_put(s, *f);
        }
    }
}

void kprintf(const char *f, ...)
{
    struct sink s = {NULL, 0, 0};
    va_list args;
    va_start(args, f);
    format(&s, f, args);
    va_end(args);
}

int ksnprintf(char *buffer, int size, const char *f, ...)
{
    struct sink s = {buffer, size, 0};
    va_list args;
    va_start(args, f);
    format(&s, f, args);
    va_end(args);
    if (size > 0)
        buffer[s.length < size ? s.length : size - 1] = 0;
    return s.length;
}

/*
 * Ends the run: isa-debug-exit (QEMU and openvmi) turns `status` into the process exit code
 * (status << 1) | 1. If that device is absent, ask the platform to shut down, then halt.
 */
void machine_exit(int status)
{
    outb(DEBUG_EXIT_PORT, (uint8_t)status);
    pv_shutdown();
    for (;;)
        pv_safe_halt();
}

void panic(const char *f, ...)
{
    pv_irq_disable();
    struct sink s = {NULL, 0, 0};
    kprintf("\nPANIC: ");
    va_list args;
    va_start(args, f);
    format(&s, f, args);
    va_end(args);
    kprintf("\n");
    machine_exit(3);
}
