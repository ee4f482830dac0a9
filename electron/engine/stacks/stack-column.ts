// The stack of each row of a table (sampled CPU, DPC/ISR), as the node of the stack table
// (−1: no stack). Dense (4 B per row) when most rows have a stack; sparse (8 B per row with one:
// the rows ascending, their nodes) when few do — a 1 GiB trace's 12.7 M DPC rows with a few
// thousand DPC stacks must not pay 51 MB for a column of −1s.
//
//   dense:  node[i]                      sparse: rows[k] ascending, nodes[k]; row i → k by search
//   loops over a row range: `seek(lo)` once, then step k while rows[k] < hi

/** Sparse below this share of rows with a stack: 8 B per stacked row then beats 4 B per row. */
const SPARSE_BELOW_SHARE = 0.5;
/** Stack node ids are below 2^26 (stacks/assemble.ts ID_SPAN). */
const NODE_SPAN = 1 << 26;

export class StackColumn {
  private constructor(
    readonly length: number,
    /** Dense form (undefined when sparse). */
    readonly dense: Int32Array | undefined,
    /** Sparse form: row indices ascending and their nodes. */
    readonly rows: Int32Array,
    readonly nodes: Int32Array,
  ) {}

  /** From a dense column (−1 = none), kept dense or made sparse by how many rows have a stack. */
  static of(dense: Int32Array): StackColumn {
    let stacked = 0;
    for (let i = 0; i < dense.length; i++) if (dense[i]! >= 0) stacked++;
    if (stacked >= SPARSE_BELOW_SHARE * dense.length)
      return new StackColumn(dense.length, dense, new Int32Array(0), new Int32Array(0));
    const rows = new Int32Array(stacked);
    const nodes = new Int32Array(stacked);
    for (let i = 0, k = 0; i < dense.length; i++)
      if (dense[i]! >= 0) {
        rows[k] = i;
        nodes[k++] = dense[i]!;
      }
    return new StackColumn(dense.length, undefined, rows, nodes);
  }

  /** From the rows that have a stack (any order) and their nodes: sparse unless most rows do. */
  static fromRows(length: number, rows: readonly number[], nodes: readonly number[]): StackColumn {
    if (rows.length >= SPARSE_BELOW_SHARE * length) {
      const dense = new Int32Array(length).fill(-1);
      for (let k = 0; k < rows.length; k++) dense[rows[k]!] = nodes[k]!;
      return new StackColumn(length, dense, new Int32Array(0), new Int32Array(0));
    }
    const sortedRows = new Int32Array(rows.length);
    const sortedNodes = new Int32Array(rows.length);
    let sorted = true;
    for (let k = 1; k < rows.length && sorted; k++) if (rows[k]! < rows[k - 1]!) sorted = false;
    if (sorted) {
      sortedRows.set(rows);
      sortedNodes.set(nodes);
    } else {
      // Rows are unique and < 2^27, nodes < 2^26: row · 2^26 + node is exact, and a plain numeric
      // typed-array sort (no comparator) orders by row.
      const keys = Float64Array.from(rows, (row, k) => row * NODE_SPAN + nodes[k]!).sort();
      for (let k = 0; k < keys.length; k++) {
        const row = Math.floor(keys[k]! / NODE_SPAN);
        sortedRows[k] = row;
        sortedNodes[k] = keys[k]! - row * NODE_SPAN;
      }
    }
    return new StackColumn(length, undefined, sortedRows, sortedNodes);
  }

  /** Rows with a stack. */
  get stackedRows(): number {
    if (this.dense === undefined) return this.rows.length;
    let n = 0;
    for (let i = 0; i < this.dense.length; i++) if (this.dense[i]! >= 0) n++;
    return n;
  }

  get byteLength(): number {
    return (this.dense?.byteLength ?? 0) + this.rows.byteLength + this.nodes.byteLength;
  }

  /** Node of row i (−1: none). A search when sparse: loops over ranges use `seek` instead. */
  at(i: number): number {
    if (this.dense !== undefined) return this.dense[i]!;
    const k = this.seek(i);
    return k < this.rows.length && this.rows[k] === i ? this.nodes[k]! : -1;
  }

  /** Sparse: the first index k with rows[k] ≥ row. */
  seek(row: number): number {
    const rows = this.rows;
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]! < row) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
