// Stack tree helpers on a hand-built tree shaped like the engine's (root 'all' → groups → frames,
// `<itself>`, `<no stack>`, omitted children, a zero-sample group as callers views send them).

import { describe, expect, it } from 'vitest';
import type { StackTreeNode } from '../../shared/contract.js';
import { PATH_SEPARATOR as S } from '../state/slices.js';
import {
  ancestorPaths,
  flattenStackTree,
  frameName,
  heaviestPath,
  nodeAt,
  nodesOnPath,
  parentPath,
  searchStacks,
} from './stack-tree.js';

const n = (
  name: string,
  samples: number,
  children?: StackTreeNode[],
  extra: Partial<StackTreeNode> = {},
): StackTreeNode => ({
  name,
  kind: name.startsWith('<itself') ? 'itself' : name === '<no stack>' ? 'no-stack' : 'frame',
  samples,
  weightMs: samples,
  ...(children !== undefined ? { children } : {}),
  ...extra,
});
const g = (name: string, samples: number, children: StackTreeNode[], extra: Partial<StackTreeNode> = {}) =>
  n(name, samples, children, { kind: 'group', ...extra });

const TREE: StackTreeNode = {
  name: 'all',
  kind: 'root',
  samples: 100,
  weightMs: 100,
  children: [
    g('ndis.sys', 60, [
      n('ntoskrnl.exe!KiIdleLoop', 55, [
        n('ndis.sys!ndisInterruptDpc', 55, [
          n('IDSvia64.sys!InetInspectReceive', 40, [n('ndis.sys!NdisFIndicateReceiveNetBufferLists', 40)]),
          n('ndis.sys!ndisMiniportDpc', 10),
          n('<itself>', 5),
        ]),
      ]),
      n('<no stack>', 5),
    ]),
    g('tcpip.sys', 40, [n('ntoskrnl.exe!KiIdleLoop', 40, [], { omittedChildren: 3 })], {
      omittedChildren: 0,
    }),
    g('ACPI.sys', 0, []),
  ],
  omittedChildren: 2,
};

describe('flattenStackTree', () => {
  it('lists the top level, hides zero-sample nodes and ends with "(+N more)" where children were left out', () => {
    const rows = flattenStackTree(TREE, new Set());
    expect(rows.map((r) => [r.name, r.depth, r.expandable])).toEqual([
      ['ndis.sys', 0, true],
      ['tcpip.sys', 0, true],
      ['(+2 more)', 0, false],
    ]);
    expect(rows[2]).toMatchObject({ kind: 'more', more: 2, node: undefined });
  });

  it('shows the children of expanded paths only, indented', () => {
    const rows = flattenStackTree(
      TREE,
      new Set([
        'ndis.sys',
        `ndis.sys${S}ntoskrnl.exe!KiIdleLoop`,
        'tcpip.sys',
        `tcpip.sys${S}ntoskrnl.exe!KiIdleLoop`,
      ]),
    );
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.name}`)).toEqual([
      'ndis.sys',
      '  ntoskrnl.exe!KiIdleLoop',
      '    ndis.sys!ndisInterruptDpc',
      '  <no stack>',
      'tcpip.sys',
      '  ntoskrnl.exe!KiIdleLoop',
      '    (+3 more)',
      '(+2 more)',
    ]);
    // A frame whose only children were left out can still be opened (to ask for more).
    expect(rows[5]).toMatchObject({ expandable: true, expanded: true });
    expect(rows[3]).toMatchObject({ kind: 'no-stack', expandable: false });
  });

  it('names repeated sibling names apart', () => {
    const tree: StackTreeNode = {
      ...TREE,
      children: [g('x', 2, [n('a!f', 1), n('a!f', 1)])],
      omittedChildren: 0,
    };
    const rows = flattenStackTree(tree, new Set(['x']));
    expect(rows.map((r) => r.path)).toEqual(['x', `x${S}a!f`, `x${S}a!f#2`]);
    expect(nodeAt(tree, `x${S}a!f#2`)).toBe(tree.children![0]!.children![1]);
  });
});

describe('paths, heaviest path, search', () => {
  it('resolves paths, walks them, and finds the parent', () => {
    const path = `ndis.sys${S}ntoskrnl.exe!KiIdleLoop${S}ndis.sys!ndisInterruptDpc`;
    expect(nodeAt(TREE, path)?.samples).toBe(55);
    expect(nodeAt(TREE, `ndis.sys${S}nope`)).toBeUndefined();
    expect(nodeAt(TREE, '')).toBe(TREE);
    expect(nodesOnPath(TREE, path).map((x) => x.name)).toEqual([
      'ndis.sys',
      'ntoskrnl.exe!KiIdleLoop',
      'ndis.sys!ndisInterruptDpc',
    ]);
    expect(parentPath(path)).toBe(`ndis.sys${S}ntoskrnl.exe!KiIdleLoop`);
    expect(parentPath('ndis.sys')).toBe('');
  });

  it('expands the heaviest path from the root or from a row, ending where the own time outweighs the callees', () => {
    expect(heaviestPath(TREE).map((p) => p.split(S).pop())).toEqual([
      'ndis.sys',
      'ntoskrnl.exe!KiIdleLoop',
      'ndis.sys!ndisInterruptDpc',
      'IDSvia64.sys!InetInspectReceive',
      'ndis.sys!NdisFIndicateReceiveNetBufferLists',
    ]);
    expect(heaviestPath(TREE, 'tcpip.sys')).toEqual(['tcpip.sys', `tcpip.sys${S}ntoskrnl.exe!KiIdleLoop`]);
    expect(heaviestPath(TREE, 'gone')).toEqual(['gone']);
    // <itself> (30) outweighs the only callee (20): the time is spent in the frame, the path ends there.
    const own: StackTreeNode = {
      ...TREE,
      children: [g('m', 50, [n('a!f', 50, [n('a!g', 20), n('<itself>', 30)])])],
      omittedChildren: 0,
    };
    expect(heaviestPath(own)).toEqual(['m', `m${S}a!f`]);
  });

  it('counts the samples under matches once, nested matches included', () => {
    const found = searchStacks(TREE, 'NDIS.sys!');
    expect(found.matches).toBe(3);
    expect(found.samples).toBe(55); // ndisInterruptDpc; the two ndis frames below it are inside it
    expect(found.heaviest).toBe(`ndis.sys${S}ntoskrnl.exe!KiIdleLoop${S}ndis.sys!ndisInterruptDpc`);
    expect(found.ordered.map((p) => p.split(S).pop())).toEqual([
      'ndis.sys!ndisInterruptDpc',
      'ndis.sys!NdisFIndicateReceiveNetBufferLists',
      'ndis.sys!ndisMiniportDpc',
    ]);
    expect(ancestorPaths(found.ordered[1]!)).toEqual([
      'ndis.sys',
      `ndis.sys${S}ntoskrnl.exe!KiIdleLoop`,
      `ndis.sys${S}ntoskrnl.exe!KiIdleLoop${S}ndis.sys!ndisInterruptDpc`,
      `ndis.sys${S}ntoskrnl.exe!KiIdleLoop${S}ndis.sys!ndisInterruptDpc${S}IDSvia64.sys!InetInspectReceive`,
    ]);
    expect(searchStacks(TREE, '  ').matches).toBe(0);
    expect(searchStacks(TREE, 'KiIdleLoop').samples).toBe(95);
  });

  it('splits frame names into module and function', () => {
    expect(frameName(n('ndis.sys!ndisInterruptDpc', 1))).toEqual({
      module: 'ndis.sys',
      fn: 'ndisInterruptDpc',
    });
    expect(frameName(n('ndis.sys+0x1c2e0', 1))).toEqual({ module: 'ndis.sys', fn: '+0x1c2e0' });
    expect(frameName(n('<no stack>', 1))).toEqual({ module: '<no stack>', fn: '' });
  });
});
