// Tests only: the engine worker entry with a crash on demand, so tests can kill a real engine
// worker from the inside the ways production ones die. Started through ETLSCOPE_WORKER_SCRIPT
// (honoured outside packaged apps only); ETLSCOPE_TEST_CRASH = '<when>:<how>' with
//   when: load | query   (the first message of that type)
//   how:  exit (process.exit(7) in the worker) | throw (an uncaught exception) | oom (V8 heap)
// The host gets its messages through this file, so the crashing message never reaches it.

import { parentPort, workerData } from 'node:worker_threads';
import { runEngineHost, runParserHost, type Port } from './hosts.js';
import { runSchedHost } from './sched-host.js';
import type { WorkerData } from './messages.js';

const data = workerData as WorkerData | undefined;
const [when, how] = (process.env.ETLSCOPE_TEST_CRASH ?? '').split(':');

function crash(): void {
  if (how === 'exit') process.exit(7);
  if (how === 'throw') throw new Error('a test crash inside the engine worker');
  if (how === 'oom') {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array<number>(1 << 20).fill(1.5));
  }
}

if (parentPort !== null && data !== undefined) {
  const parent = parentPort;
  let deliver: (message: unknown) => void = () => undefined;
  const port: Port = {
    postMessage: (message, transfer) => parent.postMessage(message, transfer),
    on: (_event, listener) => void (deliver = listener),
  };
  parent.on('message', (message: { type?: unknown }) => {
    if (data.role === 'engine' && message.type === when) crash();
    deliver(message);
  });
  if (data.role === 'sched') runSchedHost(port, new Int32Array(data.cancel));
  else if (data.role === 'engine') runEngineHost(port, new Int32Array(data.cancel));
  else runParserHost(port, new Int32Array(data.cancel));
}
