// Unit, golden, round-trip, store and contract tests (everything but the Chromium e2e, which
// scripts/run-tests.mjs runs after vitest). Pinned TZ/locale so output never depends on the machine.
import { defineConfig } from 'vitest/config';

process.env.TZ = 'UTC';
process.env.LC_ALL = 'C';

export default defineConfig({
  test: {
    include: [
      'shared/**/*.test.ts',
      'electron/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'scripts/**/*.test.ts',
      'tests/unit/**/*.test.ts',
      'tests/fuzz/**/*.test.ts',
    ],
    exclude: ['node_modules', 'dist', 'tests/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores here: one fork per core keeps the golden and fuzz suites from starving each other.
    pool: 'forks',
    maxWorkers: 2,
  },
});
