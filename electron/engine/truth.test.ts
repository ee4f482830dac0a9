// Truth tests: the writer's seed scenarios (genuine ETL bytes + the truth computed while writing)
// must come back exactly through reader → partial → finalize → queries: event counts, DPC/ISR
// counts/sums/min/max/over-budget per (module, function, type) incl. exclusive time of DPCs
// interrupted by ISRs, per-CPU busy time, DPC/ISR union time and C-state residency.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import type { Engine } from './engine.js';
import { dpcExclusive } from './model.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-truth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(
  name: string,
  options: { seconds: number; compress?: boolean; pointerSize?: 4 | 8 },
): { engine: Engine; truth: ScenarioTruth } {
  const file = path.join(
    dir,
    `${name}-${options.pointerSize ?? 8}${options.compress === true ? 'c' : ''}.etl`,
  );
  const { truth } = simulate(SCENARIOS[name]!, { ...options, path: file });
  return { engine: loadEngine(file), truth };
}

function checkTruth(engine: Engine, truth: ScenarioTruth): void {
  const summary = engine.model.summary;
  expect(summary.events).toBe(truth.file.events);
  expect(summary.buffers).toBe(truth.file.buffers);
  expect(summary.durationNs).toBe(truth.durationNs);
  for (const [kind, count] of Object.entries(truth.eventCounts))
    expect([kind, summary.counts[kind]]).toEqual([kind, count]);

  // DPC/ISR per (module, function, type).
  const pivot = engine.query(
    {
      kind: 'pivot',
      table: 'dpcIsr',
      filter: {},
      groupBy: ['module', 'function', 'type'],
      limitPerLevel: 100_000,
    },
    NEVER_CANCELLED,
  );
  const got = new Map<
    string,
    { count: number; totalNs: number; maxNs: number; minNs: number; over: number }
  >();
  for (const m of pivot.rows)
    for (const f of m.children ?? [])
      for (const t of f.children ?? []) {
        const a = t.aggregates;
        got.set(`${m.key}|${f.key}|${t.key}`, {
          count: a.count,
          totalNs: Math.round(a.totalMs * 1e6),
          maxNs: Math.round(a.maxUs * 1e3),
          minNs: Math.round(a.minUs * 1e3),
          over: a.overBudget,
        });
      }
  expect(got.size).toBe(truth.dpcIsr.length);
  for (const row of truth.dpcIsr) {
    expect([
      row.module,
      row.function,
      row.type,
      got.get(`${row.module}|${row.function}|${row.type}`),
    ]).toEqual([
      row.module,
      row.function,
      row.type,
      { count: row.count, totalNs: row.totalNs, maxNs: row.maxNs, minNs: row.minNs, over: row.overBudget },
    ]);
  }
  // Exclusive totals (ISR time nested in DPCs removed), from the table's exclusive column.
  const model = engine.model;
  const exclusive = new Map<string, number>();
  for (let i = 0; i < model.dpc.length; i++) {
    const func = model.symbols.routineFunc[model.dpc.routine[i]!]!;
    const key = `${model.dict.modules[model.symbols.funcModule[func]!]}|${model.symbols.functionName(func)}|${['DPC', 'ThreadedDPC', 'TimerDPC', 'ISR', 'ISR-MSI'][model.dpc.kind[i]!]}`;
    exclusive.set(key, (exclusive.get(key) ?? 0) + dpcExclusive(model.dpc, i));
  }
  for (const row of truth.dpcIsr)
    expect([row.function, row.type, exclusive.get(`${row.module}|${row.function}|${row.type}`)]).toEqual([
      row.function,
      row.type,
      row.exclusiveTotalNs,
    ]);

  // Per CPU: busy (precise), DPC/ISR union, C-states, samples.
  const utilization = engine.query(
    { kind: 'series', metric: 'utilization', filter: {}, buckets: 1 },
    NEVER_CANCELLED,
  );
  const dpcTime = engine.query(
    { kind: 'series', metric: 'dpcIsrTime', filter: {}, buckets: 1 },
    NEVER_CANCELLED,
  );
  const idle = engine.query(
    { kind: 'pivot', table: 'idleStates', filter: {}, groupBy: ['cpu', 'state'], limitPerLevel: 1000 },
    NEVER_CANCELLED,
  );
  const samples = engine.query(
    { kind: 'pivot', table: 'cpuSampled', filter: {}, groupBy: ['cpu'], limitPerLevel: 1000 },
    NEVER_CANCELLED,
  );
  const duration = truth.durationNs;
  for (const cpuTruth of truth.cpus) {
    const c = cpuTruth.cpu;
    const busyNs = ((utilization.cpus.find((s) => s.cpu === c)?.values[0] ?? 0) * duration) / 100;
    expect([c, 'busy', Math.round(busyNs)]).toEqual([c, 'busy', cpuTruth.busyNs]);
    const unionNs = ((dpcTime.cpus.find((s) => s.cpu === c)?.values[0] ?? 0) * duration) / 100;
    expect([c, 'dpcIsrUnion', Math.round(unionNs)]).toEqual([c, 'dpcIsrUnion', cpuTruth.dpcIsrUnionNs]);
    const states = idle.rows.find((r) => r.key === String(c))?.children ?? [];
    const residency = Object.fromEntries(states.map((s) => [s.key, Math.round(s.aggregates.totalMs * 1e6)]));
    const expected = Object.fromEntries(Object.entries(cpuTruth.cStateNs).filter(([, ns]) => ns > 0));
    expect([c, residency]).toEqual([c, expected]);
    expect([c, 'samples', samples.rows.find((r) => r.key === String(c))?.aggregates.count ?? 0]).toEqual([
      c,
      'samples',
      cpuTruth.samples,
    ]);
  }
  expect(utilization.source).toBe('precise');

  // DPC/ISR-flagged samples by module.
  const flagged = engine.query(
    {
      kind: 'pivot',
      table: 'cpuSampled',
      filter: { include: { dpcIsr: ['DPC', 'ISR'] } },
      groupBy: ['module'],
      limitPerLevel: 1000,
    },
    NEVER_CANCELLED,
  );
  expect(Object.fromEntries(flagged.rows.map((r) => [r.key, r.aggregates.count]))).toEqual(
    truth.dpcIsrSamplesByModule,
  );
}

describe('writer seed scenarios through the engine', () => {
  let backup: { engine: Engine; truth: ScenarioTruth };
  beforeAll(() => {
    backup = load('backupServer', { seconds: 1 });
  });

  it('backupServer: counts, DPC/ISR aggregates, busy, unions, C-states and samples match the truth', () => {
    checkTruth(backup.engine, backup.truth);
  });

  it('backupServer: CPUs 0, 2, 4, 6 are pegged by ndis.sys!ndisInterruptDpc', () => {
    const pivot = backup.engine.query(
      {
        kind: 'pivot',
        table: 'dpcIsr',
        filter: { cpus: [0, 2, 4, 6] },
        groupBy: ['module', 'function'],
        limitPerLevel: 5,
      },
      NEVER_CANCELLED,
    );
    expect(pivot.rows[0]!.key).toBe('ndis.sys');
    expect(pivot.rows[0]!.children![0]!.key).toBe('ndisInterruptDpc');
  });

  it('audioWorkstation (compressed): matches the truth, incl. ISR-inside-DPC exclusive time', () => {
    const { engine, truth } = load('audioWorkstation', { seconds: 1, compress: true });
    checkTruth(engine, truth);
  });

  it('deepIdle12Core (32-bit pointers): matches the truth incl. C1/C2/C3 residency', () => {
    const { engine, truth } = load('deepIdle12Core', { seconds: 1, pointerSize: 4 });
    checkTruth(engine, truth);
  });
});
