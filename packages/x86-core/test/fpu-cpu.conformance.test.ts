/**
 * End to end through the CPU: the same x87 oracle ELF (test/fpu-conformance/x87-oracle.c) runs
 * under qemu-i386 and on our `Cpu` (flat 32-bit user mode, INT 0x80 intercepted and serviced
 * here for read/write/exit), on the same generated records; the two outputs must be identical
 * byte for byte (transcendentals excluded: they are checked with a tolerance by
 * fpu-softfloat.conformance.test.ts). This exercises the decoder's D8-DF/ModRM handling, the
 * seam in src/instructions/fpu-bridge.ts and the FPU together.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Cpu, PhysicalMemory, PortBus, Register } from '../src/index.js';
import {
  buildOracle,
  generateRecords,
  OPERATIONS,
  RESULT_BYTES,
  relevantRanges,
  runOracle,
} from './fpu-conformance/x87-harness.js';

const RAM_BYTES = 16 << 20;
const STACK_TOP = 0xf00000;

/** Loads the PT_LOAD segments of a static 32-bit ELF into memory; returns the entry point. */
function loadElf(memory: PhysicalMemory, image: Uint8Array): number {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  if (view.getUint32(0, false) !== 0x7f454c46 || image[4] !== 1) throw new Error('not an ELF32 file');
  const entry = view.getUint32(24, true);
  const programHeaderOffset = view.getUint32(28, true);
  const programHeaderSize = view.getUint16(42, true);
  const programHeaderCount = view.getUint16(44, true);
  for (let index = 0; index < programHeaderCount; index++) {
    const header = programHeaderOffset + index * programHeaderSize;
    if (view.getUint32(header, true) !== 1) continue; // PT_LOAD
    const offset = view.getUint32(header + 4, true);
    const address = view.getUint32(header + 8, true);
    const fileSize = view.getUint32(header + 16, true);
    const memorySize = view.getUint32(header + 20, true);
    if (address + memorySize > RAM_BYTES) throw new Error('ELF segment outside test memory');
    memory.writeBytes(address, new Uint8Array(memorySize));
    memory.writeBytes(address, image.subarray(offset, offset + fileSize));
  }
  return entry;
}

/** Runs the oracle on our CPU with `input` as stdin; returns stdout. */
function runOnCpu(binary: string, input: Uint8Array): Uint8Array {
  const memory = new PhysicalMemory({ ramBytes: RAM_BYTES });
  const cpu = new Cpu({ memory, ports: new PortBus() });
  cpu.enterFlatProtectedMode({ cpl: 3 });
  cpu.setFlags(0x202);
  cpu.eip = loadElf(memory, readFileSync(binary));
  cpu.writeRegister(Register.Esp, STACK_TOP);
  cpu.intercepts.softwareInterrupts.add(0x80);
  const output: Uint8Array[] = [];
  let inputOffset = 0;
  for (let steps = 0; steps < 100_000; steps++) {
    const result = cpu.run(50_000_000);
    if (result.reason !== 'exit' || result.exit?.kind !== 'software-interrupt') {
      throw new Error(`unexpected stop: ${JSON.stringify(result)} at eip ${cpu.eip.toString(16)}`);
    }
    const number = cpu.readRegister(Register.Eax);
    const buffer = cpu.readRegister(Register.Ecx);
    const count = cpu.readRegister(Register.Edx);
    if (number === 1) break; // exit
    if (number === 3) {
      const chunk = input.subarray(inputOffset, Math.min(input.length, inputOffset + count));
      memory.writeBytes(buffer, chunk);
      inputOffset += chunk.length;
      cpu.writeRegister(Register.Eax, chunk.length);
    } else if (number === 4) {
      output.push(memory.readBytes(buffer, count).slice());
      cpu.writeRegister(Register.Eax, count);
    } else {
      throw new Error(`unexpected system call ${number}`);
    }
  }
  const total = output.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of output) {
    joined.set(chunk, offset);
    offset += chunk.length;
  }
  return joined;
}

describe('x87 through the CPU against qemu-i386', () => {
  it('runs the oracle program with identical output', () => {
    const binary = buildOracle();
    const exactOperations = OPERATIONS.filter((operation) => !operation.approximate);
    const all = generateRecords(7, 48);
    // Keep the exact operations only (transcendentals are compared with a tolerance elsewhere).
    const exactIds = new Set(exactOperations.map((operation) => operation.id));
    const kept: Uint8Array[] = [];
    for (let offset = 0; offset < all.length; offset += 32) {
      if (exactIds.has(all[offset]!)) kept.push(all.subarray(offset, offset + 32));
    }
    const records = new Uint8Array(kept.length * 32);
    for (const [index, record] of kept.entries()) records.set(record, index * 32);
    const expected = runOracle(binary, records);
    const actual = runOnCpu(binary, records);
    expect(actual.length).toBe(expected.length);
    const differences: string[] = [];
    const byId = new Map(OPERATIONS.map((operation) => [operation.id, operation]));
    for (let index = 0; index < records.length / 32; index++) {
      const start = index * RESULT_BYTES;
      const operation = byId.get(records[index * 32]!)!;
      const same = relevantRanges(operation).every(([from, to]) => {
        for (let byte = from; byte < to; byte++)
          if (expected[start + byte] !== actual[start + byte]) return false;
        return true;
      });
      const flagsSame =
        operation.output !== 'flags' || (expected[start + 32]! & 0x45) === (actual[start + 32]! & 0x45);
      if (!same || !flagsSame) differences.push(`record ${index} (${operation.name})`);
    }
    console.log(
      `x87 via CPU: ${records.length / 32 - differences.length}/${records.length / 32} records identical`,
    );
    expect(differences.slice(0, 20)).toEqual([]);
  });
});
