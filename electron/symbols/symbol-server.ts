// HTTP/HTTPS symbol server client on Node's own fetch: the symsrv protocol (what
// msdl.microsoft.com, symstore shares behind a web server, Mozilla's and Sentry's servers speak).
// For one identity it asks, in order, until one answers 200:
//   GET URL/name.pdb/GUIDAGE/name.pdb   the PDB
//   GET URL/name.pdb/GUIDAGE/name.sym   Breakpad symbols
//   GET URL/name.pdb/GUIDAGE/file.ptr   a pointer: `PATH:<path or URL>` or `MSG:<text>`
// 404/410 means "no symbols here" (not an error). Every other status, a timeout (to the response
// headers, or idle between body chunks), too many redirects, a redirect to anything but http(s),
// a body over the size limit or shorter than its Content-Length is a SymbolServerError naming the
// URL. A body streams to a temp file that the caller installs (symbol-store.ts) once it is read
// successfully; any failure or cancel removes it. Cancelling (AbortSignal) aborts the fetch at once,
// which closes its socket.
//
//   locate.ts ──fetchFromServer(url, names)──> transfer (redirects, timers) ──> temp file | pointer | absent

import { open } from 'node:fs/promises';
import { SymbolCancelledError, SymbolServerError, errorMessage } from './symbol-errors.js';
import {
  discardTemp,
  parseFilePointer,
  tempPathIn,
  type FilePointer,
  type StoreNames,
} from './symbol-store.js';

export interface SymbolServerLimits {
  /** From sending a request to its response headers. */
  readonly firstByteTimeoutMs: number;
  /** Longest silence between two body chunks. */
  readonly idleTimeoutMs: number;
  /** Largest symbol file accepted. */
  readonly maxBytes: number;
  readonly maxRedirects: number;
}

export const DEFAULT_SERVER_LIMITS: SymbolServerLimits = {
  // msdl answers in well under a second, but the first request for a rarely used PDB can wait
  // several seconds on its storage back end; 30 s tells a dead server from a slow one.
  firstByteTimeoutMs: 30_000,
  // A healthy transfer never pauses this long, even on a poor link; a stalled one fails within it.
  idleTimeoutMs: 30_000,
  // Above the biggest real PDBs (private PDBs of browser-sized DLLs reach 1–2 GB; public Windows
  // PDBs are a few MB to a few hundred MB), so only a runaway or hostile body is refused.
  maxBytes: 2 * 1024 * 1024 * 1024,
  // msdl uses one hop (to its CDN); 5 allows a proxy or two more and stops loops quickly.
  maxRedirects: 5,
};

/** Parallel downloads: enough to overlap the round trips of many small PDBs (latency-bound) while
 *  staying polite to a public server and light on a 2-core machine that also parses them. */
export const DEFAULT_DOWNLOAD_CONCURRENCY = 4;

/** A file.ptr is one line; anything longer is not one. */
export const MAX_POINTER_BYTES = 64 * 1024;

/** What servers see; some CDNs refuse requests without a User-Agent. */
const USER_AGENT = 'etlscope-symbols/1';

export interface TransferOptions {
  readonly fetch?: typeof fetch;
  readonly limits?: Partial<SymbolServerLimits>;
  readonly signal?: AbortSignal;
}

export interface DownloadProgress {
  readonly url: string;
  /** Body bytes received so far. */
  readonly bytes: number;
  /** Content-Length, when the server sent it (and the body is not content-encoded). */
  readonly totalBytes: number | undefined;
}

/** `URL/name.pdb/GUIDAGE/file`, each segment escaped. */
export function symbolServerUrl(base: string, names: StoreNames, file: string): string {
  return [base.replace(/\/+$/, ''), names.pdb, names.key, file]
    .map((s, i) => (i === 0 ? s : encodeURIComponent(s)))
    .join('/');
}

/** A fetch or body read that failed (as opposed to our own checks or a file write). */
class NetworkFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly phase: 'request' | 'body',
  ) {
    super('network failure');
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function describeNetworkError(error: unknown, phase: 'request' | 'body'): string {
  const what = phase === 'request' ? 'connection failed' : 'connection lost while reading the body';
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${what} (${code}: ${cause.message})` : `${what} (${cause.message})`;
  }
  return `${what} (${errorMessage(error)})`;
}

/**
 * One GET with redirects followed by hand (to limit and check them) and both timeouts; `consume`
 * reads the body through `nextChunk` (which re-arms the idle timer). Resolves undefined for 404/410.
 */
async function transfer<T>(
  url: string,
  options: TransferOptions,
  consume: (
    response: Response,
    finalUrl: string,
    nextChunk: () => Promise<Uint8Array | undefined>,
  ) => Promise<T>,
): Promise<T | undefined> {
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const fetchImpl = options.fetch ?? fetch;
  const signal = options.signal;
  if (signal?.aborted) throw new SymbolCancelledError(url);
  const controller = new AbortController();
  let timedOut: string | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number, why: string) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timedOut = why;
      controller.abort();
    }, ms);
  };
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let current = url;
  const where = () => (current === url ? url : `${url} (redirected to ${current})`);
  try {
    let response: Response;
    for (let hops = 0; ; hops++) {
      arm(limits.firstByteTimeoutMs, `no response within ${limits.firstByteTimeoutMs} ms`);
      try {
        response = await fetchImpl(current, {
          signal: controller.signal,
          redirect: 'manual',
          headers: { 'user-agent': USER_AGENT },
        });
      } catch (error) {
        throw new NetworkFailure(error, 'request');
      }
      if (!REDIRECTS.has(response.status)) break;
      await response.body?.cancel().catch(() => undefined);
      const location = response.headers.get('location');
      if (location === null)
        throw new SymbolServerError(where(), `redirect ${response.status} without a Location`);
      if (hops >= limits.maxRedirects)
        throw new SymbolServerError(url, `more than ${limits.maxRedirects} redirects`);
      let next: URL;
      try {
        next = new URL(location, current);
      } catch {
        throw new SymbolServerError(where(), `redirect to an invalid URL \`${location.slice(0, 100)}\``);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:')
        throw new SymbolServerError(
          where(),
          `redirect to a ${next.protocol} URL refused (only http and https)`,
        );
      current = next.href;
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel().catch(() => undefined);
      return undefined;
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new SymbolServerError(
        where(),
        `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`,
      );
    }
    if (response.body === null) throw new SymbolServerError(where(), 'HTTP 200 without a body');
    const reader = response.body.getReader();
    const nextChunk = async () => {
      arm(limits.idleTimeoutMs, `no data for ${limits.idleTimeoutMs} ms`);
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (error) {
        throw new NetworkFailure(error, 'body');
      }
      clearTimeout(timer);
      const { done, value } = result;
      return done ? undefined : value;
    };
    return await consume(response, current, nextChunk);
  } catch (error) {
    if (signal?.aborted) throw new SymbolCancelledError(where());
    if (timedOut !== undefined) throw new SymbolServerError(where(), timedOut);
    if (error instanceof NetworkFailure)
      throw new SymbolServerError(where(), describeNetworkError(error.cause, error.phase));
    throw error; // ours (SymbolServerError) or the file system's (it names the path)
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
    controller.abort(); // a body we stopped reading is dropped and its socket closed; no-op when read to the end
  }
}

/** Content-Length when it counts the bytes we will read (not when the body is content-encoded). */
function announcedLength(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.toLowerCase() !== 'identity') return undefined;
  const text = response.headers.get('content-length');
  if (text === null || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export interface DownloadedFile {
  readonly url: string;
  readonly finalUrl: string;
  /** The temp file holding the body (the caller installs or discards it). */
  readonly tempFile: string;
  readonly bytes: number;
}

/**
 * Downloads `url` into a new temp file inside `store`; undefined on 404/410. `onBytes` sees every
 * chunk. On any failure or cancel the temp file is removed before the error propagates.
 */
export async function downloadToTemp(
  url: string,
  store: string,
  fileName: string,
  options: TransferOptions & { readonly onProgress?: (progress: DownloadProgress) => void } = {},
): Promise<DownloadedFile | undefined> {
  const maxBytes = options.limits?.maxBytes ?? DEFAULT_SERVER_LIMITS.maxBytes;
  let tempFile: string | undefined;
  try {
    return await transfer(url, options, async (response, finalUrl, nextChunk) => {
      const total = announcedLength(response);
      if (total !== undefined && total > maxBytes)
        throw new SymbolServerError(
          url,
          `announces ${total} bytes, over the ${maxBytes}-byte symbol file limit`,
        );
      tempFile = await tempPathIn(store, fileName);
      const handle = await open(tempFile, 'wx');
      let bytes = 0;
      try {
        options.onProgress?.({ url, bytes, totalBytes: total });
        for (let chunk = await nextChunk(); chunk !== undefined; chunk = await nextChunk()) {
          bytes += chunk.length;
          if (bytes > maxBytes)
            throw new SymbolServerError(url, `body over the ${maxBytes}-byte symbol file limit`);
          await handle.write(chunk);
          options.onProgress?.({ url, bytes, totalBytes: total });
        }
      } finally {
        await handle.close();
      }
      if (total !== undefined && bytes !== total)
        throw new SymbolServerError(url, `body ended after ${bytes} of ${total} bytes`);
      return { url, finalUrl, tempFile, bytes };
    });
  } catch (error) {
    if (tempFile !== undefined) await discardTemp(tempFile);
    throw error;
  }
}

/** A small text body (a file pointer), at most `maxBytes`; undefined on 404/410. */
export async function fetchSmallText(
  url: string,
  maxBytes: number,
  options: TransferOptions & { readonly onProgress?: (progress: DownloadProgress) => void } = {},
): Promise<{ text: string; bytes: number } | undefined> {
  return transfer(url, options, async (response, _finalUrl, nextChunk) => {
    const total = announcedLength(response);
    const parts: Uint8Array[] = [];
    let bytes = 0;
    for (let chunk = await nextChunk(); chunk !== undefined; chunk = await nextChunk()) {
      bytes += chunk.length;
      options.onProgress?.({ url, bytes, totalBytes: total });
      if (bytes > maxBytes) throw new SymbolServerError(url, `over ${maxBytes} bytes: not a file pointer`);
      parts.push(chunk);
    }
    return { text: Buffer.concat(parts).toString('utf8'), bytes };
  });
}

/** What one server had for an identity. */
export type ServerAnswer =
  | { readonly kind: 'file'; readonly form: 'pdb' | 'breakpad'; readonly download: DownloadedFile }
  | { readonly kind: 'pointer'; readonly url: string; readonly pointer: FilePointer; readonly bytes: number }
  | { readonly kind: 'absent'; readonly urls: readonly string[] };

/** Asks one server for the PDB, then the Breakpad file, then a file pointer (see the header). */
export async function fetchFromServer(
  base: string,
  names: StoreNames,
  store: string,
  options: TransferOptions & { readonly onProgress?: (progress: DownloadProgress) => void } = {},
): Promise<ServerAnswer> {
  const urls: string[] = [];
  for (const [file, form] of [
    [names.pdb, 'pdb'],
    [names.sym, 'breakpad'],
  ] as const) {
    const url = symbolServerUrl(base, names, file);
    urls.push(url);
    const download = await downloadToTemp(url, store, file, options);
    if (download !== undefined) return { kind: 'file', form, download };
  }
  const url = symbolServerUrl(base, names, 'file.ptr');
  urls.push(url);
  const body = await fetchSmallText(url, MAX_POINTER_BYTES, options);
  if (body === undefined) return { kind: 'absent', urls };
  const pointer = parseFilePointer(body.text);
  if (typeof pointer === 'string') throw new SymbolServerError(url, pointer);
  return { kind: 'pointer', url, pointer, bytes: body.bytes };
}
