// Seeded corruption of the real PDBs: bit flips and hostile 32-bit values aimed at the structures
// the reader trusts (superblock, block map, directory, info/DBI/section/symbol/module streams) and
// anywhere, plus truncation. Every run must end in a valid table or a PdbError — never another
// exception, a hang or a heap blow-up. A failure prints its seed and mutation for replay.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from './byte-source.js';
import { u32 } from './bytes.js';
import { PdbError } from './errors.js';
import { openPdb } from './pdb.js';
import { mulberry32 } from './testing.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/pdb/', import.meta.url));
/** Mutated copies per file: each read takes ~10–100 ms; this keeps the suite near 10 s on 2 cores. */
const RUNS_PER_FILE = Number(process.env.PDB_FUZZ_RUNS ?? 90); // PDB_FUZZ_RUNS=5000 for a deep run
/** Longest a single corrupted read may take before we call it a hang. */
const MAX_RUN_MS = 5000;
/** Heap growth allowed over the whole loop (a runaway allocation would blow far past it). */
const MAX_HEAP_GROWTH = 400 * 1024 * 1024;

/** File byte ranges of the structures the reader depends on, from the (valid) original. */
function structuralRanges(bytes: Uint8Array): Array<[number, number]> {
  const blockSize = u32(bytes, 32);
  const map = u32(bytes, 52) * blockSize;
  const ranges: Array<[number, number]> = [
    [0, 56],
    [map, map + 64],
  ];
  const dirBlock = u32(bytes, map) * blockSize;
  ranges.push([dirBlock, dirBlock + blockSize]);
  const streams = u32(bytes, dirBlock);
  let list = dirBlock + 4 + streams * 4;
  const firstBlocks: number[] = [];
  for (let s = 0; s < streams; s++) {
    const size = u32(bytes, dirBlock + 4 + s * 4);
    const blocks = size === 0xffffffff ? 0 : Math.ceil(size / blockSize);
    if (list + 4 > dirBlock + blockSize) break; // directory spans blocks: the first one is enough
    firstBlocks.push(blocks > 0 ? u32(bytes, list) : -1);
    list += blocks * 4;
  }
  // Info, DBI, section headers, symbol records and the first modules' streams: the first block of each.
  for (const s of [1, 3, 5, 6, 7, 8, 9, 10, 11, 12]) {
    const block = firstBlocks[s] ?? -1;
    if (block > 0) ranges.push([block * blockSize, (block + 1) * blockSize]);
  }
  return ranges;
}

const NASTY = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x10000, 0xffff];

function mutate(original: Uint8Array, seed: number): { bytes: Uint8Array; what: string } {
  const random = mulberry32(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const ranges = structuralRanges(original);
  const kind = pick(4);
  if (kind === 0) {
    const at = pick(original.length);
    return { bytes: original.slice(0, at), what: `truncate at ${at}` };
  }
  const bytes = original.slice();
  const view = new DataView(bytes.buffer);
  const where = () => {
    if (kind === 3) return pick(bytes.length - 4);
    const [from, to] = ranges[pick(ranges.length)]!;
    return Math.min(bytes.length - 4, from + pick(Math.max(1, to - from)));
  };
  const edits: string[] = [];
  for (let i = 0, n = 1 + pick(8); i < n; i++) {
    const at = where();
    if (kind === 1 || kind === 3) {
      const bit = pick(8);
      bytes[at] ^= 1 << bit;
      edits.push(`flip ${at}.${bit}`);
    } else {
      const value = random() < 0.5 ? NASTY[pick(NASTY.length)]! : Math.floor(random() * 0x100000000);
      view.setUint32(at, value, true);
      edits.push(`u32 ${at}=${value.toString(16)}`);
    }
  }
  return { bytes, what: edits.join(', ') };
}

describe.each(['dump_syms_regtest64.pdb', 'basic32-min.pdb'])('corrupted %s', (name) => {
  const present = existsSync(FIXTURES + name);
  (present ? it : it.skip)(
    `${RUNS_PER_FILE} seeded mutations end in a table or a PdbError`,
    () => {
      const original = new Uint8Array(readFileSync(FIXTURES + name));
      const heapAtStart = process.memoryUsage().heapUsed;
      let tables = 0;
      let errors = 0;
      for (let run = 0; run < RUNS_PER_FILE; run++) {
        const seed = 0x5eed0000 + run;
        const { bytes, what } = mutate(original, seed);
        const started = performance.now();
        try {
          const file = openPdb(memoryByteSource(bytes), name);
          try {
            const table = file.readSymbols();
            expect(table.sizes.length, what).toBe(table.rvas.length);
            expect(table.names.length, what).toBe(table.rvas.length);
            for (let i = 1; i < table.rvas.length; i++)
              expect(table.rvas[i]! > table.rvas[i - 1]!, what).toBe(true);
            file.listPublics();
            tables++;
          } finally {
            file.close();
          }
        } catch (error) {
          if (!(error instanceof PdbError)) {
            throw new Error(`seed ${seed.toString(16)} (${what}): ${String(error)}`, { cause: error });
          }
          expect(error.message.startsWith(`${name}: `)).toBe(true);
          errors++;
        }
        expect(performance.now() - started, `seed ${seed.toString(16)} (${what}) took too long`).toBeLessThan(
          MAX_RUN_MS,
        );
        expect(process.memoryUsage().heapUsed - heapAtStart).toBeLessThan(MAX_HEAP_GROWTH);
      }
      expect(tables + errors).toBe(RUNS_PER_FILE);
      expect(errors).toBeGreaterThan(0);
    },
    30_000 + RUNS_PER_FILE * 200,
  );
});
