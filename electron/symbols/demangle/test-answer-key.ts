// Test support: the answer key for the demangler, built from a real PDB and the Breakpad .sym file
// that Mozilla's dump_syms wrote from it (../shared/pdb/).
//
//   llvm-pdbutil dump --publics --section-headers X.pdb ──> publics {record offset, name, section:offset}
//                                                          + section virtual addresses ──> RVA
//   X.sym `PUBLIC [m] <rva> <param size> <name>` lines ──────────────────────────────────┐
//                        pair by RVA: the public dump_syms kept there = the first record ┴─> AnswerKeyPair[]
//
// dump_syms keeps, at an RVA with several publics, the one it read first (lowest record offset in
// the symbol record stream; checked on all six such RVAs of basic32-min), and it never keeps a
// string literal or floating-point constant (`??_C…`, `__real@…`, `__xmm@…`, `__ymm@…`). A PUBLIC
// line with no public at its RVA is dump_syms' artificial end marker `<unknown in X>`.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface AnswerKeyPair {
  readonly rva: number;
  /** The S_PUB32 name dump_syms kept at this RVA. */
  readonly mangled: string;
  /** The name on the .sym PUBLIC line. */
  readonly expected: string;
  /** How many publics share the RVA (the `m` flag of the line says "more than one"). */
  readonly publicsAtRva: number;
  readonly multiple: boolean;
}

export interface AnswerKeyExclusion {
  readonly rva: number;
  readonly expected: string;
  readonly reason: string;
}

export interface AnswerKey {
  readonly pairs: readonly AnswerKeyPair[];
  readonly excluded: readonly AnswerKeyExclusion[];
  readonly publicLines: number;
}

/** The llvm-pdbutil binary on this machine (Debian names it with or without the version), if any. */
export function findPdbUtil(): string | undefined {
  return ['/usr/bin/llvm-pdbutil', '/usr/bin/llvm-pdbutil-14', '/usr/lib/llvm-14/bin/llvm-pdbutil'].find(
    (p) => existsSync(p),
  );
}

interface PublicRecord {
  readonly recordOffset: number;
  readonly name: string;
  readonly section: number;
  readonly offset: number;
}

const PUBLIC_RECORD = /^\s*(\d+) \| S_PUB32 \[size = \d+\] `(.*)`\n\s+flags = [^\n]*addr = (\d+):(\d+)$/gm;
const SECTION_HEADER =
  /SECTION HEADER #(\d+)\n[^\n]*\n\s*[0-9A-F]+ virtual size\n\s*([0-9A-F]+) virtual address/g;
const PUBLIC_LINE = /^PUBLIC (m )?([0-9a-f]+) [0-9a-f]+ (.*)$/;
/** Publics dump_syms drops even in code sections (constants the linker put there). */
const DROPPED_BY_DUMP_SYMS = /^(\?\?_C|__real@|__xmm@|__ymm@)/;

/** Reads both files and pairs every PUBLIC line with the mangled public it came from. */
export function buildAnswerKey(pdbUtil: string, pdbPath: string, symPath: string): AnswerKey {
  const dump = execFileSync(pdbUtil, ['dump', '--publics', '--section-headers', pdbPath], {
    encoding: 'utf8',
    maxBuffer: 256 << 20, // the dump of a large PDB's publics runs to tens of MB
  });
  const sectionAddress = new Map<number, number>();
  for (const m of dump.matchAll(SECTION_HEADER)) sectionAddress.set(Number(m[1]), parseInt(m[2]!, 16));

  const byRva = new Map<number, PublicRecord[]>();
  for (const m of dump.matchAll(PUBLIC_RECORD)) {
    const record: PublicRecord = {
      recordOffset: Number(m[1]),
      name: m[2]!,
      section: Number(m[3]),
      offset: Number(m[4]),
    };
    const base = sectionAddress.get(record.section);
    if (base === undefined || DROPPED_BY_DUMP_SYMS.test(record.name)) continue;
    const rva = base + record.offset;
    let list = byRva.get(rva);
    if (!list) byRva.set(rva, (list = []));
    list.push(record);
  }

  const pairs: AnswerKeyPair[] = [];
  const excluded: AnswerKeyExclusion[] = [];
  let publicLines = 0;
  for (const line of readFileSync(symPath, 'utf8').split(/\r?\n/)) {
    const m = PUBLIC_LINE.exec(line);
    if (!m) continue;
    publicLines++;
    const rva = parseInt(m[2]!, 16);
    const expected = m[3]!;
    const candidates = byRva.get(rva);
    if (!candidates) {
      excluded.push({
        rva,
        expected,
        reason: /^<unknown( in .*)?>$/.test(expected)
          ? "dump_syms' artificial end-of-code marker; no public symbol at this RVA"
          : 'no public symbol at this RVA (unexpected)',
      });
      continue;
    }
    const kept = candidates.reduce((a, b) => (b.recordOffset < a.recordOffset ? b : a));
    pairs.push({
      rva,
      mangled: kept.name,
      expected,
      publicsAtRva: candidates.length,
      multiple: m[1] !== undefined,
    });
  }
  return { pairs, excluded, publicLines };
}
