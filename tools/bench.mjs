// `pnpm bench`: runs every benchmark the packages declare and prints their tables. Benchmarks
// measure speed; tests never time anything.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites = [];
for (const group of ['packages', 'apps']) {
  for (const folder of readdirSync(join(root, group))) {
    const script = join(root, group, folder, 'bench', 'run.mjs');
    if (existsSync(script)) suites.push({ name: `${group}/${folder}`, script });
  }
}
if (suites.length === 0) {
  console.log('pnpm bench: no benchmark suites yet (each package adds bench/run.mjs as its issue lands)');
}
let failed = 0;
for (const suite of suites) {
  console.log(`\n== ${suite.name} ==`);
  const result = spawnSync(process.execPath, [suite.script, ...process.argv.slice(2)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exitCode = failed === 0 ? 0 : 1;
