// The one entry point the engine calls: for each PDB identity a trace names, search the symbol path
// in order and read the first file whose identity matches into a SymbolTable.
//
//   for each element of the path (symbol-path.ts):
//     dir / cache*   DIR: flat name.pdb, name.sym; symstore name.pdb/GUIDAGE/{name.pdb,name.sym,name.sym.txt,file.ptr}
//     srv*           each downstream cache like a DIR (nearest first), then the upstream:
//                      http(s): name.pdb, name.sym, file.ptr (symbol-server.ts) → temp in the nearest cache,
//                               read, then renamed into CACHE/name.pdb/GUIDAGE/… (a bad file never stays)
//                      dir:     like a DIR, read in place (and copied into the caches)
//                    a file found beyond the nearest cache is copied into every nearer one
//   read: .pdb → options.readPdb (injected; throws on a bad or other-build PDB), .sym → breakpad.ts,
//         .sym.txt → sym-txt.ts. A file of another build or a broken one is noted and the search goes on.
//
// Status per identity: loaded; else cancelled (the signal fired); else error (some place could not
// be checked: a server error, a corrupt file — the right file may be there); else mismatch (only
// other builds were found); else not-found. Identities are searched `concurrency` at a time, which
// also bounds the parallel requests to servers; all file I/O is async (the engine worker stays
// responsive). Nothing contacts a server unless the path names one.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readBreakpadFile } from './breakpad.js';
import { SymbolCancelledError, errorMessage, isMismatchError } from './symbol-errors.js';
import { parseSymbolPath, type SymbolPathElement } from './symbol-path.js';
import {
  DEFAULT_DOWNLOAD_CONCURRENCY,
  DEFAULT_SERVER_LIMITS,
  MAX_POINTER_BYTES,
  downloadToTemp,
  fetchFromServer,
  type DownloadProgress,
  type DownloadedFile,
  type SymbolServerLimits,
} from './symbol-server.js';
import {
  copyToTemp,
  discardTemp,
  formOfFileName,
  installIntoStore,
  localCandidates,
  parseFilePointer,
  storeNames,
  type FilePointer,
  type StoreNames,
  type SymbolFileForm,
} from './symbol-store.js';
import { readSymTxtFile } from './sym-txt.js';
import { pdbBaseName, type PdbIdentity, type SymbolTable } from './types.js';

export type SymbolLoadStatus = 'loaded' | 'not-found' | 'mismatch' | 'error' | 'cancelled';

export interface SymbolLoadOutcome {
  readonly identity: PdbIdentity;
  readonly status: SymbolLoadStatus;
  /** One sentence for the Images list / the CLI. */
  readonly message: string;
  readonly table?: SymbolTable;
  /** The local file the table was read from (in a cache when it was downloaded). */
  readonly file?: string;
  /** The path element that gave it. */
  readonly source?: SymbolPathElement;
  /** The URL it was downloaded from, when it was. */
  readonly url?: string;
  /** Body bytes received for this identity (failed and rejected downloads included). */
  readonly bytesDownloaded: number;
  /** Malformed lines of the side file read (Breakpad, .sym.txt), 0 for a PDB. */
  readonly malformedLines: number;
  /** Every file or server answer not used and why, in search order, plus symbol path problems. */
  readonly notes: readonly string[];
}

export interface SymbolLoadProgress {
  /** Identities settled so far / all distinct identities. */
  readonly filesDone: number;
  readonly filesTotal: number;
  /** Body bytes received so far, over all downloads. */
  readonly bytesDownloaded: number;
  /** The transfer this event is about, if any; `done` on its last event. */
  readonly download?: DownloadProgress & { readonly identity: PdbIdentity; readonly done: boolean };
}

/** The PDB reader (pdb/, injected): a table, or a throw for a bad file or one of another build
 *  (a SymbolMismatchError, or any error with `code: 'ERR_SYMBOL_MISMATCH'`). */
export type PdbReader = (file: string, wanted: PdbIdentity) => SymbolTable | Promise<SymbolTable>;

export interface LoadSymbolTablesOptions {
  readonly readPdb: PdbReader;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SymbolLoadProgress) => void;
  /** Identities searched (and files downloaded) at once; default DEFAULT_DOWNLOAD_CONCURRENCY. */
  readonly concurrency?: number;
  readonly fetch?: typeof fetch;
  readonly limits?: Partial<SymbolServerLimits>;
  /** For a path given as text: the cache of `srv*URL` (default: symbol-path.ts defaultSymbolCache). */
  readonly defaultCache?: string;
}

/** Progress events per transfer at most this often (plus each transfer's last): 10 a second moves
 *  a progress bar smoothly without flooding the worker's message port. */
const PROGRESS_INTERVAL_MS = 100;

/** Per identity, the first matching symbols on the path (see the header for the order and statuses). */
export async function loadSymbolTables(
  identities: readonly PdbIdentity[],
  symbolPath: readonly SymbolPathElement[] | string,
  options: LoadSymbolTablesOptions,
): Promise<SymbolLoadOutcome[]> {
  let elements: readonly SymbolPathElement[];
  const pathNotes: string[] = [];
  if (typeof symbolPath === 'string') {
    const parsed = parseSymbolPath(
      symbolPath,
      options.defaultCache !== undefined ? { defaultCache: options.defaultCache } : {},
    );
    elements = parsed.elements;
    for (const p of parsed.problems) pathNotes.push(`symbol path element \`${p.text}\`: ${p.message}`);
  } else {
    elements = symbolPath;
  }
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_DOWNLOAD_CONCURRENCY));

  // One search per distinct identity (a trace names a module once per process that loaded it).
  const keyOf = (id: PdbIdentity) =>
    `${pdbBaseName(id.name).toLowerCase()}|${id.guid.replace(/[-{}]/g, '').toUpperCase()}|${id.age}`;
  const distinct: PdbIdentity[] = [];
  const indexOfKey = new Map<string, number>();
  for (const id of identities) {
    const key = keyOf(id);
    if (!indexOfKey.has(key)) {
      indexOfKey.set(key, distinct.length);
      distinct.push(id);
    }
  }

  const progress = new ProgressTally(distinct.length, options.onProgress);
  const results: SymbolLoadOutcome[] = new Array(distinct.length);
  let next = 0;
  const worker = async () => {
    while (next < distinct.length) {
      const i = next++;
      const search = new IdentitySearch(distinct[i]!, elements, options, progress, pathNotes);
      results[i] = await search.run();
      progress.settled();
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, distinct.length) }, worker));
  return identities.map((id) => {
    const outcome = results[indexOfKey.get(keyOf(id))!]!;
    return outcome.identity === id ? outcome : { ...outcome, identity: id };
  });
}

class ProgressTally {
  filesDone = 0;
  bytesDownloaded = 0;

  constructor(
    readonly filesTotal: number,
    private readonly onProgress: ((progress: SymbolLoadProgress) => void) | undefined,
  ) {}

  settled(): void {
    this.filesDone++;
    this.emit(undefined);
  }

  /** A per-transfer callback that counts deltas into the total and throttles events. */
  transfer(identity: PdbIdentity): {
    onProgress: (p: DownloadProgress) => void;
    finish: () => void;
    bytes: () => number;
  } {
    let last: DownloadProgress | undefined;
    let counted = 0; // bytes of `last.url` already added to the totals
    let sum = 0;
    let emittedAt = 0;
    let trailing: ReturnType<typeof setTimeout> | undefined; // emits a held-back state late
    const emitNow = (done: boolean) => {
      clearTimeout(trailing);
      trailing = undefined;
      emittedAt = Date.now();
      if (last !== undefined) this.emit({ ...last, identity, done });
    };
    const finishCurrent = () => {
      emitNow(true);
      last = undefined;
    };
    return {
      onProgress: (p) => {
        if (last !== undefined && last.url !== p.url) finishCurrent();
        if (last === undefined) counted = 0;
        const delta = p.bytes - counted;
        sum += delta;
        this.bytesDownloaded += delta;
        counted = p.bytes;
        last = p;
        const wait = PROGRESS_INTERVAL_MS - (Date.now() - emittedAt);
        if (wait <= 0 || p.bytes === p.totalBytes) emitNow(false);
        else trailing ??= setTimeout(() => emitNow(false), wait);
      },
      finish: finishCurrent,
      bytes: () => sum,
    };
  }

  private emit(download: SymbolLoadProgress['download']): void {
    if (this.onProgress === undefined) return;
    const event: SymbolLoadProgress = {
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDownloaded: this.bytesDownloaded,
      ...(download !== undefined ? { download } : {}),
    };
    try {
      this.onProgress(event);
    } catch {
      // A failing progress listener must not fail the load.
    }
  }
}

interface Found {
  readonly table: SymbolTable;
  readonly file: string;
  readonly malformedLines: number;
  readonly url?: string;
}

/** Files worth installing under a canonical name; a .sym.txt keeps its own. */
function canonicalName(names: StoreNames, form: Exclude<SymbolFileForm, 'pointer'>): string {
  return form === 'pdb' ? names.pdb : form === 'breakpad' ? names.sym : names.symTxt;
}

function isMissing(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

class IdentitySearch {
  private readonly notes: string[];
  /** The first note of each kind, for the outcome's message. */
  private firstError: string | undefined;
  private firstMismatch: string | undefined;
  private bytesDownloaded = 0;
  private places = 0;
  private readonly searched = new Set<string>();
  private readonly serverMessages: string[] = [];

  constructor(
    private readonly identity: PdbIdentity,
    private readonly elements: readonly SymbolPathElement[],
    private readonly options: LoadSymbolTablesOptions,
    private readonly progress: ProgressTally,
    pathNotes: readonly string[],
  ) {
    this.notes = [...pathNotes];
  }

  private get signal(): AbortSignal | undefined {
    return this.options.signal;
  }

  private checkCancel(): void {
    if (this.signal?.aborted) throw new SymbolCancelledError(`loading symbols of ${this.identity.name}`);
  }

  async run(): Promise<SymbolLoadOutcome> {
    const names = storeNames(this.identity);
    if (typeof names === 'string') return this.outcome('error', names);
    try {
      for (const element of this.elements) {
        this.checkCancel();
        const found = await this.searchElement(element, names);
        if (found !== undefined) {
          const via = found.url !== undefined ? ` (downloaded from ${found.url})` : '';
          const malformed =
            found.malformedLines > 0 ? `; ${found.malformedLines} malformed lines skipped` : '';
          return {
            ...this.outcome(
              'loaded',
              `${names.pdb}: ${found.table.rvas.length} symbols from ${found.file}${via}${malformed}`,
            ),
            table: found.table,
            file: found.file,
            source: element,
            malformedLines: found.malformedLines,
            ...(found.url !== undefined ? { url: found.url } : {}),
          };
        }
      }
    } catch (error) {
      if (error instanceof SymbolCancelledError || this.signal?.aborted)
        return this.outcome('cancelled', `${names.pdb}: cancelled`);
      // Not expected (every step notes its own failures), but never let one identity fail the call.
      this.note('error', errorMessage(error));
    }
    const subject = `${names.pdb} ${names.key}`;
    if (this.signal?.aborted) return this.outcome('cancelled', `${subject}: cancelled`);
    const said = this.serverMessages.length > 0 ? ` (server: ${this.serverMessages.join('; ')})` : '';
    if (this.firstError !== undefined)
      return this.outcome('error', `${subject}: not loaded: ${this.firstError}`);
    if (this.firstMismatch !== undefined)
      return this.outcome(
        'mismatch',
        `${subject}: only symbols of other builds found: ${this.firstMismatch}`,
      );
    const where = this.places === 1 ? '1 place' : `${this.places} places`;
    return this.outcome('not-found', `${subject}: no symbols in ${where} searched${said}`);
  }

  /** Records why a place gave nothing: an error (it could not be checked), a mismatch (another
   *  build), or info (no effect on the status). */
  private note(kind: 'error' | 'mismatch' | 'info', message: string): void {
    this.notes.push(message);
    if (kind === 'error') this.firstError ??= message;
    if (kind === 'mismatch') this.firstMismatch ??= message;
  }

  private outcome(status: SymbolLoadStatus, message: string): SymbolLoadOutcome {
    return {
      identity: this.identity,
      status,
      message,
      bytesDownloaded: this.bytesDownloaded,
      malformedLines: 0,
      notes: this.notes,
    };
  }

  private async searchElement(element: SymbolPathElement, names: StoreNames): Promise<Found | undefined> {
    if (element.kind === 'dir' || element.kind === 'cache') return this.searchDir(element.path, names, []);
    for (let i = 0; i < element.caches.length; i++) {
      const found = await this.searchDir(element.caches[i]!, names, element.caches.slice(0, i));
      if (found !== undefined) return found;
    }
    if (element.upstream.kind === 'dir') return this.searchDir(element.upstream.path, names, element.caches);
    return this.fromServer(element.upstream.url, element.caches, names);
  }

  /** Every candidate file of `dir`; a hit is copied into `copyInto` (nearer downstream stores). */
  private async searchDir(
    dir: string,
    names: StoreNames,
    copyInto: readonly string[],
  ): Promise<Found | undefined> {
    const resolved = path.resolve(dir);
    if (this.searched.has(resolved)) return undefined;
    this.searched.add(resolved);
    this.places++;
    for (const candidate of localCandidates(dir, names)) {
      this.checkCancel();
      if (!(await this.isFile(candidate.file))) continue;
      const found =
        candidate.form === 'pointer'
          ? await this.followLocalPointer(candidate.file, names, copyInto)
          : await this.readCandidate(candidate.file, candidate.form);
      if (found !== undefined) {
        if (candidate.form !== 'pointer')
          await this.copyIntoStores(found.file, candidate.form, names, copyInto);
        return found;
      }
    }
    return undefined;
  }

  private async isFile(file: string): Promise<boolean> {
    try {
      return (await stat(file)).isFile();
    } catch (error) {
      if (!isMissing(error)) {
        this.note('error', `${file}: ${errorMessage(error)}`);
      }
      return false;
    }
  }

  /** Reads one file with the reader of its form; undefined (and a note) when it is not usable. */
  private async readCandidate(
    file: string,
    form: Exclude<SymbolFileForm, 'pointer'>,
    shownAs?: { readonly temp: string; readonly url: string },
  ): Promise<Found | undefined> {
    try {
      if (form === 'pdb') {
        const table = await this.options.readPdb(file, this.identity);
        checkTableShape(table, file);
        return { table, file, malformedLines: 0 };
      }
      const signal = this.signal;
      const read =
        form === 'breakpad'
          ? await readBreakpadFile(file, {
              wanted: this.identity,
              ...(signal !== undefined ? { signal } : {}),
            })
          : await readSymTxtFile(file, signal !== undefined ? { signal } : {});
      return { table: read.table, file, malformedLines: read.malformedLines };
    } catch (error) {
      this.checkCancel();
      if (error instanceof SymbolCancelledError) throw error;
      let message = errorMessage(error);
      if (shownAs !== undefined)
        message = `${shownAs.url} (downloaded): ${message.split(shownAs.temp).join('the file')}`;
      this.note(isMismatchError(error) ? 'mismatch' : 'error', message);
      return undefined;
    }
  }

  /** GETs from one server into the nearest cache; reads the temp file; installs it if it is good. */
  private async fromServer(
    base: string,
    caches: readonly string[],
    names: StoreNames,
  ): Promise<Found | undefined> {
    const store = caches[0];
    this.places++;
    if (store === undefined) {
      this.note('error', `${base}: this path element has no cache to download into`);
      return undefined;
    }
    const tally = this.progress.transfer(this.identity);
    const transferOptions = this.transferOptions(tally.onProgress);
    let answer;
    try {
      answer = await fetchFromServer(base, names, store, transferOptions);
    } catch (error) {
      this.countBytes(tally);
      return this.noteServerError(error);
    }
    this.countBytes(tally);
    if (answer.kind === 'absent') return undefined;
    if (answer.kind === 'file') return this.installDownload(answer.download, answer.form, caches, names);
    return this.followPointer(answer.pointer, answer.url, names, caches);
  }

  private transferOptions(onProgress: (p: DownloadProgress) => void) {
    return {
      onProgress,
      ...(this.options.fetch !== undefined ? { fetch: this.options.fetch } : {}),
      ...(this.options.limits !== undefined ? { limits: this.options.limits } : {}),
      ...(this.signal !== undefined ? { signal: this.signal } : {}),
    };
  }

  private countBytes(tally: ReturnType<ProgressTally['transfer']>): void {
    this.bytesDownloaded += tally.bytes();
    tally.finish();
  }

  private noteServerError(error: unknown): undefined {
    if (error instanceof SymbolCancelledError || this.signal?.aborted)
      throw error instanceof SymbolCancelledError ? error : new SymbolCancelledError(errorMessage(error));
    this.note('error', errorMessage(error));
    return undefined;
  }

  private async installDownload(
    download: DownloadedFile,
    form: 'pdb' | 'breakpad' | 'symtxt',
    caches: readonly string[],
    names: StoreNames,
  ): Promise<Found | undefined> {
    let installed = false;
    try {
      const found = await this.readCandidate(download.tempFile, form, {
        temp: download.tempFile,
        url: download.url,
      });
      if (found === undefined) return undefined;
      this.checkCancel();
      const file = await installIntoStore(download.tempFile, caches[0]!, names, canonicalName(names, form));
      installed = true;
      await this.copyIntoStores(file, form, names, caches.slice(1));
      return { ...found, table: { ...found.table, origin: file }, file, url: download.url };
    } finally {
      if (!installed) await discardTemp(download.tempFile);
    }
  }

  private async followLocalPointer(
    file: string,
    names: StoreNames,
    copyInto: readonly string[],
  ): Promise<Found | undefined> {
    let pointer: FilePointer | string;
    try {
      const body = await readFile(file);
      pointer =
        body.length > MAX_POINTER_BYTES
          ? `over ${MAX_POINTER_BYTES} bytes: not a file pointer`
          : parseFilePointer(body.toString('utf8'));
    } catch (error) {
      pointer = errorMessage(error);
    }
    if (typeof pointer === 'string') {
      this.note('error', `${file}: ${pointer}`);
      return undefined;
    }
    return this.followPointer(pointer, file, names, copyInto);
  }

  /** A file pointer's target: a URL (downloaded into the nearest cache) or a local path (read in
   *  place, copied into the caches); a MSG is noted. `copyInto` are the caches to fill. */
  private async followPointer(
    pointer: FilePointer,
    from: string,
    names: StoreNames,
    copyInto: readonly string[],
  ): Promise<Found | undefined> {
    if (pointer.kind === 'message') {
      this.serverMessages.push(pointer.text);
      this.note('info', `${from}: ${pointer.text}`);
      return undefined;
    }
    const target = pointer.target;
    const isUrl = /^https?:\/\//i.test(target);
    const form = formOfFileName(isUrl ? safeUrlPath(target) : target);
    if (form === 'compressed' || form === 'pointer') {
      this.note(
        'error',
        `${from}: points to ${target}, a compressed (CAB) symbol file, which is not supported`,
      );
      return undefined;
    }
    if (isUrl) {
      if (copyInto.length === 0) {
        this.note(
          'error',
          `${from}: points to ${target}, but this path element has no cache to download into`,
        );
        return undefined;
      }
      this.places++;
      const tally = this.progress.transfer(this.identity);
      let download: DownloadedFile | undefined;
      try {
        download = await downloadToTemp(
          target,
          copyInto[0]!,
          canonicalName(names, form),
          this.transferOptions(tally.onProgress),
        );
      } catch (error) {
        this.countBytes(tally);
        return this.noteServerError(error);
      }
      this.countBytes(tally);
      if (download === undefined) {
        this.note('info', `${from}: points to ${target}, which the server does not have (404)`);
        return undefined;
      }
      return this.installDownload(download, form, copyInto, names);
    }
    if (process.platform !== 'win32' && /^\\\\|^[a-z]:[\\/]/i.test(target)) {
      this.note('error', `${from}: points to ${target}, a Windows path this system cannot open`);
      return undefined;
    }
    if (!path.isAbsolute(target)) {
      this.note('error', `${from}: points to \`${target}\`, which is not an absolute path`);
      return undefined;
    }
    this.places++;
    if (!(await this.isFile(target))) {
      this.note('error', `${from}: points to ${target}, which does not exist`);
      return undefined;
    }
    const found = await this.readCandidate(target, form);
    if (found !== undefined) await this.copyIntoStores(target, form, names, copyInto);
    return found;
  }

  /** Copies a good file into downstream stores (temp + rename); a failure is only a note. */
  private async copyIntoStores(
    file: string,
    form: Exclude<SymbolFileForm, 'pointer'>,
    names: StoreNames,
    stores: readonly string[],
  ): Promise<void> {
    const name = canonicalName(names, form);
    for (const store of stores) {
      this.checkCancel();
      try {
        const signal = this.signal;
        const copy = await copyToTemp(file, store, name, {
          maxBytes: this.options.limits?.maxBytes ?? DEFAULT_SERVER_LIMITS.maxBytes,
          ...(signal !== undefined ? { signal } : {}),
        });
        try {
          await installIntoStore(copy.file, store, names, name);
        } catch (error) {
          await discardTemp(copy.file);
          throw error;
        }
      } catch (error) {
        if (error instanceof SymbolCancelledError) throw error;
        this.note('info', `copying ${file} into the cache ${store} failed: ${errorMessage(error)}`);
      }
    }
  }
}

/** The path of a URL (for its file extension), or the text itself when it does not parse. */
function safeUrlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** A table from the injected reader must be what types.ts promises before the engine indexes it. */
function checkTableShape(table: SymbolTable, file: string): void {
  const n = table.rvas.length;
  if (
    !(table.rvas instanceof Uint32Array) ||
    !(table.sizes instanceof Uint32Array) ||
    table.sizes.length !== n ||
    table.names.length !== n
  )
    throw new Error(`${file}: the PDB reader returned a malformed table`);
  for (let i = 1; i < n; i++)
    if (table.rvas[i]! <= table.rvas[i - 1]!)
      throw new Error(`${file}: the PDB reader returned unsorted RVAs`);
}
