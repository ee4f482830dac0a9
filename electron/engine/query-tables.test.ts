// List queries (processes, threads, images, events): a writer scenario against its truth, the real
// perfview-diaghub-kernel.etl against its process/image event counts (and a second count of image
// instances straight from the reader), and the filter/sort/limit/bad-request behaviour.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIST_COLUMNS, type ListQuery, type ListResult } from '../../shared/contract.js';
import { traceNs } from '../../shared/units.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import { decodeImage, fileByteSource, KernelHook, openEtl } from '../reader/index.js';
import type { Engine } from './engine.js';
import { isKernelImage } from './images.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';

const list = (engine: Engine, query: Omit<ListQuery, 'kind'>): ListResult =>
  engine.query({ kind: 'list', limit: 100_000, ...query }, NEVER_CANCELLED);
const column = (result: ListResult, name: string): (string | number)[] =>
  result.rows.map((r) => r[result.columns.indexOf(name)]!);

describe('list queries on a writer scenario', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-lists-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let engine: Engine;
  let truth: ScenarioTruth;
  beforeAll(() => {
    const file = path.join(dir, 'backup.etl');
    truth = simulate(SCENARIOS.backupServer!, { path: file, seconds: 1 }).truth;
    engine = loadEngine(file);
  });

  it('lists every process and thread the scenario logged', () => {
    const processes = list(engine, { table: 'processes' });
    expect(processes.columns).toEqual(LIST_COLUMNS.processes);
    // truth.processes counts the Idle process too.
    expect(processes.totalRows).toBe(truth.processes);
    expect(column(processes, 'Process Name')).toContain('Idle');
    expect(column(processes, 'Process Name')).toContain('sqlservr.exe');
    const threads = list(engine, { table: 'threads' });
    // truth.threads counts one idle thread per CPU; all of them are TID 0 (one row).
    const tids = column(threads, 'TID');
    expect(tids.filter((t) => t !== 0).length).toBe(truth.threads - truth.cpuCount);
    expect(tids.filter((t) => t === 0).length).toBe(1);
    // Threads per process add up to the thread rows.
    expect(column(processes, 'Threads').reduce((s, n) => (s as number) + (n as number), 0)).toBe(
      threads.totalRows,
    );
    // CPU usage per thread = the precise pivot's running time per thread.
    const pivot = engine.query(
      { kind: 'pivot', table: 'cpuPrecise', filter: {}, groupBy: ['thread'], limitPerLevel: 100_000 },
      NEVER_CANCELLED,
    );
    const cpuMs = column(threads, 'CPU Usage (ms)') as number[];
    expect(cpuMs.reduce((s, n) => s + n, 0)).toBeCloseTo(pivot.total.totalMs, 6);
  });

  it('lists the kernel images at their bases with their PDB identities', () => {
    const images = list(engine, { table: 'images' });
    const rows = images.rows.map((r) => Object.fromEntries(images.columns.map((c, i) => [c, r[i]])));
    for (const image of truth.images) {
      const bases = [image.base, ...(image.reloadBase !== undefined ? [image.reloadBase] : [])];
      for (const base of bases) {
        const row = rows.find(
          (r) => r['Module'] === image.file && BigInt(r['Image Base'] as string) === BigInt(base),
        );
        expect([image.file, base, row !== undefined]).toEqual([image.file, base, true]);
        expect(row!['Size']).toBe(image.size);
        expect(row!['Process']).toBe('Kernel');
        expect([row!['PDB Name'], row!['PDB GUID'], row!['PDB Age']]).toEqual(
          image.pdb !== undefined ? [image.pdb, image.guid, image.age] : ['', '', ''],
        );
      }
    }
    const kernelRows = rows.filter((r) => r['Process'] === 'Kernel');
    const reloads = truth.images.filter((i) => i.reloadBase !== undefined).length;
    expect(kernelRows.length).toBe(truth.images.length + reloads);
  });

  it('filters by text and range, sorts and limits', () => {
    const sql = list(engine, { table: 'threads', filter: { text: 'SQLSERVR' } });
    expect(sql.totalRows).toBeGreaterThan(0);
    expect(new Set(column(sql, 'Process'))).toEqual(new Set(['sqlservr.exe (2264)']));
    const top = list(engine, { table: 'threads', sortBy: 'CPU Usage (ms)', descending: true, limit: 3 });
    expect(top.rows.length).toBe(3);
    expect(top.totalRows).toBe(list(engine, { table: 'threads' }).totalRows);
    const cpu = column(top, 'CPU Usage (ms)') as number[];
    expect(cpu[0]).toBeGreaterThanOrEqual(cpu[1]!);
    expect(cpu[1]).toBeGreaterThanOrEqual(cpu[2]!);
    // A range clips CPU usage: a thread's usage over the first half is at most its whole usage.
    const half = engine.model.durationNs / 2;
    const firstHalf = list(engine, {
      table: 'threads',
      filter: { range: { start: traceNs(0), end: traceNs(half) } },
    });
    const whole = list(engine, { table: 'threads' });
    const sum = (r: ListResult) => (column(r, 'CPU Usage (ms)') as number[]).reduce((s, n) => s + n, 0);
    expect(sum(firstHalf)).toBeLessThan(sum(whole));
    expect(sum(firstHalf)).toBeGreaterThan(0);
  });

  it('events: one row per kind, totals = summary.events', () => {
    const events = list(engine, { table: 'events' });
    const counts = column(events, 'Count') as number[];
    expect(counts.reduce((s, n) => s + n, 0)).toBe(engine.model.summary.events);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    const dpc = events.rows.find((r) => r[0] === 'PerfInfo/DPC')!;
    expect(dpc).toEqual(['PerfInfo/DPC', 'PerfInfo', 'DPC', truth.eventCounts['PerfInfo/DPC']]);
  });

  it('rejects unknown tables, columns and limits', () => {
    const bad = (q: object) => () => engine.query({ kind: 'list', ...q } as ListQuery, NEVER_CANCELLED);
    expect(bad({ table: 'handles' })).toThrow(/Unknown list table/);
    expect(bad({ table: 'threads', sortBy: 'Module' })).toThrow(/no column "Module"/);
    expect(bad({ table: 'threads', limit: 0 })).toThrow(/limit/);
    expect(bad({ table: 'threads', filter: { range: { start: 5, end: 1 } } })).toThrow(/range/);
  });
});

const traces =
  process.env.ETLSCOPE_TRACES ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'traces');
const diaghub = path.join(traces, 'perfview-diaghub-kernel.etl');

describe.skipIf(!existsSync(diaghub))('list queries on perfview-diaghub-kernel.etl', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = loadEngine(diaghub);
  });

  it('processes agree with the Process Start / End / DCStart events', () => {
    const c = engine.model.summary.counts;
    expect([c['Process/Start'], c['Process/End'], c['Process/DCStart'], c['Process/DCEnd']]).toEqual([
      18, 3, 223, 223,
    ]);
    const processes = list(engine, { table: 'processes' });
    // Every process running at the start (DCStart) plus every process started during the trace.
    expect(processes.totalRows).toBe(223 + 18);
    expect(new Set(column(processes, 'PID')).size).toBe(223 + 18);
    expect(column(processes, 'Start (s)').filter((s) => s !== '').length).toBe(18);
    expect(column(processes, 'End (s)').filter((s) => s !== '').length).toBe(3);
  });

  it('images agree with the Image Load / Unload / DCStart / DCEnd events', () => {
    const c = engine.model.summary.counts;
    expect([c['Image/Load'], c['Image/Unload'], c['Image/DCStart'], c['Image/DCEnd']]).toEqual([
      87, 143, 187, 15_017,
    ]);
    // Second count straight from the reader: one instance per (process or kernel, base) per
    // lifetime (a Load/DCStart of the same file and size at an open base is the same instance);
    // DCEnd only adds an instance when nothing earlier opened one.
    const trace = openEtl(fileByteSource(diaghub));
    const open = new Map<string, string>();
    let instances = 0;
    const events: { kind: number; key: string; what: string; t: number }[] = [];
    trace.forEachEvent((ev) => {
      if (ev.family === 'eventheader') return;
      const hook = ev.hookId;
      if (
        hook !== KernelHook.ImageLoad &&
        hook !== KernelHook.ImageUnload &&
        hook !== KernelHook.ImageDCStart &&
        hook !== KernelHook.ImageDCEnd
      )
        return;
      const r = decodeImage(ev);
      if (r === undefined) return;
      const base = r.imageBase;
      const key = `${isKernelImage({ processId: r.processId, base }) ? 0 : r.processId}:${base}`;
      events.push({ kind: hook, key, what: `${r.fileName}|${r.imageSize}`, t: ev.timestamp });
    });
    trace.close();
    events.sort((a, b) => a.t - b.t);
    for (const e of events) {
      if (e.kind === KernelHook.ImageLoad || e.kind === KernelHook.ImageDCStart) {
        if (open.get(e.key) === e.what) continue;
        instances++;
        open.set(e.key, e.what);
      } else if (e.kind === KernelHook.ImageUnload) {
        if (!open.delete(e.key)) instances++;
      } else if (!open.has(e.key)) {
        instances++;
        open.set(e.key, e.what);
      }
    }
    const images = list(engine, { table: 'images' });
    expect(images.totalRows).toBe(instances);
    expect(column(images, 'Load (s)').filter((s) => s !== '').length).toBe(87);
    expect(column(images, 'Unload (s)').filter((s) => s !== '').length).toBe(143);
    // Bounded: the default limit cuts the 15 K rows.
    const firstPage = engine.query({ kind: 'list', table: 'images' }, NEVER_CANCELLED);
    expect(firstPage.rows.length).toBe(1000);
    expect(firstPage.totalRows).toBe(instances);
  });

  it('events table totals = summary.events', () => {
    const events = list(engine, { table: 'events' });
    const counts = column(events, 'Count') as number[];
    expect(counts.reduce((s, n) => s + n, 0)).toBe(engine.model.summary.events);
    expect(events.rows.find((r) => r[0] === 'Image/DCEnd')).toEqual([
      'Image/DCEnd',
      'Image',
      'DCEnd',
      15_017,
    ]);
  });
});
