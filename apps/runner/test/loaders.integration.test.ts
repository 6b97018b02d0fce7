import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { standardMemoryMap } from '../src/loaders/guest-ram.js';
import { loadMultiboot } from '../src/loaders/multiboot.js';

describe('loaders on real images', () => {
  it('loads the bundled guest kernel with the multiboot loader', () => {
    const image = readFileSync(
      fileURLToPath(new URL('../../../packages/guest/dist/images/guest.elf', import.meta.url)),
    );
    const ram = { bytes: new Uint8Array(64 << 20) };
    const loaded = loadMultiboot(ram, {
      image: new Uint8Array(image),
      commandLine: '',
      memoryMap: standardMemoryMap(64 << 20),
    });
    expect(loaded.loadedRange.start).toBeGreaterThanOrEqual(0x100000);
    expect(loaded.entry.eip).toBeGreaterThanOrEqual(loaded.loadedRange.start);
    expect(loaded.entry.eip).toBeLessThan(loaded.loadedRange.end);
  });
});
