/**
 * The Linux i386 system-call layer of `openvmi user`: `int 0x80` with the number in EAX and
 * arguments in EBX, ECX, EDX, ESI, EDI, EBP; the result (or -errno) goes back in EAX.
 *
 * Files are the host's (paths resolve against the guest's own working directory). Time is a
 * fixed deterministic clock that advances with retired instructions unless `realTime` is set.
 * There is one host thread: fork/vfork/clone (without CLONE_VM threads) run a copy of the
 * process to completion before returning in the parent, wait4 reaps it, execve replaces the
 * image in place, and pipes are buffers inside the runner (so pipelines run stage by stage).
 * Unknown syscalls return -ENOSYS and are reported once each through `diagnostics`.
 *
 * Every guest pointer is checked against the process's mapped pages before use (EFAULT), every
 * length is bounded, strings are read up to PATH_MAX: the guest cannot make the host read or
 * write outside guest RAM, or allocate without bound.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';
import { isatty } from 'node:tty';
import { type Cpu, Register, SegmentRegister } from '@openvmi/x86-core';
import { type AddressSpace, LOWEST_ADDRESS, PAGE_SIZE, pageAlignUp } from './address-space.js';
import { ElfError, parseElf } from './elf.js';
import { Errno, errnoFromHostError, SyscallError } from './errno.js';
import {
  DescriptorTable,
  hostOpenFlags,
  MAX_DESCRIPTORS,
  newOpenFile,
  type OpenFile,
  OpenFlag,
  type PipeBuffer,
  readFile,
  writeFile,
} from './files.js';
import { Syscall, syscallName } from './syscall-numbers.js';

/** Thrown to end the process (exit, exit_group, a fatal signal). */
export class ProcessExit {
  constructor(
    readonly status: number,
    readonly signal?: number,
  ) {}
}

/**
 * Thrown by execve once the new image has been read and validated: the process replaces its
 * CPU and memory with `image` and keeps its descriptors (minus close-on-exec) and directory.
 */
export class ExecRequest {
  constructor(
    readonly executable: string,
    readonly image: Uint8Array,
    readonly argv: string[],
    readonly environment: string[],
  ) {}
}

/** Most argv + envp entries and bytes execve accepts (E2BIG beyond). */
const MAX_EXEC_STRINGS = 4096;
const MAX_EXEC_BYTES = 128 * 1024;

/** What the syscall layer needs from the process. */
export interface SyscallContext {
  cpu: Cpu;
  space: AddressSpace;
  realTime: boolean;
  workingDirectory: string;
  diagnostics: (text: string) => void;
  standardFiles: OpenFile[];
  executable: string;
  /** The descriptor table of the image that called execve, or of a forked child's parent (replaces `standardFiles`). */
  inheritedFiles?: DescriptorTable;
  /** Runs a forked copy of the process to completion (absent: fork returns ENOSYS). */
  fork?: (request: ForkRequest) => { status: number; signal?: number } | null;
  /** Hands out process ids for children. */
  nextPid: () => number;
}

/** What the process needs to start a forked child. */
export interface ForkRequest {
  pid: number;
  /** Child's ESP (clone's new stack), 0 to keep the parent's. */
  stackPointer: number;
  /** Where CLONE_CHILD_SETTID stores the child's id in the child's memory, or 0. */
  childTidAddress: number;
}

/** Most bytes one read/write/getdents call moves (short counts are legal). */
const MAX_TRANSFER = 16 << 20;
/** PATH_MAX. */
const PATH_MAX = 4096;
/** The fixed clock's start: 2026-01-01T00:00:00Z. */
const FIXED_EPOCH_SECONDS = 1_767_225_600;
/** Nanoseconds of guest time per retired instruction in the fixed clock (a 100 MIPS machine). */
const NANOSECONDS_PER_INSTRUCTION = 10n;
const AT_FDCWD = -100;
const AT_SYMLINK_NOFOLLOW = 0x100;
const AT_REMOVEDIR = 0x200;
const AT_EMPTY_PATH = 0x1000;
/** The process id the guest sees. */
export const GUEST_PID = 1000;

const SIGNAL = {
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGCHLD: 17,
  SIGCONT: 18,
  SIGSTOP: 19,
  SIGTSTP: 20,
  SIGTTIN: 21,
  SIGTTOU: 22,
  SIGURG: 23,
  SIGWINCH: 28,
} as const;
const SIG_DFL = 0;
const SIG_IGN = 1;
const SA_SIGINFO = 0x4;
const SA_NODEFER = 0x40000000;
const SA_RESETHAND = 0x80000000;
const SA_RESTORER = 0x04000000;

interface SignalAction {
  handler: number;
  flags: number;
  restorer: number;
  mask: bigint;
}

/** File type bits of st_mode. */
const S_IFIFO = 0o010000;
const S_IFCHR = 0o020000;

/** Syscalls that deliberately return -ENOSYS without a report (glibc probes and falls back). */
const QUIET_ENOSYS = new Set<number>([
  Syscall.rseq,
  Syscall.set_robust_list,
  Syscall.arch_prctl,
  Syscall.personality,
]);

/** The syscall layer of one process. */
export class LinuxSyscalls {
  readonly files: DescriptorTable;
  /** Instructions retired so far (the process updates it; it drives the fixed clock). */
  instructionsRetired = 0;
  private readonly cpu: Cpu;
  private readonly space: AddressSpace;
  private workingDirectory: string;
  private umaskValue = 0o022;
  /** This process's id and its parent's (a forked child gets the next id). */
  pid = GUEST_PID;
  parentPid = GUEST_PID - 1;
  /** Children that ran to completion and wait to be reaped: pid and wait status. */
  private readonly children: Array<{ pid: number; waitStatus: number }> = [];
  private readonly reported = new Set<number>();
  private readonly actions = new Map<number, SignalAction>();
  private blocked = 0n;
  private readonly pending: number[] = [];
  private sleptNanoseconds = 0n;
  private randomState = 0x2545f491;
  private readonly tls: Array<Uint8Array | null> = [null, null, null];

  constructor(private readonly context: SyscallContext) {
    this.cpu = context.cpu;
    this.space = context.space;
    this.workingDirectory = context.workingDirectory;
    if (context.inheritedFiles !== undefined) {
      this.files = context.inheritedFiles;
    } else {
      this.files = new DescriptorTable();
      context.standardFiles.forEach((file, fd) => {
        this.files.installAt(fd, file);
      });
    }
    this.threadName.set(Buffer.from(path.basename(context.executable)).subarray(0, 15));
  }

  /** Writes a diagnostic line of the runner (not of the guest). */
  diagnostic(text: string): void {
    this.context.diagnostics(`openvmi user: ${text}`);
  }

  // ---------------------------------------------------------------- guest memory

  private checkRange(address: number, length: number): void {
    if (length < 0 || !this.space.check(address >>> 0, length)) throw new SyscallError(Errno.EFAULT);
  }

  private readBytes(address: number, length: number): Uint8Array {
    this.checkRange(address, length);
    return this.space.read(address >>> 0, length);
  }

  private writeBytes(address: number, bytes: Uint8Array): void {
    this.checkRange(address, bytes.length);
    this.space.write(address >>> 0, bytes);
  }

  private read32(address: number): number {
    this.checkRange(address, 4);
    return this.space.read32(address >>> 0);
  }

  private write32(address: number, value: number): void {
    this.checkRange(address, 4);
    this.space.write32(address >>> 0, value);
  }

  /** Reads a NUL-terminated string of at most `limit` bytes (ENAMETOOLONG beyond, EFAULT if unmapped). */
  private readString(address: number, limit = PATH_MAX): string {
    address >>>= 0;
    const bytes: number[] = [];
    for (let offset = 0; ; offset++) {
      if (offset >= limit) throw new SyscallError(Errno.ENAMETOOLONG);
      if (offset === 0 || ((address + offset) & (PAGE_SIZE - 1)) === 0) this.checkRange(address + offset, 1);
      const byte = this.space.memory.ram[address + offset] ?? 0;
      if (byte === 0) break;
      bytes.push(byte);
    }
    return Buffer.from(bytes).toString('latin1');
  }

  private readPath(address: number): string {
    const text = this.readString(address);
    if (text.length === 0) throw new SyscallError(Errno.ENOENT);
    return text;
  }

  /** Resolves a guest path (latin1 bytes) to a host path, relative to `dirfd` when it is relative. */
  private resolve(dirfd: number, guestPath: string): string {
    const hostPath = Buffer.from(guestPath, 'latin1').toString();
    if (path.isAbsolute(hostPath)) return hostPath;
    if (dirfd === AT_FDCWD) return path.resolve(this.workingDirectory, hostPath);
    const directory = this.files.get(dirfd);
    if (directory.kind !== 'directory') throw new SyscallError(Errno.ENOTDIR);
    return path.resolve(directory.path, hostPath);
  }

  // ---------------------------------------------------------------- dispatch

  /** Runs the syscall the guest asked for with `int 0x80` and puts the result in EAX. */
  dispatch(): void {
    const cpu = this.cpu;
    const number = cpu.readRegister(Register.Eax);
    const a = [
      cpu.readRegister(Register.Ebx),
      cpu.readRegister(Register.Ecx),
      cpu.readRegister(Register.Edx),
      cpu.readRegister(Register.Esi),
      cpu.readRegister(Register.Edi),
      cpu.readRegister(Register.Ebp),
    ] as const;
    let result: number;
    try {
      result = this.call(number, a[0], a[1], a[2], a[3], a[4], a[5]);
    } catch (error) {
      if (error instanceof SyscallError) result = -error.errno;
      else if (error instanceof ProcessExit || error instanceof ExecRequest) throw error;
      else result = -errnoFromHostError(error);
    }
    if (number !== Syscall.sigreturn && number !== Syscall.rt_sigreturn)
      cpu.writeRegister(Register.Eax, result >>> 0);
  }

  private unknown(number: number): number {
    if (!QUIET_ENOSYS.has(number) && !this.reported.has(number)) {
      this.reported.add(number);
      this.diagnostic(`unsupported syscall ${number} (${syscallName(number)}) returns -ENOSYS\n`);
    }
    return -Errno.ENOSYS;
  }

  private call(number: number, b: number, c: number, d: number, s: number, di: number, bp: number): number {
    const signed = (value: number): number => value | 0;
    switch (number) {
      case Syscall.exit:
      case Syscall.exit_group:
        throw new ProcessExit(b & 0xff);
      case Syscall.read:
        return this.read(signed(b), c, d, null);
      case Syscall.write:
        return this.write(signed(b), c, d, null);
      case Syscall.pread64:
        return this.read(signed(b), c, d, combine64(s, di));
      case Syscall.pwrite64:
        return this.write(signed(b), c, d, combine64(s, di));
      case Syscall.readv:
        return this.vector(signed(b), c, d, 'read');
      case Syscall.writev:
        return this.vector(signed(b), c, d, 'write');
      case Syscall.open:
        return this.open(AT_FDCWD, b, c, d);
      case Syscall.openat:
        return this.open(signed(b), c, d, s);
      case Syscall.creat:
        return this.open(AT_FDCWD, b, OpenFlag.Create | OpenFlag.WriteOnly | OpenFlag.Truncate, c);
      case Syscall.close:
        this.files.close(signed(b));
        return 0;
      case Syscall.lseek:
        return this.seek(signed(b), signed(c), d);
      case Syscall._llseek: {
        const position = this.seek(signed(b), combine64(d, c), di);
        this.writeBytes(s, uint64Bytes(BigInt(position)));
        return 0;
      }
      case Syscall.stat64:
        return this.stat(AT_FDCWD, b, c, 0, 'stat64');
      case Syscall.lstat64:
        return this.stat(AT_FDCWD, b, c, AT_SYMLINK_NOFOLLOW, 'stat64');
      case Syscall.fstat64:
        return this.fstat(signed(b), c, 'stat64');
      case Syscall.fstatat64:
        return this.stat(signed(b), c, d, s, 'stat64');
      case Syscall.statx:
        return this.stat(signed(b), c, di, d, 'statx');
      case Syscall.getdents64:
        return this.getdents64(signed(b), c, d);
      case Syscall.access:
        return this.access(AT_FDCWD, b, c);
      case Syscall.faccessat:
      case Syscall.faccessat2:
        return this.access(signed(b), c, d);
      case Syscall.readlink:
        return this.readlink(AT_FDCWD, b, c, d);
      case Syscall.readlinkat:
        return this.readlink(signed(b), c, d, s);
      case Syscall.getcwd: {
        const bytes = Buffer.from(`${this.workingDirectory}\0`);
        if (bytes.length > c) return -Errno.ERANGE;
        this.writeBytes(b, bytes);
        return bytes.length;
      }
      case Syscall.chdir:
        return this.chdir(this.resolve(AT_FDCWD, this.readPath(b)));
      case Syscall.fchdir: {
        const file = this.files.get(signed(b));
        if (file.kind !== 'directory') return -Errno.ENOTDIR;
        return this.chdir(file.path);
      }
      case Syscall.mkdir:
        return this.host(() =>
          fs.mkdirSync(this.resolve(AT_FDCWD, this.readPath(b)), { mode: c & ~this.umaskValue & 0o7777 }),
        );
      case Syscall.mkdirat:
        return this.host(() =>
          fs.mkdirSync(this.resolve(signed(b), this.readPath(c)), { mode: d & ~this.umaskValue & 0o7777 }),
        );
      case Syscall.rmdir:
        return this.host(() => fs.rmdirSync(this.resolve(AT_FDCWD, this.readPath(b))));
      case Syscall.unlink:
        return this.host(() => fs.unlinkSync(this.resolve(AT_FDCWD, this.readPath(b))));
      case Syscall.unlinkat: {
        const target = this.resolve(signed(b), this.readPath(c));
        return this.host(() => ((d & AT_REMOVEDIR) !== 0 ? fs.rmdirSync(target) : fs.unlinkSync(target)));
      }
      case Syscall.rename:
        return this.host(() =>
          fs.renameSync(this.resolve(AT_FDCWD, this.readPath(b)), this.resolve(AT_FDCWD, this.readPath(c))),
        );
      case Syscall.renameat:
      case Syscall.renameat2:
        return this.host(() =>
          fs.renameSync(this.resolve(signed(b), this.readPath(c)), this.resolve(signed(d), this.readPath(s))),
        );
      case Syscall.link:
        return this.host(() =>
          fs.linkSync(this.resolve(AT_FDCWD, this.readPath(b)), this.resolve(AT_FDCWD, this.readPath(c))),
        );
      case Syscall.linkat:
        return this.host(() =>
          fs.linkSync(this.resolve(signed(b), this.readPath(c)), this.resolve(signed(d), this.readPath(s))),
        );
      case Syscall.symlink:
        return this.host(() =>
          fs.symlinkSync(
            Buffer.from(this.readPath(b), 'latin1').toString(),
            this.resolve(AT_FDCWD, this.readPath(c)),
          ),
        );
      case Syscall.symlinkat:
        return this.host(() =>
          fs.symlinkSync(
            Buffer.from(this.readPath(b), 'latin1').toString(),
            this.resolve(signed(c), this.readPath(d)),
          ),
        );
      case Syscall.chmod:
        return this.host(() => fs.chmodSync(this.resolve(AT_FDCWD, this.readPath(b)), c & 0o7777));
      case Syscall.fchmodat:
        return this.host(() => fs.chmodSync(this.resolve(signed(b), this.readPath(c)), d & 0o7777));
      case Syscall.fchmod: {
        const file = this.files.get(signed(b));
        return this.host(() =>
          file.hostFd >= 0 ? fs.fchmodSync(file.hostFd, c & 0o7777) : fs.chmodSync(file.path, c & 0o7777),
        );
      }
      case Syscall.chown:
      case Syscall.chown32:
      case Syscall.lchown32:
      case Syscall.fchown:
      case Syscall.fchown32:
      case Syscall.fchownat:
        return this.chown(number, b, c, d, s, di);
      case Syscall.utimensat:
      case Syscall.utimensat_time64:
        return this.utimensat(signed(b), c, d, number === Syscall.utimensat_time64);
      case Syscall.utimes:
      case Syscall.utime:
        return this.host(() => {
          const now = this.now();
          const seconds = Number(now / 1_000_000_000n);
          fs.utimesSync(this.resolve(AT_FDCWD, this.readPath(b)), seconds, seconds);
        });
      case Syscall.truncate:
      case Syscall.truncate64:
        return this.host(() =>
          fs.truncateSync(
            this.resolve(AT_FDCWD, this.readPath(b)),
            number === Syscall.truncate64 ? combine64(c, d) : signed(c),
          ),
        );
      case Syscall.ftruncate:
      case Syscall.ftruncate64: {
        const file = this.files.get(signed(b));
        if (file.hostFd < 0 || !file.seekable) return -Errno.EINVAL;
        return this.host(() =>
          fs.ftruncateSync(file.hostFd, number === Syscall.ftruncate64 ? combine64(c, d) : signed(c)),
        );
      }
      case Syscall.fsync:
      case Syscall.fdatasync:
      case Syscall.sync:
        return 0;
      case Syscall.flock:
      case Syscall.fadvise64_64:
      case Syscall.madvise:
      case Syscall.msync:
      case Syscall.mlock:
      case Syscall.sched_yield:
        return 0;
      case Syscall.brk:
        return this.brk(b);
      case Syscall.mmap2:
        return this.mmap(b, c, d, s, signed(di), bp * PAGE_SIZE);
      case Syscall.mmap: {
        const block = this.readBytes(b, 24);
        const view = new DataView(block.buffer);
        const offset = view.getUint32(20, true);
        if (offset % PAGE_SIZE !== 0) return -Errno.EINVAL;
        return this.mmap(
          view.getUint32(0, true),
          view.getUint32(4, true),
          view.getUint32(8, true),
          view.getUint32(12, true),
          view.getInt32(16, true),
          offset,
        );
      }
      case Syscall.munmap:
        return this.munmap(b, c);
      case Syscall.mprotect:
        if (b % PAGE_SIZE !== 0) return -Errno.EINVAL;
        return this.space.check(b, pageAlignUp(c)) ? 0 : -Errno.ENOMEM;
      case Syscall.mremap:
        return this.mremap(b, c, d, s, di);
      case Syscall.uname:
        return this.uname(b);
      case Syscall.time: {
        const seconds = Number(this.now() / 1_000_000_000n);
        if (b !== 0) this.write32(b, seconds);
        return seconds;
      }
      case Syscall.gettimeofday: {
        const now = this.now();
        if (b !== 0) {
          const bytes = new Uint8Array(8);
          const view = new DataView(bytes.buffer);
          view.setUint32(0, Number(now / 1_000_000_000n), true);
          view.setUint32(4, Number((now % 1_000_000_000n) / 1000n), true);
          this.writeBytes(b, bytes);
        }
        if (c !== 0) this.writeBytes(c, new Uint8Array(8));
        return 0;
      }
      case Syscall.clock_gettime:
      case Syscall.clock_gettime64:
        return this.clockGettime(b, c, number === Syscall.clock_gettime64);
      case Syscall.clock_getres:
      case Syscall.clock_getres_time64:
        if (c !== 0) this.writeTimespec(c, 1n, number === Syscall.clock_getres_time64);
        return 0;
      case Syscall.nanosleep:
        return this.sleep(b, false);
      case Syscall.clock_nanosleep:
      case Syscall.clock_nanosleep_time64:
        if ((c & 1) !== 0) return 0; // TIMER_ABSTIME: the fixed clock is already there
        return this.sleep(d, number === Syscall.clock_nanosleep_time64);
      case Syscall.times: {
        if (b !== 0) this.writeBytes(b, new Uint8Array(16));
        return Number((this.now() / 10_000_000n) & 0x7fffffffn);
      }
      case Syscall.getrusage:
        this.writeBytes(c, new Uint8Array(72));
        return 0;
      case Syscall.getpid:
      case Syscall.gettid:
      case Syscall.getpgrp:
      case Syscall.getsid:
      case Syscall.set_tid_address:
        return this.pid;
      case Syscall.getpgid:
        return this.pid;
      case Syscall.getppid:
        return this.parentPid;
      case Syscall.setpgid:
      case Syscall.setsid:
        return number === Syscall.setsid ? -Errno.EPERM : 0;
      case Syscall.getuid:
      case Syscall.geteuid:
      case Syscall.getuid32:
      case Syscall.geteuid32:
        return typeof process.getuid === 'function' ? process.getuid() : 0;
      case Syscall.getgid:
      case Syscall.getegid:
      case Syscall.getgid32:
      case Syscall.getegid32:
        return typeof process.getgid === 'function' ? process.getgid() : 0;
      case Syscall.getresuid32:
      case Syscall.getresgid32: {
        const id = number === Syscall.getresuid32 ? (process.getuid?.() ?? 0) : (process.getgid?.() ?? 0);
        this.write32(b, id);
        this.write32(c, id);
        this.write32(d, id);
        return 0;
      }
      case Syscall.getgroups:
      case Syscall.getgroups32:
        return 0;
      case Syscall.setuid:
      case Syscall.setuid32:
      case Syscall.setgid:
      case Syscall.setgid32:
      case Syscall.setreuid32:
      case Syscall.setregid32:
      case Syscall.setresuid32:
      case Syscall.setresgid32:
        return 0;
      case Syscall.set_thread_area:
        return this.setThreadArea(b);
      case Syscall.get_thread_area:
        return this.getThreadArea(b);
      case Syscall.futex:
      case Syscall.futex_time64: {
        const operation = c & 0x7f;
        if (operation === 1) return 0; // FUTEX_WAKE: nobody waits
        if (operation === 0 || operation === 9)
          return this.read32(b) !== d >>> 0 ? -Errno.EAGAIN : -Errno.EINVAL;
        return -Errno.ENOSYS;
      }
      case Syscall.rt_sigaction:
        return this.sigaction(signed(b), c, d, s);
      case Syscall.rt_sigprocmask:
        return this.sigprocmask(signed(b), c, d, s);
      case Syscall.sigreturn:
        return this.sigreturn(false);
      case Syscall.rt_sigreturn:
        return this.sigreturn(true);
      case Syscall.rt_sigpending:
        this.writeBytes(
          b,
          uint64Bytes(this.pending.reduce((set, signal) => set | (1n << BigInt(signal - 1)), 0n)),
        );
        return 0;
      case Syscall.sigaltstack:
        if (c !== 0) this.writeBytes(c, new Uint8Array([0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])); // SS_DISABLE
        return 0;
      case Syscall.kill:
      case Syscall.tkill:
        return this.kill(signed(b), signed(c));
      case Syscall.tgkill:
        return this.kill(signed(b), signed(d));
      case Syscall.alarm:
        return 0;
      case Syscall.pause:
      case Syscall.rt_sigsuspend:
        this.diagnostic(`${syscallName(number)} would wait forever: no other process can send a signal\n`);
        throw new ProcessExit(128 + SIGNAL.SIGKILL, SIGNAL.SIGKILL);
      case Syscall.ioctl:
        return this.ioctl(signed(b), c, d);
      case Syscall.fcntl:
      case Syscall.fcntl64:
        return this.fcntl(signed(b), c, d);
      case Syscall.dup:
        return this.files.install(this.files.get(signed(b)));
      case Syscall.dup2: {
        const file = this.files.get(signed(b));
        if (signed(b) === signed(c)) return signed(c);
        return this.files.installAt(signed(c), file);
      }
      case Syscall.dup3: {
        const file = this.files.get(signed(b));
        if (signed(b) === signed(c)) return -Errno.EINVAL;
        return this.files.installAt(signed(c), file, (d & OpenFlag.CloseOnExec) !== 0);
      }
      case Syscall.pipe:
      case Syscall.pipe2:
        return this.pipe(b, number === Syscall.pipe2 ? c : 0);
      case Syscall.umask: {
        const old = this.umaskValue;
        this.umaskValue = b & 0o777;
        return old;
      }
      case Syscall.getrlimit:
      case Syscall.ugetrlimit:
        return this.getrlimit(b, c);
      case Syscall.prlimit64:
        return this.prlimit(signed(b), c, d, s);
      case Syscall.setrlimit:
        return 0;
      case Syscall.sysinfo:
        return this.sysinfo(b);
      case Syscall.poll:
        return this.poll(b, c);
      case Syscall.ppoll:
      case Syscall.ppoll_time64:
        return this.poll(b, c);
      case Syscall._newselect:
      case Syscall.pselect6:
      case Syscall.pselect6_time64:
        return this.select(signed(b), c, d, s);
      case Syscall.getrandom: {
        const length = Math.min(c, 256);
        const bytes = new Uint8Array(length);
        if (this.context.realTime) crypto.getRandomValues(bytes);
        else for (let index = 0; index < length; index++) bytes[index] = this.nextRandomByte();
        this.writeBytes(b, bytes);
        return length;
      }
      case Syscall.fork:
      case Syscall.vfork:
        return this.fork(0, 0, 0, 0);
      case Syscall.clone:
        return this.fork(b, c, d, di);
      case Syscall.wait4:
      case Syscall.waitpid:
        return this.wait(signed(b), c, d);
      case Syscall.execve:
        return this.execve(b, c, d);
      case Syscall.sendfile:
      case Syscall.sendfile64:
        return this.sendfile(signed(b), signed(c), d, s, number === Syscall.sendfile64);
      case Syscall.getpriority:
        return 20;
      case Syscall.setpriority:
        return 0;
      case Syscall.sched_getaffinity: {
        const length = Math.min(c, 128);
        if (length < 4) return -Errno.EINVAL;
        const bytes = new Uint8Array(length);
        bytes[0] = 1;
        this.writeBytes(d, bytes);
        return length;
      }
      case Syscall.prctl:
        return this.prctl(b, c);
      default:
        return this.unknown(number);
    }
  }

  private threadName = new Uint8Array(16);

  /**
   * fork/vfork/clone without CLONE_VM threads: the child is a copy of this process that runs to
   * completion before the call returns in the parent (single host thread); its status waits for
   * wait4. Pipelines therefore run stage by stage through the in-process pipe buffers.
   */
  private fork(flags: number, newStack: number, parentTidAddress: number, childTidAddress: number): number {
    const CLONE_VM = 0x100;
    const CLONE_VFORK = 0x4000;
    const CLONE_THREAD = 0x10000;
    const CLONE_PARENT_SETTID = 0x100000;
    const CLONE_CHILD_SETTID = 0x1000000;
    if ((flags & CLONE_THREAD) !== 0 || ((flags & CLONE_VM) !== 0 && (flags & CLONE_VFORK) === 0)) {
      if (!this.reported.has(-1)) {
        this.reported.add(-1);
        this.diagnostic('clone of a thread (CLONE_VM/CLONE_THREAD) is not supported; returning -ENOSYS\n');
      }
      return -Errno.ENOSYS;
    }
    const fork = this.context.fork;
    if (fork === undefined) return -Errno.ENOSYS;
    const childPid = this.context.nextPid();
    if ((flags & CLONE_PARENT_SETTID) !== 0) this.write32(parentTidAddress, childPid);
    const outcome = fork({
      pid: childPid,
      stackPointer: newStack,
      childTidAddress: (flags & CLONE_CHILD_SETTID) !== 0 ? childTidAddress : 0,
    });
    if (outcome === null) return -Errno.EAGAIN; // too many nested children (RLIMIT_NPROC-like)
    this.children.push({
      pid: childPid,
      waitStatus: outcome.signal === undefined ? (outcome.status & 0xff) << 8 : outcome.signal & 0x7f,
    });
    return childPid;
  }

  /** Copies this layer's process state into a forked child's layer. */
  copyInto(child: LinuxSyscalls, pid: number): void {
    child.pid = pid;
    child.parentPid = this.pid;
    child.workingDirectory = this.workingDirectory;
    child.umaskValue = this.umaskValue;
    for (const [signal, action] of this.actions) child.actions.set(signal, { ...action });
    child.blocked = this.blocked;
    this.tls.forEach((descriptor, index) => {
      child.tls[index] = descriptor === null ? null : descriptor.slice();
    });
    child.threadName = this.threadName.slice();
    child.instructionsRetired = this.instructionsRetired;
    child.sleptNanoseconds = this.sleptNanoseconds;
  }

  private wait(pid: number, statusAddress: number, options: number): number {
    const index = this.children.findIndex(
      (child) => pid === -1 || pid === 0 || child.pid === pid || -pid === this.pid,
    );
    if (index < 0) return -Errno.ECHILD;
    const child = this.children[index] as { pid: number; waitStatus: number };
    if (statusAddress !== 0) this.write32(statusAddress, child.waitStatus);
    this.children.splice(index, 1);
    void options;
    return child.pid;
  }

  /** The guest's current working directory (host path). */
  get currentDirectory(): string {
    return this.workingDirectory;
  }

  private readStringArray(address: number, budget: { strings: number; bytes: number }): string[] {
    const strings: string[] = [];
    if (address === 0) return strings;
    for (let index = 0; ; index++) {
      const pointer = this.read32(address + index * 4);
      if (pointer === 0) return strings;
      if (--budget.strings < 0) throw new SyscallError(Errno.E2BIG);
      const text = this.readString(pointer, MAX_EXEC_BYTES);
      budget.bytes -= text.length + 1;
      if (budget.bytes < 0) throw new SyscallError(Errno.E2BIG);
      strings.push(Buffer.from(text, 'latin1').toString());
    }
  }

  /** execve: validates the new image here (errors return to the caller), then hands over. */
  private execve(pathAddress: number, argvAddress: number, environmentAddress: number): number {
    const guestPath = this.readPath(pathAddress);
    const target =
      guestPath === '/proc/self/exe' ? this.context.executable : this.resolve(AT_FDCWD, guestPath);
    const budget = { strings: MAX_EXEC_STRINGS, bytes: MAX_EXEC_BYTES };
    const argv = this.readStringArray(argvAddress, budget);
    const environment = this.readStringArray(environmentAddress, budget);
    let image: Uint8Array;
    try {
      if (!fs.statSync(target).isFile()) return -Errno.EACCES;
      fs.accessSync(target, fs.constants.X_OK);
      image = fs.readFileSync(target);
    } catch (error) {
      return -errnoFromHostError(error);
    }
    try {
      parseElf(image);
    } catch (error) {
      if (error instanceof ElfError) return -Errno.ENOEXEC;
      throw error;
    }
    throw new ExecRequest(target, image, argv, environment);
  }

  private sendfile(
    outFd: number,
    inFd: number,
    offsetAddress: number,
    count: number,
    offset64: boolean,
  ): number {
    const input = this.files.get(inFd);
    const output = this.files.get(outFd);
    let position: number | null = null;
    if (offsetAddress !== 0) {
      const bytes = this.readBytes(offsetAddress, offset64 ? 8 : 4);
      const view = new DataView(bytes.buffer);
      position = offset64 ? Number(view.getBigInt64(0, true)) : view.getInt32(0, true);
      if (position < 0) return -Errno.EINVAL;
      if (!input.seekable) return -Errno.ESPIPE;
    }
    const length = Math.min(count, 1 << 20);
    const buffer = new Uint8Array(length);
    const got = readFile(input, buffer, position);
    const written = got === 0 ? 0 : writeFile(output, buffer.subarray(0, got), null);
    if (offsetAddress !== 0 && position !== null) {
      const bytes = new Uint8Array(offset64 ? 8 : 4);
      const view = new DataView(bytes.buffer);
      if (offset64) view.setBigInt64(0, BigInt(position + written), true);
      else view.setInt32(0, position + written, true);
      this.writeBytes(offsetAddress, bytes);
    }
    return written;
  }

  private prctl(option: number, argument: number): number {
    const PR_SET_NAME = 15;
    const PR_GET_NAME = 16;
    if (option === PR_SET_NAME) {
      const name = Buffer.from(this.readString(argument, 1 << 16), 'latin1').subarray(0, 15);
      this.threadName = new Uint8Array(16);
      this.threadName.set(name);
      return 0;
    }
    if (option === PR_GET_NAME) {
      this.writeBytes(argument, this.threadName);
      return 0;
    }
    return -Errno.EINVAL;
  }

  private host(action: () => void): number {
    try {
      action();
      return 0;
    } catch (error) {
      if (error instanceof SyscallError) throw error;
      return -errnoFromHostError(error);
    }
  }

  // ---------------------------------------------------------------- files

  private read(fd: number, buffer: number, count: number, position: number | null): number {
    const file = this.files.get(fd);
    if (count > 0x7fffffff) return -Errno.EINVAL;
    const length = Math.min(count, MAX_TRANSFER);
    this.checkRange(buffer, length);
    if (length === 0) return 0;
    if (position !== null && !file.seekable) return -Errno.ESPIPE;
    const target = this.space.view(buffer >>> 0, length);
    const got = readFile(file, target, position);
    this.space.wrote(buffer >>> 0, got);
    return got;
  }

  private write(fd: number, buffer: number, count: number, position: number | null): number {
    const file = this.files.get(fd);
    if (count > 0x7fffffff) return -Errno.EINVAL;
    const length = Math.min(count, MAX_TRANSFER);
    const bytes = this.readBytes(buffer, length);
    if (position !== null && !file.seekable) return -Errno.ESPIPE;
    try {
      return writeFile(file, bytes, position);
    } catch (error) {
      if (error instanceof SyscallError && error.errno === Errno.EPIPE) this.raiseSignal(SIGNAL.SIGPIPE);
      throw error;
    }
  }

  private vector(fd: number, iov: number, count: number, direction: 'read' | 'write'): number {
    if (count > 1024) return -Errno.EINVAL;
    const entries = this.readBytes(iov, count * 8);
    const view = new DataView(entries.buffer);
    let total = 0;
    for (let index = 0; index < count; index++) {
      const base = view.getUint32(index * 8, true);
      const length = view.getUint32(index * 8 + 4, true);
      if (length === 0) continue;
      let done: number;
      try {
        done = direction === 'read' ? this.read(fd, base, length, null) : this.write(fd, base, length, null);
      } catch (error) {
        if (total > 0) return total;
        throw error;
      }
      if (done < 0) return total > 0 ? total : done;
      total += done;
      if (done < length) break;
    }
    return total;
  }

  private open(dirfd: number, pathAddress: number, flags: number, mode: number): number {
    const target = this.resolve(dirfd, this.readPath(pathAddress));
    let stats: fs.Stats | undefined;
    try {
      stats = fs.statSync(target);
    } catch {
      stats = undefined;
    }
    const closeOnExec = (flags & OpenFlag.CloseOnExec) !== 0;
    if (stats?.isDirectory()) {
      if ((flags & OpenFlag.AccessMode) !== 0 || (flags & OpenFlag.Create) !== 0) return -Errno.EISDIR;
      return this.files.install(newOpenFile('directory', { path: target, flags }), closeOnExec);
    }
    if ((flags & OpenFlag.Directory) !== 0) return stats === undefined ? -Errno.ENOENT : -Errno.ENOTDIR;
    try {
      const hostFd = fs.openSync(target, hostOpenFlags(flags), mode & ~this.umaskValue & 0o7777);
      const seekable = fs.fstatSync(hostFd).isFile();
      const file = newOpenFile('host', { hostFd, ownsHostFd: true, path: target, seekable, flags });
      return this.files.install(file, closeOnExec);
    } catch (error) {
      if (error instanceof SyscallError) throw error;
      return -errnoFromHostError(error);
    }
  }

  private seek(fd: number, offset: number, whence: number): number {
    const file = this.files.get(fd);
    if (file.kind === 'directory') {
      if (whence === 0 && offset === 0) {
        delete file.directoryEntries;
        file.position = 0;
        return 0;
      }
      return -Errno.EINVAL;
    }
    if (file.kind === 'input') {
      const base = whence === 0 ? 0 : whence === 1 ? file.position : (file.input?.length ?? 0);
      if (whence > 2 || base + offset < 0) return -Errno.EINVAL;
      file.position = base + offset;
      return file.position;
    }
    if (!file.seekable) return -Errno.ESPIPE;
    let base: number;
    if (whence === 0) base = 0;
    else if (whence === 1) base = file.position;
    else if (whence === 2) base = fs.fstatSync(file.hostFd).size;
    else return -Errno.EINVAL;
    if (base + offset < 0) return -Errno.EINVAL;
    file.position = base + offset;
    return file.position;
  }

  private chdir(target: string): number {
    try {
      if (!fs.statSync(target).isDirectory()) return -Errno.ENOTDIR;
    } catch (error) {
      return -errnoFromHostError(error);
    }
    this.workingDirectory = target;
    return 0;
  }

  private access(dirfd: number, pathAddress: number, mode: number): number {
    const target = this.resolve(dirfd, this.readPath(pathAddress));
    return this.host(() => fs.accessSync(target, mode & 7));
  }

  private readlink(dirfd: number, pathAddress: number, buffer: number, size: number): number {
    const guestPath = this.readPath(pathAddress);
    if (guestPath === '/proc/self/exe') {
      const bytes = Buffer.from(this.context.executable).subarray(0, size);
      this.writeBytes(buffer, bytes);
      return bytes.length;
    }
    const target = this.resolve(dirfd, guestPath);
    try {
      const link = fs.readlinkSync(target, { encoding: 'buffer' });
      const bytes = link.subarray(0, Math.min(size, link.length));
      this.writeBytes(buffer, bytes);
      return bytes.length;
    } catch (error) {
      if (error instanceof SyscallError) throw error;
      return -errnoFromHostError(error);
    }
  }

  private chown(number: number, b: number, c: number, d: number, s: number, di: number): number {
    const id = (value: number): number => (value === 0xffffffff || value === 0xffff ? -1 : value);
    return this.host(() => {
      if (number === Syscall.fchown || number === Syscall.fchown32) {
        const file = this.files.get(b | 0);
        fs.chownSync(file.path, id(c), id(d));
      } else if (number === Syscall.fchownat) {
        const target = this.resolve(b | 0, this.readPath(c));
        ((di & AT_SYMLINK_NOFOLLOW) !== 0 ? fs.lchownSync : fs.chownSync)(target, id(d), id(s));
      } else {
        const target = this.resolve(AT_FDCWD, this.readPath(b));
        (number === Syscall.lchown32 ? fs.lchownSync : fs.chownSync)(target, id(c), id(d));
      }
    });
  }

  private utimensat(dirfd: number, pathAddress: number, times: number, time64: boolean): number {
    const now = Number(this.now()) / 1e9;
    let access = now;
    let modification = now;
    if (times !== 0) {
      const size = time64 ? 16 : 8;
      const bytes = this.readBytes(times, size * 2);
      const view = new DataView(bytes.buffer);
      const read = (at: number): number | null => {
        const seconds = time64 ? Number(view.getBigInt64(at, true)) : view.getInt32(at, true);
        const nanoseconds = time64 ? Number(view.getBigInt64(at + 8, true)) : view.getInt32(at + 4, true);
        if (nanoseconds === 0x3fffffff) return now; // UTIME_NOW
        if (nanoseconds === 0x3ffffffe) return null; // UTIME_OMIT
        return seconds + nanoseconds / 1e9;
      };
      access = read(0) ?? Number.NaN;
      modification = read(size) ?? Number.NaN;
    }
    const target =
      pathAddress === 0 ? this.files.get(dirfd).path : this.resolve(dirfd, this.readPath(pathAddress));
    return this.host(() => {
      const current = fs.statSync(target);
      fs.utimesSync(
        target,
        Number.isNaN(access) ? current.atime : access,
        Number.isNaN(modification) ? current.mtime : modification,
      );
    });
  }

  // ---------------------------------------------------------------- stat

  private stat(
    dirfd: number,
    pathAddress: number,
    buffer: number,
    flags: number,
    layout: 'stat64' | 'statx',
  ): number {
    const guestPath = this.readString(pathAddress);
    if (guestPath.length === 0) {
      if ((flags & AT_EMPTY_PATH) === 0) return -Errno.ENOENT;
      return this.fstat(dirfd, buffer, layout);
    }
    const target = this.resolve(dirfd, guestPath);
    let stats: fs.BigIntStats;
    try {
      stats =
        (flags & AT_SYMLINK_NOFOLLOW) !== 0
          ? fs.lstatSync(target, { bigint: true })
          : fs.statSync(target, { bigint: true });
    } catch (error) {
      return -errnoFromHostError(error);
    }
    this.writeBytes(buffer, layout === 'stat64' ? encodeStat64(stats) : encodeStatx(stats));
    return 0;
  }

  private fstat(fd: number, buffer: number, layout: 'stat64' | 'statx'): number {
    const file = this.files.get(fd);
    let stats: fs.BigIntStats;
    if (file.hostFd >= 0) stats = fs.fstatSync(file.hostFd, { bigint: true });
    else if (file.kind === 'directory') stats = fs.statSync(file.path, { bigint: true });
    else stats = this.syntheticStats(file);
    this.writeBytes(buffer, layout === 'stat64' ? encodeStat64(stats) : encodeStatx(stats));
    return 0;
  }

  /** Stats for in-process streams: a FIFO (pipes, captured output) or a character device. */
  private syntheticStats(file: OpenFile): fs.BigIntStats {
    const mode = BigInt(
      file.kind === 'output' || file.kind.startsWith('pipe') || file.kind === 'input'
        ? S_IFIFO | 0o600
        : S_IFCHR | 0o620,
    );
    const zero = 0n;
    const time = this.now();
    const inode = file.pipe !== undefined ? BigInt(file.pipe.inode) : 0x10000n + BigInt(file.references);
    return {
      dev: 0xcn,
      ino: inode,
      mode,
      nlink: 1n,
      uid: BigInt(process.getuid?.() ?? 0),
      gid: BigInt(process.getgid?.() ?? 0),
      rdev: zero,
      size: zero,
      blksize: 4096n,
      blocks: zero,
      atimeNs: time,
      mtimeNs: time,
      ctimeNs: time,
      birthtimeNs: time,
    } as unknown as fs.BigIntStats;
  }

  private getdents64(fd: number, buffer: number, count: number): number {
    const file = this.files.get(fd);
    if (file.kind !== 'directory') return -Errno.ENOTDIR;
    const length = Math.min(count, MAX_TRANSFER);
    this.checkRange(buffer, length);
    if (file.directoryEntries === undefined) {
      const entries: Array<{ name: string; inode: bigint; type: number }> = [];
      try {
        const self = fs.statSync(file.path, { bigint: true });
        const parent = fs.statSync(path.dirname(file.path), { bigint: true });
        entries.push({ name: '.', inode: self.ino, type: 4 }, { name: '..', inode: parent.ino, type: 4 });
        for (const entry of fs.readdirSync(file.path, { withFileTypes: true })) {
          let inode = 0n;
          try {
            inode = fs.lstatSync(path.join(file.path, entry.name), { bigint: true }).ino;
          } catch {
            inode = 0n;
          }
          entries.push({ name: entry.name, inode, type: direntType(entry) });
        }
      } catch (error) {
        return -errnoFromHostError(error);
      }
      file.directoryEntries = entries;
      file.position = 0;
    }
    const entries = file.directoryEntries;
    const out = new Uint8Array(length);
    const view = new DataView(out.buffer);
    let used = 0;
    while (file.position < entries.length) {
      const entry = entries[file.position];
      if (entry === undefined) break;
      const name = Buffer.from(entry.name);
      const recordLength = Math.ceil((19 + name.length + 1) / 8) * 8;
      if (used + recordLength > length) {
        if (used === 0) return -Errno.EINVAL;
        break;
      }
      view.setBigUint64(used, entry.inode, true);
      view.setBigInt64(used + 8, BigInt(file.position + 1), true);
      view.setUint16(used + 16, recordLength, true);
      out[used + 18] = entry.type;
      out.set(name, used + 19);
      used += recordLength;
      file.position++;
    }
    this.writeBytes(buffer, out.subarray(0, used));
    return used;
  }

  // ---------------------------------------------------------------- memory

  private brk(requested: number): number {
    const space = this.space;
    if (requested === 0 || requested < space.brkStart) return space.brk;
    const oldEnd = pageAlignUp(space.brk);
    const newEnd = pageAlignUp(requested);
    if (newEnd > oldEnd) {
      if (!space.isFree(oldEnd, newEnd - oldEnd)) return space.brk;
      space.mapRange(oldEnd, newEnd - oldEnd);
    } else if (newEnd < oldEnd) {
      space.unmapRange(newEnd, oldEnd - newEnd);
    }
    space.brk = requested;
    return requested;
  }

  private mmap(
    address: number,
    length: number,
    _protection: number,
    flags: number,
    fd: number,
    offset: number,
  ): number {
    const MAP_FIXED = 0x10;
    const MAP_ANONYMOUS = 0x20;
    const space = this.space;
    if (length === 0 || length > 0x7fffffff) return -Errno.EINVAL;
    if ((flags & 3) === 0) return -Errno.EINVAL;
    const size = pageAlignUp(length);
    let file: OpenFile | undefined;
    if ((flags & MAP_ANONYMOUS) === 0) {
      file = this.files.get(fd);
      if (file.kind !== 'host' || !file.seekable) return -Errno.ENODEV;
    }
    let start: number;
    if ((flags & MAP_FIXED) !== 0) {
      if (address % PAGE_SIZE !== 0) return -Errno.EINVAL;
      if (address < LOWEST_ADDRESS || address + size > space.stackTop) return -Errno.ENOMEM;
      space.unmapRange(address, size);
      start = address;
    } else if (address !== 0 && address % PAGE_SIZE === 0 && space.isFree(address, size)) {
      start = address;
    } else {
      start = space.findFree(size);
      if (start < 0) return -Errno.ENOMEM;
    }
    space.mapRange(start, size);
    space.memory.ram.fill(0, start, start + size);
    if (file !== undefined) {
      const target = space.view(start, Math.min(length, size));
      let done = 0;
      while (done < target.length) {
        const got = fs.readSync(file.hostFd, target, done, target.length - done, offset + done);
        if (got === 0) break;
        done += got;
      }
    }
    space.wrote(start, size);
    return start;
  }

  private munmap(address: number, length: number): number {
    if (address % PAGE_SIZE !== 0 || length === 0) return -Errno.EINVAL;
    const size = pageAlignUp(length);
    if (address < LOWEST_ADDRESS || address + size > this.space.stackTop) return -Errno.EINVAL;
    this.space.unmapRange(address, size);
    return 0;
  }

  private mremap(
    address: number,
    oldLength: number,
    newLength: number,
    flags: number,
    _newAddress: number,
  ): number {
    const MREMAP_MAYMOVE = 1;
    const space = this.space;
    if (address % PAGE_SIZE !== 0 || newLength === 0) return -Errno.EINVAL;
    const oldSize = pageAlignUp(oldLength);
    const newSize = pageAlignUp(newLength);
    if (!space.check(address, oldSize)) return -Errno.EFAULT;
    if (newSize <= oldSize) {
      space.unmapRange(address + newSize, oldSize - newSize);
      return address;
    }
    if (space.isFree(address + oldSize, newSize - oldSize)) {
      space.mapRange(address + oldSize, newSize - oldSize);
      return address;
    }
    if ((flags & MREMAP_MAYMOVE) === 0) return -Errno.ENOMEM;
    const start = space.findFree(newSize);
    if (start < 0) return -Errno.ENOMEM;
    space.mapRange(start, newSize);
    space.memory.ram.copyWithin(start, address, address + oldSize);
    space.memory.ram.fill(0, start + oldSize, start + newSize);
    space.wrote(start, newSize);
    space.unmapRange(address, oldSize);
    return start;
  }

  // ---------------------------------------------------------------- system information and time

  private uname(buffer: number): number {
    const fields = [
      'Linux',
      'openvmi',
      '6.1.0-openvmi',
      '#1 SMP PREEMPT_DYNAMIC openvmi user mode',
      'i686',
      '(none)',
    ];
    const bytes = new Uint8Array(65 * 6);
    fields.forEach((field, index) => {
      bytes.set(Buffer.from(field).subarray(0, 64), index * 65);
    });
    this.writeBytes(buffer, bytes);
    return 0;
  }

  /** Guest time in nanoseconds since the epoch. */
  private now(): bigint {
    if (this.context.realTime) return BigInt(Date.now()) * 1_000_000n;
    return (
      BigInt(FIXED_EPOCH_SECONDS) * 1_000_000_000n +
      BigInt(this.instructionsRetired) * NANOSECONDS_PER_INSTRUCTION +
      this.sleptNanoseconds
    );
  }

  private writeTimespec(address: number, nanoseconds: bigint, time64: boolean): void {
    const bytes = new Uint8Array(time64 ? 16 : 8);
    const view = new DataView(bytes.buffer);
    if (time64) {
      view.setBigInt64(0, nanoseconds / 1_000_000_000n, true);
      view.setBigInt64(8, nanoseconds % 1_000_000_000n, true);
    } else {
      view.setInt32(0, Number(nanoseconds / 1_000_000_000n), true);
      view.setInt32(4, Number(nanoseconds % 1_000_000_000n), true);
    }
    this.writeBytes(address, bytes);
  }

  private clockGettime(clock: number, address: number, time64: boolean): number {
    if (clock > 11) return -Errno.EINVAL;
    const realtime = clock === 0 || clock === 5 || clock === 8 || clock === 11;
    const now = this.now();
    const value = realtime ? now : now - BigInt(FIXED_EPOCH_SECONDS) * 1_000_000_000n + 1_000_000_000n;
    this.writeTimespec(address, value, time64);
    return 0;
  }

  private sleep(request: number, time64: boolean): number {
    const bytes = this.readBytes(request, time64 ? 16 : 8);
    const view = new DataView(bytes.buffer);
    const seconds = time64 ? view.getBigInt64(0, true) : BigInt(view.getInt32(0, true));
    const nanoseconds = time64 ? view.getBigInt64(8, true) : BigInt(view.getInt32(4, true));
    if (seconds < 0n || nanoseconds < 0n || nanoseconds >= 1_000_000_000n) return -Errno.EINVAL;
    const total = seconds * 1_000_000_000n + nanoseconds;
    if (this.context.realTime) {
      const milliseconds = Number(total / 1_000_000n);
      if (milliseconds > 0)
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.min(milliseconds, 2 ** 31 - 1));
    } else {
      this.sleptNanoseconds += total;
    }
    return 0;
  }

  private sysinfo(buffer: number): number {
    const bytes = new Uint8Array(64);
    const view = new DataView(bytes.buffer);
    view.setUint32(
      0,
      Number((this.now() / 1_000_000_000n - BigInt(FIXED_EPOCH_SECONDS)) & 0xffffffffn) + 1,
      true,
    );
    view.setUint32(16, this.space.memory.ramBytes, true);
    view.setUint32(20, this.space.memory.ramBytes >>> 1, true);
    view.setUint16(40, 1, true);
    view.setUint32(52, 1, true);
    this.writeBytes(buffer, bytes);
    return 0;
  }

  private rlimit(resource: number): [bigint, bigint] {
    const infinity = 0xffffffffffffffffn;
    if (resource === 3) return [8n << 20n, infinity]; // RLIMIT_STACK
    if (resource === 7) return [BigInt(MAX_DESCRIPTORS), BigInt(MAX_DESCRIPTORS)]; // RLIMIT_NOFILE
    if (resource > 15) throw new SyscallError(Errno.EINVAL);
    return [infinity, infinity];
  }

  private getrlimit(resource: number, buffer: number): number {
    const [current, maximum] = this.rlimit(resource);
    const clamp = (value: bigint): number => (value > 0xffffffffn ? 0xffffffff : Number(value));
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, clamp(current), true);
    view.setUint32(4, clamp(maximum), true);
    this.writeBytes(buffer, bytes);
    return 0;
  }

  private prlimit(pid: number, resource: number, newLimit: number, oldLimit: number): number {
    if (pid !== 0 && pid !== this.pid) return -Errno.ESRCH;
    const [current, maximum] = this.rlimit(resource);
    if (newLimit !== 0) this.readBytes(newLimit, 16);
    if (oldLimit !== 0) {
      const bytes = new Uint8Array(16);
      const view = new DataView(bytes.buffer);
      view.setBigUint64(0, current, true);
      view.setBigUint64(8, maximum, true);
      this.writeBytes(oldLimit, bytes);
    }
    return 0;
  }

  private nextRandomByte(): number {
    let state = this.randomState;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    this.randomState = state >>> 0;
    return this.randomState & 0xff;
  }

  // ---------------------------------------------------------------- descriptors

  private ioctl(fd: number, request: number, argument: number): number {
    const file = this.files.get(fd);
    const TCGETS = 0x5401;
    const TIOCGWINSZ = 0x5413;
    const TIOCGPGRP = 0x540f;
    const FIONREAD = 0x541b;
    const isTerminal = file.kind === 'host' && !file.seekable && isHostTerminal(file.hostFd);
    switch (request) {
      case TCGETS: {
        if (!isTerminal) return -Errno.ENOTTY;
        const bytes = new Uint8Array(36);
        const view = new DataView(bytes.buffer);
        view.setUint32(0, 0x500, true); // ICRNL | IXON
        view.setUint32(4, 0x5, true); // OPOST | ONLCR
        view.setUint32(8, 0xbf, true); // B38400 | CS8 | CREAD
        view.setUint32(12, 0x8a3b, true); // ISIG ICANON ECHO ECHOE ECHOK ECHOCTL ECHOKE IEXTEN
        this.writeBytes(argument, bytes);
        return 0;
      }
      case TIOCGWINSZ: {
        if (!isTerminal) return -Errno.ENOTTY;
        const bytes = new Uint8Array(8);
        const view = new DataView(bytes.buffer);
        view.setUint16(0, process.stdout.rows ?? 24, true);
        view.setUint16(2, process.stdout.columns ?? 80, true);
        this.writeBytes(argument, bytes);
        return 0;
      }
      case TIOCGPGRP:
        if (!isTerminal) return -Errno.ENOTTY;
        this.write32(argument, GUEST_PID);
        return 0;
      case FIONREAD: {
        let available = 0;
        if (file.kind === 'pipe-read') available = file.pipe?.bytes ?? 0;
        else if (file.kind === 'input') available = Math.max(0, (file.input?.length ?? 0) - file.position);
        this.write32(argument, available);
        return 0;
      }
      default:
        return isTerminal ? -Errno.EINVAL : -Errno.ENOTTY;
    }
  }

  private fcntl(fd: number, command: number, argument: number): number {
    const file = this.files.get(fd);
    switch (command) {
      case 0: // F_DUPFD
        return this.files.install(file, false, argument | 0);
      case 1030: // F_DUPFD_CLOEXEC
        return this.files.install(file, true, argument | 0);
      case 1: // F_GETFD
        return this.files.closeOnExec(fd) ? 1 : 0;
      case 2: // F_SETFD
        this.files.setCloseOnExec(fd, (argument & 1) !== 0);
        return 0;
      case 3: // F_GETFL
        return file.flags & ~OpenFlag.CloseOnExec;
      case 4: // F_SETFL
        file.flags =
          (file.flags & ~(OpenFlag.Append | OpenFlag.NonBlock)) |
          (argument & (OpenFlag.Append | OpenFlag.NonBlock));
        return 0;
      case 5: // F_GETLK
      case 12: {
        // F_GETLK64: nothing else holds a lock; l_type = F_UNLCK.
        const bytes = this.readBytes(argument, 2);
        bytes[0] = 2;
        bytes[1] = 0;
        this.writeBytes(argument, bytes);
        return 0;
      }
      case 6:
      case 7:
      case 13:
      case 14:
        return 0; // F_SETLK(W)(64): always granted
      default:
        return -Errno.EINVAL;
    }
  }

  private pipeInode = 0x20000;

  private pipe(address: number, flags: number): number {
    this.checkRange(address, 8);
    const buffer: PipeBuffer = { chunks: [], bytes: 0, readers: 1, writers: 1, inode: this.pipeInode++ };
    const closeOnExec = (flags & OpenFlag.CloseOnExec) !== 0;
    const readEnd = newOpenFile('pipe-read', { pipe: buffer, flags: 0 | (flags & OpenFlag.NonBlock) });
    const writeEnd = newOpenFile('pipe-write', { pipe: buffer, flags: 1 | (flags & OpenFlag.NonBlock) });
    const readFd = this.files.install(readEnd, closeOnExec);
    let writeFd: number;
    try {
      writeFd = this.files.install(writeEnd, closeOnExec);
    } catch (error) {
      this.files.close(readFd);
      throw error;
    }
    this.write32(address, readFd);
    this.write32(address + 4, writeFd);
    return 0;
  }

  private poll(address: number, count: number): number {
    if (count > MAX_DESCRIPTORS) return -Errno.EINVAL;
    const bytes = this.readBytes(address, count * 8);
    const view = new DataView(bytes.buffer);
    let ready = 0;
    for (let index = 0; index < count; index++) {
      const fd = view.getInt32(index * 8, true);
      const events = view.getUint16(index * 8 + 4, true);
      let revents = 0;
      if (fd >= 0) {
        if (!this.files.has(fd))
          revents = 0x20; // POLLNVAL
        else {
          const file = this.files.get(fd);
          revents = events & 0x5; // POLLIN | POLLOUT: everything is ready or at end
          if (file.kind === 'pipe-read' && file.pipe?.bytes === 0 && (file.pipe?.writers ?? 0) === 0)
            revents |= 0x10; // POLLHUP
        }
      }
      view.setUint16(index * 8 + 6, revents, true);
      if (revents !== 0) ready++;
    }
    this.writeBytes(address, bytes);
    return ready;
  }

  private select(count: number, readSet: number, writeSet: number, exceptSet: number): number {
    if (count < 0 || count > MAX_DESCRIPTORS) return -Errno.EINVAL;
    const bytes = Math.ceil(count / 32) * 4;
    let ready = 0;
    for (const set of [readSet, writeSet]) {
      if (set === 0) continue;
      const bits = this.readBytes(set, bytes);
      for (let fd = 0; fd < count; fd++) {
        if (((bits[fd >> 3] ?? 0) >> (fd & 7)) & 1) {
          if (!this.files.has(fd)) return -Errno.EBADF;
          ready++;
        }
      }
    }
    if (exceptSet !== 0) this.writeBytes(exceptSet, new Uint8Array(bytes));
    return ready;
  }

  // ---------------------------------------------------------------- TLS

  private setThreadArea(address: number): number {
    const bytes = this.readBytes(address, 16);
    const view = new DataView(bytes.buffer);
    let entry = view.getInt32(0, true);
    if (entry === -1) {
      const free = this.tls.indexOf(null);
      if (free < 0) return -Errno.ESRCH;
      entry = free + 6;
      view.setInt32(0, entry, true);
      this.writeBytes(address, bytes.subarray(0, 4));
    }
    if (entry < 6 || entry > 8) return -Errno.EINVAL;
    const base = view.getUint32(4, true);
    const limit = view.getUint32(8, true);
    const bits = view.getUint32(12, true);
    const seg32 = bits & 1;
    const contents = (bits >> 1) & 3;
    const readExecOnly = (bits >> 3) & 1;
    const limitInPages = (bits >> 4) & 1;
    const notPresent = (bits >> 5) & 1;
    const useable = (bits >> 6) & 1;
    const descriptor = new Uint8Array(8);
    const empty = base === 0 && limit === 0 && readExecOnly === 1 && notPresent === 1;
    if (!empty) {
      const type = 0x10 | (contents << 2) | ((readExecOnly ^ 1) << 1) | 1;
      const access = (notPresent ? 0 : 0x80) | 0x60 | type;
      const flags = (limitInPages << 3) | (seg32 << 2) | useable;
      const d = new DataView(descriptor.buffer);
      d.setUint32(0, (((base & 0xffff) << 16) | (limit & 0xffff)) >>> 0, true);
      d.setUint32(
        4,
        ((base & 0xff000000) | (flags << 20) | (limit & 0xf0000) | (access << 8) | ((base >>> 16) & 0xff)) >>>
          0,
        true,
      );
    }
    this.tls[entry - 6] = descriptor;
    this.space.write(this.space.gdtAddress + entry * 8, descriptor);
    // A segment register already holding this selector keeps its old cache on real hardware
    // until reloaded; Linux reloads GS on return, so do the same.
    const selector = (entry << 3) | 3;
    for (const segment of [SegmentRegister.Fs, SegmentRegister.Gs]) {
      if (this.cpu.segmentSelector[segment] === selector && !empty) {
        const effectiveLimit = limitInPages ? ((limit & 0xfffff) * 4096 + 0xfff) >>> 0 : limit & 0xfffff;
        const high = new DataView(descriptor.buffer).getUint32(4, true);
        this.cpu.setSegmentCache(segment, selector, base, effectiveLimit, high);
      }
    }
    return 0;
  }

  private getThreadArea(address: number): number {
    const bytes = this.readBytes(address, 16);
    const view = new DataView(bytes.buffer);
    const entry = view.getInt32(0, true);
    if (entry < 6 || entry > 8) return -Errno.EINVAL;
    const descriptor = this.tls[entry - 6];
    if (descriptor === null || descriptor === undefined) {
      view.setUint32(4, 0, true);
      view.setUint32(8, 0, true);
      view.setUint32(12, 0x28, true);
    } else {
      const d = new DataView(descriptor.buffer);
      const low = d.getUint32(0, true);
      const high = d.getUint32(4, true);
      view.setUint32(4, ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0, true);
      view.setUint32(8, (low & 0xffff) | (high & 0xf0000), true);
      const access = (high >>> 8) & 0xff;
      const flags = (high >>> 20) & 0xf;
      view.setUint32(
        12,
        ((flags >> 2) & 1) |
          (((access >> 2) & 3) << 1) |
          ((((access >> 1) & 1) ^ 1) << 3) |
          (((flags >> 3) & 1) << 4) |
          ((access & 0x80 ? 0 : 1) << 5) |
          ((flags & 1) << 6),
        true,
      );
    }
    this.writeBytes(address, bytes);
    return 0;
  }

  // ---------------------------------------------------------------- signals

  private sigaction(signal: number, action: number, oldAction: number, setSize: number): number {
    if (signal < 1 || signal > 64 || setSize !== 8) return -Errno.EINVAL;
    if (action !== 0 && (signal === SIGNAL.SIGKILL || signal === SIGNAL.SIGSTOP)) return -Errno.EINVAL;
    const current = this.actions.get(signal) ?? { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n };
    let replacement: SignalAction | undefined;
    if (action !== 0) {
      const bytes = this.readBytes(action, 20);
      const view = new DataView(bytes.buffer);
      replacement = {
        handler: view.getUint32(0, true),
        flags: view.getUint32(4, true),
        restorer: view.getUint32(8, true),
        mask: view.getBigUint64(12, true),
      };
    }
    if (oldAction !== 0) {
      const bytes = new Uint8Array(20);
      const view = new DataView(bytes.buffer);
      view.setUint32(0, current.handler, true);
      view.setUint32(4, current.flags, true);
      view.setUint32(8, current.restorer, true);
      view.setBigUint64(12, current.mask, true);
      this.writeBytes(oldAction, bytes);
    }
    if (replacement !== undefined) this.actions.set(signal, replacement);
    return 0;
  }

  private sigprocmask(how: number, set: number, oldSet: number, setSize: number): number {
    if (setSize !== 8) return -Errno.EINVAL;
    let requested: bigint | undefined;
    if (set !== 0) requested = new DataView(this.readBytes(set, 8).buffer).getBigUint64(0, true);
    if (oldSet !== 0) this.writeBytes(oldSet, uint64Bytes(this.blocked));
    if (requested !== undefined) {
      if (how === 0) this.blocked |= requested;
      else if (how === 1) this.blocked &= ~requested;
      else if (how === 2) this.blocked = requested;
      else return -Errno.EINVAL;
      this.blocked &= ~((1n << 8n) | (1n << 18n)); // SIGKILL and SIGSTOP cannot be blocked
    }
    return 0;
  }

  private kill(pid: number, signal: number): number {
    if (pid !== this.pid && pid !== 0 && pid !== -1 && pid !== -this.pid) return -Errno.ESRCH;
    if (signal < 0 || signal > 64) return -Errno.EINVAL;
    if (signal !== 0) this.raiseSignal(signal);
    return 0;
  }

  /** Queues `signal` for delivery when the current syscall or exception returns. */
  raiseSignal(signal: number): void {
    if (!this.pending.includes(signal)) this.pending.push(signal);
  }

  /** A CPU exception (or forbidden INT n) became `signal`; it cannot be ignored or blocked. */
  raiseFault(signal: number, vector: number, faultAddress?: number): void {
    const action = this.actions.get(signal);
    const blocked = ((this.blocked >> BigInt(signal - 1)) & 1n) !== 0n;
    if (action === undefined || action.handler === SIG_DFL || action.handler === SIG_IGN || blocked) {
      const where = `eip 0x${this.cpu.readRegister(Register.Eip).toString(16)}`;
      const address = faultAddress === undefined ? '' : ` address 0x${faultAddress.toString(16)}`;
      this.diagnostic(`fatal signal ${signal} (vector ${vector}) at ${where}${address}\n`);
      throw new ProcessExit(128 + signal, signal);
    }
    this.deliver(signal, action);
  }

  /** Delivers queued, unblocked signals (after a syscall returned). */
  deliverPendingSignals(): void {
    for (let index = 0; index < this.pending.length; ) {
      const signal = this.pending[index] as number;
      const blocked = ((this.blocked >> BigInt(signal - 1)) & 1n) !== 0n && signal !== SIGNAL.SIGKILL;
      if (blocked) {
        index++;
        continue;
      }
      this.pending.splice(index, 1);
      const action = this.actions.get(signal) ?? { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n };
      if (action.handler === SIG_IGN && signal !== SIGNAL.SIGKILL) continue;
      if (action.handler === SIG_DFL || signal === SIGNAL.SIGKILL) {
        const ignoredByDefault = [
          SIGNAL.SIGCHLD,
          SIGNAL.SIGCONT,
          SIGNAL.SIGURG,
          SIGNAL.SIGWINCH,
          SIGNAL.SIGTSTP,
          SIGNAL.SIGTTIN,
          SIGNAL.SIGTTOU,
          SIGNAL.SIGSTOP,
        ] as number[];
        if (ignoredByDefault.includes(signal)) continue;
        throw new ProcessExit(128 + signal, signal);
      }
      this.deliver(signal, action);
    }
  }

  /**
   * Builds a signal frame on the user stack (Linux i386 shapes: `sigframe` without SA_SIGINFO,
   * `rt_sigframe` with it) and enters the handler. The x87 state is not saved in the frame.
   */
  private deliver(signal: number, action: SignalAction): void {
    const cpu = this.cpu;
    const rt = (action.flags & SA_SIGINFO) !== 0;
    const context = this.sigcontext(signal);
    const retcode = new Uint8Array(8);
    const frameSize = rt ? 16 + 128 + 20 + 88 + 8 + 8 : 8 + 88 + 4 + 8;
    const esp = cpu.readRegister(Register.Esp);
    const frame = ((((esp - 128 - frameSize) >>> 0) & ~15) - 4) >>> 0; // (frame + 4) is 16-byte aligned
    const bytes = new Uint8Array(frameSize);
    const view = new DataView(bytes.buffer);
    const retcodeOffset = frameSize - 8;
    if (rt) {
      // movl $173, %eax ; int $0x80
      retcode.set([0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0x90]);
    } else {
      // popl %eax ; movl $119, %eax ; int $0x80
      retcode.set([0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80]);
    }
    bytes.set(retcode, retcodeOffset);
    const returnAddress = (action.flags & SA_RESTORER) !== 0 ? action.restorer : frame + retcodeOffset;
    view.setUint32(0, returnAddress, true);
    view.setUint32(4, signal, true);
    if (rt) {
      const infoAddress = frame + 16;
      const contextAddress = frame + 16 + 128;
      view.setUint32(8, infoAddress, true);
      view.setUint32(12, contextAddress, true);
      view.setUint32(16, signal, true); // siginfo.si_signo
      view.setInt32(24, 0, true); // si_code SI_USER
      view.setUint32(28, GUEST_PID, true);
      // ucontext: uc_flags, uc_link, uc_stack (ss_sp, ss_flags = SS_DISABLE, ss_size), sigcontext, sigmask
      view.setUint32(144 + 12, 2, true);
      bytes.set(context, 144 + 20);
      view.setBigUint64(144 + 20 + 88, this.blocked, true);
    } else {
      bytes.set(context, 8);
      view.setUint32(8 + 88, Number(this.blocked & 0xffffffffn), true);
    }
    if (!this.space.check(frame, frameSize)) {
      this.diagnostic(
        `cannot build the frame for signal ${signal}: stack at 0x${esp.toString(16)} is not mapped\n`,
      );
      throw new ProcessExit(128 + SIGNAL.SIGSEGV, SIGNAL.SIGSEGV);
    }
    this.space.write(frame, bytes);
    if ((action.flags & SA_NODEFER) === 0) this.blocked |= 1n << BigInt(signal - 1);
    this.blocked |= action.mask;
    if ((action.flags & SA_RESETHAND) !== 0)
      this.actions.set(signal, { handler: SIG_DFL, flags: 0, restorer: 0, mask: 0n });
    cpu.writeRegister(Register.Esp, frame);
    cpu.writeRegister(Register.Eip, action.handler);
    cpu.writeRegister(Register.Eax, signal);
    cpu.writeRegister(Register.Edx, rt ? frame + 16 : 0);
    cpu.writeRegister(Register.Ecx, rt ? frame + 144 : 0);
    cpu.writeRegister(Register.Eflags, cpu.readRegister(Register.Eflags) & ~(0x400 | 0x100));
  }

  /** The interrupted state as an i386 `struct sigcontext` (88 bytes). */
  private sigcontext(signal: number): Uint8Array {
    const cpu = this.cpu;
    const bytes = new Uint8Array(88);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, cpu.segmentSelector[SegmentRegister.Gs] ?? 0, true);
    view.setUint32(4, cpu.segmentSelector[SegmentRegister.Fs] ?? 0, true);
    view.setUint32(8, cpu.segmentSelector[SegmentRegister.Es] ?? 0, true);
    view.setUint32(12, cpu.segmentSelector[SegmentRegister.Ds] ?? 0, true);
    const order = [
      Register.Edi,
      Register.Esi,
      Register.Ebp,
      Register.Esp,
      Register.Ebx,
      Register.Edx,
      Register.Ecx,
      Register.Eax,
    ];
    order.forEach((register, index) => {
      view.setUint32(16 + index * 4, cpu.readRegister(register), true);
    });
    view.setUint32(48, signal === SIGNAL.SIGSEGV ? 13 : 0, true);
    view.setUint32(56, cpu.readRegister(Register.Eip), true);
    view.setUint32(60, cpu.segmentSelector[SegmentRegister.Cs] ?? 0, true);
    view.setUint32(64, cpu.readRegister(Register.Eflags), true);
    view.setUint32(68, cpu.readRegister(Register.Esp), true);
    view.setUint32(72, cpu.segmentSelector[SegmentRegister.Ss] ?? 0, true);
    view.setUint32(80, Number(this.blocked & 0xffffffffn), true);
    return bytes;
  }

  private sigreturn(rt: boolean): number {
    const cpu = this.cpu;
    const esp = cpu.readRegister(Register.Esp);
    // sigreturn: ESP is frame+8 (pretcode and the popped signal number are gone); rt: frame+4.
    const contextAddress = rt ? esp - 4 + 144 + 20 : esp;
    const context = new DataView(this.readBytes(contextAddress, 88).buffer);
    if (rt) this.blocked = new DataView(this.readBytes(contextAddress + 88, 8).buffer).getBigUint64(0, true);
    else this.blocked = (this.blocked & ~0xffffffffn) | BigInt(context.getUint32(80, true));
    const order = [
      Register.Edi,
      Register.Esi,
      Register.Ebp,
      Register.Esp,
      Register.Ebx,
      Register.Edx,
      Register.Ecx,
      Register.Eax,
    ];
    order.forEach((register, index) => {
      cpu.writeRegister(register, context.getUint32(16 + index * 4, true));
    });
    cpu.writeRegister(Register.Eip, context.getUint32(56, true));
    // Only the flags user mode may change (as Linux's FIX_EFLAGS).
    const userFlags = 0x40dd5 | 0x100;
    cpu.writeRegister(
      Register.Eflags,
      (cpu.readRegister(Register.Eflags) & ~userFlags) | (context.getUint32(64, true) & userFlags),
    );
    return cpu.readRegister(Register.Eax);
  }
}

function combine64(low: number, high: number): number {
  return (high >>> 0) * 0x1_0000_0000 + (low >>> 0);
}

function uint64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  return bytes;
}

function direntType(entry: fs.Dirent): number {
  if (entry.isDirectory()) return 4;
  if (entry.isFile()) return 8;
  if (entry.isSymbolicLink()) return 10;
  if (entry.isCharacterDevice()) return 2;
  if (entry.isBlockDevice()) return 6;
  if (entry.isFIFO()) return 1;
  if (entry.isSocket()) return 12;
  return 0;
}

function isHostTerminal(hostFd: number): boolean {
  try {
    return isatty(hostFd);
  } catch {
    return false;
  }
}

/** Encodes an i386 `struct stat64` (96 bytes). */
export function encodeStat64(stats: fs.BigIntStats): Uint8Array {
  const bytes = new Uint8Array(96);
  const view = new DataView(bytes.buffer);
  const u32 = (value: bigint): number => Number(value & 0xffffffffn);
  view.setBigUint64(0, stats.dev, true);
  view.setUint32(12, u32(stats.ino), true);
  view.setUint32(16, u32(stats.mode), true);
  view.setUint32(20, u32(stats.nlink), true);
  view.setUint32(24, u32(stats.uid), true);
  view.setUint32(28, u32(stats.gid), true);
  view.setBigUint64(32, stats.rdev, true);
  view.setBigInt64(44, stats.size, true);
  view.setUint32(52, u32(stats.blksize), true);
  view.setBigUint64(56, stats.blocks, true);
  const times = [stats.atimeNs, stats.mtimeNs, stats.ctimeNs];
  times.forEach((time, index) => {
    view.setUint32(64 + index * 8, u32(time / 1_000_000_000n), true);
    view.setUint32(68 + index * 8, u32(time % 1_000_000_000n), true);
  });
  view.setBigUint64(88, stats.ino, true);
  return bytes;
}

/** Encodes a `struct statx` (256 bytes) with the basic-stats mask. */
export function encodeStatx(stats: fs.BigIntStats): Uint8Array {
  const bytes = new Uint8Array(256);
  const view = new DataView(bytes.buffer);
  const u32 = (value: bigint): number => Number(value & 0xffffffffn);
  view.setUint32(0, 0x7ff, true); // STATX_BASIC_STATS
  view.setUint32(4, u32(stats.blksize), true);
  view.setUint32(16, u32(stats.nlink), true);
  view.setUint32(20, u32(stats.uid), true);
  view.setUint32(24, u32(stats.gid), true);
  view.setUint16(28, u32(stats.mode), true);
  view.setBigUint64(32, stats.ino, true);
  view.setBigUint64(40, stats.size, true);
  view.setBigUint64(48, stats.blocks, true);
  const timestamp = (offset: number, time: bigint): void => {
    view.setBigInt64(offset, time / 1_000_000_000n, true);
    view.setUint32(offset + 8, u32(time % 1_000_000_000n), true);
  };
  timestamp(64, stats.atimeNs);
  timestamp(80, stats.birthtimeNs ?? stats.ctimeNs);
  timestamp(96, stats.ctimeNs);
  timestamp(112, stats.mtimeNs);
  const major = (device: bigint): number => Number(((device >> 8n) & 0xfffn) | ((device >> 32n) & ~0xfffn));
  const minor = (device: bigint): number => Number((device & 0xffn) | ((device >> 12n) & ~0xffn));
  view.setUint32(128, major(stats.rdev), true);
  view.setUint32(132, minor(stats.rdev), true);
  view.setUint32(136, major(stats.dev), true);
  view.setUint32(140, minor(stats.dev), true);
  return bytes;
}
