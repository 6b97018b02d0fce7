import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FakeSystemCpu } from './fake-cpu.js';
import { farCall, farJump, farReturn } from './far-transfer.js';
import { GuestFault, TripleFault } from './fault.js';
import { deliverInterrupt, interruptReturn } from './interrupts.js';
import { translateLinear } from './linear.js';
import { loadSegment } from './segmentation.js';
import {
  checkIoPermission,
  loadAccessRights,
  loadLdt,
  loadSegmentLimit,
  loadTaskRegister,
  verifySegment,
  writeControlRegister,
} from './system-instructions.js';

/** A CPU whose first 64 KiB (GDT at 0x1000, IDT at 0x2000, TSS at 0x3000, stacks, page tables) are random. */
function randomCpu(bytes: Uint8Array, cpl: number, cr0: number, flags: number): FakeSystemCpu {
  const cpu = new FakeSystemCpu(1 << 17);
  cpu.memory.bytes.set(bytes.subarray(0, Math.min(bytes.length, 1 << 16)));
  cpu.gdtrBase = 0x1000;
  cpu.gdtrLimit = 0xff;
  cpu.idtrBase = 0x2000;
  cpu.idtrLimit = 0x7ff;
  cpu.trBase = 0x3000;
  cpu.trLimit = 0x67;
  cpu.trSelector = 0x28;
  cpu.trFlags = 0x8b00;
  cpu.ldtrBase = 0x4000;
  cpu.ldtrLimit = 0xff;
  cpu.ldtrSelector = 0x30;
  cpu.cr0 = cr0;
  cpu.cr3 = 0x5000;
  cpu.cpl = cpl;
  cpu.setFlags(flags);
  cpu.registers32[4] = 0x8000;
  return cpu;
}

function guestOnly(action: () => void): void {
  try {
    action();
  } catch (caught) {
    if (caught instanceof GuestFault || caught instanceof TripleFault) return;
    throw caught;
  }
}

describe('system layer robustness', () => {
  it('never throws a host error on random descriptor tables, selectors, vectors and stacks', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0x6000, maxLength: 0x6000 }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0x11, 0x80000011, 0x80010011, 0x10),
        fc.constantFrom(0x2, 0x202, 0x3202, 0x20202, 0x4002),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 0xffff })), {
          maxLength: 12,
        }),
        (bytes, cpl, cr0, flags, operations) => {
          const cpu = randomCpu(bytes, cpl, cr0, flags);
          for (const [operation, value] of operations) {
            guestOnly(() => {
              switch (operation) {
                case 0:
                  deliverInterrupt(cpu, value & 0xff, value >>> 14, value & 0x7);
                  break;
                case 1:
                  loadSegment(cpu, value % 6, value);
                  break;
                case 2:
                  farJump(cpu, value, value * 7, value & 1 ? 2 : 4);
                  break;
                case 3:
                  farCall(cpu, value, value * 3, value & 1 ? 2 : 4);
                  break;
                case 4:
                  farReturn(cpu, value & 1 ? 2 : 4, value & 0xe);
                  break;
                case 5:
                  interruptReturn(cpu, value & 1 ? 2 : 4);
                  break;
                case 6:
                  loadTaskRegister(cpu, value);
                  break;
                case 7:
                  loadLdt(cpu, value);
                  break;
                case 8:
                  loadAccessRights(cpu, value);
                  loadSegmentLimit(cpu, value);
                  verifySegment(cpu, value, (value & 1) === 1);
                  break;
                case 9:
                  checkIoPermission(cpu, value, 1 << (value & 2));
                  break;
                case 10:
                  writeControlRegister(cpu, value & 4, value * 0x10001);
                  break;
                default:
                  if ((cpu.cr0 & 0x80000000) !== 0) translateLinear(cpu, value * 0x10001, value & 6);
              }
            });
          }
          expect(cpu.cpl).toBeGreaterThanOrEqual(0);
          expect(cpu.cpl).toBeLessThanOrEqual(3);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
