// What the two worker roles do, written as plain functions over a message port so the thin
// worker-entry.ts only wires them to `parentPort`:
//
//   engine host: load (itself, or split CPUs across parser workers and merge their partials)
//                → finalize → answer queries/exports until terminated
//   parser host: read the given CPUs of a file into a partial, transfer it back, exit
//
// CPU split: CPUs are assigned greedily by their buffer bytes (largest first to the least
// loaded share), so shares take about the same time. The engine worker parses one share itself.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { TraceSummary } from '../../shared/contract.js';
import { Engine, type ExportSliceProgress } from '../engine/engine.js';
import { derivePerCpu, finalizeModel } from '../engine/finalize.js';
import { headerFacts, openTraceFile, parsePartial, readPartial } from '../engine/load.js';
import {
  partialTransferList,
  placeRows,
  planPlacements,
  type Partial,
  rowCounts,
  type RowCounts,
} from '../engine/partial.js';
import type { CancelToken } from '../engine/query-common.js';
import { headerOnlySummary } from '../engine/summary.js';
import { loadSymbolsIntoEngine } from '../engine/symbol-load.js';
import { mergeSchedEvents, type SchedEventsData } from '../engine/sched/sched-data.js';
import { hasSchedData, installSchedData, installSchedEvents } from '../engine/sched/sched-file.js';
import { isSchedQuery } from '../engine/sched/run.js';
import { readPdbTable } from '../symbols/read-pdb.js';
import { startSchedWorker, type SchedWorker } from './sched-host.js';
import {
  LOAD_CANCEL_SLOT,
  slotTag,
  wireFailure,
  type EngineToParser,
  type EngineToPool,
  type ParserToEngine,
  type PoolToEngine,
} from './messages.js';
import { workerLaunch } from './worker-script.js';

/** Below this file size one parser is faster than paying for a second worker's start-up, its own
 *  JIT warm-up and the merge: `npm run bench` on 2 cores measured 2 workers vs 1 at 0.86× on
 *  106 MB, 1.09× on 316 MB and 1.41× on 1 GiB. */
export const SPLIT_MIN_BYTES = 256 * 1024 * 1024;
/** Progress messages at most this often (the reader reports every few MB). */
const PROGRESS_INTERVAL_MS = 100;
/** Work an export does per turn of the message loop before yielding to queued queries: a
 *  selection's totals (issue 10: ≤ 200 ms during an export) then waits at most about this long
 *  for the export, while the slices stay long enough (each ~1 MiB of CSV, a few ms) that yielding
 *  costs the export little. */
export const EXPORT_SLICE_MS = 10;
/** Export progress messages at most this often (a progress bar needs no more). */
const EXPORT_PROGRESS_MS = 100;
/** How often a running symbol load checks its cancel slot: a cancel is felt within a blink. */
const SYMBOL_CANCEL_POLL_MS = 50;
/** Below this file size the scheduling tables are finished on the engine thread, on first use,
 *  from the events the load pass collected: phase 2 takes ~2 ms per MB (0.4 s for the 211 MB bench
 *  trace on a slow day), so under 16 MiB it costs about what starting a worker does (~60–80 ms).
 *  ETLSCOPE_SCHED_WORKER_MIN_BYTES overrides it (tests run the worker on small traces). */
export const SCHED_WORKER_MIN_BYTES = 16 * 1024 * 1024;
const schedWorkerMinBytes = (): number => {
  const override = Number(process.env.ETLSCOPE_SCHED_WORKER_MIN_BYTES);
  return process.env.ETLSCOPE_SCHED_WORKER_MIN_BYTES !== undefined && Number.isFinite(override)
    ? override
    : SCHED_WORKER_MIN_BYTES;
};

/** Summary counts that mean the scheduling tables have something to hold (else no pass is run ahead). */
function hasSchedEvents(summary: TraceSummary): boolean {
  return Object.keys(summary.counts).some(
    (key) =>
      key === 'Thread/CSwitch' ||
      key === 'Thread/CompactCSwitch' ||
      key === 'Thread/ReadyThread' ||
      key.startsWith('Power/'),
  );
}

export interface Port {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/**
 * Splits CPUs into `n` contiguous, ascending shares of about equal buffer bytes. Contiguous on
 * purpose: concatenating the partials in share order keeps rows in CPU order, so the merge is a
 * plain copy instead of a gather.
 */
export function splitCpus(bytesByCpu: ReadonlyMap<number, number>, n: number): number[][] {
  const cpus = [...bytesByCpu.keys()].sort((a, b) => a - b);
  const total = cpus.reduce((sum, cpu) => sum + bytesByCpu.get(cpu)!, 0);
  const shares: number[][] = [];
  let current: number[] = [];
  let seen = 0;
  for (let i = 0; i < cpus.length; i++) {
    const cpu = cpus[i]!;
    current.push(cpu);
    seen += bytesByCpu.get(cpu)!;
    const left = cpus.length - i - 1;
    const sharesLeft = n - shares.length - 1;
    // Close the share at its byte quota, or when every remaining share needs one CPU.
    if (sharesLeft > 0 && (seen >= (total * (shares.length + 1)) / n || left === sharesLeft)) {
      shares.push(current);
      current = [];
    }
  }
  if (current.length > 0) shares.push(current);
  return shares;
}

let fullGc: (() => void) | null | undefined;
/**
 * A full garbage collection in this worker. After a load the partials (~1.5× the tables) are
 * garbage; collecting them at once returns their memory before the caller measures or the user
 * works, instead of whenever this isolate next feels allocation pressure. V8's `gc` is reached
 * through a fresh context after enabling --expose-gc (the worker cannot be started with it).
 */
function collectGarbage(): void {
  if (fullGc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      // Free dead ArrayBuffers' memory inside the collection, not on a background task that
      // finishes ~0.2 s later (the caller would otherwise see the garbage still resident).
      setFlagsFromString('--no-concurrent-array-buffer-sweeping');
      fullGc = runInNewContext('gc') as () => void;
    } catch {
      fullGc = null;
    }
  }
  fullGc?.();
}

export function runEngineHost(port: Port, cancel: Int32Array): void {
  let engine: Engine | undefined;
  /** The scheduling tables being built by a worker (sched-host.ts): scheduling queries wait for it. */
  let schedReady: Promise<void> | undefined;
  const post = (message: EngineToPool) => port.postMessage(message);
  /** Cancelled once the pool took its tag out of the slot (aborted, or the slot reused since). */
  const tokenFor = (slot: number, id: number): CancelToken => ({
    get cancelled() {
      return Atomics.load(cancel, slot) !== slotTag(id);
    },
  });

  /** True while the warm-up builds the DPC atoms in steps: then only series queries are answered
   *  at once (between steps); every other message waits in `deferred` until it is done. */
  let warming = false;
  const deferred: PoolToEngine[] = [];
  const warmUp = (loaded: Engine) => {
    warming = true;
    const steps = loaded.warmUpSteps();
    const release = () => {
      warming = false;
      for (const message of deferred.splice(0)) handle(message);
    };
    const step = () => {
      let next: IteratorResult<boolean, void>;
      try {
        next = steps.next();
      } catch {
        next = { done: true, value: undefined }; // what is not built, the first query needing it builds
      }
      if (next.done !== true) {
        // Whole-trace pivots are fast now: answer what waited; the zoomed-range levels go on.
        if (next.value && warming) release();
        setImmediate(step);
        return;
      }
      if (warming) release();
      collectGarbage();
    };
    setImmediate(step);
  };

  port.on('message', (raw) => {
    const message = raw as PoolToEngine;
    // The graphs' series need no atoms: answered between warm-up steps (the first graph does not
    // wait ~0.75 s for the pivot indexes of a 2.5 M-DPC trace); the rest waits for them.
    if (warming && !(message.type === 'query' && message.query.kind === 'series')) deferred.push(message);
    else handle(message);
  });

  function handle(message: PoolToEngine): void {
    if (message.type === 'load') {
      load(message.path, message.workers).then(
        ({ engine: loaded, sched, schedEvents }) => {
          engine = loaded;
          collectGarbage();
          post({ type: 'loaded', summary: loaded.model.summary });
          // Phase 2 of the scheduling tables: small files on first use here, from the load's
          // events; else in their worker, reading since the load started or from now on.
          const model = loaded.model;
          const summary = model.summary;
          let worker: SchedWorker | undefined = sched;
          if (worker === undefined && schedEvents === undefined && hasSchedEvents(summary)) {
            worker = startSchedWorker(cancel.buffer as SharedArrayBuffer);
            worker.read(message.path);
          }
          if (schedEvents !== undefined) installSchedEvents(model, mergeSchedEvents(schedEvents));
          else if (worker !== undefined && !hasSchedEvents(summary)) worker.stop();
          else if (worker !== undefined) {
            const pass = worker;
            schedReady = pass.finish(model.threads, model.durationNs).then((data) => {
              if (data !== undefined) installSchedData(model, data);
              schedReady = undefined;
              post({
                type: 'background',
                event: {
                  task: 'scheduling',
                  outcome: data !== undefined ? 'built' : 'failed',
                  ms: Date.now() - pass.startedAt,
                },
              });
            });
          }
          // Build the DPC atoms right away (after the caller has the summary), so the first
          // whole-trace pivot does not pay for them; queries arriving meanwhile wait (or, for
          // series, are answered between its steps).
          warmUp(loaded);
        },
        (error: unknown) => post({ type: 'load-failed', error: wireFailure(error) }),
      );
      return;
    }
    if (engine === undefined) {
      post({
        type: 'failed',
        id: message.id,
        error: { name: 'EngineError', message: 'The trace is not loaded yet.', code: 'not-found' },
      });
      return;
    }
    if (message.type === 'symbols') {
      // Async (file I/O, downloads): queries keep being answered while it runs. The pool cancels
      // through the shared slot, polled here.
      const controller = new AbortController();
      const token = tokenFor(message.slot, message.id);
      const poll = setInterval(() => {
        if (token.cancelled) controller.abort();
      }, SYMBOL_CANCEL_POLL_MS);
      const loaded = engine;
      loadSymbolsIntoEngine(loaded, message.request, {
        ...(loaded.tracePath !== undefined ? { tracePath: loaded.tracePath } : {}),
        ...(message.hostSymbolPath !== undefined ? { hostSymbolPath: message.hostSymbolPath } : {}),
        readPdb: readPdbTable,
        signal: controller.signal,
        onProgress: (progress) => post({ type: 'symbols-progress', id: message.id, progress }),
      })
        .then(
          (result) => post({ type: 'symbols-loaded', id: message.id, result }),
          (error: unknown) => post({ type: 'failed', id: message.id, error: wireFailure(error) }),
        )
        .finally(() => clearInterval(poll));
      return;
    }
    const token = tokenFor(message.slot, message.id);
    if (token.cancelled) {
      // Superseded while it waited in the queue: answer at once instead of starting the work
      // (the pool has forgotten it already; a burst of stale queries costs next to nothing).
      post({
        type: 'failed',
        id: message.id,
        error: { name: 'CancelledError', message: 'cancelled', code: 'cancelled' },
      });
      return;
    }
    if (message.type === 'export') {
      const id = message.id;
      runExportSlices(engine.exportCsvSlices(message.request, message.path, token), (progress) =>
        post({ type: 'export-progress', id, progress }),
      ).then(
        (rows) => post({ type: 'exported', id, rows }),
        (error: unknown) => post({ type: 'failed', id, error: wireFailure(error) }),
      );
      return;
    }
    const answer = (loaded: Engine) => {
      try {
        post({ type: 'result', id: message.id, result: loaded.query(message.query, token) });
      } catch (error) {
        post({ type: 'failed', id: message.id, error: wireFailure(error) });
      }
    };
    // A scheduling query while the worker builds the tables: answered when they arrive (other
    // queries go on meanwhile); without them (the worker failed) the engine builds them itself.
    if (schedReady !== undefined && isSchedQuery(message.query) && !hasSchedData(engine.model)) {
      const loaded = engine;
      void schedReady.then(() => answer(loaded));
      return;
    }
    answer(engine);
  }

  async function load(
    path: string,
    requestedWorkers: number,
  ): Promise<{ engine: Engine; sched?: SchedWorker; schedEvents?: SchedEventsData[] }> {
    const started = Date.now();
    const shouldStop = () => Atomics.load(cancel, LOAD_CANCEL_SLOT) !== 0;
    const trace = openTraceFile(path);
    const header = headerFacts(trace, path);
    const totalBytes = trace.source.size;
    post({
      type: 'progress',
      progress: {
        phase: 'scanning',
        bytesRead: 0,
        totalBytes,
        events: 0,
        elapsedMs: Date.now() - started,
        summary: headerOnlySummary(header),
      },
    });

    const bytesByCpu = new Map<number, number>();
    for (let i = 0; i < trace.buffers.length; i++) {
      const cpu = trace.buffers.cpu[i]!;
      bytesByCpu.set(cpu, (bytesByCpu.get(cpu) ?? 0) + trace.buffers.size[i]!);
    }
    const workers = Math.max(1, Math.min(requestedWorkers, bytesByCpu.size));
    const shares = workers > 1 ? splitCpus(bytesByCpu, workers) : [[...bytesByCpu.keys()]];
    // Small files: the load pass collects the scheduling events (no second read; phase 2 on first
    // use). Bigger ones: a scheduling worker reads them from the file — alongside a one-parser
    // load on the free core, after a split load — because kept through a split load they cost
    // ~0.2 × the file of resident memory on top of the tables (1 GiB: 926 vs 700 MB after load,
    // 1,659 vs 1,433 MB once the tables are built), against ~2–4 s sooner tables; see README.
    const schedEvents = totalBytes < schedWorkerMinBytes();
    const sched =
      !schedEvents && workers === 1 && availableParallelism() >= 2
        ? startSchedWorker(cancel.buffer as SharedArrayBuffer)
        : undefined;
    sched?.read(path);

    // Progress: each share reports its own bytes/events; the sum goes to the pool.
    const shareBytes = new Array<number>(shares.length).fill(0);
    const shareEvents = new Array<number>(shares.length).fill(0);
    let lastPost = 0;
    const report = (share: number, bytesRead: number, events: number) => {
      shareBytes[share] = bytesRead;
      shareEvents[share] = events;
      const now = Date.now();
      if (now - lastPost < PROGRESS_INTERVAL_MS) return;
      lastPost = now;
      post({
        type: 'progress',
        progress: {
          phase: 'reading',
          bytesRead: shareBytes.reduce((a, b) => a + b, 0),
          totalBytes,
          events: shareEvents.reduce((a, b) => a + b, 0),
          elapsedMs: now - started,
        },
      });
    };

    const children: Worker[] = [];
    const remote = shares.slice(1).map((cpus, k) => {
      const launch = workerLaunch();
      const child = new Worker(launch.file, {
        eval: launch.eval,
        ...(launch.execArgv !== undefined ? { execArgv: launch.execArgv } : {}),
        workerData: { role: 'parser', cancel: cancel.buffer },
      });
      children.push(child);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      let parsedRows: (rows: RowCounts) => void = () => {};
      const parsed = new Promise<RowCounts>((resolve) => (parsedRows = resolve));
      const partial = new Promise<Partial>((resolve, reject) => {
        child.on('message', (raw: unknown) => {
          const m = raw as ParserToEngine;
          if (m.type === 'progress') report(k + 1, m.bytesRead, m.events);
          else if (m.type === 'parsed') parsedRows(m.rows);
          else if (m.type === 'partial') {
            resolve(m.partial);
            // Done: stop it now, so its isolate (and the column copies it placed) are freed
            // while finalize runs instead of after the caller is told the trace is loaded.
            void child.terminate();
          } else reject(Object.assign(new Error(m.error.message), m.error));
        });
        child.on('error', reject);
        child.on('exit', (code) => {
          if (code !== 0) reject(new Error(`A parser worker stopped unexpectedly (exit code ${code}).`));
        });
      });
      // A failed worker never reports its rows: let the wait for them end with the failure.
      const rows = Promise.race([parsed, partial.then(() => parsed)]);
      // Awaited below; when this share's own read fails first they are never awaited (and the
      // children are terminated), which must not count as unhandled rejections.
      partial.catch(() => {});
      rows.catch(() => {});
      const request: EngineToParser = { type: 'parse', path, cpus, schedEvents };
      child.postMessage(request);
      return { child, rows, partial, exited };
    });
    try {
      const own = new Set(shares[0]);
      const readOptions = {
        shouldStop,
        schedEvents,
        onProgress: (bytesRead: number, events: number) => report(0, bytesRead, events),
      };
      let local: Partial;
      if (remote.length === 0) local = readPartial(trace, readOptions);
      else {
        // This share's columns are shared buffers reserved for the whole file: each parser worker
        // copies its rows behind the earlier shares' (in parallel, while this thread derives its
        // own CPUs), so finalize finds every table already in one piece.
        local = parsePartial(trace, {
          ...readOptions,
          includeCpu: (cpu: number) => own.has(cpu),
          reserveForAllCpus: true,
          sharedColumns: true,
        });
        const counts = await Promise.all(remote.map((r) => r.rows));
        const plans = planPlacements(local, counts);
        remote.forEach((r, k) =>
          r.child.postMessage({ type: 'place', plan: plans[k]! } satisfies EngineToParser),
        );
        derivePerCpu(local);
      }
      const partials = [local, ...(await Promise.all(remote.map((r) => r.partial)))];
      // The scheduling events of every share, in share (= CPU) order, taken off the partials:
      // they go to the tables' phase 2 (merged there, not on this thread), not to finalize.
      const schedParts: SchedEventsData[] = [];
      for (const p of partials) {
        if (p.sched !== undefined) schedParts.push(p.sched);
        delete p.sched;
      }
      const bytesRead = partials.reduce((n, p) => n + p.bytesRead, 0);
      const events = partials.reduce((n, p) => n + p.events, 0);
      post({
        type: 'progress',
        progress: { phase: 'indexing', bytesRead, totalBytes, events, elapsedMs: Date.now() - started },
      });
      const model = finalizeModel(
        partials,
        { ...header, diagnostics: [...header.diagnostics, ...trace.diagnostics] },
        { tracePath: path, shouldStop },
      );
      post({
        type: 'progress',
        progress: {
          phase: 'ready',
          bytesRead,
          totalBytes,
          events,
          elapsedMs: Date.now() - started,
          summary: model.summary,
        },
      });
      // Resident memory the caller sees after 'loaded' is the trace's, not finished workers'.
      await Promise.all(remote.map((r) => r.exited));
      return {
        engine: new Engine(model, path),
        ...(sched !== undefined ? { sched } : {}),
        ...(schedParts.length > 0 ? { schedEvents: schedParts } : {}),
      };
    } catch (error) {
      sched?.stop();
      throw error;
    } finally {
      trace.close();
      for (const child of children) void child.terminate();
    }
  }
}

/** The next turn of this thread's event loop: messages that arrived meanwhile are handled first. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs an export's slices (Engine.exportCsvSlices) EXPORT_SLICE_MS at a time, yielding to the
 * message loop between turns so queries are answered while it writes; reports progress at most
 * every EXPORT_PROGRESS_MS and once at the end. Resolves with the rows written. Writes are
 * synchronous, one bounded chunk each, so the file gets the data as fast as the disk takes it and
 * the export holds at most one chunk in memory.
 */
export async function runExportSlices(
  slices: Generator<ExportSliceProgress, void, undefined>,
  onProgress: (progress: ExportSliceProgress) => void,
  sliceMs: number = EXPORT_SLICE_MS,
): Promise<number> {
  let last: ExportSliceProgress = { rows: 0, bytes: 0 };
  let lastPost = -Infinity;
  try {
    for (;;) {
      const turnStart = Date.now();
      let done = false;
      // At least one slice per turn, then more while the turn's budget lasts.
      do {
        const step = slices.next();
        if (step.done === true) {
          done = true;
          break;
        }
        last = step.value;
      } while (Date.now() - turnStart < sliceMs);
      if (done) break;
      if (Date.now() - lastPost >= EXPORT_PROGRESS_MS) {
        lastPost = Date.now();
        onProgress(last);
      }
      await nextTurn();
    }
  } finally {
    slices.return(undefined);
  }
  onProgress(last);
  return last.rows;
}

export function runParserHost(port: Port, cancel: Int32Array): void {
  const post = (m: ParserToEngine, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  /** Parsed and derived, waiting for the engine's 'place'. */
  let parsed: Partial | undefined;
  port.on('message', (raw) => {
    const message = raw as EngineToParser;
    try {
      if (message.type === 'place') {
        const partial = parsed;
        if (partial === undefined) throw new Error('Rows to place before any were parsed.');
        parsed = undefined;
        placeRows(partial, message.plan);
        // Own columns are moved to the engine worker, not copied; placed ones are shared already.
        post({ type: 'partial', partial }, partialTransferList(partial));
        return;
      }
      const trace = openTraceFile(message.path);
      try {
        const cpus = new Set(message.cpus);
        let lastPost = 0;
        const partial = parsePartial(trace, {
          includeCpu: (cpu) => cpus.has(cpu),
          schedEvents: message.schedEvents,
          shouldStop: () => Atomics.load(cancel, LOAD_CANCEL_SLOT) !== 0,
          onProgress: (bytesRead, events) => {
            const now = Date.now();
            if (now - lastPost < PROGRESS_INTERVAL_MS) return;
            lastPost = now;
            post({ type: 'progress', bytesRead, events });
          },
        });
        post({ type: 'parsed', rows: rowCounts(partial) });
        derivePerCpu(partial);
        parsed = partial;
      } finally {
        trace.close();
      }
    } catch (error) {
      post({ type: 'failed', error: wireFailure(error) });
    }
  });
}
