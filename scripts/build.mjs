// Builds everything `npm start`, `etlscope` and the browser mode run:
//   dist/node/*.mjs      esbuild bundles of the CLI, the serve server and the parser worker (Node ESM)
//   dist/electron/*.cjs  esbuild bundles of Electron's main process, preload and worker (CommonJS,
//                        what Electron's sandboxed preload requires)
//   dist/renderer/       Vite build of the React renderer (same files for Electron and browser mode)
// Runs from `npm install` (prepare) so a fresh clone's `npx etlscope` works at once.
import { build as esbuild } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => path.join(root, p);

/** Node-side bundles: [entry, outfile]. */
const nodeEntries = [
  ['electron/cli/main.ts', 'dist/node/cli.mjs'],
  ['electron/worker/worker-entry.ts', 'dist/node/worker.mjs'],
];
/** Electron bundles: electron itself stays external (it is the runtime). */
const electronEntries = [
  ['electron/main/main.ts', 'dist/electron/main.cjs'],
  ['electron/preload/preload.ts', 'dist/electron/preload.cjs'],
  ['electron/worker/worker-entry.ts', 'dist/electron/worker.cjs'],
];

async function bundle(entries, format) {
  for (const [entry, out] of entries) {
    if (!existsSync(at(entry))) {
      console.warn(`build: skipping ${entry} (not present)`);
      continue;
    }
    await esbuild({
      entryPoints: [at(entry)],
      outfile: at(out),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format,
      sourcemap: true,
      // Native or runtime packages load from node_modules at run time (DuckDB: a native addon).
      external: ['electron', 'ws', 'bufferutil', 'utf-8-validate', '@duckdb/node-api'],
      // ESM bundles that pull in CommonJS deps (ws) need a require() in scope.
      // ESM bundles that pull in CommonJS deps (ws) need a require() in scope; CommonJS bundles
      // (Electron) need import.meta.url, which the worker pool uses to find its sibling worker file.
      banner:
        format === 'esm'
          ? {
              js: "import { createRequire as __etlscopeCreateRequire } from 'node:module'; const require = __etlscopeCreateRequire(import.meta.url);",
            }
          : { js: "const __etlscopeImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
      define: format === 'cjs' ? { 'import.meta.url': '__etlscopeImportMetaUrl' } : undefined,
      logLevel: 'warning',
    });
  }
}

// Node bundles: one esbuild run with code splitting, so what a command imports lazily (the serve
// server and its `ws`, the worker pool, DuckDB) is a chunk loaded when used, not on every start —
// `etlscope --version` went from loading ws (CommonJS, ~40 ms) and all 600 KB to the CLI's own code.
// Chunks sit beside cli.mjs/worker.mjs (worker-script.ts finds worker.mjs next to the running file).
async function bundleNodeSplit(entries) {
  const present = entries.filter(([entry]) => existsSync(at(entry)));
  await esbuild({
    entryPoints: Object.fromEntries(present.map(([entry, out]) => [path.basename(out, '.mjs'), at(entry)])),
    outdir: at('dist/node'),
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    outExtension: { '.js': '.mjs' },
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: true,
    external: ['electron', 'ws', 'bufferutil', 'utf-8-validate', '@duckdb/node-api'],
    banner: {
      js: "import { createRequire as __etlscopeCreateRequire } from 'node:module'; const require = __etlscopeCreateRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
}

rmSync(at('dist/node'), { recursive: true, force: true });
await bundleNodeSplit(nodeEntries);
await bundle(electronEntries, 'cjs');

if (existsSync(at('renderer/index.html')) && !process.argv.includes('--no-renderer')) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: at('renderer/vite.config.ts'), logLevel: 'warn' });
} else if (!process.argv.includes('--no-renderer')) {
  console.warn('build: skipping renderer (renderer/index.html not present)');
}
