// The scheduling tables in a worker of their own (issue 10: the Power and Threads headlines ask
// for them as soon as a trace opens; on the engine worker they would hold the graphs' and
// pivots' queries behind them), for files ≥ 16 MiB (smaller ones: the load pass collects the
// events and the engine finishes them on first use, see hosts.ts):
//
//   engine worker: startSchedWorker().read(path) ──'read'──> phase 1 over the file (alongside a
//                  one-parser load on the free core, or after a split load)
//                  .finish(threads, end) ──'finish'──> phase 2 ──'sched' (tables transferred)──>
//
// The engine installs the tables (sched-file.ts installSchedData) and answers scheduling queries
// from them; a failed worker leaves the engine to read them from the file on first use.

import { Worker } from 'node:worker_threads';
import {
  finishSchedEvents,
  schedBuffers,
  type SchedData,
  type SchedEventsData,
  type ThreadKey,
} from '../engine/sched/sched-data.js';
import { readSchedEvents } from '../engine/sched/sched-file.js';
import { openTraceFile } from '../engine/load.js';
import type { Port } from './hosts.js';
import { LOAD_CANCEL_SLOT, wireFailure, type EngineToSched, type SchedToEngine } from './messages.js';
import { workerLaunch } from './worker-script.js';

/** The worker side: phase 1 on 'read', phase 2 on 'finish' (messages are handled in order, so a
 *  'finish' that arrives during the read waits for it). */
export function runSchedHost(port: Port, cancel: Int32Array): void {
  let events: SchedEventsData | undefined;
  let failed = false;
  const post = (message: SchedToEngine, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);
  port.on('message', (raw) => {
    const message = raw as EngineToSched;
    if (failed) return;
    try {
      if (message.type === 'read') {
        const trace = openTraceFile(message.path);
        try {
          events = readSchedEvents(trace, () => Atomics.load(cancel, LOAD_CANCEL_SLOT) !== 0).data();
        } finally {
          trace.close();
        }
        return;
      }
      if (events === undefined) throw new Error('The scheduling tables were asked for before any events.');
      const data = finishSchedEvents(events, message.threads, message.endNs);
      events = undefined;
      post({ type: 'sched', data }, schedBuffers(data));
    } catch (error) {
      failed = true;
      post({ type: 'failed', error: wireFailure(error) });
    }
  });
}

/** The engine side of one scheduling worker. */
export interface SchedWorker {
  /** Phase 1 over the trace file, at once (while the load runs on the other core). */
  read(path: string): void;
  /** Phase 2 with the model's threads, over `events` (moved there: unusable here after) or, without
   *  them, over what `read` collected; resolves with the tables (undefined: build them yourself). */
  finish(threads: readonly ThreadKey[], endNs: number): Promise<SchedData | undefined>;
  /** Ends the worker (a trace without scheduling events, a failed load, the engine closing). */
  stop(): void;
  /** Date.now() when the worker was started. */
  readonly startedAt: number;
}

export function startSchedWorker(cancel: SharedArrayBuffer): SchedWorker {
  const startedAt = Date.now();
  const launch = workerLaunch();
  const child = new Worker(launch.file, {
    eval: launch.eval,
    ...(launch.execArgv !== undefined ? { execArgv: launch.execArgv } : {}),
    workerData: { role: 'sched', cancel },
  });
  // Not keeping the engine worker alive on its own account.
  child.unref();
  const result = new Promise<SchedData | undefined>((resolve) => {
    child.on('message', (raw: unknown) => {
      const m = raw as SchedToEngine;
      resolve(m.type === 'sched' ? m.data : undefined);
      void child.terminate();
    });
    child.on('error', () => resolve(undefined));
    child.on('exit', () => resolve(undefined));
  });
  return {
    read(path) {
      child.postMessage({ type: 'read', path } satisfies EngineToSched);
    },
    finish(threads, endNs) {
      child.postMessage({
        type: 'finish',
        threads: threads.map((t) => ({ threadId: t.threadId, startNs: t.startNs })),
        endNs,
      } satisfies EngineToSched);
      return result;
    },
    stop() {
      void child.terminate();
    },
    startedAt,
  };
}
