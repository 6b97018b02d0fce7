/**
 * @openvmi/x86-core — an i686-class CPU with its physical memory and bus interfaces.
 *
 * This entry point grows with the CPU; see README.md for what is here today.
 */
export * from './bus-interfaces.js';
