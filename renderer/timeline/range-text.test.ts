import { describe, expect, it } from 'vitest';
import { parseRangeText, rangeText } from './range-text.js';

const ns = (text: string) => {
  const r = parseRangeText(text);
  return r === undefined ? undefined : [r.start, r.end];
};

describe('parseRangeText', () => {
  it('reads start/end and start + length in s, ms, µs and ns', () => {
    expect(ns('1.5 s – 2 s')).toEqual([1.5e9, 2e9]);
    expect(ns('1.5s..2s')).toEqual([1.5e9, 2e9]);
    expect(ns('1500ms 2000ms')).toEqual([1.5e9, 2e9]);
    expect(ns('1.5 s + 200 µs')).toEqual([1.5e9, 1.5e9 + 200e3]);
    expect(ns('1.5s+200us')).toEqual([1.5e9, 1.5e9 + 200e3]);
    expect(ns('10 20 ms')).toEqual([10e6, 20e6]);
    expect(ns('0.25 0.5')).toEqual([0.25e9, 0.5e9]);
    expect(ns('100ns to 300ns')).toEqual([100, 300]);
  });
  it('refuses text that names no range, or one ending before it starts', () => {
    expect(ns('soon')).toBeUndefined();
    expect(ns('2 s – 1 s')).toBeUndefined();
    expect(ns('1 s')).toBeUndefined();
  });
  it('reads back what rangeText writes', () => {
    const r = parseRangeText('1.234567891 s + 3 µs')!;
    expect(parseRangeText(rangeText(r))).toEqual(r);
  });
});
