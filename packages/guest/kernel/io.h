/*
 * Port I/O. IN and OUT are left native even under a VMI ROM, as Linux did: the ports the kernel
 * uses are devices, and a hypervisor traps them.
 */
#ifndef OPENVMI_GUEST_IO_H
#define OPENVMI_GUEST_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value)
{
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

#endif
