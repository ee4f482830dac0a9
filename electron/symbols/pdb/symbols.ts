// Which functions a PDB names, and where: the procedures of every module's symbol stream and the
// public symbols of the symbol record stream, chosen and merged by Mozilla dump_syms' (2.x) rules
// so that our table has exactly the FUNC and PUBLIC lines dump_syms writes for the same PDB.
//
//   modules in order ── walkModule: S_GPROC32/S_LPROC32 (+_ID, _DPC, _ST) and S_SEPCODE pieces of
//                       the procedure just before them, scopes tracked (S_END, S_PROC_ID_END,
//                       S_INLINESITE_END close them); a procedure whose address does not map hides
//                       its children; functions leave in the order their scopes close
//   FUNC lines       ── first function at an RVA wins; RVA 0 is dropped
//   symbol records   ── S_PUB32 in an executable section: dropped when inside a FUNC (the nearest
//                       FUNC start below it covers it) or a constant; at a FUNC's RVA it renames
//                       a FUNC whose name has no "(" (no type information); at a public's RVA the
//                       first one stays; otherwise a PUBLIC line
//
// Sources: mozilla/dump_syms src/collector.rs (collect_function, collect_publics), src/symbol.rs
// (is_inside_symbol); getsentry/symbolic symbolic-debuginfo src/pdb.rs (Unit::functions,
// PdbSymbolIterator) and function_stack.rs; the `pdb` crate's scope rules (starts_scope,
// ends_scope). Record layouts: microsoft-pdb include/cvinfo.h (PROCSYM32, SEPCODESYM, PUBSYM32,
// THUNKSYM32).

import type { AddressMap } from './address-map.js';
import { cString, pascalString, u16, u32 } from './bytes.js';
import { PdbError } from './errors.js';
import type { MsfFile } from './msf.js';
import { StreamWindow } from './msf.js';
import type { ModuleRecord } from './streams.js';

/** Read-ahead while walking a symbol stream: whole blocks, bounded memory per walk. */
const SYMBOL_WINDOW_BYTES = 256 * 1024;
/** Records between cancellation checks (a few milliseconds of work). */
const ABORT_CHECK_RECORDS = 16384;
/** Module streams start with this signature (CV_SIGNATURE_C13). */
const CV_SIGNATURE_C13 = 4;

export const S = {
  END: 0x0006,
  THUNK32_ST: 0x0206,
  BLOCK32_ST: 0x0207,
  WITH32_ST: 0x0208,
  PUB32_ST: 0x1009,
  LPROC32_ST: 0x100a,
  GPROC32_ST: 0x100b,
  GMANPROC_ST: 0x101a,
  LMANPROC_ST: 0x101b,
  THUNK32: 0x1102,
  BLOCK32: 0x1103,
  WITH32: 0x1104,
  PUB32: 0x110e,
  LPROC32: 0x110f,
  GPROC32: 0x1110,
  GMANPROC: 0x112a,
  LMANPROC: 0x112b,
  SEPCODE: 0x1132,
  LPROC32_ID: 0x1146,
  GPROC32_ID: 0x1147,
  INLINESITE: 0x114d,
  INLINESITE_END: 0x114e,
  PROC_ID_END: 0x114f,
  LPROC32_DPC: 0x1155,
  LPROC32_DPC_ID: 0x1156,
  INLINESITE2: 0x115d,
} as const;

const PROCEDURE_KINDS = new Set<number>([
  S.LPROC32,
  S.GPROC32,
  S.LPROC32_ST,
  S.GPROC32_ST,
  S.LPROC32_ID,
  S.GPROC32_ID,
  S.LPROC32_DPC,
  S.LPROC32_DPC_ID,
]);
const ID_PROCEDURE_KINDS = new Set<number>([S.LPROC32_ID, S.GPROC32_ID, S.LPROC32_DPC_ID]);
const SCOPE_STARTS = new Set<number>([
  ...PROCEDURE_KINDS,
  S.BLOCK32,
  S.BLOCK32_ST,
  S.WITH32,
  S.WITH32_ST,
  S.THUNK32,
  S.THUNK32_ST,
  S.SEPCODE,
  S.GMANPROC,
  S.GMANPROC_ST,
  S.LMANPROC,
  S.LMANPROC_ST,
  S.INLINESITE,
  S.INLINESITE2,
]);
const SCOPE_ENDS = new Set<number>([S.END, S.PROC_ID_END, S.INLINESITE_END]);

/** A function as a module stream gives it (a procedure, or a separated piece of one). */
export interface ModuleFunction {
  readonly rva: number;
  readonly length: number;
  /** The procedure's name as stored (qualified, without arguments). */
  readonly name: string;
  /** TPI type index, or an IPI function id when `typeIsId`; 0 = no type information. */
  readonly typeIndex: number;
  readonly typeIsId: boolean;
}

/** A thunk (S_THUNK32): an incremental-linking or import stub with a size. */
export interface ModuleThunk {
  readonly rva: number;
  readonly length: number;
  readonly name: string;
}

/** A public symbol (S_PUB32) in an executable section, in symbol-record order. */
export interface PublicRecord {
  readonly rva: number;
  readonly name: string;
}

interface Procedure {
  name: string;
  typeIndex: number;
  typeIsId: boolean;
  section: number;
  offset: number;
  length: number;
}

/** A NUL-terminated name, or null when the record ends first (the record then does not parse). */
function terminated(bytes: Uint8Array, at: number, end: number): string | null {
  if (at >= end) return null;
  const found = cString(bytes, at, end);
  return bytes[found.next - 1] === 0 && found.next > at ? found.text : null;
}

function parseProcedure(kind: number, bytes: Uint8Array, at: number, end: number): Procedure | null {
  if (at + 35 > end) return null;
  const pascal = kind === S.LPROC32_ST || kind === S.GPROC32_ST;
  const name = pascal ? pascalString(bytes, at + 35, end).text : terminated(bytes, at + 35, end);
  if (name === null) return null;
  return {
    name,
    length: u32(bytes, at + 12),
    typeIndex: u32(bytes, at + 24),
    typeIsId: ID_PROCEDURE_KINDS.has(kind),
    offset: u32(bytes, at + 28),
    section: u16(bytes, at + 32),
  };
}

export interface WalkOptions {
  readonly signal?: AbortSignal;
}

/** Walks one record stream (u16 length, u16 kind, data…) from `start` to `end`, handing each
 *  record's kind and data range to `visit`. Throws PdbError on a record that does not fit. */
function walkRecords(
  msf: MsfFile,
  stream: number,
  start: number,
  end: number,
  what: string,
  options: WalkOptions,
  visit: (kind: number, bytes: Uint8Array, data: number, dataEnd: number, recordOffset: number) => void,
): void {
  const window = new StreamWindow(msf, stream, SYMBOL_WINDOW_BYTES, what);
  let at = start;
  let records = 0;
  while (at + 4 <= end) {
    if (++records % ABORT_CHECK_RECORDS === 0) options.signal?.throwIfAborted();
    const lengthView = window.view(at, 2);
    const length = u16(lengthView.bytes, lengthView.at);
    if (length < 2 || at + 2 + length > end) {
      throw new PdbError(msf.name, `${what}: record at offset ${at} has a bad length ${length}`);
    }
    const { bytes, at: k } = window.view(at, 2 + length);
    visit(u16(bytes, k + 2), bytes, k + 4, k + 2 + length, at);
    at += 2 + length;
  }
}

/** The functions (and optionally thunks) of one module, in the order symbolic yields them. */
export function walkModule(
  msf: MsfFile,
  module: ModuleRecord,
  addresses: AddressMap,
  options: WalkOptions,
  thunks?: ModuleThunk[],
): ModuleFunction[] {
  const file = msf.name;
  const out: ModuleFunction[] = [];
  if (module.symbolStream < 0 || module.symbolBytes === 0) return out;
  if (module.symbolStream >= msf.streamCount) {
    throw new PdbError(
      file,
      `module ${module.index} (${module.name}) names stream ${module.symbolStream}, which does not exist`,
    );
  }
  if (!msf.hasStream(module.symbolStream)) return out;
  const what = `module ${module.index} symbols (stream ${module.symbolStream})`;
  const size = msf.streamSize(module.symbolStream);
  if (module.symbolBytes < 4 || module.symbolBytes > size) {
    throw new PdbError(
      file,
      `${what}: ${module.symbolBytes} symbol bytes do not fit the ${size}-byte stream`,
    );
  }
  const signature = u32(msf.read(module.symbolStream, 0, 4, what), 0);
  if (signature !== CV_SIGNATURE_C13) {
    throw new PdbError(
      file,
      `${what}: signature ${signature} is not CodeView C13 (4); older formats are not supported`,
    );
  }

  // symbolic's Unit::functions: scope depth, skipped subtrees, and a stack of open functions that
  // leave (deepest first) when a scope closes at or above their depth.
  let depth = 0;
  let startsNext = false;
  let skippedDepth: number | null = null;
  let lastProcedure: Procedure | null = null;
  const open: Array<{ depth: number; fn: ModuleFunction }> = [];
  const flush = (to: number) => {
    while (open.length > 0 && open[open.length - 1]!.depth >= to) out.push(open.pop()!.fn);
  };

  walkRecords(
    msf,
    module.symbolStream,
    4,
    module.symbolBytes,
    what,
    options,
    (kind, bytes, data, dataEnd) => {
      if (startsNext) depth++;
      startsNext = SCOPE_STARTS.has(kind);
      const ends = SCOPE_ENDS.has(kind);
      if (ends) depth--;
      if (skippedDepth !== null && depth > skippedDepth) return;
      skippedDepth = null;
      if (ends) flush(depth);

      if (PROCEDURE_KINDS.has(kind)) {
        const proc = parseProcedure(kind, bytes, data, dataEnd);
        if (!proc) return;
        lastProcedure = proc;
        const rva = addresses.rva(proc.section, proc.offset);
        if (rva < 0) {
          skippedDepth = depth;
          return;
        }
        open.push({
          depth,
          fn: {
            rva,
            length: proc.length,
            name: proc.name,
            typeIndex: proc.typeIndex,
            typeIsId: proc.typeIsId,
          },
        });
      } else if (kind === S.SEPCODE) {
        if (dataEnd - data < 28 || !lastProcedure) return;
        const parent: Procedure = lastProcedure;
        if (u32(bytes, data + 20) !== parent.offset || u16(bytes, data + 26) !== parent.section) return;
        const rva = addresses.rva(u16(bytes, data + 24), u32(bytes, data + 16));
        if (rva < 0) {
          skippedDepth = depth;
          return;
        }
        open.push({
          depth,
          fn: {
            rva,
            length: u32(bytes, data + 8),
            name: parent.name,
            typeIndex: parent.typeIndex,
            typeIsId: parent.typeIsId,
          },
        });
      } else if (thunks && (kind === S.THUNK32 || kind === S.THUNK32_ST) && dataEnd - data >= 21) {
        const name =
          kind === S.THUNK32_ST
            ? pascalString(bytes, data + 21, dataEnd).text
            : terminated(bytes, data + 21, dataEnd);
        const rva = addresses.rva(u16(bytes, data + 16), u32(bytes, data + 12));
        if (name !== null && rva >= 0) thunks.push({ rva, length: u16(bytes, data + 18), name });
      }
    },
  );
  flush(0);
  return out;
}

/** An S_PUB32 record as stored (every section), for inspection and cross-checks. */
export interface PublicSymbolRecord {
  /** Offset of the record in the symbol record stream (what llvm-pdbutil prints first). */
  readonly recordOffset: number;
  /** CV_PUBSYMFLAGS: 1 code, 2 function, 4 managed, 8 MSIL. */
  readonly flags: number;
  readonly section: number;
  readonly offset: number;
  readonly name: string;
}

/** Every S_PUB32 record of the symbol record stream, in stream order. */
export function readPublicRecords(msf: MsfFile, stream: number, options: WalkOptions): PublicSymbolRecord[] {
  const out: PublicSymbolRecord[] = [];
  if (stream < 0) return out;
  if (stream >= msf.streamCount) {
    throw new PdbError(msf.name, `the DBI names symbol record stream ${stream}, which does not exist`);
  }
  if (!msf.hasStream(stream)) return out;
  const what = `symbol records (stream ${stream})`;
  walkRecords(
    msf,
    stream,
    0,
    msf.streamSize(stream),
    what,
    options,
    (kind, bytes, data, dataEnd, recordOffset) => {
      if ((kind !== S.PUB32 && kind !== S.PUB32_ST) || dataEnd - data < 10) return;
      const name =
        kind === S.PUB32_ST
          ? pascalString(bytes, data + 10, dataEnd).text
          : terminated(bytes, data + 10, dataEnd);
      if (name === null) return;
      out.push({
        recordOffset,
        flags: u32(bytes, data),
        offset: u32(bytes, data + 4),
        section: u16(bytes, data + 8),
        name,
      });
    },
  );
  return out;
}

/** The S_PUB32 records that lie in executable sections, with their RVAs (symbolic's
 *  PdbSymbolIterator: the section's characteristics decide, not the record's flags). */
export function readPublics(
  msf: MsfFile,
  stream: number,
  addresses: AddressMap,
  options: WalkOptions,
): PublicRecord[] {
  const out: PublicRecord[] = [];
  for (const record of readPublicRecords(msf, stream, options)) {
    if (!addresses.isCodeSection(record.section)) continue;
    const rva = addresses.rva(record.section, record.offset);
    if (rva >= 0) out.push({ rva, name: record.name });
  }
  return out;
}
