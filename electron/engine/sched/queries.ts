// Scheduling queries over SchedData (sched-data.ts): CPU Usage (Precise) rows and pivot with WPA's
// columns, the per-thread summary with the lock-convoy hint, the thread timeline (running / ready /
// waiting intervals per thread lane) and "who delayed my thread" (for each ready interval, the
// DPCs/ISRs — from the model's DPC table — and the other threads that ran on the CPU it waited for).
//
//   filter ──selectRows──> row indices (switch-in in range, CPUs, process, TIDs) ──> aggregate / lanes

import {
  SWITCH_COLUMNS,
  type ConvoyHint,
  type DelayInterval,
  type SchedFilter,
  type SwitchAggregates,
  type SwitchColumn,
  type SwitchPivotNode,
  type SwitchPivotQuery,
  type SwitchPivotResult,
  type SwitchRow,
  type SwitchRowsQuery,
  type SwitchRowsResult,
  type ThreadDelaysQuery,
  type ThreadDelaysResult,
  type ThreadInterval,
  type ThreadLane,
  type ThreadSummaryQuery,
  type ThreadSummaryResult,
  type ThreadSummaryRow,
  type ThreadTimelineQuery,
  type ThreadTimelineResult,
} from '../../../shared/contract.js';
import { threadStateName, waitModeName, waitReasonName } from '../../reader/index.js';
import type { EngineModel } from '../model.js';
import { EngineError, throwIfCancelled, type CancelToken } from '../query-common.js';
import { UNKNOWN_U8, type SchedData } from './sched-data.js';

/** Rows between cancellation checks (a check is a shared-memory read). */
const CANCEL_CHECK_ROWS = 65536;
const DEFAULT_LIMIT_PER_LEVEL = 500;
const MAX_SWITCH_ROWS = 100_000;
const DEFAULT_SWITCH_ROWS = 1000;
/** Convoy hint: a "whole quantum" thread runs ≥ 1 ms per switch-in (Windows quanta are 2–120 ms) … */
const CONVOY_HOG_MIN_AVG_RUN_US = 1000;
/** … while the convoy threads' runs are at least 20× shorter … */
const CONVOY_RUN_RATIO = 20;
/** … and each switches in at least this often (the phone story: hundreds per second). */
const CONVOY_MIN_SWITCHES_PER_SECOND = 10;
/** … and there are at least two of them (a convoy is a queue). */
const CONVOY_MIN_THREADS = 2;

/** Labels of thread instances (load-pass dictionaries). */
export class ThreadLabels {
  constructor(private readonly model: EngineModel) {}
  processOf(inst: number): number {
    return inst >= 0 ? (this.model.dict.threadProcess[inst] ?? -1) : -1;
  }
  processName(inst: number, tid: number): string {
    if (tid === 0) return 'Idle';
    const p = this.model.processes[this.processOf(inst)];
    return p === undefined || p.name === '' ? 'Unknown' : p.name;
  }
  processLabel(inst: number, tid: number): string {
    if (tid === 0) return 'Idle (0)';
    return this.model.dict.processLabels[this.processOf(inst)] ?? 'Unknown';
  }
  processId(inst: number, tid: number): number {
    if (tid === 0) return 0;
    const p = this.model.processes[this.processOf(inst)];
    return p === undefined || p.processId === 0xfffffffe ? -1 : p.processId;
  }
  threadName(inst: number): string {
    return inst >= 0 ? (this.model.threads[inst]?.name ?? '') : '';
  }
}

export function selectRows(
  data: SchedData,
  labels: ThreadLabels,
  filter: SchedFilter,
  durationNs: number,
  token: CancelToken,
): { rows: Int32Array; start: number; end: number } {
  const start = filter.range !== undefined ? Math.max(0, filter.range.start) : 0;
  const end = filter.range !== undefined ? filter.range.end : Infinity;
  if (end < start) throw new EngineError('The time range is not valid (end before start).', 'bad-request');
  const cpus = filter.cpus !== undefined ? new Set(filter.cpus) : undefined;
  const tids = filter.threadIds !== undefined ? new Set(filter.threadIds) : undefined;
  const process = filter.process?.toLowerCase();
  const processMatch = new Map<number, boolean>();
  const out: number[] = [];
  for (let i = 0; i < data.length; i++) {
    if ((i & (CANCEL_CHECK_ROWS - 1)) === 0) throwIfCancelled(token);
    const t = data.switchIn[i]!;
    if (t < start || t > end) continue;
    if (cpus !== undefined && !cpus.has(data.cpu[i]!)) continue;
    if (tids !== undefined && !tids.has(data.newTid[i]!)) continue;
    if (process !== undefined) {
      const inst = data.newThread[i]!;
      let ok = processMatch.get(inst);
      if (ok === undefined) {
        ok = labels.processName(inst, data.newTid[i]!).toLowerCase().includes(process);
        processMatch.set(inst, ok);
      }
      if (!ok) continue;
    }
    out.push(i);
  }
  return { rows: Int32Array.from(out), start, end: Math.min(end, durationNs) };
}

const known = (v: number): number | null => (v === v ? v : null);

export function switchRowAt(data: SchedData, labels: ThreadLabels, i: number): SwitchRow {
  const nt = data.newThread[i]!;
  const tid = data.newTid[i]!;
  const ot = data.oldThread[i]!;
  const oldTid = data.oldTid[i]!;
  const switchIn = data.switchIn[i]!;
  const readyAt = data.readyAt[i]!;
  const lastOut = data.lastOut[i]!;
  const readierTid = data.readierTid[i]!;
  const u8 = (v: number, name: (v: number) => string) => (v === UNKNOWN_U8 ? '' : name(v));
  return {
    cpu: data.cpu[i]!,
    newProcess: labels.processLabel(nt, tid),
    newProcessId: labels.processId(nt, tid),
    newThreadId: tid,
    newThreadName: labels.threadName(nt),
    newInPri: data.newPri[i]!,
    newPrevState: u8(data.newPrevState[i]!, threadStateName),
    newPrevWaitReason: u8(data.newPrevWaitReason[i]!, waitReasonName),
    newPrevWaitMode: u8(data.newPrevWaitMode[i]!, waitModeName),
    oldProcess: labels.processLabel(ot, oldTid),
    oldThreadId: oldTid,
    oldOutPri: data.oldPri[i]!,
    oldState: threadStateName(data.oldState[i]!),
    oldWaitReason: waitReasonName(data.oldWaitReason[i]!),
    oldWaitMode: waitModeName(data.oldWaitMode[i]!),
    readyingProcess: readierTid >= 0 ? labels.processLabel(data.readier[i]!, readierTid) : null,
    readyingThreadId: readierTid >= 0 ? readierTid : null,
    readiedFromDpc: data.readyFromDpc[i] === 1,
    readyingCpu: data.readyCpu[i]! >= 0 ? data.readyCpu[i]! : null,
    idealCpu: data.idealCpu[i]!,
    prevCState: data.prevCState[i]!,
    switchInNs: switchIn,
    lastSwitchOutNs: known(lastOut),
    nextSwitchOutNs: data.nextOut[i]!,
    readyTimeNs: known(readyAt),
    cpuUsageMs: (data.nextOut[i]! - switchIn) / 1e6,
    readyUs: known((switchIn - readyAt) / 1e3),
    waitsUs: known((readyAt - lastOut) / 1e3),
    timeSinceLastUs: known((switchIn - lastOut) / 1e3),
  };
}

export function runSwitchRows(
  data: SchedData,
  model: EngineModel,
  q: SwitchRowsQuery,
  token: CancelToken,
): SwitchRowsResult {
  const labels = new ThreadLabels(model);
  const { rows } = selectRows(data, labels, q.filter, model.durationNs, token);
  const offset = q.offset ?? 0;
  const limit = Math.min(q.limit ?? DEFAULT_SWITCH_ROWS, MAX_SWITCH_ROWS);
  const out: SwitchRow[] = [];
  for (let k = offset; k < Math.min(rows.length, offset + limit); k++)
    out.push(switchRowAt(data, labels, rows[k]!));
  return { kind: 'switchRows', total: rows.length, rows: out };
}

/** Text key of a row for a pivot column (the values WPA shows). */
function columnKey(data: SchedData, labels: ThreadLabels, column: SwitchColumn, i: number): string {
  const u8 = (v: number, name: (v: number) => string) => (v === UNKNOWN_U8 ? '' : name(v));
  switch (column) {
    case 'newProcess':
      return labels.processLabel(data.newThread[i]!, data.newTid[i]!);
    case 'newThreadId':
      return String(data.newTid[i]!);
    case 'newThreadName':
      return labels.threadName(data.newThread[i]!);
    case 'newInPri':
      return String(data.newPri[i]!);
    case 'newPrevState':
      return u8(data.newPrevState[i]!, threadStateName);
    case 'newPrevWaitReason':
      return u8(data.newPrevWaitReason[i]!, waitReasonName);
    case 'newPrevWaitMode':
      return u8(data.newPrevWaitMode[i]!, waitModeName);
    case 'oldProcess':
      return labels.processLabel(data.oldThread[i]!, data.oldTid[i]!);
    case 'oldThreadId':
      return String(data.oldTid[i]!);
    case 'oldOutPri':
      return String(data.oldPri[i]!);
    case 'oldState':
      return threadStateName(data.oldState[i]!);
    case 'oldWaitReason':
      return waitReasonName(data.oldWaitReason[i]!);
    case 'oldWaitMode':
      return waitModeName(data.oldWaitMode[i]!);
    case 'readyingProcess':
      return data.readierTid[i]! >= 0 ? labels.processLabel(data.readier[i]!, data.readierTid[i]!) : '';
    case 'readyingThreadId':
      return data.readierTid[i]! >= 0 ? String(data.readierTid[i]!) : '';
    case 'readiedFromDpc':
      return data.readyFromDpc[i] === 1 ? 'True' : 'False';
    case 'cpu':
      return String(data.cpu[i]!);
    case 'idealCpu':
      return String(data.idealCpu[i]!);
    case 'prevCState':
      return String(data.prevCState[i]!);
    default:
      throw new EngineError(`CPU Usage (Precise) has no column "${String(column)}".`, 'bad-request');
  }
}

/** A value that determines the column's text key (so rows group on numbers; the text is made once
 *  per group): thread/process instances, raw ids and field values; names group as text. */
function columnCode(data: SchedData, labels: ThreadLabels, column: SwitchColumn, i: number): number | string {
  const processCode = (inst: number, tid: number) => (tid === 0 ? -2 : labels.processOf(inst));
  switch (column) {
    case 'newProcess':
      return processCode(data.newThread[i]!, data.newTid[i]!);
    case 'newThreadId':
      return data.newTid[i]!;
    case 'newThreadName':
      return labels.threadName(data.newThread[i]!);
    case 'newInPri':
      return data.newPri[i]!;
    case 'newPrevState':
      return data.newPrevState[i]!;
    case 'newPrevWaitReason':
      return data.newPrevWaitReason[i]!;
    case 'newPrevWaitMode':
      return data.newPrevWaitMode[i]!;
    case 'oldProcess':
      return processCode(data.oldThread[i]!, data.oldTid[i]!);
    case 'oldThreadId':
      return data.oldTid[i]!;
    case 'oldOutPri':
      return data.oldPri[i]!;
    case 'oldState':
      return data.oldState[i]!;
    case 'oldWaitReason':
      return data.oldWaitReason[i]!;
    case 'oldWaitMode':
      return data.oldWaitMode[i]!;
    case 'readyingProcess':
      return data.readierTid[i]! >= 0 ? processCode(data.readier[i]!, data.readierTid[i]!) : -3;
    case 'readyingThreadId':
      return data.readierTid[i]!;
    case 'readiedFromDpc':
      return data.readyFromDpc[i]!;
    case 'cpu':
      return data.cpu[i]!;
    case 'idealCpu':
      return data.idealCpu[i]!;
    case 'prevCState':
      return data.prevCState[i]!;
    default:
      throw new EngineError(`CPU Usage (Precise) has no column "${String(column)}".`, 'bad-request');
  }
}

interface Acc {
  count: number;
  cpuNs: number;
  readySum: number;
  readyCount: number;
  readyMax: number;
  waitSum: number;
}
const newAcc = (): Acc => ({ count: 0, cpuNs: 0, readySum: 0, readyCount: 0, readyMax: 0, waitSum: 0 });

function addRow(acc: Acc, data: SchedData, i: number, end: number): void {
  const s = data.switchIn[i]!;
  acc.count++;
  acc.cpuNs += Math.max(0, Math.min(data.nextOut[i]!, end) - s);
  const ready = s - data.readyAt[i]!;
  if (ready === ready) {
    acc.readySum += ready;
    acc.readyCount++;
    if (ready > acc.readyMax) acc.readyMax = ready;
    const wait = data.readyAt[i]! - data.lastOut[i]!;
    if (wait === wait) acc.waitSum += wait;
  }
}

const aggregates = (a: Acc): SwitchAggregates => ({
  count: a.count,
  cpuUsageMs: a.cpuNs / 1e6,
  readyUsSum: a.readySum / 1e3,
  readyUsAvg: a.readyCount > 0 ? a.readySum / a.readyCount / 1e3 : 0,
  readyUsMax: a.readyMax / 1e3,
  waitsUsSum: a.waitSum / 1e3,
});

export function runSwitchPivot(
  data: SchedData,
  model: EngineModel,
  q: SwitchPivotQuery,
  token: CancelToken,
): SwitchPivotResult {
  if (!Array.isArray(q.groupBy)) throw new EngineError('groupBy must be a list of columns.', 'bad-request');
  for (const c of q.groupBy)
    if (!(SWITCH_COLUMNS as readonly string[]).includes(c))
      throw new EngineError(`CPU Usage (Precise) has no column "${String(c)}".`, 'bad-request');
  const labels = new ThreadLabels(model);
  const { rows, end } = selectRows(data, labels, q.filter, model.durationNs, token);
  interface Group {
    key: string;
    acc: Acc;
    children: Map<number | string, Group>;
  }
  const root: Group = { key: '', acc: newAcc(), children: new Map() };
  for (let k = 0; k < rows.length; k++) {
    if ((k & (CANCEL_CHECK_ROWS - 1)) === 0) throwIfCancelled(token);
    const i = rows[k]!;
    addRow(root.acc, data, i, end);
    let node = root;
    for (const column of q.groupBy) {
      const code = columnCode(data, labels, column, i);
      let child = node.children.get(code);
      if (child === undefined) {
        child = { key: columnKey(data, labels, column, i), acc: newAcc(), children: new Map() };
        node.children.set(code, child);
      }
      addRow(child.acc, data, i, end);
      node = child;
    }
  }
  const limit = q.limitPerLevel ?? DEFAULT_LIMIT_PER_LEVEL;
  const sortBy = q.sortBy ?? 'cpuUsageMs';
  const descending = q.descending ?? sortBy !== 'key';
  const build = (group: Group): { nodes: SwitchPivotNode[]; omitted: number } => {
    const nodes = [...group.children.values()].map((g) => ({
      key: g.key,
      g,
      aggregates: aggregates(g.acc),
    }));
    nodes.sort((a, b) => {
      const d =
        sortBy === 'key'
          ? a.key.localeCompare(b.key, 'en', { numeric: true })
          : a.aggregates[sortBy] - b.aggregates[sortBy];
      return descending ? -d : d;
    });
    const kept = nodes.slice(0, limit);
    return {
      nodes: kept.map(({ key, g, aggregates: agg }) => {
        if (g.children.size === 0) return { key, aggregates: agg };
        const sub = build(g);
        return {
          key,
          aggregates: agg,
          children: sub.nodes,
          ...(sub.omitted > 0 ? { omittedChildren: sub.omitted } : {}),
        };
      }),
      omitted: nodes.length - kept.length,
    };
  };
  const top = build(root);
  return {
    kind: 'switchPivot',
    groupBy: [...q.groupBy],
    total: aggregates(root.acc),
    rows: top.nodes,
    omittedRows: top.omitted,
  };
}

// ------------------------------------------------------------------------------- thread summary

interface ThreadAcc extends Acc {
  inst: number;
  tid: number;
  maxRun: number;
  priorities: Map<number, number>;
}

export function runThreadSummary(
  data: SchedData,
  model: EngineModel,
  q: ThreadSummaryQuery,
  token: CancelToken,
): ThreadSummaryResult {
  const labels = new ThreadLabels(model);
  const { rows, start, end } = selectRows(data, labels, q.filter, model.durationNs, token);
  const rangeNs = Math.max(0, end - start);
  const byThread = new Map<number, ThreadAcc>();
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const tid = data.newTid[i]!;
    if (tid === 0) continue;
    const inst = data.newThread[i]!;
    const key = inst >= 0 ? inst : -1 - tid;
    let acc = byThread.get(key);
    if (acc === undefined) {
      acc = { ...newAcc(), inst, tid, maxRun: 0, priorities: new Map() };
      byThread.set(key, acc);
    }
    addRow(acc, data, i, end);
    acc.maxRun = Math.max(acc.maxRun, Math.min(data.nextOut[i]!, end) - data.switchIn[i]!);
    const pri = data.newPri[i]!;
    acc.priorities.set(pri, (acc.priorities.get(pri) ?? 0) + 1);
  }
  const seconds = rangeNs / 1e9;
  const out: ThreadSummaryRow[] = [...byThread.values()].map((a) => {
    let priority = 0;
    let best = -1;
    for (const [p, n] of a.priorities)
      if (n > best || (n === best && p > priority)) [priority, best] = [p, n];
    return {
      process: labels.processName(a.inst, a.tid),
      processId: labels.processId(a.inst, a.tid),
      threadId: a.tid,
      threadName: labels.threadName(a.inst),
      priority,
      switches: a.count,
      runningMs: a.cpuNs / 1e6,
      readyMs: a.readySum / 1e6,
      waitingMs: a.waitSum / 1e6,
      avgRunUs: a.count > 0 ? a.cpuNs / a.count / 1e3 : 0,
      maxReadyUs: a.readyMax / 1e3,
      maxRunUs: a.maxRun / 1e3,
      switchesPerSecond: seconds > 0 ? a.count / seconds : 0,
    };
  });
  out.sort((a, b) => b.runningMs - a.runningMs || a.threadId - b.threadId);
  const convoy = convoyHint(out);
  const note = data.length === 0 ? 'The trace has no context switch (CSwitch) events.' : undefined;
  return {
    kind: 'threadSummary',
    rows: out,
    rangeNs,
    ...(convoy !== undefined ? { convoy } : {}),
    ...(note !== undefined ? { note } : {}),
  };
}

const describeThread = (r: ThreadSummaryRow) =>
  `${r.threadName !== '' ? r.threadName + ' ' : ''}(${r.process}, TID ${r.threadId})`;

/** Several same-priority threads switching in often with runs far shorter than a quantum while
 *  another thread of that priority runs whole quanta: a lock convoy. */
export function convoyHint(rows: readonly ThreadSummaryRow[]): ConvoyHint | undefined {
  const byPriority = new Map<number, ThreadSummaryRow[]>();
  for (const r of rows) {
    const list = byPriority.get(r.priority);
    if (list === undefined) byPriority.set(r.priority, [r]);
    else list.push(r);
  }
  let best: ConvoyHint | undefined;
  let bestSwitches = 0;
  for (const [priority, list] of byPriority) {
    const hog = list
      .filter((r) => r.avgRunUs >= CONVOY_HOG_MIN_AVG_RUN_US)
      .sort((a, b) => b.runningMs - a.runningMs)[0];
    if (hog === undefined) continue;
    const convoy = list.filter(
      (r) =>
        r !== hog &&
        r.switchesPerSecond >= CONVOY_MIN_SWITCHES_PER_SECOND &&
        r.avgRunUs * CONVOY_RUN_RATIO <= hog.avgRunUs,
    );
    if (convoy.length < CONVOY_MIN_THREADS) continue;
    const switches = convoy.reduce((s, r) => s + r.switches, 0);
    if (switches <= bestSwitches) continue;
    bestSwitches = switches;
    const rate = convoy.reduce((s, r) => s + r.switchesPerSecond, 0) / convoy.length;
    const run = convoy.reduce((s, r) => s + r.avgRunUs, 0) / convoy.length;
    best = {
      text:
        `Lock convoy: ${describeThread(hog)} runs whole quanta (${(hog.avgRunUs / 1000).toFixed(1)} ms per switch-in) ` +
        `while ${convoy.length} threads of the same priority (${priority}) — ${convoy.map(describeThread).join(', ')} — ` +
        `switch in ${rate.toFixed(0)} times a second each and run ${run.toFixed(0)} µs at a time.`,
      priority,
      hogThreadId: hog.threadId,
      convoyThreadIds: convoy.map((r) => r.threadId),
    };
  }
  return best;
}

// ------------------------------------------------------------------------------ thread timeline

export function runThreadTimeline(
  data: SchedData,
  model: EngineModel,
  q: ThreadTimelineQuery,
  token: CancelToken,
): ThreadTimelineResult {
  const labels = new ThreadLabels(model);
  // A lane shows every switch whose waiting → ready → running span overlaps the range, not only
  // the switch-ins inside it: a thread running (or waiting) across the whole view still draws.
  const { range, ...unranged } = q.filter;
  const start = range !== undefined ? Math.max(0, range.start) : 0;
  const end = Math.min(range !== undefined ? range.end : Infinity, model.durationNs);
  if (range !== undefined && range.end < range.start)
    throw new EngineError('The time range is not valid (end before start).', 'bad-request');
  const all0 = selectRows(data, labels, unranged, model.durationNs, token).rows;
  const rows = all0.filter((i) => {
    const from =
      data.lastOut[i]! === data.lastOut[i]!
        ? data.lastOut[i]!
        : data.readyAt[i]! === data.readyAt[i]!
          ? data.readyAt[i]!
          : data.switchIn[i]!;
    return from <= end && data.nextOut[i]! >= start;
  });
  const maxLanes = q.maxLanes ?? 200;
  const maxIntervals = Math.max(1, q.maxIntervalsPerLane ?? 2000);
  const lanes = new Map<
    number,
    { inst: number; tid: number; intervals: ThreadInterval[]; cpuNs: number; switches: number }
  >();
  const clip = (a: number, b: number) => [Math.max(a, start), Math.min(b, end)] as const;
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k]!;
    const tid = data.newTid[i]!;
    if (tid === 0) continue;
    const inst = data.newThread[i]!;
    const key = inst >= 0 ? inst : -1 - tid;
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = { inst, tid, intervals: [], cpuNs: 0, switches: 0 };
      lanes.set(key, lane);
    }
    const cpu = data.cpu[i]!;
    const s = data.switchIn[i]!;
    const readyAt = data.readyAt[i]!;
    const lastOut = data.lastOut[i]!;
    if (lastOut === lastOut && readyAt === readyAt && readyAt > lastOut) {
      const [a, b] = clip(lastOut, readyAt);
      if (b > a) lane.intervals.push({ startNs: a, endNs: b, state: 'waiting', cpu });
    }
    if (readyAt === readyAt && s > readyAt) {
      const [a, b] = clip(readyAt, s);
      if (b > a)
        lane.intervals.push({
          startNs: a,
          endNs: b,
          state: 'ready',
          cpu,
          readiedByThreadId: data.readierTid[i]! >= 0 ? data.readierTid[i]! : null,
          readiedFromDpc: data.readyFromDpc[i] === 1,
        });
    }
    const [a, b] = clip(s, data.nextOut[i]!);
    if (b > a) lane.intervals.push({ startNs: a, endNs: b, state: 'running', cpu });
    lane.cpuNs += Math.max(0, b - a);
    lane.switches++;
  }
  const all = [...lanes.values()];
  const processNs = new Map<number, number>();
  for (const l of all) {
    const p = labels.processOf(l.inst);
    processNs.set(p, (processNs.get(p) ?? 0) + l.cpuNs);
  }
  const sortKey = (l: (typeof all)[number]) => (q.sortBy === 'switches' ? l.switches : l.cpuNs);
  all.sort(
    (x, y) =>
      (processNs.get(labels.processOf(y.inst)) ?? 0) - (processNs.get(labels.processOf(x.inst)) ?? 0) ||
      labels.processOf(x.inst) - labels.processOf(y.inst) ||
      sortKey(y) - sortKey(x) ||
      x.tid - y.tid,
  );
  const bucketNs = (end - start) / maxIntervals;
  const out: ThreadLane[] = all.slice(0, maxLanes).map((l) => {
    const merged =
      l.intervals.length > maxIntervals
        ? mergeIntervals(l.intervals, start, bucketNs, maxIntervals)
        : l.intervals;
    return {
      process: labels.processName(l.inst, l.tid),
      processId: labels.processId(l.inst, l.tid),
      threadId: l.tid,
      threadName: labels.threadName(l.inst),
      runningMs: l.cpuNs / 1e6,
      switches: l.switches,
      intervals: merged,
      mergedIntervals: l.intervals.length - merged.length,
    };
  });
  return { kind: 'threadTimeline', lanes: out, omittedLanes: Math.max(0, all.length - maxLanes) };
}

/** Bounded lane: per time bucket, the state that covered most of it (running wins ties). */
function mergeIntervals(
  intervals: readonly ThreadInterval[],
  start: number,
  bucketNs: number,
  buckets: number,
): ThreadInterval[] {
  const states = ['running', 'ready', 'waiting'] as const;
  const cover = new Float64Array(buckets * 3);
  const cpuOf = new Int32Array(buckets).fill(-1);
  for (const iv of intervals) {
    const s = states.indexOf(iv.state);
    let b = Math.max(0, Math.floor((iv.startNs - start) / bucketNs));
    for (; b < buckets; b++) {
      const lo = start + b * bucketNs;
      const hi = lo + bucketNs;
      if (lo >= iv.endNs) break;
      const part = Math.min(hi, iv.endNs) - Math.max(lo, iv.startNs);
      if (part > 0) cover[b * 3 + s] += part;
      if (s === 0 && cpuOf[b]! < 0) cpuOf[b] = iv.cpu;
    }
  }
  const out: ThreadInterval[] = [];
  for (let b = 0; b < buckets; b++) {
    let s = -1;
    let bestNs = 0;
    for (let k = 0; k < 3; k++)
      if (cover[b * 3 + k]! > bestNs) {
        bestNs = cover[b * 3 + k]!;
        s = k;
      }
    if (s < 0) continue;
    const lo = start + b * bucketNs;
    const last = out[out.length - 1];
    if (
      last !== undefined &&
      last.state === states[s] &&
      last.endNs === lo &&
      (s !== 0 || last.cpu === cpuOf[b])
    )
      out[out.length - 1] = { ...last, endNs: lo + bucketNs };
    else out.push({ startNs: lo, endNs: lo + bucketNs, state: states[s]!, cpu: s === 0 ? cpuOf[b]! : -1 });
  }
  return out;
}

// ------------------------------------------------------------------------ who delayed my thread

function firstAtOrAfter(values: Float64Array, t: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How far back a DPC/ISR that entered before a window can still reach into it (longer ones are
 *  watchdog material; the walk back stops there). */
const MAX_DPC_LOOKBACK_NS = 1e9;

export function runThreadDelays(
  data: SchedData,
  model: EngineModel,
  q: ThreadDelaysQuery,
  token: CancelToken,
): ThreadDelaysResult {
  if (!Number.isInteger(q.threadId) || q.threadId <= 0)
    throw new EngineError('threadId must be a thread id (a positive integer).', 'bad-request');
  const labels = new ThreadLabels(model);
  const { rows, start, end } = selectRows(
    data,
    labels,
    { ...q.filter, threadIds: [q.threadId] },
    model.durationNs,
    token,
  );
  const dpc = model.dpc;
  const symbols = model.symbols;
  const moduleOf = (row: number) =>
    model.dict.modules[symbols.funcModule[symbols.routineFunc[dpc.routine[row]!]!]!] ?? 'Unknown';
  const byModule = new Map<string, { intervals: number; ns: number }>();
  const byThread = new Map<number, { inst: number; tid: number; intervals: number; ns: number }>();
  const intervals: DelayInterval[] = [];
  let totalReady = 0;
  let otherNs = 0;
  let inst = -1;
  for (let k = 0; k < rows.length; k++) {
    if ((k & 1023) === 0) throwIfCancelled(token);
    const i = rows[k]!;
    inst = data.newThread[i]!;
    const readyAt = data.readyAt[i]!;
    const switchIn = data.switchIn[i]!;
    if (!(readyAt === readyAt) || !(switchIn > readyAt)) continue;
    const lo = Math.max(readyAt, start);
    const hi = Math.min(switchIn, end);
    if (!(hi > lo)) continue;
    totalReady += hi - lo;
    const cpu = data.cpu[i]!;
    // DPC/ISR pieces on the CPU inside [lo, hi], by module; their union is taken out of threads.
    const dpcPieces: [number, number][] = [];
    const modules = new Map<string, number>();
    const dLo = dpc.cpuOffsets[cpu] ?? 0;
    const dHi = dpc.cpuOffsets[cpu + 1] ?? dLo;
    for (let r = firstAtOrAfter(dpc.enter, lo - MAX_DPC_LOOKBACK_NS, dLo, dHi); r < dHi; r++) {
      const enter = dpc.enter[r]!;
      if (enter >= hi) break;
      const a = Math.max(enter, lo);
      const b = Math.min(enter + dpc.duration[r]!, hi);
      if (!(b > a)) continue;
      const m = moduleOf(r);
      modules.set(m, (modules.get(m) ?? 0) + (b - a));
      dpcPieces.push([a, b]);
    }
    dpcPieces.sort((x, y) => x[0] - y[0]);
    const union: [number, number][] = [];
    for (const p of dpcPieces) {
      const last = union[union.length - 1];
      if (last !== undefined && p[0] <= last[1]) last[1] = Math.max(last[1], p[1]);
      else union.push([p[0], p[1]]);
    }
    const dpcInside = (a: number, b: number) => {
      let s = 0;
      for (const [x, y] of union) s += Math.max(0, Math.min(y, b) - Math.max(x, a));
      return s;
    };
    const threads = new Map<number, { inst: number; tid: number; ns: number }>();
    const cpuRows = data.cpuRows[cpu]!;
    // The CPU's rows are in switch-in order: start at the last row switched in at or before lo.
    let r0 = 0;
    let h = cpuRows.length;
    while (r0 < h) {
      const mid = (r0 + h) >>> 1;
      if (data.switchIn[cpuRows[mid]!]! <= lo) r0 = mid + 1;
      else h = mid;
    }
    for (let r = Math.max(0, r0 - 1); r < cpuRows.length; r++) {
      const j = cpuRows[r]!;
      const s = data.switchIn[j]!;
      if (s >= hi) break;
      const tid = data.newTid[j]!;
      if (tid === 0 || tid === q.threadId) continue;
      const a = Math.max(s, lo);
      const b = Math.min(data.nextOut[j]!, hi);
      if (!(b > a)) continue;
      const ns = b - a - dpcInside(a, b);
      if (ns <= 0) continue;
      const t = threads.get(tid) ?? { inst: data.newThread[j]!, tid, ns: 0 };
      t.ns += ns;
      threads.set(tid, t);
    }
    let explained = 0;
    for (const [m, ns] of modules) {
      const e = byModule.get(m) ?? { intervals: 0, ns: 0 };
      e.intervals++;
      e.ns += ns;
      byModule.set(m, e);
    }
    explained += dpcInside(lo, hi);
    for (const t of threads.values()) {
      const e = byThread.get(t.tid) ?? { inst: t.inst, tid: t.tid, intervals: 0, ns: 0 };
      e.intervals++;
      e.ns += t.ns;
      byThread.set(t.tid, e);
      explained += t.ns;
    }
    otherNs += Math.max(0, hi - lo - explained);
    intervals.push({
      readyNs: readyAt,
      switchInNs: switchIn,
      cpu,
      readiedByThreadId: data.readierTid[i]! >= 0 ? data.readierTid[i]! : null,
      readiedFromDpc: data.readyFromDpc[i] === 1,
      modules: [...modules].map(([module, ns]) => ({ module, ns })).sort((a, b) => b.ns - a.ns),
      threads: [...threads.values()]
        .map((t) => ({
          process: labels.processName(t.inst, t.tid),
          threadId: t.tid,
          threadName: labels.threadName(t.inst),
          ns: t.ns,
        }))
        .sort((a, b) => b.ns - a.ns),
    });
  }
  const maxIntervals = q.maxIntervals ?? 1000;
  let kept = intervals;
  if (intervals.length > maxIntervals) {
    kept = [...intervals]
      .sort((a, b) => b.switchInNs - b.readyNs - (a.switchInNs - a.readyNs))
      .slice(0, maxIntervals)
      .sort((a, b) => a.readyNs - b.readyNs);
  }
  return {
    kind: 'threadDelays',
    threadId: q.threadId,
    threadName: labels.threadName(inst),
    process: rows.length > 0 ? labels.processName(inst, q.threadId) : '',
    readyIntervals: intervals.length,
    totalReadyNs: totalReady,
    intervals: kept,
    omittedIntervals: intervals.length - kept.length,
    byModule: [...byModule]
      .map(([module, e]) => ({ module, intervals: e.intervals, ns: e.ns }))
      .sort((a, b) => b.ns - a.ns),
    byThread: [...byThread.values()]
      .map((e) => ({
        process: labels.processName(e.inst, e.tid),
        threadId: e.tid,
        threadName: labels.threadName(e.inst),
        intervals: e.intervals,
        ns: e.ns,
      }))
      .sort((a, b) => b.ns - a.ns),
    otherNs,
  };
}
