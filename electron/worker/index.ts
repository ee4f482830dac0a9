// The worker pool: `openTraceSession(path, options)` loads a trace in an engine worker thread
// (never on the caller's thread) and returns a TraceSession whose queries run there too.
// `openTraceInProcess` (re-exported) is the same session without threads.
//
//   caller ──openTraceSession──> engine worker ──(big file, 2+ cores)──> parser workers
//          <──progress / summary──              <──partials (transferred)──
//   session.query(q, signal) ──{query, slot}──> engine worker ──result──> caller
//   signal.abort() ──Atomics.store(cancel[slot], 0)──> the running loop sees its tag gone, throws
//                                                     'cancelled'; the slot is free again at once
//   worker crash (exit, uncaught throw, heap OOM) ──> every pending call and every later one
//                                                     rejects with 'The engine for … stopped'

import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type {
  ExportRequest,
  Query,
  QueryResult,
  ResultOf,
  SymbolLoadRequest,
  SymbolLoadResult,
  TraceSummary,
  WireError,
} from '../../shared/contract.js';
import type {
  ExportProgressUpdate,
  OpenSessionOptions,
  SymbolLoadSessionOptions,
  TraceSession,
} from '../engine/session-types.js';
import { SPLIT_MIN_BYTES } from './hosts.js';
import { CANCEL_SLOTS, LOAD_CANCEL_SLOT, slotTag, type EngineToPool, type PoolToEngine } from './messages.js';
import { workerLaunch } from './worker-script.js';

export { openTraceInProcess } from '../engine/session.js';

/** Parser workers used at most: beyond 4 the merge and the disk dominate. */
const MAX_AUTO_WORKERS = 4;

/** Engine workers alive in this process (one per open or opening trace): the server's chaos test
 *  checks the count is back where it was after crashes and disconnects, and tests reach a worker
 *  to kill it mid-load or mid-query. */
const liveEngineWorkers = new Set<Worker>();
export function engineWorkers(): ReadonlySet<Worker> {
  return liveEngineWorkers;
}

/**
 * The engine worker's V8 heap limit: the same as this process's default, but given explicitly so
 * that running out of it ends only that worker (ERR_WORKER_OUT_OF_MEMORY, reported on its trace)
 * instead of aborting the whole process (a server serving other traces). Typed-array columns live
 * outside the V8 heap and are not counted; ETLSCOPE_ENGINE_HEAP_MB lowers it (tests).
 */
export function engineHeapLimitMb(env: NodeJS.ProcessEnv = process.env): number {
  const given = Number(env.ETLSCOPE_ENGINE_HEAP_MB);
  if (Number.isInteger(given) && given >= 16) return given;
  return Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
}

export class SessionError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
    this.name = wire.name;
  }
  get code(): WireError['code'] {
    return this.wire.code;
  }
}

const cancelled = (what: string) =>
  new SessionError({ name: 'CancelledError', message: `${what} was cancelled.`, code: 'cancelled' });

/** Parser workers for a file: 1 below SPLIT_MIN_BYTES or on one core, else up to the cores. */
export function defaultWorkerCount(fileBytes: number): number {
  const cores = availableParallelism();
  if (fileBytes < SPLIT_MIN_BYTES || cores < 2) return 1;
  return Math.min(cores, MAX_AUTO_WORKERS);
}

interface Pending {
  readonly slot: number;
  /** The slot was given back when the caller aborted (queries, exports): the late answer must
   *  not free it a second time. */
  slotReleased: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  settled: boolean;
}

class WorkerSession implements TraceSession {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly freeSlots: number[] = [];
  /** Progress listeners of running symbol loads, by request id. */
  private readonly progress = new Map<number, NonNullable<SymbolLoadSessionOptions['onProgress']>>();
  /** Progress listeners of running exports, by request id. */
  private readonly exportProgress = new Map<number, (progress: ExportProgressUpdate) => void>();
  private closed = false;
  /** Set when the engine worker died on its own: what every pending and later call rejects with. */
  private crashed: WireError | undefined;

  constructor(
    private readonly worker: Worker,
    private readonly cancel: Int32Array,
    readonly summary: TraceSummary,
    private readonly onBackground?: OpenSessionOptions['onBackground'],
  ) {
    for (let s = CANCEL_SLOTS - 1; s > LOAD_CANCEL_SLOT; s--) this.freeSlots.push(s);
    worker.on('message', (raw: unknown) => this.onMessage(raw as EngineToPool));
    worker.on('error', (error) => {
      this.crashed ??= crashError(summary.fileName, error);
      this.failAll(this.crashed);
    });
    worker.on('exit', (code) => {
      liveEngineWorkers.delete(worker);
      if (!this.closed) this.crashed ??= crashError(summary.fileName, undefined, code);
      this.failAll(
        this.crashed ?? { name: 'EngineError', message: 'The trace was closed.', code: 'not-found' },
      );
    });
    worker.unref();
  }

  private onMessage(message: EngineToPool): void {
    if (message.type === 'background') {
      this.onBackground?.(message.event);
      return;
    }
    if (message.type === 'symbols-progress') {
      this.progress.get(message.id)?.(message.progress);
      return;
    }
    if (message.type === 'export-progress') {
      this.exportProgress.get(message.id)?.(message.progress);
      return;
    }
    if (
      message.type !== 'result' &&
      message.type !== 'exported' &&
      message.type !== 'failed' &&
      message.type !== 'symbols-loaded'
    )
      return;
    this.progress.delete(message.id);
    this.exportProgress.delete(message.id);
    const entry = this.pending.get(message.id);
    if (entry === undefined) return;
    this.pending.delete(message.id);
    if (!entry.slotReleased) this.releaseSlot(entry);
    if (this.pending.size === 0) this.worker.unref();
    if (entry.settled) return;
    entry.settled = true;
    if (message.type === 'result') entry.resolve(message.result);
    else if (message.type === 'exported') entry.resolve({ rows: message.rows });
    else if (message.type === 'symbols-loaded') entry.resolve(message.result);
    else entry.reject(new SessionError(message.error));
  }

  private releaseSlot(entry: Pending): void {
    entry.slotReleased = true;
    Atomics.store(this.cancel, entry.slot, 0);
    this.freeSlots.push(entry.slot);
  }

  private failAll(error: WireError): void {
    this.closed = true;
    for (const entry of this.pending.values()) {
      if (!entry.settled) {
        entry.settled = true;
        entry.reject(new SessionError(error));
      }
    }
    this.pending.clear();
  }

  private send<T>(
    build: (id: number, slot: number) => PoolToEngine,
    signal: AbortSignal | undefined,
    what: string,
    /** On abort: answer the caller at once (queries), or let the worker settle it (a symbol load
     *  returns what it loaded before the cancel). */
    onAbort: 'reject' | 'wait' = 'reject',
  ): Promise<T> {
    if (this.crashed !== undefined) return Promise.reject(new SessionError(this.crashed));
    if (this.closed)
      return Promise.reject(
        new SessionError({ name: 'EngineError', message: 'The trace was closed.', code: 'not-found' }),
      );
    if (signal?.aborted === true) return Promise.reject(cancelled(what));
    const slot = this.freeSlots.pop();
    if (slot === undefined)
      return Promise.reject(
        new SessionError({ name: 'EngineError', message: 'Too many queries at once.', code: 'bad-request' }),
      );
    const id = this.nextId++;
    Atomics.store(this.cancel, slot, slotTag(id));
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = {
        slot,
        slotReleased: false,
        resolve: resolve as (v: unknown) => void,
        reject,
        settled: false,
      };
      this.pending.set(id, entry);
      this.worker.ref();
      signal?.addEventListener(
        'abort',
        () => {
          if (entry.settled && entry.slotReleased) return;
          // The worker sees its tag gone within a few thousand rows (or before it starts, if the
          // call is still queued); we answer the caller at once.
          Atomics.store(this.cancel, slot, 0);
          if (onAbort === 'reject' && !entry.settled) {
            entry.settled = true;
            // Free the slot now, not when the worker gets round to the cancelled call: a burst of
            // superseded queries must not use up the slots the newest one needs. A later call that
            // takes the slot writes its own tag, which the old call never mistakes for its own.
            this.pending.delete(id);
            this.progress.delete(id);
            this.exportProgress.delete(id);
            this.releaseSlot(entry);
            if (this.pending.size === 0) this.worker.unref();
            reject(cancelled(what));
          }
        },
        { once: true },
      );
      this.worker.postMessage(build(id, slot));
    });
  }

  query<Q extends Query>(query: Q, signal?: AbortSignal): Promise<ResultOf<Q>> {
    return this.send<QueryResult>(
      (id, slot) => ({ type: 'query', id, slot, query }),
      signal,
      'The query',
    ) as Promise<ResultOf<Q>>;
  }

  exportCsv(
    request: ExportRequest,
    path: string,
    signal?: AbortSignal,
    onProgress?: (progress: ExportProgressUpdate) => void,
  ): Promise<{ rows: number }> {
    return this.send<{ rows: number }>(
      (id, slot) => {
        if (onProgress !== undefined) this.exportProgress.set(id, onProgress);
        return { type: 'export', id, slot, request, path };
      },
      signal,
      'The export',
    );
  }

  loadSymbols(request: SymbolLoadRequest, options: SymbolLoadSessionOptions = {}): Promise<SymbolLoadResult> {
    return this.send<SymbolLoadResult>(
      (id, slot) => {
        if (options.onProgress !== undefined) this.progress.set(id, options.onProgress);
        return {
          type: 'symbols',
          id,
          slot,
          request,
          ...(options.hostSymbolPath !== undefined ? { hostSymbolPath: options.hostSymbolPath } : {}),
        };
      },
      options.signal,
      'Loading symbols',
      'wait',
    );
  }

  async close(): Promise<void> {
    if (this.closed) {
      // Crashed: the worker is gone already (or going); wait for it so nothing outlives close().
      if (liveEngineWorkers.has(this.worker)) await this.worker.terminate();
      return;
    }
    this.closed = true;
    for (const entry of this.pending.values()) Atomics.store(this.cancel, entry.slot, 0);
    this.failAll({ name: 'EngineError', message: 'The trace was closed.', code: 'cancelled' });
    await this.worker.terminate();
  }
}

/** The same words for a worker that died before the trace was ready. */
const loading = (error: WireError): string =>
  error.message.replace('; open the trace again.', ' while loading.');

/** What a dead engine worker means to the user: the trace by name, what happened, what to do. */
function crashError(fileName: string, error?: Error, exitCode?: number): WireError {
  const outOfMemory = (error as { code?: unknown } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
  const why = outOfMemory
    ? 'ran out of memory'
    : error !== undefined
      ? `failed: ${error.message}`
      : `stopped unexpectedly (exit code ${exitCode ?? '?'})`;
  return {
    name: 'WorkerError',
    message: `The engine for ${fileName} ${why}; open the trace again.`,
    code: 'internal',
  };
}

/** Loads `path` in a worker thread; implements OpenTraceSession. */
export async function openTraceSession(
  path: string,
  options: OpenSessionOptions = {},
): Promise<TraceSession> {
  if (options.signal?.aborted === true) throw cancelled('Loading');
  let size = 0;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new SessionError({
      name: 'NotFoundError',
      message: `Cannot open ${path}: ${(error as Error).message}`,
      code: 'not-found',
    });
  }
  const workers = Math.max(1, Math.floor(options.workers ?? defaultWorkerCount(size)));
  const cancelBuffer = new SharedArrayBuffer(4 * CANCEL_SLOTS);
  const cancel = new Int32Array(cancelBuffer);
  const launch = workerLaunch();
  const worker = new Worker(launch.file, {
    eval: launch.eval,
    ...(launch.execArgv !== undefined ? { execArgv: launch.execArgv } : {}),
    workerData: { role: 'engine', cancel: cancelBuffer },
    resourceLimits: { maxOldGenerationSizeMb: engineHeapLimitMb() },
  });
  liveEngineWorkers.add(worker);
  worker.once('exit', () => liveEngineWorkers.delete(worker));

  return new Promise<TraceSession>((resolve, reject) => {
    let done = false;
    const finish = (error: unknown, session?: TraceSession) => {
      if (done) return;
      done = true;
      worker.off('message', onMessage);
      options.signal?.removeEventListener('abort', onAbort);
      if (session !== undefined) resolve(session);
      else {
        void worker.terminate();
        reject(error);
      }
    };
    const onMessage = (raw: unknown) => {
      const message = raw as EngineToPool;
      if (message.type === 'progress') options.onProgress?.(message.progress);
      else if (message.type === 'loaded')
        finish(undefined, new WorkerSession(worker, cancel, message.summary, options.onBackground));
      else if (message.type === 'load-failed') finish(new SessionError(message.error));
    };
    const onAbort = () => {
      Atomics.store(cancel, LOAD_CANCEL_SLOT, 1);
      finish(cancelled('Loading'));
    };
    worker.on('message', onMessage);
    const fileName = basename(path);
    worker.once('error', (error) =>
      finish(
        new SessionError({ ...crashError(fileName, error), message: loading(crashError(fileName, error)) }),
      ),
    );
    worker.once('exit', (code) =>
      finish(
        new SessionError({
          ...crashError(fileName, undefined, code),
          message: loading(crashError(fileName, undefined, code)),
        }),
      ),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const request: PoolToEngine = { type: 'load', path, workers };
    worker.postMessage(request);
  });
}
