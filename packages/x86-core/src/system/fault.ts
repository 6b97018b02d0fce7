/**
 * The typed guest fault. System code `throw`s a {@link GuestFault} when an architectural
 * exception must be raised; the run loop catches it and calls the delivery function. It is not
 * an `Error`: no host stack trace is captured, so raising a page fault stays cheap.
 */

/** An architectural exception raised by an instruction or by an access (never a host error). */
export class GuestFault {
  /** The exception vector (see `Vector`). */
  readonly vector: number;
  /** The error code pushed for vectors that have one, or -1 when none is pushed. */
  readonly errorCode: number;
  /** The linear address that faulted (page faults: the value loaded into CR2), else 0. */
  readonly faultAddress: number;

  constructor(vector: number, errorCode = -1, faultAddress = 0) {
    this.vector = vector;
    this.errorCode = errorCode;
    this.faultAddress = faultAddress;
  }

  /** A short human-readable description, e.g. `#GP(0x0008)`. */
  toString(): string {
    const mnemonic = VECTOR_MNEMONICS[this.vector] ?? `vector ${this.vector}`;
    const code = this.errorCode >= 0 ? `(0x${this.errorCode.toString(16).padStart(4, '0')})` : '';
    const address = this.vector === 14 ? ` at 0x${(this.faultAddress >>> 0).toString(16)}` : '';
    return `${mnemonic}${code}${address}`;
  }
}

const VECTOR_MNEMONICS: Readonly<Record<number, string>> = {
  0: '#DE',
  1: '#DB',
  2: 'NMI',
  3: '#BP',
  4: '#OF',
  5: '#BR',
  6: '#UD',
  7: '#NM',
  8: '#DF',
  10: '#TS',
  11: '#NP',
  12: '#SS',
  13: '#GP',
  14: '#PF',
  16: '#MF',
  17: '#AC',
  18: '#MC',
  19: '#XM',
};

/** Raised (thrown) when the CPU shuts down after a fault while delivering a double fault. */
export class TripleFault {
  /** The fault that could not be delivered. */
  readonly cause: GuestFault;
  constructor(cause: GuestFault) {
    this.cause = cause;
  }
}

/** Throws #GP with `errorCode` (a selector with EXT/IDT/TI bits, or 0). */
export function generalProtection(errorCode = 0): never {
  throw new GuestFault(13, errorCode & 0xffff);
}

/** Throws #SS with `errorCode`. */
export function stackFault(errorCode = 0): never {
  throw new GuestFault(12, errorCode & 0xffff);
}

/** Throws #NP with `errorCode`. */
export function segmentNotPresent(errorCode: number): never {
  throw new GuestFault(11, errorCode & 0xffff);
}

/** Throws #TS with `errorCode`. */
export function invalidTss(errorCode: number): never {
  throw new GuestFault(10, errorCode & 0xffff);
}

/** Throws #UD. */
export function invalidOpcode(): never {
  throw new GuestFault(6);
}
