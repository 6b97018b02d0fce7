/**
 * @openvmi/vmi-spec — the typed VMI ABI (API 3.0, as Linux 2.6.21–2.6.36 used it).
 *
 * This entry point grows with the ABI; see README.md for what is here today.
 */
export * from './identification.js';
export * from './option-rom-checksum.js';
