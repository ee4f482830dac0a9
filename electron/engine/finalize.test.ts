// Builder + finalize on hand-made streams: DPC fragments (ISR inside DPC), busy time, compact
// CSwitch attribution, C-state pairing and the PreviousCState fallback, TID reuse, module and
// function resolution with symbol maps, merging partials of several workers.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NEVER_CANCELLED } from './query-common.js';
import { dpcExclusive, dpcFragments, runRowEnd } from './model.js';
import { engineFrom, kernelAddress } from './test-model.js';

const DPC = 0;
const ISR = 3;
const ndisBase = kernelAddress(0x100000);

describe('DPC fragments', () => {
  it('subtracts ISRs nested in a DPC on the same CPU and counts fragments', () => {
    const engine = engineFrom(2, ([b]) => {
      // ISR before the DPC started: not inside it.
      b!.appendDpc(0, ISR, 50, 60, kernelAddress(0x10));
      b!.appendDpc(0, ISR, 150, 170, kernelAddress(0x10));
      // An ISR on CPU 1 at the same time does not interrupt CPU 0's DPC.
      b!.appendDpc(1, ISR, 160, 180, kernelAddress(0x10));
      b!.appendDpc(0, ISR, 200, 210, kernelAddress(0x10));
      b!.appendDpc(0, DPC, 100, 300, kernelAddress(0x20));
      // The next DPC starts fresh.
      b!.appendDpc(0, DPC, 400, 450, kernelAddress(0x20));
      b!.noteEvent(0, 1000);
    });
    const { dpc } = engine.model;
    const rows = Array.from({ length: dpc.length }, (_, i) => [
      dpc.kind[i],
      dpc.enter[i],
      dpc.duration[i],
      dpcExclusive(dpc, i),
      dpcFragments(dpc, i),
    ]);
    // CPU 0 rows in enter order, then CPU 1.
    expect(rows).toEqual([
      [ISR, 50, 10, 10, 1],
      [DPC, 100, 200, 170, 3],
      [ISR, 150, 20, 20, 1],
      [ISR, 200, 10, 10, 1],
      [DPC, 400, 50, 50, 1],
      [ISR, 160, 20, 20, 1],
    ]);
    expect(Array.from(dpc.cpuOffsets)).toEqual([0, 5, 6]);
    // Only the interrupted DPC is stored (sparse): row 1.
    expect(Array.from(dpc.interrupted.rows)).toEqual([1]);
  });
});

describe('CPU busy time', () => {
  it('is the union of non-idle running intervals and DPC/ISR intervals', () => {
    const engine = engineFrom(1, ([b]) => {
      // Thread 5 runs from the trace start until 100, then idle (TID 0) until 300, then thread 7.
      b!.appendCSwitch(0, 100, 0, 5, 0, 0);
      b!.appendCSwitch(0, 300, 7, 0, 1, 0);
      b!.appendDpc(0, DPC, 50, 120, kernelAddress(0x20));
      b!.appendDpc(0, DPC, 150, 200, kernelAddress(0x20));
      b!.noteEvent(0, 400);
    });
    const series = engine.query(
      { kind: 'series', metric: 'utilization', filter: {}, buckets: 1 },
      NEVER_CANCELLED,
    );
    // [0,120) ∪ [150,200) ∪ [300,400) = 120 + 50 + 100 = 270 of 400.
    expect(series.cpus[0]!.values[0]).toBeCloseTo(67.5, 10);
    const dpcTime = engine.query(
      { kind: 'series', metric: 'dpcIsrTime', filter: {}, buckets: 4 },
      NEVER_CANCELLED,
    );
    expect(dpcTime.cpus[0]!.values).toEqual([50, 70, 0, 0]);
    // Running rows: thread 5 [0,100), idle [100,300), thread 7 tail [300,400).
    const run = engine.model.run;
    expect(Array.from(run.start)).toEqual([0, 100, 300]);
    expect(Array.from(run.start, (_, i) => runRowEnd(run, 0, i))).toEqual([100, 300, 400]);
    // Contiguous rows: no end column, the last row ends at the trace end.
    expect(run.end).toBeUndefined();
    expect(run.lastEnd[0]).toBe(400);
    expect(Array.from(run.thread, (t) => engine.model.dict.threadTids[t])).toEqual([5, 0, 7]);
  });

  it('attributes compact CSwitch intervals to the old thread and drops the unknown tail', () => {
    const engine = engineFrom(1, ([b]) => {
      b!.noteCompactBatch();
      b!.appendCompactSwitch(0, 100, 9, 0);
      b!.appendCompactSwitch(0, 250, 11, 0);
      b!.appendCompactSwitch(0, 300, 0, 0);
      b!.noteEvent(0, 500);
    });
    const run = engine.model.run;
    expect(Array.from(run.thread, (t) => engine.model.dict.threadTids[t])).toEqual([9, 11, 0]);
    expect(Array.from(run.start, (_, i) => runRowEnd(run, 0, i))).toEqual([100, 250, 300]);
    expect(run.lastEnd[0]).toBe(300); // the unknown compact tail is not a row
    expect(engine.model.summary.recorded.compactContextSwitches).toBe(true);
    expect(engine.model.summary.explanations.some((e) => e.includes('compact'))).toBe(true);
  });

  it('records ready time from the last ReadyThread of the thread switched in', () => {
    const engine = engineFrom(2, ([b]) => {
      b!.appendReady(80, 7);
      b!.appendReady(90, 7);
      b!.appendCSwitch(0, 100, 7, 5, 0, 0);
      b!.noteEvent(0, 200);
    });
    const run = engine.model.run;
    expect(Array.from(run.readyNs)).toEqual([NaN, 10]);
  });
});

describe('C-states', () => {
  it('pairs IdleStateEnter/Exit into C{s+1} and fills C0', () => {
    const engine = engineFrom(1, ([b]) => {
      b!.appendIdleEnter(0, 100, 0);
      b!.appendIdleExit(0, 200);
      b!.appendIdleEnter(0, 300, 2);
      b!.appendIdleExit(0, 500);
      b!.appendIdleEnter(0, 900, 1); // open at the end: closed at the trace end
      b!.noteEvent(0, 1000);
    });
    const pivot = engine.query(
      {
        kind: 'pivot',
        table: 'idleStates',
        filter: {},
        groupBy: ['state'],
        sortBy: 'key',
        descending: false,
      },
      NEVER_CANCELLED,
    );
    expect(pivot.rows.map((r) => [r.key, r.aggregates.totalMs * 1e6])).toEqual([
      ['C0', 600],
      ['C1', 100],
      ['C2', 100],
      ['C3', 200],
    ]);
    expect(engine.model.idle.source).toBe('events');
  });

  it('falls back to CSwitch PreviousCState when no idle events exist', () => {
    const engine = engineFrom(1, ([b]) => {
      b!.appendCSwitch(0, 100, 0, 5, 0, 0); // thread 5 until 100, then idle
      b!.appendCSwitch(0, 400, 5, 0, 2, 0); // the idle interval [100,400) was C3
      b!.noteEvent(0, 500);
    });
    const pivot = engine.query(
      {
        kind: 'pivot',
        table: 'idleStates',
        filter: {},
        groupBy: ['state'],
        sortBy: 'key',
        descending: false,
      },
      NEVER_CANCELLED,
    );
    expect(pivot.rows.map((r) => [r.key, r.aggregates.totalMs * 1e6])).toEqual([
      ['C0', 200],
      ['C3', 300],
    ]);
    expect(engine.model.idle.source).toBe('cswitch');
  });
});

describe('threads, processes, images and symbols', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-sym-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('maps a reused TID to the process that owned it at the time', () => {
    const engine = engineFrom(1, ([b]) => {
      b!.processes.push({
        timeNs: 0,
        kind: 'dcstart',
        processId: 100,
        parentId: 4,
        imageFileName: 'a.exe',
        commandLine: '',
      });
      b!.processes.push({
        timeNs: 150,
        kind: 'start',
        processId: 200,
        parentId: 4,
        imageFileName: 'b.exe',
        commandLine: '',
      });
      b!.threads.push({ timeNs: 0, kind: 'dcstart', threadId: 8, processId: 100, name: '' });
      b!.threads.push({ timeNs: 100, kind: 'end', threadId: 8, processId: 100, name: '' });
      b!.threads.push({ timeNs: 200, kind: 'start', threadId: 8, processId: 200, name: 'worker' });
      b!.appendSample(0, 50, 8, 0x1000, 1, false, false);
      b!.appendSample(0, 250, 8, 0x1000, 1, false, false);
      b!.noteEvent(0, 300);
    });
    const pivot = engine.query(
      {
        kind: 'pivot',
        table: 'cpuSampled',
        filter: {},
        groupBy: ['process', 'thread'],
        sortBy: 'key',
        descending: false,
      },
      NEVER_CANCELLED,
    );
    expect(pivot.rows.map((r) => [r.key, r.children!.map((c) => c.key), r.aggregates.count])).toEqual([
      ['a.exe (100)', ['8'], 1],
      ['b.exe (200)', ['worker (8)'], 1],
    ]);
    // Sample weight: default 1 ms interval.
    expect(pivot.total.totalMs).toBe(2);
  });

  it('resolves routines to modules by load time and to functions through symbol maps', () => {
    const guid = '11111111-2222-3333-4444-555555555555';
    const symbolDir = path.join(dir, 'ndis.pdb', '111111112222333344445555555555552');
    mkdirSync(symbolDir, { recursive: true });
    writeFileSync(path.join(symbolDir, 'ndis.sym.txt'), '2000 ndisInterruptDpc\n1000 ndisFirst\n');
    const otherBase = kernelAddress(0x900000);
    const engine = engineFrom(
      1,
      ([b]) => {
        b!.images.push({
          timeNs: 0,
          kind: 'dcstart',
          base: ndisBase,
          size: 0x10000,
          processId: 0,
          fileName: '\\SystemRoot\\system32\\drivers\\ndis.sys',
        });
        b!.rsds.push({ timeNs: 0, base: ndisBase, processId: 0, guid, age: 2, pdbFileName: 'ndis.pdb' });
        // storport.sys is loaded at 500 and unloaded at 800; afterwards usbport.sys sits at the same base.
        b!.images.push({
          timeNs: 500,
          kind: 'load',
          base: otherBase,
          size: 0x8000,
          processId: 0,
          fileName: '\\SystemRoot\\system32\\drivers\\storport.sys',
        });
        b!.images.push({
          timeNs: 800,
          kind: 'unload',
          base: otherBase,
          size: 0x8000,
          processId: 0,
          fileName: '\\SystemRoot\\system32\\drivers\\storport.sys',
        });
        b!.images.push({
          timeNs: 900,
          kind: 'load',
          base: otherBase,
          size: 0x8000,
          processId: 0,
          fileName: '\\SystemRoot\\system32\\drivers\\usbport.sys',
        });
        b!.appendDpc(0, DPC, 10, 20, ndisBase + 0x2040);
        b!.appendDpc(0, DPC, 30, 40, ndisBase + 0x1004);
        b!.appendDpc(0, DPC, 600, 610, otherBase + 0x10);
        b!.appendDpc(0, DPC, 950, 960, otherBase + 0x10);
        b!.appendDpc(0, DPC, 970, 980, kernelAddress(0x5000000));
        b!.noteEvent(0, 1000);
      },
      1,
      { symbolDirs: [dir] },
    );
    const pivot = engine.query(
      {
        kind: 'pivot',
        table: 'dpcIsr',
        filter: {},
        groupBy: ['module', 'function'],
        sortBy: 'key',
        descending: false,
      },
      NEVER_CANCELLED,
    );
    expect(pivot.rows.map((r) => [r.key, r.children!.map((c) => c.key)])).toEqual([
      ['Unknown', ['0xfffff80005000000']],
      ['ndis.sys', ['ndisFirst', 'ndisInterruptDpc']],
      ['storport.sys', ['storport.sys+0x10']],
      ['usbport.sys', ['usbport.sys+0x10']],
    ]);
    const { groupModule } = engine.model.dict.locations;
    const ndisGroup = Array.from(groupModule).findIndex((m) => engine.model.dict.modules[m] === 'ndis.sys');
    expect(engine.model.symbols.groupTables[ndisGroup]?.names.length).toBe(2);

    // Symbols that load later (a PDB on the symbol path) re-label the same rows: the storport routine
    // gains a name, ndis keeps its table, and the version counts the load.
    const version = engine.applySymbols((pdb) =>
      pdb.name === 'ndis.pdb'
        ? undefined
        : {
            rvas: Uint32Array.of(0x8),
            sizes: Uint32Array.of(0x10),
            names: ['never'],
            kind: 'pdb',
            origin: 'x',
          },
    );
    expect(version).toBe(1);
    const again = engine.query(
      {
        kind: 'pivot',
        table: 'dpcIsr',
        filter: {},
        groupBy: ['module', 'function'],
        sortBy: 'key',
        descending: false,
      },
      NEVER_CANCELLED,
    );
    expect(again.rows.map((r) => [r.key, r.children!.map((c) => c.key)])).toEqual(
      pivot.rows.map((r) => [r.key, r.children!.map((c) => c.key)]),
    );
  });

  it('re-labels functions when symbols load after the trace is ready (applySymbols)', () => {
    const guid = '11111111-2222-3333-4444-555555555555';
    const ndisBase = kernelAddress(0x800000);
    const engine = engineFrom(1, ([b]) => {
      b!.images.push({
        timeNs: 0,
        kind: 'dcstart',
        base: ndisBase,
        size: 0x10000,
        processId: 0,
        fileName: '\\SystemRoot\\system32\\drivers\\ndis.sys',
      });
      b!.rsds.push({ timeNs: 0, base: ndisBase, processId: 0, guid, age: 2, pdbFileName: 'ndis.pdb' });
      b!.appendDpc(0, DPC, 10, 20, ndisBase + 0x2040);
      b!.appendDpc(0, DPC, 30, 40, ndisBase + 0x2080);
      b!.appendDpc(0, DPC, 50, 70, ndisBase + 0x3000);
      b!.appendSample(0, 15, 0, ndisBase + 0x2044, 1, true, false);
      b!.noteEvent(0, 100);
    });
    const functions = (table: 'dpcIsr' | 'cpuSampled') =>
      engine
        .query(
          { kind: 'pivot', table, filter: {}, groupBy: ['function'], sortBy: 'key', descending: false },
          NEVER_CANCELLED,
        )
        .rows.map((r) => [r.key, r.aggregates.count]);
    expect(functions('dpcIsr')).toEqual([
      ['ndis.sys+0x2040', 1],
      ['ndis.sys+0x2080', 1],
      ['ndis.sys+0x3000', 1],
    ]);
    engine.applySymbols((pdb) =>
      pdb.guid === guid && pdb.age === 2
        ? {
            rvas: Uint32Array.of(0x2000, 0x2fff),
            sizes: Uint32Array.of(0x100, 0),
            names: ['ndisInterruptDpc', 'ndisLast'],
            kind: 'pdb',
            origin: 'test',
          }
        : undefined,
    );
    expect(functions('dpcIsr')).toEqual([
      ['ndisInterruptDpc', 2],
      ['ndisLast', 1],
    ]);
    expect(functions('cpuSampled')).toEqual([['ndisInterruptDpc', 1]]);
    expect(engine.model.symbols.frameName(engine.model.symbols.routineFunc[0]!)).toBe(
      'ndis.sys!ndisInterruptDpc',
    );
  });
});

describe('merging partials', () => {
  it('gives the same model from one partial as from CPUs split across two', () => {
    const fill = (route: (cpu: number) => number) => (builders: import('./partial.js').PartialBuilder[]) => {
      for (let k = 0; k < 200; k++) {
        const cpu = k % 4;
        const b = builders[route(cpu)]!;
        const t = 1000 + k * 100;
        b.appendDpc(cpu, k % 5, t, t + 10 + (k % 7) * 13, kernelAddress(0x10 * (k % 3)));
        b.appendCSwitch(cpu, t + 50, k % 2 === 0 ? 0 : 12 + cpu, k % 2 === 0 ? 12 + cpu : 0, 1, 0);
        b.appendSample(cpu, t + 5, k % 3 === 0 ? 0 : 12, kernelAddress(0x10), 1, k % 4 === 0, false);
        b.noteEvent(cpu, t + 60);
      }
      builders[0]!.images.push({
        timeNs: 0,
        kind: 'dcstart',
        base: kernelAddress(0),
        size: 0x1000,
        processId: 0,
        fileName: 'x.sys',
      });
    };
    const one = engineFrom(
      4,
      fill(() => 0),
      1,
    );
    const two = engineFrom(
      4,
      fill((cpu) => cpu % 2),
      2,
    );
    const queries = [
      { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['cpu', 'type', 'module', 'function'] },
      { kind: 'pivot', table: 'cpuPrecise', filter: {}, groupBy: ['cpu', 'process', 'thread'] },
      { kind: 'pivot', table: 'cpuSampled', filter: {}, groupBy: ['dpcIsr', 'module', 'cpu'] },
      { kind: 'series', metric: 'utilization', filter: {}, buckets: 50 },
      { kind: 'series', metric: 'cstate', filter: {}, buckets: 50 },
      { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
    ] as const;
    for (const q of queries) expect(two.query(q, NEVER_CANCELLED)).toEqual(one.query(q, NEVER_CANCELLED));
    expect(two.model.summary.events).toBe(one.model.summary.events);
  });
});
