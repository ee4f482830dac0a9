// The worker_threads contract: every message between the pool (caller's thread), the engine
// worker (holds the model, answers queries) and the parser workers (read some CPUs into a
// partial) is one of these discriminated unions. Errors travel as WireError (plain data).
//
//   pool ──PoolToEngine──> engine worker ──EngineToParser──> parser workers (2+ for big files)
//        <──EngineToPool──              <──ParserToEngine── (partials: ArrayBuffers transferred)
//
// A parser worker: parse → 'parsed' (row counts) → derive → on 'place', copy its rows into the
// engine share's SharedArrayBuffer columns behind the earlier shares' rows → 'partial'.
// The scheduling worker: 'read' (phase 1 over the file) → on 'finish'
// (the model's threads) phase 2 → 'sched' (tables transferred); the engine answers scheduling and
// power queries from them (engine ──EngineToSched──> sched worker ──SchedToEngine──> engine).
//
// Cancellation does not wait for the message queue (a query loop is synchronous): the pool and
// the workers share one Int32Array over a SharedArrayBuffer; slot LOAD_CANCEL_SLOT cancels the
// load (1 = cancel); each query/export/symbol load takes a free slot holding its tag
// (`slotTag(id)`), and the call is cancelled as soon as the slot holds anything else: the pool
// writes 0 on abort and gives the slot back at once, so a newer call may take it while the old
// one is still queued or running — the old one then sees another tag and stops.

import {
  toWireError,
  type ExportRequest,
  type LoadProgress,
  type Query,
  type QueryResult,
  type SymbolLoadProgress,
  type SymbolLoadRequest,
  type SymbolLoadResult,
  type TraceSummary,
  type WireError,
} from '../../shared/contract.js';
import type { ExportSliceProgress } from '../engine/engine.js';
import type { BackgroundEvent } from '../engine/session-types.js';
import type { Partial, RowCounts, RowPlacement } from '../engine/partial.js';
import type { SchedData, ThreadKey } from '../engine/sched/sched-data.js';

export const LOAD_CANCEL_SLOT = 0;

/** A worker's failure as plain data for its parent: an error without a code is 'internal'. */
export function wireFailure(error: unknown): WireError {
  const w = toWireError(error);
  return w.code !== undefined ? w : { ...w, code: 'internal' };
}
/** The value a running call's slot holds: its id folded into a positive Int32 (never 0 = free). */
export const slotTag = (id: number): number => id % 0x7fffffff || 1;
/** Slots in the shared cancel array: 1 for the load + concurrent queries/exports (slots are reused). */
export const CANCEL_SLOTS = 256;

export type WorkerRole = 'engine' | 'parser' | 'sched';

export interface EngineWorkerData {
  readonly role: 'engine';
  readonly cancel: SharedArrayBuffer;
}
export interface ParserWorkerData {
  readonly role: 'parser';
  readonly cancel: SharedArrayBuffer;
}
export interface SchedWorkerData {
  readonly role: 'sched';
  readonly cancel: SharedArrayBuffer;
}
export type WorkerData = EngineWorkerData | ParserWorkerData | SchedWorkerData;

export type PoolToEngine =
  | { readonly type: 'load'; readonly path: string; readonly workers: number }
  | { readonly type: 'query'; readonly id: number; readonly slot: number; readonly query: Query }
  | {
      readonly type: 'export';
      readonly id: number;
      readonly slot: number;
      readonly request: ExportRequest;
      readonly path: string;
    }
  | {
      readonly type: 'symbols';
      readonly id: number;
      readonly slot: number;
      readonly request: SymbolLoadRequest;
      readonly hostSymbolPath?: string;
    };

export type EngineToPool =
  | { readonly type: 'progress'; readonly progress: Omit<LoadProgress, 'traceId'> }
  | { readonly type: 'loaded'; readonly summary: TraceSummary }
  | { readonly type: 'background'; readonly event: BackgroundEvent }
  | { readonly type: 'load-failed'; readonly error: WireError }
  | { readonly type: 'result'; readonly id: number; readonly result: QueryResult }
  | { readonly type: 'exported'; readonly id: number; readonly rows: number }
  /** An export moved on (at most every EXPORT_PROGRESS_MS, between slices). */
  | { readonly type: 'export-progress'; readonly id: number; readonly progress: ExportSliceProgress }
  | {
      readonly type: 'symbols-progress';
      readonly id: number;
      readonly progress: Omit<SymbolLoadProgress, 'traceId' | 'requestId'>;
    }
  | { readonly type: 'symbols-loaded'; readonly id: number; readonly result: SymbolLoadResult }
  | { readonly type: 'failed'; readonly id: number; readonly error: WireError };

export type EngineToParser =
  /** `schedEvents`: collect the scheduling events too (load.ts ReadPartialOptions). */
  | {
      readonly type: 'parse';
      readonly path: string;
      readonly cpus: readonly number[];
      readonly schedEvents: boolean;
    }
  /** Where to copy the parsed rows (the engine share's shared columns), then send the partial. */
  | { readonly type: 'place'; readonly plan: RowPlacement };

export type ParserToEngine =
  | { readonly type: 'progress'; readonly bytesRead: number; readonly events: number }
  /** Row counts, as soon as the events are read (the engine plans where the rows go). */
  | { readonly type: 'parsed'; readonly rows: RowCounts }
  | { readonly type: 'partial'; readonly partial: Partial }
  | { readonly type: 'failed'; readonly error: WireError };

/** The scheduling worker (sched-host.ts): 'read' starts phase 1 over the file (at once beside a
 *  one-parser load, after a split one); 'finish' brings the model's threads for phase 2. */
export type EngineToSched =
  | { readonly type: 'read'; readonly path: string }
  | {
      readonly type: 'finish';
      readonly threads: readonly ThreadKey[];
      readonly endNs: number;
    };

export type SchedToEngine =
  /** The tables, their typed arrays transferred. */
  | { readonly type: 'sched'; readonly data: SchedData }
  | { readonly type: 'failed'; readonly error: WireError };
