/*
 * Finding the VMI option ROM and patching the kernel for it, step by step as Linux 2.6.21-36
 * did (arch/i386/kernel/vmi.c; the facts are in docs/vmi-abi-facts.md §1.2-1.5):
 *
 *  1. scan 0xC0000-0xDFFFF in 2 KiB steps for 0xAA55 + "cVmi", API major 3, a PCI header, and
 *     a license string of exactly "GPL" or "GPL v2" (anything else is refused);
 *  2. call VMI_Init at ROM+0x80 (EAX = 0 means success);
 *  3. read the kernel's privilege level from CS: the ROM may have moved the kernel to ring 1;
 *  4. reserve the linear space from virtual_top to 4 GiB (the kernel's direct map stops below);
 *  5. for each site in .parainstructions, ask VMI_GetRelocationInfo (ROM+0x88, EAX = call)
 *     where the call lives (EAX = eip, DL = type), and rewrite the site accordingly.
 */
#include "defs.h"
#include "paravirt.h"

#define OPCODE_CALL 0xE8
#define OPCODE_JMP 0xE9
#define OPCODE_NOP 0x90

/* struct vrom_header, pci_header and pnp_header come from vmi.generated.h (via paravirt.h). */

extern struct pv_site parainstructions_start[], parainstructions_end[];

uint32_t kernel_rpl;
uint32_t kernel_code_selector = GDT_KERNEL_CODE << 3;
uint32_t kernel_data_selector = GDT_KERNEL_DATA << 3;
uint32_t vmi_patched_sites;
int vmi_present;
int vmi_timer_available;
uint32_t vmi_virtual_top;

/* A NUL-terminated string at `offset` inside the ROM, or NULL when it does not end inside. */
static const char *rom_string(const uint8_t *rom, uint32_t rom_size, uint32_t offset)
{
    if (offset == 0 || offset >= rom_size)
        return NULL;
    for (uint32_t i = offset; i < rom_size; i++)
        if (rom[i] == 0)
            return (const char *)rom + offset;
    return NULL;
}

/* Checks one candidate (check_vmi_rom); logs why a ROM is refused. */
static int rom_acceptable(const uint8_t *rom, uint32_t physical)
{
    const struct vrom_header *h = (const void *)rom;
    uint32_t size = (uint32_t)h->rom_length * VMI_OPTION_ROM_BLOCK_SIZE;
    if (h->rom_signature != VMI_OPTION_ROM_SIGNATURE || h->vrom_signature != VMI_SIGNATURE)
        return 0;
    if (size < sizeof *h || physical + size > VMI_ROM_SCAN_END) {
        kprintf("VMI: ROM at %x has a bad length (%u bytes); not used\n", physical, size);
        return 0;
    }
    if (h->api_version_maj != VMI_API_REV_MAJOR) {
        kprintf("VMI: found mismatched ROM version %u.%u at %x; not used\n", h->api_version_maj,
                h->api_version_min, physical);
        return 0;
    }
    if (h->pci_header_offs == 0 || h->pci_header_offs + sizeof(struct pci_header) > size) {
        kprintf("VMI: ROM at %x does not contain a PCI header; not used\n", physical);
        return 0;
    }
    const struct pci_header *pci = (const void *)(rom + h->pci_header_offs);
    if (pci->vendorID != VMI_PCI_VENDOR_ID || pci->deviceID != VMI_PCI_DEVICE_ID)
        kprintf("VMI: ROM from unknown manufacturer (PCI %x:%x)\n", pci->vendorID, pci->deviceID);
    const char *license = h->license_offs ? rom_string(rom, size, h->license_offs) : "unspecified";
    if (license == NULL || (strcmp(license, "GPL") != 0 && strcmp(license, "GPL v2") != 0)) {
        kprintf("VMI: non-GPL license `%s' found for ROM at %x; not used\n", license ? license : "(bad)", physical);
        return 0;
    }
    return 1;
}

static uint32_t call_vmi_init(const uint8_t *rom)
{
    uint32_t eax = (uint32_t)(rom + VMI_ROM_INIT_OFFSET), ecx, edx;
    __asm__ volatile("call *%0" : "+a"(eax), "=c"(ecx), "=d"(edx) : : "memory", "cc");
    return eax;
}

/* VMI_GetRelocationInfo: EAX = call number; returns EAX = target, DL = type. */
static void get_relocation(const uint8_t *rom, uint32_t call, uint32_t *target, uint32_t *type)
{
    uint32_t eax = call, edx, ecx;
    __asm__ volatile("call *%3" : "+a"(eax), "=d"(edx), "=c"(ecx) : "r"(rom + VMI_ROM_GET_RELOC_OFFSET) : "memory", "cc");
    *target = eax;
    *type = edx & 0xFF;
}

static const char *call_name(uint32_t call)
{
    switch (call) {
#define CALL_NAME(number, name) \
    case number:                \
        return #name;
        VMI_CALL_LIST(CALL_NAME)
#undef CALL_NAME
    default:
        return "?";
    }
}

/* With `vmi.verbose` on the command line: each call the kernel uses and what the ROM said. */
static void log_relocations(const uint8_t *known, const uint32_t *target_of, const uint32_t *type_of)
{
    static const char *const type_names[] = {"native", "call", "jump", "nop"};
    for (uint32_t call = 0; call < 256; call++) {
        if (!known[call])
            continue;
        uint32_t sites = 0;
        for (struct pv_site *site = parainstructions_start; site < parainstructions_end; site++)
            sites += site->call == call;
        kprintf("VMI: call %u %s: %s", call, call_name(call), type_names[type_of[call] & 3]);
        if (type_of[call] == VMI_RELOCATION_CALL_REL || type_of[call] == VMI_RELOCATION_JUMP_REL)
            kprintf(" %x", target_of[call]);
        kprintf(" (%u sites)\n", sites);
    }
}

/* Rewrites every site; returns how many changed. */
static uint32_t patch_sites(const uint8_t *rom)
{
    uint32_t target_of[256], type_of[256];
    uint8_t known[256];
    uint32_t counts[4] = {0, 0, 0, 0}, total = 0;
    memset(known, 0, sizeof known);
    for (struct pv_site *site = parainstructions_start; site < parainstructions_end; site++) {
        total++;
        if (!known[site->call]) {
            get_relocation(rom, site->call, &target_of[site->call], &type_of[site->call]);
            known[site->call] = 1;
        }
        uint32_t target = target_of[site->call], type = type_of[site->call];
        uint8_t *code = (uint8_t *)site->address;
        if (site->length < 5)
            panic("VMI: site %p of call %u is only %u bytes", code, site->call, site->length);
        switch (type) {
        case VMI_RELOCATION_NONE:
            break; /* keep the native instructions */
        case VMI_RELOCATION_CALL_REL:
        case VMI_RELOCATION_JUMP_REL: {
            uint32_t displacement = target - ((uint32_t)code + 5);
            code[0] = type == VMI_RELOCATION_CALL_REL ? OPCODE_CALL : OPCODE_JMP;
            memcpy(code + 1, &displacement, 4);
            memset(code + 5, OPCODE_NOP, site->length - 5u);
            break;
        }
        case VMI_RELOCATION_NOP:
            memset(code, OPCODE_NOP, site->length);
            break;
        default:
            panic("VMI: unknown relocation type %u for call %u", type, site->call);
        }
        counts[type]++;
    }
    if (command_line_has("vmi.verbose"))
        log_relocations(known, target_of, type_of);
    /* The ROM implements the timer when GetCycleFrequency is not left native (as Linux tested). */
    uint32_t ignored, timer_type;
    get_relocation(rom, VMI_CALL_GetCycleFrequency, &ignored, &timer_type);
    vmi_timer_available = timer_type != VMI_RELOCATION_NONE;
    uint32_t patched = counts[1] + counts[2] + counts[3];
    kprintf("VMI: patched %u of %u call sites (call %u, jump %u, nop %u, native %u)\n", patched, total, counts[1],
            counts[2], counts[3], counts[0]);
    return patched;
}

void vmi_probe_and_activate(void)
{
    const uint8_t *rom = NULL;
    uint32_t physical;
    for (physical = VMI_ROM_SCAN_START; physical < VMI_ROM_SCAN_END; physical += VMI_ROM_SCAN_STEP) {
        if (rom_acceptable(P2V(physical), physical)) {
            rom = P2V(physical);
            break;
        }
    }
    uint32_t sites = (uint32_t)(parainstructions_end - parainstructions_start);
    if (rom == NULL) {
        kprintf("VMI: no ROM found; running native (%u call sites left native)\n", sites);
        return;
    }
    const struct vrom_header *h = (const void *)rom;
    const struct pci_header *pci = (const void *)(rom + h->pci_header_offs);
    const char *manufacturer = "unknown", *product = "unknown";
    uint32_t size = (uint32_t)h->rom_length * VMI_OPTION_ROM_BLOCK_SIZE;
    if (h->pnp_header_offs && h->pnp_header_offs + sizeof(struct pnp_header) <= size) {
        const struct pnp_header *pnp = (const void *)(rom + h->pnp_header_offs);
        const char *m = rom_string(rom, size, pnp->manufacturer_offset);
        const char *p = rom_string(rom, size, pnp->product_offset);
        manufacturer = m ? m : manufacturer;
        product = p ? p : product;
    }
    kprintf("VMI: found ROM at %x: %s %s, API %u.%u, ROM %u.%u, %u bytes, license %s\n", physical, manufacturer,
            product, h->api_version_maj, h->api_version_min, pci->rom_version_maj, pci->rom_version_min, size,
            h->license_offs ? (const char *)rom + h->license_offs : "unspecified");

    /* Interrupts are off (boot.S) and stay off until the scheduler: patching is atomic. */
    uint32_t status = call_vmi_init(rom);
    if (status != 0) {
        kprintf("VMI: ROM failed to initialize (status %x); running native\n", status);
        return;
    }
    uint32_t cs;
    __asm__ volatile("movl %%cs, %0" : "=r"(cs));
    kernel_rpl = cs & 3;
    kernel_code_selector = (GDT_KERNEL_CODE << 3) | kernel_rpl;
    kernel_data_selector = (GDT_KERNEL_DATA << 3) | kernel_rpl;
    vmi_present = 1;
    if (h->virtual_top != 0) {
        vmi_virtual_top = h->virtual_top;
        kprintf("VMI: reserving virtual address space above %x\n", vmi_virtual_top);
    }
    vmi_patched_sites = patch_sites(rom);
    kprintf("VMI: kernel runs at ring %u%s\n", kernel_rpl, vmi_timer_available ? "; VMI timer available" : "");
}
