/*
 * The RAM file system, open files, pipes and the character devices.
 *
 * The file system is one flat table of names ("/bin/sh", "/tmp/x"): there are no directories,
 * a path is just a key. File data lives in whole pages (at most MAX_FILE_PAGES per file), so
 * a file grows without copying. The user programs are linked into the kernel image by the
 * build (ramfs_image.S) and copied into files at boot; /proc/cmdline holds the kernel command
 * line, which is how programs learn their settings (e.g. benchmark iteration counts).
 */
#include "defs.h"
#include "paravirt.h"
#include "proc.h"

#define NINODE 64
#define NFILE 128
#define NAME_LENGTH 64
#define MAX_FILE_PAGES 256 /* 1 MiB */
#define PIPE_SIZE 4096

enum inode_type { INODE_FREE, INODE_FILE, INODE_NULL, INODE_ZERO, INODE_CONSOLE };
enum file_type { FILE_NONE, FILE_INODE, FILE_PIPE };

struct inode {
    enum inode_type type;
    char name[NAME_LENGTH];
    uint32_t size;
    uint32_t open_count;
    int unlinked; /* freed when the last open file closes */
    uint8_t *pages[MAX_FILE_PAGES];
};

struct pipe {
    uint8_t *buffer; /* one page */
    uint32_t read_position, write_position; /* free-running counters */
    int readers, writers;
};

struct file {
    enum file_type type;
    int references;
    int readable, writable, append;
    struct inode *inode;
    uint32_t offset;
    struct pipe *pipe;
};

static struct inode inodes[NINODE];
static struct file files[NFILE];

/* The embedded programs, from ramfs_image.S: a table of {name, start, end}. */
struct embedded_file {
    const char *name;
    const uint8_t *start, *end;
};
extern const struct embedded_file ramfs_embedded[];
extern const uint32_t ramfs_embedded_count;

static struct inode *inode_create(const char *name, enum inode_type type)
{
    for (int i = 0; i < NINODE; i++) {
        if (inodes[i].type == INODE_FREE) {
            memset(&inodes[i], 0, sizeof inodes[i]);
            inodes[i].type = type;
            strncpy_terminated(inodes[i].name, name, NAME_LENGTH);
            return &inodes[i];
        }
    }
    return NULL;
}

struct inode *ramfs_lookup(const char *path)
{
    for (int i = 0; i < NINODE; i++)
        if (inodes[i].type != INODE_FREE && !inodes[i].unlinked && strcmp(inodes[i].name, path) == 0)
            return &inodes[i];
    return NULL;
}

uint32_t inode_size(struct inode *ip) { return ip->size; }

/* The data page of a regular file that holds byte `offset` (exec maps these directly). */
void *ramfs_page(struct inode *ip, uint32_t offset)
{
    if (ip->type != INODE_FILE || offset >= ip->size || offset / PAGE_SIZE >= MAX_FILE_PAGES)
        return NULL;
    return ip->pages[offset / PAGE_SIZE];
}

static void inode_truncate(struct inode *ip)
{
    for (int i = 0; i < MAX_FILE_PAGES; i++) {
        if (ip->pages[i]) {
            page_free(ip->pages[i]);
            ip->pages[i] = NULL;
        }
    }
    ip->size = 0;
}

/* Writes kernel bytes into a file, growing it; returns bytes written or -ENOSPC. */
static int inode_write_kernel(struct inode *ip, uint32_t offset, const void *data, uint32_t length)
{
    const uint8_t *from = data;
    uint32_t done = 0;
    while (done < length) {
        uint32_t position = offset + done, index = position / PAGE_SIZE;
        if (index >= MAX_FILE_PAGES)
            break;
        if (ip->pages[index] == NULL && (ip->pages[index] = page_alloc()) == NULL)
            break;
        uint32_t chunk = PAGE_SIZE - position % PAGE_SIZE;
        if (chunk > length - done)
            chunk = length - done;
        memcpy(ip->pages[index] + position % PAGE_SIZE, from + done, chunk);
        done += chunk;
    }
    if (offset + done > ip->size)
        ip->size = offset + done;
    return done == 0 && length > 0 ? -ENOSPC : (int)done;
}

/* Reads file bytes into kernel memory (used by exec and file mmap). */
int ramfs_read(struct inode *ip, uint32_t offset, void *buffer, uint32_t length)
{
    uint8_t *to = buffer;
    if (offset >= ip->size)
        return 0;
    if (length > ip->size - offset)
        length = ip->size - offset;
    for (uint32_t done = 0; done < length;) {
        uint32_t position = offset + done, chunk = PAGE_SIZE - position % PAGE_SIZE;
        if (chunk > length - done)
            chunk = length - done;
        const uint8_t *page = ip->pages[position / PAGE_SIZE];
        if (page)
            memcpy(to + done, page + position % PAGE_SIZE, chunk);
        else
            memset(to + done, 0, chunk); /* a hole reads as zeros */
        done += chunk;
    }
    return (int)length;
}

void ramfs_init(const char *command_line)
{
    inode_create("/dev/null", INODE_NULL);
    inode_create("/dev/zero", INODE_ZERO);
    inode_create("/dev/console", INODE_CONSOLE);
    for (uint32_t i = 0; i < ramfs_embedded_count; i++) {
        const struct embedded_file *e = &ramfs_embedded[i];
        struct inode *ip = inode_create(e->name, INODE_FILE);
        if (ip == NULL || inode_write_kernel(ip, 0, e->start, (uint32_t)(e->end - e->start)) < 0)
            panic("ramfs: no room for %s", e->name);
    }
    struct inode *ip = inode_create("/proc/cmdline", INODE_FILE);
    inode_write_kernel(ip, 0, command_line, strlen(command_line));
    inode_write_kernel(ip, strlen(command_line), "\n", 1);
    kprintf("ramfs: %u programs\n", ramfs_embedded_count);
}

/* ---- open files ---- */

static struct file *file_allocate(void)
{
    for (int i = 0; i < NFILE; i++) {
        if (files[i].references == 0) {
            memset(&files[i], 0, sizeof files[i]);
            files[i].references = 1;
            return &files[i];
        }
    }
    return NULL;
}

struct file *file_duplicate(struct file *f)
{
    f->references++;
    return f;
}

void file_close(struct file *f)
{
    if (--f->references > 0)
        return;
    if (f->type == FILE_PIPE) {
        struct pipe *pipe = f->pipe;
        if (f->readable)
            pipe->readers--;
        if (f->writable)
            pipe->writers--;
        wakeup(pipe);
        if (pipe->readers == 0 && pipe->writers == 0) {
            page_free(pipe->buffer);
            page_free(pipe);
        }
    } else if (f->type == FILE_INODE) {
        struct inode *ip = f->inode;
        if (--ip->open_count == 0 && ip->unlinked) {
            inode_truncate(ip);
            ip->type = INODE_FREE;
        }
    }
    f->type = FILE_NONE;
}

/* Returns a new descriptor for `f` in the current process, or -EMFILE. */
static int fd_install(struct file *f)
{
    struct proc *p = current_process();
    for (int fd = 0; fd < NOFILE; fd++) {
        if (p->files[fd] == NULL) {
            p->files[fd] = f;
            return fd;
        }
    }
    return -EMFILE;
}

int sys_open(const char *path, int flags)
{
    struct inode *ip = ramfs_lookup(path);
    if (ip == NULL) {
        if ((flags & O_CREAT) == 0)
            return -ENOENT;
        if ((ip = inode_create(path, INODE_FILE)) == NULL)
            return -ENOSPC;
    } else if ((flags & O_TRUNC) && ip->type == INODE_FILE && (flags & O_ACCMODE) != O_RDONLY) {
        inode_truncate(ip);
    }
    struct file *f = file_allocate();
    if (f == NULL)
        return -ENFILE;
    f->type = FILE_INODE;
    f->inode = ip;
    f->readable = (flags & O_ACCMODE) != O_WRONLY;
    f->writable = (flags & O_ACCMODE) != O_RDONLY;
    f->append = (flags & O_APPEND) != 0;
    ip->open_count++;
    int fd = fd_install(f);
    if (fd < 0)
        file_close(f);
    return fd;
}

int unlink_path(const char *path)
{
    struct inode *ip = ramfs_lookup(path);
    if (ip == NULL)
        return -ENOENT;
    if (ip->type != INODE_FILE)
        return -EPERM;
    ip->unlinked = 1;
    if (ip->open_count == 0) {
        inode_truncate(ip);
        ip->type = INODE_FREE;
    }
    return 0;
}

static int pipe_read(struct pipe *pipe, uint32_t buffer, uint32_t length)
{
    while (pipe->read_position == pipe->write_position) {
        if (pipe->writers == 0)
            return 0;
        if (current_process()->signal_pending)
            return -EINTR;
        sleep_on(pipe);
    }
    uint32_t done = 0;
    while (done < length && pipe->read_position != pipe->write_position) {
        uint32_t index = pipe->read_position % PIPE_SIZE;
        uint32_t chunk = pipe->write_position - pipe->read_position;
        if (chunk > PIPE_SIZE - index)
            chunk = PIPE_SIZE - index;
        if (chunk > length - done)
            chunk = length - done;
        if (copy_to_user(buffer + done, pipe->buffer + index, chunk) < 0)
            return done ? (int)done : -EFAULT;
        pipe->read_position += chunk;
        done += chunk;
    }
    wakeup(pipe);
    return (int)done;
}

static int pipe_write(struct pipe *pipe, uint32_t buffer, uint32_t length)
{
    uint32_t done = 0;
    while (done < length) {
        if (pipe->readers == 0) {
            signal_send(current_process(), SIGPIPE);
            return done ? (int)done : -EPIPE;
        }
        if (pipe->write_position - pipe->read_position == PIPE_SIZE) {
            wakeup(pipe);
            if (current_process()->signal_pending)
                return done ? (int)done : -EINTR;
            sleep_on(pipe);
            continue;
        }
        uint32_t index = pipe->write_position % PIPE_SIZE;
        uint32_t chunk = PIPE_SIZE - (pipe->write_position - pipe->read_position);
        if (chunk > PIPE_SIZE - index)
            chunk = PIPE_SIZE - index;
        if (chunk > length - done)
            chunk = length - done;
        if (copy_from_user(pipe->buffer + index, buffer + done, chunk) < 0)
            return done ? (int)done : -EFAULT;
        pipe->write_position += chunk;
        done += chunk;
    }
    wakeup(pipe);
    return (int)done;
}

int pipe_create(struct file **read_end, struct file **write_end)
{
    struct pipe *pipe = page_alloc();
    uint8_t *buffer = page_alloc();
    struct file *r = file_allocate();
    struct file *w = r ? file_allocate() : NULL;
    if (!pipe || !buffer || !r || !w) {
        if (pipe)
            page_free(pipe);
        if (buffer)
            page_free(buffer);
        if (r)
            r->references = 0;
        if (w)
            w->references = 0;
        return -ENFILE;
    }
    pipe->buffer = buffer;
    pipe->readers = pipe->writers = 1;
    r->type = w->type = FILE_PIPE;
    r->pipe = w->pipe = pipe;
    r->readable = 1;
    w->writable = 1;
    *read_end = r;
    *write_end = w;
    return 0;
}

int file_read(struct file *f, uint32_t buffer, uint32_t length)
{
    if (!f->readable)
        return -EBADF;
    if (f->type == FILE_PIPE)
        return pipe_read(f->pipe, buffer, length);
    struct inode *ip = f->inode;
    switch (ip->type) {
    case INODE_NULL:
        return 0;
    case INODE_ZERO: {
        static const uint8_t zeros[256];
        for (uint32_t done = 0; done < length;) {
            uint32_t chunk = length - done < sizeof zeros ? length - done : sizeof zeros;
            if (copy_to_user(buffer + done, zeros, chunk) < 0)
                return -EFAULT;
            done += chunk;
        }
        return (int)length;
    }
    case INODE_CONSOLE: {
        /* Polled serial input: wait (tick by tick) for the first byte, then take what is there. */
        uint32_t done = 0;
        while (done < length) {
            int c = console_getc();
            if (c < 0) {
                if (done > 0)
                    break;
                if (current_process()->signal_pending)
                    return -EINTR;
                sleep_on((void *)&ticks);
                continue;
            }
            uint8_t byte = (uint8_t)(c == '\r' ? '\n' : c);
            console_putc((char)byte); /* echo */
            if (copy_to_user(buffer + done, &byte, 1) < 0)
                return -EFAULT;
            done++;
            if (byte == '\n')
                break;
        }
        return (int)done;
    }
    default:
        break;
    }
    uint32_t done = 0;
    while (done < length && f->offset < ip->size) {
        uint32_t position = f->offset, chunk = PAGE_SIZE - position % PAGE_SIZE;
        if (chunk > length - done)
            chunk = length - done;
        if (chunk > ip->size - position)
            chunk = ip->size - position;
        uint8_t *page = ip->pages[position / PAGE_SIZE];
        int result;
        if (page) {
            result = copy_to_user(buffer + done, page + position % PAGE_SIZE, chunk);
        } else {
            static const uint8_t zeros[PAGE_SIZE];
            result = copy_to_user(buffer + done, zeros, chunk);
        }
        if (result < 0)
            return done ? (int)done : -EFAULT;
        f->offset += chunk;
        done += chunk;
    }
    return (int)done;
}

int file_write(struct file *f, uint32_t buffer, uint32_t length)
{
    if (!f->writable)
        return -EBADF;
    if (f->type == FILE_PIPE)
        return pipe_write(f->pipe, buffer, length);
    struct inode *ip = f->inode;
    if (ip->type == INODE_NULL || ip->type == INODE_ZERO)
        return (int)length;
    if (ip->type == INODE_CONSOLE) {
        char chunk[128];
        for (uint32_t done = 0; done < length;) {
            uint32_t n = length - done < sizeof chunk ? length - done : sizeof chunk;
            if (copy_from_user(chunk, buffer + done, n) < 0)
                return done ? (int)done : -EFAULT;
            for (uint32_t i = 0; i < n; i++)
                console_putc(chunk[i]);
            done += n;
        }
        return (int)length;
    }
    if (f->append)
        f->offset = ip->size;
    uint32_t done = 0;
    while (done < length) {
        uint32_t position = f->offset, index = position / PAGE_SIZE;
        if (index >= MAX_FILE_PAGES)
            break;
        if (ip->pages[index] == NULL && (ip->pages[index] = page_alloc()) == NULL)
            break;
        uint32_t chunk = PAGE_SIZE - position % PAGE_SIZE;
        if (chunk > length - done)
            chunk = length - done;
        if (copy_from_user(ip->pages[index] + position % PAGE_SIZE, buffer + done, chunk) < 0)
            return done ? (int)done : -EFAULT;
        f->offset += chunk;
        done += chunk;
        if (f->offset > ip->size)
            ip->size = f->offset;
    }
    return done == 0 && length > 0 ? -ENOSPC : (int)done;
}

static void fill_stat(struct inode *ip, struct stat *st)
{
    memset(st, 0, sizeof *st);
    st->st_dev = 1;
    st->st_ino = (uint32_t)(ip - inodes) + 1;
    st->st_mode = ip->type == INODE_FILE ? S_IFREG | 0755 : S_IFCHR | 0666;
    st->st_nlink = 1;
    st->st_size = ip->size;
}

int file_stat(struct file *f, struct stat *st)
{
    if (f->type == FILE_PIPE) {
        memset(st, 0, sizeof *st);
        st->st_mode = S_IFIFO | 0600;
        st->st_size = f->pipe->write_position - f->pipe->read_position;
        return 0;
    }
    fill_stat(f->inode, st);
    return 0;
}

int stat_path(const char *path, struct stat *st)
{
    struct inode *ip = ramfs_lookup(path);
    if (ip == NULL)
        return -ENOENT;
    fill_stat(ip, st);
    return 0;
}

int file_seek(struct file *f, int offset, int whence)
{
    if (f->type != FILE_INODE || f->inode->type != INODE_FILE)
        return -ESPIPE;
    int64_t base = whence == SEEK_SET ? 0
                   : whence == SEEK_CUR ? (int64_t)f->offset
                   : whence == SEEK_END ? (int64_t)f->inode->size
                                        : -1;
    if (base < 0)
        return -EINVAL;
    int64_t position = base + offset;
    if (position < 0 || position > (int64_t)MAX_FILE_PAGES * PAGE_SIZE)
        return -EINVAL;
    f->offset = (uint32_t)position;
    return (int)position;
}

/* One page of a private file mapping: the file's bytes at `offset`, zeros past the end. */
int file_mmap_copy(struct file *f, uint32_t offset, void *page)
{
    if (f->type != FILE_INODE || f->inode->type != INODE_FILE || !f->readable)
        return -EINVAL;
    ramfs_read(f->inode, offset, page, PAGE_SIZE);
    return 0;
}

/* Used by syscall.c to install descriptors. */
int fd_install_file(struct file *f);
int fd_install_file(struct file *f) { return fd_install(f); }
