/**
 * @openvmi/xen-compat — the Xen 3.0 paravirtual hypervisor model.
 *
 * Today it holds the hypercall numbering of the 3.0.4 interface; see README.md.
 */
export * from './hypercall-numbers.js';
