// dump_syms' selection rules on hand-made PDBs, one rule per test: which procedures and pieces
// become FUNC lines, which publics become PUBLIC lines or rename a FUNC, and how addresses go
// through the section headers (and the OMAP of a rearranged image).

import { describe, expect, it } from 'vitest';
import { memoryByteSource } from './byte-source.js';
import type { ReadSymbolsOptions } from './pdb.js';
import { openPdb, SYMBOL_FLAGS } from './pdb.js';
import type { PdbSpec } from './testing.js';
import {
  blockRecord,
  buildPdb,
  Bytes,
  CODE_SECTION,
  concat,
  DATA_SECTION,
  endRecord,
  procedureRecord,
  publicRecord,
  sepcodeRecord,
  symbolRecord,
  thunkRecord,
  typeRecord,
} from './testing.js';

const GPROC = 0x1110;
const LPROC = 0x110f;
const GPROC_ID = 0x1147;

function table(spec: PdbSpec, options: ReadSymbolsOptions = {}) {
  const file = openPdb(memoryByteSource(buildPdb(spec)), 'rules.pdb');
  try {
    const t = file.readSymbols(options);
    return [...t.rvas].map((rva, i) => ({ rva, size: t.sizes[i]!, name: t.names[i]!, flags: t.flags[i]! }));
  } finally {
    file.close();
  }
}

const proc = (name: string, offset: number, length: number, typeIndex = 0, kind = GPROC) =>
  procedureRecord(kind, { name, section: 1, offset, length, typeIndex });

describe('FUNC lines', () => {
  it('takes each procedure at its section VA + offset, the first one at an RVA winning', () => {
    const rows = table({
      modules: [
        concat([proc('alpha', 0x10, 0x20), endRecord(), proc('beta', 0x40, 0x8, 0, LPROC), endRecord()]),
        concat([proc('alpha_duplicate', 0x10, 0x99), endRecord()]),
      ],
    });
    expect(rows).toEqual([
      { rva: 0x1010, size: 0x20, name: 'alpha', flags: 0 },
      { rva: 0x1040, size: 0x8, name: 'beta', flags: 0 },
    ]);
  });

  it('drops RVA 0 and unmappable procedures, and hides the pieces of an unmappable one', () => {
    const rows = table({
      sections: [{ name: '.text', virtualAddress: 0, virtualSize: 0x1000, characteristics: CODE_SECTION }],
      modules: [
        concat([
          proc('at_zero', 0, 0x10),
          endRecord(),
          procedureRecord(GPROC, { name: 'nowhere', section: 7, offset: 0x10, length: 0x10 }),
          sepcodeRecord({ section: 1, offset: 0x800, length: 4, parentSection: 7, parentOffset: 0x10 }),
          endRecord(),
          endRecord(),
          proc('kept', 0x100, 0x10),
          endRecord(),
        ]),
      ],
    });
    expect(rows.map((r) => r.name)).toEqual(['kept']);
  });

  it('adds a separated piece (S_SEPCODE) under its parent procedure, and only under that parent', () => {
    const rows = table({
      modules: [
        concat([
          proc('hot', 0x100, 0x20),
          sepcodeRecord({ section: 1, offset: 0x5000, length: 0x10, parentSection: 1, parentOffset: 0x100 }),
          endRecord(),
          endRecord(),
          proc('other', 0x200, 0x20),
          sepcodeRecord({ section: 1, offset: 0x6000, length: 0x10, parentSection: 1, parentOffset: 0x100 }),
          endRecord(),
          endRecord(),
        ]),
      ],
    });
    expect(rows).toEqual([
      { rva: 0x1100, size: 0x20, name: 'hot', flags: 0 },
      { rva: 0x1200, size: 0x20, name: 'other', flags: 0 },
      { rva: 0x6000, size: 0x10, name: 'hot', flags: 0 },
    ]);
  });

  it('ignores blocks (S_BLOCK32), even outside their procedure, and thunks unless asked for', () => {
    const modules = [
      concat([
        proc('f', 0x100, 0x20),
        blockRecord({ section: 1, offset: 0x3000, length: 0x10 }),
        endRecord(),
        endRecord(),
        thunkRecord({ name: 'ILT+0(f)', section: 1, offset: 0x8, length: 5 }),
        endRecord(),
        thunkRecord({ name: 'inside', section: 1, offset: 0x104, length: 5 }),
        endRecord(),
      ]),
    ];
    expect(table({ modules }).map((r) => r.rva)).toEqual([0x1100]);
    expect(table({ modules }, { thunks: true })).toEqual([
      { rva: 0x1008, size: 5, name: 'ILT+0(f)', flags: SYMBOL_FLAGS.THUNK },
      { rva: 0x1100, size: 0x20, name: 'f', flags: 0 },
    ]);
  });

  it('names procedures with fix_symbol_name: compiler suffixes off, the anonymous namespace respelled', () => {
    const rows = table({
      modules: [
        concat([
          proc('fast.llvm.1234567', 0x10, 1),
          endRecord(),
          proc("`anonymous namespace'::helper", 0x20, 1),
          endRecord(),
          proc('', 0x30, 1),
          endRecord(),
        ]),
      ],
    });
    expect(rows.map((r) => r.name)).toEqual(['fast', '(anonymous namespace)::helper', '<name omitted>']);
  });

  it('formats an S_GPROC32_ID procedure through its IPI function id', () => {
    const args = typeRecord(0x1201, new Bytes().u32(1).u32(0x74));
    const fnType = typeRecord(0x1008, new Bytes().u32(0x74).u16(0).u16(1).u32(0x1000));
    const funcId = typeRecord(0x1601, new Bytes().u32(0).u32(0x1001).cstring('idfn'));
    const rows = table({
      types: [args, fnType],
      ids: [funcId],
      modules: [concat([proc('idfn', 0x10, 4, 0x1000, GPROC_ID), symbolRecord(0x114f, new Bytes())])],
    });
    expect(rows.map((r) => r.name)).toEqual(['idfn(int)']);
  });
});

describe('PUBLIC lines', () => {
  const withFunc = (publics: Uint8Array, typeIndex = 0, name = 'f') =>
    table({
      types: [
        typeRecord(0x1201, new Bytes().u32(0)),
        typeRecord(0x1008, new Bytes().u32(3).u16(0).u16(0).u32(0x1000)),
      ],
      modules: [concat([proc(name, 0x100, 0x40, typeIndex), endRecord()])],
      publics,
    });

  it('keeps publics in executable sections only, whatever their flags say', () => {
    const rows = withFunc(
      concat([
        publicRecord({ name: 'code_no_flags', section: 1, offset: 0x10, flags: 0 }),
        publicRecord({ name: 'data_with_function_flag', section: 2, offset: 0x10, flags: 3 }),
        publicRecord({ name: 'no_section', section: 0, offset: 0x10, flags: 2 }),
      ]),
    );
    expect(rows.map((r) => [r.rva, r.name, r.flags])).toEqual([
      [0x1010, 'code_no_flags', SYMBOL_FLAGS.PUBLIC],
      [0x1100, 'f', 0],
    ]);
  });

  it('drops publics inside a FUNC and constants placed in code', () => {
    const rows = withFunc(
      concat([
        publicRecord({ name: 'inside', section: 1, offset: 0x120 }),
        publicRecord({ name: 'just_after', section: 1, offset: 0x140 }),
        publicRecord({ name: '??_C@_0BA@ABCDEFGH@hello@', section: 1, offset: 0x200 }),
        publicRecord({ name: '__real@3ff0000000000000', section: 1, offset: 0x210 }),
        publicRecord({ name: '__xmm@00000000000000000000000000000000', section: 1, offset: 0x220 }),
      ]),
    );
    expect(rows.map((r) => r.name)).toEqual(['f', 'just_after']);
  });

  it('keeps the first of several publics at one RVA', () => {
    const rows = withFunc(
      concat([
        publicRecord({ name: 'zeta', section: 1, offset: 0x300 }),
        publicRecord({ name: 'alpha', section: 1, offset: 0x300 }),
      ]),
    );
    expect(rows.at(-1)).toEqual({ rva: 0x1300, size: 0, name: 'zeta', flags: SYMBOL_FLAGS.PUBLIC });
  });

  it('strips x86 C decorations and demangles C++ names only through the injected demangler', () => {
    const publics = concat(
      [
        '_cdecl_fn',
        '_stdcall_fn@12',
        '@fastcall_fn@8',
        'vector_fn@@16',
        '_not@decimal',
        '?f@C@ns@@QEAAXXZ',
      ].map((name, i) => publicRecord({ name, section: 1, offset: 0x400 + i * 0x10 })),
    );
    const plain = withFunc(publics).slice(1);
    expect(plain.map((r) => r.name)).toEqual([
      'cdecl_fn',
      'stdcall_fn',
      'fastcall_fn',
      'vector_fn',
      'not@decimal',
      '?f@C@ns@@QEAAXXZ',
    ]);
    expect(plain.at(-1)!.flags).toBe(SYMBOL_FLAGS.PUBLIC | SYMBOL_FLAGS.DEMANGLED);
    const spec = {
      modules: [],
      publics,
    };
    const demangled = table(spec, {
      demangle: (m) => (m === '?f@C@ns@@QEAAXXZ' ? 'ns::C::f(void)' : undefined),
    });
    expect(demangled.at(-1)!.name).toBe('ns::C::f(void)');
  });

  it('renames a FUNC without type information from the public at its RVA, not a typed one', () => {
    const untyped = withFunc(concat([publicRecord({ name: '_f@8', section: 1, offset: 0x100 })]), 0, '_f');
    expect(untyped).toEqual([{ rva: 0x1100, size: 0x40, name: 'f', flags: SYMBOL_FLAGS.NAMED_BY_PUBLIC }]);
    const typed = withFunc(concat([publicRecord({ name: '_f@8', section: 1, offset: 0x100 })]), 0x1001);
    expect(typed).toEqual([{ rva: 0x1100, size: 0x40, name: 'f()', flags: 0 }]);
    const mangled = withFunc(concat([publicRecord({ name: '?f@@YAXXZ', section: 1, offset: 0x100 })]));
    expect(mangled[0]!.flags).toBe(SYMBOL_FLAGS.NAMED_BY_PUBLIC | SYMBOL_FLAGS.DEMANGLED);
  });
});

describe('addresses', () => {
  it('uses the original section headers and the OMAP of a rearranged image', () => {
    const rows = table({
      sections: [
        { name: '.text', virtualAddress: 0x1000, virtualSize: 0x4000, characteristics: CODE_SECTION },
      ],
      originalSections: [
        { name: '.text', virtualAddress: 0x8000, virtualSize: 0x4000, characteristics: CODE_SECTION },
      ],
      omapFromSource: [
        [0x8000, 0x3000], // first 0x100 bytes moved to 0x3000
        [0x8100, 0], // next 0x100 bytes dropped
        [0x8200, 0x1000],
      ],
      modules: [concat([proc('moved', 0x10, 0x20), endRecord(), proc('dropped', 0x110, 0x10), endRecord()])],
      publics: concat([
        publicRecord({ name: 'later', section: 1, offset: 0x280 }),
        publicRecord({ name: 'gone', section: 1, offset: 0x1f0 }),
      ]),
    });
    expect(rows).toEqual([
      { rva: 0x1080, size: 0, name: 'later', flags: SYMBOL_FLAGS.PUBLIC },
      { rva: 0x3010, size: 0x20, name: 'moved', flags: 0 },
    ]);
  });

  it('checks for cancellation', () => {
    const controller = new AbortController();
    controller.abort();
    const file = openPdb(
      memoryByteSource(buildPdb({ modules: [concat([proc('f', 0, 1), endRecord()])] })),
      'x.pdb',
    );
    expect(() => file.readSymbols({ signal: controller.signal, demangle: undefined })).toThrow(/abort/i);
  });

  it('describes a data section as non-code', () => {
    const rows = table({
      sections: [
        { name: '.text', virtualAddress: 0x1000, virtualSize: 0x1000, characteristics: CODE_SECTION },
        { name: '.data', virtualAddress: 0x2000, virtualSize: 0x1000, characteristics: DATA_SECTION },
      ],
      publics: publicRecord({ name: 'table', section: 2, offset: 0 }),
    });
    expect(rows).toEqual([]);
  });
});
