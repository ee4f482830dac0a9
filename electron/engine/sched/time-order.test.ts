// timeOrder: the natural merge sort of the scheduling pass's rows (one ascending run per CPU as it
// reads) against a plain stable sort, on random runs with many equal times.

import { describe, expect, it } from 'vitest';
import { timeOrder } from './sched-data.js';

/** A deterministic generator (xorshift32), so a failure repeats. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

const stableOrder = (times: Float64Array) =>
  Array.from(times.keys()).sort((a, b) => times[a]! - times[b]! || a - b);

describe('timeOrder', () => {
  it('is the identity on sorted times and on nothing', () => {
    expect([...timeOrder(Float64Array.of(1, 2, 2, 5))]).toEqual([0, 1, 2, 3]);
    expect([...timeOrder(new Float64Array(0))]).toEqual([]);
  });

  for (const runs of [2, 3, 16, 65])
    it(`merges ${runs} ascending runs like a stable sort (ties keep reading order)`, () => {
      const next = random(runs);
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
    const next = random(7);
    const t = Float64Array.from({ length: 500 }, () => Math.floor(next() * 20));
    expect([...timeOrder(t)]).toEqual(stableOrder(t));
  });
});
