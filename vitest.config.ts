import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the `source` export condition.
// Tests run in Vite's server-side mode, so the condition is given for ssr too, in every project.
const resolve = { conditions: ['source'] };
const ssr = { resolve: { conditions: ['source'], externalConditions: ['source'] } };
const shared = { exclude: ['**/node_modules/**', '**/dist/**'] };

export default defineConfig({
  resolve,
  ssr,
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: [...shared.exclude, '**/*.int.test.ts', '**/*.e2e.test.ts', '**/*.browser.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts', 'packages/*/test/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts'],
          exclude: shared.exclude,
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          exclude: shared.exclude,
          testTimeout: 600_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'browser',
          include: ['apps/dashboard/test/**/*.browser.test.ts'],
          exclude: shared.exclude,
          // Builds the dashboard from its current sources, so the pages tested are the ones committed.
          globalSetup: ['apps/dashboard/test/build-dashboard.ts'],
          // Pages render in a real browser on a busy machine: polled expectations wait up to 20 s.
          expect: { poll: { timeout: 20_000 } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'chaos',
          include: ['chaos/**/*.chaos.test.ts'],
          exclude: shared.exclude,
          // Prints the scenario table and writes artifacts/chaos-report.md after the run.
          globalSetup: ['chaos/harness/report-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
