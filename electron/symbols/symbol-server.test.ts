// The HTTP client against a real node:http server on 127.0.0.1: a 200 body streamed to a temp
// file byte for byte with progress; 404/410 = absent; other statuses, redirect chains (followed,
// looping, to ftp:/file:, without Location), size limits (announced and streamed), a body shorter
// than its Content-Length, both timeouts, a refused connection and cancelling mid-body — each a
// clear error naming the URL, with no temp file left; the symsrv request order and file pointers.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SymbolCancelledError, SymbolServerError } from './symbol-errors.js';
import { downloadToTemp, fetchFromServer, symbolServerUrl, type DownloadProgress } from './symbol-server.js';
import { storeNames, type StoreNames } from './symbol-store.js';
import { filesUnder, startSymbolServer, type Route, type TestSymbolServer } from './test-fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-symsrv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => path.join(dir, `${name}-${counter++}`);

let server: TestSymbolServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});
async function serve(route: Route): Promise<TestSymbolServer> {
  server = await startSymbolServer(fresh('empty-root'), { route });
  return server;
}

const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) & 0xff));
const names = storeNames({
  name: 'x.pdb',
  guid: '72E103A8-5CB2-4907-8B76-B2E7C06257B1',
  age: 3,
}) as StoreNames;

describe('downloadToTemp', () => {
  it('streams a 200 body into a temp file inside the store, byte for byte, with progress', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100_000));
      setTimeout(() => res.end(body.subarray(100_000)), 20);
      return true;
    });
    const store = fresh('store');
    const events: DownloadProgress[] = [];
    const got = await downloadToTemp(`${s.url}/a`, store, 'x.pdb', { onProgress: (p) => events.push(p) });
    expect(got).toBeDefined();
    expect(got!.bytes).toBe(body.length);
    expect(path.dirname(path.dirname(got!.tempFile))).toBe(store);
    expect(got!.tempFile.endsWith('-x.pdb')).toBe(true);
    expect(readFileSync(got!.tempFile).equals(body)).toBe(true);
    expect(events.at(-1)).toEqual({ url: `${s.url}/a`, bytes: body.length, totalBytes: body.length });
    expect(events.length).toBeGreaterThan(2);
  });

  it('resolves undefined for 404 and 410, writing nothing', async () => {
    const s = await serve((req, res) => {
      res.writeHead(req.url === '/gone' ? 410 : 404).end('nope');
      return true;
    });
    const store = fresh('store');
    expect(await downloadToTemp(`${s.url}/missing`, store, 'x.pdb')).toBeUndefined();
    expect(await downloadToTemp(`${s.url}/gone`, store, 'x.pdb')).toBeUndefined();
    expect(filesUnder(store)).toEqual([]);
  });

  it('reports another status with the URL', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(500).end('boom');
      return true;
    });
    await expect(downloadToTemp(`${s.url}/a`, fresh('store'), 'x.pdb')).rejects.toThrow(
      `${s.url}/a: HTTP 500 Internal Server Error`,
    );
    await expect(downloadToTemp(`${s.url}/a`, fresh('store'), 'x.pdb')).rejects.toBeInstanceOf(
      SymbolServerError,
    );
  });

  it('follows redirects (relative and absolute) up to the limit, and no further', async () => {
    const s = await serve((req, res) => {
      const url = req.url ?? '';
      if (url === '/start') res.writeHead(302, { location: '/hop' }).end();
      else if (url === '/hop')
        res.writeHead(307, { location: `http://127.0.0.1:${req.socket.localPort}/final` }).end();
      else if (url === '/final') res.writeHead(200).end(body);
      else if (url.startsWith('/loop')) res.writeHead(301, { location: `/loop${url.length}` }).end();
      else if (url === '/ftp') res.writeHead(302, { location: 'ftp://example.com/x.pdb' }).end();
      else if (url === '/file') res.writeHead(302, { location: 'file:///etc/passwd' }).end();
      else res.writeHead(302).end();
      return true;
    });
    const got = await downloadToTemp(`${s.url}/start`, fresh('store'), 'x.pdb');
    expect(got!.finalUrl).toBe(`${s.url}/final`);
    expect(readFileSync(got!.tempFile).equals(body)).toBe(true);

    const before = s.requests.length;
    await expect(
      downloadToTemp(`${s.url}/loop`, fresh('store'), 'x.pdb', { limits: { maxRedirects: 3 } }),
    ).rejects.toThrow(`${s.url}/loop: more than 3 redirects`);
    expect(s.requests.length - before).toBe(4);
    await expect(downloadToTemp(`${s.url}/ftp`, fresh('store'), 'x.pdb')).rejects.toThrow(
      `${s.url}/ftp: redirect to a ftp: URL refused (only http and https)`,
    );
    await expect(downloadToTemp(`${s.url}/file`, fresh('store'), 'x.pdb')).rejects.toThrow(
      /redirect to a file: URL refused/,
    );
    await expect(downloadToTemp(`${s.url}/nolocation`, fresh('store'), 'x.pdb')).rejects.toThrow(
      'redirect 302 without a Location',
    );
  });

  it('refuses a body over the size limit, announced or streamed, leaving no file', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/announced') res.writeHead(200, { 'content-length': body.length }).end(body);
      else res.writeHead(200).end(body); // chunked: no Content-Length
      return true;
    });
    const store = fresh('store');
    await expect(
      downloadToTemp(`${s.url}/announced`, store, 'x.pdb', { limits: { maxBytes: 1000 } }),
    ).rejects.toThrow(`${s.url}/announced: announces 300000 bytes, over the 1000-byte symbol file limit`);
    await expect(
      downloadToTemp(`${s.url}/chunked`, store, 'x.pdb', { limits: { maxBytes: 1000 } }),
    ).rejects.toThrow(`${s.url}/chunked: body over the 1000-byte symbol file limit`);
    expect(filesUnder(store)).toEqual([]);
  });

  it('reports a body cut short of its Content-Length, leaving no file', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.socket?.destroy());
      return true;
    });
    const store = fresh('store');
    await expect(downloadToTemp(`${s.url}/cut`, store, 'x.pdb')).rejects.toThrow(
      new RegExp(`^${s.url}/cut: `),
    );
    expect(filesUnder(store)).toEqual([]);
  });

  it('times out waiting for headers, and between body chunks', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/stall-body') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 1000));
      }
      return true; // '/no-headers': never answers
    });
    const store = fresh('store');
    const limits = { firstByteTimeoutMs: 150, idleTimeoutMs: 150 };
    const t0 = Date.now();
    await expect(downloadToTemp(`${s.url}/no-headers`, store, 'x.pdb', { limits })).rejects.toThrow(
      `${s.url}/no-headers: no response within 150 ms`,
    );
    await expect(downloadToTemp(`${s.url}/stall-body`, store, 'x.pdb', { limits })).rejects.toThrow(
      `${s.url}/stall-body: no data for 150 ms`,
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(filesUnder(store)).toEqual([]);
  });

  it('cancels mid-body at once: SymbolCancelledError, no file, the socket closed', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 50_000));
      return true; // then stalls until the client goes away
    });
    const store = fresh('store');
    const controller = new AbortController();
    let abortedAt = 0;
    const promise = downloadToTemp(`${s.url}/slow`, store, 'x.pdb', {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytes > 0 && abortedAt === 0) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    await expect(promise).rejects.toBeInstanceOf(SymbolCancelledError);
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(filesUnder(store)).toEqual([]);
    for (let i = 0; i < 50 && s.closedSockets === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.closedSockets).toBe(1);
  });

  it('names the URL when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => resolve(p));
      });
    });
    await expect(downloadToTemp(`http://127.0.0.1:${port}/x`, fresh('store'), 'x.pdb')).rejects.toThrow(
      `http://127.0.0.1:${port}/x: connection failed (ECONNREFUSED`,
    );
  });
});

describe('fetchFromServer', () => {
  it('asks for name.pdb, then name.sym, then file.ptr, and reads a pointer', async () => {
    const s = await serve((req, res) => {
      if (req.url?.endsWith('/file.ptr'))
        res.writeHead(200).end('PATH:\\\\corp\\symbols\\x.pdb\\KEY\\x.pdb\r\n');
      else res.writeHead(404).end();
      return true;
    });
    const got = await fetchFromServer(`${s.url}/`, names, fresh('store'));
    expect(s.requests).toEqual([
      '/x.pdb/72E103A85CB249078B76B2E7C06257B13/x.pdb',
      '/x.pdb/72E103A85CB249078B76B2E7C06257B13/x.sym',
      '/x.pdb/72E103A85CB249078B76B2E7C06257B13/file.ptr',
    ]);
    expect(got).toMatchObject({
      kind: 'pointer',
      pointer: { kind: 'path', target: '\\\\corp\\symbols\\x.pdb\\KEY\\x.pdb' },
    });
  });

  it('is absent when all three are 404; a MSG pointer is a message; a bad pointer an error', async () => {
    let pointer: string | undefined;
    const s = await serve((req, res) => {
      if (req.url?.endsWith('/file.ptr') && pointer !== undefined) res.writeHead(200).end(pointer);
      else res.writeHead(404).end();
      return true;
    });
    expect(await fetchFromServer(s.url, names, fresh('store'))).toMatchObject({ kind: 'absent' });
    pointer = 'MSG: The file was removed\r\nat the owner request';
    expect(await fetchFromServer(s.url, names, fresh('store'))).toMatchObject({
      kind: 'pointer',
      pointer: { kind: 'message', text: 'The file was removed at the owner request' },
    });
    pointer = '<html>hello</html>';
    await expect(fetchFromServer(s.url, names, fresh('store'))).rejects.toThrow(
      /file\.ptr: not a file pointer/,
    );
    pointer = 'PATH:' + 'x'.repeat(70_000);
    await expect(fetchFromServer(s.url, names, fresh('store'))).rejects.toThrow(
      /over 65536 bytes: not a file pointer/,
    );
  });

  it('escapes names in the URL', () => {
    const odd = storeNames({
      name: 'my lib#1.pdb',
      guid: '72E103A8-5CB2-4907-8B76-B2E7C06257B1',
      age: 10,
    }) as StoreNames;
    expect(symbolServerUrl('https://s.example/sym/', odd, odd.pdb)).toBe(
      'https://s.example/sym/my%20lib%231.pdb/72E103A85CB249078B76B2E7C06257B1A/my%20lib%231.pdb',
    );
  });
});
