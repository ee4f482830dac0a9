// The PDB reader's entry points: open a program database lazily (superblock, stream directory,
// info and DBI streams, section headers — nothing else), tell its identity, and on request turn
// it into a SymbolTable whose names match what Mozilla dump_syms prints for the same file.
//
//   openPdb(source, name) ─ MsfFile (validated container) ─ info stream (GUID, age)
//                         ─ DBI (age, machine, modules, debug header)
//                         ─ section headers (original ones + OMAP when the image was rearranged)
//   file.readSymbols({demangle, thunks, signal})
//        ─ walkModule per module: procedures + separated code → FUNC (first at an RVA wins),
//          named by TypeFormatter over TPI (IPI for _ID records), then fixSymbolName
//        ─ readPublics: S_PUB32 in code → PUBLIC, or the name of a FUNC without type information
//        ─> PdbSymbolTable {rvas, sizes, names, flags} (a types.ts SymbolTable)
//
// Identity: `checkPdbIdentity` compares a trace's DbgID_RSDS {GUID, age} with the file before the
// locator trusts it; the age may match either the DBI age (what dump_syms and the image's RSDS
// record carry) or the info stream age.

import type { PdbIdentity, SymbolTable } from '../types.js';
import { pdbBaseName } from '../types.js';
import { AddressMap } from './address-map.js';
import type { PdbByteSource } from './byte-source.js';
import { fileByteSource } from './byte-source.js';
import { PdbError } from './errors.js';
import { MsfFile } from './msf.js';
import { demangleSymbol, fixSymbolName, isConstantPublic, looksMangled, parseWinFuncName } from './names.js';
import type { Demangler } from './names.js';
import type { DbiStream, PdbInfoStream, SectionHeader } from './streams.js';
import {
  DEBUG_STREAM,
  IPI_STREAM,
  TPI_STREAM,
  machineName,
  readDbiStream,
  readInfoStream,
  readOmap,
  readSectionHeaders,
} from './streams.js';
import { readPublicRecords, readPublics, walkModule } from './symbols.js';
import type { ModuleFunction, ModuleThunk, PublicSymbolRecord } from './symbols.js';
import { functionTypeOfId, TypeLookupError, TypeStream } from './tpi.js';
import { TypeFormatter } from './type-format.js';

export { PdbError } from './errors.js';
export type { Demangler } from './names.js';
export type { PublicSymbolRecord } from './symbols.js';
export type { PdbByteSource } from './byte-source.js';
export { fileByteSource, memoryByteSource } from './byte-source.js';

export interface PdbInfo {
  /** Display name (usually the file name) used in messages. */
  readonly name: string;
  /** Signature GUID, upper case `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. */
  readonly guid: string;
  /** Age in the PDB info stream. */
  readonly age: number;
  /** Age in the DBI stream header: the one an image's RSDS record carries (0 if unset). */
  readonly dbiAge: number;
  /** The age dump_syms puts in the MODULE line: the DBI age, or the info age when that is 0. */
  readonly identityAge: number;
  /** Info stream signature (seconds since 1970 when written) and version (20000404 = VC 7.0). */
  readonly signature: number;
  readonly version: number;
  readonly machine: 'x86' | 'x64' | 'arm64' | 'arm' | 'ia64' | string;
  readonly machineType: number;
  readonly pointerSize: 4 | 8;
  readonly blockSize: number;
  readonly streamCount: number;
  readonly moduleCount: number;
  /** Whether a type stream with records is present (private PDBs; public ones have none). */
  readonly hasTypes: boolean;
  /** Section headers of the image (the final ones) and whether addresses go through an OMAP. */
  readonly sections: readonly SectionHeader[];
  /** The pre-rearrangement headers when the image went through BBT/OMAP, else null. */
  readonly originalSections: readonly SectionHeader[] | null;
  readonly usesOriginalSections: boolean;
  readonly usesOmap: boolean;
}

export interface ReadSymbolsOptions {
  /** MSVC C++ demangler for mangled public names (see names.ts for what it should print). */
  readonly demangle?: Demangler;
  /** Also list S_THUNK32 stubs where nothing else names the address (dump_syms does not). */
  readonly thunks?: boolean;
  readonly signal?: AbortSignal;
}

/** Per-entry flags of a PdbSymbolTable. */
export const SYMBOL_FLAGS = {
  /** A PUBLIC line (size 0); otherwise a FUNC line (a procedure or a separated piece of one). */
  PUBLIC: 1,
  /** The name came from a mangled public: it is demangled only when a demangler was given. */
  DEMANGLED: 2,
  /** A FUNC without type information that took its name from the public at its address. */
  NAMED_BY_PUBLIC: 4,
  /** An S_THUNK32 stub (only with `thunks: true`). */
  THUNK: 8,
} as const;

/** A SymbolTable with where each entry came from. */
export interface PdbSymbolTable extends SymbolTable {
  readonly flags: Uint8Array;
}

interface Entry {
  readonly rva: number;
  readonly length: number;
  name: string;
  flags: number;
}

export interface SymbolCounts {
  /** Lines of the result from procedures (dump_syms FUNC) and from publics (PUBLIC). */
  readonly functions: number;
  readonly publics: number;
}

export interface PdbFile {
  readonly info: PdbInfo;
  readSymbols(options?: ReadSymbolsOptions): PdbSymbolTable;
  /** Every S_PUB32 record as stored (all sections), for inspection and cross-checks. */
  listPublics(options?: { signal?: AbortSignal }): PublicSymbolRecord[];
  /** Counts of the last readSymbols result (0 before). */
  readonly counts: SymbolCounts;
  close(): void;
}

/** Opens a PDB from `source`. `name` names the file in messages. Throws PdbError. */
export function openPdb(source: PdbByteSource, name: string): PdbFile {
  const msf = new MsfFile(source, name);
  try {
    return new OpenPdb(msf, name);
  } catch (error) {
    msf.close();
    throw error;
  }
}

/** Reads `path` and returns its identity and symbol table (closes the file). Throws PdbError. */
export function readPdbSymbols(
  path: string,
  options?: ReadSymbolsOptions,
): { info: PdbInfo; table: PdbSymbolTable; counts: SymbolCounts } {
  const file = openPdb(fileByteSource(path), pdbBaseName(path));
  try {
    const table = file.readSymbols(options);
    const reoriginated = { ...table, origin: path };
    return { info: file.info, table: reoriginated, counts: file.counts };
  } finally {
    file.close();
  }
}

/** Null when `file` is the PDB `wanted` names (GUID equal, age equal to its DBI or info age),
 *  else a message saying what differs. */
export function checkPdbIdentity(file: PdbInfo, wanted: Pick<PdbIdentity, 'guid' | 'age'>): string | null {
  const normalize = (guid: string) => guid.replace(/[-{}]/g, '').toUpperCase();
  const sameGuid = normalize(file.guid) === normalize(wanted.guid);
  const sameAge = wanted.age === file.dbiAge || wanted.age === file.age;
  if (sameGuid && sameAge) return null;
  const ages =
    file.dbiAge === file.age || file.dbiAge === 0 ? `${file.age}` : `${file.dbiAge} (info age ${file.age})`;
  return (
    `${file.name}: GUID/age ${file.guid}/${ages} does not match the trace's ` +
    `${wanted.guid.toUpperCase()}/${wanted.age}` +
    (sameGuid ? ' (same GUID, different age: another build of the same PDB)' : '')
  );
}

/** checkPdbIdentity that throws PdbError on a mismatch. */
export function assertPdbIdentity(file: PdbInfo, wanted: Pick<PdbIdentity, 'guid' | 'age'>): void {
  const problem = checkPdbIdentity(file, wanted);
  if (problem !== null) throw new PdbError(file.name, problem.slice(file.name.length + 2));
}

class OpenPdb implements PdbFile {
  readonly info: PdbInfo;
  counts: SymbolCounts = { functions: 0, publics: 0 };
  private readonly dbi: DbiStream;
  private readonly addresses: AddressMap;
  private formatter: TypeFormatter | null = null;
  private ipi: TypeStream | null = null;

  constructor(
    private readonly msf: MsfFile,
    name: string,
  ) {
    const pdbInfo: PdbInfoStream = readInfoStream(msf);
    const dbi = readDbiStream(msf);
    this.dbi = dbi;
    const debugStream = (kind: number) => {
      const stream = dbi.debugStreams[kind] ?? -1;
      if (stream >= msf.streamCount) {
        throw new PdbError(name, `the DBI debug header names stream ${stream}, which does not exist`);
      }
      return stream >= 0 && msf.hasStream(stream) ? stream : -1;
    };
    const sectionStream = debugStream(DEBUG_STREAM.SECTION_HEADERS);
    const originalStream = debugStream(DEBUG_STREAM.ORIGINAL_SECTION_HEADERS);
    const omapStream = debugStream(DEBUG_STREAM.OMAP_FROM_SOURCE);
    const sections = sectionStream >= 0 ? readSectionHeaders(msf, sectionStream, 'section headers') : [];
    const original =
      originalStream >= 0 ? readSectionHeaders(msf, originalStream, 'original section headers') : null;
    const omap = original && omapStream >= 0 ? readOmap(msf, omapStream, 'OMAP from source') : null;
    this.addresses = new AddressMap(sections, original, omap);
    const machineType = dbi.machine;
    const machine = machineName(machineType);
    this.info = {
      name,
      guid: pdbInfo.guid,
      age: pdbInfo.age,
      dbiAge: dbi.age,
      identityAge: dbi.age !== 0 ? dbi.age : pdbInfo.age,
      signature: pdbInfo.signature,
      version: pdbInfo.version,
      machine,
      machineType,
      pointerSize: machine === 'x64' || machine === 'arm64' || machine === 'ia64' ? 8 : 4,
      blockSize: msf.blockSize,
      streamCount: msf.streamCount,
      moduleCount: dbi.modules.length,
      hasTypes: new TypeStream(msf, TPI_STREAM, 'TPI').count > 0,
      sections,
      originalSections: original,
      usesOriginalSections: original !== null,
      usesOmap: omap !== null,
    };
  }

  readSymbols(options: ReadSymbolsOptions = {}): PdbSymbolTable {
    const msf = this.msf;
    const walk = { signal: options.signal };
    const thunks: ModuleThunk[] | undefined = options.thunks ? [] : undefined;

    // FUNC lines: the first function at an RVA wins (dump_syms collect_function).
    const entries = new Map<number, Entry>();
    for (const module of this.dbi.modules) {
      options.signal?.throwIfAborted();
      for (const fn of walkModule(msf, module, this.addresses, walk, thunks)) {
        if (fn.rva === 0 || entries.has(fn.rva)) continue;
        entries.set(fn.rva, { rva: fn.rva, length: fn.length, name: this.functionName(fn), flags: 0 });
      }
    }
    const funcStarts = Float64Array.from(entries.keys()).sort();
    const funcEnds = new Float64Array(funcStarts.length);
    for (let i = 0; i < funcStarts.length; i++) {
      const e = entries.get(funcStarts[i]!)!;
      funcEnds[i] = e.rva + e.length;
    }
    /** dump_syms' is_inside_symbol: the nearest FUNC starting below `rva` covers it. */
    const inside = (rva: number): boolean => {
      let lo = 0;
      let hi = funcStarts.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (funcStarts[mid]! < rva) lo = mid + 1;
        else hi = mid;
      }
      return lo > 0 && rva < funcEnds[lo - 1]!;
    };

    // PUBLIC lines, and names for FUNCs that had no type information (dump_syms collect_publics).
    const demangle = options.demangle;
    const publics = readPublics(msf, this.dbi.symbolRecordsStream, this.addresses, walk);
    for (let i = 0; i < publics.length; i++) {
      if (i % 4096 === 0) options.signal?.throwIfAborted();
      const { rva, name: raw } = publics[i]!;
      if (isConstantPublic(raw) || inside(rva)) continue;
      const existing = entries.get(rva);
      const stripped = parseWinFuncName(raw);
      const mangled = looksMangled(stripped) ? SYMBOL_FLAGS.DEMANGLED : 0;
      if (existing) {
        if (existing.flags & SYMBOL_FLAGS.PUBLIC || existing.name.includes('(')) continue;
        existing.name = demangleSymbol(stripped, demangle);
        existing.flags |= SYMBOL_FLAGS.NAMED_BY_PUBLIC | mangled;
      } else {
        entries.set(rva, {
          rva,
          length: 0,
          name: demangleSymbol(stripped, demangle),
          flags: SYMBOL_FLAGS.PUBLIC | mangled,
        });
      }
    }
    if (thunks) {
      for (const thunk of thunks) {
        if (thunk.rva === 0 || entries.has(thunk.rva) || inside(thunk.rva)) continue;
        entries.set(thunk.rva, {
          rva: thunk.rva,
          length: thunk.length,
          name: thunk.name,
          flags: SYMBOL_FLAGS.THUNK,
        });
      }
    }

    const sorted = [...entries.values()].sort((a, b) => a.rva - b.rva);
    const count = sorted.length;
    const rvas = new Uint32Array(count);
    const sizes = new Uint32Array(count);
    const flags = new Uint8Array(count);
    const names: string[] = new Array<string>(count);
    let publicCount = 0;
    for (let i = 0; i < count; i++) {
      const entry = sorted[i]!;
      rvas[i] = entry.rva;
      sizes[i] = entry.length;
      flags[i] = entry.flags;
      names[i] = entry.name;
      if (entry.flags & SYMBOL_FLAGS.PUBLIC) publicCount++;
    }
    this.counts = { functions: count - publicCount, publics: publicCount };
    return { rvas, sizes, names, flags, kind: 'pdb', origin: this.info.name };
  }

  listPublics(options: { signal?: AbortSignal } = {}): PublicSymbolRecord[] {
    return readPublicRecords(this.msf, this.dbi.symbolRecordsStream, options);
  }

  /** A FUNC line's name: the formatted signature when the type stream has it, else the stored
   *  name, then dump_syms' fix_symbol_name. */
  private functionName(fn: ModuleFunction): string {
    let name = fn.name;
    if (fn.typeIndex !== 0) {
      try {
        let index = fn.typeIndex;
        if (fn.typeIsId) {
          this.ipi ??= new TypeStream(this.msf, IPI_STREAM, 'IPI');
          index = functionTypeOfId(this.ipi, index);
        }
        this.formatter ??= new TypeFormatter(
          new TypeStream(this.msf, TPI_STREAM, 'TPI'),
          this.info.pointerSize,
        );
        name = this.formatter.formatFunction(fn.name, index);
      } catch (error) {
        if (!(error instanceof TypeLookupError)) throw error;
        // As pdb-addr2line's callers do: a signature that cannot be formatted leaves the bare name.
      }
    } else if (name === '') {
      name = '<name omitted>';
    }
    return fixSymbolName(name);
  }

  close(): void {
    this.msf.close();
  }
}
