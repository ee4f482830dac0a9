// Electron preload (bundled by scripts/build.mjs to dist/electron/preload.cjs, CommonJS, run in a
// sandboxed renderer): exposes the contract's EtlscopeApi as `window.etlscope` and nothing else.
// The sandboxed preload's `require` offers only a few Electron modules; `electron` stays external.

import { createPreloadApi, type IpcRendererLike, type WebUtilsLike } from './api.js';

interface ElectronPreload {
  readonly contextBridge: { exposeInMainWorld(key: string, api: unknown): void };
  readonly ipcRenderer: IpcRendererLike;
  readonly webUtils: WebUtilsLike;
}

const { contextBridge, ipcRenderer, webUtils } = require('electron') as ElectronPreload;

const api = createPreloadApi(ipcRenderer, webUtils);
contextBridge.exposeInMainWorld('etlscope', api);

/** What the renderer sees on `window.etlscope` (renderer/transport/index.ts declares it as EtlscopeApi). */
export type PreloadApi = typeof api;
