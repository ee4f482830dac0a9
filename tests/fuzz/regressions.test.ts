// Every committed regression input (tests/fuzz/regressions/: the hostile classes of issue 9 and
// whatever the fuzzer found — crash, hang or budget breach — kept with scripts/fuzz/keep.ts) is
// replayed through what the fuzz target does (scripts/fuzz/exercise.ts: reader, engine load and a
// query of each kind): it must end in a result or a clear error, quickly, within the memory budget.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryBudgetBytes } from '../../electron/engine/memory-budget.js';
import { exercise } from '../../scripts/fuzz/exercise.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const regressions = path.join(here, 'regressions');
/** What the fuzzer counts as a hang is 10 s per input; a replay gets the 20 s. */
const MAX_MS = 20_000;

const names = readdirSync(regressions)
  .filter((f) => !f.endsWith('.md'))
  .sort();

describe('fuzz regressions replay', () => {
  it('has inputs', () => expect(names.length).toBeGreaterThanOrEqual(4));
  for (const name of names) {
    it(name, () => {
      const file = path.join(regressions, name);
      const bytes = readFileSync(file);
      const rssBefore = process.memoryUsage.rss();
      const started = performance.now();
      const outcome = exercise(bytes, file);
      expect(performance.now() - started).toBeLessThan(MAX_MS);
      expect(process.memoryUsage.rss() - rssBefore).toBeLessThan(memoryBudgetBytes(bytes.length));
      if ('error' in outcome.engine) expect(outcome.engine.error).toMatch(/\S/);
      else expect(outcome.engine.cpuCount).toBeLessThanOrEqual(2048);
    });
  }
});
