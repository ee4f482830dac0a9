// The preload's API object, built from the few Electron renderer pieces it needs so it can be
// tested with an in-memory IPC pair (main's real handlers + a fake ipcRenderer) without Electron.
//
//   renderer  window.etlscope.query(…)  (contextBridge copies arguments and results)
//     ─▶ ipcRenderer.invoke('etlscope:query', { traceId, query, requestId })
//     ─▶ main: sender check ─▶ backend ─▶ IpcEnvelope ─▶ unwrapped here: resolve | reject(WireError)
//   main webContents.send('etlscope:event', BackendEvent) ─▶ one ipcRenderer listener ─▶ onEvent listeners
//
// Only the contract's channels are ever named; `ipcRenderer` itself, and the IpcRendererEvent of a
// message, never reach page code. Rejections are plain WireError objects ({ name, message, code }):
// contextBridge copies plain objects faithfully, Error objects lose their extra fields.
// Must stay bundleable into a sandboxed CommonJS preload: no Node built-ins.

import {
  EVENT_CHANNEL,
  type BackendEvent,
  type Channel,
  type ChannelMap,
  type EtlscopeApi,
  type WireError,
} from '../../shared/contract.js';
import { isIpcEnvelope } from '../backend/ipc-envelope.js';

/** Events kept for the first listener: main may push 'open-requested' before React subscribes. */
const MAX_EARLY_EVENTS = 64;

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): void;
}

export interface WebUtilsLike {
  getPathForFile(file: File): string;
}

function isBackendEvent(value: unknown): value is BackendEvent {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

export function createPreloadApi(ipcRenderer: IpcRendererLike, webUtils: WebUtilsLike) {
  const listeners = new Set<(event: BackendEvent) => void>();
  let early: BackendEvent[] | undefined = [];

  ipcRenderer.on(EVENT_CHANNEL, (_ipcEvent, payload) => {
    if (!isBackendEvent(payload)) return;
    if (early !== undefined) {
      if (early.length < MAX_EARLY_EVENTS) early.push(payload);
      return;
    }
    for (const listener of [...listeners]) listener(payload);
  });

  async function invoke<C extends Channel>(
    channel: C,
    req: ChannelMap[C]['req'],
  ): Promise<ChannelMap[C]['res']> {
    let reply: unknown;
    try {
      reply = await ipcRenderer.invoke(channel, req);
    } catch (error) {
      const wire: WireError = {
        name: 'Error',
        message: `etlscope's main process did not answer: ${String(error)}`,
        code: 'internal',
      };
      throw wire;
    }
    if (!isIpcEnvelope(reply)) {
      const wire: WireError = {
        name: 'Error',
        message: 'malformed reply from the main process',
        code: 'internal',
      };
      throw wire;
    }
    if (!reply.ok) throw reply.error;
    return reply.res as ChannelMap[C]['res'];
  }

  const api = {
    transport: 'electron',
    openTrace: (source, requestId) => invoke('etlscope:open', { source, requestId }),
    query: (traceId, query, requestId) =>
      invoke('etlscope:query', { traceId, query, requestId }) as Promise<never>,
    cancel: (requestId) => invoke('etlscope:cancel', { requestId }),
    exportCsv: (request) => invoke('etlscope:export', request),
    loadSymbols: (traceId, request, requestId) => invoke('etlscope:symbols', { traceId, request, requestId }),
    closeTrace: (traceId) => invoke('etlscope:close', { traceId }),
    showOpenDialog: () => invoke('etlscope:open-dialog', {}),
    pathForFile: (file) => webUtils.getPathForFile(file),
    onEvent: (listener) => {
      listeners.add(listener);
      if (early !== undefined) {
        const queued = early;
        early = undefined;
        for (const event of queued) listener(event);
      }
      return () => void listeners.delete(listener);
    },
  } satisfies EtlscopeApi;
  return api;
}
