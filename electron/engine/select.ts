// Percentiles by selection (Hoare/Floyd-Rivest style quickselect) on a slice of a scratch array.
// Nearest-rank definition: the p-th percentile of n values is the ceil(p·n)-th smallest.
// Selection permutes the slice in place, which pivot.ts relies on being confined to the slice.

/** Smallest slice length worth partitioning; below it insertion sort is faster. */
const SMALL_SLICE = 16;

export function percentileOfSlice(
  values: Float32Array | Float64Array,
  from: number,
  to: number,
  p: number,
): number {
  const n = to - from;
  if (n <= 0) return 0;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(p * n) - 1));
  return selectKth(values, from, to - 1, from + rank);
}

/** Rearranges values[left..right] so values[k] is the value of rank k; returns it. */
export function selectKth(
  values: Float32Array | Float64Array,
  left: number,
  right: number,
  k: number,
): number {
  while (right - left > SMALL_SLICE) {
    // Median of three as the pivot keeps sorted / reverse-sorted input linear.
    const mid = (left + right) >>> 1;
    if (values[mid]! < values[left]!) swap(values, mid, left);
    if (values[right]! < values[left]!) swap(values, right, left);
    if (values[right]! < values[mid]!) swap(values, right, mid);
    const pivot = values[mid]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        swap(values, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return values[k]!;
  }
  for (let i = left + 1; i <= right; i++) {
    const v = values[i]!;
    let j = i - 1;
    while (j >= left && values[j]! > v) {
      values[j + 1] = values[j]!;
      j--;
    }
    values[j + 1] = v;
  }
  return values[k]!;
}

function swap(values: Float32Array | Float64Array, a: number, b: number): void {
  const t = values[a]!;
  values[a] = values[b]!;
  values[b] = t;
}

/** Slices at least this long use the two-pass radix selection (histogram of the top 16 bits). */
const RADIX_MIN_SLICE = 8192;
const RADIX_BUCKETS = 1 << 16;
const radixCounts = new Int32Array(RADIX_BUCKETS);

/**
 * p50/p90/p99 (nearest rank) of `values[from..to)` for non-negative float32 values. Small slices
 * use quickselect; large ones a histogram of the float bits' top 16 bits (order-preserving for
 * non-negative floats) to find each rank's bucket, then quickselect among that bucket's values
 * copied into `spare` — two linear passes instead of three partitionings.
 */
export function percentiles3(
  values: Float32Array,
  from: number,
  to: number,
  spare: Float32Array,
  out: Float64Array,
  p: readonly [number, number, number] = [0.5, 0.9, 0.99],
): void {
  const n = to - from;
  if (n <= 0) {
    out[0] = out[1] = out[2] = 0;
    return;
  }
  const ranks = p.map((q) => Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1)));
  if (n < RADIX_MIN_SLICE) {
    // Ascending ranks: each selection leaves larger values to the right of its rank.
    let left = from;
    for (let k = 0; k < 3; k++) {
      out[k] = selectKth(values, left, to - 1, from + ranks[k]!);
      left = from + ranks[k]!;
    }
    return;
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  radixCounts.fill(0);
  for (let i = from; i < to; i++) radixCounts[bits[i]! >>> 16]!++;
  const bucketOf = [-1, -1, -1];
  const rankInBucket = [0, 0, 0];
  let seen = 0;
  let k = 0;
  for (let b = 0; b < RADIX_BUCKETS && k < 3; b++) {
    const c = radixCounts[b]!;
    while (k < 3 && ranks[k]! < seen + c) {
      bucketOf[k] = b;
      rankInBucket[k] = ranks[k]! - seen;
      k++;
    }
    seen += c;
  }
  // One pass copies the values of the (up to 3) target buckets into consecutive regions of `spare`.
  const b0 = bucketOf[0]!;
  const b1 = bucketOf[1]!;
  const b2 = bucketOf[2]!;
  const start0 = 0;
  const start1 = b1 === b0 ? start0 : start0 + radixCounts[b0]!;
  const start2 = b2 === b1 ? start1 : start1 + (b1 === b0 ? radixCounts[b0]! : radixCounts[b1]!);
  let p0 = start0;
  let p1 = start1;
  let p2 = start2;
  for (let i = from; i < to; i++) {
    const top = bits[i]! >>> 16;
    if (top === b0) spare[p0++] = values[i]!;
    else if (top === b1) spare[p1++] = values[i]!;
    else if (top === b2) spare[p2++] = values[i]!;
  }
  const regionStart = [start0, start1, start2];
  for (let q = 0; q < 3; q++) {
    const region = regionStart[q]!;
    const regionEnd = region + radixCounts[bucketOf[q]!]! - 1;
    // Ranks ascend: inside a shared region the previous selection left larger values to its right.
    const left = q > 0 && bucketOf[q] === bucketOf[q - 1] ? region + rankInBucket[q - 1]! : region;
    out[q] = selectKth(spare, left, regionEnd, region + rankInBucket[q]!);
  }
}
