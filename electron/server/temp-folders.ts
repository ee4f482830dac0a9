// The server's temp folder (uploads, their .symbols/, exports): created with an owner marker,
// removed on every way out the process can see — close(), SIGINT/SIGTERM (the CLI calls close),
// process.exit and an uncaught exception (the 'exit' hook, synchronous) — and, for the ways it
// cannot (SIGKILL, the OOM killer, a power cut), swept at the next start: an
// `etlscope-serve-*` folder of this user whose marker names a process that is gone is removed.
// Folders without a marker, of other users, or of live processes are left alone.
//
//   <tmp>/etlscope-serve-XXXXXX/owner.pid   "<pid>\n"

import { lstatSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const TEMP_FOLDER_PREFIX = 'etlscope-serve-';
export const OWNER_FILE = 'owner.pid';

/** A new temp folder under `root` with this process's pid marker. */
export async function createTempFolder(root: string): Promise<string> {
  const dir = await mkdtemp(path.join(root, TEMP_FOLDER_PREFIX));
  await writeFile(path.join(dir, OWNER_FILE), `${process.pid}\n`, { mode: 0o600 });
  return dir;
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/** Removes this user's `etlscope-serve-*` folders under `root` whose owner process is gone;
 *  returns the folders removed. Never throws (a folder that cannot be read is skipped). */
export function removeStaleTempFolders(
  root: string,
  alive: (pid: number) => boolean = processAlive,
  uid: number | undefined = process.getuid?.(),
): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(TEMP_FOLDER_PREFIX)) continue;
    const dir = path.join(root, name);
    try {
      const info = lstatSync(dir);
      if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) continue;
      const pid = Number(readFileSync(path.join(dir, OWNER_FILE), 'utf8').trim());
      if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // No marker (not ours, or an older etlscope), or gone meanwhile: leave it.
    }
  }
  return removed;
}

/** Removes `dir` when the process exits by any path Node runs 'exit' handlers for; returns the
 *  function that unregisters the hook (after a normal close). */
export function removeOnProcessExit(dir: string): () => void {
  const hook = () => {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Exiting anyway.
    }
  };
  process.on('exit', hook);
  return () => void process.off('exit', hook);
}
