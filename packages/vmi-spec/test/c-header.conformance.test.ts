import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const headerDirectory = fileURLToPath(new URL('../c', import.meta.url));
const hasGcc = spawnSync('sh', ['-c', 'command -v gcc']).status === 0;

// gcc -m32 is the reference for the i386 layouts: the header's _Static_asserts fail the compile
// if any offset or size the tables declare differs from what gcc lays out.
describe.runIf(hasGcc)('vmi.generated.h under gcc -m32', () => {
  it('compiles freestanding with -Wall -Wextra -Werror, every layout assertion holding', () => {
    const directory = mkdtempSync(join(tmpdir(), 'openvmi-header-'));
    try {
      const source = join(directory, 'check.c');
      writeFileSync(
        source,
        [
          '#include "vmi.generated.h"',
          '#define NAME(number, name) _Static_assert(VMI_CALL_##name == number, #name);',
          'VMI_CALL_LIST(NAME)',
          '_Static_assert(VMI_CALL_COUNT == 74, "count");',
          'int vmi_header_check;',
          '',
        ].join('\n'),
      );
      const result = spawnSync(
        'gcc',
        [
          '-m32',
          '-ffreestanding',
          '-std=gnu11',
          '-Wall',
          '-Wextra',
          '-Werror',
          '-c',
          '-I',
          headerDirectory,
          source,
          '-o',
          join(directory, 'check.o'),
        ],
        { encoding: 'utf8' },
      );
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
