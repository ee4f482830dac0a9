// Our own side-file format, `.sym.txt`: one `<rva hex> <function name>` per line, any order,
// optional `0x`, found at `<dir>/<pdb>/<GUIDAGE>/<pdb base>.sym.txt` (the layout the engine has
// always read; the path is the identity, the file carries none). Same acceptance as the engine's
// `parseSymbolMap`: any other line is skipped — here it is also counted and the first few are
// reported. Differences: an RVA over 32 bits is such a skipped line (a module image is < 4 GiB),
// and at an RVA given twice the first line wins (types.ts `buildSymbolTable`'s rule).
//
//   file ──fileChunks──> forEachLine ──SymTxtParser──> SymbolTableBuilder ──> SymbolTable (symtxt)

import { fileChunks, forEachLine } from './line-reader.js';
import { SymbolFileError } from './symbol-errors.js';
import { SymbolTableBuilder } from './table-builder.js';
import type { SymbolTable } from './types.js';

/** How many malformed lines are quoted in a report: enough to see the pattern, short enough to read. */
export const MALFORMED_EXAMPLES = 5;

/** A side file's table plus what was wrong with it (malformed lines are never fatal). */
export interface SideFileSymbols {
  readonly table: SymbolTable;
  readonly malformedLines: number;
  /** `line N: why` for the first MALFORMED_EXAMPLES malformed lines. */
  readonly malformedExamples: readonly string[];
}

const SYM_TXT_LINE = /^\s*(?:0x)?([0-9a-fA-F]+)\s+(.+?)\s*$/;

export interface SideFileReadOptions {
  readonly signal?: AbortSignal;
  /** Cap on entries (default table-builder.ts MAX_SYMBOLS_PER_TABLE); more is a SymbolFileError. */
  readonly maxSymbols?: number;
}

class SymTxtParser {
  readonly builder: SymbolTableBuilder;
  malformedLines = 0;
  readonly malformedExamples: string[] = [];

  constructor(
    private readonly origin: string,
    maxSymbols?: number,
  ) {
    this.builder = new SymbolTableBuilder(maxSymbols);
  }

  malformed(lineNumber: number, why: string): void {
    this.malformedLines++;
    if (this.malformedExamples.length < MALFORMED_EXAMPLES)
      this.malformedExamples.push(`line ${lineNumber}: ${why}`);
  }

  line(text: string, lineNumber: number): void {
    const match = SYM_TXT_LINE.exec(text);
    if (match === null) {
      if (text.trim() !== '') this.malformed(lineNumber, 'not `<rva hex> <name>`');
      return;
    }
    const hex = match[1]!.replace(/^0+(?=.)/, '');
    if (hex.length > 8) return this.malformed(lineNumber, `RVA 0x${hex} is over 32 bits`);
    if (!this.builder.add(parseInt(hex, 16), 0, match[2]!))
      throw new SymbolFileError(this.origin, `more than ${this.builder.count} symbols: not a module's table`);
  }

  finish(): SideFileSymbols {
    if (this.builder.count === 0 && this.malformedLines > 0)
      throw new SymbolFileError(
        this.origin,
        `no \`<rva hex> <name>\` line in ${this.malformedLines} lines: not a .sym.txt file (${this.malformedExamples[0]})`,
      );
    return {
      table: this.builder.build('symtxt', this.origin),
      malformedLines: this.malformedLines,
      malformedExamples: this.malformedExamples,
    };
  }
}

/** Parses `.sym.txt` text already in memory (small files, the engine's synchronous path). */
export function parseSymTxt(
  text: string,
  origin: string,
  options: SideFileReadOptions = {},
): SideFileSymbols {
  const parser = new SymTxtParser(origin, options.maxSymbols);
  text.split('\n').forEach((line, i) => parser.line(line.endsWith('\r') ? line.slice(0, -1) : line, i + 1));
  return parser.finish();
}

/** Reads a `.sym.txt` file (or any chunk stream) in bounded chunks. */
export async function readSymTxt(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  origin: string,
  options: SideFileReadOptions = {},
): Promise<SideFileSymbols> {
  const parser = new SymTxtParser(origin, options.maxSymbols);
  const signal = options.signal;
  await forEachLine(chunks, (text, n) => parser.line(text, n), {
    onOverlong: (n, bytes) => parser.malformed(n, `${bytes} bytes long (over the line limit)`),
    origin,
    ...(signal !== undefined ? { signal } : {}),
  });
  return parser.finish();
}

export function readSymTxtFile(file: string, options: SideFileReadOptions = {}): Promise<SideFileSymbols> {
  return readSymTxt(fileChunks(file), file, options);
}
