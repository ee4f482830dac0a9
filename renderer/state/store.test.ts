// Store tests: create a store, call actions, read state/selectors (zoom history, CPU filter undo,
// pivot layout, persistence per trace).

import { describe, expect, it } from 'vitest';
import { traceNs } from '../../shared/units.js';
import { effectiveCpus, shownCpusOf } from './filter-slice.js';
import { baseFilter, pivotQuery } from './queries.js';
import { createAppStore } from './store.js';
import { MapStorage, summaryFixture } from './test-fixtures.js';
import { visibleRange } from './view-slice.js';

const range = (start: number, end: number) => ({ start: traceNs(start), end: traceNs(end) });

function readyStore(storage?: MapStorage) {
  const store = createAppStore({ storage });
  store.getState().beginLoading('backup.etl');
  store.getState().traceReady('t1', summaryFixture());
  return store;
}

describe('view slice: zoom and history', () => {
  it('zooms to the selection, goes back and forward, unzooms', () => {
    const store = readyStore();
    expect(visibleRange(store.getState())).toEqual(range(0, 10e9));
    store.getState().setSelection(range(2e9, 4e9));
    store.getState().zoomToSelection();
    expect(store.getState().committedRange).toEqual(range(2e9, 4e9));
    expect(store.getState().selection).toBeUndefined();
    store.getState().zoomTo(range(2.5e9, 3e9));
    store.getState().zoomBackward();
    expect(store.getState().committedRange).toEqual(range(2e9, 4e9));
    store.getState().zoomBackward();
    expect(store.getState().committedRange).toBeUndefined();
    store.getState().zoomBackward(); // nothing left: stays
    expect(store.getState().committedRange).toBeUndefined();
    store.getState().zoomForwardAgain();
    store.getState().zoomForwardAgain();
    expect(store.getState().committedRange).toEqual(range(2.5e9, 3e9));
    store.getState().unzoom();
    expect(store.getState().committedRange).toBeUndefined();
    expect(store.getState().zoomForward).toEqual([]);
  });

  it('zooms in and out around the centre and clamps to the trace', () => {
    const store = readyStore();
    store.getState().zoomBy(0.5);
    expect(store.getState().committedRange).toEqual(range(2.5e9, 7.5e9));
    store.getState().zoomBy(0.5, 10e9); // the point under the cursor stays put
    expect(store.getState().committedRange).toEqual(range(6.25e9, 8.75e9));
    store.getState().zoomTo(range(9.5e9, 12e9)); // past the end: shifted inside
    expect(store.getState().committedRange).toEqual(range(7.5e9, 10e9));
    store.getState().zoomBy(100); // out past the whole trace = unzoomed
    expect(store.getState().committedRange).toBeUndefined();
  });

  it('never zooms below 1 µs', () => {
    const store = readyStore();
    store.getState().zoomTo(range(1000, 1001));
    const r = store.getState().committedRange!;
    expect(r.end - r.start).toBe(1000);
  });
});

describe('filter slice: CPU selection, filter to/out, undo', () => {
  it('selects CPUs with click, ctrl-click and shift-click', () => {
    const store = readyStore();
    const s = () => store.getState();
    s().clickCpu(0, {});
    s().clickCpu(2, { ctrl: true });
    s().clickCpu(4, { ctrl: true });
    s().clickCpu(6, { ctrl: true });
    expect(s().selectedCpus).toEqual([0, 2, 4, 6]);
    s().clickCpu(2, { ctrl: true });
    expect(s().selectedCpus).toEqual([0, 4, 6]);
    s().clickCpu(1, {});
    s().clickCpu(3, { shift: true });
    expect(s().selectedCpus).toEqual([1, 2, 3]);
    s().clickCpu(1, {});
    s().clickCpu(1, {}); // clicking the only selected CPU again deselects it
    expect(s().selectedCpus).toEqual([]);
  });

  it('filters to and out of the selection, with undo', () => {
    const store = readyStore();
    const s = () => store.getState();
    expect(shownCpusOf(s().filters, 4)).toEqual([0, 1, 2, 3]);
    for (const cpu of [0, 2, 4, 6]) {
      s().clickCpu(cpu, { ctrl: true });
    }
    s().filterToSelectedCpus();
    expect(effectiveCpus(s().filters, 8)).toEqual([0, 2, 4, 6]);
    expect(shownCpusOf(s().filters, 8)).toEqual([0, 2, 4, 6]);
    expect(baseFilter(s()).cpus).toEqual([0, 2, 4, 6]);
    expect(s().selectedCpus).toEqual([]);
    s().clickCpu(4, {});
    s().filterOutSelectedCpus();
    expect(effectiveCpus(s().filters, 8)).toEqual([0, 2, 6]);
    s().filterColumn('module', ['ndis.sys'], 'include');
    expect(baseFilter(s()).include).toEqual({ module: ['ndis.sys'] });
    s().undoFilter();
    expect(baseFilter(s()).include).toBeUndefined();
    s().undoFilter();
    expect(effectiveCpus(s().filters, 8)).toEqual([0, 2, 4, 6]);
    s().clearFilters();
    expect(effectiveCpus(s().filters, 8)).toBeUndefined();
    s().undoFilter();
    expect(effectiveCpus(s().filters, 8)).toEqual([0, 2, 4, 6]);
    s().undoFilter();
    expect(effectiveCpus(s().filters, 8)).toBeUndefined();
  });

  it('filters to a pivot row path (CPU › Module) in one undo step', () => {
    const store = readyStore();
    const s = () => store.getState();
    s().filterColumns(
      [
        { column: 'cpu', values: ['2'] },
        { column: 'module', values: ['ndis.sys'] },
      ],
      'include',
    );
    expect(baseFilter(s())).toMatchObject({ cpus: [2], include: { module: ['ndis.sys'] } });
    s().undoFilter();
    expect(baseFilter(s()).cpus).toBeUndefined();
    expect(baseFilter(s()).include).toBeUndefined();
  });

  it('filter out on an unfiltered trace excludes those CPUs', () => {
    const store = readyStore();
    store.getState().clickCpu(1, {});
    store.getState().filterOutSelectedCpus();
    expect(effectiveCpus(store.getState().filters, 4)).toEqual([0, 2, 3]);
  });
});

describe('pivot slice', () => {
  it('defaults DPC/ISR to Module → Function by total time, and edits the gold bar', () => {
    const store = readyStore();
    const s = () => store.getState();
    expect(s().layouts.dpcIsr.groupBy).toEqual(['module', 'function']);
    expect(pivotQuery(s(), 'dpcIsr', ['cpu', 'type', 'module', 'function'])).toMatchObject({
      groupBy: ['module', 'function'],
      sortBy: 'totalMs',
      descending: true,
    });
    s().addGroupColumn('dpcIsr', 'cpu', 0);
    expect(s().layouts.dpcIsr.groupBy).toEqual(['cpu', 'module', 'function']);
    s().addGroupColumn('dpcIsr', 'cpu', 2); // move
    expect(s().layouts.dpcIsr.groupBy).toEqual(['module', 'function', 'cpu']);
    s().addGroupColumn('dpcIsr', 'process'); // not a DPC column: ignored
    expect(s().layouts.dpcIsr.groupBy).toEqual(['module', 'function', 'cpu']);
    s().removeGroupColumn('dpcIsr', 'function');
    expect(s().layouts.dpcIsr.groupBy).toEqual(['module', 'cpu']);
    s().sortBy('dpcIsr', 'totalMs');
    expect(s().layouts.dpcIsr.descending).toBe(false);
    s().sortBy('dpcIsr', 'key');
    expect(s().layouts.dpcIsr).toMatchObject({ sortBy: 'key', descending: false });
    s().toggleExpanded('dpcIsr', 'ndis.sys');
    expect(s().layouts.dpcIsr.expanded).toEqual(['ndis.sys']);
    s().toggleExpanded('dpcIsr', 'ndis.sys');
    expect(s().layouts.dpcIsr.expanded).toEqual([]);
    // expandPaths opens without closing what is open.
    s().toggleExpanded('dpcIsr', 'a.sys');
    s().expandPaths('dpcIsr', ['a.sys', 'b.sys']);
    expect(s().layouts.dpcIsr.expanded).toEqual(['a.sys', 'b.sys']);
    s().setColumnVisible('dpcIsr', 'p50Us', true);
    s().setColumnVisible('dpcIsr', 'count', false);
    expect(s().layouts.dpcIsr.columns).toEqual(['totalMs', 'avgUs', 'p50Us', 'p99Us', 'maxUs', 'overBudget']);
  });

  it('a histogram bucket click filters DPC/ISR queries by duration and toggles off', () => {
    const store = readyStore();
    const s = () => store.getState();
    s().toggleBucketFilter({ label: '128-256 µs', minNs: 128_000, maxNs: 256_000 });
    expect(baseFilter(s(), { table: 'dpcIsr' }).durationNs).toEqual({ min: 128_000, max: 256_000 });
    expect(baseFilter(s(), { table: 'cpuPrecise' }).durationNs).toBeUndefined();
    s().toggleBucketFilter({ label: '128-256 µs', minNs: 128_000, maxNs: 256_000 });
    expect(s().bucketFilter).toBeUndefined();
  });
});

describe('selected event', () => {
  it('a reveal (timeline, headline) is numbered so the table shows each one; a table click is not one', () => {
    const s = readyStore().getState;
    const event = {
      id: 7,
      cpu: 2,
      type: 'DPC' as const,
      module: 'volsnap.sys',
      function: 'VspWorker',
      enterNs: 1000,
      durationNs: 500,
      exclusiveNs: 500,
      fragments: 1,
    };
    s().selectEvent(event);
    expect(s().selectedEvent).toBe(event);
    expect(s().eventReveal).toBeUndefined();
    s().selectEvent(event, { reveal: true });
    expect(s().eventReveal).toEqual({ event, seq: 1 });
    s().selectEvent(event, { reveal: true });
    expect(s().eventReveal?.seq).toBe(2);
    s().selectEvent(undefined);
    expect(s().eventReveal).toBeUndefined();
    // After a cleared selection the numbering goes on (a table that acted on 2 must see a new one).
    s().selectEvent(event, { reveal: true });
    expect(s().eventReveal?.seq).toBe(3);
  });
});

describe('persistence per trace', () => {
  it('restores range, filters and layouts when the same trace is reopened, not for another trace', () => {
    const storage = new MapStorage();
    const first = readyStore(storage);
    first.getState().zoomTo(range(1e9, 2e9));
    first.getState().clickCpu(3, {});
    first.getState().filterToSelectedCpus();
    first.getState().addGroupColumn('dpcIsr', 'cpu', 0);
    first.getState().toggleTheme();

    const reopened = readyStore(storage);
    expect(reopened.getState().committedRange).toEqual(range(1e9, 2e9));
    expect(reopened.getState().filters.cpuFilter).toEqual({ mode: 'include', cpus: [3] });
    expect(reopened.getState().layouts.dpcIsr.groupBy).toEqual(['cpu', 'module', 'function']);
    expect(reopened.getState().theme).toBe('dark');

    const other = createAppStore({ storage });
    other.getState().traceReady('t2', summaryFixture({ fileName: 'other.etl' }));
    expect(other.getState().committedRange).toBeUndefined();
    expect(other.getState().filters.cpuFilter).toBeUndefined();
  });

  it('ignores a corrupt saved entry', () => {
    const storage = new MapStorage();
    readyStore(storage).getState().zoomTo(range(1e9, 2e9));
    for (const key of storage.map.keys()) {
      storage.map.set(
        key,
        '{"version":1,"view":{"committedRange":{"start":"x"},"layouts":{"dpcIsr":{"groupBy":["nope"]}}}}',
      );
    }
    const store = readyStore(storage);
    expect(store.getState().committedRange).toBeUndefined();
    expect(store.getState().layouts.dpcIsr.groupBy).toEqual(['module', 'function']);
  });
});

describe('trace slice', () => {
  it('goes loading → failed → empty and ignores progress when not loading', () => {
    const store = createAppStore();
    const s = () => store.getState();
    s().beginLoading('bad.etl');
    expect(s().traceStatus).toBe('loading');
    s().traceFailed({ name: 'EtlFormatError', message: 'not an ETL file', code: 'bad-file' });
    expect(s().traceStatus).toBe('failed');
    s().applyProgress({
      traceId: 'x',
      phase: 'reading',
      bytesRead: 1,
      totalBytes: 2,
      events: 0,
      elapsedMs: 1,
    });
    expect(s().progress).toBeUndefined();
    s().resetTrace();
    expect(s().traceStatus).toBe('empty');
  });
});
