import { configDefaults, defineConfig } from 'vitest/config';

// Files named *.timing.test.ts assert latencies (control's ingest under steering load): they
// run after all the others, alone, so another worker's test cannot starve them of the CPU.
const TIMING = '*/test/**/*.timing.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers on loopback; two cores, so keep parallelism modest.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'all',
          include: ['*/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, TIMING],
          sequence: { groupOrder: 0 },
        },
      },
      { extends: true, test: { name: 'timing', include: [TIMING], sequence: { groupOrder: 1 } } },
    ],
  },
});
