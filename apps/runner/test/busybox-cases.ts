/**
 * The busybox differential suite: applet invocations run under qemu-i386 and `openvmi user`
 * on the same generated inputs; stdout and the exit status must be identical.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runUserProgram } from '../src/user/process.js';

/** One invocation: busybox's arguments (applet first) and optional stdin. */
export interface BusyboxCase {
  name: string;
  argv: string[];
  stdin?: string;
}

/** The environment both runs get. */
export const ENVIRONMENT = ['PATH=/usr/bin:/bin', 'LC_ALL=C', 'HOME=/nonexistent'];

/** Writes the small, deterministic input files into `directory`. */
export function createInputs(directory: string, busybox: string): void {
  const words = [
    'pear',
    'apple',
    'fig',
    'banana',
    'cherry',
    'apple',
    'date',
    'kiwi',
    'banana',
    'elderberry',
    'grape',
    'fig',
  ];
  const lines = Array.from(
    { length: 40 },
    (_, index) => `line ${index} ${words[index % words.length]} ${(index * 7919) % 1000}`,
  );
  fs.writeFileSync(path.join(directory, 'lines.txt'), `${lines.join('\n')}\n`);
  fs.writeFileSync(path.join(directory, 'words.txt'), `${words.join('\n')}\n`);
  fs.writeFileSync(path.join(directory, 'sorted.txt'), `${[...words].sort().join('\n')}\n`);
  fs.writeFileSync(
    path.join(directory, 'other.txt'),
    `${['apple', 'banana', 'coconut', 'fig', 'lemon'].join('\n')}\n`,
  );
  fs.writeFileSync(
    path.join(directory, 'numbers.txt'),
    `${Array.from({ length: 25 }, (_, index) => `n${index} ${((index * 37) % 101) / 4} ${index * index - 50}`).join('\n')}\n`,
  );
  fs.writeFileSync(
    path.join(directory, 'data.csv'),
    `${Array.from({ length: 12 }, (_, index) => `${words[index]},${index * 3},${100 - index}`).join('\n')}\n`,
  );
  const binary = new Uint8Array(1500);
  let state = 12345;
  for (let index = 0; index < binary.length; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    binary[index] = state >>> 24;
  }
  fs.writeFileSync(path.join(directory, 'binary.bin'), binary);
  const changed = binary.slice();
  changed[700] = (changed[700] ?? 0) ^ 0x55;
  fs.writeFileSync(path.join(directory, 'binary2.bin'), changed);
  fs.mkdirSync(path.join(directory, 'tree/sub'), { recursive: true });
  fs.writeFileSync(path.join(directory, 'tree/a.txt'), 'alpha\n');
  fs.writeFileSync(path.join(directory, 'tree/b.txt'), 'beta\nbeta\n');
  fs.writeFileSync(path.join(directory, 'tree/sub/c.txt'), 'gamma\n');
  const fixed = new Date('2025-06-01T12:00:00Z');
  for (const file of ['tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt', 'tree/sub', 'tree', 'lines.txt']) {
    fs.utimesSync(path.join(directory, file), fixed, fixed);
  }
  // Archives are made by the reference (busybox under qemu-i386): no host gzip/bzip2/tar needed.
  run(directory, busybox, ['gzip', '-c', '-n', 'lines.txt'], 'data.gz');
  run(directory, busybox, ['bzip2', '-c', 'lines.txt'], 'data.bz2');
  run(directory, busybox, ['tar', '-cf', 'archive.tar', 'tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt'], null);
}

/** Runs busybox under qemu-i386 in `directory`, saving stdout to `output` when given. */
function run(directory: string, busybox: string, args: string[], output: string | null): void {
  const result = spawnSync('qemu-i386', [busybox, ...args], { cwd: directory });
  if (result.status !== 0) {
    throw new Error(`busybox ${args.join(' ')} under qemu-i386 failed: ${result.stderr?.toString()}`);
  }
  if (output !== null) fs.writeFileSync(path.join(directory, output), result.stdout);
}

/** The invocations (at least 40). */
export const CASES: BusyboxCase[] = [
  { name: 'sh arithmetic', argv: ['sh', '-c', 'echo $((6*7)) $((2**20)) $((-17/5)) $((-17%5)) $((1<<31))'] },
  {
    name: 'sh while loop',
    argv: ['sh', '-c', 'i=0; s=0; while [ $i -lt 300 ]; do s=$((s+i*i)); i=$((i+1)); done; echo $s'],
  },
  {
    name: 'sh for loop and printf',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    argv: ['sh', '-c', 'for w in a bb ccc; do printf "%s:%d " $w ${#w}; done; echo'],
  },
  {
    name: 'sh parameter expansion',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    argv: ['sh', '-c', 'x=hello.tar.gz; echo ${#x} ${x%%.*} ${x#*.} ${x%.gz} ${x:2:3}'],
  },
  {
    name: 'sh case and test',
    argv: [
      'sh',
      '-c',
      'case foo.c in *.c) echo c;; *) echo other;; esac; [ 3 -gt 2 ] && echo gt; [ -f lines.txt ] && echo file',
    ],
  },
  {
    name: 'sh functions and exit status',
    argv: ['sh', '-c', 'f() { return $(($1 % 3)); }; f 5; echo $?; f 6; echo $?; exit 7'],
  },
  {
    name: 'sh read from stdin',
    argv: ['sh', '-c', 'while read a b; do echo "$b $a"; done'],
    stdin: 'one two\nthree four\nfive six\n',
  },
  { name: 'sh trap and kill', argv: ['sh', '-c', 'trap "echo caught USR1" USR1; kill -USR1 $$; echo after'] },
  {
    name: 'sed substitute and delete',
    argv: ['sed', '-e', 's/a/A/g', '-e', '3d', '-e', '/kiwi/q', 'lines.txt'],
  },
  { name: 'sed print matching', argv: ['sed', '-n', '/^line 1/p', 'lines.txt'] },
  {
    name: 'awk sum and average',
    argv: [
      'awk',
      '{ s += $2; t += $3 } END { printf "%.6f %.3e %d\\n", s / NR, t * 1.5, NR }',
      'numbers.txt',
    ],
  },
  {
    name: 'awk floating point functions',
    argv: [
      'awk',
      'BEGIN { for (i = 1; i <= 8; i++) printf "%.10f %.6e %.4f %g\\n", sqrt(i), exp(i / 3), log(i), sin(i) * cos(i) }',
    ],
  },
  { name: 'awk fields', argv: ['awk', '-F,', '{ print $3, toupper($1), length($1) }', 'data.csv'] },
  { name: 'sort', argv: ['sort', 'words.txt'] },
  { name: 'sort numeric by key reversed', argv: ['sort', '-k3,3nr', 'numbers.txt'] },
  { name: 'sort unique', argv: ['sort', '-u', 'words.txt'] },
  { name: 'uniq -c', argv: ['uniq', '-c', 'sorted.txt'] },
  { name: 'cut fields', argv: ['cut', '-d,', '-f1,3', 'data.csv'] },
  { name: 'cut characters', argv: ['cut', '-c2-4', 'words.txt'] },
  { name: 'tr upper case', argv: ['tr', 'a-z', 'A-Z'], stdin: 'Hello, World! 123\n' },
  {
    name: 'tr delete and squeeze',
    argv: ['tr', '-s', 'a-z', '-d', 'aeiou'],
    stdin: 'bookkeeper committee\n',
  },
  { name: 'wc', argv: ['wc', 'lines.txt', 'words.txt'] },
  { name: 'od hex', argv: ['od', '-A', 'x', '-t', 'x1z', '-N', '64', 'binary.bin'] },
  { name: 'od decimal words', argv: ['od', '-t', 'd4', '-N', '48', 'binary.bin'] },
  { name: 'md5sum', argv: ['md5sum', 'binary.bin', 'lines.txt'] },
  { name: 'sha1sum', argv: ['sha1sum', 'binary.bin'] },
  { name: 'sha256sum', argv: ['sha256sum', 'binary.bin', 'lines.txt'] },
  { name: 'sha512sum', argv: ['sha512sum', 'lines.txt'] },
  { name: 'gzip', argv: ['gzip', '-c', '-n', 'lines.txt'] },
  { name: 'gunzip', argv: ['gunzip', '-c', 'data.gz'] },
  { name: 'bzip2', argv: ['bzip2', '-c', 'lines.txt'] },
  { name: 'bunzip2', argv: ['bunzip2', '-c', 'data.bz2'] },
  { name: 'tar list', argv: ['tar', '-tvf', 'archive.tar'] },
  { name: 'tar extract to stdout', argv: ['tar', '-xOf', 'archive.tar', 'tree/b.txt'] },
  { name: 'dc', argv: ['dc', '-e', '2 64 ^ p 7 3 / p 10 k 2 v p 1 3 / p'] },
  { name: 'expr', argv: ['expr', '12345', '*', '6789', '+', '17'] },
  { name: 'expr string', argv: ['expr', 'length', 'openvmi'] },
  {
    name: 'printf',
    argv: ['printf', '%5.2f|%-6s|%x|%o|%e|%c\\n', '3.14159', 'ab', '255', '8', '12345.678', 'z'],
  },
  { name: 'seq', argv: ['seq', '1', '3', '40'] },
  { name: 'seq -w', argv: ['seq', '-w', '8', '12'] },
  { name: 'factor', argv: ['factor', '1234567890', '999999937', '600851475143'] },
  { name: 'head', argv: ['head', '-n', '3', 'lines.txt'] },
  { name: 'tail', argv: ['tail', '-n', '2', 'lines.txt'] },
  { name: 'nl', argv: ['nl', 'words.txt'] },
  { name: 'rev', argv: ['rev'], stdin: 'abc\nhello world\n' },
  { name: 'fold', argv: ['fold', '-w', '12', 'lines.txt'] },
  { name: 'comm', argv: ['comm', 'sorted.txt', 'other.txt'] },
  { name: 'cmp of different files (status 1)', argv: ['cmp', 'binary.bin', 'binary2.bin'] },
  { name: 'grep -n', argv: ['grep', '-n', 'an', 'lines.txt'] },
  { name: 'grep without match (status 1)', argv: ['grep', '-c', 'zzz', 'lines.txt'] },
  { name: 'cat -n', argv: ['cat', '-n', 'words.txt'] },
  { name: 'base64', argv: ['base64', 'binary.bin'] },
  { name: 'hexdump -C', argv: ['hexdump', '-C', '-n', '80', 'binary.bin'] },
  { name: 'cksum', argv: ['cksum', 'lines.txt'] },
  { name: 'ls -1', argv: ['ls', '-1', 'tree'] },
  { name: 'false (status 1)', argv: ['false'] },
  { name: 'basename', argv: ['basename', '/a/b/c.txt', '.txt'] },
  { name: 'dirname', argv: ['dirname', '/a/b/c.txt'] },
  { name: 'missing file (status 1)', argv: ['cat', 'does-not-exist'] },
  {
    name: 'sh redirections, then exec of the last command',
    argv: ['sh', '-c', 'echo a > out.txt; echo b >> out.txt; cat out.txt'],
  },
  { name: 'sh cd and exec', argv: ['sh', '-c', 'cd tree && exec ls -R'] },
  { name: 'sh exec of a missing program (status 127)', argv: ['sh', '-c', 'exec ./no-such-program'] },
  { name: 'sh pipeline', argv: ['sh', '-c', 'sort words.txt | uniq -c | sort -rn | head -3'] },
  {
    name: 'sh command substitution',
    argv: ['sh', '-c', 'n=$(wc -l < lines.txt); echo "$((n * 2)) $(echo sub | tr a-z A-Z)"'],
  },
  {
    name: 'sh subshell and pipeline status',
    argv: ['sh', '-c', '(cd tree; ls); false | true; echo $?; (exit 3); echo $?'],
  },
  { name: 'sh child shell status', argv: ['sh', '-c', 'sh -c "exit 5"; echo $?; seq 10 | md5sum'] },
];

/** What one run produced. */
export interface RunOutcome {
  stdout: Buffer;
  status: number;
}

/** Runs `busybox` with the case under qemu-i386. */
export function runQemu(busybox: string, directory: string, testCase: BusyboxCase): RunOutcome {
  const environment: Record<string, string> = {};
  for (const entry of ENVIRONMENT) {
    const [name, ...value] = entry.split('=');
    environment[name ?? ''] = value.join('=');
  }
  const result = spawnSync('qemu-i386', [busybox, ...testCase.argv], {
    cwd: directory,
    env: environment,
    input: testCase.stdin ?? '',
    maxBuffer: 1 << 28,
  });
  if (result.error !== undefined) throw result.error;
  const status = result.status ?? 128 + (result.signal === null ? 0 : signalNumber(result.signal));
  return { stdout: result.stdout, status };
}

function signalNumber(name: string): number {
  const numbers: Record<string, number> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGILL: 4,
    SIGTRAP: 5,
    SIGABRT: 6,
    SIGBUS: 7,
    SIGFPE: 8,
    SIGKILL: 9,
    SIGUSR1: 10,
    SIGSEGV: 11,
    SIGUSR2: 12,
    SIGPIPE: 13,
    SIGALRM: 14,
    SIGTERM: 15,
  };
  return numbers[name] ?? 0;
}

/** Runs `busybox` with the case on our CPU. */
export function runOpenvmi(
  busybox: string,
  directory: string,
  testCase: BusyboxCase,
  blockTranslation = true,
): RunOutcome & { diagnostics: string; instructions: number } {
  const chunks: Uint8Array[] = [];
  let diagnostics = '';
  const result = runUserProgram({
    executable: busybox,
    argv: [busybox, ...testCase.argv],
    environment: ENVIRONMENT,
    workingDirectory: directory,
    stdio: {
      stdin: Buffer.from(testCase.stdin ?? ''),
      stdout: (bytes) => chunks.push(bytes),
      stderr: (bytes) => {
        diagnostics += Buffer.from(bytes).toString();
      },
    },
    diagnostics: (text) => {
      diagnostics += text;
    },
    maxInstructions: 2_000_000_000,
    blockTranslation,
  });
  const instructions = result.instructions + (result.childInstructions ?? 0);
  return { stdout: Buffer.concat(chunks), status: result.status, diagnostics, instructions };
}
