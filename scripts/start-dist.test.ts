// `npm start` and `npm run dist` as a newcomer meets them on a machine where Electron could not be
// installed (this one: github.com, where its binary comes from, is out of reach): each says the
// real reason in one sentence — npm start then serves the browser mode, npm run dist exits 1.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const electronInstalled = existsSync(path.join(root, 'node_modules', 'electron', 'dist'));

describe.runIf(!electronInstalled)('without the Electron package', () => {
  it('npm start says why the desktop app cannot start and opens the browser mode', async () => {
    const child = spawn(process.execPath, [path.join(root, 'scripts', 'start.mjs')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const sentence = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URL within 60 s: ${stdout}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const line = stdout.split('\n').find((l) => l.includes('http://127.0.0.1:'));
        if (line !== undefined) {
          clearTimeout(timer);
          resolve(line);
        }
      });
    });
    child.kill('SIGTERM');
    expect(sentence).toMatch(
      /^The desktop app cannot start because npm did not install the optional Electron package \(electron@[\d.]+\): .*github\.com.*; etlscope is starting in browser mode instead: open http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+ in your browser\.$/,
    );
    expect(sentence.split('. ').length).toBe(1);
  });

  it('npm run dist says exactly what is missing and exits 1', () => {
    const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'dist.mjs')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      /^npm run dist: cannot build installers because npm did not install the optional Electron package \(electron@[\d.]+\)/,
    );
    expect(run.stderr).not.toContain('Cannot compute electron version');
  });
});
