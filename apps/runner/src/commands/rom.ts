/**
 * `openvmi rom`: writes a backend's VMI option ROM (`--backend NAME -o FILE`) or validates and
 * describes any ROM file (`--inspect FILE`). The logic is in pure functions (`parseRomArguments`,
 * `buildBackendRom`, `describeRom`) that tests call directly; `runRomCommand` adds the file I/O.
 */
import { open, writeFile } from 'node:fs/promises';
import { buildVmiNativeRom } from '@openvmi/vmi-native';
import {
  type BuiltVmiRom,
  formatRelocation,
  hex,
  type RomRelocation,
  readRelocationTable,
  VmiSpecError,
  validateVmiRom,
} from '@openvmi/vmi-spec';
import type { CliIo } from '../cli-io.js';

/** Exit status for a command line the command cannot act on (bad option, unknown backend). */
const EXIT_USAGE = 2;
/** Exit status for a ROM that fails validation, or a file that cannot be read or written. */
const EXIT_FAILURE = 1;

/** Largest file `--inspect` reads: the whole option-ROM window (128 KiB). */
export const MAX_INSPECT_BYTES = 0x20000;

/** Backends that supply a ROM, by the name `--backend` takes. */
export const ROM_BACKENDS: Readonly<Record<string, () => BuiltVmiRom>> = Object.freeze({
  'vmi-native': buildVmiNativeRom,
});

/** Usage text of `openvmi rom`. */
export const ROM_USAGE = [
  'Usage: openvmi rom --backend NAME -o FILE',
  '       openvmi rom --inspect FILE',
  '',
  "Writes a backend's VMI option ROM, or validates any ROM against Linux's acceptance rules",
  '(0xAA55, "cVmi", API 3, PCI header, license GPL/GPL v2) and the option-ROM checksum, and prints',
  'its header and relocation table.',
  '',
  `Backends with a ROM: ${Object.keys(ROM_BACKENDS).join(', ')}`,
  '',
].join('\n');

/** What the command line asks for. */
export type RomRequest =
  | { readonly mode: 'help' }
  | { readonly mode: 'build'; readonly backend: string; readonly output: string }
  | { readonly mode: 'inspect'; readonly file: string };

/** A command line `openvmi rom` cannot act on. */
export class RomUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RomUsageError';
  }
}

/**
 * Parses the arguments after `rom`.
 * @throws RomUsageError for missing, repeated, unknown or conflicting options.
 */
export function parseRomArguments(argv: readonly string[]): RomRequest {
  let backend: string | undefined;
  let output: string | undefined;
  let inspect: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === '-h' || argument === '--help') return { mode: 'help' };
    const value = () => {
      const next = argv[index + 1];
      if (next === undefined) throw new RomUsageError(`${argument} needs a value`);
      index++;
      return next;
    };
    const once = (current: string | undefined) => {
      if (current !== undefined) throw new RomUsageError(`${argument} given twice`);
      return value();
    };
    if (argument === '--backend') backend = once(backend);
    else if (argument === '-o' || argument === '--output') output = once(output);
    else if (argument === '--inspect') inspect = once(inspect);
    else throw new RomUsageError(`unknown argument ${JSON.stringify(argument)}`);
  }
  if (inspect !== undefined) {
    if (backend !== undefined || output !== undefined) {
      throw new RomUsageError('--inspect cannot be combined with --backend or -o');
    }
    return { mode: 'inspect', file: inspect };
  }
  if (backend === undefined) throw new RomUsageError('give --backend NAME -o FILE, or --inspect FILE');
  if (output === undefined) throw new RomUsageError('--backend needs -o FILE');
  return { mode: 'build', backend, output };
}

/**
 * Builds the ROM of a named backend.
 * @throws RomUsageError for a backend name that has no ROM.
 */
export function buildBackendRom(name: string): BuiltVmiRom {
  const build = Object.hasOwn(ROM_BACKENDS, name) ? ROM_BACKENDS[name] : undefined;
  if (build === undefined) {
    const hint = name === 'none' ? ' (backend "none" supplies no ROM)' : '';
    throw new RomUsageError(
      `unknown backend ${JSON.stringify(name)}${hint}; backends with a ROM: ${Object.keys(ROM_BACKENDS).join(', ')}`,
    );
  }
  return build();
}

/** The relocation table as text lines, one per call (`formatRelocation`). */
export function relocationTableText(relocations: readonly RomRelocation[]): string {
  return relocations.map((relocation) => `  ${formatRelocation(relocation)}\n`).join('');
}

/**
 * Validates a ROM image and describes its header and relocation table.
 * @throws VmiSpecError for a ROM Linux or a BIOS would reject, or a relocation table with a bad
 * record. A ROM whose table cannot be read without running it is described without the table.
 */
export function describeRom(image: Uint8Array): string {
  const rom = validateVmiRom(image);
  const { header, pciHeader } = rom;
  const lines = [
    `VMI option ROM: ${image.length} bytes; rom_length ${header.romLength} (${rom.lengthBytes} bytes); checksum ok`,
    `  signature 0xAA55, "cVmi", API ${header.apiVersionMajor}.${header.apiVersionMinor}, jump_slots ${header.jumpSlots}, virtual_top ${hex(header.virtualTop, 8)}`,
    `  license ${JSON.stringify(rom.license)} at ${hex(header.licenseOffset, 4)}`,
    `  PCI data structure at ${hex(header.pciHeaderOffset, 4)}: ${hex(pciHeader.vendorId, 4)}:${hex(pciHeader.deviceId, 4)}, ROM version ${pciHeader.romVersionMajor}.${pciHeader.romVersionMinor}`,
    header.pnpHeaderOffset === 0
      ? '  no PnP header'
      : `  PnP header at ${hex(header.pnpHeaderOffset, 4)}: manufacturer ${JSON.stringify(rom.manufacturer ?? '')}, product ${JSON.stringify(rom.product ?? '')}`,
    ...rom.warnings.map((warning) => `  warning: ${warning}`),
  ];
  let table: string;
  try {
    const relocations = readRelocationTable(image);
    table = `relocation table (${relocations.length} calls; targets are ROM offsets):\n${relocationTableText(relocations)}`;
  } catch (error) {
    if (!(error instanceof VmiSpecError) || error.code !== 'relocation-table-not-decodable') throw error;
    table = `relocation table: not shown (${error.message})\n`;
  }
  return `${lines.join('\n')}\n${table}`;
}

/**
 * Reads at most `limit` bytes of a file (never more, whatever the file is: a device, a pipe).
 * @throws Error when the file holds more than `limit` bytes or cannot be read.
 */
async function readBounded(path: string, limit: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw new Error(`larger than the ${limit}-byte option-ROM window`);
    return buffer.subarray(0, length);
  } finally {
    await handle.close();
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Runs `openvmi rom` on the arguments after `rom`; returns the exit status. */
export async function runRomCommand(argv: readonly string[], io: CliIo): Promise<number> {
  let request: RomRequest;
  try {
    request = parseRomArguments(argv);
  } catch (error) {
    io.stderr(`openvmi rom: ${errorText(error)}\n\n${ROM_USAGE}`);
    return EXIT_USAGE;
  }
  if (request.mode === 'help') {
    io.stdout(ROM_USAGE);
    return 0;
  }
  if (request.mode === 'build') {
    let rom: BuiltVmiRom;
    try {
      rom = buildBackendRom(request.backend);
    } catch (error) {
      io.stderr(`openvmi rom: ${errorText(error)}\n`);
      return EXIT_USAGE;
    }
    try {
      await writeFile(request.output, rom.image);
    } catch (error) {
      io.stderr(`openvmi rom: cannot write ${request.output}: ${errorText(error)}\n`);
      return EXIT_FAILURE;
    }
    io.stdout(
      `wrote ${request.output}: ${request.backend} ROM, ${rom.image.length} bytes, ${rom.relocations.length} calls\n`,
    );
    return 0;
  }
  let image: Uint8Array;
  try {
    image = await readBounded(request.file, MAX_INSPECT_BYTES);
  } catch (error) {
    io.stderr(`openvmi rom: cannot read ${request.file}: ${errorText(error)}\n`);
    return EXIT_FAILURE;
  }
  try {
    io.stdout(describeRom(image));
    return 0;
  } catch (error) {
    if (!(error instanceof VmiSpecError)) throw error;
    io.stderr(`openvmi rom: ${request.file}: invalid VMI ROM (${error.code}): ${error.message}\n`);
    return EXIT_FAILURE;
  }
}
