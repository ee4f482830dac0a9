// How large an uploaded trace may be. `etlscope serve --max-upload SIZE` sets it; by default it
// is half the free space at the server's temp folder when the upload starts, at most 64 GiB:
// room for the trace, its exports and the rest of the machine, never a disk filled by one drop.
// The limit is checked twice: a declared Content-Length over it is refused before the body is
// read, and the body is counted while it streams (cut off past the limit, partial file removed).

import { statfs } from 'node:fs/promises';

/** Share of the free space one upload may take by default: the other half stays for exports,
 *  a second upload and everything else on the machine. */
export const DEFAULT_UPLOAD_DISK_SHARE = 0.5;
/** Cap of the default: the largest traces people bring (circular kernel loggers left running)
 *  are tens of GB; beyond this, a size the user chose with --max-upload. */
export const DEFAULT_UPLOAD_CAP_BYTES = 64 * 1024 ** 3;

/** The default limit for `freeBytes` of free space at the temp folder. */
export function defaultUploadLimit(freeBytes: number): number {
  return Math.max(0, Math.min(Math.floor(freeBytes * DEFAULT_UPLOAD_DISK_SHARE), DEFAULT_UPLOAD_CAP_BYTES));
}

/** Free bytes available to this user at `dir` (statfs), or undefined where it cannot be read. */
export async function freeBytesAt(dir: string): Promise<number | undefined> {
  try {
    const info = await statfs(dir);
    return Number(info.bavail) * Number(info.bsize);
  } catch {
    return undefined;
  }
}

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `--max-upload` values: bytes, or a number with K/M/G/T (binary multiples: 2G = 2 GiB). */
export function parseByteSize(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (match === null) return undefined;
  const unit = UNITS[match[2]!.toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) && bytes >= 1 ? bytes : undefined;
}

/** 1536 → "1.5 KiB", for refusals the user reads. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}
