// Where the worker script is and how to start it, for the three ways this code runs:
//   bundled ESM  (dist/node/cli.mjs, dist/node/worker.mjs)      → dist/node/worker.mjs
//   bundled CJS  (dist/electron/main.cjs, dist/electron/worker.cjs) → dist/electron/worker.cjs
//   from source  (tsx, vitest: this file is worker-script.ts)      → worker-entry.ts via `--import tsx`
// The file of the running code decides; env ETLSCOPE_WORKER_SCRIPT overrides (odd layouts, tests)
// except in a packaged Electron app: there an environment variable must not be able to run any
// script as a full-Node worker (that would undo the runAsNode / NODE_OPTIONS fuses).

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

function runningFile(): string {
  // ESM (bundled or source) has import.meta.url; CJS bundles (esbuild empties import.meta) have
  // __filename. Check import.meta first: eval'd workers define a global __filename of their own.
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string' && url.startsWith('file:')) return fileURLToPath(url);
  return __filename;
}

export interface WorkerLaunch {
  /** A script path, or (source mode) bootstrap code to run with `eval: true`. */
  readonly file: string;
  readonly eval: boolean;
  /** Node flags for the worker (inherited when undefined). A bundled worker is plain JavaScript
   *  and needs none of the parent's: not a TypeScript loader the parent may run under (`--import
   *  tsx`, whose start-up every worker would pay again, ~80 ms), and V8 flags are process-wide
   *  anyway (Node rejects them in a worker's execArgv). */
  readonly execArgv?: string[];
}

/**
 * Electron's own `app.isPackaged` rule, usable where `electron` cannot be imported (worker
 * threads, this module): running under Electron from an executable that is not Electron's
 * development binary (`electron`, `electron.exe`), i.e. the app's own renamed binary.
 */
export function isPackagedElectron(
  versions: NodeJS.ProcessVersions = process.versions,
  execPath: string = process.execPath,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (versions.electron === undefined) return false;
  const exe = (platform === 'win32' ? path.win32 : path.posix).basename(execPath).toLowerCase();
  return platform === 'win32' ? exe !== 'electron.exe' : exe !== 'electron';
}

/** ETLSCOPE_WORKER_SCRIPT, when it may be honoured: development builds, plain Node, tests. */
export function workerScriptOverride(
  env: NodeJS.ProcessEnv = process.env,
  packaged: boolean = isPackagedElectron(),
): string | undefined {
  const override = env.ETLSCOPE_WORKER_SCRIPT;
  return packaged || override === undefined || override === '' ? undefined : override;
}

export function workerLaunch(): WorkerLaunch {
  const override = workerScriptOverride();
  const here = runningFile();
  const dir = path.dirname(here);
  if (override !== undefined) {
    return override.endsWith('.ts')
      ? tsxBootstrap(here, override)
      : { file: override, eval: false, execArgv: [] };
  }
  if (here.endsWith('.ts')) return tsxBootstrap(here, path.join(dir, 'worker-entry.ts'));
  const execArgv: string[] = [];
  if (here.endsWith('.cjs')) return { file: path.join(dir, 'worker.cjs'), eval: false, execArgv };
  return { file: path.join(dir, 'worker.mjs'), eval: false, execArgv };
}

/**
 * Source mode: a tiny bootstrap that registers tsx's ESM loader inside the worker, then imports
 * the TypeScript entry. (Passing `--import tsx` in execArgv is not honoured when the parent
 * itself runs under a loader such as tsx's CLI or vitest, so the worker registers it itself.)
 */
function tsxBootstrap(from: string, entry: string): WorkerLaunch {
  const api = pathToFileURL(
    path.join(
      path.dirname(createRequire(from).resolve('tsx/package.json')),
      'dist',
      'esm',
      'api',
      'index.mjs',
    ),
  ).href;
  const target = pathToFileURL(entry).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); }).catch((e) => { setImmediate(() => { throw e; }); });`;
  return { file: code, eval: true };
}
