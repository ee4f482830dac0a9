// Header claims are not trusted: a trace whose logfile header says NumberOfProcessors = 2^32 − 1
// or 16 M (the per-CPU state used to be sized from it: 12 GB in seconds) loads with the CPUs that
// logged buffers, says what it found in the header, and answers every query kind quickly.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Offset of NumberOfProcessors in a writer file: buffer header 0x48 + SYSTEM header 0x20 + 0x0c. */
const CPU_COUNT_OFFSET = 0x48 + 0x20 + 0x0c;

describe('absurd NumberOfProcessors', () => {
  for (const claim of [0xffffffff, 16_000_000, 0]) {
    it(`${claim}: the CPUs seen, a warning naming the field, every query answered`, () => {
      const { bytes, truth } = simulate(SCENARIOS.audioWorkstation!, { seconds: 0.05, seed: 2 });
      const copy = bytes!.slice();
      const view = new DataView(copy.buffer);
      expect(view.getUint32(CPU_COUNT_OFFSET, true)).toBe(truth.cpuCount);
      view.setUint32(CPU_COUNT_OFFSET, claim >>> 0, true);
      const file = path.join(dir, `cpus-${claim}.etl`);
      writeFileSync(file, copy);
      const started = performance.now();
      const engine = loadEngine(file, {});
      const summary = engine.model.summary;
      expect(summary.cpuCount).toBe(truth.cpuCount);
      expect(summary.diagnostics.find((d) => d.code === 'bad-cpu-count')?.message).toContain(
        `NumberOfProcessors = ${claim >>> 0}`,
      );
      engine.query({ kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['cpu'] }, NEVER_CANCELLED);
      engine.query({ kind: 'series', metric: 'utilization', filter: {}, buckets: 200 }, NEVER_CANCELLED);
      engine.query({ kind: 'series', metric: 'cstate', filter: {}, buckets: 200 }, NEVER_CANCELLED);
      engine.query(
        { kind: 'stacks', table: 'cpuSampled', filter: {}, groupBy: ['cpu'], view: 'top-down' },
        NEVER_CANCELLED,
      );
      // The scheduling pass sizes its per-CPU lists from the CPUs too, not from the claim.
      const threads = engine.query({ kind: 'threadSummary', filter: {} }, NEVER_CANCELLED);
      expect(threads.rows.length).toBeGreaterThan(0);
      engine.query({ kind: 'idleStats', filter: {}, buckets: 10, perCpu: true }, NEVER_CANCELLED);
      expect(performance.now() - started).toBeLessThan(20_000);
      expect(process.memoryUsage().rss).toBeLessThan(2e9);
    });
  }
});
