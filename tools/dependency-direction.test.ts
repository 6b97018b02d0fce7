import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkManifest, checkRepository, checkSource } from './dependency-direction.mjs';

describe('dependency direction (ARCHITECTURE.md)', () => {
  it('holds for the repository as it is', () => {
    expect(checkRepository(fileURLToPath(new URL('..', import.meta.url)))).toEqual([]);
  });

  it('rejects vmi-spec importing anything from the workspace', () => {
    expect(checkSource('@openvmi/vmi-spec', 'a.ts', "import { Cpu } from '@openvmi/x86-core';")).toHaveLength(
      1,
    );
  });

  it('rejects devices importing the CPU class, but allows its interface types', () => {
    expect(checkSource('@openvmi/devices', 'a.ts', "import { Cpu } from '@openvmi/x86-core';")).toEqual([
      'a.ts: @openvmi/devices may import only types from @openvmi/x86-core',
    ]);
    expect(
      checkSource('@openvmi/devices', 'a.ts', "import type { PortIo } from '@openvmi/x86-core';"),
    ).toEqual([]);
  });

  it('rejects an upward import (x86-core importing devices)', () => {
    expect(checkSource('@openvmi/x86-core', 'a.ts', "export * from '@openvmi/devices';")).toHaveLength(1);
  });

  it('rejects host access outside the runner', () => {
    expect(checkSource('@openvmi/x86-core', 'a.ts', "import { readFileSync } from 'node:fs';")).toHaveLength(
      1,
    );
    expect(checkSource('@openvmi/guest', 'a.ts', "const fs = await import('fs');")).toHaveLength(1);
    expect(checkSource('@openvmi/runner', 'a.ts', "import { readFileSync } from 'node:fs';")).toEqual([]);
  });

  it('rejects a manifest dependency that breaks the direction', () => {
    expect(
      checkManifest({ name: '@openvmi/vmi-native', dependencies: { '@openvmi/x86-core': 'workspace:*' } }),
    ).toHaveLength(1);
  });
});
