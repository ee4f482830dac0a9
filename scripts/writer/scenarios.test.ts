// Scenario traces: determinism (same seed → same bytes), and the truth checked against the events
// actually in the file, recomputed here with the independent walker (test-support.ts): event counts,
// DPC/ISR counts and durations per module, per-CPU busy (union of non-idle running and DPC/ISR
// intervals), C-state residency and samples. Small trace lengths keep this fast.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios.js';
import { simulate, symbolKey, type ScenarioTruth } from './simulate.js';
import { decodeCompactBatch, walkBuffers, walkEvents, type WalkedEvent } from './test-support.js';

const u64 = (v: DataView, o: number): number => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;
const DPC_HOOKS = new Set([0x0f42, 0x0f44, 0x0f45]);
const ISR_HOOKS = new Set([0x0f43, 0x0f32]);

/** Events per CPU in sequence order (each CPU's buffers sorted by SequenceNumber). */
function eventsByCpu(file: Uint8Array, cpuCount: number): { header: WalkedEvent[]; cpus: WalkedEvent[][] } {
  const buffers = walkBuffers(file);
  const cpus: WalkedEvent[][] = Array.from({ length: cpuCount }, () => []);
  const order = buffers
    .map((b, i) => ({ b, i }))
    .slice(1)
    .sort((x, y) => x.b.sequence - y.b.sequence);
  for (const { b, i } of order) cpus[b.cpu].push(...walkEvents(b, i));
  return { header: walkEvents(buffers[0], 0), cpus };
}

function unionLength(intervals: [number, number][]): number {
  intervals.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let curS = -Infinity;
  let curE = -Infinity;
  for (const [s, e] of intervals) {
    if (s > curE) {
      if (curE > curS) total += curE - curS;
      curS = s;
      curE = e;
    } else if (e > curE) curE = e;
  }
  if (curE > curS) total += curE - curS;
  return total;
}

/** Recomputes the truth's checkable parts from the file and compares. */
function checkTruth(file: Uint8Array, truth: ScenarioTruth): void {
  const { header, cpus } = eventsByCpu(file, truth.cpuCount);
  const P = truth.pointerSize;
  const nsPerTick = 1e9 / truth.clock.frequency;
  const origin = truth.clock.originTicks;
  const end = truth.clock.endTicks;
  const all = [...header, ...cpus.flat()];
  expect(all.length).toBe(truth.file.events);
  // Kernel event counts by hook.
  const hookCounts: Record<string, number> = {};
  for (const e of all) {
    if (e.headerType === 0x0a || e.headerType === 0x14 || e.headerType === 0x12 || e.headerType === 0x13)
      continue;
    const key = `hook:0x${e.hookId.toString(16).padStart(4, '0')}`;
    hookCounts[key] = (hookCounts[key] ?? 0) + 1;
  }
  const truthHooks = Object.fromEntries(
    Object.entries(truth.rawEventCounts).filter(([k]) => k.startsWith('hook:')),
  );
  expect(hookCounts).toEqual(truthHooks);
  expect(Math.max(...all.map((e) => e.timestamp))).toBe(end);
  // DPC/ISR per module (routine address → image) and per CPU.
  const images = truth.images.flatMap((im) => [
    { file: im.file, base: BigInt(im.base), size: BigInt(im.size) },
    ...(im.reloadBase !== undefined
      ? [{ file: im.file, base: BigInt(im.reloadBase), size: BigInt(im.size) }]
      : []),
  ]);
  const moduleOf = (addr: bigint): string =>
    images.find((im) => addr >= im.base && addr < im.base + im.size)?.file ?? 'Unknown';
  const byModule = new Map<string, { count: number; ticks: number; max: number }>();
  cpus.forEach((events, cpu) => {
    const busy: [number, number][] = [];
    let dpcTicks = 0;
    let isrTicks = 0;
    const switches: { ts: number; old: number; next: number }[] = [];
    const cstate: number[] = [];
    let enterState = -1;
    let enterTs = 0;
    let samples = 0;
    let busySamples = 0;
    for (const e of events) {
      const v = e.view;
      const o = e.payloadOffset;
      if (DPC_HOOKS.has(e.hookId) || ISR_HOOKS.has(e.hookId)) {
        const enter = u64(v, o);
        const routine = P === 8 ? v.getBigUint64(o + 8, true) : BigInt(v.getUint32(o + 8, true));
        const dur = e.timestamp - enter;
        expect(dur).toBeGreaterThan(0);
        busy.push([enter, e.timestamp]);
        if (DPC_HOOKS.has(e.hookId)) dpcTicks += dur;
        else isrTicks += dur;
        const m = moduleOf(routine);
        const agg = byModule.get(m) ?? { count: 0, ticks: 0, max: 0 };
        agg.count++;
        agg.ticks += dur;
        agg.max = Math.max(agg.max, dur);
        byModule.set(m, agg);
      } else if (e.hookId === 0x0524) {
        switches.push({ ts: e.timestamp, old: v.getUint32(o + 4, true), next: v.getUint32(o, true) });
      } else if (e.hookId === 0x0525) {
        for (const s of decodeCompactBatch(e)) switches.push({ ts: s.ts, old: s.old, next: -1 });
      } else if (e.hookId === 0x1239) {
        expect(enterState).toBe(-1);
        enterState = v.getUint32(o, true);
        enterTs = e.timestamp;
      } else if (e.hookId === 0x123a) {
        expect(v.getUint32(o, true)).toBe(enterState);
        cstate[enterState] = (cstate[enterState] ?? 0) + e.timestamp - enterTs;
        enterState = -1;
      } else if (e.hookId === 0x0f2e) {
        samples++;
        if (v.getUint32(o + P, true) !== 0 || (e.bytes[o + P + 6] & 3) !== 0) busySamples++;
      }
    }
    // Running intervals: before switch i its old thread ran (from the previous switch or the origin);
    // after the last CSwitch v4 its new thread runs to the end; a compact tail is unknown (not busy).
    switches.forEach((s, i) => {
      const from = i === 0 ? origin : switches[i - 1].ts;
      if (i > 0 && switches[i - 1].next >= 0) expect(s.old).toBe(switches[i - 1].next);
      if (s.old !== 0) busy.push([from, s.ts]);
    });
    const last = switches[switches.length - 1];
    if (last !== undefined && last.next > 0) busy.push([last.ts, end]);
    expect(switches.length).toBe(truth.cpus[cpu].cswitches);
    if (enterState >= 0) cstate[enterState] = (cstate[enterState] ?? 0) + end - enterTs;
    const t = truth.cpus[cpu];
    expect(Math.round(unionLength(busy) * nsPerTick)).toBe(t.busyNs);
    expect(Math.round(dpcTicks * nsPerTick)).toBe(t.dpcNs);
    expect(Math.round(isrTicks * nsPerTick)).toBe(t.isrNs);
    expect(samples).toBe(t.samples);
    expect(busySamples).toBe(t.busySamples);
    let idle = 0;
    cstate.forEach((ticks, s) => {
      if (ticks === undefined) return;
      idle += ticks;
      expect(Math.round(ticks * nsPerTick)).toBe(t.cStateNs[`C${s + 1}`]);
    });
    expect(Math.round((end - origin - idle) * nsPerTick)).toBe(t.cStateNs.C0);
    const cSum = Object.values(t.cStateNs).reduce((a, b) => a + b, 0);
    expect(Math.abs(cSum - truth.durationNs)).toBeLessThanOrEqual(Object.keys(t.cStateNs).length);
  });
  for (const row of truth.dpcIsrByModule) {
    const got = byModule.get(row.module)!;
    expect(got.count).toBe(row.count);
    expect(Math.round(got.ticks * nsPerTick)).toBe(row.totalNs);
    expect(Math.round(got.max * nsPerTick)).toBe(row.maxNs);
  }
  expect([...byModule.keys()].sort()).toEqual(truth.dpcIsrByModule.map((r) => r.module).sort());
  // Rows per (module, function, type) add up to the per-module figures.
  for (const m of truth.dpcIsrByModule) {
    const rows = truth.dpcIsr.filter((r) => r.module === m.module);
    expect(rows.reduce((a, r) => a + r.count, 0)).toBe(m.count);
    for (const r of rows) expect(r.exclusiveTotalNs).toBeLessThanOrEqual(r.totalNs);
  }
}

describe('scenarios', () => {
  it('backupServer: deterministic bytes, truth matches the file, ndis pegs CPUs 0,2,4,6', () => {
    const a = simulate(SCENARIOS.backupServer, { seed: 7, seconds: 0.4 });
    const b = simulate(SCENARIOS.backupServer, { seed: 7, seconds: 0.4 });
    const c = simulate(SCENARIOS.backupServer, { seed: 8, seconds: 0.4 });
    expect(Buffer.from(a.bytes!).equals(Buffer.from(b.bytes!))).toBe(true);
    expect(Buffer.from(a.bytes!).equals(Buffer.from(c.bytes!))).toBe(false);
    expect(a.truth).toEqual(b.truth);
    checkTruth(a.bytes!, a.truth);
    const ndis = a.truth.dpcIsr.find((r) => r.function === 'ndisInterruptDpc')!;
    expect(ndis.module).toBe('ndis.sys');
    expect(Math.abs(ndis.count - 16_300 * 0.4)).toBeLessThan(60);
    expect(Math.abs(ndis.totalNs / ndis.count / 1000 - 220)).toBeLessThan(8);
    for (const cpu of [0, 2, 4, 6]) expect(a.truth.cpus[cpu].busyPercent).toBeGreaterThan(80);
    for (const cpu of [1, 8, 13]) expect(a.truth.cpus[cpu].busyPercent).toBeLessThan(60);
  });

  it('audioWorkstation: a 10 ms storport DPC, cl.exe spawns, Wi-Fi DPCs as module+offset', () => {
    const { bytes, truth } = simulate(SCENARIOS.audioWorkstation, { seed: 3, seconds: 3.3, pointerSize: 4 });
    checkTruth(bytes!, truth);
    const storport = truth.dpcIsr.find((r) => r.function === 'RaidpAdapterDpcRoutine')!;
    expect(storport.maxNs).toBe(10_000_000);
    expect(truth.eventCounts['Process/Start']).toBeGreaterThan(5);
    expect(truth.eventCounts['Process/End']).toBeGreaterThan(0);
    const wifi = truth.dpcIsr.find((r) => r.module === 'rtwlane.sys')!;
    expect(wifi.function).toMatch(/^rtwlane\.sys\+0x[0-9a-f]+$/);
    expect(truth.eventCounts['Image/UnLoad']).toBe(1); // the Wi-Fi driver reset at 1.5 s
    expect(truth.images.find((im) => im.file === 'rtwlane.sys')!.reloadBase).toBeDefined();
    expect(truth.dpcIsr.some((r) => r.type === 'ThreadedDPC')).toBe(true);
    expect(truth.eventCounts['StackWalk/Stack']).toBeGreaterThan(0);
    expect(truth.dpcIsr.some((r) => r.exclusiveTotalNs < r.totalNs)).toBe(true); // nested ISR cases
  });

  it('deepIdle12Core: C1–C3 residency, CPUs 8–11 parked in C3; compressed file', () => {
    const { bytes, truth } = simulate(SCENARIOS.deepIdle12Core, { seed: 1, seconds: 1, compress: true });
    expect(truth.file.compressedBuffers).toBeGreaterThan(0);
    checkTruth(bytes!, truth);
    for (const cpu of [8, 9, 10, 11])
      expect(truth.cpus[cpu].cStateNs.C3 / truth.durationNs).toBeGreaterThan(0.95);
    for (const cpu of [0, 1, 2, 3]) {
      const c = truth.cpus[cpu].cStateNs;
      expect(c.C1 > 0 && c.C2 > 0 && c.C3 > 0).toBe(true);
    }
  });

  it('keeps the truth exact with a 3.58 MHz QPC, 32-bit pointers, small buffers and lost events', () => {
    const { bytes, truth } = simulate(SCENARIOS.backupServer, {
      seed: 11,
      seconds: 0.15,
      frequency: 3_579_545,
      pointerSize: 4,
      bufferSize: 16 * 1024,
      eventsLost: 5,
    });
    checkTruth(bytes!, truth);
    const buffers = walkBuffers(bytes!);
    expect(buffers.some((b) => (b.flags & 0x02) !== 0)).toBe(true);
    expect(truth.file.eventsLost).toBe(5);
  });

  it('compact CSwitch batches (0x0525) carry the same switches and busy truth', () => {
    const plain = simulate(SCENARIOS.deepIdle12Core, { seed: 4, seconds: 0.5 });
    const compact = simulate(SCENARIOS.deepIdle12Core, { seed: 4, seconds: 0.5, compactCSwitch: true });
    checkTruth(compact.bytes!, compact.truth);
    expect(compact.truth.rawEventCounts['hook:0x0525']).toBeGreaterThan(0);
    expect(compact.truth.rawEventCounts['hook:0x0524']).toBeUndefined();
    expect(plain.truth.dpcIsr).toEqual(compact.truth.dpcIsr);
  });

  it('circular-logger traces: header hours before the data, truth measured from the first data event', () => {
    const { bytes, truth } = simulate(SCENARIOS.deepIdle12Core, {
      seed: 5,
      seconds: 0.3,
      headerLeadSeconds: 3 * 3600,
    });
    expect(truth.clock.originTicks - truth.clock.headerTicks).toBe(3 * 3600 * truth.clock.frequency);
    expect(truth.durationNs).toBe(300_000_000);
    checkTruth(bytes!, truth);
    const near = simulate(SCENARIOS.deepIdle12Core, { seed: 5, seconds: 0.3, headerLeadSeconds: 30 });
    expect(near.truth.clock.originTicks).toBe(near.truth.clock.headerTicks); // ≤ 60 s: header stays the origin
    expect(near.truth.durationNs).toBe(30_300_000_000);
    checkTruth(near.bytes!, near.truth);
  });

  it('scale streams until the target size', () => {
    const { bytes, truth } = simulate(SCENARIOS.scale, { seed: 2, targetBytes: 3 * 1024 * 1024 });
    expect(bytes!.length).toBeGreaterThanOrEqual(3 * 1024 * 1024);
    expect(bytes!.length).toBeLessThan(3 * 1024 * 1024 + 2 * 16 * 65536);
    checkTruth(bytes!, truth);
  });

  it('writes symbol map files matching the DbgID_RSDS identities', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etlw-sym-'));
    try {
      const out = path.join(dir, 'bs.etl');
      const { truth, symbolFiles } = simulate(SCENARIOS.backupServer, { seed: 1, seconds: 0.05, path: out });
      expect(existsSync(out)).toBe(true);
      const ndis = truth.images.find((im) => im.file === 'ndis.sys')!;
      const file = path.join(`${out}.symbols`, 'ndis.pdb', symbolKey(ndis.guid!, ndis.age!), 'ndis.sym.txt');
      expect(symbolFiles).toContain(file);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines.some((l) => /^[0-9a-f]+ ndisInterruptDpc$/.test(l))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
