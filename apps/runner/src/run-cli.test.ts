import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands.js';
import { EXIT_USAGE, runCli } from './run-cli.js';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const status = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { status, stdout, stderr };
}

describe('openvmi CLI', () => {
  it('prints usage listing every subcommand with --help', async () => {
    const { status, stdout } = await run('--help');
    expect(status).toBe(0);
    for (const name of ['boot', 'user', 'rom', 'bench'])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('marks each pending subcommand as not yet implemented', async () => {
    const { stdout } = await run('--help');
    for (const command of COMMANDS.filter((entry) => entry.pendingIssue !== undefined)) {
      expect(stdout).toMatch(new RegExp(`^  ${command.name} .*\\(not yet implemented\\)$`, 'm'));
    }
  });

  it('exits non-zero when a pending subcommand is invoked', async () => {
    for (const command of COMMANDS.filter((entry) => entry.pendingIssue !== undefined)) {
      const result = await run(command.name);
      expect(result.status).toBe(EXIT_USAGE);
      expect(result.stderr).toContain('not yet implemented');
    }
  });

  it('rejects an unknown subcommand with a clear message', async () => {
    const result = await run('frobnicate');
    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toContain('unknown command "frobnicate"');
  });
});
