// Tree-table keyboard moves, as the pivot and the stack tree use them.
import { describe, expect, it } from 'vitest';
import { treeNavigationKey, type TreeRowLike } from './tree-keys.js';

const rows: TreeRowLike[] = [
  { path: 'a', depth: 0, expandable: true, expanded: true },
  { path: 'a/b', depth: 1, expandable: true, expanded: false },
  { path: 'c', depth: 0, expandable: false, expanded: false },
];

function press(key: string, selected: string | undefined, pageRows?: number) {
  const log: string[] = [];
  const handled = treeNavigationKey(key, rows, selected, {
    select: (i) => log.push(`select ${rows[i]!.path}`),
    toggle: (r) => log.push(`toggle ${r.path}`),
    parentPath: (r) => r.path.split('/').slice(0, -1).join('/'),
    ...(pageRows !== undefined ? { pageRows } : {}),
  });
  return { handled, log };
}

describe('treeNavigationKey', () => {
  it('moves, expands, collapses and steps out; clamps at the ends', () => {
    expect(press('ArrowDown', 'a').log).toEqual(['select a/b']);
    expect(press('ArrowDown', 'c').log).toEqual(['select c']);
    expect(press('ArrowUp', undefined).log).toEqual(['select a']);
    expect(press('End', 'a').log).toEqual(['select c']);
    expect(press('ArrowRight', 'a/b').log).toEqual(['toggle a/b']);
    expect(press('ArrowRight', 'a').log).toEqual(['select a/b']);
    expect(press('ArrowLeft', 'a').log).toEqual(['toggle a']);
    expect(press('ArrowLeft', 'a/b').log).toEqual(['select a']);
    expect(press('PageDown', 'a', 5).log).toEqual(['select c']);
    expect(press('PageDown', 'a').handled).toBe(false);
    expect(press('x', 'a')).toEqual({ handled: false, log: [] });
  });
});
