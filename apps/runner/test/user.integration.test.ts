/**
 * `openvmi user` end to end through the built CLI: small static i386 programs (assembled with
 * gcc -m32 -nostdlib -static) exercise exit status, argv, fatal signals, signal delivery with
 * rt_sigreturn, and ELF rejection.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'openvmi-user-'));
afterAll(() => fs.rmSync(directory, { recursive: true, force: true }));

function build(name: string, body: string): string {
  const source = path.join(directory, `${name}.S`);
  const binary = path.join(directory, name);
  fs.writeFileSync(source, `  .intel_syntax noprefix\n  .text\n  .globl _start\n_start:\n${body}\n`);
  const result = spawnSync('gcc', ['-m32', '-nostdlib', '-static', '-no-pie', '-o', binary, source], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`gcc failed: ${result.stderr}`);
  return binary;
}

function run(...argv: string[]) {
  return spawnSync(process.execPath, [cli, 'user', ...argv], { encoding: 'latin1' });
}

describe('openvmi user', () => {
  it('writes to stdout and exits with the guest status', () => {
    const binary = build(
      'hello',
      `  mov eax, 4
  mov ebx, 1
  mov ecx, offset message
  mov edx, 3
  int 0x80
  mov eax, 252
  mov ebx, 3
  int 0x80
message: .ascii "hi\\n"`,
    );
    const result = run(binary);
    expect(result.stdout).toBe('hi\n');
    expect(result.status).toBe(3);
  });

  it('passes argc on the stack', () => {
    const binary = build('argc', '  mov ebx, [esp]\n  mov eax, 1\n  int 0x80');
    expect(run(binary, 'a', 'b', 'c').status).toBe(4);
  });

  it('ends with 128+SIGILL on UD2 and 128+SIGFPE on a division by zero', () => {
    expect(run(build('ud2', '  ud2')).status).toBe(128 + 4);
    expect(run(build('divide', '  xor ecx, ecx\n  div ecx')).status).toBe(128 + 8);
  });

  it('delivers a signal to a handler and resumes with the registers restored by rt_sigreturn', () => {
    const binary = build(
      'signal',
      `  mov dword ptr [action], offset handler
  mov dword ptr [action+4], 0x04000004      # SA_RESTORER | SA_SIGINFO
  mov dword ptr [action+8], offset restorer
  mov eax, 174                               # rt_sigaction(SIGUSR1, &action, 0, 8)
  mov ebx, 10
  mov ecx, offset action
  xor edx, edx
  mov esi, 8
  int 0x80
  mov eax, 20                                # getpid
  int 0x80
  mov ebx, eax                               # kill(pid, SIGUSR1)
  mov ecx, 10
  mov eax, 37
  mov esi, 0x1234
  mov edi, 0x5678
  int 0x80
  cmp esi, 0x1234
  jne bad
  cmp edi, 0x5678
  jne bad
  mov eax, 4
  mov ebx, 1
  mov ecx, offset after
  mov edx, 1
  int 0x80
  mov eax, 1
  xor ebx, ebx
  int 0x80
bad:
  mov eax, 1
  mov ebx, 99
  int 0x80
handler:
  cmp dword ptr [esp+4], 10                  # the signal number argument
  jne bad
  mov esi, 0                                 # clobbered; rt_sigreturn must restore it
  mov edi, 0
  mov eax, 4
  mov ebx, 1
  mov ecx, offset inside
  mov edx, 1
  int 0x80
  ret
restorer:
  mov eax, 173
  int 0x80
inside: .ascii "H"
after: .ascii "M"
  .bss
action: .space 20`,
    );
    const result = run(binary);
    expect(result.stdout).toBe('HM');
    expect(result.status).toBe(0);
  });

  it('replaces the image on execve, keeping argv, and returns -ENOENT to the caller for a missing file', () => {
    const target = build('exit-argc', '  mov ebx, [esp]\n  mov eax, 1\n  int 0x80');
    const caller = build(
      'exec',
      `  mov eax, 11                               # execve("missing", argv, 0) fails
  mov ebx, offset missing
  mov ecx, offset arguments
  xor edx, edx
  int 0x80
  cmp eax, -2
  jne failed
  mov eax, 11                               # execve(target, {target, "x", "y"}, 0)
  mov ebx, offset target
  mov ecx, offset arguments
  int 0x80
failed:
  mov ebx, 99
  mov eax, 1
  int 0x80
missing: .asciz "missing-program"
target: .asciz "${target}"
x: .asciz "x"
  .data
arguments: .long target, x, x, 0`,
    );
    expect(run(caller).status).toBe(3);
  });

  it('runs a forked child to completion and reports its status through wait4', () => {
    const binary = build(
      'fork',
      `  mov eax, 2                                # fork
  int 0x80
  test eax, eax
  jnz parent
  mov eax, 4                                # child: write "C", exit 7
  mov ebx, 1
  mov ecx, offset child_text
  mov edx, 1
  int 0x80
  mov eax, 1
  mov ebx, 7
  int 0x80
parent:
  mov esi, eax
  mov eax, 114                              # wait4(-1, &status, 0, 0)
  mov ebx, -1
  mov ecx, offset status
  xor edx, edx
  int 0x80
  cmp eax, esi
  jne broken
  cmp dword ptr [status], 0x700
  jne broken
  mov eax, 4
  mov ebx, 1
  mov ecx, offset parent_text
  mov edx, 1
  int 0x80
  mov eax, 114                              # no more children: -ECHILD
  mov ebx, -1
  xor ecx, ecx
  int 0x80
  neg eax
  mov ebx, eax
  mov eax, 1
  int 0x80
broken:
  mov eax, 1
  mov ebx, 99
  int 0x80
child_text: .ascii "C"
parent_text: .ascii "P"
  .bss
status: .space 4`,
    );
    const result = run(binary);
    expect(result.stdout).toBe('CP');
    expect(result.status).toBe(10); // ECHILD

    // --stats counts the child's instructions too: the ten from its fork return to its exit.
    const counted = run('--stats', binary);
    const match =
      /: (\d+) instructions in [\d.]+ s wall \([\d.]+ MIPS; (\d+) in the first process, (\d+) in forked children\)/.exec(
        counted.stderr,
      );
    expect(match, counted.stderr).not.toBeNull();
    const [total, first, children] = [Number(match?.[1]), Number(match?.[2]), Number(match?.[3])];
    expect(total).toBe(first + children);
    expect(children).toBeGreaterThanOrEqual(9);
    expect(children).toBeLessThanOrEqual(10);
  });

  it('rejects a file that is not an i386 ELF with status 126 and names the problem', () => {
    const text = path.join(directory, 'not-elf');
    fs.writeFileSync(text, 'just text, long enough to be read as a header by mistake\n');
    const result = run(text);
    expect(result.status).toBe(126);
    expect(result.stderr).toContain('bad magic');
  });

  it('stops a runaway program at --max-instructions with status 124', () => {
    const result = run('--max-instructions', '100000', build('loop', 'again:\n  jmp again'));
    expect(result.status).toBe(124);
    expect(result.stderr).toContain('instruction limit');
  });
});
