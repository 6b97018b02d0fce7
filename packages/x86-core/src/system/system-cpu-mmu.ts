/** Attaches the MMU to a CPU on first use. */

import { Access, Mmu } from './paging.js';
import type { SystemCpu } from './system-cpu.js';

export { Access };

/** The CPU's MMU, created (and stored in `cpu.mmu`) on first use. */
export function mmuOf(cpu: SystemCpu): Mmu {
  let mmu = cpu.mmu;
  if (mmu === undefined) {
    mmu = new Mmu(cpu.memory);
    cpu.mmu = mmu;
  }
  return mmu;
}
