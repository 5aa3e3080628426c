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
    coverage: {
      provider: 'v8',
      include: ['src/domain/**', 'src/workflows/**', 'src/activities/**', 'src/api/**'],
      reporter: ['text', 'json-summary'],
    },
  },
});
