// Writes c/vmi.generated.h from the built package (run `tsc -b` first; `pnpm generate` does both).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { C_HEADER_PATH, generateCHeader } from '../dist/index.js';

const target = fileURLToPath(new URL(`../${C_HEADER_PATH}`, import.meta.url));
writeFileSync(target, generateCHeader());
console.log(`wrote ${target}`);
