import { describe, expect, it } from 'vitest';
import { traceNs } from '../../shared/units.js';
import { MAX_SERIES_BUCKETS, nextPowerOfTwo, planSeriesWindow, windowCovers } from './series-window.js';

const range = (start: number, end: number) => ({ start: traceNs(start), end: traceNs(end) });

describe('planSeriesWindow', () => {
  it('pads by one span each side, snaps to a power-of-two resolution, clamps to the trace', () => {
    const w = planSeriesWindow(range(4e9, 5e9), 1000, 10e9);
    expect(w.resolutionNs).toBe(nextPowerOfTwo(1e6));
    expect(w.range.start % w.resolutionNs).toBe(0);
    expect(w.range.start).toBeLessThanOrEqual(3e9);
    expect(w.range.end).toBeGreaterThanOrEqual(6e9);
    expect(w.buckets).toBe((w.range.end - w.range.start) / w.resolutionNs);
  });

  it('never asks for more than the contract allows and starts at 0 for the whole trace', () => {
    const w = planSeriesWindow(range(0, 10e9), 20000, 10e9);
    expect(w.buckets).toBeLessThanOrEqual(MAX_SERIES_BUCKETS);
    expect(w.range.start).toBe(0);
  });

  it('a small pan stays inside the loaded window; a zoom changes resolution', () => {
    const loaded = planSeriesWindow(range(4e9, 5e9), 1000, 10e9);
    expect(windowCovers(loaded, range(4.2e9, 5.2e9), 1000, 10e9)).toBe(true);
    expect(windowCovers(loaded, range(4e9, 4.25e9), 1000, 10e9)).toBe(false);
    expect(windowCovers(loaded, range(8e9, 9e9), 1000, 10e9)).toBe(false);
  });
});
