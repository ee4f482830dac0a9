// The server against hostile clients (issue 9), over raw TCP where a well-behaved client library
// would refuse to send the probe: malformed request targets on HTTP and on the upgrade path,
// malformed WebSocket frames, uploads over the size limit, state-changing requests from foreign
// origins, and floods over the connection and open limits. After every probe the server must still
// serve: each test ends by checking a normal page load and a normal WebSocket call still work.

import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WEBSOCKET_HTTP_PATH } from '../../shared/contract.js';
import { createFrameClient } from '../../renderer/transport/frame-client.js';
import { FakeEngine } from '../backend/test-helpers.js';
import { MAX_REQUEST_TARGET_LENGTH, crossSiteProblem, parseRequestTarget } from './request-checks.js';
import { startServer, type RunningServer, type ServerOptions } from './server.js';
import { TEMP_FOLDER_PREFIX } from './temp-folders.js';
import { defaultUploadLimit, formatBytes, parseByteSize } from './upload-limit.js';

let dir: string;
let server: RunningServer;
let engine: FakeEngine;
let logged: string[];

async function start(extra: Partial<ServerOptions> = {}) {
  logged = [];
  server = await startServer({
    openSession: engine.openSession,
    staticDir: path.join(dir, 'renderer'),
    samplePath: path.join(dir, 'sample.etl'),
    tempRoot: dir,
    log: (line) => logged.push(line),
    ...extra,
  });
}

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'etlscope-hostile-'));
  await mkdir(path.join(dir, 'renderer'), { recursive: true });
  await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>etlscope</title>');
  await writeFile(path.join(dir, 'sample.etl'), Buffer.alloc(64));
  engine = new FakeEngine();
});

afterEach(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Sends raw bytes, returns everything the server sent until it closed the connection (or 3 s). */
function raw(bytes: string | Buffer, keepOpenMs = 3000): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks));
    };
    const timer = setTimeout(done, keepOpenMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
  });
}

const hostHeader = () => `Host: 127.0.0.1:${server.port}\r\n`;
const statusOf = (reply: Buffer) => /^HTTP\/1\.1 (\d{3})/.exec(reply.toString('latin1'))?.[1];

/** The server still works: the page loads and a WebSocket call is answered. */
async function stillServing(): Promise<void> {
  expect((await fetch(server.url)).status).toBe(200);
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`);
  const client = createFrameClient((frame) => ws.send(JSON.stringify(frame)));
  ws.on('message', (data) => client.receive(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await client.api.cancel('nothing-to-cancel');
  ws.close();
}

/** A WebSocket handshake over raw TCP; resolves with the socket once the 101 arrived. */
function rawWebSocket(): Promise<{ socket: net.Socket; received: () => Buffer; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let upgraded = false;
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      const end = data.indexOf('\r\n\r\n');
      if (!upgraded && end >= 0) {
        upgraded = true;
        if (!data.toString('latin1').startsWith('HTTP/1.1 101')) reject(new Error(data.toString('latin1')));
        data = data.subarray(end + 4);
        resolve({ socket, received: () => data, closed });
      }
    });
    socket.write(
      `GET ${WEBSOCKET_HTTP_PATH}?token=${server.token} HTTP/1.1\r\n${hostHeader()}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}

/** A client frame: FIN + opcode (+ RSV bits), masked unless told otherwise. */
function frame(
  first: number,
  payload: Buffer,
  { masked = true, claimedLength }: { masked?: boolean; claimedLength?: number } = {},
): Buffer {
  const length = claimedLength ?? payload.length;
  let header: Buffer;
  if (length < 126) header = Buffer.from([first, (masked ? 0x80 : 0) | length]);
  else if (length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  if (!masked) return Buffer.concat([header, payload]);
  const mask = Buffer.from([1, 2, 3, 4]);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([header, mask, body]);
}

/** The close code in the server's close frame (opcode 8), if it sent one. */
function closeCode(bytes: Buffer): number | undefined {
  for (let i = 0; i + 1 < bytes.length;) {
    const opcode = bytes[i]! & 0x0f;
    let length = bytes[i + 1]! & 0x7f;
    let offset = i + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(offset);
      offset += 2;
    }
    if (opcode === 8) return length >= 2 ? bytes.readUInt16BE(offset) : 1005;
    i = offset + length;
  }
  return undefined;
}

describe('request targets', () => {
  it('parses only origin-form paths of sane length', () => {
    const origin = 'http://127.0.0.1:1234';
    expect(parseRequestTarget('/ws?token=x', origin)?.pathname).toBe('/ws');
    for (const bad of [
      'http://[',
      'http://127.0.0.1:1234/',
      '*',
      'example.com:443',
      '//evil/x',
      '',
      undefined,
    ])
      expect(parseRequestTarget(bad, origin), String(bad)).toBeUndefined();
    expect(parseRequestTarget(`/${'a'.repeat(MAX_REQUEST_TARGET_LENGTH)}`, origin)).toBeUndefined();
  });

  it('answers GET http://[ and other invalid targets with 400, on HTTP and on the upgrade path, and keeps serving', async () => {
    await start();
    const upgrade =
      'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
    for (const target of ['http://[', '*', 'example.com:80', '//evil.example/ws', `/${'x'.repeat(10_000)}`]) {
      expect(statusOf(await raw(`GET ${target} HTTP/1.1\r\n${hostHeader()}\r\n`)), target).toBe('400');
      expect(
        statusOf(await raw(`GET ${target} HTTP/1.1\r\n${hostHeader()}${upgrade}\r\n`)),
        `upgrade ${target}`,
      ).toBe('400');
    }
    // Absurd: beyond Node's header limit the parser itself refuses (431), still without a crash.
    expect(statusOf(await raw(`GET /${'x'.repeat(100_000)} HTTP/1.1\r\n${hostHeader()}\r\n`))).toBe('431');
    expect(statusOf(await raw('NONSENSE\r\n\r\n'))).toBe('400');
    await stillServing();
  });
});

describe('malformed WebSocket frames close that connection only', () => {
  const probes: [string, Buffer, number][] = [
    ['over the payload limit', frame(0x81, Buffer.alloc(0), { claimedLength: 64 * 1024 * 1024 }), 1009],
    ['RSV1 set without an extension', frame(0xc1, Buffer.from('{}')), 1002],
    ['an unmasked client frame', frame(0x81, Buffer.from('{}'), { masked: false }), 1002],
    ['invalid UTF-8 in a text frame', frame(0x81, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
    ['a reserved opcode', frame(0x83, Buffer.from('x')), 1002],
  ];
  it.each(probes)('%s', async (_what, bytes, code) => {
    await start();
    const bystander = await rawWebSocket();
    const probe = await rawWebSocket();
    probe.socket.write(bytes);
    await probe.closed;
    expect(closeCode(probe.received())).toBe(code);
    expect(logged.some((line) => line.startsWith('a WebSocket was closed'))).toBe(true);
    // The other connection is untouched, and new ones work.
    expect(bystander.socket.destroyed).toBe(false);
    bystander.socket.destroy();
    await stillServing();
  });
});

describe('upload limits', () => {
  it('states and computes the default rule, parses --max-upload sizes', () => {
    expect(defaultUploadLimit(100 * 1024 ** 3)).toBe(50 * 1024 ** 3);
    expect(defaultUploadLimit(1000 * 1024 ** 3)).toBe(64 * 1024 ** 3);
    expect(defaultUploadLimit(1000)).toBe(500);
    expect(parseByteSize('2G')).toBe(2 * 1024 ** 3);
    expect(parseByteSize('500 MiB')).toBe(500 * 1024 ** 2);
    expect(parseByteSize('1.5k')).toBe(1536);
    expect(parseByteSize('123')).toBe(123);
    for (const bad of ['', '0', '-1', 'lots', '2X', '1e9']) expect(parseByteSize(bad), bad).toBeUndefined();
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(64 * 1024 ** 3)).toBe('64 GiB');
  });

  it('refuses a declared Content-Length over the limit before reading, and a streamed body past it (413, nothing kept)', async () => {
    await start({ maxUploadBytes: 1000 });
    const post = (body: BodyInit, extra: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${server.port}/upload?token=${server.token}&name=big.etl`, {
        method: 'POST',
        body,
        ...extra,
      } as RequestInit);
    const declared = await post(Buffer.alloc(2000));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { message: string } }).error.message).toBe(
      'big.etl is larger than the 1000 bytes this server takes (etlscope serve --max-upload)',
    );
    // A Content-Length that claims terabytes is refused the same way, with no body sent at all.
    const claim = await raw(
      `POST /upload?token=${server.token}&name=huge.etl HTTP/1.1\r\n${hostHeader()}Content-Length: 99999999999999\r\n\r\n`,
    );
    expect(statusOf(claim)).toBe('413');
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 8; i++) controller.enqueue(new Uint8Array(500));
        controller.close();
      },
    });
    const streamed = await post(chunks, { duplex: 'half' } as RequestInit).then(
      (r) => r.status,
      () => 'reset',
    );
    expect([413, 'reset']).toContain(streamed);
    const [temp] = (await readdir(dir)).filter((n) => n.startsWith(TEMP_FOLDER_PREFIX));
    expect(await readdir(path.join(dir, temp!))).toEqual(['owner.pid']);
    expect((await post(Buffer.alloc(1000))).status).toBe(200);
    await stillServing();
  });
});

describe('state-changing requests from other origins', () => {
  it('refuses a foreign Origin or a cross-site Sec-Fetch-Site even with a valid cookie (403)', async () => {
    await start();
    const page = await fetch(server.url);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0]!;
    const own = `http://127.0.0.1:${server.port}`;
    const upload = (headers: Record<string, string>) =>
      fetch(`${own}/upload?name=x.etl`, { method: 'POST', body: 'x', headers: { cookie, ...headers } });
    const refused = async (headers: Record<string, string>) => {
      const reply = await upload(headers);
      expect(reply.status, JSON.stringify(headers)).toBe(403);
      return ((await reply.json()) as { error: { message: string } }).error.message;
    };
    // Another local web server's page is "same site" for SameSite cookies (ports are ignored).
    expect(await refused({ origin: 'http://127.0.0.1:9999' })).toMatch(
      /another origin \(http:\/\/127\.0\.0\.1:9999\)/,
    );
    expect(await refused({ origin: 'null' })).toMatch(/another origin/);
    expect(await refused({ 'sec-fetch-site': 'same-site' })).toMatch(/same-site request may not/);
    expect(await refused({ 'sec-fetch-site': 'cross-site', origin: own })).toMatch(/cross-site/);
    expect((await upload({ origin: own, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(crossSiteProblem({}, new Set([own]))).toBeUndefined();
    const [temp] = (await readdir(dir)).filter((n) => n.startsWith(TEMP_FOLDER_PREFIX));
    expect((await readdir(path.join(dir, temp!))).filter((n) => n.endsWith('.etl'))).toHaveLength(1);
  });
});

describe('limits on connections and opens', () => {
  it('tells a page over the WebSocket limit why (error frame, close 1013) and serves the others', async () => {
    await start({ maxConnections: 2 });
    const open = () => rawWebSocket();
    const first = await open();
    const second = await open();
    const third = await open();
    await third.closed;
    const text = third.received().toString('utf8');
    expect(text).toContain('already serves 2 pages (its limit); close another etlscope tab and reload');
    expect(closeCode(third.received())).toBe(1013);
    first.socket.destroy();
    second.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await stillServing();
  });

  it('answers TCP connections over the socket limit with a 503 in words', async () => {
    await start({ maxSockets: 3 });
    const held = await Promise.all([0, 1, 2].map(() => rawWebSocket()));
    const reply = (await raw(`GET /?token=${server.token} HTTP/1.1\r\n${hostHeader()}\r\n`)).toString('utf8');
    expect(reply).toMatch(/^HTTP\/1\.1 503/);
    expect(reply).toContain('has 3 connections open (its limit); try again shortly');
    for (const h of held) h.socket.destroy();
    await new Promise((r) => setTimeout(r, 100));
    await stillServing();
  });

  it('limits traces open or opening per page and per server, saying which limit', async () => {
    await start({ maxOpensPerConnection: 1, maxOpenTraces: 2 });
    let release!: () => void;
    engine.gate = new Promise<void>((r) => (release = r));
    const page = async () => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`);
      const client = createFrameClient((f) => ws.send(JSON.stringify(f)));
      ws.on('message', (d) => client.receive(JSON.parse(String(d))));
      await new Promise((r) => ws.once('open', r));
      return { ws, api: client.api };
    };
    const a = await page();
    const b = await page();
    const c = await page();
    const aFirst = a.api.openTrace({ kind: 'sample' }, 'a1');
    await expect(a.api.openTrace({ kind: 'sample' }, 'a2')).rejects.toMatchObject({
      message: expect.stringMatching(/this page already has 1 trace open or opening \(the limit per page\)/),
    });
    const bFirst = b.api.openTrace({ kind: 'sample' }, 'b1');
    await new Promise((r) => setTimeout(r, 50));
    await expect(c.api.openTrace({ kind: 'sample' }, 'c1')).rejects.toMatchObject({
      message: expect.stringMatching(
        /this etlscope server already has 2 traces open or opening \(its limit\)/,
      ),
    });
    release();
    const opened = await aFirst;
    await bFirst;
    await a.api.closeTrace(opened.traceId);
    // A's place is free again: C can open now.
    expect((await c.api.openTrace({ kind: 'sample' }, 'c2')).summary.fileName).toBe('sample.etl');
    // A page that goes away gives its places back too.
    b.ws.close();
    await new Promise((r) => setTimeout(r, 100));
    expect((await a.api.openTrace({ kind: 'sample' }, 'a3')).summary.fileName).toBe('sample.etl');
    for (const p of [a, c]) p.ws.close();
  });
});

describe('messages name files as the user knows them', () => {
  it('an open that fails never shows the server’s temp path', async () => {
    await start();
    const up = await fetch(`http://127.0.0.1:${server.port}/upload?token=${server.token}&name=backup.etl`, {
      method: 'POST',
      body: Buffer.alloc(100),
    });
    const { uploadId } = (await up.json()) as { uploadId: string };
    const [temp] = (await readdir(dir)).filter((n) => n.startsWith(TEMP_FOLDER_PREFIX));
    const tempDir = path.join(dir, temp!);
    const tracePath = path.join(tempDir, `upload-${uploadId}.etl`);
    expect(existsSync(tracePath)).toBe(true);
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${WEBSOCKET_HTTP_PATH}?token=${server.token}`);
    const client = createFrameClient((f) => ws.send(JSON.stringify(f)));
    const frames: string[] = [];
    ws.on('message', (d) => {
      frames.push(String(d));
      client.receive(JSON.parse(String(d)));
    });
    await new Promise((r) => ws.once('open', r));
    // An engine error that names the file it read (as the worker pool's and the reader's do).
    engine.failWith = Object.assign(
      new Error(`${path.basename(tracePath)}: not an ETL trace (read from ${tracePath})`),
      {
        code: 'bad-file',
      },
    );
    await expect(
      client.api.openTrace({ kind: 'upload', uploadId, name: 'backup.etl' }, 'o1'),
    ).rejects.toMatchObject({
      code: 'bad-file',
      message: 'backup.etl: not an ETL trace (read from backup.etl)',
    });
    // A file gone from disk: Node's error names the path; the page sees the name.
    engine.failWith = undefined;
    await rm(tracePath);
    const gone = await client.api
      .openTrace({ kind: 'upload', uploadId, name: 'backup.etl' }, 'o2')
      .catch((e: unknown) => e);
    expect((gone as { message: string }).message).toMatch(/^cannot open backup\.etl: /);
    for (const text of frames) {
      expect(text).not.toContain(tempDir);
      expect(text).not.toContain('upload-');
    }
    ws.close();
  });
});
