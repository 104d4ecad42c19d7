import { defineConfig } from 'vitest/config';

// Repeated in every project: inline projects do not inherit the root `test` options, and
// `extends: true` would merge (concatenate) the root `include` into each project's.
const timeouts = { testTimeout: 30_000, hookTimeout: 60_000 };
// Property tests from a fixed seed (NUDGE_FC_SEED to explore another).
const setupFiles = ['./tests/support/fast-check-seed.ts'];

export default defineConfig({
  test: {
    // Every test file lives under tests/; the projects below split it so that only the
    // integration tier pays for the JVM of DynamoDB Local.
    include: ['tests/**/*.test.ts'],
    ...timeouts,
    reporters: ['default', './tests/support/guarantees-reporter.ts', './tests/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          ...timeouts,
          setupFiles,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          // Runs only when this project has files to run, so `vitest run tests/unit` starts no java.
          globalSetup: ['./tests/support/dynamodb-test-server.ts'],
          ...timeouts,
          setupFiles,
        },
      },
      {
        // Tiers that need no shared DynamoDB (infra, e2e, …), so no file under tests/ goes unrun.
        test: {
          name: 'other',
          include: ['tests/**/*.test.ts'],
          exclude: ['tests/unit/**', 'tests/integration/**', '**/node_modules/**'],
          ...timeouts,
          setupFiles,
        },
      },
    ],
  },
});
