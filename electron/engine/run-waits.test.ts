// Ready and wait time of CPU Usage (Precise): hand-made switches with known answers (incl. a
// thread moving between CPUs and a stale ReadyThread), and a writer scenario checked against a
// second computation straight from the reader's CSwitch / ReadyThread events.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { traceNs } from '../../shared/units.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { decodeCSwitch, fileByteSource, KernelHook, openEtl, ticksToNs } from '../reader/index.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';
import { engineFrom } from './test-model.js';

describe('ready and wait time (hand-made)', () => {
  // CPU 0: idle [0,100) · T20 [100,300) · idle [300,900) · T20 [900,1000) · T24 [1000,end)
  // CPU 1: idle [0,550) · T20 [550,700) · T24 [700,800) · idle [800,end)
  // ReadyThread: T20 at 60, 500, 850; T24 at 650 (none before its switch-in at 1000: stale).
  const engine = engineFrom(2, ([b]) => {
    b!.processes.push({
      timeNs: 0,
      kind: 'dcstart',
      processId: 0,
      parentId: 0,
      imageFileName: 'Idle',
      commandLine: '',
    });
    b!.processes.push({
      timeNs: 0,
      kind: 'dcstart',
      processId: 50,
      parentId: 4,
      imageFileName: 'app.exe',
      commandLine: 'app.exe -x',
    });
    b!.threads.push({ timeNs: 0, kind: 'dcstart', threadId: 0, processId: 0, name: '' });
    b!.threads.push({ timeNs: 0, kind: 'dcstart', threadId: 20, processId: 50, name: 'main' });
    b!.threads.push({ timeNs: 0, kind: 'dcstart', threadId: 24, processId: 50, name: '' });
    b!.appendReady(60, 20);
    b!.appendCSwitch(0, 100, 20, 0, 0, 0);
    b!.appendCSwitch(0, 300, 0, 20, 0, 0);
    b!.appendReady(500, 20);
    b!.appendCSwitch(1, 550, 20, 0, 0, 0);
    b!.appendReady(650, 24);
    b!.appendCSwitch(1, 700, 24, 20, 0, 0);
    b!.appendCSwitch(1, 800, 0, 24, 0, 0);
    b!.appendReady(850, 20);
    b!.appendCSwitch(0, 900, 20, 0, 0, 0);
    b!.appendCSwitch(0, 1000, 24, 20, 0, 0);
    b!.noteEvent(0, 2000);
    b!.noteEvent(1, 2000);
  });

  it('sums ready (switch-in − ReadyThread) and wait (previous switch-out → ReadyThread) per thread', () => {
    const result = engine.query(
      {
        kind: 'pivot',
        table: 'cpuPrecise',
        filter: {},
        groupBy: ['thread'],
        sortBy: 'key',
        descending: false,
      },
      NEVER_CANCELLED,
    );
    const byKey = Object.fromEntries(result.rows.map((r) => [r.key, r.readyWait]));
    // T20: ready 40 (no earlier run: wait unknown), 50 (wait 500 − 300), 50 (wait 850 − 700).
    expect(byKey['main (20)']).toEqual({
      readyMs: 140e-6,
      readyAvgUs: 140 / 3 / 1e3,
      readyCount: 3,
      waitMs: 350e-6,
    });
    // T24: ready 50 at its first run; at 1000 its last ReadyThread (650) is before its switch-out
    // at 800: that ready belonged to the earlier wait, so both are unknown.
    expect(byKey['24']).toEqual({ readyMs: 50e-6, readyAvgUs: 0.05, readyCount: 1, waitMs: 0 });
    expect(byKey['0']).toEqual({ readyMs: 0, readyAvgUs: 0, readyCount: 0, waitMs: 0 });
    expect(result.totalReadyWait).toEqual({
      readyMs: 190e-6,
      readyAvgUs: 190 / 4 / 1e3,
      readyCount: 4,
      waitMs: 350e-6,
    });
  });

  it('counts the same rows as `count` (range and CPU filters) and only on cpuPrecise', () => {
    const result = engine.query(
      {
        kind: 'pivot',
        table: 'cpuPrecise',
        filter: { range: { start: traceNs(600), end: traceNs(950) }, cpus: [0] },
        groupBy: ['thread'],
      },
      NEVER_CANCELLED,
    );
    // CPU 0 rows overlapping [600, 950): idle [300,900) and T20 [900,1000) (ready 50, wait 150).
    expect(result.total.count).toBe(2);
    expect(result.totalReadyWait).toEqual({
      readyMs: 50e-6,
      readyAvgUs: 0.05,
      readyCount: 1,
      waitMs: 150e-6,
    });
    const idle = engine.query(
      { kind: 'pivot', table: 'idleStates', filter: {}, groupBy: ['cpu'] },
      NEVER_CANCELLED,
    );
    expect(idle.totalReadyWait).toBeUndefined();
    expect(idle.rows[0]!.readyWait).toBeUndefined();
  });
});

describe('ready and wait time (writer scenario)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-waits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'backup.etl');
  simulate(SCENARIOS.backupServer!, { path: file, seconds: 1 });

  it('matches a second computation from the raw CSwitch and ReadyThread events', () => {
    // Independent: per TID the times it was switched in / out and readied, from reader events.
    const trace = openEtl(fileByteSource(file));
    const ins: { tid: number; t: number }[] = [];
    const outs = new Map<number, number[]>();
    const readies = new Map<number, number[]>();
    const push = (m: Map<number, number[]>, tid: number, t: number) => m.set(tid, [...(m.get(tid) ?? []), t]);
    trace.forEachEvent((ev) => {
      const t = ticksToNs(trace.clock, ev.timestamp) as number;
      if (ev.hookId === KernelHook.CSwitch && ev.family !== 'eventheader') {
        const r = decodeCSwitch(ev)!;
        ins.push({ tid: r.newThreadId, t });
        push(outs, r.oldThreadId, t);
      } else if (ev.hookId === KernelHook.ReadyThread && ev.family !== 'eventheader') {
        push(readies, ev.view.getUint32(ev.payloadOffset, true), t);
      }
    });
    trace.close();
    const latestAtMost = (list: number[] | undefined, t: number, strict: boolean) => {
      let best = NaN;
      for (const x of list ?? []) if ((strict ? x < t : x <= t) && !(x <= best)) best = x;
      return best;
    };
    let readyNs = 0;
    let readyCount = 0;
    let waitNs = 0;
    for (const { tid, t } of ins) {
      if (tid === 0) continue;
      const readyAt = latestAtMost(readies.get(tid), t, false);
      const out = latestAtMost(outs.get(tid), t, true);
      if (readyAt !== readyAt) continue;
      if (out !== out || readyAt >= out) {
        readyNs += t - readyAt;
        readyCount++;
      }
      if (out === out && readyAt >= out) waitNs += readyAt - out;
    }
    expect(readyCount).toBeGreaterThan(100);
    expect(waitNs).toBeGreaterThan(0);

    const engine = loadEngine(file);
    const result = engine.query(
      {
        kind: 'pivot',
        table: 'cpuPrecise',
        filter: {},
        groupBy: ['process', 'thread'],
        limitPerLevel: 100_000,
      },
      NEVER_CANCELLED,
    );
    const total = result.totalReadyWait!;
    expect(total.readyCount).toBe(readyCount);
    expect(total.readyMs).toBeCloseTo(readyNs / 1e6, 3);
    // Wait times are float32 in the table (≤ 60 ns steps below 1 s): the sum agrees to ~0.01 ms.
    expect(Math.abs(total.waitMs - waitNs / 1e6)).toBeLessThan(0.01);
    // Groups add up to the total.
    const sumOver = (key: 'readyMs' | 'waitMs' | 'readyCount') =>
      result.rows.reduce((s, r) => s + r.readyWait![key], 0);
    expect(sumOver('readyCount')).toBe(total.readyCount);
    expect(sumOver('waitMs')).toBeCloseTo(total.waitMs, 6);
  });
});
