/**
 * A stack being written or read by the system layer (interrupt frames, call gates, IRET/RET):
 * a segment (base, limit, attributes) plus a working ESP. Limit checks use the segment's B bit
 * for the offset width and raise #SS with the given error code; memory accesses go through the
 * MMU at the given privilege.
 */

import { withinLimit } from './descriptor.js';
import { GuestFault } from './fault.js';
import { readLinear, writeLinear } from './linear.js';
import type { SystemCpu } from './system-cpu.js';

const BIG = 1 << 22;

/** A stack cursor. */
export class StackCursor {
  base = 0;
  limit = 0;
  attributes = 0;
  /** Full 32-bit ESP value (the high half is preserved on 16-bit stacks). */
  esp = 0;
  /** #SS error code for limit violations. */
  errorCode = 0;
  /** True when accesses are made at CPL 3. */
  user = false;
  private readonly cpu: SystemCpu;

  constructor(cpu: SystemCpu) {
    this.cpu = cpu;
  }

  /** Points the cursor at the CPU's segment register `index` and the current ESP. */
  fromSegment(index: number, errorCode: number, user: boolean): this {
    const cpu = this.cpu;
    return this.reset(
      cpu.segmentBase[index],
      cpu.segmentLimit[index],
      cpu.segmentFlags[index],
      cpu.registers32[4],
      errorCode,
      user,
    );
  }

  /** Points the cursor at raw segment values. */
  reset(
    base: number,
    limit: number,
    attributes: number,
    esp: number,
    errorCode: number,
    user: boolean,
  ): this {
    this.base = base;
    this.limit = limit;
    this.attributes = attributes;
    this.esp = esp >>> 0;
    this.errorCode = errorCode;
    this.user = user;
    return this;
  }

  /** True for a 32-bit stack (SS.B=1). */
  get big(): boolean {
    return (this.attributes & BIG) !== 0;
  }

  /** The offset within the segment (ESP or SP). */
  get offset(): number {
    return this.big ? this.esp : this.esp & 0xffff;
  }

  private setOffset(offset: number): void {
    this.esp = this.big ? offset >>> 0 : ((this.esp & 0xffff0000) | (offset & 0xffff)) >>> 0;
  }

  /** Checks that `totalBytes` can be pushed below the current offset (limit only). */
  checkPush(totalBytes: number): void {
    const offset = this.big ? (this.offset - totalBytes) >>> 0 : (this.offset - totalBytes) & 0xffff;
    if (!withinLimit(this.attributes, this.limit, offset, totalBytes))
      throw new GuestFault(12, this.errorCode);
  }

  /** Pushes a 2- or 4-byte value. */
  push(size: number, value: number): void {
    const offset = this.big ? (this.offset - size) >>> 0 : (this.offset - size) & 0xffff;
    if (!withinLimit(this.attributes, this.limit, offset, size)) throw new GuestFault(12, this.errorCode);
    writeLinear(this.cpu, this.base + offset, size, value, this.user);
    this.setOffset(offset);
  }

  /** Reads a 2- or 4-byte value `delta` bytes above the current offset without popping. */
  peek(size: number, delta: number): number {
    const offset = this.big ? (this.offset + delta) >>> 0 : (this.offset + delta) & 0xffff;
    if (!withinLimit(this.attributes, this.limit, offset, size)) throw new GuestFault(12, this.errorCode);
    return readLinear(this.cpu, this.base + offset, size, this.user);
  }

  /** Pops a 2- or 4-byte value. */
  pop(size: number): number {
    const value = this.peek(size, 0);
    this.skip(size);
    return value;
  }

  /** Moves the offset up by `bytes`. */
  skip(bytes: number): void {
    this.setOffset(this.offset + bytes);
  }
}
