import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  buildRealModeRom,
  buildSystemProgram,
  hasCommand,
  runOnBoard,
  runRomOnBoard,
} from './system-board.js';

const expectedPath = fileURLToPath(new URL('./system-programs/expected-transcript.txt', import.meta.url));

describe('system-mode test program on the OpenVMI CPU', () => {
  it.runIf(hasCommand('gcc') && hasCommand('ld'))(
    'prints the expected exceptions, error codes, page faults, ring and task transitions',
    () => {
      const elf = buildSystemProgram();
      onTestFinished(() => rmSync(dirname(elf), { recursive: true, force: true }));
      const run = runOnBoard(elf);
      expect(run.console).toBe(readFileSync(expectedPath, 'latin1'));
      expect(run.exitValue).toBe(0);
    },
  );
});

describe('real-mode ROM on the OpenVMI CPU', () => {
  it.runIf(hasCommand('gcc') && hasCommand('ld'))(
    'starts at the reset vector, uses the IVT, switches to protected mode and back',
    () => {
      const rom = buildRealModeRom();
      onTestFinished(() => rmSync(dirname(rom), { recursive: true, force: true }));
      const run = runRomOnBoard(rom);
      expect(run.console).toBe(
        [
          'real mode',
          '  int 0x60: ax=1234 from f000:002d',
          '  #DE through the IVT',
          'after the divide error',
          'protected mode, cr0=60000011',
          'real mode again',
          '  int 0x60: ax=1111 from f000:00b0',
          '',
        ].join('\n'),
      );
      expect(run.exitValue).toBe(0);
    },
  );
});

describe('shutdown', () => {
  it.runIf(hasCommand('gcc') && hasCommand('ld'))(
    'stops with triple-fault when #DF cannot be delivered',
    () => {
      const rom = buildRealModeRom({ tripleFault: true });
      onTestFinished(() => rmSync(dirname(rom), { recursive: true, force: true }));
      const run = runRomOnBoard(rom);
      expect(run.reason).toBe('triple-fault');
      expect(run.console).toBe('real mode\n');
    },
  );
});
