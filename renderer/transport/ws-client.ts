// Browser mode: EtlscopeApi over the `etlscope serve` WebSocket, plus file uploads over HTTP.
//
//   page URL  http://127.0.0.1:PORT/?token=T
//   calls     ─▶ frame-client ─▶ WebSocket ws://127.0.0.1:PORT/ws?token=T ─▶ server backend
//   uploads   ─▶ XMLHttpRequest POST /upload?token=T&name=N (the File streams from disk; upload
//                progress events drive the progress bar) ─▶ { uploadId } ─▶ { kind: 'upload' }
//   symbol files dropped with the trace ─▶ POST /upload?token=T&name=ndis.pdb&for=UPLOAD_ID
//                (into that upload's `.symbols/` folder on the server; not part of EtlscopeApi)
//
// No reconnect: a closed socket fails every pending and later call with one clear message (the
// server's sessions died with the connection, so a silent reconnect would only hide that).
// Browser code: no Node imports.

import {
  UPLOAD_HTTP_PATH,
  WEBSOCKET_HTTP_PATH,
  type EtlscopeApi,
  type TraceSource,
  type WireError,
} from '../../shared/contract.js';
import { RemoteError, createFrameClient } from './frame-client.js';

/** The part of the WHATWG WebSocket this client uses (the `ws` package matches it, for tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: (event: { code?: number }) => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

/** Streams `file` to `url`, reporting sent bytes; resolves with the server's JSON reply. */
export type Uploader = (
  url: string,
  file: File,
  onProgress?: (sentBytes: number) => void,
) => Promise<unknown>;

export interface BrowserApiOptions {
  /** The page URL (location.href): carries the token and the server's origin. */
  readonly pageUrl: string;
  readonly createSocket?: (url: string) => SocketLike;
  readonly upload?: Uploader;
}

/** Browser mode's API: the contract plus the upload of symbol files that belong to a trace upload. */
export interface BrowserApi extends EtlscopeApi {
  /** Puts a .pdb / .sym / .sym.txt into the `.symbols/` folder of the trace upload `forUploadId`. */
  uploadSymbolFile: NonNullable<EtlscopeApi['uploadSymbolFile']>;
}

const SOCKET_OPEN = 1;

function wireError(message: string, code: WireError['code'] = 'internal'): WireError {
  return { name: 'Error', message, code };
}

/** XMLHttpRequest upload: the browser streams the File body itself and reports progress. */
export const xhrUpload: Uploader = (url, file, onProgress) =>
  new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.responseType = 'text';
    xhr.upload.onprogress = (event) => onProgress?.(event.loaded);
    xhr.onerror = () =>
      reject(new RemoteError(wireError(`uploading ${file.name} failed: the etlscope server did not answer`)));
    xhr.onabort = () =>
      reject(new RemoteError(wireError(`uploading ${file.name} was cancelled`, 'cancelled')));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status === 200) resolve(body);
      else reject(new RemoteError(uploadError(xhr.status, body, file.name)));
    };
    xhr.send(file);
  });

/** Plain words for a failed upload reply. */
export function uploadError(status: number, body: unknown, name: string): WireError {
  const sent = (body as { error?: WireError } | undefined)?.error;
  if (status === 401) {
    return wireError(
      'the etlscope server refused the upload: this page lost its token; open the URL `etlscope serve` printed',
      'bad-request',
    );
  }
  return wireError(
    `uploading ${name} failed (HTTP ${status})${sent !== undefined ? `: ${sent.message}` : ''}`,
    sent?.code ?? 'internal',
  );
}

export function connectBrowserApi(options: BrowserApiOptions): BrowserApi {
  const page = new URL(options.pageUrl);
  const token = page.searchParams.get('token') ?? '';
  const withToken = (pathName: string, params: Record<string, string> = {}): string => {
    const query = new URLSearchParams({ ...(token !== '' ? { token } : {}), ...params });
    return `${pathName}?${query.toString()}`;
  };
  const wsUrl = `${page.protocol === 'https:' ? 'wss' : 'ws'}://${page.host}${withToken(WEBSOCKET_HTTP_PATH)}`;
  const socket: SocketLike =
    options.createSocket !== undefined ? options.createSocket(wsUrl) : new WebSocket(wsUrl);
  const queued: string[] = [];
  const upload = options.upload ?? xhrUpload;

  const client = createFrameClient(
    (frame) => {
      const text = JSON.stringify(frame);
      if (socket.readyState === SOCKET_OPEN) socket.send(text);
      else queued.push(text);
    },
    {
      uploadFile: async (file: File, onProgress?: (sentBytes: number) => void): Promise<TraceSource> => {
        const reply = (await upload(
          `${page.origin}${withToken(UPLOAD_HTTP_PATH, { name: file.name })}`,
          file,
          onProgress,
        )) as {
          uploadId?: unknown;
        };
        if (typeof reply?.uploadId !== 'string') {
          throw new RemoteError(
            wireError(`uploading ${file.name} failed: the server's reply had no upload id`),
          );
        }
        return { kind: 'upload', uploadId: reply.uploadId, name: file.name };
      },
    },
  );

  let opened = false;
  socket.addEventListener('open', () => {
    opened = true;
    for (const text of queued.splice(0)) socket.send(text);
  });
  socket.addEventListener('message', (event) => {
    let frame: unknown;
    try {
      frame = JSON.parse(String(event.data));
    } catch {
      return;
    }
    client.receive(frame);
  });
  // A failed handshake or a dropped socket reports 'error' then 'close'; the message comes from 'close'.
  socket.addEventListener('error', () => undefined);
  socket.addEventListener('close', (event) => {
    client.fail(
      wireError(
        opened
          ? `the connection to the etlscope server closed (code ${event.code ?? '?'}); restart \`etlscope serve\` and reload the page`
          : `could not connect to the etlscope server at ${page.host}: open the URL \`etlscope serve\` printed (it carries ?token=…) while the server is running`,
      ),
    );
  });
  return {
    ...client.api,
    uploadSymbolFile: async (file, forUploadId, onProgress) => {
      await upload(
        `${page.origin}${withToken(UPLOAD_HTTP_PATH, { name: file.name, for: forUploadId })}`,
        file,
        onProgress,
      );
    },
  };
}
