// The renderer's one way to reach the backend: `getApi()` returns the Electron preload's
// `window.etlscope` when it exists, else a WebSocket client for the `etlscope serve` browser mode.
// Both implement shared/contract.ts EtlscopeApi; the rest of the renderer never knows which.
// Browser code: no Node imports.

import type { EtlscopeApi } from '../../shared/contract.js';
import { connectBrowserApi, type BrowserApi } from './ws-client.js';

declare global {
  interface Window {
    /** Set by electron/preload/preload.ts through contextBridge (Electron only). */
    readonly etlscope?: EtlscopeApi;
  }
}

let api: EtlscopeApi | undefined;
let browserApi: BrowserApi | undefined;

export function getApi(): EtlscopeApi {
  if (api === undefined) {
    if (window.etlscope !== undefined) {
      api = window.etlscope;
    } else {
      browserApi = connectBrowserApi({ pageUrl: window.location.href });
      api = browserApi;
    }
  }
  return api;
}

/** Browser mode only: uploads a symbol file into a trace upload's `.symbols/` (undefined in Electron). */
export { RemoteError } from './frame-client.js';
