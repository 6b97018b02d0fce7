/**
 * Open files of the user-mode process: host files and directories, in-process pipes, and the
 * standard streams (host descriptors, or buffers and callbacks when a test captures them), with
 * a Linux-style descriptor table (dup shares the open file and its offset).
 */

import * as fs from 'node:fs';
import { Errno, errnoFromHostError, SyscallError } from './errno.js';

/** Bytes one pipe buffers before a write fails with EAGAIN (nothing else can drain it). */
export const PIPE_CAPACITY = 16 << 20;

/** The shared buffer of an in-process pipe. */
export interface PipeBuffer {
  chunks: Uint8Array[];
  bytes: number;
  readers: number;
  writers: number;
  inode: number;
}

/** One open file description. */
export interface OpenFile {
  kind: 'host' | 'directory' | 'pipe-read' | 'pipe-write' | 'input' | 'output';
  /** Descriptors pointing at it. */
  references: number;
  /** Host path (host files and directories), for fchdir, getdents64 and messages. */
  path: string;
  /** Host descriptor, or -1. */
  hostFd: number;
  /** Whether closing the last reference closes `hostFd` (not for the host's stdio). */
  ownsHostFd: boolean;
  /** True for regular files: reads and writes use `position`. */
  seekable: boolean;
  position: number;
  /** Linux open flags as given (O_ACCMODE, O_APPEND, O_NONBLOCK...). */
  flags: number;
  pipe?: PipeBuffer;
  input?: Uint8Array;
  output?: (bytes: Uint8Array) => void;
  /** getdents64 cursor: the snapshot of the directory and how far it has been read. */
  directoryEntries?: Array<{ name: string; inode: bigint; type: number }>;
}

/** Linux open(2) flag bits (i386 values). */
export const OpenFlag = {
  AccessMode: 3,
  WriteOnly: 1,
  ReadWrite: 2,
  Create: 0x40,
  Exclusive: 0x80,
  NoControllingTty: 0x100,
  Truncate: 0x200,
  Append: 0x400,
  NonBlock: 0x800,
  Directory: 0x10000,
  NoFollow: 0x20000,
  LargeFile: 0x8000,
  CloseOnExec: 0x80000,
  Path: 0x200000,
} as const;

/** Translates Linux open flags to the host's `fs.constants` flags. */
export function hostOpenFlags(flags: number): number {
  const constants = fs.constants;
  let host = 0;
  const access = flags & OpenFlag.AccessMode;
  host |= access === 1 ? constants.O_WRONLY : access === 2 ? constants.O_RDWR : constants.O_RDONLY;
  if (flags & OpenFlag.Create) host |= constants.O_CREAT;
  if (flags & OpenFlag.Exclusive) host |= constants.O_EXCL;
  if (flags & OpenFlag.NoControllingTty) host |= constants.O_NOCTTY;
  if (flags & OpenFlag.Truncate) host |= constants.O_TRUNC;
  if (flags & OpenFlag.NoFollow) host |= constants.O_NOFOLLOW;
  if (flags & OpenFlag.Directory) host |= constants.O_DIRECTORY;
  return host;
}

/** A descriptor slot. */
interface Slot {
  file: OpenFile;
  closeOnExec: boolean;
}

/** Highest descriptor number + 1 (RLIMIT_NOFILE). */
export const MAX_DESCRIPTORS = 1024;

/** The process's descriptor table. */
export class DescriptorTable {
  private readonly slots: Array<Slot | undefined> = [];

  /** The open file behind `fd`, or EBADF. */
  get(fd: number): OpenFile {
    const slot = fd >= 0 && fd < MAX_DESCRIPTORS ? this.slots[fd] : undefined;
    if (slot === undefined) throw new SyscallError(Errno.EBADF);
    return slot.file;
  }

  /** True when `fd` is open. */
  has(fd: number): boolean {
    return fd >= 0 && fd < MAX_DESCRIPTORS && this.slots[fd] !== undefined;
  }

  /** Close-on-exec flag of `fd`. */
  closeOnExec(fd: number): boolean {
    this.get(fd);
    return this.slots[fd]?.closeOnExec ?? false;
  }

  /** Sets the close-on-exec flag of `fd`. */
  setCloseOnExec(fd: number, value: boolean): void {
    this.get(fd);
    const slot = this.slots[fd];
    if (slot !== undefined) slot.closeOnExec = value;
  }

  /** Installs `file` at the lowest free descriptor ≥ `lowest`; EMFILE when full. */
  install(file: OpenFile, closeOnExec = false, lowest = 0): number {
    for (let fd = Math.max(0, lowest); fd < MAX_DESCRIPTORS; fd++) {
      if (this.slots[fd] === undefined) {
        this.slots[fd] = { file, closeOnExec };
        file.references++;
        return fd;
      }
    }
    throw new SyscallError(Errno.EMFILE);
  }

  /** Installs `file` exactly at `fd`, closing what was there. */
  installAt(fd: number, file: OpenFile, closeOnExec = false): number {
    if (fd < 0 || fd >= MAX_DESCRIPTORS) throw new SyscallError(Errno.EBADF);
    file.references++;
    if (this.slots[fd] !== undefined) this.close(fd);
    this.slots[fd] = { file, closeOnExec };
    return fd;
  }

  /** Closes `fd`; the open file is released with its last descriptor. */
  close(fd: number): void {
    const file = this.get(fd);
    this.slots[fd] = undefined;
    file.references--;
    if (file.references === 0) releaseFile(file);
  }

  /** Closes every descriptor (process exit). */
  closeAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd] !== undefined) this.close(fd);
  }

  /** A copy for a forked child: the same open files (shared offsets), one more reference each. */
  duplicate(): DescriptorTable {
    const copy = new DescriptorTable();
    this.slots.forEach((slot, fd) => {
      if (slot === undefined) return;
      copy.slots[fd] = { file: slot.file, closeOnExec: slot.closeOnExec };
      slot.file.references++;
    });
    return copy;
  }

  /** Closes the descriptors marked close-on-exec. */
  closeOnExecAll(): void {
    for (let fd = 0; fd < this.slots.length; fd++) if (this.slots[fd]?.closeOnExec) this.close(fd);
  }
}

function releaseFile(file: OpenFile): void {
  if (file.hostFd >= 0 && file.ownsHostFd) {
    try {
      fs.closeSync(file.hostFd);
    } catch {
      // Already gone; nothing the guest can observe.
    }
  }
  if (file.pipe !== undefined) {
    if (file.kind === 'pipe-read') file.pipe.readers--;
    else file.pipe.writers--;
  }
}

/** A fresh open-file record. */
export function newOpenFile(kind: OpenFile['kind'], fields: Partial<OpenFile> = {}): OpenFile {
  return {
    kind,
    references: 0,
    path: '',
    hostFd: -1,
    ownsHostFd: false,
    seekable: false,
    position: 0,
    flags: 0,
    ...fields,
  };
}

/**
 * Wraps a host descriptor the process did not open (stdio). Reads and writes use the
 * descriptor's own offset, which the parent shell shares, so it is never treated as seekable
 * here (Node has no lseek): lseek on it fails with ESPIPE.
 */
export function hostStream(hostFd: number, flags: number): OpenFile {
  return newOpenFile('host', {
    hostFd,
    ownsHostFd: false,
    seekable: false,
    flags,
    path: `/proc/self/fd/${hostFd}`,
  });
}

/** Reads up to `length` bytes into `target`; 0 at end of file. */
export function readFile(file: OpenFile, target: Uint8Array, position: number | null): number {
  switch (file.kind) {
    case 'host': {
      if ((file.flags & OpenFlag.AccessMode) === OpenFlag.WriteOnly) throw new SyscallError(Errno.EBADF);
      const at = position ?? (file.seekable ? file.position : null);
      for (;;) {
        try {
          const count = fs.readSync(file.hostFd, target, 0, target.length, at);
          if (position === null && file.seekable) file.position += count;
          return count;
        } catch (error) {
          const errno = errnoFromHostError(error);
          if (errno === Errno.EAGAIN && (file.flags & OpenFlag.NonBlock) === 0) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
            continue;
          }
          throw new SyscallError(errno);
        }
      }
    }
    case 'input': {
      const data = file.input ?? new Uint8Array(0);
      const start = position ?? file.position;
      const count = Math.max(0, Math.min(target.length, data.length - start));
      target.set(data.subarray(start, start + count));
      if (position === null) file.position += count;
      return count;
    }
    case 'pipe-read': {
      const pipe = file.pipe;
      if (pipe === undefined) throw new SyscallError(Errno.EBADF);
      if (pipe.bytes === 0) {
        if (pipe.writers === 0) return 0;
        // Only this process could fill it: blocking would never end.
        throw new SyscallError(Errno.EAGAIN);
      }
      let count = 0;
      while (count < target.length && pipe.chunks.length > 0) {
        const chunk = pipe.chunks[0] as Uint8Array;
        const take = Math.min(chunk.length, target.length - count);
        target.set(chunk.subarray(0, take), count);
        count += take;
        if (take === chunk.length) pipe.chunks.shift();
        else pipe.chunks[0] = chunk.subarray(take);
      }
      pipe.bytes -= count;
      return count;
    }
    case 'directory':
      throw new SyscallError(Errno.EISDIR);
    default:
      throw new SyscallError(Errno.EBADF);
  }
}

/** Writes `bytes`; returns the count written. EPIPE when a pipe has no reader. */
export function writeFile(file: OpenFile, bytes: Uint8Array, position: number | null): number {
  switch (file.kind) {
    case 'host': {
      if ((file.flags & OpenFlag.AccessMode) === 0) throw new SyscallError(Errno.EBADF);
      let at = position ?? (file.seekable ? file.position : null);
      if (position === null && file.seekable && (file.flags & OpenFlag.Append) !== 0) {
        at = fs.fstatSync(file.hostFd).size;
      }
      let written = 0;
      while (written < bytes.length) {
        try {
          written += fs.writeSync(
            file.hostFd,
            bytes,
            written,
            bytes.length - written,
            at === null ? null : at + written,
          );
        } catch (error) {
          const errno = errnoFromHostError(error);
          if (errno === Errno.EAGAIN) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            continue;
          }
          if (written > 0) break;
          throw new SyscallError(errno);
        }
      }
      if (position === null && file.seekable && at !== null) file.position = at + written;
      return written;
    }
    case 'output':
      file.output?.(bytes.slice());
      return bytes.length;
    case 'pipe-write': {
      const pipe = file.pipe;
      if (pipe === undefined) throw new SyscallError(Errno.EBADF);
      if (pipe.readers === 0) throw new SyscallError(Errno.EPIPE);
      if (pipe.bytes + bytes.length > PIPE_CAPACITY) throw new SyscallError(Errno.EAGAIN);
      pipe.chunks.push(bytes.slice());
      pipe.bytes += bytes.length;
      return bytes.length;
    }
    case 'directory':
      throw new SyscallError(Errno.EISDIR);
    default:
      throw new SyscallError(Errno.EBADF);
  }
}
