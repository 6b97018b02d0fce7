// Regenerates what the package derives from its tables (run `tsc -b` first; `pnpm generate`
// does both): c/vmi.generated.h and the call table in README.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { C_HEADER_PATH, generateCHeader, withCallTable } from '../dist/index.js';

const header = fileURLToPath(new URL(`../${C_HEADER_PATH}`, import.meta.url));
writeFileSync(header, generateCHeader());
console.log(`wrote ${header}`);
const readme = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readme, withCallTable(readFileSync(readme, 'utf8')));
console.log(`updated the call table in ${readme}`);
