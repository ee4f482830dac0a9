// `etlscope serve`: the browser mode. One HTTP server on 127.0.0.1 serves the built renderer,
// takes dropped files as streamed uploads, streams exports as downloads, and upgrades
// WEBSOCKET_HTTP_PATH to a WebSocket carrying the contract's ClientFrame/ServerFrame JSON.
//
//   browser ── GET /?token=T ─────────────▶ index.html (+ HttpOnly cookie so /assets/* load)
//           ── WS /ws?token=T ────────────▶ FrameServer ─▶ Backend (one per connection) ─▶ TraceSessions
//           ── POST /upload?token=T&name=N ▶ temp file (streamed, never buffered) → { uploadId }
//           ── POST /upload?token=T&name=ndis.pdb&for=U ▶ <upload U>.symbols/ndis.pdb (flat: the
//              symbol locator checks each file's GUID/age), where the trace's symbol load finds it
//           ── GET /download?token=T&id=D ─▶ the export's CSV as an attachment
//
// Security: binds 127.0.0.1 only; a random 128-bit token (crypto) is required on every request,
// by query parameter or by the cookie the token-bearing page load sets (other local users can
// reach the port but cannot read the trace); the Host header must name this server (DNS
// rebinding) and a browser WebSocket's Origin must be this server. A page can open only files it
// uploaded or the FILE given on the command line: never an arbitrary server path.
//
// Hostile clients (issue 9): the request target is parsed before anything else (400, never a
// throw); every socket, request, response and WebSocket has an `error` listener, so a malformed
// frame or a reset closes that connection only; state-changing requests must come from this
// server's page (Origin / Sec-Fetch-Site, even with a valid cookie); uploads are size-limited
// (upload-limit.ts); sockets, WebSockets and traces open at once are limited, each refusal said
// in words; messages never show server paths; the temp folder goes on every exit path
// (temp-folders.ts).

import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm, stat, unlink } from 'node:fs/promises';
import http from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  DOWNLOAD_HTTP_PATH,
  UPLOAD_HTTP_PATH,
  WEBSOCKET_HTTP_PATH,
  type ExportRequest,
  type ServerFrame,
  type WireError,
} from '../../shared/contract.js';
import type { OpenTraceSession } from '../engine/session-types.js';
import {
  createBackend,
  createOpenGate,
  type ExportDestination,
  type OpenedTrace,
} from '../backend/backend.js';
import { badRequest, toBackendWireError } from '../backend/errors.js';
import { serveFrames } from '../backend/frame-server.js';
import { cleanFileName, contentDisposition, exportFileName } from '../backend/file-names.js';
import { contentTypeFor, rendererCsp, resolveStaticPath, securityHeaders } from '../backend/static-files.js';
import { crossSiteProblem, isStateChanging, parseRequestTarget } from './request-checks.js';
import { createTempFolder, removeOnProcessExit, removeStaleTempFolders } from './temp-folders.js';
import { defaultUploadLimit, formatBytes, freeBytesAt } from './upload-limit.js';

/** 16 random bytes = 128 bits: not guessable by another local user probing the port. */
const TOKEN_BYTES = 16;
/** Client frames are small requests (the largest is a filter with long value lists). */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The symbol files the locator reads (PDB, Breakpad .sym, our .sym.txt). */
const SYMBOL_FILE_NAME = /^[^\\/]+\.(pdb|sym|sym\.txt)$/i;
/** Longest symbol file name: every common filesystem caps a name at 255. */
const MAX_SYMBOL_NAME_LENGTH = 255;
/** The largest symbol file taken: public PDBs of the biggest DLLs (browsers, drivers stacks) are ~1.5 GB. */
const DEFAULT_MAX_SYMBOL_FILE_BYTES = 2 * 1024 ** 3;
/** Symbol files per trace upload: a trace names at most a few hundred images with PDBs. */
const MAX_SYMBOL_FILES_PER_TRACE = 1000;
/** WebSockets at once: one per open page; a few dozen tabs is generous, and each holds a backend. */
const DEFAULT_MAX_WEBSOCKETS = 64;
/** TCP connections at once: browsers open at most 6 HTTP/1.1 connections per origin plus the
 *  WebSockets; this bounds file descriptors and parser memory against a flood. */
const DEFAULT_MAX_SOCKETS = 256;
/** Traces open or opening across all pages: each loaded trace holds ~0.6–0.8 × its file in
 *  memory plus an engine worker (~40 MB even for a tiny one); 40 opens reached 1.5 GB. */
const DEFAULT_MAX_OPEN_TRACES = 8;
/** Per page: the app shows one trace and opens the next before closing the last. */
const DEFAULT_MAX_OPENS_PER_CONNECTION = 3;
/** How long a refused WebSocket may take to answer our close frame before it is cut. */
const REFUSED_CLOSE_GRACE_MS = 1000;
/** WebSocket close code 1013 "Try Again Later" (RFC 6455 registry): the server is at a limit. */
const WS_TRY_AGAIN_LATER = 1013;
/** What a client-facing message says instead of the server's temp folder (a safety net: the
 *  backend names files by their user names already). */
const TEMP_FOLDER_WORDS = "the server's temp folder";

export interface ServerOptions {
  /** A trace to open as soon as a page connects (`etlscope serve FILE`). */
  readonly file?: string;
  /** 0 or absent: a free port chosen by the OS. */
  readonly port?: number;
  /** Always loopback: the trace must not be reachable from the network. */
  readonly host?: '127.0.0.1';
  readonly openSession: OpenTraceSession;
  /** The built renderer (default: dist/renderer of the etlscope folder). */
  readonly staticDir?: string;
  /** The bundled sample trace (default: assets/sample.etl of the etlscope checkout or package). */
  readonly samplePath?: string;
  /** Parser workers per session (default: the engine's choice). */
  readonly workers?: number;
  /** Where uploads and exports are written (default: a fresh folder in the OS temp dir). */
  readonly tempRoot?: string;
  /** `etlscope serve --symbols PATH`: searched for every trace after the page's own symbol path. */
  readonly symbolPath?: string;
  /** Largest symbol file an upload may add to a trace (default 2 GiB; tests lower it). */
  readonly maxSymbolFileBytes?: number;
  /** Largest trace upload (`serve --max-upload`); default: half the free space at the temp
   *  folder when the upload starts, at most 64 GiB (upload-limit.ts). */
  readonly maxUploadBytes?: number;
  /** WebSockets at once (default 64); more are accepted, told why, and closed (1013). */
  readonly maxConnections?: number;
  /** TCP connections at once (default 256); more get a 503 in words and are closed. */
  readonly maxSockets?: number;
  /** Traces open or opening across all pages (default 8). */
  readonly maxOpenTraces?: number;
  /** Traces open or opening per page (default 3). */
  readonly maxOpensPerConnection?: number;
  /** Server-side problems worth a line on the console (the default prints to stderr). */
  readonly log?: (line: string) => void;
}

export interface RunningServer {
  /** The page to open, token included: http://127.0.0.1:PORT/?token=… */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  /** Closes every connection and session and deletes the uploads and exports. */
  close(): Promise<void>;
}

interface StoredFile {
  readonly path: string;
  readonly name: string;
  /** Files we created (uploads, exports) are deleted on close; the CLI's FILE is not. */
  readonly owned: boolean;
}

/** The etlscope folder this module runs from: the nearest ancestor with a package.json
 *  (the checkout for electron/server/*.ts, the package for dist/node/cli.mjs). */
export function packageRoot(fromDir = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return fromDir;
  }
}

/** assets/sample.etl of the etlscope folder. */
export const defaultSamplePath = (): string => path.join(packageRoot(), 'assets', 'sample.etl');
/** dist/renderer of the etlscope folder (built by scripts/build.mjs). */
export const defaultStaticDir = (): string => path.join(packageRoot(), 'dist', 'renderer');

function tokensMatch(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(text);
}

/** Why a symbol file name is refused (path separators, control characters, not a symbol file), or undefined. */
export function symbolFileNameProblem(name: string | null): string | undefined {
  if (name === null || name === '') return 'the upload has no file name';
  if (name.length > MAX_SYMBOL_NAME_LENGTH)
    return `the name is longer than ${MAX_SYMBOL_NAME_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains control characters';
  if (/[\\/]/.test(name)) return 'the name contains a path separator';
  if (!SYMBOL_FILE_NAME.test(name) || name.startsWith('.'))
    return 'only .pdb, .sym and .sym.txt files can be added to a trace';
  return undefined;
}

/** Counts bytes through it and fails the stream past `limit`. */
function byteLimit(limit: number, onExceeded: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(onExceeded());
      else callback(null, chunk);
    },
  });
}

function sendError(res: http.ServerResponse, status: number, error: WireError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status, { error });
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = '127.0.0.1';
  const token = randomBytes(TOKEN_BYTES).toString('hex');
  const log = options.log ?? ((line: string) => process.stderr.write(`etlscope serve: ${line}\n`));
  let givenFile: { uploadId: string; file: StoredFile } | undefined;
  let startupSource: { kind: 'upload'; uploadId: string; name: string } | undefined;
  if (options.file !== undefined) {
    const filePath = path.resolve(options.file);
    const info = await stat(filePath).catch((error: unknown) => {
      throw new Error(`cannot serve ${options.file}: ${toBackendWireError(error).message}`);
    });
    if (!info.isFile()) throw new Error(`cannot serve ${options.file}: it is not a file`);
    const uploadId = randomUUID();
    givenFile = { uploadId, file: { path: filePath, name: path.basename(filePath), owned: false } };
    startupSource = { kind: 'upload', uploadId, name: path.basename(filePath) };
  }

  const tempRoot = options.tempRoot ?? tmpdir();
  for (const stale of removeStaleTempFolders(tempRoot))
    log(`removed ${stale}, left behind by an etlscope serve that did not exit cleanly`);
  const tempDir = await createTempFolder(tempRoot);
  const unhookExit = removeOnProcessExit(tempDir);
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_WEBSOCKETS;
  const maxSockets = options.maxSockets ?? DEFAULT_MAX_SOCKETS;
  const maxOpensPerConnection = options.maxOpensPerConnection ?? DEFAULT_MAX_OPENS_PER_CONNECTION;
  const openGate = createOpenGate(
    options.maxOpenTraces ?? DEFAULT_MAX_OPEN_TRACES,
    (limit) =>
      `this etlscope server already has ${limit} traces open or opening (its limit); close a trace in another tab and try again`,
  );
  /** Client-facing text with any mention of the temp folder replaced (also JSON-escaped, as on Windows). */
  const tempDirInJson = JSON.stringify(tempDir).slice(1, -1);
  const withoutServerPaths = (text: string): string =>
    text.split(tempDirInJson).join(TEMP_FOLDER_WORDS).split(tempDir).join(TEMP_FOLDER_WORDS);
  const samplePath = options.samplePath ?? defaultSamplePath();
  const staticDir = options.staticDir ?? defaultStaticDir();
  const uploads = new Map<string, StoredFile>();
  if (givenFile !== undefined) uploads.set(givenFile.uploadId, givenFile.file);
  /** Symbol files added per trace upload (bounded by MAX_SYMBOL_FILES_PER_TRACE). */
  const symbolFileCounts = new Map<string, number>();
  const maxSymbolFileBytes = options.maxSymbolFileBytes ?? DEFAULT_MAX_SYMBOL_FILE_BYTES;
  const downloads = new Map<string, StoredFile>();
  const sockets = new Set<WebSocket>();
  const closers = new Set<() => Promise<void>>();

  let port = 0;
  const cookieName = () => `etlscope_token_${port}`;
  const allowedHosts = () => new Set([`${host}:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://${host}:${port}`, `http://localhost:${port}`]);

  /** An error answer in words without server paths. */
  const refuseWith = (res: http.ServerResponse, status: number, error: WireError): void =>
    sendError(res, status, { ...error, message: withoutServerPaths(error.message) });

  function authorised(req: http.IncomingMessage, url: URL): boolean {
    return (
      tokensMatch(url.searchParams.get('token'), token) ||
      tokensMatch(cookieValue(req.headers.cookie, cookieName()), token)
    );
  }

  async function exportDestination(
    request: Omit<ExportRequest, 'path'>,
    trace: OpenedTrace,
  ): Promise<ExportDestination> {
    const id = randomUUID();
    const name = exportFileName(trace.name, request);
    const file: StoredFile = { path: path.join(tempDir, `export-${id}.csv`), name, owned: true };
    return {
      path: file.path,
      downloadUrl: `${DOWNLOAD_HTTP_PATH}?token=${token}&id=${id}`,
      done: (ok) => {
        if (ok) downloads.set(id, file);
        else void unlink(file.path).catch(() => undefined);
      },
    };
  }

  /** A .pdb / .sym / .sym.txt that belongs to the trace upload `for`: into `<upload>.symbols/`. */
  async function handleSymbolUpload(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    forUpload: string,
  ): Promise<void> {
    const rawName = url.searchParams.get('name');
    const refuse = (status: number, message: string, code: WireError['code'] = 'bad-request') => {
      // The body is not read: close the connection after the answer instead of draining it.
      res.setHeader('Connection', 'close');
      sendError(res, status, { name: 'Error', message, code });
    };
    const problem = symbolFileNameProblem(rawName);
    const shownName = cleanFileName(rawName, 'symbol file');
    if (problem !== undefined) return refuse(400, `symbol file ${shownName} refused: ${problem}`);
    const name = rawName!;
    const trace = uploads.get(forUpload);
    if (trace === undefined)
      return refuse(404, `${name}: there is no uploaded trace ${forUpload}`, 'not-found');
    if (!trace.owned)
      return refuse(400, `${name}: symbol files can only be added to a trace uploaded from the page`);
    const count = symbolFileCounts.get(forUpload) ?? 0;
    if (count >= MAX_SYMBOL_FILES_PER_TRACE)
      return refuse(400, `${name}: ${trace.name} already has ${MAX_SYMBOL_FILES_PER_TRACE} symbol files`);
    const declared = Number(req.headers['content-length']);
    const tooLarge = () =>
      `${name} is larger than the ${Math.round(maxSymbolFileBytes / 1024 ** 2).toLocaleString('en-US')} MiB a symbol file may be`;
    if (Number.isFinite(declared) && declared > maxSymbolFileBytes) return refuse(413, tooLarge());
    const dir = `${trace.path}.symbols`;
    const target = path.join(dir, name);
    symbolFileCounts.set(forUpload, count + 1);
    try {
      await mkdir(dir, { recursive: true });
      await pipeline(
        req,
        byteLimit(maxSymbolFileBytes, () => new Error(tooLarge())),
        createWriteStream(target, { flags: 'wx' }),
      );
    } catch (error) {
      const exists = (error as { code?: unknown }).code === 'EEXIST';
      if (!exists) await unlink(target).catch(() => undefined);
      symbolFileCounts.set(forUpload, count);
      return refuse(
        exists ? 409 : 400,
        exists
          ? `${name} was already added to ${trace.name}`
          : `upload of ${name} failed: ${toBackendWireError(error).message}`,
      );
    }
    sendJson(res, 200, { uploadId: forUpload, name });
  }

  /** The limit for an upload starting now, and the rule it came from (said in a refusal). */
  async function uploadLimit(): Promise<{ bytes: number; rule: string }> {
    if (options.maxUploadBytes !== undefined)
      return { bytes: options.maxUploadBytes, rule: 'etlscope serve --max-upload' };
    const free = await freeBytesAt(tempDir);
    // Where free space cannot be read (statfs unsupported), the symbol files' 2 GiB bound stands in.
    if (free === undefined)
      return { bytes: DEFAULT_MAX_SYMBOL_FILE_BYTES, rule: 'etlscope serve --max-upload SIZE changes it' };
    return {
      bytes: defaultUploadLimit(free),
      rule: 'half the free disk space at its temp folder; etlscope serve --max-upload SIZE changes it',
    };
  }

  async function handleUpload(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const forUpload = url.searchParams.get('for');
    if (forUpload !== null) return handleSymbolUpload(req, res, url, forUpload);
    const name = cleanFileName(url.searchParams.get('name'), 'upload.etl');
    const { bytes: limit, rule } = await uploadLimit();
    const tooLarge = () => `${name} is larger than the ${formatBytes(limit)} this server takes (${rule})`;
    const refuseTooLarge = () => {
      // The rest of the body is not read: close the connection after the answer.
      res.setHeader('Connection', 'close');
      refuseWith(res, 413, { name: 'Error', message: tooLarge(), code: 'bad-request' });
    };
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return refuseTooLarge();
    const uploadId = randomUUID();
    const file: StoredFile = { path: path.join(tempDir, `upload-${uploadId}.etl`), name, owned: true };
    let exceeded = false;
    try {
      // Streamed to disk chunk by chunk: traces are often gigabytes.
      await pipeline(
        req,
        byteLimit(limit, () => {
          exceeded = true;
          return new Error(tooLarge());
        }),
        createWriteStream(file.path, { flags: 'wx' }),
      );
    } catch (error) {
      await unlink(file.path).catch(() => undefined);
      if (exceeded) return refuseTooLarge();
      refuseWith(res, 400, {
        name: 'Error',
        message: `upload of ${name} failed: ${toBackendWireError(error).message}`,
        code: 'bad-request',
      });
      return;
    }
    uploads.set(uploadId, file);
    sendJson(res, 200, { uploadId, name });
  }

  async function handleDownload(res: http.ServerResponse, url: URL): Promise<void> {
    const file = downloads.get(url.searchParams.get('id') ?? '');
    if (file === undefined) {
      sendError(res, 404, {
        name: 'Error',
        message: 'no such export (it may have been removed)',
        code: 'not-found',
      });
      return;
    }
    const info = await stat(file.path);
    res.writeHead(200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Length': info.size,
      'Content-Disposition': contentDisposition(file.name),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    await pipeline(createReadStream(file.path), res);
  }

  async function handleStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    let file = resolveStaticPath(staticDir, url.pathname);
    let info = file === undefined ? undefined : await stat(file).catch(() => undefined);
    if (info === undefined && url.pathname === '/favicon.ico') {
      // Browsers ask for it on every page; the app icon beats a 404 in the console.
      file = path.join(packageRoot(), 'assets', 'icon.png');
      info = await stat(file).catch(() => undefined);
    }
    if (file === undefined || info === undefined || !info.isFile()) {
      const message =
        url.pathname === '/'
          ? `the renderer is not built (no ${path.join(staticDir, 'index.html')}); run npm run build`
          : 'not found';
      sendError(res, 404, { name: 'Error', message, code: 'not-found' });
      return;
    }
    const headers: Record<string, string | number> = {
      ...securityHeaders(rendererCsp([`ws://${host}:${port}`, `ws://localhost:${port}`])),
      'Content-Type': contentTypeFor(file),
      'Content-Length': info.size,
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'no-cache',
    };
    if (tokensMatch(url.searchParams.get('token'), token)) {
      // Lets the page's own /assets/* requests through; HttpOnly so page script cannot read it,
      // SameSite=Strict so other sites cannot ride on it. Named per port: cookies ignore ports.
      headers['Set-Cookie'] = `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await pipeline(createReadStream(file), res);
  }

  /** Connections over the limit: answered with a 503 already; what they send is not handled. */
  const refusedSockets = new WeakSet<Socket>();
  const server = http.createServer((req, res) => {
    // A reset or a write to a closed connection ends that request only.
    req.on('error', () => res.destroy());
    res.on('error', () => req.destroy());
    if (refusedSockets.has(req.socket)) return void req.socket.destroy();
    const url = parseRequestTarget(req.url, `http://${host}:${port}`);
    if (url === undefined) {
      res.setHeader('Connection', 'close');
      sendError(res, 400, { name: 'Error', message: 'malformed request target', code: 'bad-request' });
      return;
    }
    if (!allowedHosts().has(req.headers.host ?? '')) {
      sendError(res, 403, { name: 'Error', message: 'wrong Host header', code: 'bad-request' });
      return;
    }
    if (!authorised(req, url)) {
      sendError(res, 401, {
        name: 'Error',
        message: 'this etlscope server needs its token: open the URL it printed (with ?token=…)',
        code: 'bad-request',
      });
      return;
    }
    const foreign = isStateChanging(req.method) ? crossSiteProblem(req.headers, allowedOrigins()) : undefined;
    if (foreign !== undefined) {
      res.setHeader('Connection', 'close');
      sendError(res, 403, { name: 'Error', message: foreign, code: 'bad-request' });
      return;
    }
    let handling: Promise<void>;
    if (url.pathname === UPLOAD_HTTP_PATH) {
      handling =
        req.method === 'POST'
          ? handleUpload(req, res, url)
          : Promise.resolve(sendError(res, 405, toBackendWireError(badRequest('POST the file body'))));
    } else if (url.pathname === DOWNLOAD_HTTP_PATH && req.method === 'GET') {
      handling = handleDownload(res, url);
    } else if (req.method === 'GET' || req.method === 'HEAD') {
      handling = handleStatic(req, res, url);
    } else {
      handling = Promise.resolve(
        sendError(res, 405, toBackendWireError(badRequest(`${req.method ?? ''} is not allowed`))),
      );
    }
    handling.catch((error: unknown) => {
      log(`${req.method ?? ''} ${url.pathname}: ${toBackendWireError(error).message}`);
      refuseWith(res, 500, toBackendWireError(error));
    });
  });

  // Malformed HTTP (bad request line, headers over Node's limit, a reset mid-request): answer in
  // words when the socket can still take it, then close that socket only.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (
      socket.writable &&
      !(socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent
    ) {
      const status =
        error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      const body = 'malformed HTTP request';
      socket.end(
        `HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  });

  // Every TCP connection: an error listener (a reset must not become an uncaught exception) and
  // the connection limit, refused with a 503 in words rather than a silent drop.
  const openSockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    socket.on('error', () => socket.destroy());
    if (openSockets.size >= maxSockets) {
      refusedSockets.add(socket);
      const body = `this etlscope server has ${maxSockets} connections open (its limit); try again shortly`;
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return;
    }
    openSockets.add(socket);
    socket.once('close', () => openSockets.delete(socket));
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  wss.on('error', (error) => log(`WebSocket server: ${error.message}`));

  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    if (refusedSockets.has(socket)) return void socket.destroy();
    const reject = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = parseRequestTarget(req.url, `http://${host}:${port}`);
    if (url === undefined) return reject('400 Bad Request');
    const origin = req.headers.origin;
    if (url.pathname !== WEBSOCKET_HTTP_PATH) return reject('404 Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return reject('403 Forbidden');
    // Browsers always send Origin; a page on another site must not drive our backend.
    if (origin !== undefined && !allowedOrigins().has(origin)) return reject('403 Forbidden');
    if (!authorised(req, url)) return reject('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (sockets.size >= maxConnections) return refuseConnection(ws);
      connect(ws);
    });
  });

  /** Over the WebSocket limit: the page is told why (an error frame, then close 1013 with the
   *  reason) instead of seeing its connection vanish. */
  function refuseConnection(ws: WebSocket): void {
    const message = `this etlscope server already serves ${maxConnections} pages (its limit); close another etlscope tab and reload`;
    ws.on('error', () => ws.terminate());
    const frame: ServerFrame = { id: -1, ok: false, error: { name: 'Error', message, code: 'bad-request' } };
    ws.send(JSON.stringify(frame));
    // A close reason is at most 123 bytes.
    ws.close(WS_TRY_AGAIN_LATER, `etlscope serve: at its limit of ${maxConnections} pages`);
    // A client that never answers the close handshake is not kept for ws's 30 s wait.
    setTimeout(() => ws.terminate(), REFUSED_CLOSE_GRACE_MS).unref();
  }

  function connect(ws: WebSocket): void {
    sockets.add(ws);
    // Malformed frames (over the payload limit, RSV1 without an extension, unmasked, invalid
    // UTF-8, a reserved opcode): `ws` reports them here and closes with the matching code; without
    // a listener the 'error' event would end the whole server.
    ws.on('error', (error) => {
      log(`a WebSocket was closed: ${error.message}`);
      ws.terminate();
    });
    const backend = createBackend({
      openSession: options.openSession,
      samplePath,
      allowPathSources: false,
      resolveUpload: (uploadId) => uploads.get(uploadId),
      maxOpenTraces: maxOpensPerConnection,
      openGate,
      exportDestination,
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
      ...(options.symbolPath !== undefined ? { symbolPath: options.symbolPath } : {}),
    });
    const frames = serveFrames(backend, (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(withoutServerPaths(JSON.stringify(frame)));
    });
    const shutdown = async () => {
      frames.dispose();
      await backend.dispose();
    };
    closers.add(shutdown);
    ws.on('message', (data, isBinary) => {
      let frame: unknown;
      try {
        frame = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        frame = undefined;
      }
      frames.receive(frame);
    });
    ws.on('close', () => {
      sockets.delete(ws);
      closers.delete(shutdown);
      void shutdown();
    });
    if (startupSource !== undefined) backend.emit({ type: 'open-requested', source: startupSource });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    unhookExit();
    await rm(tempDir, { recursive: true, force: true });
    throw error;
  }
  server.on('error', (error) => log(`server: ${error.message}`));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;

  return {
    url: `http://${host}:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      await Promise.allSettled([...closers].map((close) => close()));
      wss.close();
      server.closeAllConnections();
      for (const socket of openSockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(tempDir, { recursive: true, force: true });
      unhookExit();
    },
  };
}
