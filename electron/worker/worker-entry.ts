// Worker thread entry (bundled as dist/node/worker.mjs and dist/electron/worker.cjs; run from
// source under tsx in tests). Thin on purpose: pick the role from workerData and hand the port
// to its host (hosts.ts), which decodes messages, calls the engine and posts results.

import { parentPort, workerData } from 'node:worker_threads';
import { runEngineHost, runParserHost, type Port } from './hosts.js';
import { runSchedHost } from './sched-host.js';
import type { WorkerData } from './messages.js';

const data = workerData as WorkerData | undefined;
if (parentPort !== null && data !== undefined) {
  const port = parentPort as unknown as Port;
  if (data.role === 'sched') runSchedHost(port, new Int32Array(data.cancel));
  else if (data.role === 'engine') runEngineHost(port, new Int32Array(data.cancel));
  else runParserHost(port, new Int32Array(data.cancel));
}
