// File > Open Recent: the list (newest first, no duplicates, bounded) and its JSON file in
// userData. Pure list logic plus tolerant load/save: a missing or corrupt file is an empty list.

import { readFile, writeFile } from 'node:fs/promises';

/** Entries in Open Recent: as many as a menu shows comfortably (WPA and Office use ~10). */
export const MAX_RECENT = 10;

export function addRecent(
  list: readonly string[],
  file: string,
  samePath: (a: string, b: string) => boolean,
): string[] {
  return [file, ...list.filter((entry) => !samePath(entry, file))].slice(0, MAX_RECENT);
}

/** Windows and macOS paths compare case-insensitively; Linux paths exactly. */
export function pathComparer(platform: string): (a: string, b: string) => boolean {
  return platform === 'linux' ? (a, b) => a === b : (a, b) => a.toLowerCase() === b.toLowerCase();
}

export async function loadRecent(file: string): Promise<string[]> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    return Array.isArray(parsed)
      ? parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX_RECENT)
      : [];
  } catch {
    return [];
  }
}

export async function saveRecent(file: string, list: readonly string[]): Promise<void> {
  await writeFile(file, JSON.stringify(list, null, 2));
}
