// `npm run dist`: desktop installers (electron-builder.yml: AppImage/deb, NSIS, dmg). It either
// builds, or says in one sentence exactly what is missing:
//   1. the Electron package and its binary (an optional dependency whose installer downloads the
//      binary from github.com; electron-builder packs that same binary via electronDist, so it
//      needs no second download of Electron);
//   2. then `node scripts/build.mjs` and electron-builder; where electron-builder fails fetching
//      its own packaging tools (AppImage runtime, fpm, NSIS — also from github.com), that is said.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronProblem } from './start.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => path.join(root, p);

const problem = electronProblem();
if (problem !== undefined) {
  console.error(`npm run dist: cannot build installers because ${problem}`);
  process.exit(1);
}
const electronVersion = JSON.parse(readFileSync(at('node_modules/electron/package.json'), 'utf8')).version;
const built = spawnSync(process.execPath, [at('scripts/build.mjs')], { stdio: 'inherit' });
if (built.status !== 0) {
  console.error('npm run dist: the build failed (node scripts/build.mjs); see the errors above.');
  process.exit(built.status ?? 1);
}
const builder = at('node_modules/.bin/electron-builder');
if (!existsSync(builder)) {
  console.error('npm run dist: electron-builder is not installed (it is a devDependency: run npm install).');
  process.exit(1);
}
const result = spawnSync(
  builder,
  [
    '--config',
    'electron-builder.yml',
    `--config.electronVersion=${electronVersion}`,
    `--config.electronDist=${at('node_modules/electron/dist')}`,
    ...process.argv.slice(2),
  ],
  { cwd: root, encoding: 'utf8', stdio: ['inherit', 'inherit', 'pipe'] },
);
process.stderr.write(result.stderr ?? '');
if (result.status !== 0) {
  const offline = /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|getaddrinfo|github\.com/.test(
    result.stderr ?? '',
  );
  console.error(
    offline
      ? 'npm run dist: electron-builder could not download its packaging tools (AppImage runtime, fpm, NSIS) from github.com; run it where that site is reachable.'
      : 'npm run dist: electron-builder failed; see its errors above.',
  );
  process.exit(result.status ?? 1);
}
