// Stack columns: the same node for every row whether kept dense or sparse.
import { describe, expect, it } from 'vitest';
import { StackColumn } from './stack-column.js';

describe('StackColumn', () => {
  it('is sparse when few rows have a stack, dense when most do, and answers every row alike', () => {
    const few = Int32Array.from({ length: 1000 }, (_, i) => (i % 7 === 3 ? i * 2 : -1));
    const most = Int32Array.from({ length: 1000 }, (_, i) => (i % 7 === 3 ? -1 : i));
    const sparse = StackColumn.of(few);
    const dense = StackColumn.of(most);
    expect(sparse.dense).toBeUndefined();
    expect(dense.dense).toBeDefined();
    expect(sparse.byteLength).toBeLessThan(few.byteLength);
    for (let i = 0; i < 1000; i++) {
      expect(sparse.at(i)).toBe(few[i]);
      expect(dense.at(i)).toBe(most[i]);
    }
    expect(sparse.stackedRows).toBe(143);
    expect(sparse.seek(4)).toBe(1);
    expect(sparse.rows[sparse.seek(10)]).toBe(10);
  });
});
