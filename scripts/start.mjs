// `npm start [FILE]`: opens FILE (default: the bundled sample assets/sample.etl) in the desktop app.
//   1. builds dist/ first when it is missing or older than the sources (node scripts/build.mjs);
//   2. launches Electron (the binary path comes from require('electron')) on this folder, whose
//      package.json "main" is dist/electron/main.cjs, with the file as argument;
//   3. where Electron cannot start (electronProblem: the optional package was not installed, or
//      its binary download did not finish), says which in one sentence and starts the browser
//      mode instead: `etlscope serve FILE` (the built CLI, else bin/etlscope.mjs), with the URL.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => path.join(root, p);

/** What the app and the browser mode run; all must be newer than every source file. */
const OUTPUTS = [
  'dist/electron/main.cjs',
  'dist/electron/preload.cjs',
  'dist/renderer/index.html',
  'dist/node/cli.mjs',
];
const SOURCE_DIRS = ['shared', 'electron', 'renderer'];
/** The CLI prints the page address on its first lines; that line becomes our one sentence. */
const SERVE_URL = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/;

function newestSourceMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(full));
    else if (/\.(ts|tsx|mts|html|css)$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name)) {
      newest = Math.max(newest, statSync(full).mtimeMs);
    }
  }
  return newest;
}

export function distIsStale() {
  const outputs = OUTPUTS.map(at);
  if (outputs.some((file) => !existsSync(file))) return true;
  const oldestOutput = Math.min(...outputs.map((file) => statSync(file).mtimeMs));
  const newestSource = Math.max(
    ...SOURCE_DIRS.map((dir) => (existsSync(at(dir)) ? newestSourceMtime(at(dir)) : 0)),
  );
  return newestSource > oldestOutput;
}

/** The Electron version this checkout pins (package.json optionalDependencies). */
function pinnedElectron() {
  const pkg = JSON.parse(readFileSync(at('package.json'), 'utf8'));
  return pkg.optionalDependencies?.electron ?? '(none)';
}

/**
 * Why the desktop app cannot start here, as the end of one sentence, or undefined when it can.
 * npm drops an optional dependency whose install fails without a word, so the reasons are told
 * apart by what is on disk: no package at all, or a package whose downloaded binary is missing.
 */
export function electronProblem() {
  const packageJson = at('node_modules/electron/package.json');
  if (!existsSync(packageJson)) {
    return `npm did not install the optional Electron package (electron@${pinnedElectron()}): its installer downloads the Electron binary from github.com, which failed on this machine (offline or blocked) — run \`npm install electron@${pinnedElectron()}\` where github.com is reachable`;
  }
  if (electronBinary() === undefined) {
    return 'the Electron package is installed but its binary download did not finish (node_modules/electron/dist is missing) — run `node node_modules/electron/install.js` where github.com is reachable';
  }
  return undefined;
}

/** The Electron binary, or undefined when the package or its downloaded binary is missing. */
export function electronBinary() {
  try {
    const binary = createRequire(import.meta.url)('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    // Not installed (optionalDependency skipped) or "Electron failed to install correctly".
    return undefined;
  }
}

function exitWith(child) {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal !== null ? 1 : 0)));
}

function startElectron(binary, file) {
  // Running Electron on the folder makes app.getAppPath() the folder (assets/, dist/renderer/).
  exitWith(spawn(binary, [root, file], { stdio: 'inherit' }));
}

function startBrowserMode(file, reason) {
  const cli = existsSync(at('dist/node/cli.mjs')) ? at('dist/node/cli.mjs') : at('bin/etlscope.mjs');
  const child = spawn(process.execPath, [cli, 'serve', file], { stdio: ['inherit', 'pipe', 'inherit'] });
  exitWith(child);
  let announced = false;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const url = announced ? undefined : SERVE_URL.exec(line)?.[0];
    if (url !== undefined) {
      announced = true;
      console.log(
        `The desktop app cannot start because ${reason}; etlscope is starting in browser mode instead: open ${url} in your browser.`,
      );
    } else {
      console.log(line);
    }
  });
}

function main() {
  const file = path.resolve(process.argv[2] ?? at('assets/sample.etl'));
  if (!existsSync(file)) {
    console.error(
      process.argv[2] === undefined
        ? `etlscope: the bundled sample trace ${file} is missing; pass a trace instead: npm start -- path/to/trace.etl`
        : `etlscope: no such file: ${file}`,
    );
    process.exit(1);
  }
  if (distIsStale()) {
    console.error('etlscope: building first (dist/ is missing or older than the sources)…');
    const built = spawnSync(process.execPath, [at('scripts/build.mjs')], { stdio: 'inherit' });
    if (built.status !== 0) {
      console.error('etlscope: the build failed (node scripts/build.mjs); see the errors above.');
      process.exit(built.status ?? 1);
    }
  }
  const problem = electronProblem();
  if (problem === undefined) startElectron(electronBinary(), file);
  else startBrowserMode(file, problem);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
