// The Power area's pure logic, on answers shaped like the engine's for the writer's deepIdleAmd24
// (24 CPUs; CPUs 1–23 enter C3 at 50 ms + 40 µs·cpu and stay; Target C1 → C3 at 49 ms; P4 at 49.5 ms).

import { describe, expect, it } from 'vitest';
import type { FrequencyResult, IdleStateStats, IdleStatsResult } from '../../shared/contract.js';
import { durationNs, traceNs } from '../../shared/units.js';
import { summaryFixture } from '../state/test-fixtures.js';
import {
  concurrencyInView,
  deepIdleQuery,
  formatVisitNs,
  frequencyRuns,
  hasPowerData,
  histogramBars,
  idleRowsQuery,
  rowWindowOffset,
  runsByCpu,
  stateIndex,
  statesOf,
  statsTableRows,
} from './power-model.js';

const DURATION = 200e6;
const deepEnter = (cpu: number) => 50e6 + 40e3 * cpu;

function stats(
  type: 'Actual' | 'Target',
  cpu: number | null,
  state: string,
  visits: number,
  ns: number,
): IdleStateStats {
  return {
    type,
    cpu,
    state,
    visits,
    transitions: visits,
    residencyNs: ns,
    residencyPercent: (100 * ns) / (DURATION * (cpu === null ? 23 : 1)),
    minNs: visits > 0 ? ns / visits : 0,
    avgNs: visits > 0 ? ns / visits : 0,
    maxNs: visits > 0 ? ns / visits : 0,
    histogram: [],
  };
}

const cpus = Array.from({ length: 23 }, (_, k) => k + 1);
const c3PerCpu = cpus.map((c) => stats('Actual', c, 'C3', 1, DURATION - deepEnter(c)));
const result: IdleStatsResult = {
  kind: 'idleStats',
  actual: [
    stats(
      'Actual',
      null,
      'C3',
      23,
      c3PerCpu.reduce((n, s) => n + s.residencyNs, 0),
    ),
    stats('Actual', null, 'C1', 774, 599.3e6),
    ...c3PerCpu,
  ],
  target: [
    stats('Target', null, 'C3', 23, 23 * 151e6),
    ...cpus.map((c) => stats('Target', c, 'C3', 1, 151e6)),
  ],
  concurrency: {
    startNs: 0,
    bucketNs: 1e6,
    values: Array.from({ length: 200 }, (_, k) => (k < 50 ? 6 : 0.3)),
  },
  rows: [],
  totalRows: 0,
};

describe('power model', () => {
  it('the stats table: Actual then Target, all-CPU rows; ▸ opens one row per CPU in CPU order', () => {
    const closed = statsTableRows(result, new Set());
    expect(closed.map((r) => r.key)).toEqual(['Actual/C3', 'Actual/C1', 'Target/C3']);
    expect(closed[0]!.expandable).toBe(true);
    expect(closed[1]!.expandable).toBe(false);
    const open = statsTableRows(result, new Set(['Actual/C3']));
    expect(open).toHaveLength(3 + 23);
    expect(open.slice(1, 24).map((r) => r.stats.cpu)).toEqual(cpus);
    expect(open[1]!.depth).toBe(1);
    // Residency of the all-CPU row is the per-CPU rows' sum (23 CPUs from their drop to the end).
    const sum = open.slice(1, 24).reduce((n, r) => n + r.stats.residencyNs, 0);
    expect(open[0]!.stats.residencyNs).toBe(sum);
    expect(sum).toBe(cpus.reduce((n, c) => n + DURATION - deepEnter(c), 0));
  });

  it('histogram bars: doubling labels, trimmed to the non-empty span, empty buckets between kept', () => {
    const h = [0, 0, 0, 5, 0, 2, 0, 0].map((visits, k) => ({ upToUs: 2 ** k, visits }));
    const bars = histogramBars({ ...result.actual[0]!, histogram: h });
    expect(bars.map((b) => b.label)).toEqual(['4 µs – 8 µs', '8 µs – 16 µs', '16 µs – 32 µs']);
    expect(bars.map((b) => b.visits)).toEqual([5, 0, 2]);
    const c3 = [...Array(18).keys()].map((k) => ({ upToUs: 2 ** k, visits: k === 17 ? 23 : 0 }));
    expect(histogramBars({ ...result.actual[0]!, histogram: c3 })).toEqual([
      { label: '65.5 ms – 131 ms', fromUs: 65536, upToUs: 131072, visits: 23 },
    ]);
    expect(histogramBars({ ...result.actual[0]!, histogram: [{ upToUs: 1, visits: 3 }] })[0]!.label).toBe(
      '< 1 µs',
    );
    expect(histogramBars({ ...result.actual[0]!, histogram: [] })).toEqual([]);
  });

  it('CPUs in C0 over the view: only the buckets the view overlaps', () => {
    expect(concurrencyInView(result.concurrency, { start: traceNs(60e6), end: traceNs(200e6) })).toEqual({
      min: 0.3,
      avg: expect.closeTo(0.3, 9) as unknown as number,
      max: 0.3,
    });
    const all = concurrencyInView(result.concurrency, { start: traceNs(0), end: traceNs(200e6) })!;
    expect(all.max).toBe(6);
    expect(all.avg).toBeCloseTo((50 * 6 + 150 * 0.3) / 200, 9);
    expect(
      concurrencyInView(result.concurrency, { start: traceNs(300e6), end: traceNs(400e6) }),
    ).toBeUndefined();
  });

  it('rows: windows on multiples of 100, one type, offset only when > 0', () => {
    expect([0, 49, 50, 149, 150, 1234].map(rowWindowOffset)).toEqual([0, 0, 0, 0, 100, 1100]);
    const state = {
      committedRange: undefined,
      summary: summaryFixture({ cpuCount: 24, durationNs: durationNs(DURATION) }),
      filters: { cpuFilter: { mode: 'exclude' as const, cpus: [0] }, include: {}, exclude: {} },
    };
    const q = idleRowsQuery(state, { offset: 200, limit: 200, type: 'Target' });
    expect(q).toMatchObject({ kind: 'idleStats', rowOffset: 200, rowLimit: 200, rowType: 'Target' });
    expect(q.filter.cpus).toEqual(cpus);
    expect(q.filter.range).toEqual({ start: 0, end: DURATION });
    expect('rowOffset' in idleRowsQuery(state, { offset: 0, limit: 200 })).toBe(false);
    // The headline's question is about the whole trace: no range.
    expect(deepIdleQuery(state).filter).toEqual({ cpus });
  });

  it('lane runs per CPU and the states they name, by index', () => {
    const runs = runsByCpu([
      {
        cpu: 2,
        type: 'Target',
        state: 'C3',
        prevState: 'C1',
        nextState: '',
        entryNs: 49e6,
        exitNs: DURATION,
        durationNs: 151e6,
      },
      {
        cpu: 1,
        type: 'Target',
        state: 'C1',
        prevState: '',
        nextState: 'C3',
        entryNs: 0,
        exitNs: 49e6,
        durationNs: 49e6,
      },
      {
        cpu: 2,
        type: 'Target',
        state: 'C1',
        prevState: '',
        nextState: 'C3',
        entryNs: 0,
        exitNs: 49e6,
        durationNs: 49e6,
      },
    ]);
    expect(runs.get(2)!.map((r) => r.state)).toEqual(['C1', 'C3']);
    expect(statesOf(runs)).toEqual(['C1', 'C3']);
    const f: FrequencyResult = {
      kind: 'frequency',
      source: 'Power/PerfStateChange',
      nominalMHz: 3700,
      timeAtState: [],
      cpus: [
        {
          cpu: 0,
          changes: 10,
          intervals: [
            { startNs: 0, endNs: 20e6, state: 'P0' },
            { startNs: 20e6, endNs: 40e6, state: 'P2' },
          ],
        },
        {
          cpu: 1,
          changes: 2,
          intervals: [
            { startNs: 0, endNs: 49.5e6, state: 'P0' },
            { startNs: 49.5e6, endNs: DURATION, state: 'P4' },
          ],
        },
      ],
    };
    expect(statesOf(frequencyRuns(f))).toEqual(['P0', 'P2', 'P4']);
    expect(['C0', 'C3', 'P10', 'x'].map(stateIndex)).toEqual([0, 3, 10, -1]);
  });

  it('the Power tab is enabled by idle or perf-state events; visit lengths read as µs or ms', () => {
    const none = summaryFixture({
      recorded: { ...summaryFixture().recorded, idleStates: false },
      counts: {},
    });
    expect(hasPowerData(none)).toBe(false);
    expect(hasPowerData({ ...none, counts: { 'Power/PerfStateChange': 11 } })).toBe(true);
    expect(hasPowerData({ ...none, counts: { 'Power/IdleStateEnter': 1349 } })).toBe(true);
    expect([700e3, 5e3, 149.96e6, 1.3e6, 12.5e9].map(formatVisitNs)).toEqual([
      '700.0 µs',
      '5.00 µs',
      '149.960 ms',
      '1.300 ms',
      '12.500 s',
    ]);
  });
});
