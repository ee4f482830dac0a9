// `dpcIsrBefore`, `busyBefore` and `nonIdleRunBefore` (block prefix sums over the DPC and run rows,
// model.ts) against a brute-force interval union of the model's own rows, on random streams:
// DPCs with nested ISRs and arbitrary overlaps, CPUs without running intervals, open running tails
// (idle and not), compact tails, time running backwards on a CPU, CPUs split over partials, and
// DPCs so sparse that a lookup's block spans many running intervals.
// Built both ways: derived in the "parser worker" (`derivePerCpu`) and derived in finalize.

import { describe, expect, it } from 'vitest';
import { derivePerCpu, finalizeModel } from './finalize.js';
import {
  busyBefore,
  CpuCoverage,
  dpcIsrBefore,
  nonIdleRunBefore,
  runRowEnd,
  type EngineModel,
} from './model.js';
import { mulberry32 } from '../reader/testing.js';
import { PartialBuilder } from './partial.js';
import { fakeHeader, kernelAddress } from './test-model.js';

const DPC = 0;
const ISR = 3;

const prng = mulberry32;

interface Shape {
  /** CPU → builder index (CPUs in several builders: the last entry wins per event). */
  readonly cpus: number;
  readonly builders: number;
  readonly sharedCpu: boolean;
  readonly backwards: boolean;
  /** Mean gap between DPCs (sparse DPCs: a lookup's block spans many running intervals). */
  readonly dpcGap?: number;
  readonly end?: number;
}

/** Random events for `shape.cpus` CPUs; returns the builders' partials. */
function randomPartials(seed: number, shape: Shape): ReturnType<PartialBuilder['finish']>[] {
  const random = prng(seed);
  const int = (n: number) => Math.floor(random() * n);
  const builders = Array.from({ length: shape.builders }, () => new PartialBuilder());
  const end = shape.end ?? 200_000;
  const dpcGap = shape.dpcGap ?? 4000;
  for (let cpu = 0; cpu < shape.cpus; cpu++) {
    const b = () => builders[shape.sharedCpu ? int(shape.builders) : cpu % shape.builders]!;
    const withRun = cpu % 3 !== 2; // every third CPU: DPCs only, no running intervals
    if (withRun) {
      let t = int(5000);
      const compact = random() < 0.25;
      while (t < end - 1000) {
        const tid = random() < 0.4 ? 0 : 1 + int(5);
        const builder = b();
        if (compact) builder.appendCompactSwitch(cpu, t, tid, 0);
        else builder.appendCSwitch(cpu, t, random() < 0.4 ? 0 : 1 + int(5), tid, int(3), 0);
        builder.noteEvent(cpu, t);
        // Mostly forward; with `backwards`, now and then a switch a little in the past.
        t += shape.backwards && random() < 0.1 ? -int(800) : 1 + int(6000);
        if (t < 0) t = 0;
      }
    }
    let t = int(2000);
    while (t < end - 2000) {
      const builder = b();
      const enter = t;
      const length = 1 + int(random() < 0.1 ? 20_000 : 1500);
      // 0–2 ISRs nested inside the DPC (logged before it, as on a real CPU).
      const isrs = int(3);
      for (let k = 0; k < isrs; k++) {
        const s = enter + int(length);
        const e = Math.min(enter + length, s + 1 + int(100));
        builder.appendDpc(cpu, ISR, s, e, kernelAddress(0x10));
        builder.noteEvent(cpu, e);
      }
      builder.appendDpc(cpu, random() < 0.8 ? DPC : ISR, enter, enter + length, kernelAddress(0x20 + int(4)));
      builder.noteEvent(cpu, enter + length);
      // Sometimes the next row starts inside this one (overlaps), sometimes it is zero-length.
      t += random() < 0.2 ? int(length) : length + int(dpcGap);
      if (random() < 0.05) builder.appendDpc(cpu, DPC, t, t, kernelAddress(0x30));
    }
  }
  builders[0]!.noteEvent(0, end);
  return builders.map((b) => b.finish());
}

function build(seed: number, shape: Shape, derive: boolean): EngineModel {
  const partials = randomPartials(seed, shape);
  if (derive) for (const p of partials) derivePerCpu(p);
  return finalizeModel(partials, fakeHeader(shape.cpus), { symbolDirs: [] });
}

/** Length of the union of `intervals` inside [0, t). */
function unionBefore(intervals: [number, number][], t: number): number {
  const clipped = intervals
    .map(([s, e]): [number, number] => [s, Math.min(e, t)])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curStart = NaN;
  let curEnd = NaN;
  for (const [s, e] of clipped) {
    if (s <= curEnd) curEnd = Math.max(curEnd, e);
    else {
      if (curEnd === curEnd) total += curEnd - curStart;
      curStart = s;
      curEnd = e;
    }
  }
  if (curEnd === curEnd) total += curEnd - curStart;
  return total;
}

function expectClose(actual: number, expected: number, what: string): void {
  if (!(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected))))
    expect(`${what}: ${actual}`).toBe(`${what}: ${expected}`);
}

function checkAgainstBruteForce(model: EngineModel, seed: number): { rowsChecked: number; times: number } {
  const { dpc, run } = model;
  const tids = model.dict.threadTids;
  let times = 0;
  for (let c = 0; c < model.cpuSlots; c++) {
    const dpcRows: [number, number][] = [];
    for (let i = dpc.cpuOffsets[c]!; i < dpc.cpuOffsets[c + 1]!; i++)
      dpcRows.push([dpc.enter[i]!, dpc.enter[i]! + dpc.duration[i]!]);
    const runRows: [number, number][] = [];
    for (let i = run.cpuOffsets[c]!; i < run.cpuOffsets[c + 1]!; i++)
      if (tids[run.thread[i]!] !== 0) runRows.push([run.start[i]!, runRowEnd(run, c, i)]);
    // Times inside rows, exactly on row edges, between rows, at 0 and the trace end.
    const random = prng(seed * 31 + c);
    const probes = [0, model.durationNs, model.durationNs / 2];
    for (const [s, e] of [...dpcRows, ...runRows]) {
      if (random() < 0.3) probes.push(s, e, s + (e - s) * random(), e + 1);
    }
    for (let k = 0; k < 50; k++) probes.push(random() * model.durationNs);
    for (const t of probes) {
      if (!(t <= model.durationNs)) continue;
      const where = `seed ${seed} cpu ${c} t ${t}`;
      expectClose(dpcIsrBefore(model, c, t), unionBefore(dpcRows, t), `dpc ${where}`);
      expectClose(nonIdleRunBefore(model, c, t), unionBefore(runRows, t), `run ${where}`);
      expectClose(busyBefore(model, c, t), unionBefore([...dpcRows, ...runRows], t), `busy ${where}`);
      times++;
    }
    // The series path: all probes at once, ascending (repeated times included), one CpuCoverage
    // per metric, as a series asks them; dense (edges a few rows apart: lookups one by one, each
    // going on from the previous one's rows) and sparse (≥ 128 rows apart: entry search pass and
    // read-ahead first).
    const dense = Float64Array.from(probes.filter((t) => t <= model.durationNs)).sort();
    const step = Math.ceil((dense.length * 200) / Math.max(1, dpcRows.length));
    const sparse = dense.filter((_, b) => b % step === 0);
    const rows = new CpuCoverage(model, c);
    const rowsByEntries = new CpuCoverage(model, c);
    const enters = dpcRows.map(([s]) => s);
    for (const [kind, edges] of [
      ['dense', dense],
      ['sparse', sparse],
    ] as const) {
      const dpcAt = new Float64Array(edges.length);
      const busyAt = new Float64Array(edges.length);
      new CpuCoverage(model, c).coveredAtEdges(edges, false, dpcAt);
      new CpuCoverage(model, c).coveredAtEdges(edges, true, busyAt);
      edges.forEach((t, b) => {
        const where = `seed ${seed} cpu ${c} ${kind} edge ${b} t ${t}`;
        if (kind === 'dense') {
          const firstAtOrAfter = enters.findIndex((s) => s >= t);
          const expected = firstAtOrAfter < 0 ? enters.length : firstAtOrAfter;
          expect(rows.firstDpcRowAtOrAfter(t) - dpc.cpuOffsets[c]!, `row ${where}`).toBe(expected);
          expect(rowsByEntries.firstDpcRowAtOrAfter(t, true) - dpc.cpuOffsets[c]!, `row ${where}`).toBe(
            expected,
          );
        }
        expectClose(dpcAt[b]!, unionBefore(dpcRows, t), `dpc series ${where}`);
        expectClose(busyAt[b]!, unionBefore([...dpcRows, ...runRows], t), `busy series ${where}`);
      });
    }
  }
  return { rowsChecked: dpc.length + run.length, times };
}

describe('coverage prefix sums', () => {
  const shapes: [string, Shape][] = [
    ['one partial', { cpus: 4, builders: 1, sharedCpu: false, backwards: false }],
    ['CPUs split over 3 partials', { cpus: 6, builders: 3, sharedCpu: false, backwards: false }],
    ['time running backwards', { cpus: 3, builders: 1, sharedCpu: false, backwards: true }],
    [
      'sparse DPCs (long run walks)',
      { cpus: 3, builders: 1, sharedCpu: false, backwards: false, dpcGap: 100_000, end: 3_000_000 },
    ],
  ];
  for (const [name, shape] of shapes) {
    for (const derive of [true, false]) {
      it(`match a brute-force union: ${name}, derived ${derive ? 'per partial' : 'in finalize'}`, () => {
        let openEnded = 0;
        for (let seed = 1; seed <= 4; seed++) {
          const model = build(seed, shape, derive);
          openEnded += model.runCoverage.openEnded.reduce((a, b) => a + b, 0);
          expect(model.dpc.length).toBeGreaterThan(100);
          expect(model.run.length).toBeGreaterThan(20);
          const { times } = checkAgainstBruteForce(model, seed);
          expect(times).toBeGreaterThan(100);
        }
        // Set only when the parser-worker parts were assembled (open non-idle tails exist here).
        if (derive) expect(openEnded).toBeGreaterThan(0);
        else expect(openEnded).toBe(0);
      });
    }
  }

  it('match a brute-force union when one CPU is in several partials (rows overlap)', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const model = build(seed, { cpus: 3, builders: 2, sharedCpu: true, backwards: false }, true);
      const c = 0;
      let overlaps = 0;
      for (let i = model.run.cpuOffsets[c]! + 1; i < model.run.cpuOffsets[c + 1]!; i++)
        if (model.run.start[i]! < runRowEnd(model.run, c, i - 1)) overlaps++;
      expect(overlaps).toBeGreaterThan(0);
      expect(model.run.end).toBeDefined(); // not contiguous: the end column is kept
      expect(model.runCoverage.disjoint[c]).toBe(0);
      checkAgainstBruteForce(model, seed);
    }
  });

  it('match a brute-force union under a long DPC with many rows entered under it, and zero-length rows', () => {
    // The series path finds a time's row from the prefix entries' greatest exits: under a long DPC
    // that exit stays ahead of ~300 rows (more than it steps over), and zero-length rows (not in
    // the greatest exit) entered at or after a time can sit before the entry it finds.
    for (const derive of [true, false]) {
      const b = new PartialBuilder();
      b.appendCSwitch(0, 1000, 0, 5, 1, 0);
      b.appendCSwitch(0, 400_000, 5, 0, 1, 0);
      b.appendCSwitch(0, 700_000, 0, 6, 1, 0);
      for (let k = 0; k < 300; k++) {
        const s = 2000 + k * 1000;
        b.appendDpc(0, ISR, s, s + 50, kernelAddress(0x10));
      }
      b.appendDpc(0, DPC, 1500, 600_000, kernelAddress(0x20));
      for (let k = 0; k < 40; k++)
        b.appendDpc(0, DPC, 650_000 + k * 100, 650_000 + k * 100, kernelAddress(0x30));
      for (let k = 0; k < 40; k++) {
        const s = 700_000 + k * 3000;
        b.appendDpc(0, DPC, s, s + 1000, kernelAddress(0x20));
      }
      b.noteEvent(0, 900_000);
      const p = b.finish();
      if (derive) derivePerCpu(p);
      const model = finalizeModel([p], fakeHeader(1), { symbolDirs: [] });
      expect(model.dpc.length).toBe(381);
      checkAgainstBruteForce(model, 7);
      // Each time asked first (no previous answer to step on from), by the entries' search.
      const enter = Array.from(model.dpc.enter);
      for (const t of [...enter, ...enter.map((s) => s + 0.5), 0, 900_000]) {
        const expected = enter.findIndex((s) => s >= t);
        expect(new CpuCoverage(model, 0).firstDpcRowAtOrAfter(t, true), `t ${t}`).toBe(
          expected < 0 ? enter.length : expected,
        );
      }
    }
  });

  it('match a brute-force union at bucket edges far apart (entry search pass and read-ahead)', () => {
    for (const derive of [true, false]) {
      const model = build(
        11,
        { cpus: 3, builders: 1, sharedCpu: false, backwards: false, end: 4_000_000 },
        derive,
      );
      const tids = model.dict.threadTids;
      for (let c = 0; c < model.cpuSlots; c++) {
        const { dpc, run } = model;
        const dpcRows: [number, number][] = [];
        for (let i = dpc.cpuOffsets[c]!; i < dpc.cpuOffsets[c + 1]!; i++)
          dpcRows.push([dpc.enter[i]!, dpc.enter[i]! + dpc.duration[i]!]);
        const runRows: [number, number][] = [];
        for (let i = run.cpuOffsets[c]!; i < run.cpuOffsets[c + 1]!; i++)
          if (tids[run.thread[i]!] !== 0) runRows.push([run.start[i]!, runRowEnd(run, c, i)]);
        expect(dpcRows.length).toBeGreaterThan(128 * 8);
        // 7 buckets: > 128 rows between edges, so coveredAtEdges takes its multi-pass path.
        const edges = Float64Array.from({ length: 8 }, (_, b) => (model.durationNs * b) / 7);
        for (const busy of [false, true]) {
          const at = new Float64Array(edges.length);
          new CpuCoverage(model, c).coveredAtEdges(edges, busy, at);
          edges.forEach((t, b) =>
            expectClose(
              at[b]!,
              unionBefore(busy ? [...dpcRows, ...runRows] : dpcRows, t),
              `${busy ? 'busy' : 'dpc'} cpu ${c} edge ${b} t ${t}`,
            ),
          );
        }
      }
    }
  });

  it('counts an open non-idle running tail up to the trace end in both derivations', () => {
    const models = [true, false].map((derive) => {
      const b = new PartialBuilder();
      b.appendCSwitch(0, 100, 7, 0, 1, 0); // idle until 100, then thread 7 runs to the end
      b.appendDpc(0, DPC, 50, 150, kernelAddress(0x20));
      b.appendDpc(0, DPC, 900, 1000, kernelAddress(0x20));
      b.noteEvent(0, 1000);
      const p = b.finish();
      if (derive) derivePerCpu(p);
      return finalizeModel([p], fakeHeader(1), { symbolDirs: [] });
    });
    expect(models[0]!.runCoverage.openEnded[0]).toBe(1);
    expect(models[1]!.runCoverage.openEnded[0]).toBe(0);
    for (const m of models) {
      expect(busyBefore(m, 0, 1000)).toBe(950); // [50, 1000)
      expect(busyBefore(m, 0, 120)).toBe(70);
      expect(dpcIsrBefore(m, 0, 1000)).toBe(200);
      expect(dpcIsrBefore(m, 0, 950)).toBe(150);
    }
  });
});
