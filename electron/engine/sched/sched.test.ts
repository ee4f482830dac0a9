// The scheduling and power queries against the writer's story scenarios (scripts/writer/
// sched-scenarios.ts): the lock convoy's per-thread numbers exactly, the audio thread's delays by
// DPC module and thread, the 24-CPU deep idle (Target/Actual, concurrency drop, hint) and its
// circular-logger variant. Writer → file → reader → engine, nothing shared but the format. The
// events the load pass collects (one partial, or CPU shares merged) give exactly the tables a
// second read of the file gives.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  IdleStatsResult,
  SwitchPivotResult,
  SwitchRowsResult,
  ThreadDelaysResult,
  ThreadSummaryResult,
  ThreadTimelineResult,
  FrequencyResult,
} from '../../../shared/contract.js';
import {
  audioDelays,
  deepIdleAmd24,
  lockConvoy,
  type ConvoyTruth,
  type DeepIdleTruth,
  type DelayTruth,
} from '../../../scripts/writer/sched-scenarios.js';
import { SCENARIOS } from '../../../scripts/writer/scenarios.js';
import { simulate } from '../../../scripts/writer/simulate.js';
import type { Engine } from '../engine.js';
import { runRowEnd } from '../model.js';
import { openTraceFile, parsePartial } from '../load.js';
import { loadEngine } from '../session.js';
import { finishSchedEvents, mergeSchedEvents } from './sched-data.js';
import { hasSchedData, readSchedEvents } from './sched-file.js';

const token = { cancelled: false };
type SchedRange = import('../../../shared/contract.js').SchedFilter['range'];
let dir: string;
const load = (name: string, bytes: Uint8Array | undefined): Engine => {
  const file = path.join(dir, name);
  writeFileSync(file, bytes!);
  return loadEngine(file);
};
let convoy: { engine: Engine; truth: ConvoyTruth };
let audio: { engine: Engine; truth: DelayTruth };
let idle: { engine: Engine; truth: DeepIdleTruth };
let circular: { engine: Engine; truth: DeepIdleTruth };

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-sched-'));
  const c = lockConvoy();
  convoy = { engine: load('convoy.etl', c.bytes), truth: c.truth };
  const a = audioDelays({ compress: true });
  audio = { engine: load('audio.etl', a.bytes), truth: a.truth };
  const d = deepIdleAmd24();
  idle = { engine: load('idle.etl', d.bytes), truth: d.truth };
  const k = deepIdleAmd24({ circular: true, compress: true });
  circular = { engine: load('ckcl.etl', k.bytes), truth: k.truth };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lock convoy', () => {
  it('gives every thread its switches, running, ready and waiting time exactly', () => {
    const r = convoy.engine.query({ kind: 'threadSummary', filter: {} }, token) as ThreadSummaryResult;
    expect(r.rows).toHaveLength(convoy.truth.threads.length);
    for (const t of convoy.truth.threads) {
      const row = r.rows.find((x) => x.threadId === t.threadId)!;
      expect(row).toMatchObject({ process: t.process, processId: t.processId, threadName: t.threadName });
      expect(row.switches).toBe(t.switches);
      expect(row.runningMs).toBeCloseTo(t.runningNs / 1e6, 9);
      expect(row.readyMs).toBeCloseTo(t.readyNs / 1e6, 9);
      expect(row.waitingMs).toBeCloseTo(t.waitingNs / 1e6, 9);
      expect(row.maxReadyUs).toBeCloseTo(t.maxReadyNs / 1e3, 9);
    }
    const hog = r.rows.find((x) => x.threadId === convoy.truth.hog)!;
    expect(hog.avgRunUs).toBeCloseTo(convoy.truth.quantumNs / 1e3, 6);
  });

  it('names the convoy in the headline', () => {
    const r = convoy.engine.query({ kind: 'threadSummary', filter: {} }, token) as ThreadSummaryResult;
    expect(r.convoy?.hogThreadId).toBe(convoy.truth.hog);
    expect([...(r.convoy?.convoyThreadIds ?? [])].sort()).toEqual([...convoy.truth.convoy].sort());
    for (const name of ['ImageDecoder', 'ShellUI', 'ShellNotify', 'FsWorker'])
      expect(r.convoy!.text).toContain(name);
    // Without the hog there is no convoy to name.
    const without = convoy.engine.query(
      { kind: 'threadSummary', filter: { threadIds: convoy.truth.convoy } },
      token,
    ) as ThreadSummaryResult;
    expect(without.convoy).toBeUndefined();
  });

  it('rows carry WPA names, the readying thread and Ready/Waits by definition', () => {
    const r = convoy.engine.query(
      { kind: 'switchRows', filter: { threadIds: [convoy.truth.convoy[1]!] }, limit: 5 },
      token,
    ) as SwitchRowsResult;
    const row = r.rows[1]!;
    expect(row.newPrevState).toBe('Waiting');
    expect(row.newPrevWaitReason).toBe('WrResource');
    expect(convoy.truth.convoy).toContain(row.readyingThreadId);
    expect(row.readyUs).toBeCloseTo((row.switchInNs - row.readyTimeNs!) / 1e3, 9);
    expect(row.waitsUs).toBeCloseTo((row.readyTimeNs! - row.lastSwitchOutNs!) / 1e3, 9);
    const hogRow = (
      convoy.engine.query(
        { kind: 'switchRows', filter: { threadIds: [convoy.truth.hog] }, limit: 3 },
        token,
      ) as SwitchRowsResult
    ).rows[2]!;
    // A preempted thread is ready from its switch-out: no waits.
    expect(hogRow.newPrevState).toBe('Ready');
    expect(hogRow.newPrevWaitReason).toBe('WrQuantumEnd');
    expect(hogRow.waitsUs).toBe(0);
  });

  it('pivots by process › thread with the summary totals; Old Wait Reason pivot', () => {
    const p = convoy.engine.query(
      { kind: 'switchPivot', filter: {}, groupBy: ['newProcess', 'newThreadId'] },
      token,
    ) as SwitchPivotResult;
    const shell = p.rows.find((n) => n.key === 'telshell.exe (2200)')!;
    const truthShell = convoy.truth.threads.filter((t) => t.process === 'telshell.exe');
    expect(shell.aggregates.count).toBe(truthShell.reduce((s, t) => s + t.switches, 0));
    expect(shell.aggregates.readyUsSum).toBeCloseTo(truthShell.reduce((s, t) => s + t.readyNs, 0) / 1e3, 6);
    expect(shell.children!.map((c) => c.key).sort()).toEqual(['2208', '2212']);
    const reasons = convoy.engine.query(
      { kind: 'switchPivot', filter: {}, groupBy: ['oldWaitReason'] },
      token,
    ) as SwitchPivotResult;
    expect(reasons.rows.map((n) => n.key).sort()).toEqual(['Executive', 'WrQuantumEnd', 'WrResource']);
  });

  it('timeline lanes per thread grouped by process, bounded', () => {
    const r = convoy.engine.query({ kind: 'threadTimeline', filter: {} }, token) as ThreadTimelineResult;
    expect(r.lanes.map((l) => l.process)).toEqual([
      'pimg.exe',
      'telshell.exe',
      'telshell.exe',
      'filesys.exe',
    ]);
    const lane = r.lanes[1]!;
    expect(new Set(lane.intervals.map((i) => i.state))).toEqual(new Set(['running', 'ready', 'waiting']));
    expect(lane.intervals.find((i) => i.state === 'ready')!.readiedByThreadId).not.toBeNull();
    const small = convoy.engine.query(
      { kind: 'threadTimeline', filter: {}, maxIntervalsPerLane: 10 },
      token,
    ) as ThreadTimelineResult;
    for (const l of small.lanes) expect(l.intervals.length).toBeLessThanOrEqual(10);
  });

  it('timeline of a zoomed range: every thread whose waiting, ready or running span overlaps it', () => {
    // 250 µs around the first quantum's end (11 ms): only the hog and ShellUI switch in there;
    // ShellNotify is ready across it and gets its lane too. FsWorker's state before its first
    // switch-in (21 ms, the trace opens mid-convoy) is not in the trace: no lane.
    const range = { start: 10_950_000, end: 11_200_000 } as unknown as NonNullable<SchedRange>;
    const r = convoy.engine.query(
      { kind: 'threadTimeline', filter: { range } },
      token,
    ) as ThreadTimelineResult;
    expect(r.lanes.map((l) => l.threadId).sort()).toEqual([1204, 2208, 2212]);
    const notify = r.lanes.find((l) => l.threadId === 2212)!;
    expect(notify.intervals.map((i) => i.state)).toEqual(['ready']);
    expect(notify.switches).toBe(1);
    for (const l of r.lanes) {
      expect(l.intervals.length).toBeGreaterThan(0);
      for (const iv of l.intervals) {
        expect(iv.startNs).toBeGreaterThanOrEqual(range.start);
        expect(iv.endNs).toBeLessThanOrEqual(range.end);
      }
    }
    const hog = r.lanes.find((l) => l.threadId === convoy.truth.hog)!;
    expect(hog.intervals.some((i) => i.state === 'running')).toBe(true);
  });
});

describe('who delayed my thread (audio)', () => {
  it('gives the DPC modules and the thread that delayed each ready interval', () => {
    const r = audio.engine.query(
      { kind: 'threadDelays', threadId: audio.truth.audioThreadId, filter: {} },
      token,
    ) as ThreadDelaysResult;
    expect(r.threadName).toBe('AudioRender');
    expect(r.readyIntervals).toBe(audio.truth.intervals.length);
    expect(Object.fromEntries(r.byModule.map((m) => [m.module, m.ns]))).toEqual(audio.truth.totalsByModule);
    expect(Object.fromEntries(r.byThread.map((t) => [t.threadId, t.ns]))).toEqual(audio.truth.totalsByThread);
    r.intervals.forEach((iv, k) => {
      const t = audio.truth.intervals[k]!;
      expect(iv.readyNs).toBe(t.readyNs);
      expect(iv.switchInNs).toBe(t.switchInNs);
      expect(iv.readiedFromDpc).toBe(true);
      expect(Object.fromEntries(iv.modules.map((m) => [m.module, m.ns]))).toEqual(t.modules);
    });
    const summary = audio.engine.query(
      { kind: 'threadSummary', filter: { process: 'audiodg' } },
      token,
    ) as ThreadSummaryResult;
    expect(summary.rows[0]!.readyMs).toBeCloseTo(audio.truth.audio.readyNs / 1e6, 9);
  });
});

describe('deep idle, 24 CPUs', () => {
  for (const variant of ['plain', 'circular'] as const) {
    it(`Actual and Target states, the concurrency drop and the headline (${variant})`, () => {
      const { engine, truth } = variant === 'plain' ? idle : circular;
      expect(engine.model.durationNs).toBe(truth.durationNs);
      const r = engine.query(
        { kind: 'idleStats', filter: {}, buckets: 200, perCpu: true, rowLimit: 10 },
        token,
      ) as IdleStatsResult;
      expect(r.deepIdleHint).toContain('All processors but CPU 0 entered deep idle (C3)');
      for (let cpu = 0; cpu < truth.cpuCount; cpu++)
        for (const [state, v] of Object.entries(truth.visits[cpu]!)) {
          const s = r.actual.find((x) => x.cpu === cpu && x.state === state)!;
          expect(s.visits).toBe(v.count);
          expect(s.avgNs).toBeCloseTo(v.totalNs / v.count, 6);
        }
      const c3 = r.actual.find((x) => x.cpu === null && x.state === 'C3')!;
      expect(c3.visits).toBe(23);
      const targetC3 = r.target.find((x) => x.cpu === null && x.state === 'C3')!;
      expect(targetC3.transitions).toBe(23);
      expect(r.target.find((x) => x.cpu === 0 && x.state === 'C3')).toBeUndefined();
      // Concurrency: busy cycles before the drop; only CPU 0's 30 % after it.
      const after = r.concurrency.values.slice(120);
      for (const v of after) expect(v).toBeCloseTo(0.3, 6);
      expect(r.concurrency.values[10]!).toBeGreaterThan(4);
      expect(r.rows).toHaveLength(10);
      // Without the stats (the headline's hint, the CPUs-in-C0 graph): the same hint and line.
      const lean = engine.query(
        { kind: 'idleStats', filter: {}, buckets: 200, withStats: false },
        token,
      ) as IdleStatsResult;
      expect(lean.actual).toEqual([]);
      expect(lean.target).toEqual([]);
      expect(lean.deepIdleHint).toBe(r.deepIdleHint);
      expect(lean.concurrency).toEqual(r.concurrency);
      expect(r.rows[0]).toMatchObject({ type: 'Target', state: 'C1', entryNs: 0 });
      // A window of one type's rows: Target rows are one per CPU per truth change that names it.
      const targets = engine.query(
        { kind: 'idleStats', filter: {}, buckets: 1, rowType: 'Target', rowOffset: 20, rowLimit: 100 },
        token,
      ) as IdleStatsResult;
      const targetRows = truth.targets.reduce(
        (n, t) => n + (BigInt(t.mask).toString(2).match(/1/g) ?? []).length,
        0,
      );
      expect(targets.totalRows).toBe(targetRows);
      expect(targets.rows).toHaveLength(targetRows - 20);
      expect(targets.rows.every((row) => row.type === 'Target')).toBe(true);
      expect(targets.rows.at(-1)).toMatchObject({ state: 'C3', entryNs: truth.targets[1]!.ns });
      const f = engine.query({ kind: 'frequency', filter: {} }, token) as FrequencyResult;
      expect(f.source).toBe('Power/PerfStateChange');
      expect(f.timeAtState.map((s) => s.state)).toEqual(['P0', 'P2', 'P4']);
      const p4 = f.timeAtState.find((s) => s.state === 'P4')!;
      expect(p4.ns).toBe(23 * (truth.durationNs - 49.5e6));
    });
  }
  it('the circular variant keeps the data at the axis origin 8 h after the session start', () => {
    expect(circular.engine.model.summary.loggerName).toBe('Circular Kernel Context Logger');
    expect(circular.engine.model.summary.startTimeUtc).toBe('2024-03-12T17:30:00.000Z');
    const note = circular.engine.model.summary.diagnostics.find((d) => d.code === 'circular-logger');
    expect(note?.message).toContain('the trace starts with the oldest surviving buffer, 28800.0 s after');
    expect(idle.engine.model.summary.diagnostics.some((d) => d.code === 'circular-logger')).toBe(false);
  });
});

describe('two independent paths agree', () => {
  for (const compactCSwitch of [false, true])
    it(`per-thread switch-ins and running time equal the load pass run table (backupServer, 24 CPUs${compactCSwitch ? ', compact CSwitch' : ''})`, () => {
      const file = path.join(dir, `backup-${compactCSwitch}.etl`);
      simulate(SCENARIOS.backupServer!, { path: file, seconds: 0.5, seed: 3, compactCSwitch });
      const engine = loadEngine(file);
      const run = engine.model.run;
      const tids = engine.model.dict.threadTids;
      const count = new Map<number, number>();
      const ns = new Map<number, number>();
      // Row 0 of each CPU is the interval before its first switch (no switch-in): left out (in
      // compact mode the load pass has no row for the never-named thread after the last switch).
      for (let c = 0; c < run.cpuOffsets.length - 1; c++) {
        for (let i = run.cpuOffsets[c]! + 1; i < run.cpuOffsets[c + 1]!; i++) {
          const tid = tids[run.thread[i]!]!;
          if (tid === 0) continue;
          count.set(tid, (count.get(tid) ?? 0) + 1);
          ns.set(tid, (ns.get(tid) ?? 0) + runRowEnd(run, c, i) - run.start[i]!);
        }
      }
      const r = engine.query({ kind: 'threadSummary', filter: {} }, token) as ThreadSummaryResult;
      expect(r.rows.length).toBe(count.size);
      expect(r.rows.length).toBeGreaterThan(20);
      for (const row of r.rows) {
        expect(row.switches).toBe(count.get(row.threadId));
        expect(row.runningMs).toBeCloseTo(ns.get(row.threadId)! / 1e6, 6);
      }
    });
});

describe('the load pass collects what the file pass reads', () => {
  // name, bytes, shares that hold scheduling events at least (the audio trace logs them on 1 CPU)
  const cases: [string, () => Uint8Array, number][] = [
    [
      'backupServer, compact CSwitch',
      () => {
        const file = path.join(dir, 'backup-compact-events.etl');
        simulate(SCENARIOS.backupServer!, { path: file, seconds: 0.3, seed: 5, compactCSwitch: true });
        return readFileSync(file);
      },
      2,
    ],
    ['deep idle (Target and perf changes)', () => deepIdleAmd24().bytes!, 2],
    ['audio (compressed)', () => audioDelays({ compress: true }).bytes!, 1],
  ];
  for (const [name, bytes, minParts] of cases)
    it(`gives the same tables from one partial and from CPU shares merged as from a second read (${name})`, () => {
      const file = path.join(dir, `events-${name.replace(/\W+/g, '-')}.etl`);
      writeFileSync(file, bytes());
      const engine = loadEngine(file);
      const model = engine.model;
      const trace = openTraceFile(file);
      try {
        const fromFile = readSchedEvents(trace).finish(model.threads, model.durationNs);
        expect(fromFile.length + fromFile.power.targetEvents + fromFile.power.perfEvents).toBeGreaterThan(0);
        const one = parsePartial(trace).sched!;
        expect(finishSchedEvents(one, model.threads, model.durationNs)).toEqual(fromFile);
        // Contiguous CPU shares, as the parser workers read them, merged in share order.
        const cpus = [...trace.cpus].sort((a, b) => a - b);
        for (const shareCount of [2, 3]) {
          const size = Math.ceil(cpus.length / shareCount);
          const parts = Array.from(
            { length: shareCount },
            (_, k) => new Set(cpus.slice(k * size, (k + 1) * size)),
          )
            .map((share) => parsePartial(trace, { includeCpu: (cpu) => share.has(cpu) }).sched)
            .filter((part) => part !== undefined);
          expect(parts.length).toBeGreaterThanOrEqual(minParts);
          expect(finishSchedEvents(mergeSchedEvents(parts), model.threads, model.durationNs)).toEqual(
            fromFile,
          );
        }
      } finally {
        trace.close();
      }
      // And the engine's own tables (finished from the load's events on first use) are those.
      engine.query({ kind: 'threadSummary', filter: {} }, token);
      expect(hasSchedData(model)).toBe(true);
    });
});
