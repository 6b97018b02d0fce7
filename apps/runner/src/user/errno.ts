/** Linux errno values (asm-generic/errno-base.h, errno.h) the syscall layer returns, negated in EAX. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  ESRCH: 3,
  EINTR: 4,
  EIO: 5,
  ENXIO: 6,
  E2BIG: 7,
  ENOEXEC: 8,
  EBADF: 9,
  ECHILD: 10,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  EXDEV: 18,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENFILE: 23,
  EMFILE: 24,
  ENOTTY: 25,
  EFBIG: 27,
  ENOSPC: 28,
  ESPIPE: 29,
  EROFS: 30,
  EMLINK: 31,
  EPIPE: 32,
  ERANGE: 34,
  ENAMETOOLONG: 36,
  ENOSYS: 38,
  ENOTEMPTY: 39,
  ELOOP: 40,
  ENOTSUP: 95,
} as const;

const HOST_CODES: Record<string, number> = { ...Errno };

/**
 * The Linux errno for an error thrown by Node's `fs` (its `code`, e.g. `ENOENT`); EIO when the
 * error has no known code. The host is Linux, whose generic errno numbers i386 shares.
 */
export function errnoFromHostError(error: unknown): number {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string') {
      const known = HOST_CODES[code];
      if (known !== undefined) return known;
      if (code === 'EOPNOTSUPP') return Errno.ENOTSUP;
    }
  }
  return Errno.EIO;
}

/** Thrown inside a syscall implementation to return `-errno`. */
export class SyscallError extends Error {
  constructor(readonly errno: number) {
    super(`errno ${errno}`);
  }
}
