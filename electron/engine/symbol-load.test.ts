// Load Symbols against real PDB files: a model whose images carry the real identities of
// ../shared/pdb's PDBs (DbgID_RSDS) re-labels its DPC routines and samples from those PDBs —
// found in a plain directory, then through a real HTTP symbol server into a symstore cache — with
// the names Mozilla's dump_syms gives the same addresses (the .sym answer key), and says plainly
// what it could not find.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPdbTable } from '../symbols/read-pdb.js';
import {
  answerKey,
  buildSymstore,
  filesUnder,
  fixture,
  HAVE_FIXTURES,
  REGTEST64,
  BASIC32,
  startSymbolServer,
} from '../symbols/test-fixtures.js';
import { NEVER_CANCELLED } from './query-common.js';
import { loadSymbolsIntoEngine } from './symbol-load.js';
import { displayName } from './symbolize.js';
import { engineFrom, kernelAddress } from './test-model.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-symload-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = HAVE_FIXTURES ? it : it.skip;

const regtestBase = kernelAddress(0x1000000);
const basicBase = kernelAddress(0x2000000);
const missingBase = kernelAddress(0x3000000);
const regtestFuncs = () => answerKey(fixture('dump_syms_regtest64.sym')).filter((e) => e.func);
const basicFuncs = () => answerKey(fixture('basic32-min.sym')).filter((e) => e.func);

/** One DPC inside each of the first functions of both PDBs, plus one in a module without symbols. */
function model() {
  return engineFrom(1, ([b]) => {
    const image = (base: number, size: number, file: string, pdb: string, guid: string, age: number) => {
      b!.images.push({
        timeNs: 0,
        kind: 'dcstart',
        base,
        size,
        processId: 0,
        fileName: `\\SystemRoot\\${file}`,
      });
      b!.rsds.push({ timeNs: 0, base, processId: 0, guid, age, pdbFileName: `d:\\build\\${pdb}` });
    };
    image(regtestBase, 0x20000, 'regtest.sys', 'dump_syms_regtest64.pdb', REGTEST64.guid, REGTEST64.age);
    image(basicBase, 0x70000, 'basic.sys', 'basic32-min.pdb', BASIC32.guid, BASIC32.age);
    image(missingBase, 0x1000, 'gone.sys', 'gone.pdb', '01234567-89ab-cdef-0123-456789abcdef', 1);
    let t = 10;
    for (const f of regtestFuncs().slice(0, 40)) {
      b!.appendDpc(0, 0, t, t + 5, regtestBase + f.rva + Math.floor(f.size / 2));
      t += 10;
    }
    for (const f of basicFuncs().slice(0, 40)) {
      b!.appendDpc(0, 0, t, t + 5, basicBase + f.rva);
      t += 10;
    }
    b!.appendDpc(0, 0, t, t + 5, missingBase + 0x20);
    b!.appendSample(0, 15, 0, regtestBase + regtestFuncs()[1]!.rva + 1, 1, true, false);
    b!.noteEvent(0, t + 100);
  });
}

const functions = (engine: ReturnType<typeof model>) =>
  engine
    .query(
      { kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['module', 'function'], limitPerLevel: 1000 },
      NEVER_CANCELLED,
    )
    .rows.flatMap((m) => (m.children ?? []).map((f) => `${m.key}!${f.key}`))
    .sort();

/** dump_syms' names as the tables show them (no parameter list: overloads are one function). */
const expected = () =>
  [
    ...new Set([
      ...regtestFuncs()
        .slice(0, 40)
        .map((f) => `regtest.sys!${displayName(f.name)}`),
      ...basicFuncs()
        .slice(0, 40)
        .map((f) => `basic.sys!${displayName(f.name)}`),
      'gone.sys!gone.sys+0x20',
    ]),
  ].sort();

describe('loading symbols into a loaded trace', () => {
  run(
    'reads the PDBs from a directory: every routine gets dump_syms’ name; a missing PDB is said so',
    async () => {
      const engine = model();
      expect(functions(engine).every((f) => /\+0x[0-9a-f]+$/.test(f))).toBe(true);
      const flat = path.join(dir, 'flat');
      buildSymstore(flat, []);
      const result = await loadSymbolsIntoEngine(
        engine,
        { symbolPath: path.join(path.dirname(fixture('dump_syms_regtest64.pdb'))) },
        { readPdb: readPdbTable, env: {} },
      );
      expect(result.symbolsVersion).toBe(1);
      expect(result.loaded).toBe(2);
      expect(result.notFound).toBe(1);
      expect(result.modules.find((m) => m.pdb === 'gone.pdb')?.status).toBe('not-found');
      expect(result.modules.find((m) => m.pdb === 'dump_syms_regtest64.pdb')).toMatchObject({
        status: 'loaded',
        format: 'pdb',
        modules: ['regtest.sys'],
      });
      expect(functions(engine)).toEqual(expected());
      // Sampled addresses follow the same symbols.
      const sampled = engine.query(
        { kind: 'pivot', table: 'cpuSampled', filter: {}, groupBy: ['function'] },
        NEVER_CANCELLED,
      );
      expect(sampled.rows.map((r) => r.key)).toEqual([displayName(regtestFuncs()[1]!.name)]);
      // The Images list says where each module's names come from.
      const images = engine.query({ kind: 'list', table: 'images' }, NEVER_CANCELLED);
      const symbols = Object.fromEntries(
        images.rows.map((r) => [r[images.columns.indexOf('Module')], r[images.columns.indexOf('Symbols')]]),
      );
      expect(symbols['regtest.sys']).toMatch(/^\d[\d,]* from dump_syms_regtest64\.pdb \(pdb\)$/);
      expect(symbols['gone.sys']).toBe('not loaded');
      // The same files again (the app's background load after a trace opened with its own
      // symbols): nothing changes, so the version stays and no view has to ask again.
      const again = await loadSymbolsIntoEngine(
        engine,
        { symbolPath: path.join(path.dirname(fixture('dump_syms_regtest64.pdb'))) },
        { readPdb: readPdbTable, env: {} },
      );
      expect(again.symbolsVersion).toBe(1);
      expect(again.loaded).toBe(2);
      expect(functions(engine)).toEqual(expected());
    },
  );

  run(
    'downloads them from a symbol server into a symstore cache (_NT_SYMBOL_PATH=srv*CACHE*URL), once',
    async () => {
      const store = path.join(dir, 'store');
      buildSymstore(store, [
        [REGTEST64, 'dump_syms_regtest64.pdb'],
        [BASIC32, 'basic32-min.pdb'],
      ]);
      const server = await startSymbolServer(store);
      const cache = path.join(dir, 'cache');
      try {
        const env = { _NT_SYMBOL_PATH: `srv*${cache}*${server.url}/` };
        const engine = model();
        const progress: number[] = [];
        const result = await loadSymbolsIntoEngine(
          engine,
          {},
          {
            readPdb: readPdbTable,
            env,
            onProgress: (p) => progress.push(p.filesDone),
          },
        );
        expect(result.loaded).toBe(2);
        expect(functions(engine)).toEqual(expected());
        expect(progress.at(-1)).toBe(3);
        const cached = filesUnder(cache).map((f) => f.split(path.sep).join('/'));
        expect(cached.sort()).toEqual([
          `basic32-min.pdb/${BASIC32.guid.replace(/-/g, '')}${BASIC32.age}/basic32-min.pdb`,
          `dump_syms_regtest64.pdb/${REGTEST64.guid.replace(/-/g, '')}${REGTEST64.age}/dump_syms_regtest64.pdb`,
        ]);
        expect(readFileSync(path.join(cache, cached[0]!))).toEqual(readFileSync(fixture('basic32-min.pdb')));
        // A second trace: served from the cache, no request.
        const before = server.requests.length;
        const again = model();
        await loadSymbolsIntoEngine(again, {}, { readPdb: readPdbTable, env });
        expect(functions(again)).toEqual(expected());
        expect(server.requests.slice(before).filter((r) => !r.includes('gone.pdb'))).toEqual([]);
      } finally {
        await server.close();
      }
    },
  );

  it('a corrupt PDB on the path is reported, names stay module+0x…, the trace stays usable', async () => {
    if (!existsSync(fixture('dump_syms_regtest64.pdb'))) return;
    const bad = path.join(dir, 'bad');
    const bytes = readFileSync(fixture('dump_syms_regtest64.pdb'));
    buildSymstore(bad, []);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(bad, { recursive: true });
    writeFileSync(path.join(bad, 'dump_syms_regtest64.pdb'), bytes.subarray(0, 9000));
    const engine = model();
    const result = await loadSymbolsIntoEngine(
      engine,
      { symbolPath: bad },
      { readPdb: readPdbTable, env: {} },
    );
    const regtest = result.modules.find((m) => m.pdb === 'dump_syms_regtest64.pdb')!;
    expect(regtest.status).toBe('error');
    expect(regtest.message).toMatch(/dump_syms_regtest64\.pdb/);
    expect(
      functions(engine)
        .filter((f) => f.startsWith('regtest.sys!'))
        .every((f) => f.includes('+0x')),
    ).toBe(true);
  });
});
