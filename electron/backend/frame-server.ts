// Serves a Backend over message frames (shared/contract.ts ClientFrame → ServerFrame): the
// WebSocket server feeds it parsed JSON, the tests an in-memory pair. One FrameServer per
// connection; every reply carries the request's id, events go out as `{ event }`.
// Frames are untrusted: a malformed one gets an error reply (id -1 when it has no usable id).

import type { ServerFrame } from '../../shared/contract.js';
import type { Backend } from './backend.js';
import { badRequest, toBackendWireError } from './errors.js';

export interface FrameServer {
  /** One decoded frame from the client (any value: it is validated here). */
  receive(frame: unknown): void;
  /** Stops forwarding events; in-flight replies are dropped. */
  dispose(): void;
}

/** Frame ids are the client's counters; anything else is not a frame we can answer. */
function frameId(frame: unknown): number | undefined {
  if (typeof frame !== 'object' || frame === null) return undefined;
  const id = (frame as { id?: unknown }).id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

export function serveFrames(backend: Backend, send: (frame: ServerFrame) => void): FrameServer {
  let open = true;
  const reply = (frame: ServerFrame): void => {
    if (open) send(frame);
  };
  const unsubscribe = backend.onEvent((event) => reply({ event }));
  return {
    receive(frame) {
      const id = frameId(frame);
      if (id === undefined) {
        reply({ id: -1, ok: false, error: toBackendWireError(badRequest('a frame needs a numeric id')) });
        return;
      }
      const { channel, req } = frame as { channel?: unknown; req?: unknown };
      backend.handle(channel, req).then(
        (res) => reply({ id, ok: true, res }),
        (error: unknown) => reply({ id, ok: false, error: toBackendWireError(error) }),
      );
    },
    dispose() {
      open = false;
      unsubscribe();
    },
  };
}
