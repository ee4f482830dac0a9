// Pure helpers over the engine's stack tree (StackResult.tree), shared by the tree table, the
// butterfly and the flame graph:
//   - paths: a node is named by the names from the top level down, joined by PATH_SEPARATOR (a
//     repeated name among siblings gets "#2", "#3"), the key for expansion, selection and zoom;
//   - flattenStackTree: tree + expanded paths → the visible rows (O(visible rows)), with a
//     "(+N more)" row where the result omitted children and no zero-sample nodes;
//   - heaviestPath: the paths to expand to open the heaviest path below a node;
//   - searchStacks: the nodes whose name contains a text, and the samples they cover.

import type { StackTreeNode } from '../../shared/contract.js';
import { PATH_SEPARATOR } from '../state/slices.js';

export type StackRowKind = StackTreeNode['kind'] | 'more';

export interface StackRow {
  /** Path from the top level (see above); the React key, the expansion and selection key. */
  readonly path: string;
  readonly depth: number;
  readonly name: string;
  readonly kind: StackRowKind;
  /** undefined for a "(+N more)" row. */
  readonly node: StackTreeNode | undefined;
  readonly expandable: boolean;
  readonly expanded: boolean;
  /** "(+N more)": children the engine left out (maxNodes / maxDepth). */
  readonly more?: number;
}

/** Rows a tree may flatten to at most: the engine sends ≤ 100,000 nodes, this bounds the rest. */
const MAX_ROWS = 200_000;

const shown = (node: StackTreeNode): boolean => node.samples > 0 || node.weightMs > 0;

/** The children a view shows (zero-sample nodes dropped), each with its path segment. */
export function childSegments(node: StackTreeNode): { child: StackTreeNode; segment: string }[] {
  const seen = new Map<string, number>();
  const out: { child: StackTreeNode; segment: string }[] = [];
  for (const child of node.children ?? []) {
    if (!shown(child)) {
      continue;
    }
    const n = (seen.get(child.name) ?? 0) + 1;
    seen.set(child.name, n);
    out.push({ child, segment: n === 1 ? child.name : `${child.name}#${n}` });
  }
  return out;
}

export const joinPath = (parent: string, segment: string): string =>
  parent === '' ? segment : `${parent}${PATH_SEPARATOR}${segment}`;

/** The parent path ('' for a top-level row). */
export function parentPath(path: string): string {
  const cut = path.lastIndexOf(PATH_SEPARATOR);
  return cut < 0 ? '' : path.slice(0, cut);
}

function hasMore(node: StackTreeNode): boolean {
  return (node.omittedChildren ?? 0) > 0;
}

export function flattenStackTree(tree: StackTreeNode, expanded: ReadonlySet<string>): StackRow[] {
  const rows: StackRow[] = [];
  const visit = (node: StackTreeNode, path: string, depth: number) => {
    for (const { child, segment } of childSegments(node)) {
      if (rows.length >= MAX_ROWS) {
        return;
      }
      const childPath = joinPath(path, segment);
      const expandable = childSegments(child).length > 0 || hasMore(child);
      const isExpanded = expandable && expanded.has(childPath);
      rows.push({
        path: childPath,
        depth,
        name: child.name,
        kind: child.kind,
        node: child,
        expandable,
        expanded: isExpanded,
      });
      if (isExpanded) {
        visit(child, childPath, depth + 1);
      }
    }
    if (hasMore(node)) {
      rows.push({
        path: joinPath(path, '\u0000more'),
        depth,
        name: `(+${node.omittedChildren!.toLocaleString('en-US')} more)`,
        kind: 'more',
        node: undefined,
        expandable: false,
        expanded: false,
        more: node.omittedChildren!,
      });
    }
  };
  visit(tree, '', 0);
  return rows;
}

/** The node at `path` ('' = the root), or undefined once names changed (a symbol load). */
export function nodeAt(tree: StackTreeNode, path: string): StackTreeNode | undefined {
  if (path === '') {
    return tree;
  }
  let node: StackTreeNode | undefined = tree;
  for (const segment of path.split(PATH_SEPARATOR)) {
    node = childSegments(node).find((c) => c.segment === segment)?.child;
    if (node === undefined) {
      return undefined;
    }
  }
  return node;
}

/** The nodes from the top level down to `path` (for breadcrumbs and "Copy stack"). */
export function nodesOnPath(tree: StackTreeNode, path: string): StackTreeNode[] {
  const out: StackTreeNode[] = [];
  if (path === '') {
    return out;
  }
  let node: StackTreeNode | undefined = tree;
  for (const segment of path.split(PATH_SEPARATOR)) {
    node = node === undefined ? undefined : childSegments(node).find((c) => c.segment === segment)?.child;
    if (node === undefined) {
      break;
    }
    out.push(node);
  }
  return out;
}

/**
 * "Expand heaviest path": from the node at `from` ('' = the root's heaviest child), follow the
 * heaviest child (frames and groups) until a leaf, or a node whose own time (`<itself>`, or its
 * `<no stack>` rows) outweighs each callee. Returns every path to expand, the first being `from`
 * itself (when not the root), the last where the path ends.
 */
export function heaviestPath(tree: StackTreeNode, from = ''): string[] {
  const out: string[] = [];
  let node = nodeAt(tree, from);
  let path = from;
  if (path !== '') {
    out.push(path);
  }
  while (node !== undefined) {
    let best: { child: StackTreeNode; segment: string } | undefined;
    let own = 0;
    for (const entry of childSegments(node)) {
      if (entry.child.kind === 'itself' || entry.child.kind === 'no-stack') {
        own = Math.max(own, entry.child.weightMs);
        continue;
      }
      if (best === undefined || entry.child.weightMs > best.child.weightMs) {
        best = entry;
      }
    }
    // The path ends where the time is spent: no callee, or the node's own time outweighs each one.
    if (best === undefined || own > best.child.weightMs) {
      break;
    }
    path = joinPath(path, best.segment);
    out.push(path);
    node = best.child;
  }
  return out;
}

export interface StackSearch {
  /** Nodes whose name contains the text. */
  readonly matches: number;
  /** Samples and weight under matching nodes, nested matches counted once. */
  readonly samples: number;
  readonly weightMs: number;
  /** The heaviest matching node's path (for "go to the first match"). */
  readonly heaviest: string | undefined;
  /** Every matching path. */
  readonly paths: ReadonlySet<string>;
  /** The matching paths, heaviest first ("Find" steps through them). */
  readonly ordered: readonly string[];
}

export function searchStacks(tree: StackTreeNode, text: string): StackSearch {
  const needle = text.trim().toLowerCase();
  const paths = new Set<string>();
  let samples = 0;
  let weightMs = 0;
  let heaviest: { path: string; weight: number } | undefined;
  const weights: { path: string; weight: number }[] = [];
  if (needle === '') {
    return { matches: 0, samples: 0, weightMs: 0, heaviest: undefined, paths, ordered: [] };
  }
  const visit = (node: StackTreeNode, path: string, insideMatch: boolean) => {
    for (const { child, segment } of childSegments(node)) {
      const childPath = joinPath(path, segment);
      const match = child.name.toLowerCase().includes(needle);
      if (match) {
        paths.add(childPath);
        weights.push({ path: childPath, weight: child.weightMs });
        if (!insideMatch) {
          samples += child.samples;
          weightMs += child.weightMs;
        }
        if (heaviest === undefined || child.weightMs > heaviest.weight) {
          heaviest = { path: childPath, weight: child.weightMs };
        }
      }
      visit(child, childPath, insideMatch || match);
    }
  };
  visit(tree, '', false);
  const ordered = weights.sort((a, b) => b.weight - a.weight).map((w) => w.path);
  return { matches: paths.size, samples, weightMs, heaviest: heaviest?.path, paths, ordered };
}

/** The paths to expand so the row at `path` is visible: every proper prefix of it. */
export function ancestorPaths(path: string): string[] {
  const segments = path.split(PATH_SEPARATOR);
  return segments.slice(0, -1).map((_, i) => segments.slice(0, i + 1).join(PATH_SEPARATOR));
}

/** A frame's module and function (`ndis.sys!ndisInterruptDpc`, or `ndis.sys+0x1c2e0` unsymbolized). */
export function frameName(node: StackTreeNode): { module: string; fn: string } {
  const bang = node.name.indexOf('!');
  if (bang > 0) {
    return { module: node.name.slice(0, bang), fn: node.name.slice(bang + 1) };
  }
  const plus = node.name.indexOf('+0x');
  return plus > 0
    ? { module: node.name.slice(0, plus), fn: node.name.slice(plus) }
    : { module: node.name, fn: '' };
}

/** A frame a butterfly can centre on (a code location: not a group, `<itself>` or `<no stack>`). */
export const isFunctionNode = (node: StackTreeNode | undefined): node is StackTreeNode =>
  node !== undefined && node.kind === 'frame';
