// The browser-mode server for real: HTTP + WebSocket on 127.0.0.1 (random port), token checks,
// upload → open → query → export → download, driven by the renderer's own frame client over a
// `ws` socket. The engine is the fake from backend/test-helpers until [engine]'s session lands.

import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WEBSOCKET_HTTP_PATH, type BackendEvent } from '../../shared/contract.js';
import { createFrameClient } from '../../renderer/transport/frame-client.js';
import { FakeEngine } from '../backend/test-helpers.js';
import { cleanFileName, exportFileName } from '../backend/file-names.js';
import { startServer, symbolFileNameProblem, type RunningServer } from './server.js';

let dir: string;
let server: RunningServer;
let engine: FakeEngine;
let base: string;

async function start(file?: string, extra: { maxSymbolFileBytes?: number } = {}) {
  server = await startServer({
    ...extra,
    openSession: engine.openSession,
    staticDir: path.join(dir, 'renderer'),
    samplePath: path.join(dir, 'sample.etl'),
    tempRoot: dir,
    log: () => undefined,
    ...(file !== undefined ? { file } : {}),
  });
  base = `http://127.0.0.1:${server.port}`;
}

/** Opens the WebSocket and wraps it in the renderer's frame client. */
async function connect(token = server.token) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${token}`);
  const client = createFrameClient((frame) => ws.send(JSON.stringify(frame)));
  const events: BackendEvent[] = [];
  client.api.onEvent((event) => events.push(event));
  ws.on('message', (data) => client.receive(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, api: client.api, events };
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'etlscope-server-'));
  await mkdir(path.join(dir, 'renderer', 'assets'), { recursive: true });
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>etlscope</title>');
  await writeFile(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
  await writeFile(path.join(dir, 'sample.etl'), Buffer.alloc(64));
  engine = new FakeEngine();
});

afterEach(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('startServer', () => {
  it('binds 127.0.0.1 and prints a URL with a 128-bit token', async () => {
    await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`);
    expect(server.token).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses every endpoint without the token (401) and with a foreign Host (403)', async () => {
    await start();
    for (const [p, method] of [
      ['/', 'GET'],
      ['/assets/app.js', 'GET'],
      ['/upload?name=x.etl', 'POST'],
      ['/download?id=1', 'GET'],
      ['/?token=wrong', 'GET'],
    ] as const) {
      const res = await fetch(`${base}${p}`, { method });
      expect(res.status, p).toBe(401);
    }
    const rebinding = await new Promise<number>((resolve) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port: server.port,
            path: `/?token=${server.token}`,
            headers: { host: 'evil.example:80' },
          },
          (res) => resolve(res.statusCode ?? 0),
        )
        .end();
    });
    expect(rebinding).toBe(403);
  });

  it('serves the page with the token, sets the cookie the assets need, and sends the CSP', async () => {
    await start();
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const cookie = page.headers.get('set-cookie') ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const asset = await fetch(`${base}/assets/app.js`, { headers: { cookie: cookie.split(';')[0] ?? '' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${base}/../../etc/passwd?token=${server.token}`)).status).toBe(404);
    const icon = await fetch(`${base}/favicon.ico?token=${server.token}`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');
  });

  it('rejects WebSocket upgrades without the token or from another origin', async () => {
    await start();
    const refused = (url: string, headers: Record<string, string> = {}) =>
      new Promise<string>((resolve) => {
        const ws = new WebSocket(url, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
        ws.on('error', (e) => resolve(e.message));
        ws.on('open', () => resolve('open'));
      });
    const wsBase = `ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}`;
    expect(await refused(`${wsBase}?token=nope`)).toMatch(/401/);
    expect(await refused(`${wsBase}?token=${server.token}`, { Origin: 'https://evil.example' })).toMatch(
      /403/,
    );
    expect(
      await refused(`${wsBase}?token=${server.token}`, { Origin: `http://127.0.0.1:${server.port}` }),
    ).toBe('open');
  });

  it('round trip: upload streams to a temp file, open, query, export and download', async () => {
    await start();
    const body = Buffer.alloc(1 << 20, 7);
    const up = await fetch(
      `${base}/upload?token=${server.token}&name=${encodeURIComponent('../backup.etl')}`,
      {
        method: 'POST',
        body,
      },
    );
    expect(up.status).toBe(200);
    const { uploadId, name } = (await up.json()) as { uploadId: string; name: string };
    expect(name).toBe('backup.etl');

    const { api, events, ws } = await connect();
    const opened = await api.openTrace({ kind: 'upload', uploadId, name }, 'open-1');
    expect(opened.summary.fileName).toBe('backup.etl');
    expect(engine.opened[0]?.path.startsWith(dir)).toBe(true);
    expect(events.some((e) => e.type === 'progress' && e.progress.phase === 'ready')).toBe(true);

    const pending = api.query(
      opened.traceId,
      { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
      'q1',
    );
    await engine.waitForQueries(1);
    engine.queries[0]?.resolve({
      kind: 'histogram',
      scheme: 'doubling',
      buckets: [{ label: '>= 1000 µs', minNs: 1e6, maxNs: null, count: 1, dpcCount: 1, isrCount: 0 }],
    });
    expect(await pending).toMatchObject({ buckets: [{ maxNs: null, count: 1 }] });

    const exported = await api.exportCsv({
      traceId: opened.traceId,
      what: 'rows',
      table: 'dpcIsr',
      filter: {},
      path: '/tmp/x',
    });
    expect(exported.path).toBeUndefined();
    expect(exported.downloadUrl).toMatch(/^\/download\?token=[0-9a-f]+&id=/);
    const download = await fetch(`${base}${exported.downloadUrl}`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toContain('backup-dpc-durations.csv');
    expect(await download.text()).toBe('CPU,Type\n0,DPC\n1,ISR\n');

    await expect(api.openTrace({ kind: 'path', path: '/etc/hosts' }, 'open-2')).rejects.toMatchObject({
      code: 'bad-request',
    });
    ws.close();
  });

  it('asks a connecting page to open the FILE given on the command line', async () => {
    const file = path.join(dir, 'given.etl');
    await writeFile(file, Buffer.alloc(32));
    await start(file);
    const { api, events } = await connect();
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const request = events[0];
    expect(request?.type).toBe('open-requested');
    if (request?.type !== 'open-requested') return;
    const opened = await api.openTrace(request.source, 'o');
    expect(opened.summary.fileName).toBe('given.etl');
    expect(engine.opened[0]?.path).toBe(file);
  });

  it('fails clearly when FILE does not exist', async () => {
    await expect(
      startServer({
        file: path.join(dir, 'nope.etl'),
        openSession: engine.openSession,
        staticDir: dir,
        log: () => undefined,
      }),
    ).rejects.toThrow(/nope\.etl.*does not exist/);
  });

  it('answers a malformed frame with a bad-request error instead of dropping the socket', async () => {
    await start();
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(String(d))));
    ws.send('{not json');
    expect(JSON.parse(await reply)).toMatchObject({ id: -1, ok: false, error: { code: 'bad-request' } });
    ws.close();
  });
});

describe('symbol files uploaded with a trace', () => {
  const post = (params: Record<string, string>, body: BodyInit, headers: Record<string, string> = {}) =>
    fetch(`${base}/upload?${new URLSearchParams({ token: server.token, ...params }).toString()}`, {
      method: 'POST',
      body,
      headers,
    });
  async function uploadTrace(name = 'backup.etl'): Promise<string> {
    const up = await post({ name }, Buffer.alloc(4096, 1));
    return ((await up.json()) as { uploadId: string }).uploadId;
  }

  it('puts each file into the upload’s .symbols/ folder, flat, where the trace’s symbol load looks', async () => {
    await start();
    const uploadId = await uploadTrace();
    const pdb = Buffer.from('Microsoft C/C++ MSF 7.00\r\n');
    const reply = await post({ name: 'ndis.pdb', for: uploadId }, pdb);
    expect(reply.status).toBe(200);
    expect(await reply.json()).toEqual({ uploadId, name: 'ndis.pdb' });
    expect((await post({ name: 'tcpip.sym.txt', for: uploadId }, 'MODULE x')).status).toBe(200);
    expect((await post({ name: 'IDSvia64.SYM', for: uploadId }, 'MODULE y')).status).toBe(200);
    const { api } = await connect();
    await api.openTrace({ kind: 'upload', uploadId, name: 'backup.etl' }, 'o');
    const tracePath = engine.opened[0]!.path;
    const symbols = `${tracePath}.symbols`;
    expect((await readdir(symbols)).sort()).toEqual(['IDSvia64.SYM', 'ndis.pdb', 'tcpip.sym.txt']);
    expect(await readFile(path.join(symbols, 'ndis.pdb'))).toEqual(pdb);
    // The same name twice is refused, and the first file stays as it was.
    const twice = await post({ name: 'ndis.pdb', for: uploadId }, 'other');
    expect(twice.status).toBe(409);
    expect(((await twice.json()) as { error: { message: string } }).error.message).toMatch(
      /ndis\.pdb was already added to backup\.etl/,
    );
    expect(await readFile(path.join(symbols, 'ndis.pdb'))).toEqual(pdb);
  });

  it('refuses path separators, other kinds of files and unknown or foreign traces, in plain words', async () => {
    const file = path.join(dir, 'given.etl');
    await writeFile(file, Buffer.alloc(32));
    await start(file);
    const uploadId = await uploadTrace();
    const refused = async (params: Record<string, string>, status: number, message: RegExp) => {
      const reply = await post(params, 'x');
      expect(reply.status, JSON.stringify(params)).toBe(status);
      expect(((await reply.json()) as { error: { message: string } }).error.message).toMatch(message);
    };
    await refused({ name: '../ndis.pdb', for: uploadId }, 400, /path separator/);
    await refused({ name: 'sub\\ndis.pdb', for: uploadId }, 400, /path separator/);
    await refused({ name: 'evil.dll', for: uploadId }, 400, /only \.pdb, \.sym and \.sym\.txt/);
    await refused({ name: '.pdb', for: uploadId }, 400, /only \.pdb/);
    await refused({ name: 'a\u0001.pdb', for: uploadId }, 400, /control characters/);
    await refused({ name: 'ndis.pdb', for: 'no-such-upload' }, 404, /no uploaded trace no-such-upload/);
    // The command line's FILE is the user's own file: nothing is written beside it.
    const { events } = await connect();
    for (let i = 0; i < 100 && events.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const given = events.find((e) => e.type === 'open-requested');
    const givenId =
      given?.type === 'open-requested' && given.source.kind === 'upload' ? given.source.uploadId : '';
    await refused({ name: 'ndis.pdb', for: givenId }, 400, /only be added to a trace uploaded from the page/);
    expect(existsSync(`${file}.symbols`)).toBe(false);
    expect(symbolFileNameProblem(null)).toMatch(/no file name/);
    expect(symbolFileNameProblem(`${'a'.repeat(300)}.pdb`)).toMatch(/longer than 255/);
  });

  it('enforces the size limit: by the declared length, and while streaming a body without one', async () => {
    await start(undefined, { maxSymbolFileBytes: 1000 });
    const uploadId = await uploadTrace();
    const declared = await post({ name: 'big.pdb', for: uploadId }, Buffer.alloc(2000));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toMatch(
      /big\.pdb is larger than/,
    );
    // A chunked body (no Content-Length) is cut off once it passes the limit; nothing is kept.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(500));
        controller.close();
      },
    });
    const streamed = await fetch(
      `${base}/upload?${new URLSearchParams({ token: server.token, name: 'big2.pdb', for: uploadId }).toString()}`,
      { method: 'POST', body: chunks, duplex: 'half' } as RequestInit,
    ).then(
      (r) => r.status,
      () => 'reset',
    );
    expect([400, 'reset']).toContain(streamed);
    const { api } = await connect();
    await api.openTrace({ kind: 'upload', uploadId, name: 'backup.etl' }, 'o');
    const symbols = `${engine.opened[0]!.path}.symbols`;
    expect(existsSync(symbols) ? await readdir(symbols) : []).toEqual([]);
    // Within the limit it is taken.
    expect((await post({ name: 'small.pdb', for: uploadId }, Buffer.alloc(1000))).status).toBe(200);
  });
});

describe('file names', () => {
  it('cleans uploaded names and builds export names', () => {
    expect(cleanFileName('C:\\traces\\a"b.etl', 'x')).toBe('ab.etl');
    expect(cleanFileName('..', 'x')).toBe('x');
    expect(cleanFileName(null, 'upload.etl')).toBe('upload.etl');
    expect(exportFileName('Backup.ETL', { what: 'rows', table: 'dpcIsr' })).toBe('Backup-dpc-durations.csv');
    expect(exportFileName('b.etl', { what: 'pivot', table: 'cpuPrecise' })).toBe('b-cpuPrecise-pivot.csv');
  });
});
