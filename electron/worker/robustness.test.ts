// The worker pool under abuse: a burst of superseded queries (each aborted slot is free at once
// and the newest query is answered), and engine workers that die on their own — process.exit,
// an uncaught throw, running out of V8 heap — while loading or answering: the caller gets a
// clear error naming the trace, the session refuses later calls with the same words, and no
// worker is left behind.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Query } from '../../shared/contract.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { engineWorkers, openTraceSession } from './index.js';
import { isPackagedElectron, workerScriptOverride } from './worker-script.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-pool-abuse-'));
const file = path.join(dir, 'idle.etl');
const pivot: Query = { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'] };

beforeAll(() => {
  simulate(SCENARIOS.deepIdle12Core!, { seconds: 0.5, path: file });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.ETLSCOPE_WORKER_SCRIPT;
  delete process.env.ETLSCOPE_TEST_CRASH;
  delete process.env.ETLSCOPE_ENGINE_HEAP_MB;
});

function crashOn(trigger: string, heapMb?: number): void {
  process.env.ETLSCOPE_WORKER_SCRIPT = path.join(here, 'test-crash-entry.ts');
  process.env.ETLSCOPE_TEST_CRASH = trigger;
  if (heapMb !== undefined) process.env.ETLSCOPE_ENGINE_HEAP_MB = String(heapMb);
}

async function workersBackTo(count: number): Promise<void> {
  for (let i = 0; i < 200 && engineWorkers().size > count; i++) await new Promise((r) => setTimeout(r, 10));
  expect(engineWorkers().size).toBe(count);
}

describe('worker pool robustness', () => {
  it('a burst of 2,000 queries, each superseding the previous: slots free at once, the last answered promptly', async () => {
    const session = await openTraceSession(file, { workers: 1 });
    try {
      const settled: Promise<unknown>[] = [];
      let previous: AbortController | undefined;
      for (let i = 0; i < 2000; i++) {
        previous?.abort();
        const controller = new AbortController();
        const query: Query = { ...pivot, filter: { cpus: [i % 4] } } as Query;
        settled.push(session.query(query, controller.signal).catch((e: unknown) => e));
        previous = controller;
      }
      const started = Date.now();
      const last = (await settled.at(-1)) as { kind?: string };
      expect(last.kind).toBe('pivot');
      expect(Date.now() - started).toBeLessThan(5000);
      const outcomes = await Promise.all(settled);
      const cancelled = outcomes.filter((o) => (o as { code?: string }).code === 'cancelled').length;
      expect(cancelled).toBe(1999);
      // And the session still answers afterwards (no slot was lost).
      for (let i = 0; i < 300; i++) expect((await session.query(pivot)).kind).toBe('pivot');
    } finally {
      await session.close();
    }
  }, 60_000);

  it.each([
    ['query:exit', /The engine for idle\.etl stopped unexpectedly \(exit code 7\); open the trace again\./],
    ['query:throw', /The engine for idle\.etl failed: a test crash inside the engine worker/],
    ['query:oom', /The engine for idle\.etl ran out of memory/],
  ])(
    'an engine worker that dies answering (%s) fails that call and every later one, clearly',
    async (trigger, words) => {
      const before = engineWorkers().size;
      crashOn(trigger, trigger.endsWith('oom') ? 96 : undefined);
      const session = await openTraceSession(file, { workers: 1 });
      await expect(session.query(pivot)).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(words),
      });
      await expect(session.query(pivot)).rejects.toMatchObject({ message: expect.stringMatching(words) });
      await session.close();
      await workersBackTo(before);
    },
    30_000,
  );

  it('an engine worker that dies while loading rejects the open, naming the file', async () => {
    const before = engineWorkers().size;
    crashOn('load:exit');
    await expect(openTraceSession(file, { workers: 1 })).rejects.toMatchObject({
      code: 'internal',
      message: 'The engine for idle.etl stopped unexpectedly (exit code 7) while loading.',
    });
    await workersBackTo(before);
  }, 30_000);

  it('honours ETLSCOPE_WORKER_SCRIPT only outside a packaged Electron app', () => {
    const env = { ETLSCOPE_WORKER_SCRIPT: '/tmp/evil.js' };
    expect(workerScriptOverride(env, false)).toBe('/tmp/evil.js');
    expect(workerScriptOverride(env, true)).toBeUndefined();
    expect(workerScriptOverride({ ETLSCOPE_WORKER_SCRIPT: '' }, false)).toBeUndefined();
    const node = { ...process.versions, electron: undefined } as unknown as NodeJS.ProcessVersions;
    const electron = { ...process.versions, electron: '45.4.1' } as NodeJS.ProcessVersions;
    expect(isPackagedElectron(node, '/usr/bin/node', 'linux')).toBe(false);
    expect(isPackagedElectron(electron, '/opt/app/node_modules/electron/dist/electron', 'linux')).toBe(false);
    expect(isPackagedElectron(electron, 'C:\\dev\\node_modules\\electron\\dist\\Electron.exe', 'win32')).toBe(
      false,
    );
    expect(isPackagedElectron(electron, '/opt/etlscope/etlscope', 'linux')).toBe(true);
    expect(isPackagedElectron(electron, 'C:\\Program Files\\etlscope\\etlscope.exe', 'win32')).toBe(true);
    expect(isPackagedElectron(electron, '/Applications/etlscope.app/Contents/MacOS/etlscope', 'darwin')).toBe(
      true,
    );
  });
});
