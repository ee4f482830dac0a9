// The story scenarios' own consistency (no reader involved): same bytes every time, the convoy's
// shape (the hog runs whole quanta, the lock threads run one hold + one work slice per switch-in),
// CPU time adds up, and the deep-idle drop happens within 1 ms.
import { describe, expect, it } from 'vitest';
import { audioDelays, CONVOY_THREADS, deepIdleAmd24, lockConvoy } from './sched-scenarios.js';

describe('story scenarios', () => {
  it('are deterministic', () => {
    expect(Buffer.from(lockConvoy().bytes!).equals(Buffer.from(lockConvoy().bytes!))).toBe(true);
    expect(Buffer.from(audioDelays().bytes!).equals(Buffer.from(audioDelays().bytes!))).toBe(true);
  });

  it('lock convoy: whole quanta for the hog, 40 µs slices for the convoy, FIFO hand-offs', () => {
    const { truth } = lockConvoy();
    const hog = truth.threads.find((t) => t.threadId === truth.hog)!;
    expect(hog.runningNs / hog.switches).toBe(truth.quantumNs);
    const lockers = truth.threads.filter((t) => t.threadId !== truth.hog);
    expect(lockers).toHaveLength(3);
    for (const t of lockers) {
      expect(t.runningNs / t.switches).toBeLessThanOrEqual(40_000);
      expect(t.maxReadyNs).toBeGreaterThanOrEqual(truth.quantumNs);
    }
    // One CPU: the threads' running time is the time from the first switch to the last.
    const running = truth.threads.reduce((s, t) => s + t.runningNs, 0);
    expect(running).toBe(truth.durationNs - 1_000_000);
    expect(CONVOY_THREADS.map((t) => t.priority)).toEqual([8, 8, 8, 8]);
  });

  it('audio: every ready interval is explained by its DPCs and the svchost thread but ≤ 1 µs', () => {
    const { truth } = audioDelays();
    for (const iv of truth.intervals) {
      const explained =
        Object.values(iv.modules).reduce((s, ns) => s + ns, 0) +
        Object.values(iv.threads).reduce((s, ns) => s + ns, 0);
      expect(iv.switchInNs - iv.readyNs - explained).toBeLessThanOrEqual(1000);
    }
    expect(truth.totalsByModule['storport.sys']).toBeGreaterThan(truth.totalsByModule['volsnap.sys']!);
  });

  it('deep idle: all CPUs but CPU 0 drop within 1 ms; the circular variant has the same truth', () => {
    const plain = deepIdleAmd24().truth;
    const deep = plain.deepEnterNs.filter((t) => t >= 0);
    expect(deep).toHaveLength(23);
    expect(Math.max(...deep) - Math.min(...deep)).toBeLessThan(1e6);
    const circular = deepIdleAmd24({ circular: true }).truth;
    expect({ ...circular, circular: false }).toEqual(plain);
  });
});
