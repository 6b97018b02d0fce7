import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { C_HEADER_PATH, generateCHeader } from './c-header.js';
import { VMI_CALLS } from './call-table.js';
import { withCallTable } from './call-table-markdown.js';

describe('the generated C header', () => {
  it('is committed exactly as the generator produces it (run `pnpm --filter @openvmi/vmi-spec generate`)', () => {
    const committed = readFileSync(fileURLToPath(new URL(`../${C_HEADER_PATH}`, import.meta.url)), 'utf8');
    expect(committed).toBe(generateCHeader());
  });

  it('defines every call number once, in table order', () => {
    const text = generateCHeader();
    const defined = [...text.matchAll(/^#define VMI_CALL_(\w+) +(\d+) +\/\*/gm)].map((match) => [
      match[1],
      Number(match[2]),
    ]);
    expect(defined).toEqual(VMI_CALLS.map((call) => [call.name, call.number]));
  });

  it('checks every layout offset at compile time', () => {
    const text = generateCHeader();
    expect(text).toContain('_Static_assert(sizeof(struct vrom_header) == 144');
    expect(text).toContain('_Static_assert(offsetof(struct vrom_header, get_reloc) == 136');
    expect(text).toContain('_Static_assert(sizeof(struct vmi_ap_state) == 92');
    expect(text).toContain('_Static_assert(offsetof(struct vmi_ap_state, idtr_limit) == 88');
  });
});

describe('the README call table', () => {
  it('is the table generated from the call table (run `pnpm --filter @openvmi/vmi-spec generate`)', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    expect(readme).toBe(withCallTable(readme));
    expect(readme).toMatch(/\| 33 +\| IRET +\| \[ESP\+0\] eip/);
  });
});
