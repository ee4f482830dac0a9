// The atoms' one-sort construction: sortByValue orders rows exactly as a comparison sort would
// (negatives, −0, NaN included), and every atom level built from it holds each atom's durations
// as the sorted multiset of its rows' durations, with the same sums (the time-block levels, which
// sort each slice in place, included).

import { describe, expect, it } from 'vitest';
import {
  buildAllDpcAtoms,
  DPC_BLOCK_ROWS,
  dpcAtoms,
  dpcBlockAtoms,
  sortByValue,
  sortSlice,
  hasDpcAtoms,
  type DpcAtoms,
} from './dpc-atoms.js';
import type { HistogramQuery, PivotQuery } from '../../shared/contract.js';
import type { PartialBuilder } from './partial.js';
import { engineFrom, kernelAddress } from './test-model.js';

/** The same pseudo-random sequence for a seed (a linear congruential generator), in [0, 1). */
const randomFrom = (seed: number) => () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

/** A kernel driver image at `offset` (its routines are at offset + 16·r). */
const addDriver = (b: PartialBuilder, offset: number, fileName: string) =>
  b.images.push({
    timeNs: 0,
    kind: 'dcstart',
    base: kernelAddress(offset),
    size: 0x1000,
    processId: 0,
    fileName,
  });

describe('sortByValue', () => {
  it('orders float32 values as TypedArray.prototype.sort does', () => {
    const random = randomFrom(5);
    const values = new Float32Array(50_000);
    for (let i = 0; i < values.length; i++) {
      const r = random();
      values[i] =
        r < 0.05
          ? -random() * 1e6
          : r < 0.06
            ? -0
            : r < 0.07
              ? NaN
              : r < 0.1
                ? 0
                : Math.floor(random() * 3e7);
    }
    values[0] = Infinity;
    values[1] = -Infinity;
    // A NaN with the sign bit set (as a file's bytes can hold) sorts last too.
    new Uint32Array(values.buffer)[2] = 0xffc00001;
    const order = sortByValue(values).rows;
    const expected = values.slice().sort();
    const got = Float32Array.from(order, (row) => values[row]!);
    expect(Object.is(got[0], -Infinity)).toBe(true);
    // toEqual treats −0 and +0 as different and NaN as equal to NaN: the exact order.
    expect(Array.from(got)).toEqual(Array.from(expected));
    expect(new Set(order).size).toBe(values.length);
  });

  it('gives the values in that order too, and sorts short and long slices in place alike', () => {
    const values = new Float32Array([3, -1, NaN, 0, -0, Infinity, 2.5, -Infinity, 3, 1e-40]);
    const { rows, values: sorted } = sortByValue(values);
    expect(Array.from(sorted)).toEqual(Array.from(rows, (row) => values[row]!));
    expect(Array.from(sorted)).toEqual(Array.from(values.slice().sort()));
    for (const length of [2, 5, 24, 25, 300]) {
      const slice = Float32Array.from({ length }, (_, i) => (i % 7 === 3 ? NaN : ((i * 7919) % 97) - 40));
      const padded = new Float32Array(length + 2).fill(99);
      padded.set(slice, 1);
      sortSlice(padded, 1, length + 1);
      expect(Array.from(padded.subarray(1, length + 1))).toEqual(Array.from(slice.sort()));
      expect([padded[0], padded[length + 1]]).toEqual([99, 99]);
    }
  });

  it('handles empty and single-digit inputs', () => {
    expect(Array.from(sortByValue(new Float32Array(0)).rows)).toEqual([]);
    expect(Array.from(sortByValue(new Float32Array([7, 7, 7])).rows)).toEqual([0, 1, 2]);
  });
});

describe('atom levels from one sort', () => {
  it('hold each atom’s sorted durations, whether built by the warm-up or one by one', () => {
    const build = () =>
      engineFrom(3, ([b]) => {
        addDriver(b!, 0x100000, 'a.sys');
        const random = randomFrom(3);
        for (let cpu = 0; cpu < 3; cpu++) {
          let t = 0;
          for (let k = 0; k < 3 * DPC_BLOCK_ROWS + 100 * cpu; k++) {
            t += 1000 + Math.floor(random() * 5000);
            const r = Math.floor(random() * 3);
            b!.appendDpc(cpu, r, t, t + Math.floor(random() * 200_000), kernelAddress(0x100000 + 16 * r));
          }
          b!.noteEvent(cpu, t + 1_000_000);
        }
      });
    const warm = build();
    buildAllDpcAtoms(warm.model);
    const lazy = build();
    const check = (atoms: DpcAtoms, rowsOf: (a: number) => number[]) => {
      const dpc = warm.model.dpc;
      for (let a = 0; a < atoms.count; a++) {
        const mine = Array.from(atoms.sorted.subarray(atoms.start[a]!, atoms.end[a]!));
        const expected = Float32Array.from(rowsOf(a), (i) => dpc.duration[i]!).sort();
        expect(mine).toEqual(Array.from(expected));
        expect(atoms.sum[a]).toBe(mine.reduce((s, v) => s + v, 0));
      }
    };
    const dpc = warm.model.dpc;
    const rowsWhere = (keep: (i: number) => boolean) => {
      const rows: number[] = [];
      for (let i = 0; i < dpc.length; i++) if (keep(i)) rows.push(i);
      return rows;
    };
    const cpuOf = (i: number) => {
      let c = 0;
      while (i >= dpc.cpuOffsets[c + 1]!) c++;
      return c;
    };
    const all = dpcAtoms(warm.model, false);
    check(all, (a) => rowsWhere((i) => dpc.kind[i] === all.kind[a] && dpc.routine[i] === all.routine[a]));
    const perCpu = dpcAtoms(warm.model, true);
    check(perCpu, (a) =>
      rowsWhere(
        (i) =>
          cpuOf(i) === perCpu.cpu[a] &&
          dpc.kind[i] === perCpu.kind[a] &&
          dpc.routine[i] === perCpu.routine[a],
      ),
    );
    for (const [one, other] of [
      [dpcAtoms(warm.model, false), dpcAtoms(lazy.model, false)],
      [dpcAtoms(warm.model, true), dpcAtoms(lazy.model, true)],
      [dpcBlockAtoms(warm.model)!, dpcBlockAtoms(lazy.model)!],
    ] as const) {
      expect(Array.from(one.sorted)).toEqual(Array.from(other.sorted));
      expect(Array.from(one.start)).toEqual(Array.from(other.start));
      expect(Array.from(one.sum)).toEqual(Array.from(other.sum));
    }
    expect(dpcBlockAtoms(warm.model)!.count).toBeGreaterThan(all.count);
    // The block and super-block levels (sorted in place, not from the row order) hold exactly
    // their rows' durations, sorted.
    const blocks = dpcBlockAtoms(warm.model)!;
    const levels = [
      { rows: blocks.blockRows, cpuFirst: blocks.cpuBlocks, atomsOf: blocks.blockAtoms },
      {
        rows: blocks.blockRows * blocks.blocksPerSuper,
        cpuFirst: blocks.cpuSupers,
        atomsOf: blocks.superAtoms,
      },
    ];
    let checked = 0;
    for (const level of levels) {
      const segments = level.cpuFirst[level.cpuFirst.length - 1]!;
      for (let b = 0; b < segments; b++) {
        let c = 0;
        while (b >= level.cpuFirst[c + 1]!) c++;
        const lo = dpc.cpuOffsets[c]! + (b - level.cpuFirst[c]!) * level.rows;
        const hi = Math.min(lo + level.rows, dpc.cpuOffsets[c + 1]!);
        for (let a = level.atomsOf[b]!; a < level.atomsOf[b + 1]!; a++) {
          const rows = rowsWhere(
            (i) =>
              i >= lo && i < hi && dpc.kind[i] === blocks.kind[a] && dpc.routine[i] === blocks.routine[a],
          );
          expect(Array.from(blocks.sorted.subarray(blocks.start[a]!, blocks.end[a]!))).toEqual(
            Array.from(Float32Array.from(rows, (i) => dpc.duration[i]!).sort()),
          );
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(all.count);
  });
});

describe('whole-trace pivots before the CPU-less atoms exist', () => {
  it('answer from the per-CPU atoms exactly what they answer from the CPU-less ones', () => {
    const engine = engineFrom(4, ([b]) => {
      addDriver(b!, 0x200000, 'n.sys');
      const random = randomFrom(11);
      for (let cpu = 0; cpu < 4; cpu++) {
        let t = 0;
        for (let k = 0; k < 3000; k++) {
          t += 2000 + Math.floor(random() * 9000);
          const r = Math.floor(random() * 5);
          b!.appendDpc(
            cpu,
            r % 2 === 0 ? 0 : 3,
            t,
            t + Math.floor(random() * 150_000),
            kernelAddress(0x200000 + 16 * r),
          );
        }
        b!.noteEvent(cpu, t + 1_000_000);
      }
    });
    const end = engine.model.durationNs;
    const token = { cancelled: false };
    const ask = () =>
      [['module', 'function'], ['type'], ['cpu']].map((groupBy) =>
        engine.query(
          {
            kind: 'pivot',
            table: 'dpcIsr',
            filter: { range: { start: 0, end } },
            groupBy,
          } as unknown as PivotQuery,
          token,
        ),
      );
    const histogram = () =>
      engine.query(
        {
          kind: 'histogram',
          table: 'dpcIsr',
          filter: { range: { start: 0, end } },
          scheme: 'doubling',
        } as unknown as HistogramQuery,
        token,
      );
    const before = ask();
    const histogramBefore = histogram();
    expect(hasDpcAtoms(engine.model, false)).toBe(false);
    dpcAtoms(engine.model, false);
    const after = ask();
    // Sums may differ in their last bits (added per CPU or all at once): compared to 1e-9.
    const round = (value: unknown): unknown =>
      JSON.parse(
        JSON.stringify(value, (_, v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(10)) : v)),
      );
    expect(round(after)).toEqual(round(before));
    expect(histogram()).toEqual(histogramBefore);
  });
});
