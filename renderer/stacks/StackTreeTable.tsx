// The stack tree as a table (WPA's Stack column): one virtualized row per visible node, indented,
// the Stack column left of the gold bar and Count, Weight (ms) and % of the view right of it.
// Used for the call tree, the bottom-up view and both halves of the butterfly.
//
//   StackResult.tree + store expanded paths ──flattenStackTree──> rows ──useVirtualizer──> DOM
//   click / → ← Enter: expand, collapse · * or the toolbar: expand the heaviest path · B: butterfly
//   right-click: Butterfly on this function · Expand heaviest path · Copy stack · Copy visible rows
//   "(+N more)": growStackNodes (the panel asks again with a larger maxNodes, bounded)

import { treeNavigationKey } from '../tables/tree-keys.js';
import {
  useEffect,
  useMemo,
  useRef,
  useState,
  type KeyboardEvent as ReactKeyboardEvent,
  type ReactNode,
} from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { StackResult, StackTreeNode } from '../../shared/contract.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import type { StackPreset } from '../state/stack-presets.js';
import { MAX_STACK_NODES } from '../state/stacks-slice.js';
import { useApp } from '../state/store.js';
import { COLUMN_LABELS } from '../components/column-labels.js';
import {
  flattenStackTree,
  frameName,
  heaviestPath,
  isFunctionNode,
  nodesOnPath,
  parentPath,
  type StackRow,
} from './stack-tree.js';
import { useDismiss } from '../components/use-dismiss.js';

/** Row height in px: one line of 13 px text with padding; the virtualizer needs it fixed. */
const ROW_HEIGHT = 22;
/** Rows rendered beyond the visible ones, so fast scrolling doesn't show blank space. */
const OVERSCAN_ROWS = 16;
/** Indent per stack level: deep stacks (30+ frames) still leave room for the names. */
const INDENT_PX = 14;
/** Room the context menu needs (5 items): it opens up/left near the window edges. */
const CONTEXT_MENU_HEIGHT = 170;
const CONTEXT_MENU_WIDTH = 420;

function FrameLabel({ row }: { row: StackRow }) {
  if (row.kind === 'more') {
    return <span className="frame-more">{row.name}</span>;
  }
  if (row.kind === 'itself' || row.kind === 'no-stack') {
    return <span className="frame-special">{row.name}</span>;
  }
  if (row.kind === 'group') {
    return <span className="frame-group">{row.name}</span>;
  }
  const { module, fn } = frameName(row.node!);
  if (fn === '') {
    return <span className="frame-fn">{module}</span>;
  }
  return fn.startsWith('+0x') ? (
    <span className="frame-unresolved">
      {module}
      {fn}
    </span>
  ) : (
    <>
      <span className="frame-module">{module}!</span>
      <span className="frame-fn">{fn}</span>
    </>
  );
}

export interface StackTreeTableProps {
  readonly treeKey: string;
  readonly result: StackResult | undefined;
  readonly loading: boolean;
  readonly preset: StackPreset;
  /** Shown above the header (the butterfly halves). */
  readonly title?: ReactNode;
  /** Paths open while the store holds nothing for this tree (the butterfly: its function). */
  readonly defaultExpanded?: readonly string[];
  /** What % is a share of (default: the tree's root). */
  readonly viewWeightMs?: number;
  /** What the key column is called (default: the preset's groups › Stack). */
  readonly keyLabel?: string;
  /** The total row's words (default: every row of the range and filters). */
  readonly totalLabel?: string;
  readonly testId: string;
  readonly emptyText?: string;
}

interface MenuState {
  readonly x: number;
  readonly y: number;
  readonly row: StackRow;
}

export function StackTreeTable(props: StackTreeTableProps) {
  const { treeKey, result, loading, preset } = props;
  const stored = useApp((s) => s.stackExpanded[treeKey]);
  const toggle = useApp((s) => s.toggleStackExpanded);
  const expandPaths = useApp((s) => s.expandStackPaths);
  const setFocus = useApp((s) => s.setStackFocus);
  const grow = useApp((s) => s.growStackNodes);
  const maxNodes = useApp((s) => s.stackMaxNodes);
  const reveal = useApp((s) => s.stackReveal);
  const clearReveal = useApp((s) => s.clearStackReveal);
  const revealPath = useApp((s) => s.revealStackPath);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [menu, setMenu] = useState<MenuState | undefined>(undefined);
  const scroller = useRef<HTMLDivElement>(null);
  const expandedList = stored ?? props.defaultExpanded ?? [];
  const expanded = useMemo(() => new Set(expandedList), [expandedList]);
  const tree = result?.tree;
  const rows = useMemo(() => (tree !== undefined ? flattenStackTree(tree, expanded) : []), [tree, expanded]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN_ROWS,
  });
  const viewWeight = props.viewWeightMs ?? tree?.weightMs ?? 0;
  const viewSamples = tree?.samples ?? 0;
  const share = (node: StackTreeNode) =>
    viewWeight > 0
      ? (node.weightMs / viewWeight) * 100
      : viewSamples > 0
        ? (node.samples / viewSamples) * 100
        : 0;

  // "Show stacks" from a pivot row: select and scroll to it once it is in the rows.
  useEffect(() => {
    if (reveal === undefined || reveal.treeKey !== treeKey || result === undefined) {
      return;
    }
    const index = rows.findIndex((r) => r.path === reveal.path);
    if (index >= 0) {
      setSelected(reveal.path);
      virtualizer.scrollToIndex(index, { align: 'center' });
      scroller.current?.focus({ preventScroll: true });
    } else if (loading) {
      return; // the answer on screen may be the previous query's: wait for this one
    }
    clearReveal();
  }, [reveal, treeKey, result, loading, rows, virtualizer, clearReveal]);

  useDismiss(menu !== undefined, () => setMenu(undefined));

  const expandHeaviest = (from: string | undefined) => {
    if (tree === undefined) {
      return;
    }
    const paths = heaviestPath(tree, from ?? '');
    expandPaths(treeKey, stored === undefined ? [...(props.defaultExpanded ?? []), ...paths] : paths);
    const last = paths[paths.length - 1];
    if (last !== undefined) {
      revealPath(treeKey, last); // selected and scrolled to once the rows include it
    }
  };
  const toggleRow = (row: StackRow) => {
    if (!row.expandable) {
      return;
    }
    if (stored === undefined && props.defaultExpanded !== undefined) {
      // First change of a defaulted tree: keep the defaults, then toggle.
      expandPaths(treeKey, props.defaultExpanded);
    }
    toggle(treeKey, row.path);
  };
  const activate = (row: StackRow) => {
    setSelected(row.path);
    if (row.kind === 'more') {
      if (maxNodes < MAX_STACK_NODES) {
        grow();
      }
      return;
    }
    toggleRow(row);
  };
  const stackText = (row: StackRow): string =>
    tree === undefined
      ? ''
      : nodesOnPath(tree, row.path)
          .map((n) => n.name)
          .join('\n');
  const rowsText = (): string =>
    [
      ['Stack', preset.countLabel, preset.weightLabel, '% of view'].join('\t'),
      ...rows
        .filter((r) => r.node !== undefined)
        .map((r) =>
          [
            `${'  '.repeat(r.depth)}${r.name}`,
            r.node!.samples,
            r.node!.weightMs.toFixed(3),
            share(r.node!).toFixed(2),
          ].join('\t'),
        ),
    ].join('\n');

  const onKeyDown = (event: ReactKeyboardEvent) => {
    const row = rows.find((r) => r.path === selected);
    const moved = treeNavigationKey(event.key, rows, selected, {
      select: (index) => {
        setSelected(rows[index]!.path);
        virtualizer.scrollToIndex(index);
      },
      toggle: toggleRow,
      parentPath: (r) => parentPath(r.path),
      pageRows: Math.floor((scroller.current?.clientHeight ?? 0) / ROW_HEIGHT) - 1,
    });
    if (moved) {
      event.preventDefault();
      event.stopPropagation();
      return;
    }
    switch (event.key) {
      case 'Enter':
        if (row !== undefined) {
          activate(row);
        }
        break;
      case '*':
        expandHeaviest(row?.path);
        break;
      case 'b':
      case 'B':
        if (isFunctionNode(row?.node)) {
          setFocus(row!.node!.name);
        }
        break;
      default:
        return;
    }
    event.preventDefault();
    event.stopPropagation(); // Enter here is not "zoom to selection"
  };

  const template = 'minmax(260px, 1fr) 6px minmax(64px, 86px) minmax(84px, 110px) minmax(96px, 130px)';
  const groupLabel = preset.groupBy.map((c) => COLUMN_LABELS[c]).join(' › ');
  const keyLabel = props.keyLabel ?? (groupLabel !== '' ? `${groupLabel} › Stack` : 'Stack');
  const heldNodes = useMemo(() => (tree !== undefined ? countNodes(tree) : 0), [tree]);
  const omittedTotal = result !== undefined ? Math.max(0, result.totalNodes - heldNodes) : 0;

  return (
    <div className="stack-tree" data-testid={props.testId} data-tree-key={treeKey} data-rows={rows.length}>
      {props.title !== undefined && <div className="stack-tree-title">{props.title}</div>}
      <div className="pivot-head stack-head" style={{ gridTemplateColumns: template }}>
        <span className="th th-key">{keyLabel}</span>
        <span className="stack-gold" title="Columns left of the gold bar group the rows" />
        <span className="th num" title={preset.table === 'dpcIsr' ? 'DPC/ISR events' : 'CPU samples'}>
          {preset.countLabel}
        </span>
        <span className="th num">{preset.weightLabel}</span>
        <span className="th num">% of view</span>
      </div>
      {tree !== undefined && (
        <div className="pivot-row total" style={{ gridTemplateColumns: template }} data-testid="stack-total">
          <span className="cell-key">
            {props.totalLabel ?? 'All (range and filters)'}
            {result!.rowsWithoutStack > 0 && (
              <span
                className="muted stack-nostack-note"
                title="Rows without a stack walk sit under <no stack>"
              >
                · {formatCount(result!.rowsWithoutStack)} without a stack
              </span>
            )}
          </span>
          <span className="stack-gold" />
          <span className="num" data-col="count" data-value={tree.samples}>
            {formatCount(tree.samples)}
          </span>
          <span className="num" data-col="weight" data-value={tree.weightMs}>
            {formatMs(tree.weightMs)}
          </span>
          <span className="num" data-col="percent">
            {formatPercent(viewWeight > 0 ? (tree.weightMs / viewWeight) * 100 : 100)}
          </span>
        </div>
      )}
      <div
        className="pivot-body stack-body"
        ref={scroller}
        tabIndex={0}
        role="treegrid"
        aria-label={typeof props.title === 'string' ? props.title : 'Stack tree'}
        onKeyDown={onKeyDown}
        data-testid={`${props.testId}-body`}
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index]!;
            const node = row.node;
            const pct = node !== undefined ? share(node) : 0;
            return (
              <div
                key={row.path}
                className={`pivot-row stack-row kind-${row.kind}${selected === row.path ? ' selected' : ''}`}
                style={{
                  gridTemplateColumns: template,
                  transform: `translateY(${item.start}px)`,
                  height: ROW_HEIGHT,
                }}
                onClick={() => activate(row)}
                onDoubleClick={() => isFunctionNode(node) && setFocus(node.name)}
                onContextMenu={(event) => {
                  if (node === undefined) {
                    return;
                  }
                  event.preventDefault();
                  setSelected(row.path);
                  setMenu({ x: event.clientX, y: event.clientY, row });
                }}
                data-testid="stack-row"
                data-depth={row.depth}
                data-name={row.name}
                data-kind={row.kind}
                data-expanded={row.expanded ? 'true' : 'false'}
              >
                <span
                  className="cell-key"
                  style={{ paddingLeft: 6 + row.depth * INDENT_PX }}
                  title={row.name}
                >
                  <span className="expander">{row.expandable ? (row.expanded ? '▾' : '▸') : ''}</span>
                  <FrameLabel row={row} />
                </span>
                <span className="stack-gold" />
                {node !== undefined ? (
                  <>
                    <span className="num" data-col="count" data-value={node.samples}>
                      {formatCount(node.samples)}
                    </span>
                    <span className="num" data-col="weight" data-value={node.weightMs}>
                      {formatMs(node.weightMs)}
                    </span>
                    <span className="num share-cell" data-col="percent" data-value={pct}>
                      <span className="share-track" aria-hidden="true">
                        <span className="share-bar" style={{ width: `${Math.min(100, pct).toFixed(1)}%` }} />
                      </span>
                      <span className="share-text">{formatPercent(pct)}</span>
                    </span>
                  </>
                ) : (
                  <span className="more-hint" style={{ gridColumn: '3 / span 3' }}>
                    {maxNodes < MAX_STACK_NODES
                      ? 'click to ask for more'
                      : `the view is at its ${formatCount(MAX_STACK_NODES)}-node limit: narrow the range or filters`}
                  </span>
                )}
              </div>
            );
          })}
        </div>
        {tree !== undefined && rows.length === 0 && (
          <div className="pivot-empty">{props.emptyText ?? 'No rows in the visible range and filters.'}</div>
        )}
        {tree === undefined && <div className="pivot-empty">{loading ? 'Computing stacks…' : ''}</div>}
      </div>
      {loading && tree !== undefined && <div className="pivot-updating">Updating…</div>}
      {tree !== undefined && selected !== undefined && (
        <div
          className="stack-selection muted"
          data-testid={`${props.testId}-selection`}
          title="The selected row's stack"
        >
          {nodesOnPath(tree, selected)
            .map((n) => n.name)
            .join(' › ')}
        </div>
      )}
      {omittedTotal > 0 && maxNodes >= MAX_STACK_NODES && (
        <div className="stack-limit-note muted">
          Showing the heaviest {formatCount(heldNodes)} of {formatCount(result!.totalNodes)} nodes.
        </div>
      )}
      {menu !== undefined && (
        <div
          className="context-menu"
          style={{
            left: Math.min(menu.x, globalThis.innerWidth - CONTEXT_MENU_WIDTH),
            top: Math.min(menu.y, globalThis.innerHeight - CONTEXT_MENU_HEIGHT),
          }}
          role="menu"
          data-testid="stack-context-menu"
        >
          {isFunctionNode(menu.row.node) && (
            <button type="button" role="menuitem" onClick={() => setFocus(menu.row.node!.name)}>
              Butterfly: callers and callees of {menu.row.name}
            </button>
          )}
          <button type="button" role="menuitem" onClick={() => expandHeaviest(menu.row.path)}>
            Expand heaviest path
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() => void navigator.clipboard?.writeText(stackText(menu.row))}
          >
            Copy stack
          </button>
          <button
            type="button"
            role="menuitem"
            onClick={() => void navigator.clipboard?.writeText(rowsText())}
          >
            Copy visible rows
          </button>
        </div>
      )}
    </div>
  );
}

/** Nodes the result holds (it may hold fewer than totalNodes). */
function countNodes(node: StackTreeNode): number {
  let n = 1;
  for (const child of node.children ?? []) {
    n += countNodes(child);
  }
  return n;
}
