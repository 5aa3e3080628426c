import { defineConfig } from 'vitest/config';

/**
 * The fault suite (`npm run test:faults`): real processes killed with SIGKILL, real outages; each
 * scenario holds the job ledgers against an independent HTTP sink. Minutes long, one file at a time.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.faults.ts'],
    globalSetup: ['test/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
