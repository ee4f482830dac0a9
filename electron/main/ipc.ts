// Main's IPC: one ipcMain.handle per ChannelMap channel (each carries the `etlscope:` prefix),
// each checking its sender frame before the backend sees the request, and replying with an
// IpcEnvelope so the WireError code survives (ipcMain.handle would flatten a thrown error into a
// message). Channels outside INVOKE_CHANNELS have no handler, so Electron rejects them.
//
//   preload ipcRenderer.invoke('etlscope:query', req)
//     ─▶ handler: isTrusted(event.senderFrame)? ─▶ backend.handle (validates req) ─▶ { ok, res | error }

import { CHANNEL_PREFIX, INVOKE_CHANNELS } from '../../shared/contract.js';
import type { Backend } from '../backend/backend.js';
import { toBackendWireError } from '../backend/errors.js';
import type { IpcEnvelope } from '../backend/ipc-envelope.js';
import type { IpcMainInvokeEventLike, IpcMainLike, WebFrameMainLike } from './electron-api.js';

export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  backend: Backend,
  isTrustedFrame: (frame: WebFrameMainLike | null) => boolean,
  onRejected: (channel: string, frameUrl: string | undefined) => void = () => undefined,
): () => void {
  for (const channel of INVOKE_CHANNELS) {
    if (!channel.startsWith(CHANNEL_PREFIX))
      throw new Error(`channel ${channel} lacks the ${CHANNEL_PREFIX} prefix`);
    ipcMain.handle(channel, async (event: IpcMainInvokeEventLike, req: unknown): Promise<IpcEnvelope> => {
      if (!isTrustedFrame(event.senderFrame)) {
        onRejected(channel, event.senderFrame?.url);
        return {
          ok: false,
          error: { name: 'Error', message: 'IPC from an untrusted frame', code: 'bad-request' },
        };
      }
      try {
        return { ok: true, res: await backend.handle(channel, req) };
      } catch (error) {
        return { ok: false, error: toBackendWireError(error) };
      }
    });
  }
  return () => {
    for (const channel of INVOKE_CHANNELS) ipcMain.removeHandler(channel);
  };
}
