// Pure logic of the Threads area: thread labels (names, not bare TIDs), the CPU Usage (Precise)
// pivot flattened into visible rows, the thread timeline's lane layout (process headers that
// collapse, one lane per thread) with its hit test, and the "who delayed my thread" summaries.
// No React, no store: the components in this folder call these and draw.

import type {
  SchedFilter,
  SwitchAggregates,
  SwitchColumn,
  SwitchPivotNode,
  SwitchRow,
  ThreadDelaysResult,
  ThreadInterval,
  ThreadLane,
} from '../../shared/contract.js';
import { SWITCH_COLUMN_TITLES } from '../../shared/contract.js';
import { traceNs } from '../../shared/units.js';

/** Joins pivot keys into a path (a character no key contains), as the other pivots do. */
export const THREAD_PATH_SEPARATOR = '\u001f';

/** What a thread is called on screen: "ShellUI (2208)", or "TID 2208" when it has no name. */
export interface ThreadNames {
  readonly get: (tid: number) => string | undefined;
}

export function threadNames(rows: readonly { threadId: number; threadName: string }[]): ThreadNames {
  const map = new Map<number, string>();
  for (const r of rows) if (r.threadName !== '' && !map.has(r.threadId)) map.set(r.threadId, r.threadName);
  return { get: (tid) => map.get(tid) };
}

export function threadLabel(tid: number, names: ThreadNames, name?: string): string {
  if (tid === 0) return 'Idle (0)';
  const n = name !== undefined && name !== '' ? name : names.get(tid);
  return n !== undefined ? `${n} (${tid})` : `TID ${tid}`;
}

/** Who readied a thread, in words: "ShellUI (2208)", "a DPC" (a DPC runs on whatever thread the
 *  CPU had, often the idle thread, which readied nothing itself), "a DPC during svchost (1340)". */
export function readierText(tid: number | null, fromDpc: boolean, names: ThreadNames): string {
  if (!fromDpc) return tid === null ? '—' : threadLabel(tid, names);
  return tid === null || tid === 0 ? 'a DPC' : `a DPC during ${threadLabel(tid, names)}`;
}

/** A pivot key as shown: thread id columns get the thread's name, CPUs "CPU n", empty "(none)". */
export function switchKeyLabel(column: SwitchColumn, key: string, names: ThreadNames): string {
  if (key === '') return '(none)';
  if (
    (column === 'newThreadId' || column === 'oldThreadId' || column === 'readyingThreadId') &&
    /^\d+$/.test(key)
  )
    return threadLabel(Number(key), names);
  if ((column === 'cpu' || column === 'idealCpu') && /^\d+$/.test(key)) return `CPU ${key}`;
  return key;
}

export interface SwitchFlatRow {
  readonly path: string;
  readonly keys: readonly string[];
  readonly depth: number;
  readonly column: SwitchColumn;
  readonly key: string;
  readonly aggregates: SwitchAggregates;
  readonly expandable: boolean;
  readonly expanded: boolean;
  /** A leaf group (every grouped column fixed): opens into its individual switch rows. */
  readonly leaf: boolean;
  /** The row holds the opened switch rows of its parent (count = rows to show). */
  readonly switches?: number;
  /** "(+N more)" of a level the engine cut. */
  readonly omitted?: number;
}

/** Pivot tree + expanded paths → the rows to show, depth first; an expanded leaf group is
 *  followed by one row that holds its individual context switches. */
export function flattenSwitchPivot(
  nodes: readonly SwitchPivotNode[],
  groupBy: readonly SwitchColumn[],
  expanded: ReadonlySet<string>,
  omittedRows = 0,
): SwitchFlatRow[] {
  const out: SwitchFlatRow[] = [];
  const walk = (level: readonly SwitchPivotNode[], keys: readonly string[], omitted: number) => {
    const depth = keys.length;
    const column = groupBy[depth]!;
    for (const node of level) {
      const k = [...keys, node.key];
      const path = k.join(THREAD_PATH_SEPARATOR);
      const leaf = depth === groupBy.length - 1;
      const hasChildren = (node.children?.length ?? 0) > 0;
      const isOpen = expanded.has(path);
      out.push({
        path,
        keys: k,
        depth,
        column,
        key: node.key,
        aggregates: node.aggregates,
        expandable: hasChildren || leaf,
        expanded: isOpen,
        leaf,
      });
      if (!isOpen) continue;
      if (leaf) {
        out.push({
          path: `${path}${THREAD_PATH_SEPARATOR}#switches`,
          keys: k,
          depth: depth + 1,
          column,
          key: '',
          aggregates: node.aggregates,
          expandable: false,
          expanded: false,
          leaf: false,
          switches: node.aggregates.count,
        });
      } else if (node.children !== undefined) {
        walk(node.children, k, node.omittedChildren ?? 0);
      }
    }
    if (omitted > 0) {
      out.push({
        path: `${keys.join(THREAD_PATH_SEPARATOR)}${THREAD_PATH_SEPARATOR}#more`,
        keys,
        depth,
        column,
        key: `(+${omitted} more)`,
        aggregates: { count: 0, cpuUsageMs: 0, readyUsSum: 0, readyUsAvg: 0, readyUsMax: 0, waitsUsSum: 0 },
        expandable: false,
        expanded: false,
        leaf: false,
        omitted,
      });
    }
  };
  if (groupBy.length > 0) walk(nodes, [], omittedRows);
  return out;
}

/** The SchedFilter pieces a pivot path fixes (a thread id, a process name, a CPU), for switchRows. */
export function pathFilter(
  groupBy: readonly SwitchColumn[],
  keys: readonly string[],
): { threadIds?: number[]; cpus?: number[]; process?: string; rest: [SwitchColumn, string][] } {
  const out: { threadIds?: number[]; cpus?: number[]; process?: string; rest: [SwitchColumn, string][] } = {
    rest: [],
  };
  keys.forEach((key, depth) => {
    const column = groupBy[depth]!;
    if (column === 'newThreadId' && /^\d+$/.test(key)) out.threadIds = [Number(key)];
    else if (column === 'cpu' && /^\d+$/.test(key)) out.cpus = [Number(key)];
    else if (column === 'newProcess') out.process = key.replace(/ \(\d+\)$/, '');
    else out.rest.push([column, key]);
  });
  return out;
}

/** Whether a switch row belongs under a pivot path (the columns the engine filter could not fix). */
export function rowMatches(row: SwitchRow, rest: readonly [SwitchColumn, string][]): boolean {
  return rest.every(([column, key]) => switchRowKey(row, column) === key);
}

/** The engine's text key of a row for a column (electron/engine/sched/queries.ts columnKey). */
export function switchRowKey(row: SwitchRow, column: SwitchColumn): string {
  switch (column) {
    case 'readiedFromDpc':
      return row.readiedFromDpc ? 'True' : 'False';
    case 'readyingProcess':
      return row.readyingProcess ?? '';
    case 'readyingThreadId':
      return row.readyingThreadId === null ? '' : String(row.readyingThreadId);
    default:
      return String(row[column]);
  }
}

/** The individual switch rows' columns, WPA's names. */
export const SWITCH_ROW_COLUMNS = [
  { id: 'newProcess', label: 'New Process' },
  { id: 'newThreadId', label: 'New Thread Id' },
  { id: 'newThreadName', label: 'New Thread Name' },
  { id: 'cpu', label: 'CPU' },
  { id: 'switchIn', label: 'Switch-In Time (s)' },
  { id: 'lastOut', label: 'Last Switch-Out Time (s)' },
  { id: 'nextOut', label: 'Next Switch-Out Time (s)' },
  { id: 'cpuUsage', label: 'CPU Usage (ms)' },
  { id: 'ready', label: 'Ready (µs)' },
  { id: 'waits', label: 'Waits (µs)' },
  { id: 'newInPri', label: SWITCH_COLUMN_TITLES.newInPri },
  { id: 'oldProcess', label: SWITCH_COLUMN_TITLES.oldProcess },
  { id: 'oldThreadId', label: SWITCH_COLUMN_TITLES.oldThreadId },
  { id: 'oldState', label: SWITCH_COLUMN_TITLES.oldState },
  { id: 'oldWaitReason', label: SWITCH_COLUMN_TITLES.oldWaitReason },
  { id: 'readyingProcess', label: SWITCH_COLUMN_TITLES.readyingProcess },
  { id: 'readyingThreadId', label: SWITCH_COLUMN_TITLES.readyingThreadId },
  { id: 'readiedFromDpc', label: SWITCH_COLUMN_TITLES.readiedFromDpc },
] as const;
export type SwitchRowColumnId = (typeof SWITCH_ROW_COLUMNS)[number]['id'];

const seconds = (ns: number | null) => (ns === null ? '' : (ns / 1e9).toFixed(9));
const fixed = (v: number | null, digits: number) => (v === null ? '' : v.toFixed(digits));

export function switchRowCell(row: SwitchRow, column: SwitchRowColumnId): string {
  switch (column) {
    case 'switchIn':
      return seconds(row.switchInNs);
    case 'lastOut':
      return seconds(row.lastSwitchOutNs);
    case 'nextOut':
      return seconds(row.nextSwitchOutNs);
    case 'cpuUsage':
      return row.cpuUsageMs.toFixed(6);
    case 'ready':
      return fixed(row.readyUs, 3);
    case 'waits':
      return fixed(row.waitsUs, 3);
    case 'readiedFromDpc':
      return row.readyingThreadId === null ? '' : row.readiedFromDpc ? 'True' : 'False';
    case 'readyingProcess':
      return row.readyingProcess ?? '';
    case 'readyingThreadId':
      return row.readyingThreadId === null ? '' : String(row.readyingThreadId);
    default:
      return String(row[column]);
  }
}

// ----------------------------------------------------------------------------- timeline layout

/** Process header and thread lane heights, px: a header holds one line of 12 px text; a lane a
 *  10 px label and a visible ready band under the running bar. */
export const PROCESS_ROW_PX = 20;
export const LANE_PX = 18;

export type LayoutRow =
  | {
      readonly kind: 'process';
      readonly process: string;
      readonly processId: number;
      readonly y: number;
      readonly height: number;
      readonly threads: number;
      readonly runningMs: number;
      readonly collapsed: boolean;
    }
  | { readonly kind: 'thread'; readonly lane: ThreadLane; readonly y: number; readonly height: number };

export const processKey = (process: string, processId: number): string => `${process}|${processId}`;

/** Lanes in the engine's order (grouped by process) → rows top to bottom; collapsed processes
 *  keep their header only. */
export function layoutLanes(lanes: readonly ThreadLane[], collapsed: ReadonlySet<string>): LayoutRow[] {
  const rows: LayoutRow[] = [];
  let y = 0;
  let i = 0;
  while (i < lanes.length) {
    const first = lanes[i]!;
    let j = i;
    let runningMs = 0;
    while (
      j < lanes.length &&
      lanes[j]!.processId === first.processId &&
      lanes[j]!.process === first.process
    ) {
      runningMs += lanes[j]!.runningMs;
      j++;
    }
    const isCollapsed = collapsed.has(processKey(first.process, first.processId));
    rows.push({
      kind: 'process',
      process: first.process,
      processId: first.processId,
      y,
      height: PROCESS_ROW_PX,
      threads: j - i,
      runningMs,
      collapsed: isCollapsed,
    });
    y += PROCESS_ROW_PX;
    if (!isCollapsed) {
      for (let k = i; k < j; k++) {
        rows.push({ kind: 'thread', lane: lanes[k]!, y, height: LANE_PX });
        y += LANE_PX;
      }
    }
    i = j;
  }
  return rows;
}

export function layoutHeight(rows: readonly LayoutRow[]): number {
  const last = rows[rows.length - 1];
  return last === undefined ? 0 : last.y + last.height;
}

export function rowAtY(rows: readonly LayoutRow[], y: number): LayoutRow | undefined {
  let lo = 0;
  let hi = rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = rows[mid]!;
    if (y < r.y) hi = mid - 1;
    else if (y >= r.y + r.height) lo = mid + 1;
    else return r;
  }
  return undefined;
}

/** The interval of a lane at time `ns`, or the nearest one within `toleranceNs` (a 1-px sliver
 *  must still be hoverable). Running wins over the ready/waiting bands it touches. */
export function intervalAt(
  intervals: readonly ThreadInterval[],
  ns: number,
  toleranceNs: number,
): ThreadInterval | undefined {
  let best: ThreadInterval | undefined;
  let bestDistance = Infinity;
  for (const iv of intervals) {
    const distance = ns < iv.startNs ? iv.startNs - ns : ns > iv.endNs ? ns - iv.endNs : 0;
    if (distance > toleranceNs) continue;
    const better =
      distance < bestDistance ||
      (distance === bestDistance && iv.state === 'running' && best?.state !== 'running');
    if (better) {
      best = iv;
      bestDistance = distance;
    }
  }
  return best;
}

// ------------------------------------------------------------------------ who delayed my thread

export interface DelayShare {
  readonly kind: 'module' | 'thread' | 'other';
  readonly label: string;
  readonly intervals: number;
  readonly ns: number;
  readonly percent: number;
}

/** One list of what delayed the thread: DPC/ISR modules, then threads, then the rest; each with
 *  its share of the total ready time. */
export function delayShares(result: ThreadDelaysResult, names: ThreadNames): DelayShare[] {
  const total = Math.max(result.totalReadyNs, 1);
  const shares: DelayShare[] = [
    ...result.byModule.map((m) => ({
      kind: 'module' as const,
      label: m.module,
      intervals: m.intervals,
      ns: m.ns,
      percent: (m.ns / total) * 100,
    })),
    ...result.byThread.map((t) => ({
      kind: 'thread' as const,
      label: `${t.process} ${threadLabel(t.threadId, names, t.threadName)}`,
      intervals: t.intervals,
      ns: t.ns,
      percent: (t.ns / total) * 100,
    })),
  ];
  if (result.otherNs > 0)
    shares.push({
      kind: 'other',
      label: '(dispatch, idle, other)',
      intervals: 0,
      ns: result.otherNs,
      percent: (result.otherNs / total) * 100,
    });
  return shares;
}

/** The longest ready intervals first (ties: earlier first). */
export function longestIntervals<T extends { readyNs: number; switchInNs: number }>(
  intervals: readonly T[],
  count: number,
): T[] {
  return [...intervals]
    .sort((a, b) => b.switchInNs - b.readyNs - (a.switchInNs - a.readyNs) || a.readyNs - b.readyNs)
    .slice(0, count);
}

/** The view to zoom to for one interval: it in the middle third, never narrower than 20 µs. */
export function intervalZoom(readyNs: number, switchInNs: number): { start: number; end: number } {
  const span = Math.max(switchInNs - readyNs, 20_000 / 3) * 3;
  const middle = (readyNs + switchInNs) / 2;
  return { start: Math.max(0, middle - span / 2), end: middle + span / 2 };
}

// -------------------------------------------------------------------------------- the queries

/** The shared filter of the scheduling queries: the visible range and the CPU filter (the
 *  DPC/ISR column filters and the histogram bucket do not apply to context switches). */
export function schedFilter(
  range: { start: number; end: number },
  cpus: readonly number[] | undefined,
): SchedFilter {
  return {
    range: { start: traceNs(range.start), end: traceNs(range.end) },
    ...(cpus !== undefined ? { cpus } : {}),
  };
}

/** The timeline's window: the view padded by one span each side (switch-ins just before the view
 *  still draw into it, and small pans stay inside), snapped to a quarter span so pans reuse it. */
export function timelineWindow(
  view: { start: number; end: number },
  durationNs: number,
): { start: number; end: number } {
  const span = Math.max(view.end - view.start, 1);
  const step = span / 4;
  const start = Math.max(0, Math.floor((view.start - span) / step) * step);
  const end = Math.min(Math.max(durationNs, view.end), Math.ceil((view.end + span) / step) * step);
  return { start, end };
}
