// The renderer's one way to reach the backend: `getApi()` returns the Electron preload's
// `window.etlscope` when it exists, else a WebSocket client for the `etlscope serve` browser mode.
// Both implement shared/contract.ts EtlscopeApi; the rest of the renderer never knows which.
// Browser code: no Node imports.

import type { EtlscopeApi } from '../../shared/contract.js';
import { connectBrowserApi } from './ws-client.js';

declare global {
  interface Window {
    /** Set by electron/preload/preload.ts through contextBridge (Electron only). */
    readonly etlscope?: EtlscopeApi;
  }
}

let api: EtlscopeApi | undefined;

export function getApi(): EtlscopeApi {
  api ??= window.etlscope ?? connectBrowserApi({ pageUrl: window.location.href });
  return api;
}

export { RemoteError } from './frame-client.js';
