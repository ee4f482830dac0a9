// timeOrder: the natural merge sort of the scheduling pass's rows (one ascending run per CPU as it
// reads) against a plain stable sort, on random runs with many equal times.

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../reader/testing.js';
import { timeOrder } from './sched-data.js';

const stableOrder = (times: Float64Array) =>
  Array.from(times.keys()).sort((a, b) => times[a]! - times[b]! || a - b);

describe('timeOrder', () => {
  it('is the identity on sorted times and on nothing', () => {
    expect([...timeOrder(Float64Array.of(1, 2, 2, 5))]).toEqual([0, 1, 2, 3]);
    expect([...timeOrder(new Float64Array(0))]).toEqual([]);
  });

  for (const runs of [2, 3, 16, 65])
    it(`merges ${runs} ascending runs like a stable sort (ties keep reading order)`, () => {
      const next = mulberry32(runs);
      const times: number[] = [];
      for (let r = 0; r < runs; r++) {
        let t = Math.floor(next() * 50);
        const length = Math.floor(next() * 40);
        for (let i = 0; i < length; i++) times.push((t += Math.floor(next() * 3)));
      }
      const t = Float64Array.from(times);
      expect([...timeOrder(t)]).toEqual(stableOrder(t));
    });

  it('sorts arbitrary times (every element its own run) like a stable sort', () => {
    const next = mulberry32(7);
    const t = Float64Array.from({ length: 500 }, () => Math.floor(next() * 20));
    expect([...timeOrder(t)]).toEqual(stableOrder(t));
  });
});
