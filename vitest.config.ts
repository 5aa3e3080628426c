import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Workflow and end-to-end tests start Temporal servers and processes: one file at a time
    // keeps a 2-core machine from starving them.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // `vitest run --coverage` (CI): istanbul, because src/workflows runs in Temporal's sandbox from a
    // webpack bundle that the workflow tests instrument and report into the same coverage
    // (test/helpers/workflow-coverage.ts); V8 coverage never reaches it.
    coverage: {
      provider: 'istanbul',
      include: ['src/domain/**', 'src/workflows/**', 'src/activities/**', 'src/api/**'],
      reporter: ['text', 'json-summary'],
      // Floors: the run fails when a folder's coverage drops below them.
      thresholds: {
        // Floors at what the suite reaches (rounded down); raise them when tests improve, never lower.
        'src/domain/**': { lines: 98, statements: 98, functions: 100, branches: 90 },
        'src/workflows/**': { lines: 85, statements: 85, functions: 100, branches: 70 },
      },
    },
  },
});
