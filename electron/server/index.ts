// Public surface of the browser-mode server (used by electron/cli `serve` and scripts/start.mjs).
export {
  startServer,
  defaultSamplePath,
  defaultStaticDir,
  packageRoot,
  type ServerOptions,
  type RunningServer,
} from './server.js';
