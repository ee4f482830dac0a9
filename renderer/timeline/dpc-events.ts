// Pure helpers over a dpcEvents answer: one row as a DpcEventRef, the TSV WPA's users paste into a
// spreadsheet (Ctrl+C), and the timeline's hit test (which mark lies under a pixel).

import { DPC_TYPES, type DpcEventsResult, type GroupColumn } from '../../shared/contract.js';
import type { DpcEventRef } from '../state/slices.js';

export function eventAt(result: DpcEventsResult, k: number): DpcEventRef {
  const routine = result.routines[result.routine[k]!]!;
  return {
    id: result.id[k]!,
    cpu: result.cpu[k]!,
    type: DPC_TYPES[result.type[k]!]!,
    module: routine.module,
    function: routine.function,
    enterNs: result.enterNs[k]!,
    durationNs: result.durationNs[k]!,
    exclusiveNs: result.exclusiveNs[k]!,
    fragments: result.fragments[k]!,
  };
}

/** The event table's columns, in WPA's names (the CSV export's names for the same values). */
export const EVENT_COLUMNS = [
  { id: 'cpu', label: 'CPU' },
  { id: 'type', label: 'Type' },
  { id: 'module', label: 'Module' },
  { id: 'function', label: 'Function' },
  { id: 'enter', label: 'Enter Time (s)' },
  { id: 'exit', label: 'Exit Time (s)' },
  { id: 'duration', label: 'Duration (µs)' },
  { id: 'exclusive', label: 'Exclusive Duration (µs)' },
  { id: 'fragments', label: 'Fragments' },
] as const;
export type EventColumnId = (typeof EVENT_COLUMNS)[number]['id'];

/** A cell as text: seconds with 9 decimals (ns), µs with 3 (as the CSV export writes them). */
export function eventCell(event: DpcEventRef, column: EventColumnId): string {
  switch (column) {
    case 'cpu':
      return String(event.cpu);
    case 'type':
      return event.type;
    case 'module':
      return event.module;
    case 'function':
      return event.function;
    case 'enter':
      return (event.enterNs / 1e9).toFixed(9);
    case 'exit':
      return ((event.enterNs + event.durationNs) / 1e9).toFixed(9);
    case 'duration':
      return (event.durationNs / 1e3).toFixed(3);
    case 'exclusive':
      return (event.exclusiveNs / 1e3).toFixed(3);
    case 'fragments':
      return String(event.fragments);
  }
}

/** Tab-separated rows with a header line of WPA's column names (a spreadsheet pastes columns). */
export function eventsToTsv(events: readonly DpcEventRef[], columns: readonly EventColumnId[]): string {
  const header = columns.map((c) => EVENT_COLUMNS.find((e) => e.id === c)!.label).join('\t');
  return [header, ...events.map((e) => columns.map((c) => eventCell(e, c)).join('\t'))].join('\n');
}

/** Lane geometry of the timeline: CPU lanes top to bottom, `laneHeight` px each. */
export interface LaneLayout {
  readonly cpus: readonly number[];
  readonly laneHeight: number;
}

/**
 * The event under (x, y) in timeline pixels (x from the plot's left edge): in the pointer's lane,
 * an ISR (drawn over its DPC) before a DPC, else the nearest mark within `slopPx` (a 0.1 µs ISR is
 * narrower than a pixel). Returns the index into the result, or −1.
 */
export function hitTest(
  result: DpcEventsResult,
  layout: LaneLayout,
  view: { start: number; end: number },
  plotWidth: number,
  x: number,
  y: number,
  slopPx = 3,
): number {
  const lane = Math.floor(y / layout.laneHeight);
  const cpu = layout.cpus[lane];
  if (cpu === undefined || plotWidth <= 0) return -1;
  const nsPerPx = (view.end - view.start) / plotWidth;
  const t = view.start + x * nsPerPx;
  const slop = slopPx * nsPerPx;
  let best = -1;
  let bestScore = Infinity;
  for (let k = 0; k < result.id.length; k++) {
    if (result.cpu[k] !== cpu) continue;
    const s = result.enterNs[k]!;
    const e = s + result.durationNs[k]!;
    const distance = t < s ? s - t : t > e ? t - e : 0;
    if (distance > slop) continue;
    // Inside beats near; an ISR (kind ≥ 3, drawn on top) beats the DPC around it; then the shorter.
    const score = distance * 4 + (result.type[k]! >= 3 ? 0 : 1) * slop * 2 + result.durationNs[k]! / 1e12;
    if (score < bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best;
}

/**
 * The pivot group keys of `event` under `groupBy` (the DPC/ISR table's columns: CPU, Type, Module,
 * Function, keyed as the engine keys them), or undefined when a column is not one of those.
 */
export function eventGroupKeys(event: DpcEventRef, groupBy: readonly GroupColumn[]): string[] | undefined {
  const keys: string[] = [];
  for (const column of groupBy) {
    if (column === 'cpu') keys.push(String(event.cpu));
    else if (column === 'type') keys.push(event.type);
    else if (column === 'module') keys.push(event.module);
    else if (column === 'function') keys.push(event.function);
    else return undefined;
  }
  return keys;
}
