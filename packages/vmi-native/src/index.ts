/**
 * @openvmi/vmi-native — the VMI backend whose ROM runs the native instruction sequence for
 * every call (the "test harness with no hypervisor functionality" the 2006 reviewers asked for).
 */
import {
  BACKEND_SPECIFICATION_VERSION,
  type Backend,
  type BackendMachine,
  type BuiltVmiRom,
  buildVmiRom,
  RomScan,
  VMI_API_MAJOR,
} from '@openvmi/vmi-spec';
import { nativeImplementation } from './native-stubs.js';

export { nativeImplementation } from './native-stubs.js';

/** Identity of this backend as the runner lists it. */
export const vmiNativeIdentity = {
  name: 'vmi-native',
  apiMajor: VMI_API_MAJOR,
} as const;

/** Version of the vmi-native ROM (the PCI header's ROM version). */
export const VMI_NATIVE_ROM_VERSION = Object.freeze({ major: 1, minor: 0 });

/** Builds the vmi-native option ROM: every call is the native instruction sequence. */
export function buildVmiNativeRom(): BuiltVmiRom {
  return buildVmiRom({
    manufacturer: 'OpenVMI',
    product: 'OpenVMI vmi-native ROM',
    romVersion: VMI_NATIVE_ROM_VERSION,
    virtualTop: 0, // no hypervisor: nothing to reserve at the top of the address space
    implement: nativeImplementation,
  });
}

/** Options of `createVmiNativeBackend`. */
export interface VmiNativeBackendOptions {
  /** Physical address to map the ROM at; default 0xC0000 (a 2 KiB boundary in the scan window). */
  readonly romAddress?: number;
}

/**
 * The vmi-native backend. It needs no exits: its ROM runs the native instructions, so the CPU
 * executes everything itself. Attaching maps the ROM read-only at `romAddress`.
 */
export function createVmiNativeBackend(options: VmiNativeBackendOptions = {}): Backend {
  const rom = buildVmiNativeRom();
  const romAddress = options.romAddress ?? RomScan.Start;
  if (romAddress < RomScan.Start || romAddress >= RomScan.End || romAddress % RomScan.Step !== 0) {
    throw new RangeError(`ROM address 0x${romAddress.toString(16)} is not a 2 KiB slot in 0xC0000-0xDFFFF`);
  }
  return {
    name: vmiNativeIdentity.name,
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    rom,
    romAddress,
    handledExits: [],
    attach(machine: BackendMachine) {
      machine.memory.mapRom(romAddress, rom.image);
      return {
        handleExit(exit) {
          return { action: 'stop', reason: `vmi-native handles no exits (got ${exit.kind})` };
        },
      };
    },
  };
}
