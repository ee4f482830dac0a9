// `.sym.txt` side files (the engine's `<rva hex> <name>` format): built from the real ntdll.sym so
// every line resolves to its name; lines in any order, `0x` prefixes, blank lines; malformed lines
// counted, not fatal; a file with nothing but garbage is an error; the streaming file reader gives
// exactly what the in-memory parser gives.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSymTxt, readSymTxtFile } from './sym-txt.js';
import { SymbolFileError } from './symbol-errors.js';
import { HAVE_FIXTURES, answerKey, fixture } from './test-fixtures.js';
import { findSymbol } from './types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-symtxt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!HAVE_FIXTURES)('.sym.txt from the real ntdll symbols', () => {
  // Read in beforeAll, not while the suite is collected: a skipped suite's body still runs, and
  // without ../shared/pdb the read failed the whole file instead of skipping it.
  let key: ReturnType<typeof answerKey> = [];
  let text = '';
  beforeAll(() => {
    key = answerKey(fixture('ntdll.sym'));
    // Reverse order, every third with 0x, blank lines in between: order and spelling must not matter.
    text = key
      .slice()
      .reverse()
      .map((e, i) => `${i % 3 === 0 ? '0x' : ''}${e.rva.toString(16)} ${e.name}${i % 50 === 0 ? '\n' : ''}`)
      .join('\n');
  });

  it('resolves every line to its name at its RVA', () => {
    const { table, malformedLines } = parseSymTxt(text, 'ntdll.sym.txt');
    expect(malformedLines).toBe(0);
    expect(table.kind).toBe('symtxt');
    expect(table.rvas.length).toBe(4711);
    for (const e of key) expect(table.names[findSymbol(table, e.rva)]).toBe(e.name);
    expect(table.sizes.every((s) => s === 0)).toBe(true);
  });

  it('reads the same table from a file in chunks', async () => {
    const file = path.join(dir, 'ntdll.sym.txt');
    writeFileSync(file, text.replace(/\n/g, '\r\n'));
    const streamed = await readSymTxtFile(file);
    const parsed = parseSymTxt(text, file);
    expect(Array.from(streamed.table.rvas)).toEqual(Array.from(parsed.table.rvas));
    expect(streamed.table.names).toEqual(parsed.table.names);
    expect(streamed.table.origin).toBe(file);
  });
});

describe('.sym.txt, malformed input', () => {
  it('counts malformed lines and keeps the good ones', () => {
    const got = parseSymTxt(
      [
        '1c2e0 ndisInterruptDpc',
        'not a line',
        '  0x1d000   ndisMiniportDpc  ',
        '123456789 too_big',
        'abc',
        '',
        '10 first',
        '10 second',
      ].join('\n'),
      'ndis.sym.txt',
    );
    expect(got.table.names).toEqual(['first', 'ndisInterruptDpc', 'ndisMiniportDpc']);
    expect(Array.from(got.table.rvas)).toEqual([0x10, 0x1c2e0, 0x1d000]);
    expect(got.malformedLines).toBe(3);
    expect(got.malformedExamples).toEqual([
      'line 2: not `<rva hex> <name>`',
      'line 4: RVA 0x123456789 is over 32 bits',
      'line 5: not `<rva hex> <name>`',
    ]);
  });

  it('an empty file is an empty table; a file of garbage is an error naming it', async () => {
    expect(parseSymTxt('', 'empty.sym.txt').table.rvas.length).toBe(0);
    const file = path.join(dir, 'garbage.sym.txt');
    writeFileSync(
      file,
      Buffer.from(Array.from({ length: 5000 }, (_, i) => (i % 9 === 0 ? 10 : 0xc0 + (i % 60)))),
    );
    const error = await readSymTxtFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SymbolFileError);
    expect((error as Error).message).toMatch(
      new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}: no .*not a \\.sym\\.txt file`),
    );
  });
});
