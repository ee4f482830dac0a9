#!/usr/bin/env node
// `etlscope` command. Runs the bundle `npm install` builds (dist/node/cli.mjs, whose parser
// workers start from dist/node/worker.mjs beside it), so start-up costs one file, not a TypeScript
// compile. The TypeScript sources run instead (through tsx) only in a development checkout (a
// .git beside package.json) where dist/ is missing or older than a source file, so an edit is
// never run stale; ETLSCOPE_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'node', 'cli.mjs');
const workerBundle = path.join(root, 'dist', 'node', 'worker.mjs');
/** Folders whose sources go into the CLI and worker bundles. */
const SOURCE_DIRS = ['electron', 'shared'];

/** True when some source file is newer than `than` (ms); stops at the first one. */
function sourceNewerThan(dir, than) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && sourceNewerThan(full, than)) return true;
    } else if (
      entry.name.endsWith('.ts') &&
      !entry.name.endsWith('.test.ts') &&
      statSync(full).mtimeMs > than
    ) {
      return true;
    }
  }
  return false;
}

function bundleIsCurrent() {
  if (process.env.ETLSCOPE_FROM_SOURCE === '1') return false;
  if (!existsSync(bundle) || !existsSync(workerBundle)) return false;
  if (!existsSync(path.join(root, '.git'))) return true; // an installed copy: the bundle is the program
  const built = Math.min(statSync(bundle).mtimeMs, statSync(workerBundle).mtimeMs);
  return !SOURCE_DIRS.some(
    (dir) => existsSync(path.join(root, dir)) && sourceNewerThan(path.join(root, dir), built),
  );
}

if (bundleIsCurrent()) {
  await import(pathToFileURL(bundle).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(path.join(root, 'electron', 'cli', 'main.ts')).href);
}
