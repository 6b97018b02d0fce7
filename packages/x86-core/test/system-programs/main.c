/*
 * System-mode test program (see entry.S). Each test prints what it expects to happen on the
 * debug console; the exception handler prints the vector, error code, interrupted CPL, VM flag
 * and (for #PF) CR2, then resumes at `resume_eip`. The output of qemu-system-i386 and of the
 * OpenVMI CPU must be identical.
 */
/* The TF test: #DB traps after each instruction that started with TF=1 (SDM 17.3.1.4). */
#ifndef EXTRA_VECTOR_TESTS
#define EXTRA_VECTOR_TESTS 1
#endif
#ifndef SINGLE_STEP_TEST
#define SINGLE_STEP_TEST 1
#endif

typedef unsigned int u32;
typedef unsigned short u16;
typedef unsigned char u8;

struct frame {
  u32 edi, esi, ebp, esp_ignored, ebx, edx, ecx, eax;
  u32 gs, fs, es, ds;
  u32 vector, error;
  u32 eip, cs, eflags;
};

extern char stack_top[], double_fault_stack_top[];
extern void interrupt_stub_0(void), interrupt_stub_1(void), interrupt_stub_2(void), interrupt_stub_3(void),
    interrupt_stub_4(void), interrupt_stub_5(void), interrupt_stub_6(void), interrupt_stub_7(void),
    interrupt_stub_8(void), interrupt_stub_9(void), interrupt_stub_10(void), interrupt_stub_11(void),
    interrupt_stub_12(void), interrupt_stub_13(void), interrupt_stub_14(void), interrupt_stub_15(void),
    interrupt_stub_16(void), interrupt_stub_17(void), interrupt_stub_18(void), interrupt_stub_19(void),
    interrupt_stub_128(void), interrupt_stub_129(void), interrupt_stub_48(void);
extern void double_fault_task(void), kernel_continue(void), reload_segments(void);
extern void enter_user(void (*eip)(void), void *esp);
extern void enter_v86(u32 cs, u32 ip, u32 ss, u32 sp, u32 eflags);
extern void conforming_target(void);
extern void worker_task(void);
extern void call_gate_target(void), sysenter_entry(void), single_step(void), single_step_start(void);

volatile u32 resume_eip;

/* Runs `code`; a fault in it is reported by the handler, which resumes after it. */
#define EXPECT(code) __asm__ volatile("movl $1f, resume_eip\n\t" code "\n1:\n\t" ::: "eax", "ecx", "edx", "memory")

volatile u32 saved_kernel_esp;
volatile int return_to_kernel;
volatile int double_fault_repairs_stack;

static u32 gdt[2 * 18] __attribute__((aligned(8)));
static u32 idt[2 * 256] __attribute__((aligned(8)));
static u32 main_tss[26 + 2048 + 1] __attribute__((aligned(16)));
static u32 double_fault_tss[26] __attribute__((aligned(16)));
static u32 short_tss[26] __attribute__((aligned(16)));
static u32 ldt[2 * 2] __attribute__((aligned(8)));
static u32 worker_tss[26] __attribute__((aligned(16)));
static u8 worker_stack[4096] __attribute__((aligned(16)));
static u8 interrupt_stack[8192] __attribute__((aligned(16)));
static u8 user_stack[4096] __attribute__((aligned(16)));
static volatile u32 page_directory[1024] __attribute__((aligned(4096)));
static volatile u32 page_tables[2][1024] __attribute__((aligned(4096)));
static u8 code_buffer[64] __attribute__((aligned(16)));

struct __attribute__((packed)) table_pointer {
  u16 limit;
  u32 base;
};
struct table_pointer gdt_descriptor;
static struct table_pointer idt_descriptor;

static inline void outb(u16 port, u8 value) { __asm__ volatile("outb %0, %1" ::"a"(value), "Nd"(port)); }
static inline void outl(u16 port, u32 value) { __asm__ volatile("outl %0, %1" ::"a"(value), "Nd"(port)); }
static inline u32 read_cr0(void) { u32 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u32 read_cr2(void) { u32 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u32 read_cr3(void) { u32 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u32 read_cr4(void) { u32 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline void invlpg(u32 address) { __asm__ volatile("invlpg (%0)" ::"r"(address) : "memory"); }
static inline u32 read32(u32 address) { return *(volatile u32 *)address; }
static inline void write32(u32 address, u32 value) { *(volatile u32 *)address = value; }

static void print(const char *text) {
  while (*text) outb(0xe9, (u8)*text++);
}

static void print_hex(u32 value, int digits) {
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) outb(0xe9, "0123456789abcdef"[(value >> shift) & 15]);
}

static void set_segment(int index, u32 base, u32 limit, u32 access, u32 flags) {
  gdt[index * 2] = ((base & 0xffff) << 16) | (limit & 0xffff);
  gdt[index * 2 + 1] = ((base >> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000);
}

static void set_gate(int vector, void (*handler)(void), u16 selector, u32 type, u32 dpl) {
  u32 offset = (u32)handler;
  idt[vector * 2] = ((u32)selector << 16) | (offset & 0xffff);
  idt[vector * 2 + 1] = (offset & 0xffff0000) | 0x8000 | (dpl << 13) | (type << 8);
}

void interrupt_handler(struct frame *frame) {
  print("  v=");
  print_hex(frame->vector, 2);
  print(" e=");
  print_hex(frame->error, 8);
  print(" cpl=");
  print_hex(frame->cs & 3, 1);
  print(" vm=");
  print_hex((frame->eflags >> 17) & 1, 1);
  if (frame->vector == 14) {
    print(" cr2=");
    print_hex(read_cr2(), 8);
  }
  if (frame->vector == 1) {
    u32 dr6;
    __asm__ volatile("mov %%dr6, %0" : "=r"(dr6));
    print(" bs=");
    print_hex((dr6 >> 14) & 1, 1);
    print(" at=+");
    print_hex(frame->eip - (u32)single_step_start, 2);
  }
  if (frame->vector == 0x80) {
    print(" fs=");
    print_hex(frame->fs & 0xffff, 4);
  }
  if (frame->vector == 0x80 || (frame->eflags & 0x20000)) {
    print(" eax=");
    print_hex(frame->eax, 8);
  }
  print("\n");
  if (frame->vector == 0x81 || return_to_kernel) {
    return_to_kernel = 0;
    frame->cs = 0x08;
    frame->eip = (u32)kernel_continue;
    frame->eflags &= ~0x20000u;
    return;
  }
  if (frame->vector == 1 || frame->vector == 3 || frame->vector == 4 || frame->vector == 0x80) return; /* traps */
  frame->eip = resume_eip;
}

void worker_handler(void) {
  u32 eflags;
  u16 tr;
  __asm__ volatile("pushfl\n\tpopl %0\n\tstr %1" : "=r"(eflags), "=r"(tr));
  print("  worker task: tr=");
  print_hex(tr, 4);
  print(" back-link=");
  print_hex(worker_tss[0] & 0xffff, 4);
  print(" NT=");
  print_hex((eflags >> 14) & 1, 1);
  print(" TS=");
  print_hex((read_cr0() >> 3) & 1, 1);
  print("\n");
}

static void print_task_state(const char *what) {
  u32 eflags;
  u16 tr;
  __asm__ volatile("pushfl\n\tpopl %0\n\tstr %1" : "=r"(eflags), "=r"(tr));
  print(what);
  print(": tr=");
  print_hex(tr, 4);
  print(" NT=");
  print_hex((eflags >> 14) & 1, 1);
  print(" busy(main)=");
  print_hex((gdt[5 * 2 + 1] >> 9) & 1, 1);
  print(" busy(worker)=");
  print_hex((gdt[12 * 2 + 1] >> 9) & 1, 1);
  print("\n");
}

static void test_task_switches(void) {
  worker_tss[7] = read_cr3();
  worker_tss[8] = (u32)worker_task;
  worker_tss[9] = 0x2;
  worker_tss[14] = (u32)(worker_stack + sizeof worker_stack);
  worker_tss[18] = 0x10;
  worker_tss[19] = 0x08;
  worker_tss[20] = 0x10;
  worker_tss[21] = 0x10;
  worker_tss[22] = 0x10;
  worker_tss[23] = 0x10;
  print("task switch: CALL through a task gate, IRET back\n");
  __asm__ volatile("lcall $0x68, $0" ::: "memory");
  print_task_state("  after CALL");
  print("task switch: JMP to a TSS, JMP back\n");
  __asm__ volatile("ljmp $0x60, $0" ::: "memory");
  print_task_state("  after JMP");
  print("task switch: CALL to a busy TSS\n");
  EXPECT("lcall $0x28, $0");
  __asm__ volatile("clts");
}

void double_fault_handler(u32 error) {
  print("  double fault task: error=");
  print_hex(error, 8);
  print(" back-link=");
  print_hex(double_fault_tss[0] & 0xffff, 4);
  print("\n");
  if (double_fault_repairs_stack) {
    double_fault_repairs_stack = 0;
    print("  cr2=");
    print_hex(read_cr2(), 8);
    print(" interrupted cs=");
    print_hex(main_tss[19] & 0xffff, 4);
    print("\n");
    main_tss[1] = (u32)(interrupt_stack + sizeof interrupt_stack); /* repair ESP0; INT 0x80 restarts */
    return;
  }
  idt[0 * 2 + 1] |= 0x8000;          /* repair the #DE gate */
  main_tss[8] = resume_eip;          /* the interrupted task resumes after the faulting DIV */
}


static void test_exceptions(void) {
  print("divide error\n");
  EXPECT("xorl %%ecx, %%ecx\n\tdivl %%ecx");
  print("breakpoint\n");
  EXPECT("int3");
  print("overflow\n");
  EXPECT("movl $0x7fffffff, %%eax\n\taddl $1, %%eax\n\tinto");
  print("bound\n");
  __asm__ volatile("movl $1f, resume_eip\n\tmovl $5, %%eax\n\tbound %%eax, (%0)\n1:" ::"r"((u32[]){1, 3}) : "eax", "memory");
  print("invalid opcode\n");
  EXPECT("ud2");
  print("device not available\n");
  write_cr0(read_cr0() | 8);
  EXPECT("fnop");
  __asm__ volatile("clts");
  if (EXTRA_VECTOR_TESTS) {
    print("floating-point error (CR0.NE, unmasked zero divide)\n");
    write_cr0(read_cr0() | 0x20);
    u16 control = 0x037b; /* ZM unmasked */
    __asm__ volatile("fninit\n\tfldcw %0\n\tfld1\n\tfldz\n\tfdivrp" ::"m"(control));
    EXPECT("fwait");
    __asm__ volatile("fninit");
  }
  print("invalid TSS (ljmp to a TSS with limit 0x20)\n");
  EXPECT("ljmp $0x40, $0");
  print("segment not present (mov ds)\n");
  EXPECT("movw $0x38, %%ax\n\tmovw %%ax, %%ds");
  print("stack fault (mov ss, not present)\n");
  EXPECT("movw $0x38, %%ax\n\tmovw %%ax, %%ss");
  print("general protection (selector beyond the GDT)\n");
  EXPECT("movw $0x1000, %%ax\n\tmovw %%ax, %%es");
  print("general protection (far jump to null)\n");
  EXPECT("ljmp $0, $0");
  print("general protection (load a code segment without read access into DS)\n");
  EXPECT("movw $0x50, %%ax\n\tmovw %%ax, %%ds");
  print("general protection (load SS with a read-only data segment)\n");
  EXPECT("movw $0x48, %%ax\n\tmovw %%ax, %%ss");
  print("segment not present (far jump to a not-present code segment)\n");
  EXPECT("ljmp $0x88, $0");
  print("general protection (far jump to a data segment)\n");
  EXPECT("ljmp $0x10, $0");
  print("segment not present (INT n through a not-present gate)\n");
  idt[0x31 * 2] = idt[0x30 * 2];
  idt[0x31 * 2 + 1] = idt[0x30 * 2 + 1] & ~0x8000u;
  EXPECT("int $0x31");
  print("general protection (INT n through a gate beyond the IDT limit)\n");
  idt_descriptor.limit = 0x100 * 8 - 1 - 8 * 0x80;
  __asm__ volatile("lidt %0" ::"m"(idt_descriptor));
  EXPECT("int $0x90");
  idt_descriptor.limit = sizeof idt - 1;
  __asm__ volatile("lidt %0" ::"m"(idt_descriptor));
  print("double fault through a task gate (#DE gate not present)\n");
  idt[0 * 2 + 1] &= ~0x8000u;
  EXPECT("xorl %%ecx, %%ecx\n\tdivl %%ecx");
  print("  back in the main task, NT=");
  u32 eflags;
  __asm__ volatile("pushfl\n\tpopl %0" : "=r"(eflags));
  print_hex((eflags >> 14) & 1, 1);
  print(" busy(double fault TSS)=");
  print_hex((gdt[6 * 2 + 1] >> 9) & 1, 1);
  print("\n");
}

static void print_lar(u32 selector) {
  u32 value = 0xdeadbeef, zero;
  __asm__ volatile("larl %2, %0\n\tsetz %b1\n\tmovzbl %b1, %1" : "+r"(value), "=q"(zero) : "r"(selector));
  print(" lar(");
  print_hex(selector, 4);
  print(")=");
  /* Bits 19:16 are undefined (SDM LAR); QEMU does not set the accessed bit on CS loads. */
  if (value & 0x1000) value &= ~0x100u;
  if (zero) print_hex(value & ~0x000f0000u, 8); else print("none");
}

static void print_lsl(u32 selector) {
  u32 value = 0xdeadbeef, zero;
  __asm__ volatile("lsll %2, %0\n\tsetz %b1\n\tmovzbl %b1, %1" : "+r"(value), "=q"(zero) : "r"(selector));
  print(" lsl(");
  print_hex(selector, 4);
  print(")=");
  if (zero) print_hex(value, 8); else print("none");
}

static void print_verify(u32 selector) {
  u32 readable, writable;
  __asm__ volatile("verr %w2\n\tsetz %b0\n\tverw %w2\n\tsetz %b1\n\tmovzbl %b0, %0\n\tmovzbl %b1, %1"
                   : "=&q"(readable), "=&q"(writable) : "r"(selector));
  print(" v(");
  print_hex(selector, 4);
  print(")=");
  print_hex(readable, 1);
  print_hex(writable, 1);
}

static void test_descriptor_instructions(void) {
  print("LAR:");
  print_lar(0x08);
  print_lar(0x38);
  print_lar(0x5b);
  print_lar(0x28);
  print_lar(0x1000);
  print_lar(0);
  print("\nLSL:");
  print_lsl(0x10);
  print_lsl(0x28);
  print_lsl(0x40);
  print_lsl(0x5b);
  print("\nVERR/VERW:");
  print_verify(0x08);
  print_verify(0x10);
  print_verify(0x48);
  print_verify(0x50);
  print_verify(0x28);
  print("\n");
  u16 tr, ldtr;
  __asm__ volatile("str %0\n\tsldt %1" : "=r"(tr), "=r"(ldtr));
  print("STR=");
  print_hex(tr, 4);
  print(" SLDT=");
  print_hex(ldtr, 4);
  print(" TSS busy=");
  print_hex((gdt[5 * 2 + 1] >> 9) & 1, 1);
  print("\n");
}

static void test_ldt(void) {
  static volatile u32 marker = 0xcafe0042;
  ldt[2] = 0x0000ffff; /* index 1: flat writable data, DPL 0 */
  ldt[3] = 0x00cf9200;
  print("LDT: ");
  __asm__ volatile("lldt %w0" ::"r"(0x80));
  u16 selector;
  u32 value;
  __asm__ volatile("sldt %0" : "=r"(selector));
  print_hex(selector, 4);
  __asm__ volatile("movw $0x0c, %%ax\n\tmovw %%ax, %%es\n\tmovl %%es:(%1), %0\n\tmovw $0x10, %%ax\n\tmovw %%ax, %%es"
                   : "=r"(value) : "r"(&marker) : "eax");
  print(" es:marker=");
  print_hex(value, 8);
  print("\n");
  print("LDT selector beyond the LDT limit\n");
  EXPECT("movw $0x1c, %%ax\n\tmovw %%ax, %%es");
  __asm__ volatile("lldt %w0" ::"r"(0));
}

static void test_single_step(void) {
  print("single step (TF)\n");
  single_step();
}

static void enable_paging(void) {
  for (int table = 0; table < 2; table++) {
    for (int page = 0; page < 1024; page++) page_tables[table][page] = ((table * 1024 + page) << 12) | 7;
    page_directory[table] = (u32)&page_tables[table][0] | 7;
  }
  page_tables[1][0x300] = 0;                       /* 0x700000 not present */
  page_tables[1][0x301] = 0x701000 | 5;            /* read-only */
  page_tables[1][0x303] = 0x703000 | 3;            /* supervisor only */
  page_tables[1][0x304] = 0x705000 | 7;            /* 0x704000 -> frame 0x705000 */
  page_tables[1][0x306] = 0x706000 | 5;            /* user, read-only */
  write32(0x705000, 0x11111111);
  write32(0x706000, 0x22222222);
  write_cr3((u32)&page_directory[0]);
  write_cr0(read_cr0() | 0x80010000);              /* PG | WP */
}

static void test_paging(void) {
  print("paging on\n");
  enable_paging();
  print("read of a not-present page\n");
  EXPECT("movl 0x700000, %%eax");
  print("write to a not-present page\n");
  EXPECT("movl %%eax, 0x700004");
  print("supervisor write to a read-only page with CR0.WP\n");
  EXPECT("movl %%eax, 0x701008");
  print("instruction fetch from a not-present page\n");
  __asm__ volatile("movl $1f, resume_eip\n\tmovl $0x700000, %%eax\n\tjmp *%%eax\n1:" ::: "eax", "memory");
  print("write crossing into a read-only page\n");
  write32(0x705ffc, 0x44444444);
  EXPECT("movl $0x12345678, %%eax\n\tmovl %%eax, 0x705ffe");
  print("  no partial write: ");
  print_hex(read32(0x705ffc), 8);
  print("\n");
  print("read of the read-only page: ");
  print_hex(read32(0x701000) == *(volatile u32 *)0x701000, 1);
  print("\n");
  print("accessed/dirty: ");
  page_tables[1][0x304] = 0x705000 | 7;
  invlpg(0x704000);
  print_hex(read32(0x704000), 8);
  print(" pte=");
  print_hex(page_tables[1][0x304] & 0x60, 2);
  write32(0x704010, 0x33);
  print(" pte=");
  print_hex(page_tables[1][0x304] & 0x60, 2);
  print("\n");
  print("INVLPG: ");
  page_tables[1][0x304] = 0x706000 | 7;
  invlpg(0x704000);
  print_hex(read32(0x704000), 8);
  print(" CR3 reload: ");
  page_tables[1][0x304] = 0x705000 | 7;
  write_cr3(read_cr3());
  print_hex(read32(0x704000), 8);
  print("\n");
  print("4 MiB page: ");
  write_cr4(read_cr4() | 0x10);
  page_directory[3] = 0x00400000 | 0x83;
  invlpg(0xc00000);
  print_hex(read32(0xc00000 + 0x305000), 8);
  print(" pde=");
  print_hex(page_directory[3] & 0x60, 2);
  print("\n");
  print("4 MiB page with reserved bit 21\n");
  page_directory[3] = 0x00200000 | 0x83;
  invlpg(0xc00000);
  EXPECT("movl 0xc00000, %%eax");
  page_directory[3] = 0;
  invlpg(0xc00000);
}

static void test_self_modifying_code(void) {
  static const u8 function[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xc3}; /* mov eax, 1; ret */
  for (unsigned i = 0; i < sizeof function; i++) code_buffer[i] = function[i];
  u32 (*call)(void) = (u32(*)(void))code_buffer;
  print("self-modifying code: ");
  print_hex(call(), 8);
  ((volatile u8 *)code_buffer)[1] = 0x02;
  print(" ");
  print_hex(call(), 8);
  print("\n");
}

void call_gate_handler(u32 *frame) {
  print("  call gate: param=");
  print_hex(frame[2], 8);
  print(" caller-cpl=");
  print_hex(frame[1] & 3, 1);
  print(" caller-ss=");
  print_hex(frame[4], 4);
  u16 cs;
  __asm__ volatile("movw %%cs, %0" : "=r"(cs));
  print(" cs=");
  print_hex(cs, 4);
  print("\n");
}

void sysenter_handler(void) {
  u16 cs, ss;
  __asm__ volatile("movw %%cs, %0\n\tmovw %%ss, %1" : "=r"(cs), "=r"(ss));
  print("  sysenter: cs=");
  print_hex(cs, 4);
  print(" ss=");
  print_hex(ss, 4);
  print("\n");
}

__attribute__((noinline)) static void user_code(void) {
  __asm__ volatile("movl $0x42, %%eax\n\tint $0x80" ::: "eax", "memory");
  __asm__ volatile("movb $0x55, %%al\n\toutb %%al, $0xe9\n\tmovb $0x0a, %%al\n\toutb %%al, $0xe9" ::: "eax");
  __asm__ volatile("pushl $0x1234\n\tlcall $0x5b, $0" ::: "memory");
  __asm__ volatile("lcall $0x7b, $conforming_target" ::: "eax", "memory");
  __asm__ volatile("movl %%esp, %%ecx\n\tmovl $1f, %%edx\n\tsysenter\n1:" ::: "ecx", "edx", "memory");
  __asm__ volatile("movb $0x53, %%al\n\toutb %%al, $0xe9\n\tmovb $0x0a, %%al\n\toutb %%al, $0xe9" ::: "eax");
  EXPECT("cli");
  EXPECT("int $0x30");
  EXPECT("inb $0x80, %%al");
  EXPECT("movl 0x703000, %%eax");
  EXPECT("movl %%eax, 0x706000");
  __asm__ volatile("int3");
  __asm__ volatile("int $0x81");
  for (;;) {
  }
}

static void test_rings(void) {
  /* Task switches load CR3 from the TSS and never save it: both TSSs need the tables in use. */
  double_fault_tss[7] = read_cr3();
  main_tss[7] = read_cr3();
  double_fault_repairs_stack = 1;
  main_tss[1] = 0x700ff0; /* ESP0 on a not-present page: the first INT 0x80 double-faults */
  print("ring 3: #PF on the ring-0 stack during INT 0x80 -> #PF again -> #DF task; syscall, out 0xe9 (I/O bitmap), call gate, sysenter, cli, int 0x30, in, supervisor page, int3, return\n");
  enter_user(user_code, user_stack + sizeof user_stack);
  print("  back in ring 0\n");
}

static void test_v86(void) {
  /* mov ax, 0x1234; mov bx, 0x3000; mov es, bx; mov byte [es:0x10], 0x5a; int 0x10; hlt */
  static const u8 code[] = {0xb8, 0x34, 0x12, 0xbb, 0x00, 0x30, 0x8e, 0xc3, 0x26, 0xc6, 0x06, 0x10, 0x00, 0x5a, 0xcd, 0x10, 0xf4};
  /* mov ax, 0x5678; pushf; cli; popf; int 0x10; hlt */
  static const u8 code_iopl3[] = {0xb8, 0x78, 0x56, 0x9c, 0xfa, 0x9d, 0xcd, 0x10, 0xf4};
  for (unsigned i = 0; i < sizeof code; i++) ((volatile u8 *)0x20000)[i] = code[i];
  for (unsigned i = 0; i < sizeof code_iopl3; i++) ((volatile u8 *)0x20100)[i] = code_iopl3[i];
  print("virtual-8086 mode: segment arithmetic, INT 0x10 with IOPL 0\n");
  return_to_kernel = 1;
  enter_v86(0x2000, 0, 0x3000, 0x1000, 0x20002);
  print("  back in ring 0, byte at 0x30010=");
  print_hex(*(volatile u8 *)0x30010, 2);
  print("\n");
  print("virtual-8086 mode: PUSHF/CLI/POPF with IOPL 3, INT 0x10 through a DPL 0 gate\n");
  return_to_kernel = 1;
  enter_v86(0x2000, 0x100, 0x3000, 0x1000, 0x23002);
  print("  back in ring 0\n");
}

void test_main(void) {
  set_segment(1, 0, 0xfffff, 0x9a, 0xc);
  set_segment(2, 0, 0xfffff, 0x92, 0xc);
  set_segment(3, 0, 0xfffff, 0xfa, 0xc);
  set_segment(4, 0, 0xfffff, 0xf2, 0xc);
  set_segment(5, (u32)main_tss, 0x68 + 8192, 0x89, 0);
  set_segment(6, (u32)double_fault_tss, 0x67, 0x89, 0);
  set_segment(7, 0, 0xfffff, 0x12, 0xc);  /* data, not present */
  set_segment(8, (u32)short_tss, 0x20, 0x89, 0);
  set_segment(9, 0, 0xfffff, 0x90, 0xc);  /* read-only data */
  set_segment(10, 0, 0xfffff, 0x98, 0xc); /* execute-only code */
  set_segment(12, (u32)worker_tss, 0x67, 0x89, 0);
  set_segment(15, 0, 0xfffff, 0x9e, 0xc); /* conforming code, DPL 0 */
  set_segment(16, (u32)ldt, sizeof ldt - 1, 0x82, 0); /* LDT */
  set_segment(17, 0, 0xfffff, 0x1a, 0xc);             /* code, not present */
  gdt[13 * 2] = 0x60 << 16; /* task gate to the worker TSS */
  gdt[13 * 2 + 1] = 0x8500;
  gdt[11 * 2] = (0x08 << 16) | ((u32)call_gate_target & 0xffff); /* call gate, DPL 3, 1 parameter */
  gdt[11 * 2 + 1] = ((u32)call_gate_target & 0xffff0000) | 0xec00 | 1;
  gdt_descriptor.limit = sizeof gdt - 1;
  gdt_descriptor.base = (u32)gdt;
  __asm__ volatile("lgdt %0" ::"m"(gdt_descriptor));
  reload_segments();

  main_tss[1] = (u32)(interrupt_stack + sizeof interrupt_stack); /* ESP0 */
  main_tss[2] = 0x10;                                               /* SS0 */
  main_tss[25] = 0x68 << 16;                                        /* I/O bitmap right after the TSS */
  for (int i = 0; i < 2049; i++) main_tss[26 + i] = 0xffffffff;
  ((u8 *)&main_tss[26])[0xe9 >> 3] &= (u8) ~(1 << (0xe9 & 7));  /* ring 3 may write the debug console */
  double_fault_tss[7] = read_cr3();
  double_fault_tss[8] = (u32)double_fault_task;
  double_fault_tss[9] = 0x2;
  double_fault_tss[14] = (u32)double_fault_stack_top;
  double_fault_tss[18] = 0x10; /* ES */
  double_fault_tss[19] = 0x08; /* CS */
  double_fault_tss[20] = 0x10; /* SS */
  double_fault_tss[21] = 0x10; /* DS */
  double_fault_tss[22] = 0x10; /* FS */
  double_fault_tss[23] = 0x10; /* GS */
  __asm__ volatile("ltr %w0" ::"r"(0x28));

  void (*stubs[20])(void) = {interrupt_stub_0,  interrupt_stub_1,  interrupt_stub_2,  interrupt_stub_3,
                             interrupt_stub_4,  interrupt_stub_5,  interrupt_stub_6,  interrupt_stub_7,
                             interrupt_stub_8,  interrupt_stub_9,  interrupt_stub_10, interrupt_stub_11,
                             interrupt_stub_12, interrupt_stub_13, interrupt_stub_14, interrupt_stub_15,
                             interrupt_stub_16, interrupt_stub_17, interrupt_stub_18, interrupt_stub_19};
  for (int vector = 0; vector < 20; vector++) set_gate(vector, stubs[vector], 0x08, 0xe, vector == 3 || vector == 4 ? 3 : 0);
  idt[8 * 2] = 0x30 << 16; /* #DF: task gate to the double-fault TSS */
  idt[8 * 2 + 1] = 0x8500;
  set_gate(0x80, interrupt_stub_128, 0x08, 0xf, 3);
  set_gate(0x81, interrupt_stub_129, 0x08, 0xe, 3);
  set_gate(0x30, interrupt_stub_48, 0x08, 0xe, 0);
  idt_descriptor.limit = sizeof idt - 1;
  idt_descriptor.base = (u32)idt;
  __asm__ volatile("lidt %0" ::"m"(idt_descriptor));

  __asm__ volatile("wrmsr" ::"c"(0x174), "a"(0x08), "d"(0));
  __asm__ volatile("wrmsr" ::"c"(0x175), "a"((u32)(interrupt_stack + 4096)), "d"(0));
  __asm__ volatile("wrmsr" ::"c"(0x176), "a"((u32)sysenter_entry), "d"(0));

  print("system test: start\n");
  test_exceptions();
  test_descriptor_instructions();
  test_task_switches();
  test_ldt();
  if (SINGLE_STEP_TEST) test_single_step();
  test_v86();
  test_paging();
  test_self_modifying_code();
  test_rings();
  print("system test: done\n");
  outl(0xf4, 0);
  for (;;) __asm__ volatile("cli; hlt");
}
