// "Load Symbols" for a loaded trace: every PDB identity the trace names (DbgID_RSDS of its images)
// is searched on the effective symbol path — `<trace>.symbols/`, the user's path (app setting or
// --symbols), ETLSCOPE_SYMBOL_PATH, _NT_SYMBOL_PATH — read (PDB, Breakpad .sym, .sym.txt) and
// applied: the engine re-labels its functions, so the next query of every view shows the names.
//
//   model.dict.locations.groupPdb ──distinct identities──> loadSymbolTables (symbols/locate.ts)
//        ──tables──> Engine.applySymbols ──> SymbolLoadResult (per PDB: status, where from, count)
//
// Runs in the engine worker (async I/O and downloads: queries keep being answered meanwhile) or
// in process (CLI tests). Nothing here contacts a server the path does not name.

import type {
  SymbolLoadProgress,
  SymbolLoadRequest,
  SymbolLoadResult,
  ModuleSymbols,
} from '../../shared/contract.js';
import { loadSymbolTables, type PdbReader } from '../symbols/locate.js';
import { effectiveSymbolPath, formatSymbolPath, MICROSOFT_SYMBOL_SERVER } from '../symbols/symbol-path.js';
import { identityKey, pdbBaseName, type PdbIdentity, type SymbolTable } from '../symbols/types.js';
import type { Engine } from './engine.js';

export interface SymbolLoadOptions {
  /** The trace file: `<trace>.symbols/` beside it is searched first. */
  readonly tracePath?: string;
  /** A symbol path the host adds after the request's (the server's --symbols). */
  readonly hostSymbolPath?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly readPdb: PdbReader;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: Omit<SymbolLoadProgress, 'traceId' | 'requestId'>) => void;
  /** Tests: another fetch, shorter timeouts. */
  readonly fetch?: typeof fetch;
  readonly defaultCache?: string;
}

const keyOf = (pdb: PdbIdentity) => `${pdbBaseName(pdb.name).toLowerCase()}\u0000${identityKey(pdb)}`;

/** The distinct PDB identities of a model's images, with the modules that carry each. */
export function traceIdentities(engine: Engine): { identity: PdbIdentity; modules: string[] }[] {
  const { locations, modules } = engine.model.dict;
  const byKey = new Map<string, { identity: PdbIdentity; modules: string[] }>();
  locations.groupPdb.forEach((pdb, group) => {
    if (pdb === undefined) return;
    const key = keyOf(pdb);
    const entry = byKey.get(key) ?? { identity: pdb, modules: [] };
    const module = modules[locations.groupModule[group]!]!;
    if (!entry.modules.includes(module)) entry.modules.push(module);
    byKey.set(key, entry);
  });
  // Images named by RSDS but never resolving an address still deserve symbols (the Images list).
  for (const image of engine.model.images) {
    if (image.pdb === undefined) continue;
    const key = keyOf(image.pdb);
    const entry = byKey.get(key) ?? { identity: image.pdb, modules: [] };
    if (!entry.modules.includes(image.module)) entry.modules.push(image.module);
    byKey.set(key, entry);
  }
  return [...byKey.values()];
}

export async function loadSymbolsIntoEngine(
  engine: Engine,
  request: SymbolLoadRequest,
  options: SymbolLoadOptions,
): Promise<SymbolLoadResult> {
  const option = [
    request.symbolPath?.trim() ?? '',
    options.hostSymbolPath?.trim() ?? '',
    request.microsoftServer === true ? `srv**${MICROSOFT_SYMBOL_SERVER}` : '',
  ]
    .filter((p) => p !== '')
    .join(';');
  const parsed = effectiveSymbolPath({
    ...(options.tracePath !== undefined ? { tracePath: options.tracePath } : {}),
    ...(option !== '' ? { option } : {}),
    env: options.env ?? process.env,
    ...(options.defaultCache !== undefined ? { defaultCache: options.defaultCache } : {}),
  });
  const wanted = traceIdentities(engine);
  // Say how many there are before the first one settles (a slow server may take a while).
  options.onProgress?.({ filesDone: 0, filesTotal: wanted.length, bytesDownloaded: 0 });
  let current: string | undefined;
  const outcomes = await loadSymbolTables(
    wanted.map((w) => w.identity),
    parsed.elements,
    {
      readPdb: options.readPdb,
      ...(options.signal !== undefined ? { signal: options.signal } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      ...(options.defaultCache !== undefined ? { defaultCache: options.defaultCache } : {}),
      onProgress: (p) => {
        if (p.download !== undefined)
          current = p.download.done ? undefined : pdbBaseName(p.download.identity.name);
        options.onProgress?.({
          filesDone: p.filesDone,
          filesTotal: p.filesTotal,
          bytesDownloaded: p.bytesDownloaded,
          ...(current !== undefined ? { current } : {}),
        });
      },
    },
  );
  // Only tables that change a name make a new symbolization: not those the model already has from
  // the same file (the trace's own `.symbols/` folder, read at load, or an earlier load), nor those
  // of images no row's address falls in (their status shows in the Images list). Anything else
  // would make every view ask again for nothing (~0.4 s on a 200 MB trace, right after it opened).
  const applied = new Map<string, SymbolTable | undefined>();
  const { groupPdb } = engine.model.dict.locations;
  engine.model.symbols.groupTables.forEach((table, group) => {
    const pdb = groupPdb[group];
    if (pdb !== undefined) applied.set(keyOf(pdb), table);
  });
  const sameTable = (a: SymbolTable | undefined, b: SymbolTable) =>
    a !== undefined && a.origin === b.origin && a.kind === b.kind && a.names.length === b.names.length;
  const tables = new Map<string, SymbolTable>();
  for (const o of outcomes) {
    const key = keyOf(o.identity);
    if (o.table !== undefined && applied.has(key) && !sameTable(applied.get(key), o.table))
      tables.set(key, o.table);
  }
  const version =
    tables.size > 0 ? engine.applySymbols((pdb) => tables.get(keyOf(pdb))) : engine.model.symbols.version;
  const byKey = new Map(outcomes.map((o) => [keyOf(o.identity), o]));
  const modules: ModuleSymbols[] = wanted.map(({ identity, modules: names }) => {
    const o = byKey.get(keyOf(identity));
    const table = o?.table;
    return {
      modules: names,
      pdb: pdbBaseName(identity.name),
      guid: identity.guid,
      age: identity.age,
      status: o?.status ?? 'not-found',
      message: o?.message ?? 'not searched',
      symbols: table?.names.length ?? 0,
      ...(table !== undefined ? { format: table.kind, origin: o?.url ?? o?.file ?? table.origin } : {}),
    };
  });
  engine.symbolStatus = new Map(modules.map((m) => [keyOf({ name: m.pdb, guid: m.guid, age: m.age }), m]));
  return {
    symbolsVersion: version,
    modules,
    loaded: modules.filter((m) => m.status === 'loaded').length,
    notFound: modules.filter((m) => m.status === 'not-found').length,
    failed: modules.filter((m) => m.status === 'mismatch' || m.status === 'error').length,
    cancelled: options.signal?.aborted === true || modules.some((m) => m.status === 'cancelled'),
    symbolPath: formatSymbolPath(parsed.elements),
    problems: parsed.problems.map((p) => `${p.text}: ${p.message}`),
  };
}

/** The status key of a PDB identity (Images list lookups). */
export function symbolStatusKey(pdb: PdbIdentity): string {
  return keyOf(pdb);
}
