// Branded units shared by every layer. Times are float64 nanoseconds measured from the trace
// origin (the UI's zero): a double holds whole nanoseconds exactly up to ~104 days, and
// QPC (10 MHz), 3 MHz QPC and cycle clocks all convert without losing a tick.
// Nothing in this file imports anything: `shared/` is the bottom layer.

declare const brandTag: unique symbol;
/** A nominal wrapper: a `TraceNs` cannot be passed where a `DurationNs` or a row index is expected. */
export type Brand<T, Name extends string> = T & { readonly [brandTag]: Name };

/** Nanoseconds since the trace origin (the start of the time axis). */
export type TraceNs = Brand<number, 'TraceNs'>;
/** A length of time in nanoseconds. */
export type DurationNs = Brand<number, 'DurationNs'>;
/** Microseconds (for durations shown to the user: DPC/ISR guideline is 100 µs / 25 µs). */
export type Micros = Brand<number, 'Micros'>;
/** Milliseconds (for totals). */
export type Millis = Brand<number, 'Millis'>;

export const traceNs = (value: number): TraceNs => value as TraceNs;
export const durationNs = (value: number): DurationNs => value as DurationNs;
export const nsToMicros = (ns: number): Micros => (ns / 1e3) as Micros;
export const nsToMillis = (ns: number): Millis => (ns / 1e6) as Millis;
export const nsToSeconds = (ns: number): number => ns / 1e9;
export const secondsToTraceNs = (seconds: number): TraceNs => (seconds * 1e9) as TraceNs;

/** A half-open time range [start, end) on the trace axis. */
export interface TimeRange {
  readonly start: TraceNs;
  readonly end: TraceNs;
}

const TIME_SUFFIX_TO_NS: Readonly<Record<string, number>> = { s: 1e9, ms: 1e6, us: 1e3, µs: 1e3, ns: 1 };

/**
 * Parses a user-typed time such as `2.5`, `2.5s`, `1500ms`, `250us` (seconds when no suffix).
 * Returns undefined when the text is not a time.
 */
export function parseTimeToNs(text: string): TraceNs | undefined {
  const match = /^\s*([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(s|ms|us|µs|ns)?\s*$/i.exec(text);
  if (match === null) {
    return undefined;
  }
  const value = Number(match[1]);
  const unit = (match[2] ?? 's').toLowerCase();
  const scale = TIME_SUFFIX_TO_NS[unit];
  if (!Number.isFinite(value) || scale === undefined) {
    return undefined;
  }
  return (value * scale) as TraceNs;
}

/** Formats a duration for people: `850 ns`, `12.3 µs`, `4.56 ms`, `1.234 s`. */
export function formatDuration(ns: number): string {
  const abs = Math.abs(ns);
  if (abs < 1e3) {
    return `${ns.toFixed(0)} ns`;
  }
  if (abs < 1e6) {
    return `${(ns / 1e3).toFixed(abs < 1e4 ? 2 : 1)} µs`;
  }
  if (abs < 1e9) {
    return `${(ns / 1e6).toFixed(abs < 1e7 ? 3 : 2)} ms`;
  }
  return `${(ns / 1e9).toFixed(3)} s`;
}
