import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Packages resolve each other's `src/` through the `@openvmi/source` export condition, so tests
// never need a build of the TypeScript packages (the guest's C build still runs first).
const sourceConditions = ['@openvmi/source', ...defaultServerConditions];

const shared = {
  resolve: { conditions: sourceConditions },
  ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@openvmi/source'] } },
};

const ci = process.env.CI === 'true' || process.env.CI === '1';

export default defineConfig({
  test: {
    reporters: ci ? ['default', ['json', { outputFile: '.cache/test-report.json' }]] : ['default'],
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'tools/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.integration.test.ts', 'apps/*/test/**/*.integration.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'conformance',
          include: ['packages/*/test/**/*.conformance.test.ts', 'apps/*/test/**/*.conformance.test.ts'],
          testTimeout: 900_000,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
