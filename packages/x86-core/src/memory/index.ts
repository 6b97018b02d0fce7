/** Physical memory and the I/O port bus. */
export { PageKind, PhysicalMemory, type PhysicalMemoryOptions } from './physical-memory.js';
export { PortBus } from './port-bus.js';
