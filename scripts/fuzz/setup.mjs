// Installs Jazzer.js (scripts/fuzz/tools, pinned by its package-lock.json) and builds its native
// addon from the C++ sources its npm package ships, against Debian's libFuzzer.
//
// Why not `npm install @jazzer.js/core` in the app: Jazzer.js 4.0's prebuilt addon needs glibc
// 2.38 and GLIBCXX_3.4.32 (Debian 12 has 2.36 / 3.4.30), and 2.1's install script downloads a
// prebuilt from GitHub, then falls back to a CMake build that downloads its libFuzzer fork from
// GitHub — neither reachable here. So: `npm ci --ignore-scripts` in tools/, then g++ compiles
// @jazzer.js/fuzzer 2.1.0's sources with native/ (the two libFuzzer declarations it needs and
// stock-libfuzzer.cpp, which maps the fork's three additions onto stock libFuzzer) and links
// libclang_rt.fuzzer_no_main-x86_64.a from libclang-rt-14-dev (pulled in by clang-14).
//
//   node scripts/fuzz/setup.mjs        → prints the jazzer CLI path; exit 1 with the reason if not possible
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tools = path.join(here, 'tools');
const fuzzerPkg = path.join(tools, 'node_modules', '@jazzer.js', 'fuzzer');
const addon = path.join(fuzzerPkg, 'build', 'Release', 'jazzerjs.node');
export const JAZZER_CLI = path.join(tools, 'node_modules', '@jazzer.js', 'core', 'dist', 'cli.js');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...options,
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.slice(0, 4).join(' ')}… failed (${result.error?.message ?? `exit ${result.status}`}):\n${(result.stderr ?? '').slice(-2000)}`,
    );
  }
  return result.stdout;
}

/** libFuzzer without main(), as clang-14 ships it (the newest LLVM installed wins). */
function findLibFuzzer() {
  const candidates = [];
  for (const llvm of existsSync('/usr/lib')
    ? readdirSync('/usr/lib').filter((d) => /^llvm-\d+$/.test(d))
    : []) {
    const clangDir = path.join('/usr/lib', llvm, 'lib', 'clang');
    if (!existsSync(clangDir)) continue;
    for (const version of readdirSync(clangDir)) {
      const lib = path.join(clangDir, version, 'lib', 'linux', 'libclang_rt.fuzzer_no_main-x86_64.a');
      if (existsSync(lib)) candidates.push(lib);
    }
  }
  candidates.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  return candidates[0];
}

function nodeHeaders() {
  const dirs = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'];
  return dirs.find((d) => existsSync(path.join(d, 'node_api.h')));
}

export function ensureJazzer() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(
      `the fuzzer build is set up for Linux x64 only (this is ${process.platform}-${process.arch})`,
    );
  }
  if (!existsSync(JAZZER_CLI) || !existsSync(path.join(fuzzerPkg, 'addon.cpp'))) {
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: tools });
  }
  const native = path.join(here, 'native');
  const sources = [
    ...readdirSync(fuzzerPkg)
      .filter((f) => f.endsWith('.cpp'))
      .map((f) => path.join(fuzzerPkg, f)),
    ...readdirSync(path.join(fuzzerPkg, 'shared'))
      .filter((f) => f.endsWith('.cpp'))
      .map((f) => path.join(fuzzerPkg, 'shared', f)),
    path.join(native, 'stock-libfuzzer.cpp'),
  ];
  const newest = Math.max(...sources.map((s) => statSync(s).mtimeMs));
  if (existsSync(addon) && statSync(addon).mtimeMs >= newest) return JAZZER_CLI;
  const libFuzzer = findLibFuzzer();
  if (libFuzzer === undefined) {
    throw new Error('libFuzzer not found: install clang-14 (it pulls in libclang-rt-14-dev)');
  }
  const headers = nodeHeaders();
  if (headers === undefined) throw new Error('Node headers (node_api.h) not found');
  const objects = path.join(fuzzerPkg, 'build', 'obj');
  mkdirSync(objects, { recursive: true });
  const include = [native, headers, path.join(tools, 'node_modules', 'node-addon-api')];
  const objectFiles = sources.map((source, i) => {
    const object = path.join(objects, `${i}-${path.basename(source, '.cpp')}.o`);
    run('g++', [
      '-std=c++17',
      '-O2',
      '-fPIC',
      '-w',
      '-DNAPI_VERSION=4',
      '-DNAPI_CPP_EXCEPTIONS',
      ...include.map((d) => `-I${d}`),
      '-c',
      source,
      '-o',
      object,
    ]);
    return object;
  });
  mkdirSync(path.dirname(addon), { recursive: true });
  run('g++', [
    '-shared',
    ...objectFiles,
    '-Wl,--whole-archive',
    libFuzzer,
    '-Wl,--no-whole-archive',
    '-lpthread',
    '-o',
    addon,
  ]);
  return JAZZER_CLI;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    console.log(ensureJazzer());
  } catch (error) {
    console.error(`fuzz setup: ${error.message}`);
    process.exit(1);
  }
}
