// The pivot's exclusive-time aggregate (WPA's Duration (Exclusive) summed per group) on the
// writer scenarios whose ISRs interrupt DPCs: per (module, function, type) and per module it must
// equal the writer's truth, and under a range, CPU and type filter — on the row scan and on the
// block atoms alike — the sum of the rows' own exclusive durations.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DPC_TYPES, type PivotQuery, type QueryFilter } from '../../shared/contract.js';
import type { TraceNs } from '../../shared/units.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import type { Engine } from './engine.js';
import { dpcExclusive } from './model.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-exclusive-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(name: string): { engine: Engine; truth: ScenarioTruth } {
  const file = path.join(dir, `${name}.etl`);
  const { truth } = simulate(SCENARIOS[name]!, { seconds: 1, path: file });
  return { engine: loadEngine(file), truth };
}

const ns = (ms: number | undefined) => Math.round((ms ?? NaN) * 1e6);

/** Σ exclusive ns per module over the rows a filter keeps (range on enter time, CPUs, types). */
function bruteForce(engine: Engine, filter: QueryFilter): Map<string, number> {
  const { dpc, symbols, dict } = engine.model;
  const start = Number(filter.range?.start ?? 0);
  const end = filter.range !== undefined ? Number(filter.range.end) : Infinity;
  const out = new Map<string, number>();
  for (let cpu = 0; cpu + 1 < dpc.cpuOffsets.length; cpu++) {
    if (filter.cpus !== undefined && !filter.cpus.includes(cpu)) continue;
    for (let i = dpc.cpuOffsets[cpu]!; i < dpc.cpuOffsets[cpu + 1]!; i++) {
      if (dpc.enter[i]! < start || dpc.enter[i]! >= end) continue;
      const type = DPC_TYPES[dpc.kind[i]!]!;
      if (filter.include?.type !== undefined && !filter.include.type.includes(type)) continue;
      const module = dict.modules[symbols.funcModule[symbols.routineFunc[dpc.routine[i]!]!]!]!;
      out.set(module, (out.get(module) ?? 0) + dpcExclusive(dpc, i));
    }
  }
  return out;
}

describe.each(['audioWorkstation', 'backupServer'])('%s: exclusive time in the pivot', (name) => {
  let engine: Engine;
  let truth: ScenarioTruth;
  beforeAll(() => {
    ({ engine, truth } = load(name));
  });

  it('equals the truth per (module, function, type) and per module, below the inclusive total', () => {
    const leaves = engine.query(
      {
        kind: 'pivot',
        table: 'dpcIsr',
        filter: {},
        groupBy: ['module', 'function', 'type'],
        limitPerLevel: 100_000,
      },
      NEVER_CANCELLED,
    );
    const got = new Map<string, number>();
    for (const m of leaves.rows)
      for (const f of m.children ?? [])
        for (const t of f.children ?? []) got.set(`${m.key}|${f.key}|${t.key}`, ns(t.exclusiveMs));
    const perModule = new Map<string, number>();
    let interrupted = 0;
    for (const row of truth.dpcIsr) {
      expect([
        row.module,
        row.function,
        row.type,
        got.get(`${row.module}|${row.function}|${row.type}`),
      ]).toEqual([row.module, row.function, row.type, row.exclusiveTotalNs]);
      perModule.set(row.module, (perModule.get(row.module) ?? 0) + row.exclusiveTotalNs);
      if (row.exclusiveTotalNs < row.totalNs) interrupted++;
    }
    // The scenario has ISRs inside DPCs, so exclusive differs from inclusive somewhere.
    expect(interrupted).toBeGreaterThan(0);
    const byModule = engine.query(
      { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'], limitPerLevel: 100_000 },
      NEVER_CANCELLED,
    );
    expect(new Map(byModule.rows.map((r) => [r.key, ns(r.exclusiveMs)]))).toEqual(perModule);
    const all = [...perModule.values()].reduce((a, b) => a + b, 0);
    expect(ns(byModule.totalExclusiveMs)).toBe(all);
    expect(all).toBeLessThan(ns(byModule.total.totalMs));
  });

  it('under a range, CPUs and types equals the rows’ exclusive sums, on the scan and the block atoms', () => {
    const d = engine.model.durationNs;
    const filters: QueryFilter[] = [
      { range: { start: (0.2 * d) as TraceNs, end: (0.7 * d) as TraceNs } },
      { range: { start: (0.1 * d) as TraceNs, end: (0.9 * d) as TraceNs }, cpus: [0, 2, 3] },
      { include: { type: ['DPC', 'ThreadedDPC', 'TimerDPC'] } },
      { include: { type: ['ISR', 'ISR-MSI'] }, cpus: [0, 1] },
    ];
    for (const filter of filters) {
      const expected = bruteForce(engine, filter);
      const query: PivotQuery = { kind: 'pivot', table: 'dpcIsr', filter, groupBy: ['module'] };
      for (const minRows of [0, Infinity]) {
        engine.scratch.blockPathMinRows = minRows;
        const result = engine.query(query, NEVER_CANCELLED);
        const got = new Map(result.rows.map((r) => [r.key, ns(r.exclusiveMs)]));
        expect([filter, minRows, got]).toEqual([
          filter,
          minRows,
          new Map([...expected].map(([k, v]) => [k, Math.round(v)])),
        ]);
      }
    }
    engine.scratch.blockPathMinRows = 1 << 17;
  });

  it('is only on DPC/ISR pivots', () => {
    const idle = engine.query(
      { kind: 'pivot', table: 'idleStates', filter: {}, groupBy: ['cpu'] },
      NEVER_CANCELLED,
    );
    expect(idle.totalExclusiveMs).toBeUndefined();
    expect(idle.rows[0]?.exclusiveMs).toBeUndefined();
  });
});
