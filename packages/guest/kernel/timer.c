/*
 * Time. The tick comes from the 8254 PIT on IRQ 0 through the 8259 PIC, or, when the VMI ROM
 * implements the timer calls, from a periodic VMI alarm wired to IRQ 0 (as Linux 2.6.21's
 * vmitime.c did; the PIT is then put in a mode that never fires). Time of day for user
 * programs is the TSC, calibrated once against PIT channel 2.
 */
#include "defs.h"
#include "paravirt.h"
#include "io.h"

#define HZ 100
#define PIT_HZ 1193182
#define PIC1 0x20
#define PIC2 0xA0

volatile uint32_t ticks;
uint64_t tsc_hz;
static uint64_t boot_tsc;
static uint64_t vmi_cycles_per_tick;

static void pic_init(void)
{
    /* ICW1-4: edge triggered, cascaded, vectors 32-47, 8086 mode. Old PICs need a pause
     * between writes: pv_io_delay (native: a write to port 0x80; a hypervisor skips it). */
    static const uint16_t ports[] = {PIC1, PIC2, PIC1 + 1, PIC2 + 1, PIC1 + 1, PIC2 + 1, PIC1 + 1, PIC2 + 1};
    static const uint8_t values[] = {0x11, 0x11, T_IRQ0, T_IRQ0 + 8, 1 << 2, 2, 0x01, 0x01};
    for (unsigned i = 0; i < ARRAY_LENGTH(ports); i++) {
        outb(ports[i], values[i]);
        pv_io_delay();
    }
    outb(PIC1 + 1, ~((1 << 0) | (1 << 2)) & 0xFF); /* only the timer (and the cascade) */
    outb(PIC2 + 1, 0xFF);
}

void pic_acknowledge(int irq)
{
    if (irq >= 8)
        outb(PIC2, 0x20);
    outb(PIC1, 0x20);
}

/* TSC ticks during 10 ms of PIT channel 2 (gate on, speaker off, mode 0). */
static uint64_t calibrate_tsc(void)
{
    const uint32_t count = PIT_HZ / 100;
    outb(0x61, (inb(0x61) & ~0x02) | 0x01);
    outb(0x43, 0xB0);
    outb(0x42, count & 0xFF);
    outb(0x42, count >> 8);
    uint64_t start = pv_read_tsc();
    uint32_t spins = 0;
    /* Bounded: a machine without a working channel 2 gate must not hang the boot. */
    while ((inb(0x61) & 0x20) == 0 && spins < 2000000)
        spins++;
    uint64_t end = pv_read_tsc();
    if (spins >= 2000000)
        return 0;
    return (end - start) * 100;
}

void timer_init(void)
{
    pic_init();
    tsc_hz = calibrate_tsc();
    if (tsc_hz == 0) {
        kprintf("timer: TSC calibration failed (PIT channel 2 never expired); assuming 1 GHz\n");
        tsc_hz = 1000000000ull;
    }
    boot_tsc = pv_read_tsc();
    kprintf("timer: TSC %u kHz\n", (uint32_t)(tsc_hz / 1000));

    uint64_t frequency = vmi_timer_available ? pv_get_cycle_frequency() : 0;
    if (frequency >= HZ) {
        vmi_cycles_per_tick = frequency / HZ;
        outb(0x43, 0x3A); /* PIT channel 0 to mode 5 without a count: it stays quiet */
        uint64_t now = pv_get_cycle_counter(VMI_CYCLES_AVAILABLE);
        pv_set_alarm(VMI_ALARM_WIRED_IRQ0 | VMI_ALARM_IS_PERIODIC | VMI_CYCLES_AVAILABLE,
                     now + vmi_cycles_per_tick, vmi_cycles_per_tick);
        kprintf("timer: VMI alarm, %u Hz, cycle frequency %u kHz\n", HZ, (uint32_t)(frequency / 1000));
    } else {
        uint32_t divisor = PIT_HZ / HZ;
        outb(0x43, 0x34); /* channel 0, rate generator */
        outb(0x40, divisor & 0xFF);
        outb(0x40, divisor >> 8);
        kprintf("timer: PIT, %u Hz\n", HZ);
    }
}

void timer_interrupt(void)
{
    ticks++;
    wakeup((void *)&ticks);
}

uint64_t uptime_nanoseconds(void)
{
    uint64_t elapsed = pv_read_tsc() - boot_tsc;
    /* Split to avoid overflowing 64 bits: whole seconds, then the remainder. */
    return elapsed / tsc_hz * 1000000000ull + (elapsed % tsc_hz) * 1000000000ull / tsc_hz;
}
