// The Threads area of the bottom panel (issue 11): CPU Usage (Precise) as WPA shows it — a preset
// picker with WPA's presets, a group-by chooser over every switch column (grouped columns left of
// the gold bar, click to add / × to remove), the pivot (SwitchTable) — the thread timeline, and
// "Who delayed my thread". Everything follows the shared view range and CPU filter; the engine
// (electron/engine/sched) groups, lays out intervals and attributes delays.
//
//   ┌ preset ▾ │ Table | Timeline | Who delayed my thread │ (timeline: sort by CPU usage/switches, legend)
//   │ group by: New Process › New Thread Id ┃ + New Thread Name + CPU …       (table only)
//   └ the table / the canvas timeline / the delays view

import { useMemo, useState } from 'react';
import { useElementWidth } from '../components/use-element-width.js';
import {
  SWITCH_COLUMNS,
  SWITCH_COLUMN_TITLES,
  SWITCH_PRESETS,
  type SwitchColumn,
} from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { cpuColor } from '../charts/colors.js';
import { effectiveCpus } from '../state/filter-slice.js';
import { useApp, useAppShallow } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { DelaysView } from './DelaysView.js';
import { SwitchTable, type SwitchSort } from './SwitchTable.js';
import { readyColor, ThreadTimeline, waitColor } from './ThreadTimeline.js';
import { schedFilter, threadNames, timelineWindow } from './thread-model.js';

type ThreadsMode = 'table' | 'timeline' | 'delays';
const TIMELINE_PRESET = 'Timeline by Process, Thread';
/** Lanes asked of the engine: a few screens of threads; the rest are counted as omitted. */
const MAX_LANES = 200;
/** Intervals per lane: about one per pixel of a wide screen (the engine merges beyond). */
const MAX_INTERVALS_PER_LANE = 2000;
/** CPUs listed in the timeline's colour legend before "…". */
const LEGEND_CPUS = 8;

export function ThreadsPanel() {
  const traceId = useApp((s) => s.traceId);
  const theme = useApp((s) => s.theme);
  const summary = useApp((s) => s.summary)!;
  const view = useAppShallow((s) => visibleRange(s));
  const cpus = useAppShallow((s) => effectiveCpus(s.filters, s.summary?.cpuCount ?? 0));
  const [presetName, setPresetName] = useState(SWITCH_PRESETS[0]!.name);
  const [mode, setMode] = useState<ThreadsMode>('table');
  const [groupBy, setGroupBy] = useState<readonly SwitchColumn[]>(SWITCH_PRESETS[0]!.groupBy);
  const [sort, setSort] = useState<{ by: SwitchSort; descending: boolean }>({
    by: SWITCH_PRESETS[0]!.sortBy,
    descending: true,
  });
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [laneSort, setLaneSort] = useState<'cpuUsage' | 'switches'>('cpuUsage');
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [delayThread, setDelayThread] = useState<number | undefined>(undefined);
  const [box, width] = useElementWidth();

  const filter = schedFilter(view, cpus);
  // Names for every thread of the trace (not only the view's), so ids always read as names.
  const all = useQueryResult('threads-names', traceId, { kind: 'threadSummary', filter: {} });
  const inView = useQueryResult('threads-summary', traceId, { kind: 'threadSummary', filter });
  const names = useMemo(() => threadNames(all.result?.rows ?? []), [all.result]);
  const pivotQ =
    mode === 'table'
      ? {
          kind: 'switchPivot' as const,
          filter,
          groupBy,
          sortBy: sort.by,
          descending: sort.descending,
        }
      : undefined;
  const pivot = useQueryResult('threads-pivot', traceId, pivotQ);
  const lanesWindow = timelineWindow(view, summary.durationNs);
  const timelineQ =
    mode === 'timeline'
      ? {
          kind: 'threadTimeline' as const,
          filter: schedFilter(lanesWindow, cpus),
          sortBy: laneSort,
          maxLanes: MAX_LANES,
          maxIntervalsPerLane: MAX_INTERVALS_PER_LANE,
        }
      : undefined;
  const timeline = useQueryResult('threads-timeline', traceId, timelineQ);

  const pickPreset = (name: string) => {
    const preset = SWITCH_PRESETS.find((p) => p.name === name);
    if (preset === undefined) return;
    setPresetName(name);
    setGroupBy(preset.groupBy);
    setSort({ by: preset.sortBy, descending: true });
    setMode(name === TIMELINE_PRESET ? 'timeline' : 'table');
  };
  const pickDelays = (tid: number) => {
    setDelayThread(tid);
    setMode('delays');
  };
  const toggle = (set: ReadonlySet<string>, key: string) => {
    const next = new Set(set);
    if (next.has(key)) next.delete(key);
    else next.add(key);
    return next;
  };
  const shownCpus = timeline.result
    ? [
        ...new Set(
          timeline.result.lanes.flatMap((l) =>
            l.intervals.filter((i) => i.state === 'running').map((i) => i.cpu),
          ),
        ),
      ]
        .filter((c) => c >= 0)
        .sort((a, b) => a - b)
    : [];

  return (
    <div className="threads-panel" data-testid="threads-panel">
      <div className="stack-toolbar">
        <select
          className="stack-preset"
          value={presetName}
          onChange={(e) => pickPreset(e.target.value)}
          aria-label="CPU Usage (Precise) preset"
          data-testid="threads-preset"
        >
          {SWITCH_PRESETS.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        <span className="segmented" role="group" aria-label="Threads view">
          {(
            [
              ['table', 'Table'],
              ['timeline', 'Timeline'],
              ['delays', 'Who delayed my thread'],
            ] as const
          ).map(([m, label]) => (
            <button
              type="button"
              key={m}
              className={mode === m ? 'segment active' : 'segment'}
              aria-pressed={mode === m}
              onClick={() => setMode(m)}
              data-testid={`threads-mode-${m}`}
            >
              {label}
            </button>
          ))}
        </span>
        {mode === 'timeline' && (
          <>
            <label className="muted">
              Sort lanes by{' '}
              <select
                value={laneSort}
                onChange={(e) => setLaneSort(e.target.value === 'switches' ? 'switches' : 'cpuUsage')}
                data-testid="threads-lane-sort"
              >
                <option value="cpuUsage">CPU usage</option>
                <option value="switches">switch count</option>
              </select>
            </label>
            <span className="thread-legend" data-testid="thread-legend">
              {shownCpus.slice(0, LEGEND_CPUS).map((c) => (
                <span key={c}>
                  <span className="swatch" style={{ background: cpuColor(c, theme) }} />
                  CPU {c}
                </span>
              ))}
              {shownCpus.length > LEGEND_CPUS ? ' …' : ''}
              <span>(running)</span>
              <span>
                <span className="swatch ready" style={{ background: readyColor(theme) }} />
                ready
              </span>
              <span>
                <span className="swatch wait" style={{ background: waitColor(theme) }} />
                waiting
              </span>
              <span>| readied by a thread · ▼ from a DPC</span>
            </span>
          </>
        )}
        {inView.result?.note !== undefined && <span className="muted">{inView.result.note}</span>}
      </div>
      {mode === 'table' && (
        <>
          <SwitchGroupBar groupBy={groupBy} setGroupBy={(g) => (setGroupBy(g), setExpanded(new Set()))} />
          {pivot.error !== undefined && (
            <div className="notice error">Could not compute this table: {pivot.error.message}</div>
          )}
          <SwitchTable
            result={pivot.result}
            loading={pivot.loading}
            groupBy={groupBy}
            sort={sort}
            onSort={(by) =>
              setSort((s) =>
                s.by === by ? { by, descending: !s.descending } : { by, descending: by !== 'key' },
              )
            }
            expanded={expanded}
            onToggle={(path) => setExpanded((e) => toggle(e, path))}
            filter={filter}
            names={names}
            onDelays={pickDelays}
          />
        </>
      )}
      {mode === 'timeline' && (
        <div className="thread-timeline-scroll" ref={box}>
          {timeline.error !== undefined && (
            <div className="notice error">Could not compute the timeline: {timeline.error.message}</div>
          )}
          {timeline.result === undefined && (
            <div className="pivot-empty">{timeline.loading ? 'Computing…' : ''}</div>
          )}
          {timeline.result !== undefined && timeline.result.lanes.length === 0 && (
            <div className="pivot-empty">No thread switched in around the visible range and CPUs.</div>
          )}
          {timeline.result !== undefined && timeline.result.lanes.length > 0 && (
            <ThreadTimeline
              result={timeline.result}
              view={view}
              width={width}
              theme={theme}
              names={names}
              collapsed={collapsed}
              onToggleProcess={(key) => setCollapsed((c) => toggle(c, key))}
              onPickThread={pickDelays}
            />
          )}
          {timeline.result !== undefined && timeline.result.omittedLanes > 0 && (
            <div className="muted">+{timeline.result.omittedLanes} threads with less CPU usage not drawn</div>
          )}
        </div>
      )}
      {mode === 'delays' && (
        <DelaysView
          threadId={delayThread}
          onPick={setDelayThread}
          threads={inView.result?.rows ?? []}
          filter={filter}
          names={names}
        />
      )}
    </div>
  );
}

/** The gold bar, simply: grouped columns (× removes) ┃ the others (click adds at the end). */
function SwitchGroupBar({
  groupBy,
  setGroupBy,
}: {
  groupBy: readonly SwitchColumn[];
  setGroupBy: (groupBy: readonly SwitchColumn[]) => void;
}) {
  const available = SWITCH_COLUMNS.filter((c) => !groupBy.includes(c));
  return (
    <div className="goldbar-row" data-testid="switch-groupbar">
      <div className="group-zone">
        <span className="zone-label">Group by</span>
        {groupBy.length === 0 && <span className="zone-empty">click columns on the right</span>}
        {groupBy.map((column, index) => (
          <span key={column} className="group-chip" data-testid={`switch-chip-${column}`}>
            {index > 0 && <span className="chevron">›</span>}
            {SWITCH_COLUMN_TITLES[column]}
            <button
              type="button"
              className="chip-remove"
              onClick={() => setGroupBy(groupBy.filter((c) => c !== column))}
              aria-label={`Stop grouping by ${SWITCH_COLUMN_TITLES[column]}`}
            >
              ×
            </button>
          </span>
        ))}
      </div>
      <div className="gold-bar" title="Columns left of the gold bar group the rows" />
      <div className="available-zone">
        {available.map((column) => (
          <button
            type="button"
            key={column}
            className="available-chip"
            onClick={() => setGroupBy([...groupBy, column])}
            title={`Group by ${SWITCH_COLUMN_TITLES[column]}`}
            data-testid={`switch-available-${column}`}
          >
            + {SWITCH_COLUMN_TITLES[column]}
          </button>
        ))}
      </div>
    </div>
  );
}
