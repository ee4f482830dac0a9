// The seam between the engine (tables + queries, loaded in worker_threads) and whoever serves it
// (Electron main, the `serve` WebSocket server, the CLI). Implementations live in
// electron/worker/ (worker pool) and electron/engine/ (in-process, for the CLI and tests).

import type {
  ExportRequest,
  LoadProgress,
  Query,
  ResultOf,
  SymbolLoadProgress,
  SymbolLoadRequest,
  SymbolLoadResult,
  TraceSummary,
} from '../../shared/contract.js';

export interface OpenSessionOptions {
  /** Streamed while loading (traceId is filled in by the caller). */
  readonly onProgress?: (progress: Omit<LoadProgress, 'traceId'>) => void;
  readonly signal?: AbortSignal;
  /** Parser workers to split the buffers across (default: chosen from file size and cores). */
  readonly workers?: number;
  /** Work the session does by itself after the load (logs, benchmarks, tests). */
  readonly onBackground?: (event: BackgroundEvent) => void;
}

/** A background task of the session ended: the scheduling tables built by their own worker
 *  (`ms` from its start), or that worker failed (the engine then builds them on first use). */
export interface BackgroundEvent {
  readonly task: 'scheduling';
  readonly outcome: 'built' | 'failed';
  readonly ms: number;
}

/** A loaded trace: its overview plus bounded queries over its columnar tables. */
export interface TraceSession {
  readonly summary: TraceSummary;
  /** Newest-wins is the caller's job; an aborted signal rejects with code 'cancelled'. */
  query<Q extends Query>(query: Q, signal?: AbortSignal): Promise<ResultOf<Q>>;
  /** Streams CSV to `path` without building all rows in memory; resolves with the row count.
   *  `onProgress` hears the rows and bytes written so far (the worker: between its slices). */
  exportCsv(
    request: ExportRequest,
    path: string,
    signal?: AbortSignal,
    onProgress?: (progress: ExportProgressUpdate) => void,
  ): Promise<{ rows: number }>;
  /** Finds and applies symbols (symbol-load.ts); `hostSymbolPath` is added after the request's. */
  loadSymbols(request: SymbolLoadRequest, options?: SymbolLoadSessionOptions): Promise<SymbolLoadResult>;
  close(): Promise<void>;
}

/** An export's progress: rows and bytes written; `totalRows` is the most it will write. */
export interface ExportProgressUpdate {
  readonly rows: number;
  readonly bytes: number;
  readonly totalRows?: number;
}

export interface SymbolLoadSessionOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Omit<SymbolLoadProgress, 'traceId' | 'requestId'>) => void;
  /** The host's own symbol path (the server's or app's --symbols), searched after the request's. */
  readonly hostSymbolPath?: string;
}

export type OpenTraceSession = (path: string, options?: OpenSessionOptions) => Promise<TraceSession>;
