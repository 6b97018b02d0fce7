/**
 * @openvmi/devices — PC chips, one folder each, and the board that wires them.
 */
export * from './post-port/post-port.js';
