// The renderer's browser-mode client (renderer/transport/ws-client.ts) against the real server:
// calls made before the socket opens are queued, uploads go through the injected uploader, and a
// server that goes away fails every call with one clear message. Lives here, not in renderer/,
// because it needs Node (the server, `ws` as the WebSocket). XMLHttpRequest itself runs in the
// Chromium e2e.

import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EtlscopeApi } from '../../shared/contract.js';
import {
  connectBrowserApi,
  uploadError,
  type SocketLike,
  type Uploader,
} from '../../renderer/transport/ws-client.js';
import { FakeEngine } from '../backend/test-helpers.js';
import { startServer, type RunningServer } from './server.js';

let dir: string;
let server: RunningServer;
let engine: FakeEngine;

const fetchUpload: Uploader = async (url, file, onProgress) => {
  const body = Buffer.from(await file.arrayBuffer());
  const res = await fetch(url, { method: 'POST', body });
  onProgress?.(body.length);
  const json: unknown = await res.json();
  if (res.status !== 200) throw new Error(uploadError(res.status, json, file.name).message);
  return json;
};

function client(pageUrl = server.url): EtlscopeApi {
  return connectBrowserApi({
    pageUrl,
    createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
    upload: fetchUpload,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'etlscope-wsclient-'));
  await mkdir(path.join(dir, 'renderer'));
  engine = new FakeEngine();
  server = await startServer({
    openSession: engine.openSession,
    staticDir: path.join(dir, 'renderer'),
    tempRoot: dir,
    log: () => undefined,
  });
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('connectBrowserApi', () => {
  it('uploads a File and opens it, with calls queued until the socket opens', async () => {
    const api = client();
    expect(api.transport).toBe('browser');
    const sent: number[] = [];
    const source = await api.uploadFile!(new File([new Uint8Array(4096)], 'seed.etl'), (n) => sent.push(n));
    expect(source).toMatchObject({ kind: 'upload', name: 'seed.etl' });
    expect(sent.at(-1)).toBe(4096);
    const opened = await api.openTrace(source, 'open-1');
    expect(opened.summary.fileName).toBe('seed.etl');
    await api.closeTrace(opened.traceId);
    expect(engine.closed).toBe(1);
  });

  it('fails with a clear message when the token is wrong', async () => {
    const api = client(server.url.replace(/token=\w+/, 'token=bad'));
    await expect(api.openTrace({ kind: 'sample' }, 'x')).rejects.toThrow(
      /could not connect to the etlscope server.*\?token=/,
    );
    await expect(api.uploadFile!(new File([new Uint8Array(1)], 'a.etl'))).rejects.toThrow(/lost its token/);
  });

  it('rejects pending and later calls once the server goes away', async () => {
    const api = client();
    await expect(api.cancel('nothing')).resolves.toBeUndefined();
    const pending = api.query(
      't',
      { kind: 'histogram', table: 'dpcIsr', filter: {}, scheme: 'doubling' },
      'q',
    );
    pending.catch(() => undefined);
    await server.close();
    await expect(pending).rejects.toThrow(/connection to the etlscope server closed/);
    await expect(api.cancel('q')).rejects.toThrow(/closed/);
  });
});
