// Breakpad `.sym` reader — the text format Mozilla's and Sentry's symbol servers serve and
// `dump_syms` writes. Streaming: the file is read in chunks and only FUNC/PUBLIC entries are kept,
// since FILE, line and STACK records make up most of a big `.sym`.
//   MODULE <os> <arch> <id> <name>          first line; id = GUID (32 hex) + age (hex), checked
//   FUNC [m] <rva> <size> <param size> <name>    a procedure (sized)
//   PUBLIC [m] <rva> <param size> <name>         a public symbol (size 0: up to the next symbol)
//   FILE, INFO, INLINE, INLINE_ORIGIN, STACK, `<rva> <size> <line> <file>` line records: skipped
// A malformed line is counted and quoted (first few), never fatal; a file whose first line is not
// MODULE is not a Breakpad file (SymbolFileError), and an id other than the wanted one is a
// SymbolMismatchError thrown as soon as the MODULE line is read.
//
//   file ──fileChunks──> forEachLine ──BreakpadParser──> SymbolTableBuilder ──> SymbolTable (breakpad)

import { fileChunks, forEachLineBytes } from './line-reader.js';
import { SymbolFileError, SymbolMismatchError } from './symbol-errors.js';
import { MALFORMED_EXAMPLES, type SideFileReadOptions, type SideFileSymbols } from './sym-txt.js';
import { SymbolTableBuilder } from './table-builder.js';
import { identityKey, type PdbIdentity } from './types.js';

/** The MODULE record. */
export interface BreakpadModule {
  readonly os: string;
  readonly arch: string;
  /** Debug id as written: GUID without dashes + age in hex, e.g. `72E103A85CB249078B76B2E7C06257B13`. */
  readonly id: string;
  readonly name: string;
}

export interface BreakpadSymbols extends SideFileSymbols {
  readonly module: BreakpadModule;
}

export interface BreakpadReadOptions extends SideFileReadOptions {
  /** When given, the MODULE id must be this identity's key (case-insensitive). */
  readonly wanted?: PdbIdentity;
}

/** An RVA or size field: 1–8 hex digits (a PE image is < 4 GiB). */
const HEX32 = /^[0-9a-fA-F]{1,8}$/;
/** A line record: address, size, line number, file number. */
const LINE_RECORD = /^[0-9a-fA-F]+ [0-9a-fA-F]+ -?[0-9]+ -?[0-9]+$/;
/** Records we know and do not need. */
const SKIPPED_RECORDS = new Set(['FILE', 'INFO', 'INLINE', 'INLINE_ORIGIN', 'STACK']);
const FUNC_PREFIX = Buffer.from('FUNC ', 'latin1');
const PUBLIC_PREFIX = Buffer.from('PUBLIC ', 'latin1');
/** The same, as byte prefixes, to skip them without decoding (they are most of a big file). */
const SKIPPED_PREFIXES = [...SKIPPED_RECORDS].map((r) => Buffer.from(`${r} `, 'latin1'));

function hasPrefix(bytes: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[start + i] !== prefix[i]) return false;
  return true;
}

function isHexByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
}

function hexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/** The end of a 1–8 digit hex field at `at` followed by a space, with its value in `out[0]`;
 *  −1 when the bytes there are anything else. */
function hexField(bytes: Uint8Array, at: number, end: number, out: Float64Array): number {
  let value = 0;
  let i = at;
  for (; i < end && i - at <= 8; i++) {
    const digit = hexValue(bytes[i]!);
    if (digit < 0) break;
    value = value * 16 + digit;
  }
  if (i === at || i - at > 8 || i >= end || bytes[i] !== 0x20) return -1;
  out[0] = value;
  return i + 1;
}

/** A line record in bytes, as LINE_RECORD: hex, hex, optionally negative decimal, the same. */
function isLineRecordBytes(bytes: Uint8Array, start: number, end: number): boolean {
  let at = start;
  for (let field = 0; field < 4; field++) {
    if (field > 0) {
      if (bytes[at] !== 0x20) return false;
      at++;
    }
    if (field >= 2 && bytes[at] === 0x2d) at++; // '-'
    const first = at;
    if (field < 2) while (at < end && isHexByte(bytes[at]!)) at++;
    else while (at < end && bytes[at]! >= 0x30 && bytes[at]! <= 0x39) at++;
    if (at === first) return false;
  }
  return at === end;
}
/** A debug id: GUID (32 hex) and age (1–8 hex). */
const DEBUG_ID = /^[0-9a-fA-F]{33,40}$/;

/** The `count` space-separated fields from `start`, then the rest of the line (the name, which may
 *  hold spaces; '' when the line ends after the fields); undefined when fields are missing. */
function fields(text: string, start: number, count: number): string[] | undefined {
  const out: string[] = [];
  let at = start;
  for (let i = 0; i < count; i++) {
    const space = text.indexOf(' ', at);
    const end = space < 0 ? text.length : space;
    if (end === at) return undefined;
    out.push(text.slice(at, end));
    if (space < 0) return i === count - 1 ? [...out, ''] : undefined;
    at = space + 1;
  }
  out.push(text.slice(at));
  return out;
}

class BreakpadParser {
  readonly builder: SymbolTableBuilder;
  module: BreakpadModule | undefined;
  malformedLines = 0;
  readonly malformedExamples: string[] = [];

  constructor(
    private readonly origin: string,
    private readonly wanted: PdbIdentity | undefined,
    maxSymbols: number | undefined,
  ) {
    this.builder = new SymbolTableBuilder(maxSymbols);
  }

  malformed(lineNumber: number, why: string): void {
    this.malformedLines++;
    if (this.malformedExamples.length < MALFORMED_EXAMPLES)
      this.malformedExamples.push(`line ${lineNumber}: ${why}`);
  }

  private readonly decoder = new TextDecoder('utf-8');

  /** The fast path: known records we skip are recognised in bytes; every other line is decoded
   *  on its own (so a kept name is a small string, not a slice of a whole chunk). */
  lineBytes(bytes: Uint8Array, start: number, end: number, lineNumber: number): void {
    if (this.module !== undefined && end > start) {
      if (isHexByte(bytes[start]!) && isLineRecordBytes(bytes, start, end)) return;
      if (hasPrefix(bytes, start, end, FUNC_PREFIX) && this.entryBytes(bytes, start + 5, end, true)) return;
      if (hasPrefix(bytes, start, end, PUBLIC_PREFIX) && this.entryBytes(bytes, start + 7, end, false))
        return;
      for (const prefix of SKIPPED_PREFIXES) if (hasPrefix(bytes, start, end, prefix)) return;
    }
    // Everything else (and any FUNC/PUBLIC the fast path did not accept) goes the string way,
    // which also words the malformed-line reports.
    this.line(this.decoder.decode(bytes.subarray(start, end)), lineNumber);
  }

  private readonly field = new Float64Array(1);

  /** A well-formed FUNC/PUBLIC straight from bytes, decoding only the name; false to fall back. */
  private entryBytes(bytes: Uint8Array, at: number, end: number, sized: boolean): boolean {
    if (bytes[at] === 0x6d && bytes[at + 1] === 0x20) at += 2; // "m "
    at = hexField(bytes, at, end, this.field);
    if (at < 0) return false;
    const rva = this.field[0]!;
    let size = 0;
    if (sized) {
      at = hexField(bytes, at, end, this.field);
      if (at < 0) return false;
      size = this.field[0]!;
    }
    at = hexField(bytes, at, end, this.field); // parameter size
    if (at < 0 || at >= end) return false; // no name: the string path reports it
    if (!this.builder.add(rva, size, this.decoder.decode(bytes.subarray(at, end))))
      throw new SymbolFileError(this.origin, `more than ${this.builder.count} symbols: not a module's table`);
    return true;
  }

  line(text: string, lineNumber: number): void {
    if (this.module === undefined)
      return this.moduleLine(lineNumber === 1 ? text.replace(/^\uFEFF/, '') : text, lineNumber);
    if (text === '') return;
    const space = text.indexOf(' ');
    const keyword = space < 0 ? text : text.slice(0, space);
    if (keyword === 'FUNC') return this.entry(text, space + 1, lineNumber, true);
    if (keyword === 'PUBLIC') return this.entry(text, space + 1, lineNumber, false);
    if (SKIPPED_RECORDS.has(keyword)) return;
    if (LINE_RECORD.test(text)) return;
    if (keyword === 'MODULE') return this.malformed(lineNumber, 'a second MODULE record');
    this.malformed(lineNumber, `unknown record \`${keyword.slice(0, 40)}\``);
  }

  private moduleLine(text: string, lineNumber: number): void {
    const parts = text.startsWith('MODULE ') ? fields(text, 7, 3) : undefined;
    if (parts === undefined || parts[3] === '')
      throw new SymbolFileError(
        this.origin,
        `not a Breakpad .sym file: line ${lineNumber} is not \`MODULE <os> <arch> <id> <name>\``,
      );
    const [os, arch, id, name] = parts as [string, string, string, string];
    if (!DEBUG_ID.test(id))
      throw new SymbolFileError(this.origin, `MODULE id \`${id.slice(0, 60)}\` is not a GUID and age in hex`);
    if (this.wanted !== undefined) {
      const wantedKey = identityKey(this.wanted);
      if (id.toUpperCase() !== wantedKey)
        throw new SymbolMismatchError(
          this.origin,
          `${this.wanted.name} ${wantedKey}`,
          `${name} ${id.toUpperCase()}`,
        );
    }
    this.module = { os, arch, id, name };
  }

  private entry(text: string, start: number, lineNumber: number, sized: boolean): void {
    let at = start;
    if (text.startsWith('m ', at)) at += 2; // "multiple": the code is shared (identical-code folding)
    const parts = fields(text, at, sized ? 3 : 2);
    const kind = sized ? 'FUNC' : 'PUBLIC';
    if (parts === undefined) return this.malformed(lineNumber, `${kind} with too few fields`);
    const name = parts[parts.length - 1]!;
    const rva = parts[0]!;
    const size = sized ? parts[1]! : '0';
    const param = parts[sized ? 2 : 1]!;
    if (!HEX32.test(rva))
      return this.malformed(lineNumber, `${kind} address \`${rva.slice(0, 40)}\` is not 32-bit hex`);
    if (!HEX32.test(size))
      return this.malformed(lineNumber, `${kind} size \`${size.slice(0, 40)}\` is not 32-bit hex`);
    if (!/^[0-9a-fA-F]+$/.test(param)) return this.malformed(lineNumber, `${kind} parameter size is not hex`);
    if (name === '') return this.malformed(lineNumber, `${kind} without a name`);
    if (!this.builder.add(parseInt(rva, 16), parseInt(size, 16), name))
      throw new SymbolFileError(this.origin, `more than ${this.builder.count} symbols: not a module's table`);
  }

  finish(): BreakpadSymbols {
    if (this.module === undefined) throw new SymbolFileError(this.origin, 'empty file: no MODULE record');
    return {
      module: this.module,
      table: this.builder.build('breakpad', this.origin),
      malformedLines: this.malformedLines,
      malformedExamples: this.malformedExamples,
    };
  }
}

/** Reads Breakpad symbols from a chunk stream (a file, a download, a test's buffer). */
export async function readBreakpad(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  origin: string,
  options: BreakpadReadOptions = {},
): Promise<BreakpadSymbols> {
  const parser = new BreakpadParser(origin, options.wanted, options.maxSymbols);
  await forEachLineBytes(chunks, (bytes, start, end, n) => parser.lineBytes(bytes, start, end, n), {
    onOverlong: (n, bytes) => {
      if (parser.module === undefined)
        throw new SymbolFileError(origin, `not a Breakpad .sym file: line ${n} is ${bytes} bytes long`);
      parser.malformed(n, `${bytes} bytes long (over the line limit)`);
    },
    origin,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  });
  return parser.finish();
}

export function readBreakpadFile(file: string, options: BreakpadReadOptions = {}): Promise<BreakpadSymbols> {
  return readBreakpad(fileChunks(file), file, options);
}
