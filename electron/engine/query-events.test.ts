// dpcEvents over a small hand-made model: time order across CPUs, sort by duration with windows
// that neither overlap nor skip, module filter, overlapping rows at a range edge, an ISR nested in
// a DPC (exclusive duration, fragments), bounds.

import { describe, expect, it } from 'vitest';
import type { DpcEventsQuery } from '../../shared/contract.js';
import type { TraceNs } from '../../shared/units.js';
import { NEVER_CANCELLED } from './query-common.js';
import { engineFrom, kernelAddress } from './test-model.js';

const A = kernelAddress(0x100010);
const B = kernelAddress(0x200020);
const range = (start: number, end: number) => ({ start: start as TraceNs, end: end as TraceNs });

/** 2 CPUs; a.sys DPCs of 100·(k+1)+cpu ns at 1000·k; on CPU 0 a b.sys ISR (30 ns) inside the third DPC. */
const engine = engineFrom(2, ([b]) => {
  for (const [base, name] of [
    [0x100000, 'a.sys'],
    [0x200000, 'b.sys'],
  ] as const)
    b!.images.push({
      timeNs: 0,
      kind: 'dcstart',
      base: kernelAddress(base),
      size: 0x1000,
      processId: 0,
      fileName: `\\drivers\\${name}`,
    });
  for (let cpu = 0; cpu < 2; cpu++)
    for (let k = 0; k < 5; k++) {
      const enter = 1000 * k + 10;
      // ETW logs an ISR when it ends, before the DPC it interrupted.
      if (cpu === 0 && k === 2) b!.appendDpc(0, 3, enter + 50, enter + 80, B);
      b!.appendDpc(cpu, 0, enter, enter + 100 * (k + 1) + cpu, A);
    }
  for (let cpu = 0; cpu < 2; cpu++) b!.noteEvent(cpu, 10_000);
});

const ask = (q: Omit<DpcEventsQuery, 'kind'>) => engine.query({ kind: 'dpcEvents', ...q }, NEVER_CANCELLED);

describe('dpcEvents', () => {
  it('lists rows in enter-time order with their routine, CPU and times', () => {
    const r = ask({ filter: {}, limit: 100 });
    expect(r.total).toBe(11);
    expect(r.enterNs).toEqual([...r.enterNs].sort((a, b) => a - b));
    const first = r.routines[r.routine[0]!]!;
    expect(first).toEqual({ module: 'a.sys', function: expect.any(String) });
    const isr = r.type.indexOf(3);
    expect(r.routines[r.routine[isr]!]!.module).toBe('b.sys');
    expect([r.cpu[isr], r.enterNs[isr], r.durationNs[isr]]).toEqual([0, 2060, 30]);
  });

  it('sorts by duration in windows that neither overlap nor skip', () => {
    const all = ask({
      filter: { include: { module: ['a.sys'] } },
      sortBy: 'duration',
      descending: true,
      limit: 100,
    });
    expect(all.total).toBe(10);
    expect(all.durationNs).toEqual([501, 500, 401, 400, 301, 300, 201, 200, 101, 100]);
    const w1 = ask({
      filter: { include: { module: ['a.sys'] } },
      sortBy: 'duration',
      descending: true,
      limit: 4,
    });
    const w2 = ask({
      filter: { include: { module: ['a.sys'] } },
      sortBy: 'duration',
      descending: true,
      offset: 4,
      limit: 4,
    });
    expect([...w1.id, ...w2.id]).toEqual(all.id.slice(0, 8));
    expect(w2.offset).toBe(4);
  });

  it('gives the window around a row and where it is (a table revealing an event selected elsewhere)', () => {
    const q = { filter: { include: { module: ['a.sys'] } }, sortBy: 'duration' as const, descending: true };
    const all = ask({ ...q, limit: 100 });
    const target = all.id[6]!; // the 301 ns DPC
    const w = ask({ ...q, limit: 4, offset: 0, around: target });
    expect(w.located).toBe(6);
    expect(w.offset).toBe(4);
    expect(w.id).toEqual(all.id.slice(4, 8));
    // Near the end the window stays full; near the start it begins at 0.
    expect(ask({ ...q, limit: 4, around: all.id[9]! })).toMatchObject({ located: 9, offset: 6 });
    expect(ask({ ...q, limit: 4, around: all.id[1]! })).toMatchObject({ located: 1, offset: 0 });
    // A row the filter does not hold: −1, and the plain window.
    const isr = ask({ filter: { include: { module: ['b.sys'] } }, limit: 1 }).id[0]!;
    expect(ask({ ...q, limit: 4, offset: 2, around: isr })).toMatchObject({ located: -1, offset: 2 });
    expect(() => ask({ ...q, limit: 4, around: -1 })).toThrow(/around/);
  });

  it('gives the interrupted DPC its exclusive duration and fragments', () => {
    const r = ask({ filter: { cpus: [0], include: { module: ['a.sys'] } }, sortBy: 'exclusive', limit: 100 });
    const k = r.enterNs.indexOf(2010);
    expect(r.durationNs[k]).toBe(300);
    expect(r.exclusiveNs[k]).toBe(270);
    expect(r.fragments[k]).toBe(2);
    expect(r.exclusiveNs).toEqual([...r.exclusiveNs].sort((a, b) => a - b));
  });

  it('counts rows by enter time in a range, and with overlapping also those still running in it', () => {
    // [2100, 3050): CPU 0's ISR (enter 2060) and third DPC (2010–2310) started before it.
    const inRange = ask({ filter: { range: range(2100, 3050) }, limit: 100 });
    expect(inRange.enterNs).toEqual([3010, 3010]);
    const overlapping = ask({ filter: { range: range(2100, 3050) }, limit: 100, overlapping: true });
    expect(overlapping.total).toBe(4);
    expect(overlapping.enterNs).toEqual([2010, 2010, 3010, 3010]);
  });

  it('refuses a limit above the bound', () => {
    expect(() => ask({ filter: {}, limit: 1e9 })).toThrow(/limit/);
  });
});
