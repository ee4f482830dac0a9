// The temp folder's lifetime: the pid marker, the sweep of folders whose owner is gone (and only
// those: live owners, no marker, other names are left alone), and the exit hook that removes the
// folder when the process dies of an uncaught exception or calls process.exit.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OWNER_FILE, createTempFolder, processAlive, removeStaleTempFolders } from './temp-folders.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let root: string;
beforeEach(() => void (root = mkdtempSync(path.join(tmpdir(), 'etlscope-tempfolders-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const deadPid = () =>
  Number(
    spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
      .stdout,
  );

describe('server temp folders', () => {
  it('marks a new folder with this pid', async () => {
    const dir = await createTempFolder(root);
    expect(path.basename(dir)).toMatch(/^etlscope-serve-/);
    expect(readFileSync(path.join(dir, OWNER_FILE), 'utf8')).toBe(`${process.pid}\n`);
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
  });

  it('sweeps only folders whose marker names a process that is gone', () => {
    const make = (name: string, marker?: string) => {
      mkdirSync(path.join(root, name, 'sub'), { recursive: true });
      if (marker !== undefined) writeFileSync(path.join(root, name, OWNER_FILE), marker);
    };
    make('etlscope-serve-dead', `${deadPid()}\n`);
    make('etlscope-serve-alive', `${process.ppid}\n`);
    make('etlscope-serve-mine', `${process.pid}\n`);
    make('etlscope-serve-nomarker');
    make('etlscope-serve-garbage', 'not a pid');
    make('other-dead', `${deadPid()}\n`);
    expect(removeStaleTempFolders(root)).toEqual([path.join(root, 'etlscope-serve-dead')]);
    for (const kept of ['alive', 'mine', 'nomarker', 'garbage'])
      expect(existsSync(path.join(root, `etlscope-serve-${kept}`))).toBe(true);
    expect(existsSync(path.join(root, 'other-dead'))).toBe(true);
    // Another user's folder is never touched, whatever its marker says.
    make('etlscope-serve-theirs', `${deadPid()}\n`);
    expect(removeStaleTempFolders(root, () => false, (process.getuid?.() ?? 0) + 1)).toEqual([]);
    expect(removeStaleTempFolders(path.join(root, 'missing'))).toEqual([]);
  });

  it.each([
    ['an uncaught exception', 'throw new Error("crash");'],
    ['process.exit', 'process.exit(3);'],
  ])('removes the folder when the process ends by %s', (_how, ending) => {
    const script = `
      import { createTempFolder, removeOnProcessExit } from ${JSON.stringify(path.join(here, 'temp-folders.ts'))};
      import { writeFileSync } from 'node:fs';
      const dir = await createTempFolder(${JSON.stringify(root)});
      writeFileSync(dir + '/upload-1.etl', 'x');
      removeOnProcessExit(dir);
      console.log(dir);
      ${ending}`;
    const file = path.join(root, 'crash.mts');
    writeFileSync(file, script);
    let out = '';
    try {
      out = execFileSync(process.execPath, ['--import', 'tsx', file], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
    } catch (error) {
      out = String((error as { stdout?: unknown }).stdout ?? '');
    }
    const dir = out.trim();
    expect(dir).toMatch(/etlscope-serve-/);
    expect(existsSync(dir)).toBe(false);
  });
});
