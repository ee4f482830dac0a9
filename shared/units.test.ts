import { describe, expect, it } from 'vitest';
import { formatDuration, parseTimeToNs } from './units.js';

describe('units', () => {
  it('parses times with s/ms/us suffixes (seconds by default)', () => {
    expect(parseTimeToNs('2.5')).toBe(2.5e9);
    expect(parseTimeToNs('1500ms')).toBe(1.5e9);
    expect(parseTimeToNs('250us')).toBe(250e3);
    expect(parseTimeToNs('3s')).toBe(3e9);
    expect(parseTimeToNs('abc')).toBeUndefined();
    expect(parseTimeToNs('5 parsecs')).toBeUndefined();
  });
  it('formats durations for people', () => {
    expect(formatDuration(850)).toBe('850 ns');
    expect(formatDuration(12_345)).toBe('12.3 µs');
    expect(formatDuration(4_560_000)).toBe('4.560 ms');
    expect(formatDuration(1_234_000_000)).toBe('1.234 s');
  });
});
