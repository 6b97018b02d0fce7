import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cpu, PhysicalMemory, PortBus, Register } from '@openvmi/x86-core';
import { afterAll, describe, expect, it } from 'vitest';
import { AddressSpace } from './address-space.js';
import { Errno } from './errno.js';
import { newOpenFile } from './files.js';
import { Syscall } from './syscall-numbers.js';
import { LinuxSyscalls, ProcessExit } from './syscalls.js';

const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'openvmi-syscalls-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

/** A process with 16 MiB of RAM, one mapped data page at 0x100000 and captured stdio. */
function setUp(stdin = new Uint8Array(0)) {
  const memory = new PhysicalMemory({ ramBytes: 16 << 20 });
  const space = new AddressSpace(memory);
  space.mapRange(0x100000, 0x1000);
  space.brkStart = 0x200000;
  space.brk = 0x200000;
  const cpu = new Cpu({ memory, ports: new PortBus() });
  cpu.enterFlatProtectedMode({ cpl: 3 });
  const stdout: number[] = [];
  const diagnostics: string[] = [];
  const syscalls = new LinuxSyscalls({
    cpu,
    space,
    realTime: false,
    workingDirectory: directory,
    diagnostics: (text) => diagnostics.push(text),
    standardFiles: [
      newOpenFile('input', { input: stdin }),
      newOpenFile('output', { output: (bytes) => stdout.push(...bytes), flags: 1 }),
      newOpenFile('output', { output: () => {}, flags: 1 }),
    ],
    executable: '/bin/test',
    nextPid: () => 2000,
  });
  const call = (number: number, ...args: number[]): number => {
    const registers = [Register.Ebx, Register.Ecx, Register.Edx, Register.Esi, Register.Edi, Register.Ebp];
    cpu.writeRegister(Register.Eax, number);
    registers.forEach((register, index) => {
      cpu.writeRegister(register, (args[index] ?? 0) >>> 0);
    });
    syscalls.dispatch();
    return cpu.readRegister(Register.Eax) | 0;
  };
  const putString = (address: number, text: string): void => space.write(address, Buffer.from(`${text}\0`));
  return { memory, space, cpu, syscalls, call, stdout, diagnostics, putString };
}

describe('LinuxSyscalls', () => {
  it('writes guest bytes to stdout and returns the count', () => {
    const { call, space, stdout } = setUp();
    space.write(0x100000, Buffer.from('hello'));
    expect(call(Syscall.write, 1, 0x100000, 5)).toBe(5);
    expect(Buffer.from(stdout).toString()).toBe('hello');
  });

  it('returns EFAULT for buffers outside the mapped pages, including ones running off a mapped page', () => {
    const { call, stdout } = setUp();
    expect(call(Syscall.write, 1, 0x300000, 4)).toBe(-Errno.EFAULT);
    expect(call(Syscall.write, 1, 0x100ffe, 4)).toBe(-Errno.EFAULT);
    expect(call(Syscall.write, 1, 0xfffffff0, 0x20)).toBe(-Errno.EFAULT);
    expect(call(Syscall.read, 0, 0x0, 1)).toBe(-Errno.EFAULT);
    expect(stdout).toEqual([]);
  });

  it('caps huge counts to what is mapped instead of allocating them', () => {
    const { call } = setUp();
    expect(call(Syscall.read, 0, 0x100000, 0x7fffffff)).toBe(-Errno.EFAULT);
    expect(call(Syscall.write, 1, 0x100000, 0xffffffff)).toBe(-Errno.EINVAL);
  });

  it('reads stdin into guest memory and reports end of file', () => {
    const { call, space } = setUp(Buffer.from('abc'));
    expect(call(Syscall.read, 0, 0x100010, 16)).toBe(3);
    expect(Buffer.from(space.read(0x100010, 3)).toString()).toBe('abc');
    expect(call(Syscall.read, 0, 0x100010, 16)).toBe(0);
  });

  it('rejects unknown descriptors with EBADF', () => {
    const { call } = setUp();
    expect(call(Syscall.write, 77, 0x100000, 1)).toBe(-Errno.EBADF);
    expect(call(Syscall.close, 0xffffffff)).toBe(-Errno.EBADF);
  });

  it('returns ENAMETOOLONG for an unterminated path longer than PATH_MAX and EFAULT for one off the mapping', () => {
    const { call, space } = setUp();
    space.write(0x100000, new Uint8Array(0x1000).fill(0x61));
    expect(call(Syscall.open, 0x100000, 0, 0)).toBe(-Errno.ENAMETOOLONG);
    expect(call(Syscall.open, 0x100f00, 0, 0)).toBe(-Errno.EFAULT);
    expect(call(Syscall.open, 0x500000, 0, 0)).toBe(-Errno.EFAULT);
  });

  it('creates, writes, seeks and reads back a host file relative to the working directory', () => {
    const { call, putString, space } = setUp();
    putString(0x100000, 'file.txt');
    space.write(0x100100, Buffer.from('0123456789'));
    const fd = call(Syscall.open, 0x100000, 0x41 | 0x200, 0o644);
    expect(fd).toBe(3);
    expect(call(Syscall.write, fd, 0x100100, 10)).toBe(10);
    expect(call(Syscall.lseek, fd, 4, 0)).toBe(4);
    expect(call(Syscall.close, fd)).toBe(0);
    expect(fs.readFileSync(path.join(directory, 'file.txt'), 'utf8')).toBe('0123456789');
    const again = call(Syscall.open, 0x100000, 0, 0);
    expect(call(Syscall.lseek, again, -3, 2)).toBe(7);
    expect(call(Syscall.read, again, 0x100200, 100)).toBe(3);
    expect(Buffer.from(space.read(0x100200, 3)).toString()).toBe('789');
  });

  it('fills struct stat64 with the host size and mode', () => {
    const { call, putString, space } = setUp();
    fs.writeFileSync(path.join(directory, 'sized'), Buffer.alloc(1234));
    putString(0x100000, 'sized');
    expect(call(Syscall.stat64, 0x100000, 0x100100)).toBe(0);
    const view = new DataView(space.read(0x100100, 96).buffer);
    expect(Number(view.getBigInt64(44, true))).toBe(1234);
    expect(view.getUint32(16, true) & 0o170000).toBe(0o100000);
    putString(0x100000, 'missing');
    expect(call(Syscall.stat64, 0x100000, 0x100100)).toBe(-Errno.ENOENT);
  });

  it('answers getcwd with ERANGE when the buffer is too small', () => {
    const { call, space } = setUp();
    expect(call(Syscall.getcwd, 0x100000, 4)).toBe(-Errno.ERANGE);
    const length = call(Syscall.getcwd, 0x100000, 4096);
    expect(Buffer.from(space.read(0x100000, length - 1)).toString()).toBe(directory);
  });

  it('grows and shrinks the heap with brk and refuses to move it below its start', () => {
    const { call, space } = setUp();
    expect(call(Syscall.brk, 0)).toBe(0x200000);
    expect(call(Syscall.brk, 0x203456)).toBe(0x203456);
    expect(space.check(0x200000, 0x4000)).toBe(true);
    expect(call(Syscall.brk, 0x100)).toBe(0x203456);
    expect(call(Syscall.brk, 0x201000)).toBe(0x201000);
    expect(space.check(0x201000, 1)).toBe(false);
  });

  it('maps zeroed anonymous memory, and unmaps it', () => {
    const { call, space, memory } = setUp();
    const address = call(Syscall.mmap2, 0, 0x3000, 3, 0x22, -1, 0) >>> 0;
    expect(address % 4096).toBe(0);
    expect(space.check(address, 0x3000)).toBe(true);
    expect(Array.from(memory.ram.subarray(address, address + 0x3000)).every((byte) => byte === 0)).toBe(true);
    expect(call(Syscall.munmap, address, 0x3000)).toBe(0);
    expect(space.check(address, 1)).toBe(false);
    expect(call(Syscall.mmap2, 0, 0, 3, 0x22, -1, 0)).toBe(-Errno.EINVAL);
    expect(call(Syscall.mmap2, 0, 0x40000000, 3, 0x22, -1, 0)).toBe(-Errno.ENOMEM);
  });

  it('ends the process on exit_group with the low 8 bits of the status', () => {
    const { call } = setUp();
    expect(() => call(Syscall.exit_group, 0x1ff)).toThrow(ProcessExit);
    try {
      call(Syscall.exit_group, 0x1ff);
    } catch (error) {
      expect((error as ProcessExit).status).toBe(0xff);
    }
  });

  it('returns ENOSYS for an unknown syscall and reports it once', () => {
    const { call, diagnostics } = setUp();
    expect(call(9999)).toBe(-Errno.ENOSYS);
    expect(call(9999)).toBe(-Errno.ENOSYS);
    expect(diagnostics.filter((line) => line.includes('9999'))).toHaveLength(1);
  });

  it('answers TCGETS with ENOTTY when stdout is not a terminal', () => {
    const { call } = setUp();
    expect(call(Syscall.ioctl, 1, 0x5401, 0x100000)).toBe(-Errno.ENOTTY);
  });

  it('keeps a deterministic clock that only moves with retired instructions', () => {
    const first = setUp();
    const second = setUp();
    expect(first.call(Syscall.clock_gettime64, 0, 0x100000)).toBe(0);
    expect(second.call(Syscall.clock_gettime64, 0, 0x100000)).toBe(0);
    expect(Array.from(first.space.read(0x100000, 16))).toEqual(Array.from(second.space.read(0x100000, 16)));
    first.syscalls.instructionsRetired = 100_000_000;
    const before = first.call(Syscall.time, 0);
    expect(first.call(Syscall.time, 0)).toBe(before);
    expect(before - second.call(Syscall.time, 0)).toBe(1);
  });

  it('installs a TLS descriptor with set_thread_area and returns the chosen entry', () => {
    const { call, space, cpu } = setUp();
    const descriptor = new Uint8Array(16);
    const view = new DataView(descriptor.buffer);
    view.setInt32(0, -1, true);
    view.setUint32(4, 0x12345678, true);
    view.setUint32(8, 0xfffff, true);
    view.setUint32(12, 0x51, true); // seg_32bit, limit_in_pages, useable
    space.write(0x100000, descriptor);
    expect(call(Syscall.set_thread_area, 0x100000)).toBe(0);
    expect(new DataView(space.read(0x100000, 4).buffer).getInt32(0, true)).toBe(6);
    const entry = new DataView(space.read(space.gdtAddress + 6 * 8, 8).buffer);
    const low = entry.getUint32(0, true);
    const high = entry.getUint32(4, true);
    expect(((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) >>> 0).toBe(0x12345678);
    expect((high >>> 8) & 0xff).toBe(0xf3); // present, DPL 3, data read/write accessed
    expect(cpu.readRegister(Register.Eax)).toBe(0);
  });

  it('pipes bytes within the process and reports EOF once the writer is closed', () => {
    const { call, space } = setUp();
    expect(call(Syscall.pipe, 0x100000)).toBe(0);
    const view = new DataView(space.read(0x100000, 8).buffer);
    const [readEnd, writeEnd] = [view.getInt32(0, true), view.getInt32(4, true)];
    space.write(0x100100, Buffer.from('xyz'));
    expect(call(Syscall.write, writeEnd, 0x100100, 3)).toBe(3);
    expect(call(Syscall.read, readEnd, 0x100200, 10)).toBe(3);
    expect(call(Syscall.read, readEnd, 0x100200, 10)).toBe(-Errno.EAGAIN);
    expect(call(Syscall.close, writeEnd)).toBe(0);
    expect(call(Syscall.read, readEnd, 0x100200, 10)).toBe(0);
  });

  it('never lets random arguments to non-mutating syscalls throw a host exception', () => {
    const { call, space } = setUp(Buffer.from('input'));
    const mutating = new Set<number>([
      Syscall.open,
      Syscall.openat,
      Syscall.creat,
      Syscall.unlink,
      Syscall.unlinkat,
      Syscall.rmdir,
      Syscall.mkdir,
      Syscall.mkdirat,
      Syscall.rename,
      Syscall.renameat,
      Syscall.renameat2,
      Syscall.link,
      Syscall.linkat,
      Syscall.symlink,
      Syscall.symlinkat,
      Syscall.chmod,
      Syscall.fchmodat,
      Syscall.fchmod,
      Syscall.chown,
      Syscall.chown32,
      Syscall.lchown32,
      Syscall.fchown,
      Syscall.fchown32,
      Syscall.fchownat,
      Syscall.truncate,
      Syscall.truncate64,
      Syscall.ftruncate,
      Syscall.ftruncate64,
      Syscall.utime,
      Syscall.utimes,
      Syscall.utimensat,
      Syscall.utimensat_time64,
      Syscall.chdir,
    ]);
    const numbers = [...Object.values(Syscall).filter((number) => !mutating.has(number)), 0, 400, 9999];
    let state = 99;
    const next = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state;
    };
    const interesting = [
      0,
      1,
      2,
      3,
      8,
      0x100000,
      0x100ff0,
      0x0fffff,
      0xffffffff,
      0x7fffffff,
      0x80000000,
      -100 >>> 0,
    ];
    for (let round = 0; round < 20_000; round++) {
      space.write(0x100000 + (next() & 0xff0), Uint8Array.of(next() & 0xff, next() & 0xff, next() & 0xff, 0));
      const number = numbers[next() % numbers.length] ?? 0;
      const args = Array.from({ length: 6 }, () =>
        next() & 1 ? (interesting[next() % interesting.length] ?? 0) : next(),
      );
      try {
        const result = call(number, ...args);
        expect(Number.isInteger(result)).toBe(true);
      } catch (error) {
        expect(error).toBeInstanceOf(ProcessExit);
      }
    }
  });
});
