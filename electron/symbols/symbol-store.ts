// The symstore layout on disk and the file operations on it: which files a directory may hold for
// an identity, installing a finished download or copy into a downstream store (temp file inside the
// store, then one rename, so no reader ever sees a partial file), and symstore file pointers.
//
//   DIR/name.pdb                              flat (next to the binary, a build output folder)
//   DIR/name.sym                              flat Breakpad
//   DIR/name.pdb/GUIDAGE/name.pdb             symstore (what symchk, WinDbg, WPA and we write)
//   DIR/name.pdb/GUIDAGE/name.sym             Breakpad in symstore layout (Mozilla, Sentry)
//   DIR/name.pdb/GUIDAGE/name.sym.txt         our own `<rva> <name>` side files (the engine's old layout)
//   DIR/name.pdb/GUIDAGE/file.ptr             `PATH:<path or URL>` or `MSG:<text>` (symstore /p stores)
//   DIR/.etlscope-partial/<random>-name.pdb   a download or copy in progress (removed on failure)

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { SymbolCancelledError } from './symbol-errors.js';
import { identityKey, pdbBaseName, type PdbIdentity } from './types.js';

/** The file names one identity has in a store. */
export interface StoreNames {
  /** `ntdll.pdb`: the PDB base name as the trace logged it (case kept). */
  readonly pdb: string;
  /** `BD298DA990CD4BF9BE5CE4796D7924C61`: GUID + age (types.ts identityKey). */
  readonly key: string;
  /** `ntdll.sym`. */
  readonly sym: string;
  /** `ntdll.sym.txt`. */
  readonly symTxt: string;
}

export type SymbolFileForm = 'pdb' | 'breakpad' | 'symtxt' | 'pointer';

export interface StoreCandidate {
  readonly file: string;
  readonly form: SymbolFileForm;
}

/** Characters Windows forbids in file names, plus controls: a hostile trace's PDB name never
 *  becomes a path outside the store or a different URL. */
const UNSAFE_NAME = /[\u0000-\u001f<>:"|?*]/;

/** The store names of an identity, or an error message when the identity cannot name a file. */
export function storeNames(identity: PdbIdentity): StoreNames | string {
  const pdb = pdbBaseName(identity.name).trim();
  if (pdb === '' || pdb === '.' || pdb === '..' || UNSAFE_NAME.test(pdb) || pdb.length > 255)
    return `PDB name \`${identity.name.slice(0, 80)}\` cannot name a symbol file`;
  if (!/^[0-9a-fA-F]{32}$/.test(identity.guid.replace(/[-{}]/g, '')))
    return `GUID \`${identity.guid.slice(0, 60)}\` of ${pdb} is not 32 hex digits`;
  if (!Number.isInteger(identity.age) || identity.age < 0 || identity.age > 0xffffffff)
    return `age ${identity.age} of ${pdb} is not a 32-bit count`;
  const base = pdb.toLowerCase().endsWith('.pdb') ? pdb.slice(0, -4) : pdb;
  return { pdb, key: identityKey(identity), sym: `${base}.sym`, symTxt: `${base}.sym.txt` };
}

/** `DIR/name.pdb/GUIDAGE/file`. */
export function storePath(dir: string, names: StoreNames, file: string): string {
  return path.join(dir, names.pdb, names.key, file);
}

/** The file a form is installed as in a downstream store. */
export function installedName(names: StoreNames, form: 'pdb' | 'breakpad'): string {
  return form === 'pdb' ? names.pdb : names.sym;
}

/** Every file a directory may hold for the identity, in the order they are tried. Names are tried
 *  as logged and, on case-sensitive file systems, lower-cased too (symstore folders made on Windows
 *  may differ in case from the name in the trace). */
export function localCandidates(dir: string, names: StoreNames): StoreCandidate[] {
  const variants = [names];
  const lower = names.pdb.toLowerCase();
  if (lower !== names.pdb)
    variants.push({ ...names, pdb: lower, sym: names.sym.toLowerCase(), symTxt: names.symTxt.toLowerCase() });
  const out: StoreCandidate[] = [];
  for (const v of variants) {
    out.push({ file: path.join(dir, v.pdb), form: 'pdb' });
    out.push({ file: path.join(dir, v.sym), form: 'breakpad' });
    out.push({ file: storePath(dir, v, v.pdb), form: 'pdb' });
    out.push({ file: storePath(dir, v, v.sym), form: 'breakpad' });
    out.push({ file: storePath(dir, v, v.symTxt), form: 'symtxt' });
    out.push({ file: storePath(dir, v, 'file.ptr'), form: 'pointer' });
  }
  return out;
}

/** The form of a file by its name (a file pointer's target, a flat file). */
export function formOfFileName(name: string): SymbolFileForm | 'compressed' {
  const lower = name.toLowerCase();
  if (lower.endsWith('.sym.txt')) return 'symtxt';
  if (lower.endsWith('.sym')) return 'breakpad';
  if (lower.endsWith('.pd_')) return 'compressed';
  return 'pdb';
}

const PARTIAL_DIR = '.etlscope-partial';

/** A fresh temp path inside `store` (same file system as the final place, so the rename is atomic);
 *  it keeps the file's name last so readers that look at the extension still see it. */
export async function tempPathIn(store: string, fileName: string): Promise<string> {
  const dir = path.join(store, PARTIAL_DIR);
  // Counted before the mkdir: a parallel transfer finishing now must not remove the folder.
  partialUsers.set(dir, (partialUsers.get(dir) ?? 0) + 1);
  await mkdir(dir, { recursive: true });
  return path.join(dir, `${randomBytes(6).toString('hex')}-${fileName}`);
}

/** Transfers in this process using each temp folder: the last one to finish removes it. */
const partialUsers = new Map<string, number>();

/** One transfer is done with its temp folder; removes the folder when no other transfer uses it. */
async function releasePartialDir(dir: string): Promise<void> {
  const users = (partialUsers.get(dir) ?? 1) - 1;
  if (users > 0) {
    partialUsers.set(dir, users);
    return;
  }
  partialUsers.delete(dir);
  await rmdir(dir).catch(() => undefined);
}

/** Removes a temp file (and its folder when it is the last one); never throws. */
export async function discardTemp(tempFile: string): Promise<void> {
  await rm(tempFile, { force: true }).catch(() => undefined);
  await releasePartialDir(path.dirname(tempFile));
}

/** Moves a complete temp file to `store/name.pdb/GUIDAGE/fileName`; returns the final path. */
export async function installIntoStore(
  tempFile: string,
  store: string,
  names: StoreNames,
  fileName: string,
): Promise<string> {
  const final = storePath(store, names, fileName);
  await mkdir(path.dirname(final), { recursive: true });
  await rename(tempFile, final);
  await releasePartialDir(path.dirname(tempFile));
  return final;
}

/** Bytes per copy step: big enough to be few syscalls, small enough to notice a cancel quickly. */
const COPY_CHUNK_BYTES = 1024 * 1024;

/** Copies `source` to a new temp file in `store` (bounded chunks, cancellable); returns its path.
 *  On failure nothing is left behind. */
export async function copyToTemp(
  source: string,
  store: string,
  fileName: string,
  options: { signal?: AbortSignal; maxBytes?: number } = {},
): Promise<{ file: string; bytes: number }> {
  const temp = await tempPathIn(store, fileName);
  let bytes = 0;
  try {
    const input = await open(source, 'r');
    try {
      const output = await open(temp, 'wx');
      try {
        const buffer = new Uint8Array(COPY_CHUNK_BYTES);
        for (;;) {
          if (options.signal?.aborted) throw new SymbolCancelledError(`copying ${source}`);
          const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
          if (bytesRead === 0) break;
          bytes += bytesRead;
          if (options.maxBytes !== undefined && bytes > options.maxBytes)
            throw new Error(`${source}: over ${options.maxBytes} bytes, the symbol file size limit`);
          await output.write(buffer, 0, bytesRead);
        }
      } finally {
        await output.close();
      }
    } finally {
      await input.close();
    }
  } catch (error) {
    await discardTemp(temp);
    throw error;
  }
  return { file: temp, bytes };
}

/** A symstore file pointer: where the real file is, or why there is none. */
export type FilePointer =
  { readonly kind: 'path'; readonly target: string } | { readonly kind: 'message'; readonly text: string };

/** Parses a `file.ptr` body (`PATH:<path>` or `MSG:<text>`); a string is the reason it is not one. */
export function parseFilePointer(body: string): FilePointer | string {
  const text = body.replace(/^\uFEFF/, '').trim();
  const colon = text.indexOf(':');
  const tag = colon < 0 ? '' : text.slice(0, colon).toUpperCase();
  const rest = text.slice(colon + 1).trim();
  if (tag === 'PATH' && rest !== '' && !rest.includes('\n')) return { kind: 'path', target: rest };
  if (tag === 'MSG') return { kind: 'message', text: rest.replace(/\s+/g, ' ') };
  return `not a file pointer (\`PATH:<path>\` or \`MSG:<text>\`): \`${text.slice(0, 80)}\``;
}
