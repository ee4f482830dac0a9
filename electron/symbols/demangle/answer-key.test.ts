// The demangler against its answer key: every PUBLIC line dump_syms wrote for two real MSVC PDBs
// (x86 basic32-min: 2,452 lines, heavy C++ and CRT; x64 dump_syms_regtest64: 3 lines), paired with
// the S_PUB32 name it came from (test-answer-key.ts). Also times the demangler over the corpus.
// Skips, saying why, where ../shared/pdb or llvm-pdbutil is absent.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { demangleMsvc, undecoratePublicName } from './msvc.js';
import { buildAnswerKey, findPdbUtil, type AnswerKey } from './test-answer-key.js';

const PDB_DIR = path.resolve(__dirname, '../../../../shared/pdb');
const pdbUtil = findPdbUtil();

const CORPORA = [
  {
    name: 'basic32-min (x86)',
    pdb: 'basic32-min.pdb',
    sym: 'basic32-min.sym',
    image: 'basic32-min.dll',
    publicLines: 2452,
  },
  {
    name: 'dump_syms_regtest64 (x64)',
    pdb: 'dump_syms_regtest64.pdb',
    sym: 'dump_syms_regtest64.sym',
    image: 'dump_syms_regtest64.exe',
    publicLines: 3,
  },
] as const;

const available = pdbUtil !== undefined && existsSync(path.join(PDB_DIR, 'basic32-min.pdb'));
if (!available) {
  console.warn(
    `answer-key tests skipped: ${pdbUtil === undefined ? 'llvm-pdbutil not installed' : `${PDB_DIR} not present`}`,
  );
}

function load(corpus: (typeof CORPORA)[number]): AnswerKey {
  return buildAnswerKey(pdbUtil!, path.join(PDB_DIR, corpus.pdb), path.join(PDB_DIR, corpus.sym));
}

describe.skipIf(!available)('dump_syms answer key', () => {
  for (const corpus of CORPORA) {
    it(`${corpus.name}: every PUBLIC name equals dump_syms' name`, () => {
      const key = load(corpus);
      expect(key.publicLines).toBe(corpus.publicLines);
      // Only dump_syms' artificial `<unknown in X>` end marker has no public behind it.
      expect(key.excluded.map((e) => e.expected)).toEqual([`<unknown in ${corpus.image}>`]);
      expect(key.pairs.length + key.excluded.length).toBe(key.publicLines);

      const mismatches = key.pairs
        .map((p) => ({ ...p, got: undecoratePublicName(p.mangled) }))
        .filter((p) => p.got !== p.expected)
        .map((p) => `${p.rva.toString(16)} ${p.mangled}\n  dump_syms: ${p.expected}\n  ours:      ${p.got}`);
      expect(mismatches).toEqual([]);

      // The `m` flag agrees with the pairing (several publics at the RVA, first record kept).
      for (const p of key.pairs) expect(p.multiple).toBe(p.publicsAtRva > 1);

      const cxx = key.pairs.filter((p) => p.mangled.startsWith('?'));
      const raw = cxx.filter((p) => p.expected === p.mangled);
      console.log(
        `${corpus.name}: ${key.pairs.length}/${key.publicLines} PUBLIC lines matched ` +
          `(${cxx.length} C++, ${cxx.length - raw.length} demangled and ${raw.length} left raw as dump_syms left them; ` +
          `${key.pairs.length - cxx.length} C names); ${key.excluded.length} excluded: ${key.excluded[0]?.reason}`,
      );
    });
  }

  it('x86 corpus: demangles every C++ name dump_syms demangled, and gives up exactly where it did', () => {
    const key = load(CORPORA[0]);
    const cxx = key.pairs.filter((p) => p.mangled.startsWith('?'));
    expect(cxx.length).toBeGreaterThan(1500);
    const gaveUp = cxx.filter((p) => demangleMsvc(p.mangled) === undefined).map((p) => p.mangled);
    expect(gaveUp).toEqual(cxx.filter((p) => p.expected === p.mangled).map((p) => p.mangled));
    // All of those hold a qualified pointer to a function (`Q6`, `S6`: const / const volatile),
    // which dump_syms' demangler reads as a pointer to a back-reference and rejects.
    for (const name of gaveUp) expect(name).toMatch(/[QRS]6/);
  });

  it('throughput over the x86 corpus', () => {
    const names = load(CORPORA[0])
      .pairs.map((p) => p.mangled)
      .filter((n) => n.startsWith('?'));
    for (const n of names) demangleMsvc(n); // warm up the JIT before timing
    const rounds = 20; // ~31,000 names: long enough to time, short on a shared 2-core machine
    let chars = 0;
    const start = performance.now();
    for (let r = 0; r < rounds; r++) for (const n of names) chars += demangleMsvc(n)?.length ?? 0;
    const seconds = (performance.now() - start) / 1000;
    const perSecond = Math.round((names.length * rounds) / seconds);
    console.log(
      `demangleMsvc: ${perSecond.toLocaleString('en-US')} names/s (${names.length * rounds} names, ${chars} chars out)`,
    );
    // A floor far below the measured rate (30,000–80,000/s here, under load): catches an accidental
    // quadratic path (a 100× slowdown), not the noise of a shared machine.
    expect(perSecond).toBeGreaterThan(3_000);
  });
});
