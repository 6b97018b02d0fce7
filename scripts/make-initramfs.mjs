// Writes a gzip'd newc cpio archive (the Linux initramfs format) from a small description, with no
// root privileges needed for device nodes. Usage (from scripts/linux-guest.sh):
//   node scripts/make-initramfs.mjs OUTPUT.cpio.gz BUSYBOX INIT_SCRIPT
// The archive holds /bin/busybox with applet links (a fixed list, below), /init (the given script), /dev/console,
// /dev/null and the mount points /proc, /sys, /dev, /tmp.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const [output, busyboxPath, initPath] = process.argv.slice(2);
if (!output || !busyboxPath || !initPath) {
  console.error('usage: make-initramfs.mjs OUTPUT.cpio.gz BUSYBOX INIT_SCRIPT');
  process.exit(2);
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const applets = [
  'sh',
  'ash',
  'mount',
  'umount',
  'cat',
  'echo',
  'ls',
  'mkdir',
  'poweroff',
  'reboot',
  'uname',
  'dmesg',
  'grep',
  'md5sum',
  'date',
  'sleep',
  'awk',
  'sed',
  'head',
  'tail',
  'wc',
  'sort',
  'uniq',
  'tr',
  'cut',
  'printf',
  'seq',
  'expr',
  'test',
  '[',
  'true',
  'false',
  'hwclock',
  'sync',
  'od',
  'dd',
  'sha256sum',
  'env',
  // for the interactive shell (scripts/linux-guest.sh --shell)
  'cttyhack',
  'setsid',
  'stty',
  'tty',
  'clear',
  'reset',
  'ps',
  'top',
  'kill',
  'killall',
  'pidof',
  'free',
  'uptime',
  'id',
  'pwd',
  'which',
  'rm',
  'rmdir',
  'cp',
  'mv',
  'ln',
  'touch',
  'chmod',
  'du',
  'df',
  'find',
  'xargs',
  'tee',
  'less',
  'more',
  'vi',
  'hexdump',
  'diff',
  'gzip',
  'gunzip',
  'zcat',
  'tar',
  'sha1sum',
  'nproc',
  'yes',
  'time',
];

const entries = [
  { name: 'bin', mode: S_IFDIR | 0o755 },
  { name: 'dev', mode: S_IFDIR | 0o755 },
  { name: 'dev/console', mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 },
  { name: 'dev/null', mode: S_IFCHR | 0o666, rdevMajor: 1, rdevMinor: 3 },
  { name: 'proc', mode: S_IFDIR | 0o755 },
  { name: 'sys', mode: S_IFDIR | 0o755 },
  { name: 'tmp', mode: S_IFDIR | 0o1777 },
  { name: 'bin/busybox', mode: S_IFREG | 0o755, data: readFileSync(busyboxPath) },
  ...applets.map((applet) => ({
    name: `bin/${applet}`,
    mode: S_IFLNK | 0o777,
    data: Buffer.from('busybox'),
  })),
  { name: 'init', mode: S_IFREG | 0o755, data: readFileSync(initPath) },
];

const hex = (value) => value.toString(16).padStart(8, '0');
const pad4 = (length) => Buffer.alloc((4 - (length % 4)) % 4);

const parts = [];
let inode = 1;
for (const entry of [...entries, { name: 'TRAILER!!!', mode: 0 }]) {
  const data = entry.data ?? Buffer.alloc(0);
  const name = Buffer.from(`${entry.name}\0`);
  const fields = [
    inode++,
    entry.mode,
    0,
    0,
    entry.mode & S_IFDIR ? 2 : 1,
    0,
    data.length,
    0,
    0,
    entry.rdevMajor ?? 0,
    entry.rdevMinor ?? 0,
    name.length,
    0,
  ];
  const header = Buffer.from(`070701${fields.map(hex).join('')}`);
  parts.push(header, name, pad4(header.length + name.length), data, pad4(data.length));
}
writeFileSync(output, gzipSync(Buffer.concat(parts), { level: 9 }));
