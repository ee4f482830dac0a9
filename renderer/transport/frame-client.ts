// EtlscopeApi over message frames (shared/contract.ts ClientFrame/ServerFrame), independent of
// the socket that carries them: ws-client.ts plugs in a WebSocket, tests an in-memory pair.
//
//   api.query(...) ─▶ send({ id, channel, req }) ··· receive({ id, ok, res | error }) ─▶ resolve/reject
//                                                    receive({ event }) ─▶ onEvent listeners
//
// Rejections are `RemoteError`s (an Error carrying the WireError's name and code), so the UI reads
// `.message` and `.code` the same way for both transports. After `fail()` (socket closed) every
// pending and later call rejects with that error: there is no silent reconnect.
// Browser code: no Node imports.

import type {
  BackendEvent,
  Channel,
  ChannelMap,
  ClientFrame,
  EtlscopeApi,
  ServerFrame,
  WireError,
} from '../../shared/contract.js';

/** Events kept for the first listener (e.g. 'open-requested' sent as soon as the socket opens). */
const MAX_EARLY_EVENTS = 64;

export class RemoteError extends Error {
  readonly code: WireError['code'];
  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.code = wire.code;
  }
}

export interface FrameClient {
  readonly api: EtlscopeApi;
  /** One decoded frame from the server. */
  receive(frame: unknown): void;
  /** The link is gone: rejects pending calls and all later ones with `error`. */
  fail(error: WireError): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

export function createFrameClient(
  send: (frame: ClientFrame) => void,
  extras: Pick<EtlscopeApi, 'uploadFile'> = {},
): FrameClient {
  let nextId = 1;
  let failure: WireError | undefined;
  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: BackendEvent) => void>();
  let early: BackendEvent[] | undefined = [];

  function call<C extends Channel>(channel: C, req: ChannelMap[C]['req']): Promise<ChannelMap[C]['res']> {
    if (failure !== undefined) return Promise.reject(new RemoteError(failure));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        send({ id, channel, req });
      } catch (error) {
        pending.delete(id);
        reject(
          new RemoteError({
            name: 'Error',
            message: `could not send to the etlscope server: ${String(error)}`,
            code: 'internal',
          }),
        );
      }
    });
  }

  function deliver(event: BackendEvent): void {
    if (early !== undefined) {
      if (early.length < MAX_EARLY_EVENTS) early.push(event);
      return;
    }
    for (const listener of [...listeners]) listener(event);
  }

  const api: EtlscopeApi = {
    transport: 'browser',
    openTrace: (source, requestId) => call('etlscope:open', { source, requestId }),
    query: (traceId, query, requestId) =>
      call('etlscope:query', { traceId, query, requestId }) as Promise<never>,
    cancel: (requestId) => call('etlscope:cancel', { requestId }),
    exportCsv: (request) => call('etlscope:export', request),
    loadSymbols: (traceId, request, requestId) => call('etlscope:symbols', { traceId, request, requestId }),
    closeTrace: (traceId) => call('etlscope:close', { traceId }),
    ...(extras.uploadFile !== undefined ? { uploadFile: extras.uploadFile } : {}),
    onEvent(listener) {
      listeners.add(listener);
      if (early !== undefined) {
        const queued = early;
        early = undefined;
        for (const event of queued) listener(event);
      }
      return () => void listeners.delete(listener);
    },
  };

  return {
    api,
    receive(frame) {
      if (typeof frame !== 'object' || frame === null) return;
      if ('event' in frame) {
        deliver((frame as { event: BackendEvent }).event);
        return;
      }
      const reply = frame as ServerFrame & { id: number };
      const waiting = pending.get(reply.id);
      if (waiting === undefined) return;
      pending.delete(reply.id);
      if ('ok' in reply && reply.ok) waiting.resolve(reply.res);
      else if ('error' in reply) waiting.reject(new RemoteError(reply.error));
    },
    fail(error) {
      failure ??= error;
      for (const waiting of pending.values()) waiting.reject(new RemoteError(error));
      pending.clear();
    },
  };
}
