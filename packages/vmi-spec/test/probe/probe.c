/*
 * VMI probe: a multiboot program that finds a VMI option ROM exactly as Linux 2.6.21+ does
 * (scan 0xC0000-0xDFFFF in 2 KiB steps; 0xAA55, "cVmi", API major 3, a PCI header, license "GPL"
 * or "GPL v2"), calls VMI_Init and VMI_GetRelocationInfo for all 74 calls and prints the table on
 * COM1 in the format of vmi-spec's formatRelocation, prefixed "reloc: ". It then calls the stubs
 * that are safe to run with interrupts off and paging off, compares each with the native
 * instruction and checks the register convention, printing "check: NAME ok|FAIL ...", unless the
 * multiboot command line (QEMU's -append) says "table-only". It leaves
 * through isa-debug-exit (port 0xF4): 0 when everything passed, 1 otherwise.
 */
#include <stdint.h>
#include "vmi.generated.h"

#define COM1 0x3F8
#define DEBUG_EXIT_PORT 0xF4

struct probe_registers {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp, arg4, arg5, eflags;
};

void vmi_invoke(uint32_t target, struct probe_registers *registers);
uint32_t vmi_iret_same_ring(uint32_t target);
uint32_t enter_user(uint32_t stub, uint32_t mode, uint32_t user_eip, uint32_t user_esp);
void user_code(void);
void syscall_entry(void);
extern uint32_t user_eflags;

static inline void outb(uint16_t port, uint8_t value) { __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

static void serial_putc(char c)
{
    while ((inb(COM1 + 5) & 0x20) == 0)
        ;
    outb(COM1, (uint8_t)c);
}

static void puts_(const char *text)
{
    for (; *text; text++) {
        if (*text == '\n')
            serial_putc('\r');
        serial_putc(*text);
    }
}

static void put_hex(uint32_t value, int digits)
{
    puts_("0x");
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
        serial_putc("0123456789ABCDEF"[(value >> shift) & 0xF]);
}

static void put_decimal_width(uint32_t value, int width)
{
    char digits[11];
    int count = 0;
    do {
        digits[count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    for (int pad = count; pad < width; pad++)
        serial_putc(' ');
    while (count > 0)
        serial_putc(digits[--count]);
}

static void put_padded(const char *text, int width)
{
    int length = 0;
    for (; text[length]; length++)
        serial_putc(text[length]);
    for (; length < width; length++)
        serial_putc(' ');
}

static int string_equal(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

#define CALL_NAME(number, name) [number] = #name,
static const char *const call_names[VMI_CALL_COUNT] = { VMI_CALL_LIST(CALL_NAME) };
static const char *const type_names[4] = { "none", "call", "jump", "nop" };

static const struct vrom_header *rom;
static uint32_t rom_base, rom_bytes;
static uint32_t targets[VMI_CALL_COUNT];
static uint8_t types[VMI_CALL_COUNT];
static int failures;

/* Linux's check_vmi_rom, as a predicate with the reason it rejects. */
static const char *check_rom(const struct vrom_header *candidate)
{
    if (candidate->rom_signature != VMI_OPTION_ROM_SIGNATURE)
        return "no 0xAA55";
    if (candidate->vrom_signature != VMI_SIGNATURE)
        return "not cVmi";
    if (candidate->api_version_maj != VMI_API_REV_MAJOR)
        return "mismatched rom version";
    if (candidate->pci_header_offs == 0)
        return "no PCI header";
    const char *license = candidate->license_offs ? (const char *)candidate + candidate->license_offs : "unspecified";
    if (!string_equal(license, "GPL") && !string_equal(license, "GPL v2"))
        return "non-GPL license";
    return 0;
}

static void find_rom(void)
{
    for (uint32_t address = VMI_ROM_SCAN_START; address < VMI_ROM_SCAN_END; address += VMI_ROM_SCAN_STEP) {
        const struct vrom_header *candidate = (const struct vrom_header *)address;
        if (candidate->rom_signature != VMI_OPTION_ROM_SIGNATURE)
            continue;
        const char *reason = check_rom(candidate);
        if (reason) {
            puts_("probe: skip ");
            put_hex(address, 5);
            puts_(" (");
            puts_(reason);
            puts_(")\n");
            continue;
        }
        rom = candidate;
        rom_base = address;
        rom_bytes = (uint32_t)candidate->rom_length * VMI_OPTION_ROM_BLOCK_SIZE;
        return;
    }
}

static void fail(const char *name, const char *what, uint32_t got, uint32_t expected)
{
    failures++;
    puts_("check: ");
    puts_(name);
    puts_(" FAIL ");
    puts_(what);
    puts_(" got ");
    put_hex(got, 8);
    puts_(" expected ");
    put_hex(expected, 8);
    puts_("\n");
}

#define EXPECT(name, what, got, expected) \
    do { \
        uint32_t got_ = (uint32_t)(got), expected_ = (uint32_t)(expected); \
        if (got_ != expected_) { \
            fail(name, what, got_, expected_); \
            ok = 0; \
        } \
    } while (0)

/*
 * Calls `number` with the given inputs, filling the other registers with marker values, and
 * checks that registers the call's convention preserves came back unchanged. Returns the
 * registers after the call in *out.
 */
static int invoke(int number, uint32_t eax, uint32_t edx, uint32_t ecx, uint32_t arg4, struct probe_registers *out, int flags_only)
{
    const char *name = call_names[number];
    int ok = 1;
    if (types[number] != VMI_RELOCATION_CALL_REL) {
        fail(name, "relocation type", types[number], VMI_RELOCATION_CALL_REL);
        return 0;
    }
    struct probe_registers before = { eax, 0xB0B0B0B0, ecx, edx, 0x51515151, 0xD1D1D1D1, 0xEBEBEBEB, arg4, 0x55AA55AA, 0 };
    *out = before;
    vmi_invoke(targets[number], out);
    EXPECT(name, "ebx preserved", out->ebx, before.ebx);
    EXPECT(name, "esi preserved", out->esi, before.esi);
    EXPECT(name, "edi preserved", out->edi, before.edi);
    EXPECT(name, "ebp preserved", out->ebp, before.ebp);
    if (flags_only) {
        EXPECT(name, "ecx preserved", out->ecx, before.ecx);
        EXPECT(name, "edx preserved", out->edx, before.edx);
    }
    return ok;
}

static void report(const char *name, int ok)
{
    if (ok) {
        puts_("check: ");
        puts_(name);
        puts_(" ok\n");
    }
}

static uint32_t read_cr0(void) { uint32_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static uint32_t read_eflags(void) { uint32_t v; __asm__ volatile("pushfl; popl %0" : "=r"(v)); return v; }

static void run_checks(void)
{
    struct probe_registers r;
    int ok;

    /* CPUID: same four registers as the instruction, for leaf 0 and leaf 1 */
    for (uint32_t leaf = 0; leaf < 2; leaf++) {
        uint32_t a, b, c, d;
        __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(0));
        struct probe_registers before = { leaf, 0, 0, 0, 0x51515151, 0xD1D1D1D1, 0xEBEBEBEB, 0, 0, 0 };
        r = before;
        vmi_invoke(targets[VMI_CALL_CPUID], &r);
        ok = 1;
        EXPECT("CPUID", "eax", r.eax, a);
        EXPECT("CPUID", "ebx", r.ebx, b);
        EXPECT("CPUID", "ecx", r.ecx, c);
        EXPECT("CPUID", "edx", r.edx & ~(1u << 9), d & ~(1u << 9)); /* leaf 1 EDX is stable; bit 9 masked for safety */
        EXPECT("CPUID", "esi preserved", r.esi, before.esi);
        EXPECT("CPUID", "edi preserved", r.edi, before.edi);
        EXPECT("CPUID", "ebp preserved", r.ebp, before.ebp);
        if (leaf == 1)
            report("CPUID", ok);
    }

    /* Interrupt-flag calls: only EAX and EFLAGS may change; IF stays off here */
    ok = invoke(VMI_CALL_DisableInterrupts, 0x12345678, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("DisableInterrupts", "eax preserved", r.eax, 0x12345678);
    EXPECT("DisableInterrupts", "IF", r.eflags & 0x200, 0);
    report("DisableInterrupts", ok);
    ok = invoke(VMI_CALL_GetInterruptMask, 0xFFFFFFFF, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("GetInterruptMask", "mask", r.eax, 0);
    report("GetInterruptMask", ok);
    ok = invoke(VMI_CALL_SetInterruptMask, 0, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("SetInterruptMask", "IF", r.eflags & 0x200, 0);
    report("SetInterruptMask", ok);

    /* Control registers */
    ok = invoke(VMI_CALL_GetCR0, 0, 0, 0, 0, &r, 0);
    EXPECT("GetCR0", "value", r.eax, read_cr0());
    report("GetCR0", ok);
    ok = invoke(VMI_CALL_SetCR3, 0x00123000, 0, 0, 0, &r, 0);
    ok &= invoke(VMI_CALL_GetCR3, 0, 0, 0, 0, &r, 0);
    EXPECT("SetCR3/GetCR3", "value", r.eax, 0x00123000);
    report("SetCR3/GetCR3", ok);
    ok = invoke(VMI_CALL_CLTS, 0, 0, 0, 0, &r, 0);
    EXPECT("CLTS", "CR0.TS", read_cr0() & 8, 0);
    report("CLTS", ok);

    /* Descriptor tables: GetGDT matches SGDT, SetGDT of the same value, GetTR/GetLDT match */
    uint8_t native_gdt[6], stub_gdt[6];
    __asm__ volatile("sgdt %0" : "=m"(native_gdt));
    ok = invoke(VMI_CALL_GetGDT, (uint32_t)stub_gdt, 0, 0, 0, &r, 0);
    for (int i = 0; i < 6; i++)
        EXPECT("GetGDT", "byte", stub_gdt[i], native_gdt[i]);
    ok &= invoke(VMI_CALL_SetGDT, (uint32_t)stub_gdt, 0, 0, 0, &r, 0);
    report("GetGDT/SetGDT", ok);
    uint32_t native_tr = 0;
    __asm__ volatile("str %0" : "=r"(native_tr));
    ok = invoke(VMI_CALL_GetTR, 0xFFFFFFFF, 0, 0, 0, &r, 0);
    EXPECT("GetTR", "selector", r.eax, native_tr & 0xFFFF);
    report("GetTR", ok);

    /* WriteGDTEntry into a scratch table: low dword from ECX, high from [esp+4] */
    static uint32_t table[8];
    ok = invoke(VMI_CALL_WriteGDTEntry, (uint32_t)table, 3, 0x0000FFFF, 0x00CF9A00, &r, 0);
    EXPECT("WriteGDTEntry", "low", table[6], 0x0000FFFF);
    EXPECT("WriteGDTEntry", "high", table[7], 0x00CF9A00);
    report("WriteGDTEntry", ok);

    /* Page-table entries */
    static uint32_t entries[4];
    ok = invoke(VMI_CALL_SetPxE, 0xABCDE067, (uint32_t)&entries[1], VMI_PAGE_PT, 0, &r, 0);
    EXPECT("SetPxE", "entry", entries[1], 0xABCDE067);
    report("SetPxE", ok);
    ok = invoke(VMI_CALL_SetPxELong, 0x12345067, 0x00000001, (uint32_t)&entries[2], VMI_PAGE_PT, &r, 0);
    EXPECT("SetPxELong", "low", entries[2], 0x12345067);
    EXPECT("SetPxELong", "high", entries[3], 1);
    report("SetPxELong", ok);
    ok = invoke(VMI_CALL_FlushTLB, VMI_FLUSH_TLB | VMI_FLUSH_GLOBAL, 0, 0, 0, &r, 0);
    ok &= invoke(VMI_CALL_FlushTLB, VMI_FLUSH_TLB, 0, 0, 0, &r, 0);
    ok &= invoke(VMI_CALL_InvalPage, 0x1000, 0, 0, 0, &r, 0);
    report("FlushTLB/InvalPage", ok);

    /* Debug registers and MSRs round-trip */
    ok = invoke(VMI_CALL_SetDR, 0, 0x00C0FFEE, 0, 0, &r, 0);
    ok &= invoke(VMI_CALL_GetDR, 0, 0, 0, 0, &r, 0);
    EXPECT("SetDR/GetDR", "DR0", r.eax, 0x00C0FFEE);
    report("SetDR/GetDR", ok);
    ok = invoke(VMI_CALL_WRMSR, 0x00000008, 0, 0x174, 0, &r, 0); /* IA32_SYSENTER_CS */
    ok &= invoke(VMI_CALL_RDMSR, 0, 0, 0x174, 0, &r, 0);
    EXPECT("WRMSR/RDMSR", "value", r.eax, 8);
    report("WRMSR/RDMSR", ok);
    /* RDTSC: EDX:EAX never goes backwards, between stub reads and against the native RDTSC */
    ok = invoke(VMI_CALL_RDTSC, 0, 0, 0, 0, &r, 0);
    uint64_t first = ((uint64_t)r.edx << 32) | r.eax, native;
    __asm__ volatile("rdtsc" : "=A"(native));
    ok &= invoke(VMI_CALL_RDTSC, 0, 0, 0, 0, &r, 0);
    uint64_t second = ((uint64_t)r.edx << 32) | r.eax;
    if (native < first || second < native)
        fail("RDTSC", "monotonic", (uint32_t)second, (uint32_t)native), ok = 0;
    report("RDTSC", ok);

    /* IOPL: SetIOPLMask(3 << 12) shows in EFLAGS, then back to 0 */
    ok = invoke(VMI_CALL_SetIOPLMask, 0x3000, 0, 0, 0, &r, 0);
    EXPECT("SetIOPLMask", "IOPL 3", read_eflags() & 0x3000, 0x3000);
    ok &= invoke(VMI_CALL_SetIOPLMask, 0, 0, 0, 0, &r, 0);
    EXPECT("SetIOPLMask", "IOPL 0", read_eflags() & 0x3000, 0);
    report("SetIOPLMask", ok);

    /* Port I/O: read the UART's line status through INB, write a character through OUTB */
    ok = invoke(VMI_CALL_INB, 0xFFFFFFFF, COM1 + 5, 0, 0, &r, 0);
    EXPECT("INB", "line status", r.eax & ~0x01u, inb(COM1 + 5) & ~0x01u);
    EXPECT("INB", "zero-extended", r.eax >> 8, 0);
    report("INB", ok);
    while ((inb(COM1 + 5) & 0x20) == 0)
        ;
    puts_("check: OUTB says ");
    ok = invoke(VMI_CALL_OUTB, 'V', COM1, 0x33333333, 0, &r, 0);
    EXPECT("OUTB", "eax preserved", r.eax, 'V');
    EXPECT("OUTB", "ecx preserved", r.ecx, 0x33333333);
    puts_("\n");
    report("OUTB", ok);
    ok = invoke(VMI_CALL_IODelay, 0, 0, 0, 0, &r, 0);
    report("IODelay", ok);
    ok = invoke(VMI_CALL_MachineToPhysical, 0x00ABC000, 0, 0, 0, &r, 0);
    EXPECT("MachineToPhysical", "identity", r.eax, 0x00ABC000);
    report("MachineToPhysical", ok);

    /* IRET: a same-ring frame, entered by JMP like a JUMP_REL patch site */
    ok = 1;
    EXPECT("IRET", "relocation type", types[VMI_CALL_IRET], VMI_RELOCATION_JUMP_REL);
    if (ok)
        EXPECT("IRET", "returned to frame", vmi_iret_same_ring(targets[VMI_CALL_IRET]), 1);
    report("IRET", ok);
}

/*
 * Ring 3 round trips: a GDT with kernel and user segments and a TSS, written through
 * WriteGDTEntry and loaded through SetGDT and SetTR; an IDT whose vector 0x80 gate (DPL 3) is
 * written through WriteIDTEntry and loaded through SetIDT; then user mode is entered once through
 * the IRET stub and once through the SYSEXIT stub (SYSENTER_CS = 0x08 set through WRMSR), and the
 * user code's INT 0x80 comes back. PIC interrupts are masked, so IF = 1 is harmless.
 */
static uint32_t gdt[2 * 6] __attribute__((aligned(8)));
static uint32_t idt[2 * 256] __attribute__((aligned(8)));
static uint32_t tss[26];
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));

static void run_ring3_checks(void)
{
    struct probe_registers r;
    int ok = 1;
    static const uint32_t flat[4][2] = {
        { 0x0000FFFF, 0x00CF9A00 }, /* 0x08 kernel code */
        { 0x0000FFFF, 0x00CF9200 }, /* 0x10 kernel data */
        { 0x0000FFFF, 0x00CFFA00 }, /* 0x18 user code, DPL 3 */
        { 0x0000FFFF, 0x00CFF200 }, /* 0x20 user data, DPL 3 */
    };
    for (int i = 0; i < 4; i++)
        ok &= invoke(VMI_CALL_WriteGDTEntry, (uint32_t)gdt, (uint32_t)(i + 1), flat[i][0], flat[i][1], &r, 0);
    tss[1] = (uint32_t)(kernel_stack + sizeof kernel_stack); /* esp0 */
    tss[2] = 0x10;                                            /* ss0 */
    tss[25] = (uint32_t)sizeof tss << 16;                     /* I/O map base past the limit */
    uint32_t base = (uint32_t)tss, limit = sizeof tss - 1;
    ok &= invoke(VMI_CALL_WriteGDTEntry, (uint32_t)gdt, 5, (base << 16) | (limit & 0xFFFF),
                 (base & 0xFF000000) | (limit & 0xF0000) | 0x8900 | ((base >> 16) & 0xFF), &r, 0);
    struct vmi_dtr gdtr = { sizeof gdt - 1, (uint32_t)gdt };
    ok &= invoke(VMI_CALL_SetGDT, (uint32_t)&gdtr, 0, 0, 0, &r, 0);
    __asm__ volatile("ljmp $0x08, $1f\n1:\n"
                     "movl $0x10, %%eax\n movl %%eax, %%ds\n movl %%eax, %%es\n movl %%eax, %%ss\n"
                     "movl %%eax, %%fs\n movl %%eax, %%gs" ::: "eax", "memory");
    ok &= invoke(VMI_CALL_SetTR, 0x28, 0, 0, 0, &r, 0);
    ok &= invoke(VMI_CALL_GetTR, 0, 0, 0, 0, &r, 0);
    EXPECT("SetTR", "selector", r.eax, 0x28);
    uint32_t handler = (uint32_t)syscall_entry;
    ok &= invoke(VMI_CALL_WriteIDTEntry, (uint32_t)idt, 0x80, (0x08u << 16) | (handler & 0xFFFF),
                 (handler & 0xFFFF0000) | 0xEE00, &r, 0);
    struct vmi_dtr idtr = { sizeof idt - 1, (uint32_t)idt }, read_back = { 0, 0 };
    ok &= invoke(VMI_CALL_SetIDT, (uint32_t)&idtr, 0, 0, 0, &r, 0);
    ok &= invoke(VMI_CALL_GetIDT, (uint32_t)&read_back, 0, 0, 0, &r, 0);
    EXPECT("SetIDT", "base", read_back.base, idtr.base);
    EXPECT("SetIDT", "limit", read_back.limit, idtr.limit);
    report("SetGDT/SetTR/SetIDT/WriteIDTEntry", ok);

    ok = 1;
    EXPECT("IRET to ring 3", "relocation type", types[VMI_CALL_IRET], VMI_RELOCATION_JUMP_REL);
    uint32_t user_top = (uint32_t)(user_stack + sizeof user_stack);
    if (ok) {
        EXPECT("IRET to ring 3", "user CS", enter_user(targets[VMI_CALL_IRET], 0, (uint32_t)user_code, user_top), 0x1B);
        EXPECT("IRET to ring 3", "user IF", user_eflags & 0x200, 0x200);
    }
    report("IRET to ring 3", ok);

    ok = invoke(VMI_CALL_WRMSR, 0x08, 0, 0x174, 0, &r, 0); /* IA32_SYSENTER_CS */
    EXPECT("SYSEXIT to ring 3", "relocation type", types[VMI_CALL_SYSEXIT], VMI_RELOCATION_JUMP_REL);
    if (ok) {
        EXPECT("SYSEXIT to ring 3", "user CS", enter_user(targets[VMI_CALL_SYSEXIT], 1, (uint32_t)user_code, user_top), 0x1B);
        EXPECT("SYSEXIT to ring 3", "IF enabled with the exit", user_eflags & 0x200, 0x200);
    }
    report("SYSEXIT to ring 3", ok);
}

static void run_interrupt_flag_checks(void)
{
    struct probe_registers r;
    outb(0x21, 0xFF); /* mask every PIC line: IF = 1 delivers nothing */
    outb(0xA1, 0xFF);
    int ok = invoke(VMI_CALL_EnableInterrupts, 0x12345678, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("EnableInterrupts", "eax preserved", r.eax, 0x12345678);
    EXPECT("EnableInterrupts", "IF", r.eflags & 0x200, 0x200);
    ok &= invoke(VMI_CALL_GetInterruptMask, 0, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("EnableInterrupts", "GetInterruptMask", r.eax, 0x200);
    ok &= invoke(VMI_CALL_SetInterruptMask, 0, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("EnableInterrupts", "SetInterruptMask(0)", r.eflags & 0x200, 0);
    ok &= invoke(VMI_CALL_SetInterruptMask, 0x200, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("EnableInterrupts", "SetInterruptMask(0x200)", r.eflags & 0x200, 0x200);
    ok &= invoke(VMI_CALL_DisableInterrupts, 0, 0x22222222, 0x33333333, 0, &r, 1);
    EXPECT("EnableInterrupts", "DisableInterrupts", r.eflags & 0x200, 0);
    report("EnableInterrupts/SetInterruptMask(0x200)", ok);
}

/* True when the multiboot command line (QEMU's -append) contains `word`. */
static int command_line_has(uint32_t magic, const uint32_t *info, const char *word)
{
    if (magic != 0x2BADB002u || !(info[0] & 4) || info[4] == 0)
        return 0;
    for (const char *line = (const char *)info[4]; *line; line++) {
        int i = 0;
        while (word[i] && line[i] == word[i])
            i++;
        if (!word[i])
            return 1;
    }
    return 0;
}

void probe_main(uint32_t magic, const uint32_t *multiboot_info)
{
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x80);
    outb(COM1 + 0, 0x01);
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);
    outb(COM1 + 2, 0xC7);
    puts_("probe: start\n");

    find_rom();
    if (!rom) {
        puts_("probe: no VMI ROM found\n");
        outb(DEBUG_EXIT_PORT, 1);
        return;
    }
    puts_("probe: rom at ");
    put_hex(rom_base, 5);
    puts_(" length ");
    put_decimal_width(rom_bytes, 0);
    puts_(" api ");
    put_decimal_width(rom->api_version_maj, 0);
    puts_(".");
    put_decimal_width(rom->api_version_min, 0);
    puts_("\n");

    uint32_t (__attribute__((regparm(1))) *vmi_init)(void) = (void *)(rom_base + VMI_ROM_INIT_OFFSET);
    uint64_t (__attribute__((regparm(1))) *get_reloc)(uint32_t) = (void *)(rom_base + VMI_ROM_GET_RELOC_OFFSET);
    uint32_t status = vmi_init();
    puts_("probe: VMI_Init returned ");
    put_hex(status, 8);
    puts_("\n");
    if (status != 0) {
        outb(DEBUG_EXIT_PORT, 1);
        return;
    }

    for (uint32_t number = 0; number < VMI_CALL_COUNT; number++) {
        uint64_t info = get_reloc(number);
        uint32_t eip = (uint32_t)info;
        uint8_t type = (uint8_t)(info >> 32);
        targets[number] = eip;
        types[number] = type;
        puts_("reloc: ");
        put_decimal_width(number, 2);
        serial_putc(' ');
        put_padded(call_names[number], 17);
        serial_putc(' ');
        put_padded(type < 4 ? type_names[type] : "????", 4);
        serial_putc(' ');
        if (type == VMI_RELOCATION_CALL_REL || type == VMI_RELOCATION_JUMP_REL) {
            if (eip < rom_base || eip >= rom_base + rom_bytes) {
                failures++;
                puts_("outside-rom ");
            }
            put_hex(eip - rom_base, 4);
        } else {
            if (eip != 0) {
                failures++;
                puts_("nonzero-eip ");
            }
            serial_putc('-');
        }
        puts_("\n");
    }
    uint64_t unknown = get_reloc(VMI_CALL_COUNT);
    puts_("probe: call 74 type ");
    put_decimal_width((uint32_t)(unknown >> 32) & 0xFF, 0);
    puts_("\n");

    if (command_line_has(magic, multiboot_info, "table-only")) {
        puts_("probe: table only\n");
    } else {
        run_checks();
        run_interrupt_flag_checks();
        run_ring3_checks();
    }
    puts_(failures == 0 ? "probe: done ok\n" : "probe: done with failures\n");
    outb(DEBUG_EXIT_PORT, failures == 0 ? 0 : 1);
}
