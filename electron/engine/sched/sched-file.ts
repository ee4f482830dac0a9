// Where a model's scheduling tables come from, cached per model: installed by the worker that
// finished them (electron/worker/sched-host.ts), finished here from the events the load pass
// collected (installSchedEvents: the in-process session, small files), or — when neither is at
// hand (the worker failed after the events were handed to it) — read again from the trace file.
//
//   load pass ──SchedEventsData──> installSchedEvents ──first scheduling query──> finishSchedEvents
//   trace file ──readSchedEvents (per CPU)──> finishSchedEvents        (fallback: a second read)

import type { EtlTrace } from '../../reader/index.js';
import { openTraceFile, schedCpuSlots } from '../load.js';
import type { EngineModel } from '../model.js';
import { EngineError } from '../query-common.js';
import { finishSchedEvents, SchedEvents, type SchedData, type SchedEventsData } from './sched-data.js';

const tables = new WeakMap<EngineModel, SchedData>();
const pendingEvents = new WeakMap<EngineModel, SchedEventsData>();

/**
 * Phase 1 over the trace file: every switch, ready and power event, as read CPU by CPU. The load
 * pass collects the same (load.ts parsePartial); this is the fallback when its events are gone.
 * Throws EngineError 'cancelled' when `shouldStop` says so.
 */
export function readSchedEvents(
  trace: EtlTrace,
  shouldStop?: () => boolean,
  includeCpu?: (cpu: number) => boolean,
): SchedEvents {
  const events = new SchedEvents(schedCpuSlots(trace), trace.header.cpuSpeedMHz);
  const origin = trace.clock.originTicks;
  const nsPerTick = trace.clock.nsPerTick;
  const toNs = (ticks: number) => (ticks - origin) * nsPerTick;
  // CPU by CPU (no cross-CPU merge while reading: ~200 ms of 450 on the 211 MB bench trace);
  // phase 2 puts everything in time order.
  const stats = trace.forEachEvent((ev) => events.visit(ev, toNs(ev.timestamp), toNs), {
    order: 'per-cpu',
    ...(shouldStop !== undefined ? { shouldStop } : {}),
    ...(includeCpu !== undefined ? { includeCpu } : {}),
  });
  if (stats.stopped) throw new EngineError('The scheduling pass was cancelled.', 'cancelled');
  return events;
}

/** The model's scheduling tables: cached; else finished from the load pass's events; else both
 *  phases over the trace file. */
export function schedData(model: EngineModel, tracePath: string | undefined): SchedData {
  const cached = tables.get(model);
  if (cached !== undefined) return cached;
  const events = pendingEvents.get(model);
  let data: SchedData;
  if (events !== undefined) {
    data = finishSchedEvents(events, model.threads, model.durationNs);
    pendingEvents.delete(model);
  } else {
    if (tracePath === undefined)
      throw new EngineError(
        'Scheduling queries need the trace file the model was loaded from.',
        'bad-request',
      );
    const trace = openTraceFile(tracePath);
    try {
      data = readSchedEvents(trace).finish(model.threads, model.durationNs);
    } finally {
      trace.close();
    }
  }
  tables.set(model, data);
  return data;
}

/** Whether the model's scheduling tables are built (queries then need no file pass). */
export function hasSchedData(model: EngineModel): boolean {
  return tables.has(model);
}

/** Installs tables built elsewhere (a worker's phase 2 over this model's events). */
export function installSchedData(model: EngineModel, data: SchedData): void {
  if (!tables.has(model)) tables.set(model, data);
  pendingEvents.delete(model);
}

/** Keeps the load pass's events for the first scheduling query to finish (no second read). */
export function installSchedEvents(model: EngineModel, events: SchedEventsData): void {
  if (!tables.has(model)) pendingEvents.set(model, events);
}
