// Stacks end to end: the writer's kernel stack walks and the real perfview trace's stack keys come
// back attached to the right samples, checked against a second, deliberately plain association
// built here straight from the reader's events (by timestamp and thread, keys by their definition);
// and the tree views (top-down, bottom-up, callers, callees) add up.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../scripts/writer/scenarios.js';
import { simulate } from '../../../scripts/writer/simulate.js';
import {
  decodeStackKeyDefinition,
  decodeStackKeyReference,
  decodeStackWalk,
  fileByteSource,
  KernelHook,
  openEtl,
} from '../../reader/index.js';
import type { StackTreeNode } from '../../../shared/contract.js';
import type { Engine } from '../engine.js';
import { NEVER_CANCELLED } from '../query-common.js';
import { loadEngine } from '../session.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-stacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const traces = process.env.ETLSCOPE_TRACES ?? path.resolve(__dirname, '../../../../shared/traces');
const perfview = path.join(traces, 'perfview-net452-x64.etl');

/** Per sample (cpu:ticks): its frames innermost first, associated the plain way. */
function plainAssociation(file: string): Map<string, number[]> {
  const trace = openEtl(fileByteSource(file));
  const samples = new Map<string, { cpu: number; tid: number }>();
  const byTimeThread = new Map<string, string>();
  const kernelPart = new Map<string, number[]>();
  const userPart = new Map<string, number[]>();
  const refs: { sample: string; key: number; ticks: number; user: boolean }[] = [];
  const defs = new Map<number, { ticks: number; frames: number[]; create: boolean }[]>();
  const kernelKey = trace.header.pointerSize === 8 ? 0x1_8000_0000_0000 : 0x8000_0000;
  trace.forEachEvent(
    (ev) => {
      if (ev.family !== 'perfinfo' && ev.family !== 'system' && ev.family !== 'compact') return;
      if (ev.hookId === KernelHook.SampledProfile) {
        const P = ev.pointerSize;
        const tid = ev.view.getUint32(ev.payloadOffset + P, true);
        const key = `${ev.cpu}:${ev.timestamp}`;
        samples.set(key, { cpu: ev.cpu, tid });
        byTimeThread.set(`${ev.timestamp}:${tid}`, key);
      } else if (ev.hookId === KernelHook.StackWalk) {
        const r = decodeStackWalk(ev);
        if (r === undefined || r.frames.length === 0) return;
        const sample = byTimeThread.get(`${r.eventTicks}:${r.threadId}`);
        if (sample === undefined) return;
        const frames = r.frames.map(Number);
        const user = frames[frames.length - 1]! < kernelKey;
        const parts = user ? userPart : kernelPart;
        if (!parts.has(sample)) parts.set(sample, frames);
      } else if (ev.hookId === KernelHook.StackKeyKernelRef || ev.hookId === KernelHook.StackKeyUserRef) {
        const r = decodeStackKeyReference(ev);
        if (r === undefined) return;
        const sample = byTimeThread.get(`${r.eventTicks}:${r.threadId}`);
        if (sample !== undefined)
          refs.push({ sample, key: Number(r.stackKey), ticks: r.eventTicks, user: !r.kernel });
      } else if (
        ev.hookId === KernelHook.StackKeyCreate ||
        ev.hookId === KernelHook.StackKeyDelete ||
        ev.hookId === KernelHook.StackKeyRundown
      ) {
        const r = decodeStackKeyDefinition(ev);
        if (r === undefined || r.frames.length === 0) return;
        const list = defs.get(Number(r.stackKey)) ?? [];
        list.push({
          ticks: ev.timestamp,
          frames: r.frames.map(Number),
          create: ev.hookId === KernelHook.StackKeyCreate,
        });
        defs.set(Number(r.stackKey), list);
      }
    },
    { order: 'merged' },
  );
  trace.close();
  for (const ref of refs) {
    const list = (defs.get(ref.key) ?? []).sort((a, b) => a.ticks - b.ticks);
    const before = list.filter((d) => d.ticks < ref.ticks).pop();
    const def = before?.create === true ? before : list.find((d) => d.ticks >= ref.ticks && !d.create);
    if (def === undefined) continue;
    const parts = ref.user ? userPart : kernelPart;
    if (!parts.has(ref.sample)) parts.set(ref.sample, def.frames);
  }
  const out = new Map<string, number[]>();
  for (const key of samples.keys()) {
    const k = kernelPart.get(key);
    const u = userPart.get(key);
    if (k !== undefined || u !== undefined) out.set(key, [...(k ?? []), ...(u ?? [])]);
  }
  return out;
}

/** Per sample with a stack in the model: cpu:ticks → frame count and labelled frames. */
function modelStacks(engine: Engine, ticksOf: (timeNs: number) => number): Map<string, string[]> {
  const m = engine.model;
  const out = new Map<string, string[]>();
  const stack = m.samples.stack;
  if (stack === undefined) return out;
  for (let cpu = 0; cpu + 1 < m.samples.cpuOffsets.length; cpu++)
    for (let i = m.samples.cpuOffsets[cpu]!; i < m.samples.cpuOffsets[cpu + 1]!; i++) {
      if (stack.at(i) < 0) continue;
      const frames: string[] = [];
      for (let n = stack.at(i); n >= 0; n = m.stacks.parent[n]!)
        frames.push(m.symbols.frameName(m.symbols.locationFunc[m.stacks.location[n]!]!));
      out.set(`${cpu}:${ticksOf(m.samples.time[i]!)}`, frames);
    }
  return out;
}

const sum = (nodes: readonly StackTreeNode[] | undefined) => (nodes ?? []).reduce((a, n) => a + n.samples, 0);

/** Every node's samples = its children's (a frame with rows of its own has them in `<itself>`). */
function checkSums(node: StackTreeNode): void {
  if (node.children === undefined || node.omittedChildren !== undefined) return;
  expect([node.name, sum(node.children)]).toEqual([node.name, node.samples]);
  for (const c of node.children) checkSums(c);
}

describe('stacks', () => {
  it('attaches the writer’s stack walks to their samples, frame for frame', () => {
    const file = path.join(dir, 'audio.etl');
    const { truth } = simulate(SCENARIOS.audioWorkstation!, {
      seconds: 0.6,
      path: file,
      writeSymbols: false,
    });
    const engine = loadEngine(file, {});
    const m = engine.model;
    const plain = plainAssociation(file);
    const nsPerTick = 1e9 / truth.clock.frequency;
    const got = modelStacks(engine, (ns) => Math.round(ns / nsPerTick + truth.clock.originTicks));
    expect(plain.size).toBeGreaterThan(100);
    expect(m.summary.recorded.stackWalk).toBe(true);
    expect(new Set(got.keys())).toEqual(new Set(plain.keys()));
    for (const [key, frames] of plain) expect([key, got.get(key)!.length]).toEqual([key, frames.length]);
    // Frames are module+offset (no symbols written); the sampled IP is the leaf, in the sample's module.
    const labels = [...got.values()].flat();
    expect(labels.every((l) => /^[\w.]+\+0x[0-9a-f]+$/.test(l))).toBe(true);
    expect(m.stackStats?.unmatchedOwners).toBe(0);
  });

  it('reads the real perfview trace’s stack keys: the same samples and frame counts as a plain association', () => {
    if (!existsSync(perfview)) {
      console.warn(`skipped: ${perfview} is absent`);
      return;
    }
    const engine = loadEngine(perfview, {});
    const plain = plainAssociation(perfview);
    const trace = openEtl(fileByteSource(perfview));
    const clock = trace.clock;
    trace.close();
    const got = modelStacks(engine, (ns) => Math.round(ns / clock.nsPerTick + clock.originTicks));
    expect(plain.size).toBe(6318);
    expect(got.size).toBe(plain.size);
    for (const [key, frames] of plain) expect([key, got.get(key)?.length]).toEqual([key, frames.length]);
    expect(engine.model.stackStats?.unresolvedKeys).toBe(0);
  });

  it('builds top-down, bottom-up, callers and callees trees that add up', () => {
    const file = path.join(dir, 'backup.etl');
    simulate(SCENARIOS.backupServer!, { seconds: 0.3, path: file });
    const engine = loadEngine(file, {});
    const query = (view: 'top-down' | 'bottom-up' | 'callers' | 'callees', focus?: string, only?: 'DPC') =>
      engine.query(
        {
          kind: 'stacks',
          table: 'cpuSampled',
          filter: only === undefined ? { exclude: { dpcIsr: ['-'] } } : { include: { dpcIsr: [only] } },
          groupBy: ['module'],
          view,
          maxNodes: 100_000,
          ...(focus !== undefined ? { focus } : {}),
        },
        NEVER_CANCELLED,
      );
    const dpcSamples = engine.query(
      { kind: 'pivot', table: 'cpuSampled', filter: { exclude: { dpcIsr: ['-'] } }, groupBy: ['module'] },
      NEVER_CANCELLED,
    );
    const top = query('top-down');
    expect(top.tree.samples).toBe(dpcSamples.total.count);
    expect(top.tree.children!.map((c) => [c.name, c.samples]).sort()).toEqual(
      dpcSamples.rows.map((r) => [r.key, r.aggregates.count]).sort(),
    );
    checkSums(top.tree);
    const bottom = query('bottom-up');
    expect(bottom.tree.samples).toBe(top.tree.samples);
    checkSums(bottom.tree);
    // The DPC retire loop is on every DPC sample's stack (KiExecuteAllDpcs or the timer list under it): its callers and callees cover them all.
    const dispatcher = 'ntoskrnl.exe!KiRetireDpcList';
    const dpcOnly = query('top-down', undefined, 'DPC');
    const withStack = dpcOnly.tree.samples - dpcOnly.rowsWithoutStack;
    expect(withStack).toBeGreaterThan(100);
    expect(query('callees', dispatcher, 'DPC').tree.samples).toBe(withStack);
    expect(query('callers', dispatcher, 'DPC').tree.samples).toBe(withStack);
    // Sample atoms (whole-CPU totals, totals minus the rows outside, rows inside) give what the
    // plain row scan gives: forced here by a filter on a column atoms do not fix (every function).
    const everyFunction = engine
      .query(
        { kind: 'pivot', table: 'cpuSampled', filter: {}, groupBy: ['function'], limitPerLevel: 100_000 },
        NEVER_CANCELLED,
      )
      .rows.map((r) => r.key);
    const end = engine.model.durationNs;
    for (const range of [undefined, { start: 0, end: 0.6 * end }, { start: 0.2 * end, end: 0.3 * end }]) {
      const base = {
        kind: 'stacks',
        table: 'cpuSampled',
        groupBy: ['module'],
        view: 'top-down',
        maxNodes: 100_000,
      } as const;
      const viaAtoms = engine.query(
        { ...base, filter: { ...(range ? { range: range as never } : {}), exclude: { dpcIsr: ['-'] } } },
        NEVER_CANCELLED,
      );
      const viaRows = engine.query(
        {
          ...base,
          filter: {
            ...(range ? { range: range as never } : {}),
            exclude: { dpcIsr: ['-'] },
            include: { function: everyFunction },
          },
        },
        NEVER_CANCELLED,
      );
      expect(viaAtoms.tree.samples).toBeGreaterThan(0);
      expect(viaAtoms).toEqual(viaRows);
    }
    // Focused views list only groups whose rows pass through the focus.
    for (const view of ['callers', 'callees'] as const)
      for (const filter of [
        { cpus: [0, 2, 4, 6] },
        { range: { start: 0.1 * end, end: 0.4 * end } as never },
      ]) {
        const r = engine.query(
          { kind: 'stacks', table: 'cpuSampled', filter, groupBy: ['module'], view, focus: dispatcher },
          NEVER_CANCELLED,
        );
        expect(r.tree.samples).toBeGreaterThan(0);
        expect((r.tree.children ?? []).filter((g) => g.samples === 0)).toEqual([]);
      }
    // Bounded result: maxNodes cuts the tree, counting what it left out.
    const small = engine.query(
      {
        kind: 'stacks',
        table: 'cpuSampled',
        filter: {},
        groupBy: ['process'],
        view: 'top-down',
        maxNodes: 5,
      },
      NEVER_CANCELLED,
    );
    const count = (n: StackTreeNode): number =>
      1 + (n.children ?? []).filter((c) => c.kind !== 'itself').reduce((a, c) => a + count(c), 0);
    expect(count(small.tree)).toBeLessThanOrEqual(5);
    expect(small.tree.omittedChildren ?? 0).toBeGreaterThan(0);
  });
});
