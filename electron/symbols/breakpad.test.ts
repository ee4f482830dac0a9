// Breakpad `.sym` reader against the real dump_syms output in ../shared/pdb (ntdll.sym: 4,711
// PUBLIC/FUNC entries; dump_syms_regtest64.sym with FILE and line records; basic32-min.sym with
// STACK records): every FUNC/PUBLIC line resolves through findSymbol to exactly its name (and a
// FUNC to its size) at its RVA, whatever the chunk size; malformed lines are counted and quoted, not
// fatal; a MODULE id of another build is a SymbolMismatchError; non-Breakpad input is a clear error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readBreakpad, readBreakpadFile } from './breakpad.js';
import { isMismatchError, SymbolFileError, SymbolMismatchError } from './symbol-errors.js';
import { BASIC32, HAVE_FIXTURES, NTDLL, REGTEST64, answerKey, fixture } from './test-fixtures.js';
import { findSymbol, type PdbIdentity } from './types.js';

const fixtures: [string, PdbIdentity, number][] = [
  ['ntdll.sym', NTDLL, 4711],
  ['dump_syms_regtest64.sym', REGTEST64, 249],
  ['basic32-min.sym', BASIC32, 3175],
];

describe.skipIf(!HAVE_FIXTURES)('Breakpad .sym, real files (../shared/pdb)', () => {
  for (const [name, identity, entries] of fixtures) {
    it(`${name}: all ${entries} FUNC/PUBLIC lines resolve to their name at their RVA`, async () => {
      const read = await readBreakpadFile(fixture(name), { wanted: identity });
      const key = answerKey(fixture(name));
      expect(key).toHaveLength(entries);
      expect(read.malformedLines).toBe(0);
      expect(read.table.kind).toBe('breakpad');
      expect(read.table.origin).toBe(fixture(name));
      expect(read.table.rvas.length).toBe(entries); // no RVA repeats in these files
      expect(read.module.name).toBe(identity.name);
      for (const e of key) {
        const index = findSymbol(read.table, e.rva);
        expect(read.table.names[index], `0x${e.rva.toString(16)}`).toBe(e.name);
        expect(read.table.sizes[index]).toBe(e.size);
        if (e.func && e.size > 1) expect(findSymbol(read.table, e.rva + e.size - 1)).toBe(index);
      }
    });
  }

  it('gives the same table for any chunk size (lines cut anywhere)', async () => {
    const bytes = readFileSync(fixture('dump_syms_regtest64.sym'));
    const whole = await readBreakpad([bytes], 'x.sym', { wanted: REGTEST64 });
    for (const size of [1, 13, 4096, 65537]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
      const read = await readBreakpad(chunks, 'x.sym', { wanted: REGTEST64 });
      expect(Array.from(read.table.rvas)).toEqual(Array.from(whole.table.rvas));
      expect(read.table.names).toEqual(whole.table.names);
    }
  });

  it('refuses a MODULE of another build (age differs) with both ids in the message', async () => {
    const wrongAge = { ...NTDLL, age: 2 };
    const error = await readBreakpadFile(fixture('ntdll.sym'), { wanted: wrongAge }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SymbolMismatchError);
    expect(isMismatchError(error)).toBe(true);
    const message = (error as Error).message;
    expect(message).toContain(fixture('ntdll.sym'));
    expect(message).toContain('BD298DA990CD4BF9BE5CE4796D7924C62'); // wanted
    expect(message).toContain('BD298DA990CD4BF9BE5CE4796D7924C61'); // found
  });

  it('refuses a MODULE of another module (GUID differs)', async () => {
    await expect(readBreakpadFile(fixture('basic32-min.sym'), { wanted: NTDLL })).rejects.toThrow(
      SymbolMismatchError,
    );
  });

  it('reads without a wanted identity and reports the MODULE record', async () => {
    const read = await readBreakpadFile(fixture('basic32-min.sym'));
    expect(read.module).toEqual({
      os: 'windows',
      arch: 'x86',
      id: '878E82E5E282481B88FCBBA2CFF8C7F12',
      name: 'basic32-min.pdb',
    });
  });
});

describe('Breakpad .sym, malformed input', () => {
  const module = 'MODULE windows x86_64 72E103A85CB249078B76B2E7C06257B13 test.pdb';
  const read = (text: string, wanted?: PdbIdentity) =>
    readBreakpad([Buffer.from(text, 'utf8')], 'test.sym', wanted !== undefined ? { wanted } : {});

  it('counts and quotes malformed lines, keeps every good one', async () => {
    const text = [
      module,
      'INFO CODE_ID 589DFD111A000 test.exe',
      'FILE 0 c:\\src\\a.cc',
      'FUNC 1000 20 0 good::func(int, char)',
      '1000 5 52 0',
      'FUNC 2000 10', // too few fields
      'FUNC zz 10 0 bad_address',
      'FUNC 100000000 10 0 over_32_bits',
      'PUBLIC m 3000 0 good_public',
      'PUBLIC 4000 0 ', // no name
      'WHATEVER 1 2 3',
      'INLINE_ORIGIN 0 inlined',
      'INLINE 0 1 0 1000 5',
      'STACK CFI INIT 1000 20 .cfa: $rsp 8 +',
      'STACK WIN 4 1000 20 0 0 0 0 0 0 1',
      'MODULE windows x86 878E82E5E282481B88FCBBA2CFF8C7F12 again.pdb',
      '',
      'FUNC m 5000 8 0 with  two  spaces',
    ].join('\r\n');
    const got = await read(text, REGTEST64);
    expect(got.table.names).toEqual(['good::func(int, char)', 'good_public', 'with  two  spaces']);
    expect(Array.from(got.table.rvas)).toEqual([0x1000, 0x3000, 0x5000]);
    expect(Array.from(got.table.sizes)).toEqual([0x20, 0, 8]);
    expect(got.malformedLines).toBe(6);
    expect(got.malformedExamples).toEqual([
      'line 6: FUNC with too few fields',
      'line 7: FUNC address `zz` is not 32-bit hex',
      'line 8: FUNC address `100000000` is not 32-bit hex',
      'line 10: PUBLIC without a name',
      'line 11: unknown record `WHATEVER`',
    ]);
  });

  it('at an RVA given twice, the FUNC wins over the PUBLIC', async () => {
    const got = await read(`${module}\nPUBLIC 1000 0 pub\nFUNC 1000 10 0 func\n`);
    expect(got.table.names).toEqual(['func']);
    expect(got.table.sizes[0]).toBe(0x10);
  });

  it('says what is wrong with input that is not a Breakpad file', async () => {
    await expect(read('')).rejects.toThrow('test.sym: empty file: no MODULE record');
    await expect(read('FUNC 1000 10 0 f\n')).rejects.toThrow(/test\.sym: not a Breakpad \.sym file: line 1/);
    await expect(read('MODULE windows x86 nothex test.pdb\n')).rejects.toThrow(
      /MODULE id `nothex` is not a GUID/,
    );
    await expect(read('MODULE windows x86\n')).rejects.toThrow(SymbolFileError);
    const garbage = Buffer.alloc(300_000);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
    await expect(readBreakpad([garbage], 'garbage.sym')).rejects.toThrow(
      /garbage\.sym: not a Breakpad \.sym file/,
    );
    await expect(readBreakpad([Buffer.alloc(1_000_000, 0x41)], 'long.sym')).rejects.toThrow(
      'long.sym: not a Breakpad .sym file: line 1 is 1000000 bytes long',
    );
  });

  it('accepts a byte-order mark and lower-case ids', async () => {
    const got = await read(
      `\uFEFF${module.replace('72E103A85CB249078B76B2E7C06257B13', '72e103a85cb249078b76b2e7c06257b13')}\nPUBLIC 10 0 f\n`,
      REGTEST64,
    );
    expect(got.table.names).toEqual(['f']);
  });

  it('reports a table over the entry cap as a bad file', async () => {
    const lines = [
      module,
      ...Array.from({ length: 11 }, (_, i) => `PUBLIC ${(i * 16).toString(16)} 0 f${i}`),
    ];
    await expect(
      readBreakpad([Buffer.from(lines.join('\n'))], 'big.sym', { maxSymbols: 10 }),
    ).rejects.toThrow('big.sym: more than 10 symbols');
  });
});
