/**
 * @openvmi/vmi-native — the VMI backend whose ROM runs the native instruction sequence for
 * every call (the "test harness with no hypervisor functionality" the 2006 reviewers asked for).
 */
import { VMI_API_MAJOR } from '@openvmi/vmi-spec';

/** Identity of this backend as the runner lists it. */
export const vmiNativeIdentity = {
  name: 'vmi-native',
  apiMajor: VMI_API_MAJOR,
} as const;
