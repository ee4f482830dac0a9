// The reply envelope of Electron IPC. ipcMain.handle turns a thrown error into a bare message
// ("Error invoking remote method …") and drops its code, so main's handlers never throw: they
// resolve with `{ ok, res }` or `{ ok: false, error }` and the preload unwraps it. Pure (no Node,
// no Electron): imported by main and bundled into the sandboxed preload.

import type { WireError } from '../../shared/contract.js';

export type IpcEnvelope =
  { readonly ok: true; readonly res: unknown } | { readonly ok: false; readonly error: WireError };

export function isIpcEnvelope(value: unknown): value is IpcEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; error?: unknown };
  return v.ok === true || (v.ok === false && typeof v.error === 'object' && v.error !== null);
}
