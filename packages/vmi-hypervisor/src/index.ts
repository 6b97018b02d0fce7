/**
 * @openvmi/vmi-hypervisor — the VMware-style monitor backend.
 *
 * Today it holds the VMware detection interface (hypervisor CPUID leaf and backdoor constants)
 * the monitor will answer; see README.md.
 */
export * from './vmware-identity.js';
