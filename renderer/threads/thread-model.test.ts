// Pure logic of the Threads area: names for thread ids, the switch pivot's visible rows (groups,
// leaf → its switch rows, "(+N more)"), the path → switchRows filter, the lane layout with
// collapsed processes and its hit tests, the delay shares and the longest intervals.

import { describe, expect, it } from 'vitest';
import type { SwitchPivotNode, ThreadDelaysResult, ThreadLane } from '../../shared/contract.js';
import {
  LANE_PX,
  PROCESS_ROW_PX,
  THREAD_PATH_SEPARATOR as SEP,
  delayShares,
  flattenSwitchPivot,
  intervalAt,
  intervalZoom,
  layoutHeight,
  layoutLanes,
  longestIntervals,
  pathFilter,
  processKey,
  readierText,
  rowAtY,
  schedFilter,
  switchKeyLabel,
  threadLabel,
  threadNames,
  timelineWindow,
} from './thread-model.js';

const agg = (count: number) => ({
  count,
  cpuUsageMs: count,
  readyUsSum: 0,
  readyUsAvg: 0,
  readyUsMax: 0,
  waitsUsSum: 0,
});
const names = threadNames([
  { threadId: 2208, threadName: 'ShellUI' },
  { threadId: 3316, threadName: '' },
]);

describe('thread names', () => {
  it('reads thread ids as names, falls back to the TID', () => {
    expect(threadLabel(2208, names)).toBe('ShellUI (2208)');
    expect(threadLabel(3316, names)).toBe('TID 3316');
    expect(threadLabel(3316, names, 'FsWorker')).toBe('FsWorker (3316)');
    expect(threadLabel(0, names)).toBe('Idle (0)');
    expect(readierText(2208, false, names)).toBe('ShellUI (2208)');
    expect(readierText(0, true, names)).toBe('a DPC');
    expect(readierText(2208, true, names)).toBe('a DPC during ShellUI (2208)');
    expect(readierText(null, false, names)).toBe('—');
    expect(switchKeyLabel('newThreadId', '2208', names)).toBe('ShellUI (2208)');
    expect(switchKeyLabel('readyingThreadId', '', names)).toBe('(none)');
    expect(switchKeyLabel('cpu', '1', names)).toBe('CPU 1');
    expect(switchKeyLabel('newProcess', 'pimg.exe (1100)', names)).toBe('pimg.exe (1100)');
  });
});

describe('switch pivot rows', () => {
  const tree: SwitchPivotNode[] = [
    {
      key: 'telshell.exe (2200)',
      aggregates: agg(20),
      children: [
        { key: '2208', aggregates: agg(10) },
        { key: '2212', aggregates: agg(10) },
      ],
      omittedChildren: 3,
    },
    { key: 'pimg.exe (1100)', aggregates: agg(30), children: [{ key: '1204', aggregates: agg(30) }] },
  ];
  const groupBy = ['newProcess', 'newThreadId'] as const;

  it('shows the top level collapsed, groups open on their path', () => {
    expect(flattenSwitchPivot(tree, groupBy, new Set()).map((r) => r.key)).toEqual([
      'telshell.exe (2200)',
      'pimg.exe (1100)',
    ]);
    const open = flattenSwitchPivot(tree, groupBy, new Set(['telshell.exe (2200)']));
    expect(open.map((r) => [r.key, r.depth])).toEqual([
      ['telshell.exe (2200)', 0],
      ['2208', 1],
      ['2212', 1],
      ['(+3 more)', 1],
      ['pimg.exe (1100)', 0],
    ]);
    expect(open[1]!.leaf).toBe(true);
    expect(open[1]!.expandable).toBe(true);
  });

  it('an open leaf group is followed by its switch rows', () => {
    const rows = flattenSwitchPivot(tree, groupBy, new Set(['pimg.exe (1100)', `pimg.exe (1100)${SEP}1204`]));
    expect(rows.map((r) => r.switches)).toEqual([undefined, undefined, undefined, 30]);
    expect(rows[3]!.keys).toEqual(['pimg.exe (1100)', '1204']);
  });

  it('a path fixes the engine filter where it can and leaves the rest to match', () => {
    expect(pathFilter(['newProcess', 'newThreadId'], ['pimg.exe (1100)', '1204'])).toEqual({
      process: 'pimg.exe',
      threadIds: [1204],
      rest: [],
    });
    expect(pathFilter(['cpu', 'oldWaitReason'], ['1', 'WrResource'])).toEqual({
      cpus: [1],
      rest: [['oldWaitReason', 'WrResource']],
    });
  });
});

describe('thread timeline layout', () => {
  const lane = (process: string, processId: number, threadId: number, runningMs: number): ThreadLane => ({
    process,
    processId,
    threadId,
    threadName: '',
    runningMs,
    switches: 1,
    intervals: [
      { startNs: 0, endNs: 100, state: 'waiting', cpu: 0 },
      { startNs: 100, endNs: 200, state: 'ready', cpu: 0, readiedByThreadId: 7, readiedFromDpc: false },
      { startNs: 200, endNs: 201, state: 'running', cpu: 0 },
    ],
    mergedIntervals: 0,
  });
  const lanes = [
    lane('pimg.exe', 1100, 1204, 300),
    lane('telshell.exe', 2200, 2208, 1),
    lane('telshell.exe', 2200, 2212, 1),
  ];

  it('one header per process, one lane per thread, collapsed processes keep their header', () => {
    const rows = layoutLanes(lanes, new Set());
    expect(rows.map((r) => r.kind)).toEqual(['process', 'thread', 'process', 'thread', 'thread']);
    expect(layoutHeight(rows)).toBe(2 * PROCESS_ROW_PX + 3 * LANE_PX);
    const header = rows[2]!;
    expect(header.kind === 'process' && header.threads === 2 && header.runningMs === 2).toBe(true);
    const collapsed = layoutLanes(lanes, new Set([processKey('telshell.exe', 2200)]));
    expect(collapsed.map((r) => r.kind)).toEqual(['process', 'thread', 'process']);
    expect(layoutHeight(collapsed)).toBe(2 * PROCESS_ROW_PX + LANE_PX);
  });

  it('hit tests rows by y and intervals by time (slivers within the tolerance, running first)', () => {
    const rows = layoutLanes(lanes, new Set());
    expect(rowAtY(rows, 0)?.kind).toBe('process');
    const second = rowAtY(rows, PROCESS_ROW_PX + LANE_PX + PROCESS_ROW_PX + 1);
    expect(second?.kind === 'thread' && second.lane.threadId).toBe(2208);
    expect(rowAtY(rows, layoutHeight(rows) + 1)).toBeUndefined();
    const ivs = lanes[0]!.intervals;
    expect(intervalAt(ivs, 150, 0)?.state).toBe('ready');
    expect(intervalAt(ivs, 200, 0)?.state).toBe('running');
    expect(intervalAt(ivs, 203, 5)?.state).toBe('running');
    expect(intervalAt(ivs, 300, 5)).toBeUndefined();
  });

  it('the query window pads the view by a span each side, snapped, inside the trace', () => {
    expect(timelineWindow({ start: 1000, end: 2000 }, 10_000)).toEqual({ start: 0, end: 3000 });
    expect(timelineWindow({ start: 5000, end: 6000 }, 6500)).toEqual({ start: 4000, end: 6500 });
    expect(schedFilter({ start: 1, end: 2 }, undefined)).toEqual({ range: { start: 1, end: 2 } });
    expect(schedFilter({ start: 1, end: 2 }, [0, 2])).toEqual({ range: { start: 1, end: 2 }, cpus: [0, 2] });
  });
});

describe('who delayed my thread', () => {
  const result: ThreadDelaysResult = {
    kind: 'threadDelays',
    threadId: 4120,
    threadName: 'AudioRender',
    process: 'audiodg.exe',
    readyIntervals: 3,
    totalReadyNs: 1000,
    intervals: [
      {
        readyNs: 0,
        switchInNs: 100,
        cpu: 1,
        readiedByThreadId: null,
        readiedFromDpc: true,
        modules: [],
        threads: [],
      },
      {
        readyNs: 1000,
        switchInNs: 1500,
        cpu: 1,
        readiedByThreadId: null,
        readiedFromDpc: true,
        modules: [],
        threads: [],
      },
      {
        readyNs: 2000,
        switchInNs: 2400,
        cpu: 1,
        readiedByThreadId: null,
        readiedFromDpc: true,
        modules: [],
        threads: [],
      },
    ],
    omittedIntervals: 0,
    byModule: [{ module: 'storport.sys', intervals: 2, ns: 600 }],
    byThread: [{ process: 'svchost.exe', threadId: 1340, threadName: 'WorkerPool', intervals: 1, ns: 300 }],
    otherNs: 100,
  };

  it('modules, threads (named) and the rest, each with its share of the ready time', () => {
    expect(delayShares(result, names).map((s) => [s.kind, s.label, s.ns, s.percent])).toEqual([
      ['module', 'storport.sys', 600, 60],
      ['thread', 'svchost.exe WorkerPool (1340)', 300, 30],
      ['other', '(dispatch, idle, other)', 100, 10],
    ]);
  });

  it('lists the longest intervals first and zooms to one in the middle third', () => {
    expect(longestIntervals(result.intervals, 2).map((i) => i.readyNs)).toEqual([1000, 2000]);
    expect(intervalZoom(1_000_000, 1_100_000)).toEqual({ start: 900_000, end: 1_200_000 });
    const tiny = intervalZoom(1_000_000, 1_000_100);
    expect(tiny.end - tiny.start).toBeCloseTo(20_000, 6);
  });
});
