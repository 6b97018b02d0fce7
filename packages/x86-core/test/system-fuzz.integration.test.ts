import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../src/cpu/cpu.js';
import { Register } from '../src/cpu/registers.js';
import { PhysicalMemory, PortBus } from '../src/memory/index.js';

/**
 * Random code and random system tables in system mode: the CPU (core + src/system) must only
 * ever produce guest-visible outcomes (budget, halt, triple fault), never a host exception.
 */
describe('system-mode fuzz', () => {
  it('runs random bytes over random GDT/IDT/page tables without host exceptions', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
        fc.uint8Array({ minLength: 4096, maxLength: 4096 }),
        fc.boolean(),
        fc.constantFrom(0, 3),
        fc.boolean(),
        (code, tables, paging, cpl, validTables) => {
          const memory = new PhysicalMemory({ ramBytes: 4 << 20 });
          const cpu = new Cpu({ memory, ports: new PortBus() });
          cpu.enterFlatProtectedMode({ cpl });
          memory.writeBytes(0x1000, tables); // GDT/IDT/TSS/page directory share this page
          memory.writeBytes(0x100000, code);
          cpu.gdtrBase = 0x1000;
          cpu.gdtrLimit = 0x3ff;
          cpu.idtrBase = 0x1400;
          cpu.idtrLimit = 0x7ff;
          cpu.trBase = 0x1c00;
          cpu.trLimit = 0x67;
          cpu.trFlags = 0x8b00;
          if (validTables) {
            // Flat ring 0/3 code and data, a TSS with SS0:ESP0, every IDT vector a DPL 3 interrupt
            // gate into the random code (so faults nest through real handlers, not only #DF).
            const descriptors = [
              0, 0, 0x0000ffff, 0x00cf9a00, 0x0000ffff, 0x00cf9200, 0x0000ffff, 0x00cffa00,
            ];
            descriptors.push(0x0000ffff, 0x00cff200, 0x1c000067, 0x00008900);
            descriptors.forEach((value, index) => {
              memory.write32(0x1000 + index * 4, value);
            });
            for (let vector = 0; vector < 256; vector++) {
              memory.write32(0x1400 + vector * 8, 0x00080000 | ((vector * 16) & 0xffff));
              memory.write32(0x1400 + vector * 8 + 4, 0x0010ee00);
            }
            memory.write32(0x1c04, 0x300000);
            memory.write32(0x1c08, 0x10);
            cpu.trSelector = 0x28;
          }
          if (paging) {
            // Identity-map the first 4 MiB with a 4 MiB page, random bits elsewhere in the directory.
            memory.write32(0x1000 + 0, 0x87);
            cpu.cr4 = 0x10;
            cpu.cr3 = 0x1000;
            cpu.cr0 = (cpu.cr0 | 0x80000000) >>> 0;
          }
          cpu.writeRegister(Register.Eip, 0x100000);
          cpu.writeRegister(Register.Esp, 0x200000);
          const result = cpu.run(2_000);
          expect(['budget', 'halt', 'triple-fault', 'exit']).toContain(result.reason);
        },
      ),
      { numRuns: 60, seed: 7 },
    );
  });
});
