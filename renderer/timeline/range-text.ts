// Typed time ranges (the range box): "1.5 s – 2 s", "1.5s..2s", "1500ms 2000ms", "1.5 s + 200 µs"
// (start + length), units s / ms / µs (us) / ns, a bare number is seconds, a unit after the last
// number applies to a bare first one ("1.5 2 s"). And the current range as text for Copy.

import { traceNs, type TimeRange } from '../../shared/units.js';

const UNIT_NS: Readonly<Record<string, number>> = { s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, μs: 1e3, ns: 1 };
const TIME = String.raw`(\d+(?:\.\d*)?|\.\d+)\s*(s|ms|us|µs|μs|ns)?`;
const RANGE = new RegExp(String.raw`^\s*${TIME}\s*(\+|-|–|—|\.\.|to|,|\s)\s*${TIME}\s*$`, 'i');

/** The range a text names, or undefined when it names none (or ends before it starts). */
export function parseRangeText(text: string): TimeRange | undefined {
  const m = RANGE.exec(text.replace(/\s+/g, ' '));
  if (m === null) return undefined;
  const [, a, unitA, separator, b, unitB] = m;
  const unitOf = (u: string | undefined) => (u === undefined ? undefined : UNIT_NS[u.toLowerCase()]);
  const second = unitOf(unitB) ?? 1e9;
  const first = unitOf(unitA) ?? (unitB !== undefined ? second : 1e9);
  const start = Number(a) * first;
  const other = Number(b) * second;
  const end = separator === '+' ? start + other : other;
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return undefined;
  return { start: traceNs(start), end: traceNs(end) };
}

/** "1.250000000 s – 1.500000000 s" (ns precision: pasting it back gives the same range). */
export function rangeText(range: TimeRange): string {
  return `${(range.start / 1e9).toFixed(9)} s – ${(range.end / 1e9).toFixed(9)} s`;
}
