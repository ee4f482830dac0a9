// Distinct-key resolution in finalize: thread ids and sampled instruction pointers are interned
// per partial (PartialBuilder), mapped into one slot space, resolved once per slot and written
// over the partial's columns in place. These tests check that the tables do not depend on how
// the CPUs were split into partials, that ready times equal an independent computation from the
// raw events, that the segment-copy path for running intervals equals the general order+gather
// path, and the per-process / per-interval cases of sample resolution.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { fileByteSource, KernelHook, openEtl, ticksToNs } from '../reader/index.js';
import { derivePerCpu, finalizeModel } from './finalize.js';
import { headerFacts, openTraceFile, readPartial } from './load.js';
import type { EngineModel } from './model.js';
import { PartialBuilder, type Partial } from './partial.js';
import { fakeHeader, kernelAddress } from './test-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-slots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Model from `shares` partials (CPU i read by share i mod shares), as the parser workers do. */
function modelOf(file: string, shares: number): EngineModel {
  const trace = openTraceFile(file);
  try {
    const partials: Partial[] = [];
    for (let k = 0; k < shares; k++)
      partials.push(readPartial(trace, shares > 1 ? { includeCpu: (cpu) => cpu % shares === k } : {}));
    return finalizeModel(partials, { ...headerFacts(trace, file), diagnostics: [] }, { tracePath: file });
  } finally {
    trace.close();
  }
}

/** Run, sample and DPC rows with thread/function codes replaced by their labels. */
function labelledRows(m: EngineModel) {
  const d = m.dict;
  const thread = (t: number) => `${d.threadLabels[t]} / ${d.processLabels[d.threadProcess[t]!]}`;
  const sym = m.symbols;
  const func = (f: number) => `${d.modules[sym.funcModule[f]!]}!${sym.functionName(f)}`;
  return {
    run: {
      offsets: Array.from(m.run.cpuOffsets),
      start: Array.from(m.run.start),
      // Row ends (a layout may drop them where a CPU's rows are contiguous: then none to compare).
      end: Array.from(m.run.end ?? []),
      readyNs: Array.from(m.run.readyNs),
      thread: Array.from(m.run.thread, thread),
    },
    samples: {
      offsets: Array.from(m.samples.cpuOffsets),
      time: Array.from(m.samples.time),
      weight: Array.from(m.samples.weight),
      flags: Array.from(m.samples.flags),
      thread: Array.from(m.samples.thread, thread),
      func: Array.from(m.samples.location, (l) => func(sym.locationFunc[l]!)),
      busy: Array.from(m.samples.busyBlockCumulative),
    },
    dpcRoutines: Array.from(m.dpc.routine, (r) => func(sym.routineFunc[r]!)),
  };
}

describe('distinct-key resolution on writer traces', () => {
  for (const name of ['audioWorkstation', 'backupServer']) {
    const file = path.join(dir, `${name}.etl`);
    simulate(SCENARIOS[name]!, { seconds: 1, path: file });

    it(`${name}: threads, ready times, weights and functions do not depend on the CPU split`, () => {
      const one = labelledRows(modelOf(file, 1));
      expect(one.samples.time.length).toBeGreaterThan(100);
      expect(one.run.readyNs.filter((r) => r === r).length).toBeGreaterThan(100);
      for (const shares of [2, 3]) expect(labelledRows(modelOf(file, shares))).toEqual(one);
    });

    it(`${name}: each running interval's ready time is its thread's last ReadyThread at or before it`, () => {
      // Independent: every ReadyThread of the trace, per TID, from the reader.
      const readies = new Map<number, number[]>();
      const trace = openEtl(fileByteSource(file));
      trace.forEachEvent((ev) => {
        if (ev.hookId !== KernelHook.ReadyThread || ev.family === 'eventheader') return;
        const tid = ev.view.getUint32(ev.payloadOffset, true);
        readies.set(tid, [...(readies.get(tid) ?? []), ticksToNs(trace.clock, ev.timestamp) as number]);
      });
      trace.close();
      const m = modelOf(file, 3);
      let checked = 0;
      for (let i = 0; i < m.run.length; i++) {
        const tid = m.dict.threadTids[m.run.thread[i]!]!;
        const start = m.run.start[i]!;
        let latest = NaN;
        for (const t of readies.get(tid) ?? []) if (t <= start && !(t <= latest)) latest = t;
        const expected = Math.fround(start - latest);
        const actual = m.run.readyNs[i]!;
        if (!(expected === actual || (expected !== expected && actual !== actual)))
          expect([i, tid, start, actual]).toEqual([i, tid, start, expected]);
        if (expected === expected) checked++;
      }
      expect(checked).toBeGreaterThan(100);
    });
  }
});

describe('running intervals', () => {
  it('are the same through the per-CPU segment copy as through the general order and gather', () => {
    // Thread 40 ends and its TID is reused by another process; CPU 1 ends in an open interval.
    const readies: [number, number][] = []; // [time, tid]
    const fill = (b: PartialBuilder) => {
      readies.length = 0;
      b.processes.push({
        timeNs: 0,
        kind: 'dcstart',
        processId: 10,
        parentId: 0,
        imageFileName: 'a.exe',
        commandLine: '',
      });
      b.processes.push({
        timeNs: 0,
        kind: 'dcstart',
        processId: 20,
        parentId: 0,
        imageFileName: 'b.exe',
        commandLine: '',
      });
      b.threads.push({ timeNs: 0, kind: 'dcstart', threadId: 40, processId: 10, name: '' });
      b.threads.push({ timeNs: 500, kind: 'end', threadId: 40, processId: 10, name: '' });
      b.threads.push({ timeNs: 600, kind: 'start', threadId: 40, processId: 20, name: 'again' });
      const running = [0, 0];
      for (let k = 0; k < 40; k++) {
        const cpu = k % 2; // interleaved CPUs: not one contiguous span per CPU
        const t = 100 + k * 30;
        const next = k % 3 === 0 ? 40 : k % 3 === 1 ? 44 + cpu : 0;
        for (const [time, tid] of [
          [t - 7, 40],
          [t - 3, 44 + cpu],
        ] as const) {
          b.appendReady(time, tid);
          readies.push([time, tid]);
        }
        b.appendCSwitch(cpu, t, next, running[cpu]!, 1, 0);
        running[cpu] = next;
        b.noteEvent(cpu, t);
      }
      b.noteEvent(0, 2000);
    };
    const finish = (derive: boolean) => {
      const b = new PartialBuilder();
      fill(b);
      const p = b.finish();
      if (derive) derivePerCpu(p); // puts the rows in CPU/time order: the segment copy applies
      return finalizeModel([p], fakeHeader(2), { symbolDirs: [] });
    };
    const model = finish(true);
    const viaSegments = labelledRows(model).run;
    const viaGather = labelledRows(finish(false)).run;
    expect(viaSegments).toEqual(viaGather);
    // Ready time: start − the thread's latest ReadyThread at or before it (on any CPU).
    const expected = Array.from(model.run.start, (start, i) => {
      const tid = model.dict.threadTids[model.run.thread[i]!]!;
      const latest = Math.max(...readies.filter(([t, r]) => r === tid && t <= start).map(([t]) => t));
      return latest === -Infinity ? NaN : start - latest;
    });
    expect(viaSegments.readyNs).toEqual(expected);
    expect(expected.filter((r) => r === r).length).toBeGreaterThan(20);
    expect(new Set(viaSegments.thread)).toEqual(
      new Set(['40 / a.exe (10)', 'again (40) / b.exe (20)', '44 / Unknown', '45 / Unknown', '0 / Idle (0)']),
    );
    // CPU 1's open interval (from its last switch, at 1270) is its last row.
    expect(viaSegments.start.at(-1)).toBe(1270);
  });
});

describe('ready times', () => {
  it('are the same when the ReadyThread rows of a partial are not grouped by thread (general path)', () => {
    const finish = () => {
      const b = new PartialBuilder();
      const running = [0, 0, 0];
      for (let k = 0; k < 60; k++) {
        const cpu = k % 3;
        const next = k % 2 === 0 ? 10 + (k % 4) : 0;
        b.appendReady(100 * k + 5 + cpu, 10 + (k % 4));
        b.appendCSwitch(cpu, 100 * k + 50, next, running[cpu]!, 1, 0);
        running[cpu] = next;
        b.noteEvent(cpu, 100 * k + 50);
      }
      return b.finish();
    };
    const grouped = finish();
    const shuffled = finish();
    // Reverse the rows: neither grouped by thread nor time-ordered.
    shuffled.ready.time.reverse();
    shuffled.ready.tid.reverse();
    const ready = (p: Partial) =>
      Array.from(finalizeModel([p], fakeHeader(3), { symbolDirs: [] }).run.readyNs);
    const expected = ready(grouped);
    expect(expected.filter((r) => r === r).length).toBeGreaterThan(20);
    expect(ready(shuffled)).toEqual(expected);
  });
});

describe('sample resolution', () => {
  it('resolves an IP inside an image replaced at the same address by the image at each sample time', () => {
    const base = kernelAddress(0x900000);
    const b = new PartialBuilder();
    const image = (timeNs: number, kind: 'load' | 'unload', fileName: string) =>
      b.images.push({ timeNs, kind, base, size: 0x8000, processId: 0, fileName });
    image(500, 'load', 'storport.sys');
    image(800, 'unload', 'storport.sys');
    image(900, 'load', 'usbport.sys');
    for (const t of [600, 950, 700, 990]) b.appendSample(0, t, 4, base + 0x10, 1, false, false);
    b.noteEvent(0, 1000);
    const rows = labelledRows(finalizeModel([b.finish()], fakeHeader(1), { symbolDirs: [] })).samples;
    expect(rows.func).toEqual([
      'storport.sys!storport.sys+0x10',
      'storport.sys!storport.sys+0x10',
      'usbport.sys!usbport.sys+0x10',
      'usbport.sys!usbport.sys+0x10',
    ]);
  });

  it('resolves user IPs per process, kernel IPs once, and weighs by the interval in effect per CPU', () => {
    const userIp = 0x7ff6_0000_1000;
    const b = new PartialBuilder();
    for (const [pid, name] of [
      [10, 'a.exe'],
      [20, 'b.exe'],
      [30, 'c.exe'],
    ] as const) {
      b.processes.push({
        timeNs: 0,
        kind: 'dcstart',
        processId: pid,
        parentId: 0,
        imageFileName: name,
        commandLine: '',
      });
      b.threads.push({ timeNs: 0, kind: 'dcstart', threadId: pid + 1, processId: pid, name: '' });
    }
    // The same user address is a.dll in process 10 and b.dll in process 20; process 30 has no images.
    b.images.push({
      timeNs: 0,
      kind: 'dcstart',
      base: 0x7ff6_0000_0000,
      size: 0x10000,
      processId: 10,
      fileName: 'a.dll',
    });
    b.images.push({
      timeNs: 0,
      kind: 'dcstart',
      base: 0x7ff6_0000_0000,
      size: 0x10000,
      processId: 20,
      fileName: 'b.dll',
    });
    b.images.push({
      timeNs: 0,
      kind: 'dcstart',
      base: kernelAddress(0),
      size: 0x10000,
      processId: 0,
      fileName: 'k.sys',
    });
    // 1 ms until 1000, then 0.5 ms; an interval of 0 keeps the previous one.
    b.profileIntervals.push({ timeNs: 1000, source: 0, interval: 5000 });
    b.profileIntervals.push({ timeNs: 1500, source: 0, interval: 0 });
    b.profileIntervals.push({ timeNs: 1500, source: 1, interval: 1 }); // another source: ignored
    for (const cpu of [0, 1]) {
      b.appendSample(cpu, 500, 11, userIp, 1, false, false);
      b.appendSample(cpu, 1200, 21, userIp, 2, false, false);
      b.appendSample(cpu, 1600, 31, userIp, 1, false, false);
      b.appendSample(cpu, 1700, 0, kernelAddress(0x20), 1, true, false);
      b.noteEvent(cpu, 2000);
    }
    const m = finalizeModel([b.finish()], fakeHeader(2), { symbolDirs: [] });
    const rows = labelledRows(m).samples;
    const perCpu = [
      ['11 / a.exe (10)', 'a.dll!a.dll+0x1000', 1e6],
      ['21 / b.exe (20)', 'b.dll!b.dll+0x1000', 2 * 5e5],
      ['31 / c.exe (30)', 'Unknown!0x7ff600001000', 5e5],
      ['0 / Idle (0)', 'k.sys!k.sys+0x20', 5e5],
    ];
    expect(rows.thread.map((t, i) => [t, rows.func[i], rows.weight[i]])).toEqual([...perCpu, ...perCpu]);
    // Busy weight (TID ≠ 0 or DPC/ISR flag) before row 0 of each 16-row block: all rows here are busy.
    expect(rows.busy).toEqual([0]);
    expect(m.symbols.functionCount).toBe(4);
  });
});
