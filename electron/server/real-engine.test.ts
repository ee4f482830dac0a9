// Browser mode end to end with the real engine (electron/worker openTraceSession, worker threads)
// on the bundled sample trace: the CLI FILE opens on connect, a dropped copy streams up and opens,
// a pivot answers, and the row export downloads as CSV. Numbers are checked against the truth the
// trace writer computed while writing assets/sample.etl (an independent computation). Then a
// genuine-image backup-server trace uploaded with its PDBs (flat, as a user drops them): Load
// Symbols finds them in the upload's `.symbols/` and the stacks name ndis.sys!ndisInterruptDpc.

import { readFile, readdir, rm, mkdtemp, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  WEBSOCKET_HTTP_PATH,
  type BackendEvent,
  type PivotResult,
  type StackResult,
  type StackTreeNode,
} from '../../shared/contract.js';
import { createFrameClient } from '../../renderer/transport/frame-client.js';
import { buildScenarioBinaries } from '../../scripts/drivers/scenario.js';
import { toolchainAvailable } from '../../scripts/drivers/toolchain.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { openTraceSession } from '../worker/index.js';
import { startServer, type RunningServer } from './server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const samplePath = path.join(root, 'assets', 'sample.etl');

interface Truth {
  cpuCount: number;
  dpcIsrByModule: { module: string; count: number }[];
}

let dir: string;
let server: RunningServer;
let truth: Truth;

beforeAll(async () => {
  truth = JSON.parse(await readFile(`${samplePath}.truth.json`, 'utf8')) as Truth;
  dir = await mkdtemp(path.join(tmpdir(), 'etlscope-real-'));
  await mkdir(path.join(dir, 'renderer'));
  server = await startServer({
    file: samplePath,
    openSession: openTraceSession,
    staticDir: path.join(dir, 'renderer'),
    tempRoot: dir,
    workers: 1,
    log: () => undefined,
  });
});

afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

async function connect() {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`);
  const client = createFrameClient((frame) => ws.send(JSON.stringify(frame)));
  const events: BackendEvent[] = [];
  client.api.onEvent((event) => events.push(event));
  ws.on('message', (data) => client.receive(JSON.parse(String(data))));
  await new Promise((resolve) => ws.once('open', resolve));
  return { ws, api: client.api, events };
}

describe('browser mode with the real engine on assets/sample.etl', () => {
  it('opens the command-line FILE and answers a pivot that matches the writer’s truth', async () => {
    const { ws, api, events } = await connect();
    for (let i = 0; i < 200 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const request = events.find((e) => e.type === 'open-requested');
    if (request?.type !== 'open-requested') throw new Error('no open-requested event on connect');
    const { traceId, summary } = await api.openTrace(request.source, 'open-file');
    expect(summary.fileName).toBe('sample.etl');
    expect(summary.cpuCount).toBe(truth.cpuCount);
    expect(
      events.some(
        (e) => e.type === 'progress' && e.progress.phase === 'ready' && e.progress.traceId === traceId,
      ),
    ).toBe(true);

    const pivot = (await api.query(
      traceId,
      { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module'], sortBy: 'count', descending: true },
      'pivot-1',
    )) as PivotResult;
    const byModule = new Map(pivot.rows.map((row) => [row.key, row.aggregates.count]));
    for (const expected of truth.dpcIsrByModule)
      expect(byModule.get(expected.module), expected.module).toBe(expected.count);
    await api.closeTrace(traceId);
    ws.close();
  }, 120_000);

  it('cancels a load by requestId and stays usable', async () => {
    const { ws, api, events } = await connect();
    const opening = api.openTrace({ kind: 'sample' }, 'open-cancel');
    opening.catch(() => undefined);
    for (let i = 0; i < 500 && !events.some((e) => e.type === 'progress'); i++)
      await new Promise((r) => setTimeout(r, 2));
    await api.cancel('open-cancel');
    await expect(opening).rejects.toMatchObject({ code: 'cancelled' });
    expect(events.some((e) => e.type === 'progress' && e.progress.phase === 'cancelled')).toBe(true);
    const again = await api.openTrace({ kind: 'sample' }, 'open-again');
    expect(again.summary.cpuCount).toBe(truth.cpuCount);
    ws.close();
  }, 120_000);

  it('uploads a dropped copy, opens it and downloads every DPC/ISR row as CSV', async () => {
    const bytes = await readFile(samplePath);
    const up = await fetch(`http://127.0.0.1:${server.port}/upload?token=${server.token}&name=dropped.etl`, {
      method: 'POST',
      body: bytes,
    });
    const { uploadId } = (await up.json()) as { uploadId: string };
    const { ws, api } = await connect();
    const { traceId, summary } = await api.openTrace(
      { kind: 'upload', uploadId, name: 'dropped.etl' },
      'open-upload',
    );
    expect(summary.fileName).toBe('dropped.etl');
    expect(summary.fileSize).toBe(bytes.length);
    const exported = await api.exportCsv({
      traceId,
      what: 'rows',
      table: 'dpcIsr',
      filter: { cpus: [0, 2, 4, 6] },
    });
    const csv = await (await fetch(`http://127.0.0.1:${server.port}${exported.downloadUrl}`)).text();
    const lines = csv.trimEnd().split(/\r?\n/);
    expect(lines[0]).toMatch(/^CPU,Type,Module,Function/);
    expect(lines.length - 1).toBe(exported.rows);
    const cpus = new Set(lines.slice(1).map((line) => line.split(',')[0]));
    expect([...cpus].sort()).toEqual(['0', '2', '4', '6']);
    ws.close();
  }, 120_000);
});

describe('browser mode: a trace uploaded with its PDB files', () => {
  const run = toolchainAvailable() ? it : it.skip;
  run(
    'Load Symbols (no path given) finds the dropped PDBs beside the upload and names the stacks',
    async () => {
      const file = path.join(dir, 'backup-genuine.etl');
      const store = path.join(dir, 'backup-genuine-store');
      const binaries = buildScenarioBinaries(SCENARIOS.backupServer!, { pointerSize: 8 });
      simulate(SCENARIOS.backupServer!, { seconds: 0.3, seed: 3, path: file, binaries, pdbStore: store });
      const base = `http://127.0.0.1:${server.port}/upload?token=${server.token}`;
      const up = await fetch(`${base}&name=backup-genuine.etl`, {
        method: 'POST',
        body: await readFile(file),
      });
      const { uploadId } = (await up.json()) as { uploadId: string };
      // The store is name.pdb/GUIDAGE/name.pdb (and the images beside); a user drops the PDBs themselves.
      let sent = 0;
      for (const pdbDir of (await readdir(store)).filter((n) => n.endsWith('.pdb'))) {
        for (const key of await readdir(path.join(store, pdbDir))) {
          const body = await readFile(path.join(store, pdbDir, key, pdbDir));
          const reply = await fetch(`${base}&name=${encodeURIComponent(pdbDir)}&for=${uploadId}`, {
            method: 'POST',
            body,
          });
          expect(reply.status, pdbDir).toBe(200);
          sent++;
        }
      }
      expect(sent).toBeGreaterThan(5);
      const { ws, api } = await connect();
      const { traceId } = await api.openTrace({ kind: 'upload', uploadId, name: 'backup-genuine.etl' }, 'o');
      const loaded = await api.loadSymbols(traceId, {}, 'symbols-1');
      expect(loaded.modules.filter((m) => m.status !== 'loaded').map((m) => m.pdb)).toEqual([]);
      expect(loaded.loaded).toBe(sent);
      const stacks = (await api.query(
        traceId,
        {
          kind: 'stacks',
          table: 'cpuSampled',
          filter: { exclude: { dpcIsr: ['-'] } },
          groupBy: ['module'],
          view: 'top-down',
          maxNodes: 5000,
        },
        'stacks-1',
      )) as StackResult;
      const names = new Set<string>();
      const walk = (node: StackTreeNode) => {
        names.add(node.name);
        node.children?.forEach(walk);
      };
      walk(stacks.tree);
      expect(names.has('ndis.sys!ndisInterruptDpc')).toBe(true);
      expect([...names].some((n) => /\+0x/.test(n))).toBe(false);
      expect(stacks.symbolsVersion).toBe(loaded.symbolsVersion);
      ws.close();
    },
    180_000,
  );
});
