// `pnpm bench` for the runner: whole programs on openvmi against QEMU, in the same run, on the
// same inputs. Uses the built CLI (apps/runner/dist), so run `pnpm build` first (pnpm bench
// does). Prints tables; never asserts a time. Outputs are compared, so a fast wrong answer shows.
//
//   node apps/runner/bench/run.mjs [--only cpu|linux] [--size-mib N] [--loop N] [--full-boot]
//                                  [--no-deterministic]
//
// cpu   (issue 6): busybox-static under `openvmi user` and under qemu-i386: md5sum and gzip -c
//       of a deterministic text file (--size-mib, default 16), and a busybox sh arithmetic loop
//       (--loop iterations, default 20000).
// linux (issue 4): Debian's kernel and a busybox initramfs; wall time from start to the first
//       initramfs marker line on `openvmi boot` (real time, and --deterministic) and on
//       qemu-system-i386 (TCG), command line `console=ttyS0 quiet cryptomgr.notests noisapnp
//       nokaslr`; --full-boot adds the plain `console=ttyS0` (minutes on openvmi).
// Each part says why it skips when qemu or the cached guest files are missing.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const cli = join(root, 'apps/runner/dist/cli.js');
const benchCache = join(root, '.cache/runner-bench');

function parseArguments(argv) {
  const options = { only: undefined, sizeMiB: 16, loop: 20_000, fullBoot: false, deterministic: true };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argument} needs a value`);
      return next;
    };
    const count = (text, name) => {
      const number = Number(text);
      if (!Number.isInteger(number) || number <= 0) throw new Error(`${name} takes a positive integer`);
      return number;
    };
    if (argument === '--only') {
      options.only = value();
      if (options.only !== 'cpu' && options.only !== 'linux') throw new Error('--only takes cpu or linux');
    } else if (argument === '--size-mib') options.sizeMiB = count(value(), '--size-mib');
    else if (argument === '--loop') options.loop = count(value(), '--loop');
    else if (argument === '--full-boot') options.fullBoot = true;
    else if (argument === '--no-deterministic') options.deterministic = false;
    // Other suites' flags come through `pnpm bench` too: ignore what is not ours.
  }
  return options;
}

const hasCommand = (name) => spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const seconds = (value) => value.toFixed(2);

/** Parses `openvmi ...: N instructions in S s wall (M MIPS)` from stderr. */
function parseStats(stderr) {
  const match = /: (\d+) instructions in ([\d.]+) s wall/.exec(stderr);
  if (match === null) return undefined;
  return { instructions: Number(match[1]), seconds: Number(match[2]) };
}

/** Deterministic, compressible text: words and numbers from a seeded xorshift generator. */
function writeTextFile(path, bytes) {
  const words = [
    'virtual',
    'machine',
    'interface',
    'paravirtual',
    'kernel',
    'page',
    'table',
    'interrupt',
    'descriptor',
    'segment',
    'the',
    'of',
    'and',
    'a',
    'to',
    'register',
    'instruction',
    'cache',
    'timer',
    'device',
  ];
  let state = 0x9e3779b9;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const buffer = Buffer.alloc(bytes);
  let offset = 0;
  let column = 0;
  while (offset < bytes) {
    const random = next();
    const token = random % 7 === 0 ? String(random % 100_000) : words[random % words.length];
    const separator = column > 72 ? '\n' : ' ';
    column = separator === '\n' ? 0 : column + token.length + 1;
    offset += buffer.write(token + separator, offset, 'latin1');
  }
  writeFileSync(path, buffer);
}

function findBusybox() {
  for (const candidate of ['.cache/busybox/busybox', '.cache/linux-guest/busybox']) {
    if (existsSync(join(root, candidate))) return join(root, candidate);
  }
  return undefined;
}

/**
 * Runs a command through `sh`, whose `times` builtin reports the command's CPU time (user +
 * system) on stderr: on a loaded machine CPU time is steadier than wall time.
 */
function run(command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync('sh', ['-c', '"$@"; status=$?; times >&2; exit $status', 'sh', command, ...args], {
    cwd: root,
    maxBuffer: 1 << 30,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LC_ALL: 'C' },
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  // `times` prints the shell's times, then its children's: "1m2.50s 0m0.10s".
  const lines = result.stderr.toString().trimEnd().split('\n');
  const clock = (text) => {
    const match = /(\d+)m([\d.]+)s/.exec(text);
    return match === null ? Number.NaN : Number(match[1]) * 60 + Number(match[2]);
  };
  const [user, system] = (lines.at(-1) ?? '').trim().split(/\s+/).map(clock);
  return { ...result, stderr: lines.slice(0, -2).join('\n'), wall, cpu: user + system };
}

function benchCpu(options) {
  console.log('\n-- CPU workloads: busybox-static, `openvmi user --stats` vs qemu-i386 --');
  if (!hasCommand('qemu-i386')) {
    console.log('skipped: qemu-i386 is not installed (Debian: apt-get install qemu-user)');
    return;
  }
  const busybox = findBusybox();
  if (busybox === undefined) {
    console.log('skipped: no busybox-static binary in .cache; fetch it with `bash scripts/busybox.sh`');
    return;
  }
  mkdirSync(benchCache, { recursive: true });
  const bytes = options.sizeMiB << 20;
  const textFile = join(benchCache, `text-${options.sizeMiB}M.txt`);
  if (!existsSync(textFile) || statSync(textFile).size !== bytes) writeTextFile(textFile, bytes);
  const text = readFileSync(textFile);
  const textHash = createHash('md5').update(text).digest('hex');

  const workloads = [
    {
      name: `md5sum ${options.sizeMiB} MiB`,
      args: ['md5sum', textFile],
      check: (stdout) => stdout.toString('latin1').startsWith(`${textHash}  `),
    },
    {
      name: `gzip -c ${options.sizeMiB} MiB`,
      args: ['gzip', '-c', textFile],
      check: (stdout) => sha256(gunzipSync(stdout)) === sha256(text),
    },
    {
      name: `sh loop ${options.loop}`,
      args: ['sh', '-c', `i=0; while [ $i -lt ${options.loop} ]; do i=$((i+1)); done; echo $i`],
      check: (stdout) => stdout.toString('latin1').trim() === String(options.loop),
    },
  ];
  const rows = [];
  for (const workload of workloads) {
    const ours = run(process.execPath, [cli, 'user', '--stats', '--clear-env', busybox, ...workload.args]);
    const qemu = run('qemu-i386', [busybox, ...workload.args]);
    const stats = parseStats(ours.stderr);
    const problems = [];
    if (ours.status !== 0) problems.push(`openvmi exit ${ours.status}: ${ours.stderr.trim()}`);
    if (qemu.status !== 0) problems.push(`qemu-i386 exit ${qemu.status}`);
    if (!workload.check(qemu.stdout)) problems.push('qemu-i386 output is wrong');
    if (!workload.check(ours.stdout)) problems.push('openvmi output is wrong');
    if (!ours.stdout.equals(qemu.stdout)) problems.push('outputs differ');
    rows.push({
      workload: workload.name,
      'guest instructions': stats?.instructions ?? '?',
      'openvmi wall s': seconds(ours.wall),
      MIPS: stats === undefined ? '?' : (stats.instructions / stats.seconds / 1e6).toFixed(1),
      'qemu-i386 wall s': seconds(qemu.wall),
      'wall ratio': `${(ours.wall / qemu.wall).toFixed(1)}x`,
      'openvmi CPU s': seconds(ours.cpu),
      'MIPS (CPU)': stats === undefined ? '?' : (stats.instructions / ours.cpu / 1e6).toFixed(1),
      'qemu-i386 CPU s': seconds(qemu.cpu),
      'CPU ratio': `${(ours.cpu / qemu.cpu).toFixed(1)}x`,
      'outputs equal': problems.length === 0 ? 'yes' : `NO: ${problems.join('; ')}`,
    });
  }
  console.log(
    'wall and CPU (user + system) = whole process, start-up included; MIPS = openvmi instructions / its own wall time; MIPS (CPU) = / its process CPU time',
  );
  console.log(
    `host load average at the end: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.table(rows);
  if (rows.some((row) => row['outputs equal'] !== 'yes')) process.exitCode = 1;
}

/**
 * Starts a guest, returns when it exits: seconds to the first line matching `marker`, total
 * seconds, exit status, the console text and stderr.
 */
function bootUntilExit(command, args, marker, timeoutSeconds) {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let markerSeconds;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (text) => {
      stdout += text;
      if (markerSeconds === undefined && marker.test(stdout)) markerSeconds = elapsed();
    });
    child.stderr.on('data', (text) => {
      stderr += text;
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ markerSeconds, totalSeconds: elapsed(), status, signal, stdout, stderr });
    });
  });
}

async function benchLinux(options) {
  console.log('\n-- Linux boot: Debian i386 kernel + busybox initramfs, start to first marker line --');
  if (!hasCommand('qemu-system-i386')) {
    console.log('skipped: qemu-system-i386 is not installed (Debian: apt-get install qemu-system-x86)');
    return;
  }
  const cache = join(root, '.cache/linux-guest');
  if (!existsSync(join(cache, 'vmlinuz')) || !existsSync(join(cache, 'busybox'))) {
    console.log(
      "skipped: Debian's kernel is not in .cache/linux-guest; fetch it with `bash scripts/linux-guest.sh`",
    );
    return;
  }
  // With the kernel and busybox cached, this only writes the initramfs (no download).
  const prepared = spawnSync('bash', ['scripts/linux-guest.sh', '--name', 'bench-boot', 'uname -r'], {
    cwd: root,
    encoding: 'utf8',
  });
  const kernel = /^kernel (.+)$/m.exec(prepared.stdout ?? '')?.[1];
  const initrd = /^initrd (.+)$/m.exec(prepared.stdout ?? '')?.[1];
  if (prepared.status !== 0 || kernel === undefined || initrd === undefined) {
    console.log(`skipped: scripts/linux-guest.sh failed:\n${prepared.stderr}`);
    return;
  }
  const marker = /^==== OPENVMI BEGIN 1 /m;
  const done = /^==== OPENVMI DONE/m;
  const commandLines = ['console=ttyS0 quiet cryptomgr.notests noisapnp nokaslr'];
  if (options.fullBoot) commandLines.push('console=ttyS0');
  const rows = [];
  for (const append of commandLines) {
    const guest = ['-kernel', kernel, '-initrd', initrd, '-append', append, '-m', '256'];
    const qemu = await bootUntilExit(
      'qemu-system-i386',
      [...['-nographic', '-no-reboot', '-net', 'none', '-monitor', 'none', '-serial', 'stdio'], ...guest],
      marker,
      900,
    );
    const modes = [{ name: 'openvmi (real time)', flags: [] }];
    if (options.deterministic) modes.push({ name: 'openvmi --deterministic', flags: ['--deterministic'] });
    for (const mode of modes) {
      const ours = await bootUntilExit(
        process.execPath,
        [cli, 'boot', ...guest, '--stats', ...mode.flags],
        marker,
        1800,
      );
      const stats = parseStats(ours.stderr);
      const problems = [];
      if (ours.status !== 0) problems.push(`exit ${ours.status ?? ours.signal}`);
      if (!done.test(ours.stdout)) problems.push('no DONE marker');
      if (qemu.status !== 0 || !done.test(qemu.stdout)) problems.push('qemu did not finish');
      const version = (text) => /^==== OPENVMI BEGIN 1 .*\r?\n(\S+)/m.exec(text)?.[1];
      if (version(ours.stdout) !== version(qemu.stdout)) problems.push('uname -r differs');
      rows.push({
        'command line': append,
        run: mode.name,
        'openvmi s to marker': ours.markerSeconds === undefined ? '-' : seconds(ours.markerSeconds),
        'qemu TCG s to marker': qemu.markerSeconds === undefined ? '-' : seconds(qemu.markerSeconds),
        'openvmi / qemu':
          ours.markerSeconds === undefined || qemu.markerSeconds === undefined
            ? '-'
            : `${(ours.markerSeconds / qemu.markerSeconds).toFixed(1)}x`,
        'instructions to power-off': stats?.instructions ?? '?',
        MIPS: stats === undefined ? '?' : (stats.instructions / stats.seconds / 1e6).toFixed(1),
        check: problems.length === 0 ? 'ok' : problems.join('; '),
      });
    }
  }
  console.log(
    'seconds from process start to "==== OPENVMI BEGIN 1" (the initramfs ran); qemu is measured once per command line',
  );
  console.log(
    `host load average at the end: ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  console.table(rows);
  if (rows.some((row) => row.check !== 'ok')) process.exitCode = 1;
}

let options;
try {
  options = parseArguments(process.argv.slice(2));
} catch (error) {
  console.error(`runner bench: ${error.message}`);
  process.exit(2);
}
if (!existsSync(cli)) {
  console.log('runner bench: apps/runner/dist/cli.js is missing; run `pnpm build` first');
  process.exit(1);
}
if (options.only !== 'linux') benchCpu(options);
if (options.only !== 'cpu') await benchLinux(options);
