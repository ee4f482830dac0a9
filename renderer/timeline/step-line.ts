// Pure: the vertices of one CPU's step line over the buckets the view shows (LinesCanvas strokes
// them). A bucket at least a pixel wide is a level from its start to its end; buckets narrower than
// a pixel share that pixel's column, drawn as one vertical segment from their minimum to their
// maximum, so a one-bucket spike still shows at any zoom.
//
//   level ─────┐            column │ (min..max)
//              └──────┐  ─────────┘│└──────
//                     └─┘

export interface StepLineInput {
  readonly values: readonly number[];
  /** Start of bucket 0 and the bucket width, ns. */
  readonly originNs: number;
  readonly bucketNs: number;
  /** Only buckets overlapping the view are used (the series window is padded 3×). */
  readonly view: { readonly start: number; readonly end: number };
  /** x (CSS px) of a trace time. */
  readonly xOf: (ns: number) => number;
  /** Width of a pixel column in the units of xOf (1 / devicePixelRatio). */
  readonly columnPx: number;
}

/** Vertices as x and value pairs: [x0, v0, x1, v1, …] (consecutive duplicates left out). */
export function stepLinePoints(input: StepLineInput): number[] {
  const { values, originNs, bucketNs, view, xOf, columnPx } = input;
  const points: number[] = [];
  const push = (x: number, v: number) => {
    const n = points.length;
    if (n >= 2 && points[n - 2] === x && points[n - 1] === v) return;
    points.push(x, v);
  };
  let level: number | undefined;
  // The pixel column being gathered: its index, minimum, maximum and last value.
  let column = Number.NaN;
  let min = 0;
  let max = 0;
  let lastInColumn = 0;
  const flush = () => {
    if (Number.isNaN(column)) return;
    const x = (column + 0.5) * columnPx;
    if (level !== undefined) push(x, level);
    push(x, min);
    push(x, max);
    push(x, lastInColumn);
    level = lastInColumn;
    column = Number.NaN;
  };
  const first = Math.max(0, Math.floor((view.start - originNs) / bucketNs));
  const last = Math.min(values.length, Math.ceil((view.end - originNs) / bucketNs));
  for (let i = first; i < last; i++) {
    const v = values[i]!;
    const xa = xOf(originNs + i * bucketNs);
    const xb = xOf(originNs + (i + 1) * bucketNs);
    if (xb - xa >= columnPx) {
      flush();
      if (level !== undefined) push(xa, level);
      push(xa, v);
      push(xb, v);
      level = v;
      continue;
    }
    const c = Math.floor(xa / columnPx);
    if (c !== column) {
      flush();
      column = c;
      min = v;
      max = v;
    } else {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    lastInColumn = v;
  }
  flush();
  return points;
}
