// The seam between the engine (tables + queries, loaded in worker_threads) and whoever serves it
// (Electron main, the `serve` WebSocket server, the CLI). Implementations live in
// electron/worker/ (worker pool) and electron/engine/ (in-process, for the CLI and tests).

import type { ExportRequest, LoadProgress, Query, ResultOf, TraceSummary } from '../../shared/contract.js';

export interface OpenSessionOptions {
  /** Streamed while loading (traceId is filled in by the caller). */
  readonly onProgress?: (progress: Omit<LoadProgress, 'traceId'>) => void;
  readonly signal?: AbortSignal;
  /** Parser workers to split the buffers across (default: chosen from file size and cores). */
  readonly workers?: number;
}

/** A loaded trace: its overview plus bounded queries over its columnar tables. */
export interface TraceSession {
  readonly summary: TraceSummary;
  /** Newest-wins is the caller's job; an aborted signal rejects with code 'cancelled'. */
  query<Q extends Query>(query: Q, signal?: AbortSignal): Promise<ResultOf<Q>>;
  /** Streams CSV to `path` without building all rows in memory; resolves with the row count. */
  exportCsv(request: ExportRequest, path: string, signal?: AbortSignal): Promise<{ rows: number }>;
  close(): Promise<void>;
}

export type OpenTraceSession = (path: string, options?: OpenSessionOptions) => Promise<TraceSession>;
