import { defineConfig } from 'vitest/config';

/** The multi-shard suite (`npm run test:cluster`): real Temporal server on PostgreSQL, minutes long. */
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.cluster.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
});
