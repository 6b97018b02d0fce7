import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSystemProgram, hasCommand, runOnBoard } from './system-board.js';

const expectedPath = fileURLToPath(new URL('./system-programs/expected-transcript.txt', import.meta.url));

describe('system-mode test program on the OpenVMI CPU', () => {
  it.runIf(hasCommand('gcc') && hasCommand('ld'))(
    'prints the expected exceptions, error codes, page faults, ring and task transitions',
    () => {
      const elf = buildSystemProgram();
      const run = runOnBoard(elf);
      expect(run.console).toBe(readFileSync(expectedPath, 'latin1'));
      expect(run.exitValue).toBe(0);
    },
  );
});
