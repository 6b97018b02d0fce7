import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../memory/physical-memory.js';
import { PortBus } from '../memory/port-bus.js';
import { Cpu } from './cpu.js';

const REASONS = new Set(['budget', 'halt', 'exit', 'triple-fault', 'breakpoint']);

function runRandom(
  bytes: Uint8Array,
  registers: number[],
  mode: number,
  interceptExceptions: boolean,
): string {
  const memory = new PhysicalMemory({ ramBytes: 1 << 20 });
  const cpu = new Cpu({ memory, ports: new PortBus() });
  if (mode === 0) {
    for (let segment = 0; segment < 6; segment++)
      cpu.setSegmentCache(segment, 0, 0, 0xffff, segment === 1 ? 0x9b00 : 0x9300);
  } else {
    cpu.enterFlatProtectedMode({ cpl: mode === 1 ? 0 : 3 });
  }
  registers.forEach((value, index) => {
    cpu.registers32[index] = value;
  });
  cpu.eip = 0x1000;
  memory.writeBytes(0x1000, bytes);
  if (interceptExceptions) for (let vector = 0; vector < 32; vector++) cpu.intercepts.exceptions.add(vector);
  let reason = '';
  // Resume a few times after exits: the caller may continue after any exit record.
  for (let round = 0; round < 4; round++) {
    const result = cpu.run(3000);
    reason = result.reason;
    expect(REASONS.has(result.reason)).toBe(true);
    if (result.reason !== 'exit') break;
    if (result.exit?.kind === 'exception') cpu.eip = (cpu.eip + 1) >>> 0; // skip the faulting byte
  }
  return reason;
}

describe('random byte streams', () => {
  it('never throw a host exception in real mode, flat ring 0 or flat ring 3 (only guest faults and exits)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 96 }),
        fc.array(fc.nat({ max: 0xffffffff }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 }),
        fc.boolean(),
        (bytes, registers, mode, interceptExceptions) => {
          runRandom(bytes, registers, mode, interceptExceptions);
        },
      ),
      { numRuns: 400, seed: 20261128 },
    );
  });

  it('survive prefix-heavy and group-opcode streams', () => {
    const interesting = [
      0x0f, 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x64, 0x65, 0x8e, 0xff, 0xf7, 0xd9, 0xdd, 0x01, 0x00, 0xcf,
      0xca, 0x9a, 0xea, 0x62, 0xc8, 0xcd,
    ];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...interesting), fc.nat({ max: 255 })), {
          minLength: 1,
          maxLength: 64,
        }),
        fc.array(fc.nat({ max: 0xffffffff }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 0, max: 2 }),
        (bytes, registers, mode) => {
          runRandom(Uint8Array.from(bytes), registers, mode, mode !== 0);
        },
      ),
      { numRuns: 400, seed: 7 },
    );
  });
});
