// The reader against real Microsoft-linked PDBs and their answer keys: Mozilla dump_syms' .sym
// files for the same PDBs (../shared/pdb). Every FUNC line (RVA, size, name) and every PUBLIC line
// (RVA and name, mangled publics through the MSVC demangler in ../demangle) must
// come out of our table, and nothing else may. The one line left out is dump_syms' artificial
// `PUBLIC <rva> 0 <unknown in X>` end marker, which it derives from the image, not the PDB.

import { demangleMsvc } from '../demangle/msvc.js';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findSymbol, identityKey } from '../types.js';
import type { PdbSymbolTable } from './pdb.js';
import {
  assertPdbIdentity,
  checkPdbIdentity,
  fileByteSource,
  openPdb,
  PdbError,
  readPdbSymbols,
  SYMBOL_FLAGS,
} from './pdb.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/pdb/', import.meta.url));
const have = (name: string) => existsSync(FIXTURES + name);

interface SymFile {
  module: { arch: string; debugId: string; name: string };
  funcs: Array<{ rva: number; size: number; name: string }>;
  publics: Array<{ rva: number; name: string }>;
}

function readSym(name: string): SymFile {
  const text = readFileSync(FIXTURES + name, 'utf8');
  const out: SymFile = { module: { arch: '', debugId: '', name: '' }, funcs: [], publics: [] };
  for (const line of text.split(/\r?\n/)) {
    let m = /^MODULE windows (\S+) (\S+) (.*)$/.exec(line);
    if (m) out.module = { arch: m[1]!, debugId: m[2]!, name: m[3]! };
    m = /^FUNC (?:m )?([0-9a-f]+) ([0-9a-f]+) [0-9a-f]+ (.*)$/.exec(line);
    if (m) out.funcs.push({ rva: parseInt(m[1]!, 16), size: parseInt(m[2]!, 16), name: m[3]! });
    m = /^PUBLIC (?:m )?([0-9a-f]+) [0-9a-f]+ (.*)$/.exec(line);
    if (m && !/^<unknown in .*>$/.test(m[2]!)) out.publics.push({ rva: parseInt(m[1]!, 16), name: m[2]! });
  }
  return out;
}

function byRva(table: PdbSymbolTable): Map<number, number> {
  const index = new Map<number, number>();
  for (let i = 0; i < table.rvas.length; i++) index.set(table.rvas[i]!, i);
  return index;
}

const CASES = [
  { pdb: 'dump_syms_regtest64.pdb', sym: 'dump_syms_regtest64.sym', arch: 'x64', funcs: 246, publics: 2 },
  { pdb: 'basic32-min.pdb', sym: 'basic32-min.sym', arch: 'x86', funcs: 723, publics: 2451 },
];

describe.each(CASES)('$pdb against dump_syms', ({ pdb, sym, arch, funcs, publics }) => {
  const present = have(pdb) && have(sym);
  const run = present ? it : it.skip;
  if (!present) it.skip(`../shared/pdb/${pdb} is absent: skipped`, () => {});

  run('has the identity of the MODULE line (GUID + DBI age) and its machine', () => {
    const key = readSym(sym);
    const file = openPdb(fileByteSource(FIXTURES + pdb), pdb);
    try {
      expect(identityKey({ guid: file.info.guid, age: file.info.identityAge })).toBe(key.module.debugId);
      expect(file.info.machine).toBe(arch);
      expect(key.module.arch).toBe(arch === 'x64' ? 'x86_64' : 'x86');
      expect(key.module.name).toBe(pdb);
      expect(
        checkPdbIdentity(file.info, { guid: file.info.guid.toLowerCase(), age: file.info.dbiAge }),
      ).toBeNull();
    } finally {
      file.close();
    }
  });

  run(`gives every FUNC line (${funcs}): RVA, size and name`, () => {
    const key = readSym(sym);
    expect(key.funcs).toHaveLength(funcs);
    const { table } = readPdbSymbols(FIXTURES + pdb);
    const index = byRva(table);
    const wrong: string[] = [];
    for (const f of key.funcs) {
      const i = index.get(f.rva);
      if (i === undefined) wrong.push(`missing FUNC ${f.rva.toString(16)} ${f.name}`);
      else if (table.flags[i]! & SYMBOL_FLAGS.PUBLIC)
        wrong.push(`FUNC ${f.rva.toString(16)} came out as a public`);
      else if (table.sizes[i] !== f.size)
        wrong.push(`FUNC ${f.rva.toString(16)} size ${table.sizes[i]} ≠ ${f.size}`);
      else if (table.flags[i]! & SYMBOL_FLAGS.DEMANGLED)
        continue; // named from a mangled public: checked below
      else if (table.names[i] !== f.name)
        wrong.push(`FUNC ${f.rva.toString(16)} "${table.names[i]}" ≠ "${f.name}"`);
    }
    expect(wrong).toEqual([]);
  });

  run(`gives every PUBLIC line (${publics}) and nothing the answer key lacks`, () => {
    const key = readSym(sym);
    expect(key.publics).toHaveLength(publics);
    const { table, counts } = readPdbSymbols(FIXTURES + pdb);
    const index = byRva(table);
    const wrong: string[] = [];
    for (const p of key.publics) {
      const i = index.get(p.rva);
      if (i === undefined) wrong.push(`missing PUBLIC ${p.rva.toString(16)} ${p.name}`);
      else if (!(table.flags[i]! & SYMBOL_FLAGS.PUBLIC))
        wrong.push(`PUBLIC ${p.rva.toString(16)} came out as a FUNC`);
      else if (table.sizes[i] !== 0) wrong.push(`PUBLIC ${p.rva.toString(16)} has size ${table.sizes[i]}`);
      else if (!(table.flags[i]! & SYMBOL_FLAGS.DEMANGLED) && table.names[i] !== p.name) {
        wrong.push(`PUBLIC ${p.rva.toString(16)} "${table.names[i]}" ≠ "${p.name}"`);
      }
    }
    expect(wrong).toEqual([]);
    expect(counts).toEqual({ functions: funcs, publics });
    expect(table.rvas.length).toBe(funcs + publics);
  });

  run('names the mangled publics like dump_syms with the MSVC demangler injected', () => {
    const demangle = demangleMsvc;
    const key = readSym(sym);
    const { table } = readPdbSymbols(FIXTURES + pdb, { demangle });
    const index = byRva(table);
    const wrong: string[] = [];
    for (const line of [...key.funcs, ...key.publics]) {
      const i = index.get(line.rva)!;
      if (table.names[i] !== line.name)
        wrong.push(`${line.rva.toString(16)} "${table.names[i]}" ≠ "${line.name}"`);
    }
    expect(wrong).toEqual([]);
  });

  run('answers findSymbol for every FUNC start, middle and end', () => {
    const key = readSym(sym);
    const { table } = readPdbSymbols(FIXTURES + pdb);
    const index = byRva(table);
    for (const f of key.funcs) {
      expect(findSymbol(table, f.rva)).toBe(index.get(f.rva));
      expect(table.rvas[findSymbol(table, f.rva + (f.size >> 1))]).toBe(f.rva);
      expect(table.rvas[findSymbol(table, f.rva + f.size - 1)]).toBe(f.rva);
    }
  });
});

describe('identity check', () => {
  const info = {
    name: 'ndis.pdb',
    guid: '72E103A8-5CB2-4907-8B76-B2E7C06257B1',
    age: 4,
    dbiAge: 3,
  } as Parameters<typeof checkPdbIdentity>[0];

  it('accepts the GUID in any case or brace style with the DBI or the info age', () => {
    expect(checkPdbIdentity(info, { guid: '{72e103a8-5cb2-4907-8b76-b2e7c06257b1}', age: 3 })).toBeNull();
    expect(checkPdbIdentity(info, { guid: '72E103A85CB249078B76B2E7C06257B1', age: 4 })).toBeNull();
  });

  it('says what differs when the age or GUID does not match', () => {
    expect(checkPdbIdentity(info, { guid: info.guid, age: 5 })).toBe(
      "ndis.pdb: GUID/age 72E103A8-5CB2-4907-8B76-B2E7C06257B1/3 (info age 4) does not match the trace's " +
        '72E103A8-5CB2-4907-8B76-B2E7C06257B1/5 (same GUID, different age: another build of the same PDB)',
    );
    const other = checkPdbIdentity(info, { guid: '00000000-0000-0000-0000-000000000001', age: 3 });
    expect(other).toMatch(
      /^ndis\.pdb: GUID\/age 72E103A8-.*\/3 \(info age 4\) does not match the trace's 00000000-0000-0000-0000-000000000001\/3$/,
    );
    expect(() => assertPdbIdentity(info, { guid: info.guid, age: 9 })).toThrow(PdbError);
  });
});
