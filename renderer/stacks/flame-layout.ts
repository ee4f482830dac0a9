// Pure layout of the flame graph (icicle: the root on top, callees below, as in the call tree) from
// a top-down stack tree: one rectangle per node, its width its share of the weight, children left
// to right heaviest first, a frame's own time (`<itself>`) left as the gap after its children.
// Zoomed on a frame, that frame spans the width and its ancestors sit above it full width (click
// one to zoom out). Rectangles narrower than `minWidth` are dropped with their subtrees, so the
// canvas never draws more than the pixels can show. Typed arrays per rectangle.
//
//   StackTreeNode ──layoutFlame(zoom, minWidth)──> FlameRects ──FlameGraph.tsx draws / hit-tests

import type { StackTreeNode } from '../../shared/contract.js';
import { PATH_SEPARATOR } from '../state/slices.js';
import { childSegments, joinPath, nodesOnPath } from './stack-tree.js';

export interface FlameRects {
  readonly count: number;
  /** Left and right edge as fractions of the width (0..1). */
  readonly x0: Float64Array;
  readonly x1: Float64Array;
  /** Row: 0 = the root ('all'). */
  readonly depth: Int32Array;
  readonly nodes: readonly StackTreeNode[];
  /** Tree path of each rectangle ('' = the root), as stack-tree.ts names them. */
  readonly paths: readonly string[];
  /** Deepest row drawn + 1. */
  readonly rows: number;
  /** The zoomed frame's row (0 when not zoomed). */
  readonly zoomDepth: number;
  /** The zoomed frame's path ('' when not zoomed or the zoom no longer resolves). */
  readonly zoomPath: string;
  /** What the widths are shares of: the zoomed frame's weight (or samples when weights are 0). */
  readonly total: number;
  /** Weights are samples (the tree's weights are all 0). */
  readonly bySamples: boolean;
}

/** Rectangles at most: beyond this the canvas would only repaint the same pixels. */
const MAX_RECTS = 200_000;

export function layoutFlame(
  tree: StackTreeNode,
  options: { zoom?: string | undefined; minWidth?: number } = {},
): FlameRects {
  const minWidth = options.minWidth ?? 0;
  const bySamples = tree.weightMs <= 0;
  const weight = (node: StackTreeNode) => (bySamples ? node.samples : node.weightMs);
  const zoomSegments =
    options.zoom !== undefined && options.zoom !== '' ? options.zoom.split(PATH_SEPARATOR) : [];
  const chain = zoomSegments.length > 0 ? nodesOnPath(tree, options.zoom!) : [];
  // A zoom that no longer resolves (names changed after a symbol load) shows the whole view.
  const zoomPath = chain.length > 0 && chain.length === zoomSegments.length ? options.zoom! : '';
  const ancestors = zoomPath === '' ? [] : chain;
  const x0: number[] = [];
  const x1: number[] = [];
  const depth: number[] = [];
  const nodes: StackTreeNode[] = [];
  const paths: string[] = [];
  let rows = 0;
  const push = (node: StackTreeNode, path: string, left: number, right: number, d: number) => {
    x0.push(left);
    x1.push(right);
    depth.push(d);
    nodes.push(node);
    paths.push(path);
    rows = Math.max(rows, d + 1);
  };
  // The root and, when zoomed, each ancestor down to the zoomed frame: full width.
  push(tree, '', 0, 1, 0);
  let path = '';
  for (let i = 0; i < ancestors.length; i++) {
    const segment = zoomSegments[i]!;
    path = joinPath(path, segment);
    push(ancestors[i]!, path, 0, 1, i + 1);
  }
  const top = ancestors.length > 0 ? ancestors[ancestors.length - 1]! : tree;
  const total = weight(top);
  const visit = (node: StackTreeNode, nodePath: string, left: number, d: number) => {
    let x = left;
    for (const { child, segment } of childSegments(node)) {
      if (nodes.length >= MAX_RECTS) {
        return;
      }
      const width = total > 0 ? weight(child) / total : 0;
      if (child.kind === 'itself') {
        continue; // its time is the gap after the siblings
      }
      if (width >= minWidth && width > 0) {
        const childPath = joinPath(nodePath, segment);
        push(child, childPath, x, x + width, d);
        visit(child, childPath, x, d + 1);
      }
      x += width;
    }
  };
  visit(top, zoomPath, 0, ancestors.length + 1);
  return {
    count: nodes.length,
    x0: Float64Array.from(x0),
    x1: Float64Array.from(x1),
    depth: Int32Array.from(depth),
    nodes,
    paths,
    rows,
    zoomDepth: ancestors.length,
    zoomPath,
    total,
    bySamples,
  };
}

/** The rectangle under (x fraction, row), or -1. */
export function flameHit(rects: FlameRects, x: number, row: number): number {
  for (let i = 0; i < rects.count; i++) {
    if (rects.depth[i] === row && x >= rects.x0[i]! && x < rects.x1[i]!) {
      return i;
    }
  }
  return -1;
}

/** A stable hue per module (FNV-1a of its name), so a driver keeps its colour across views. */
export function moduleHue(name: string): number {
  const bang = name.indexOf('!');
  const plus = name.indexOf('+0x');
  const cut = bang > 0 ? bang : plus > 0 ? plus : name.length;
  let hash = 0x811c9dc5;
  for (let i = 0; i < cut; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 360;
}
