// Stack queries from store state: the preset's table, grouping and exclusions merged with the
// shared filter (range, CPUs, the column filters that table has, the bucket for DPC/ISR stacks).

import { describe, expect, it } from 'vitest';
import { traceNs } from '../../shared/units.js';
import { stackQuery } from './queries.js';
import { createAppStore } from './store.js';
import { summaryFixture } from './test-fixtures.js';

function readyStore() {
  const store = createAppStore();
  store.getState().beginLoading('backup.etl');
  store.getState().traceReady('t1', summaryFixture({ cpuCount: 8 }));
  return store;
}

describe('stackQuery', () => {
  it('DPC/ISR Usage by Module: sampled CPU, by module, DPC/ISR samples only, whole trace', () => {
    const q = stackQuery(readyStore().getState(), 'dpcIsrUsageByModule', {
      view: 'top-down',
      maxNodes: 2000,
    });
    expect(q).toEqual({
      kind: 'stacks',
      table: 'cpuSampled',
      filter: { range: { start: 0, end: 10e9 }, exclude: { dpcIsr: ['-'] } },
      groupBy: ['module'],
      view: 'top-down',
      maxNodes: 2000,
    });
  });

  it('follows the committed range, the CPU filter and column filters the table has', () => {
    const store = readyStore();
    const s = store.getState();
    s.zoomTo({ start: traceNs(1e9), end: traceNs(3e9) });
    for (const cpu of [0, 2]) s.clickCpu(cpu, { ctrl: true });
    store.getState().filterToSelectedCpus();
    store.getState().filterColumn('module', ['ndis.sys'], 'exclude');
    store.getState().filterColumn('type', ['ISR'], 'exclude'); // dpcIsr has it, cpuSampled does not
    store.getState().filterColumn('dpcIsr', ['ISR'], 'exclude');
    const sampled = stackQuery(store.getState(), 'dpcIsrUsageByModule', { view: 'bottom-up', maxNodes: 10 });
    expect(sampled.filter).toEqual({
      range: { start: 1e9, end: 3e9 },
      cpus: [0, 2],
      exclude: { module: ['ndis.sys'], dpcIsr: ['ISR', '-'] },
    });
    const dpc = stackQuery(store.getState(), 'dpcIsrDurationByFunction', { view: 'top-down', maxNodes: 10 });
    expect(dpc.table).toBe('dpcIsr');
    expect(dpc.groupBy).toEqual(['module', 'function']);
    expect(dpc.filter.exclude).toEqual({ module: ['ndis.sys'], type: ['ISR'] });
  });

  it('butterfly halves: ungrouped, with the function, and the DPC/ISR bucket on DPC stacks', () => {
    const store = readyStore();
    store.getState().toggleBucketFilter({ label: '128-256 µs', minNs: 128_000, maxNs: 256_000 });
    const q = stackQuery(store.getState(), 'dpcIsrDurationByFunction', {
      view: 'callers',
      focus: 'ndis.sys!ndisInterruptDpc',
      maxNodes: 500,
      groupBy: [],
    });
    expect(q).toMatchObject({ view: 'callers', focus: 'ndis.sys!ndisInterruptDpc', groupBy: [] });
    expect(q.filter.durationNs).toEqual({ min: 128_000, max: 256_000 });
    const sampled = stackQuery(store.getState(), 'utilizationByProcess', { view: 'top-down', maxNodes: 5 });
    expect(sampled.filter.durationNs).toBeUndefined();
    expect(sampled.filter.exclude).toBeUndefined();
  });
});
