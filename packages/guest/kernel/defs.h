/* Declarations shared between kernel files (xv6's defs.h). */
#ifndef GUEST_DEFS_H
#define GUEST_DEFS_H

#include "types.h"
#include "x86.h"

struct proc;
struct file;
struct inode;
struct stat;

/* console.c */
void console_init(void);
void console_putc(char c);
int console_getc(void); /* -1 when no byte is waiting */
void kprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));
void panic(const char *format, ...) __attribute__((noreturn, format(printf, 1, 2)));
int ksnprintf(char *buffer, int size, const char *format, ...) __attribute__((format(printf, 3, 4)));
void machine_exit(int status) __attribute__((noreturn));

/* main.c */
int command_line_has(const char *word); /* a whole word of the kernel command line */

/* string.c */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strncpy_terminated(char *d, const char *s, size_t n);

/* mm.c: physical pages */
void page_allocator_init(uint32_t multiboot_info_physical);
void *page_alloc(void);          /* a zeroed page (kernel virtual address), or NULL */
void page_free(void *page);      /* drops one reference */
void page_reference(void *page); /* adds one (copy-on-write sharing) */
uint32_t page_references(void *page);
uint32_t pages_free(void);
extern uint32_t physical_memory_top; /* bytes of RAM the kernel maps */

/* vm.c: page tables */
void kernel_vm_init(void);
pte_t *page_directory_create(void);
void page_directory_destroy(pte_t *directory);
void switch_address_space(pte_t *directory);
void switch_kernel_address_space(void);
pte_t *walk(pte_t *directory, uint32_t va, int create);
int map_page(pte_t *directory, uint32_t va, uint32_t physical, uint32_t flags);
void unmap_range(pte_t *directory, uint32_t start, uint32_t end);
void set_user_pte(pte_t *directory, pte_t *where, uint32_t va, pte_t value);
int copy_address_space(pte_t *from, pte_t *to); /* copy-on-write */
int handle_user_fault(struct proc *p, uint32_t va, int write);
int copy_to_user(uint32_t destination, const void *source, uint32_t length);
int copy_from_user(void *destination, uint32_t source, uint32_t length);
int copy_string_from_user(char *destination, uint32_t source, uint32_t size);
void protect_range(pte_t *directory, uint32_t start, uint32_t end, int protection);
extern pte_t *kernel_page_directory;

/* trap.c, entry.S */
void gdt_init(void);
void idt_init(void);
void tss_set_kernel_stack(uint32_t esp0);
extern struct tss kernel_tss;
extern int sysenter_enabled;
void trapret(void);
void sysenter_return_path(void);
struct context;
void swtch(struct context **old, struct context *new);

/* timer.c */
void timer_init(void);
void timer_interrupt(void);
uint64_t uptime_nanoseconds(void);
extern volatile uint32_t ticks;
extern uint64_t tsc_hz;
void pic_acknowledge(int irq);

/* proc.c */
void process_init(void);
void scheduler(void) __attribute__((noreturn));
void yield(void);
void sleep_on(void *channel);
void wakeup(void *channel);
struct proc *current_process(void);
int sys_fork_impl(void);
void exit_process(int status) __attribute__((noreturn));
int wait_process(int *status_user);
int kill_process(int pid, int signal);
void user_init(void);

/* exec.c */
int exec(const char *path, char *const *argv, int argc);

/* signal.c */
void signal_deliver_pending(struct trapframe *tf);
int signal_send(struct proc *p, int signal);
void signal_fault(struct trapframe *tf, int signal);

/* syscall.c */
void syscall(struct trapframe *tf);

/* fs.c */
void ramfs_init(const char *command_line);
struct inode *ramfs_lookup(const char *path);
int ramfs_read(struct inode *ip, uint32_t offset, void *buffer, uint32_t length);
uint32_t inode_size(struct inode *ip);
void *ramfs_page(struct inode *ip, uint32_t offset); /* the page holding `offset`, or NULL */
void file_close(struct file *f);
struct file *file_duplicate(struct file *f);
int sys_open(const char *path, int flags);
int file_read(struct file *f, uint32_t user_buffer, uint32_t length);
int file_write(struct file *f, uint32_t user_buffer, uint32_t length);
int file_stat(struct file *f, struct stat *st);
int stat_path(const char *path, struct stat *st);
int file_seek(struct file *f, int offset, int whence);
int pipe_create(struct file **read_end, struct file **write_end);
int file_mmap_copy(struct file *f, uint32_t offset, void *page); /* fills one page */
int unlink_path(const char *path);

#endif
