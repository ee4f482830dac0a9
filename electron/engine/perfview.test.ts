// Real trace: perfview-net452-x64.etl (8 CPUs, 79,528 SampledProfile, image rundown, no CSwitch).
// The engine's sampled utilization per CPU and its DPC/ISR-flagged samples by module are checked
// against a straightforward second computation over the reader's events (merged order, a linear
// image search), plus the README's figures.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeSampledProfile, fileByteSource, KernelHook, openEtl } from '../reader/index.js';
import type { Engine } from './engine.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadEngine } from './session.js';

const traces =
  process.env.ETLSCOPE_TRACES ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'traces');
const file = path.join(traces, 'perfview-net452-x64.etl');

interface Independent {
  busyNsByCpu: number[];
  flaggedByModule: Record<string, Record<string, number>>;
  samples: number;
}

/** Second computation straight from reader events: no engine code involved. */
function independent(): Independent {
  const trace = openEtl(fileByteSource(file));
  const images: { base: number; end: number; name: string }[] = [];
  const samples: { cpu: number; ip: number; busy: boolean; kind: string; weight: number }[] = [];
  let interval = 10_000;
  trace.forEachEvent((ev) => {
    if (ev.hookId === KernelHook.ImageDCStart || ev.hookId === KernelHook.ImageLoad) {
      const r = decodeImage(ev);
      if (r !== undefined && r.processId === 0)
        images.push({
          base: r.imageBase,
          end: r.imageBase + r.imageSize,
          name: r.fileName.slice(r.fileName.lastIndexOf('\\') + 1),
        });
    } else if (
      ev.hookId === KernelHook.ProfileSetInterval &&
      (ev.family === 'perfinfo' || ev.family === 'system')
    ) {
      const source = ev.view.getUint32(ev.payloadOffset, true);
      if (source === 0) interval = ev.view.getUint32(ev.payloadOffset + 4, true);
    } else if (ev.hookId === KernelHook.SampledProfile && ev.family !== 'eventheader') {
      const r = decodeSampledProfile(ev)!;
      samples.push({
        cpu: ev.cpu,
        ip: r.instructionPointer,
        busy: r.threadId !== 0 || r.executingDpc || r.executingIsr,
        kind: r.executingIsr ? 'ISR' : r.executingDpc ? 'DPC' : '-',
        weight: r.count * interval * 100,
      });
    }
  });
  trace.close();
  const busyNsByCpu = new Array<number>(8).fill(0);
  const flaggedByModule: Record<string, Record<string, number>> = {};
  for (const s of samples) {
    if (s.busy) busyNsByCpu[s.cpu]! += s.weight;
    if (s.kind === '-') continue;
    const image = images.find((i) => s.ip >= i.base && s.ip < i.end);
    const module = image?.name ?? 'Unknown';
    flaggedByModule[s.kind] ??= {};
    flaggedByModule[s.kind]![module] = (flaggedByModule[s.kind]![module] ?? 0) + 1;
  }
  return { busyNsByCpu, flaggedByModule, samples: samples.length };
}

describe.runIf(existsSync(file))('perfview-net452-x64.etl', () => {
  let engine: Engine;
  let expected: Independent;
  beforeAll(() => {
    engine = loadEngine(file);
    expected = independent();
  });

  it('reads the README figures and explains what is missing', () => {
    const s = engine.model.summary;
    expect([s.events, s.buffers, s.compressedBuffers, s.cpuCount, s.build]).toEqual([
      179_474, 360, 359, 8, 9200,
    ]);
    expect(s.counts['PerfInfo/SampledProfile']).toBe(79_528);
    expect(s.tableRows.cpuSampled).toBe(79_528);
    expect(expected.samples).toBe(79_528);
    expect(s.utilizationSource).toBe('sampled');
    expect(s.recorded.contextSwitches).toBe(false);
    expect(s.explanations).toContain(
      'No context switches were recorded — CPU Usage (Precise) is unavailable; utilization comes from sampled profile.',
    );
  });

  it('gives sampled utilization for its 8 CPUs', () => {
    const series = engine.query(
      { kind: 'series', metric: 'utilization', filter: {}, buckets: 1 },
      NEVER_CANCELLED,
    );
    expect(series.source).toBe('sampled');
    expect(series.cpus.map((c) => c.cpu)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const duration = engine.model.durationNs;
    for (const c of series.cpus)
      expect(c.values[0]!).toBeCloseTo((100 * expected.busyNsByCpu[c.cpu]!) / duration, 9);
    // Every CPU did some work; none was pegged.
    for (const c of series.cpus) expect(c.values[0]!).toBeGreaterThan(0.5);
    // DPC/ISR share from the flagged samples (no DPC/ISR events in this trace).
    const dpcTime = engine.query(
      { kind: 'series', metric: 'dpcIsrTime', filter: {}, buckets: 1 },
      NEVER_CANCELLED,
    );
    expect(dpcTime.source).toBe('sampled');
    const flagged = engine.query(
      {
        kind: 'pivot',
        table: 'cpuSampled',
        filter: { include: { dpcIsr: ['DPC', 'ISR'] } },
        groupBy: ['cpu'],
      },
      NEVER_CANCELLED,
    );
    for (const c of dpcTime.cpus) {
      const ms = flagged.rows.find((r) => r.key === String(c.cpu))?.aggregates.totalMs ?? 0;
      expect(c.values[0]!).toBeCloseTo((100 * ms * 1e6) / duration, 9);
    }
  });

  it('gives DPC/ISR-flagged samples by module resolved from the image rundown', () => {
    const pivot = engine.query(
      {
        kind: 'pivot',
        table: 'cpuSampled',
        filter: { include: { dpcIsr: ['DPC', 'ISR'] } },
        groupBy: ['dpcIsr', 'module'],
        limitPerLevel: 1000,
      },
      NEVER_CANCELLED,
    );
    const got = Object.fromEntries(
      pivot.rows.map((r) => [r.key, Object.fromEntries(r.children!.map((c) => [c.key, c.aggregates.count]))]),
    );
    expect(got).toEqual(expected.flaggedByModule);
    expect(Object.keys(got.DPC ?? {})).toContain('ndis.sys');
  });

  it("shows image paths with drive letters from the trace's volume mappings (as WPA does)", () => {
    const images = engine.query({ kind: 'list', table: 'images', limit: 100_000 }, NEVER_CANCELLED);
    const paths = images.rows.map((r) => String(r[images.columns.indexOf('File Name')]));
    expect(paths.some((p) => /^\\Device\\HarddiskVolume/i.test(p))).toBe(false);
    expect(paths).toContain(
      'C:\\Users\\brianrob\\AppData\\Roaming\\PerfView\\VER.2020-07-02.23.01.22.000\\PerfView.exe',
    );
    expect(paths.filter((p) => /^C:\\Windows\\/i.test(p)).length).toBeGreaterThan(100);
  });
});
