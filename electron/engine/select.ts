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
