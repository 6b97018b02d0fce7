import { VMI_API_MAJOR } from '@openvmi/vmi-spec';
import { describe, expect, it } from 'vitest';
import { vmiNativeIdentity } from './index.js';

describe('vmi-native identity', () => {
  it('implements the API major version Linux requires', () => {
    expect(vmiNativeIdentity.apiMajor).toBe(VMI_API_MAJOR);
    expect(VMI_API_MAJOR).toBe(3);
  });
});
