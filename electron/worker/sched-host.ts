// The scheduling pass in a worker of its own (issue 10: the Power and Threads headlines ask for it
// as soon as a trace opens, and on the engine worker its ~1 s per 200 MB file pass held every
// other query — the graphs — behind it). Both halves live here:
//
//   engine worker: startSchedPass(path) ──'read'──> sched worker: phase 1 over the file
//                  .finish(model.threads, end) ──'finish'──>        phase 2 (rows, readiers)
//                  <──'sched' (typed arrays transferred)──          exits
//
// Phase 1 needs no model, so it starts with the load (on the second core while one parser reads);
// the engine installs the tables (sched-data.ts installSchedData) and answers scheduling queries
// from them. A failed or stopped worker leaves the engine to build them itself, as before.

import { Worker } from 'node:worker_threads';
import { openTraceFile } from '../engine/load.js';
import {
  readSchedEvents,
  schedBuffers,
  type SchedData,
  type SchedEvents,
  type ThreadKey,
} from '../engine/sched/sched-data.js';
import type { Port } from './hosts.js';
import { LOAD_CANCEL_SLOT, wireFailure, type EngineToSched, type SchedToEngine } from './messages.js';
import { workerLaunch } from './worker-script.js';

/** The worker side: read on 'read', finish on 'finish' (queued behind the read if it comes first). */
export function runSchedHost(port: Port, cancel: Int32Array): void {
  let events: SchedEvents | undefined;
  let failed = false;
  const post = (message: SchedToEngine, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);
  const fail = (error: unknown) => {
    failed = true;
    post({ type: 'failed', error: wireFailure(error) });
  };
  port.on('message', (raw) => {
    const message = raw as EngineToSched;
    if (failed) return;
    try {
      if (message.type === 'read') {
        const trace = openTraceFile(message.path);
        try {
          events = readSchedEvents(trace, () => Atomics.load(cancel, LOAD_CANCEL_SLOT) !== 0);
        } finally {
          trace.close();
        }
        return;
      }
      if (events === undefined) throw new Error('The scheduling pass was asked to finish before it read.');
      const data = events.finish(message.threads, message.endNs);
      events = undefined;
      post({ type: 'sched', data }, schedBuffers(data));
    } catch (error) {
      fail(error);
    }
  });
}

/** The engine side of one pass: its tables once finished, or undefined when it failed or stopped. */
export interface SchedPass {
  /** Sends the loaded model's threads; resolves with the tables (undefined: build them yourself). */
  finish(threads: readonly ThreadKey[], endNs: number): Promise<SchedData | undefined>;
  /** Ends the worker (a trace without scheduling events, a failed load, the engine closing). */
  stop(): void;
  /** Date.now() when the worker was started. */
  readonly startedAt: number;
}

export function startSchedPass(path: string, cancel: SharedArrayBuffer): SchedPass {
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
  child.postMessage({ type: 'read', path } satisfies EngineToSched);
  return {
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
