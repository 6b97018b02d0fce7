// The package dependency rules of ARCHITECTURE.md ("who may import whom"), checked on source text.
// Run as a script (`node tools/dependency-direction.mjs`, part of `pnpm lint`) it checks the
// whole repository; the test beside it proves each rule fails on a wrong import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * For each package: the workspace packages it may import, and whether it may touch the host
 * (Node built-ins). `typeOnly` lists packages it may import types from, and nothing else.
 */
export const RULES = {
  '@openvmi/vmi-spec': { imports: [], typeOnly: [], host: false },
  '@openvmi/x86-core': { imports: [], typeOnly: [], host: false },
  '@openvmi/devices': { imports: [], typeOnly: ['@openvmi/x86-core'], host: false },
  '@openvmi/vmi-native': { imports: ['@openvmi/vmi-spec'], typeOnly: [], host: false },
  '@openvmi/vmi-hypervisor': {
    imports: ['@openvmi/vmi-spec', '@openvmi/x86-core'],
    typeOnly: [],
    host: false,
  },
  '@openvmi/xen-compat': { imports: ['@openvmi/vmi-spec', '@openvmi/x86-core'], typeOnly: [], host: false },
  '@openvmi/guest': { imports: [], typeOnly: [], host: false },
  '@openvmi/runner': {
    imports: [
      '@openvmi/vmi-spec',
      '@openvmi/x86-core',
      '@openvmi/devices',
      '@openvmi/vmi-native',
      '@openvmi/vmi-hypervisor',
      '@openvmi/xen-compat',
      '@openvmi/guest',
    ],
    typeOnly: [],
    host: true,
  },
};

const NODE_BUILTINS = new Set([
  'assert',
  'buffer',
  'child_process',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tty',
  'url',
  'util',
  'worker_threads',
  'zlib',
]);

const IMPORT_PATTERN =
  /(?:^|[\n;])\s*(import|export)\s+(type\s+)?(?:[\w*${}\s,]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The import specifiers of a source text, each with whether it is a type-only import. */
export function importsOf(source) {
  const found = [];
  for (const match of source.matchAll(IMPORT_PATTERN)) {
    const specifier = match[3] ?? match[4];
    if (specifier !== undefined) found.push({ specifier, typeOnly: match[2] !== undefined });
  }
  return found;
}

/** The rule violations of one source file of `packageName`, as messages. */
export function checkSource(packageName, fileName, source) {
  const rule = RULES[packageName];
  if (rule === undefined) return [`${fileName}: ${packageName} is not a known package`];
  const problems = [];
  for (const { specifier, typeOnly } of importsOf(source)) {
    const workspace = /^(@openvmi\/[^/]+)/.exec(specifier)?.[1];
    if (workspace !== undefined) {
      if (workspace === packageName) continue;
      if (rule.imports.includes(workspace)) continue;
      if (rule.typeOnly.includes(workspace)) {
        if (!typeOnly) problems.push(`${fileName}: ${packageName} may import only types from ${workspace}`);
        continue;
      }
      problems.push(`${fileName}: ${packageName} may not import ${workspace}`);
      continue;
    }
    const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    if (!rule.host && (specifier.startsWith('node:') || NODE_BUILTINS.has(bare))) {
      problems.push(`${fileName}: ${packageName} may not touch the host (imports ${specifier})`);
    }
  }
  return problems;
}

/** The rule violations of a package.json's dependencies. */
export function checkManifest(manifest) {
  const rule = RULES[manifest.name];
  if (rule === undefined) return [`package.json: ${manifest.name} is not a known package`];
  const allowed = new Set([...rule.imports, ...rule.typeOnly]);
  return Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies })
    .filter((name) => name.startsWith('@openvmi/') && !allowed.has(name))
    .map((name) => `${manifest.name}/package.json: may not depend on ${name}`);
}

function sourceFiles(directory) {
  const files = [];
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (statSync(path).isDirectory()) files.push(...sourceFiles(path));
    else if (/\.(ts|mts|js|mjs)$/.test(entry) && !/\.test\.ts$/.test(entry)) files.push(path);
  }
  return files;
}

/** Checks every workspace package under `root`; returns the problems found. */
export function checkRepository(root) {
  const problems = [];
  for (const group of ['packages', 'apps']) {
    for (const folder of readdirSync(join(root, group))) {
      const packageRoot = join(root, group, folder);
      const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8'));
      problems.push(...checkManifest(manifest));
      for (const file of sourceFiles(join(packageRoot, 'src'))) {
        problems.push(...checkSource(manifest.name, relative(root, file), readFileSync(file, 'utf8')));
      }
    }
  }
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkRepository(fileURLToPath(new URL('..', import.meta.url)));
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) process.exitCode = 1;
  else console.log('dependency direction: ok');
}
