/**
 * @openvmi/devices — PC chips, one folder each, and the board that wires them.
 */
export * from './acpi/acpi-pm.js';
export * from './acpi/acpi-tables.js';
export * from './acpi/aml.js';
export * from './acpi/dsdt.js';
export * from './i8042/i8042.js';
export * from './i8254-pit/i8254-pit.js';
export * from './i8259-pic/i8259-pic.js';
export * from './io-apic/io-apic.js';
export * from './irq-lines/irq-lines.js';
export * from './local-apic/local-apic.js';
export * from './mc146818-rtc/mc146818-rtc.js';
export * from './pci/pci.js';
export * from './port-61/port-61.js';
export * from './post-port/post-port.js';
export * from './ps2-mouse/ps2-mouse.js';
export * from './system-control/system-control.js';
export * from './uart-16550/uart-16550.js';
