/**
 * @openvmi/vmi-spec — the typed VMI ABI (API 3.0, as Linux 2.6.21–2.6.36 used it): the call
 * table, constants, structure layouts and ROM validators, the `Backend` interface, and the ROM
 * builder. Depends on nothing. See README.md.
 */
export * from './backend.js';
export * from './c-header.js';
export * from './call-table.js';
export * from './call-table-markdown.js';
export * from './constants.js';
export * from './errors.js';
export * from './identification.js';
export * from './layouts.js';
export * from './option-rom-checksum.js';
export * from './rom-builder.js';
export * from './rom-validation.js';
export * from './struct-layout.js';
export * from './x86-assembler.js';
