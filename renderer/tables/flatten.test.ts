import { describe, expect, it } from 'vitest';
import type { Aggregates, PivotNode } from '../../shared/contract.js';
import { PATH_SEPARATOR } from '../state/slices.js';
import { flattenPivot, rowsToText } from './flatten.js';

const agg = (count: number): Aggregates => ({
  count,
  totalMs: count / 10,
  minUs: 1,
  maxUs: 300,
  avgUs: 220,
  p50Us: 200,
  p90Us: 250,
  p99Us: 290,
  overBudget: count - 1,
  percent: 1,
});

const tree: PivotNode[] = [
  {
    key: 'ndis.sys',
    aggregates: agg(100),
    children: [
      { key: 'ndisInterruptDpc', aggregates: agg(90) },
      { key: 'ndis.sys+0x1200', aggregates: agg(10) },
    ],
    omittedChildren: 3,
  },
  {
    key: 'storport.sys',
    aggregates: agg(5),
    children: [{ key: 'RaidpAdapterDpcRoutine', aggregates: agg(5) }],
  },
];

describe('flattenPivot', () => {
  it('shows only top-level rows until a group is expanded', () => {
    const rows = flattenPivot(tree, ['module', 'function'], new Set());
    expect(rows.map((r) => r.key)).toEqual(['ndis.sys', 'storport.sys']);
    expect(rows.every((r) => r.expandable && !r.expanded)).toBe(true);
  });

  it('lists an expanded group’s children (and the omitted count) under it', () => {
    const rows = flattenPivot(tree, ['module', 'function'], new Set(['ndis.sys']));
    expect(rows.map((r) => [r.depth, r.key])).toEqual([
      [0, 'ndis.sys'],
      [1, 'ndisInterruptDpc'],
      [1, 'ndis.sys+0x1200'],
      [1, '… 3 more'],
      [0, 'storport.sys'],
    ]);
    expect(rows[1].path).toBe(`ndis.sys${PATH_SEPARATOR}ndisInterruptDpc`);
    expect(rows[1].column).toBe('function');
    expect(rows[1].expandable).toBe(false);
  });

  it('copies visible rows as tab-separated text', () => {
    const text = rowsToText(
      flattenPivot(tree, ['module', 'function'], new Set(['storport.sys'])),
      ['module', 'function'],
      ['count', 'avgUs'],
    );
    expect(text.split('\n')).toEqual([
      'module > function\tcount\tavgUs',
      'ndis.sys\t100\t220',
      'storport.sys\t5\t220',
      '  RaidpAdapterDpcRoutine\t5\t220',
    ]);
  });

  it('opens a leaf group into one events row when leaf events are on (the DPC/ISR table)', () => {
    const node = (key: string, count: number) => ({
      key,
      aggregates: {
        count,
        totalMs: 1,
        minUs: 1,
        maxUs: 1,
        avgUs: 1,
        p50Us: 1,
        p90Us: 1,
        p99Us: 1,
        overBudget: 0,
        percent: 1,
      },
    });
    const rows = [node('a.sys', 3), node('b.sys', 0)];
    const closed = flattenPivot(rows, ['module'], new Set(), 0, true);
    expect(closed.map((r) => r.expandable)).toEqual([true, false]);
    const open = flattenPivot(rows, ['module'], new Set(['a.sys']), 0, true);
    expect(open.map((r) => r.events)).toEqual([undefined, 3, undefined]);
    expect(open[1]!.keys).toEqual(['a.sys']);
    expect(flattenPivot(rows, ['module'], new Set(['a.sys'])).length).toBe(2);
  });
});
