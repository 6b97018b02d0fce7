/**
 * @openvmi/guest — the VMI-aware guest kernel, shipped as built images under `dist/images/`.
 *
 * This module only names the images; reading them is the runner's job (no package but the
 * runner touches the host).
 */

/** Images the guest build produces. */
export const GUEST_IMAGES = ['guest.elf'] as const;

/** One of the built guest images. */
export type GuestImageName = (typeof GUEST_IMAGES)[number];

/**
 * The module specifier of a built guest image, for `import.meta.resolve` in the runner
 * (`@openvmi/guest/images/NAME`, exported from `dist/images/`).
 */
export function guestImageSpecifier(name: GuestImageName): string {
  if (!GUEST_IMAGES.includes(name)) throw new RangeError(`unknown guest image ${JSON.stringify(name)}`);
  return `@openvmi/guest/images/${name}`;
}

export * from './bench-format.js';
export * from './multiboot-header.js';
export * from './paravirt-sites.js';
