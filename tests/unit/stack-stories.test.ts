// The field stories end to end, on genuine images: the writer lays the backup-server and audio
// traces out with PE + PDB pairs built by clang-14/lld-link-14 (scripts/drivers), the engine reads
// the trace, Load Symbols finds the PDBs (beside the trace, or through a real HTTP symbol server
// into a symstore cache) and reads them with our PDB reader, and the stack views must show exactly
// the stacks the writer wrote (truth.stacks), every frame named module!function:
//   - DPC/ISR Usage by Module, Stack: the IDS and teaming drivers in NDIS's DPCs (backup server),
//     volsnap's DPCs spinning in ntoskrnl!KxWaitForSpinLockAndAcquire (audio workstation);
//   - Utilization by Process, Stack, and DPC/ISR Duration by Module, Function, Stack;
// for 64-bit StackWalk events and for 32-bit stack keys.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StackQuery, StackTreeNode } from '../../shared/contract.js';
import { NEVER_CANCELLED } from '../../electron/engine/query-common.js';
import { loadEngine } from '../../electron/engine/session.js';
import { loadSymbolsIntoEngine } from '../../electron/engine/symbol-load.js';
import { readPdbTable } from '../../electron/symbols/read-pdb.js';
import { filesUnder, startSymbolServer } from '../../electron/symbols/test-fixtures.js';
import { buildScenarioBinaries } from '../../scripts/drivers/scenario.js';
import { toolchainAvailable } from '../../scripts/drivers/toolchain.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-stories-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const haveTools = toolchainAvailable();
if (!haveTools)
  console.warn(
    'skipped: clang-14/lld-link-14/llvm-14 are not installed (apt-get install -y clang-14 lld-14 llvm-14)',
  );
const run = haveTools ? it : it.skip;

/** A tree's leaf paths (frames root → leaf below the first level) with their samples. */
function paths(tree: StackTreeNode): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const group of tree.children ?? []) {
    const byPath = new Map<string, number>();
    const walk = (node: StackTreeNode, prefix: string[]) => {
      if (node.kind === 'no-stack') {
        byPath.set('', (byPath.get('') ?? 0) + node.samples);
        return;
      }
      const frames = node.kind === 'itself' ? prefix : [...prefix, node.name];
      if (node.kind === 'itself' || node.children === undefined) {
        const key = frames.join(' > ');
        byPath.set(key, (byPath.get(key) ?? 0) + node.samples);
        return;
      }
      for (const child of node.children) walk(child, frames);
    };
    for (const child of group.children ?? []) walk(child, []);
    out.set(group.name, byPath);
  }
  return out;
}

function truthPaths(groups: Record<string, { paths: { frames: string[]; samples: number }[] }>) {
  const out = new Map<string, Map<string, number>>();
  for (const [name, group] of Object.entries(groups)) {
    const byPath = new Map<string, number>();
    for (const p of group.paths) {
      const key = p.frames.join(' > ');
      byPath.set(key, (byPath.get(key) ?? 0) + p.samples);
    }
    out.set(name, byPath);
  }
  return out;
}

const query = (
  table: StackQuery['table'],
  groupBy: StackQuery['groupBy'],
  filter: StackQuery['filter'] = {},
): StackQuery => ({
  kind: 'stacks',
  table,
  filter,
  groupBy,
  view: 'top-down',
  maxNodes: 100_000,
});

function story(name: 'backupServer' | 'audioWorkstation', pointerSize: 4 | 8, stackKeys: boolean) {
  const spec = SCENARIOS[name]!;
  const binaries = buildScenarioBinaries(spec, { pointerSize });
  const file = path.join(dir, `${name}-${pointerSize}${stackKeys ? '-keys' : ''}.etl`);
  const store = path.join(dir, `${name}-${pointerSize}${stackKeys ? '-keys' : ''}-store`);
  const { truth } = simulate(spec, {
    seconds: 0.4,
    seed: 3,
    path: file,
    binaries,
    pdbStore: store,
    pointerSize,
    stackKeys,
  });
  return { file, store, truth };
}

async function checkStacks(
  file: string,
  truth: ScenarioTruth,
  symbolPath: string,
  env: Record<string, string> = {},
) {
  const engine = loadEngine(file);
  const result = await loadSymbolsIntoEngine(engine, { symbolPath }, { readPdb: readPdbTable, env });
  // Every image with a PDB got its symbols (the one shipped without, rtwlane.sys, is not asked for).
  expect(result.modules.filter((m) => m.status !== 'loaded')).toEqual([]);
  expect(result.loaded).toBeGreaterThan(5);
  const stacks = truth.stacks!;
  const dpcIsr = engine.query(
    query('cpuSampled', ['module'], { exclude: { dpcIsr: ['-'] } }),
    NEVER_CANCELLED,
  );
  expect(paths(dpcIsr.tree)).toEqual(truthPaths(stacks.dpcIsrByModule));
  const byProcess = engine.query(query('cpuSampled', ['process']), NEVER_CANCELLED);
  expect(paths(byProcess.tree)).toEqual(truthPaths(stacks.cpuByProcess));
  // DPC/ISR events with their own stack walk, by module and function (events and duration).
  const events = engine.query(query('dpcIsr', ['module', 'function']), NEVER_CANCELLED);
  const got = new Map<string, number>();
  for (const m of events.tree.children ?? [])
    for (const f of m.children ?? [])
      for (const n of f.children ?? [])
        if (n.kind !== 'no-stack')
          got.set(`${m.name}!${f.name}`, (got.get(`${m.name}!${f.name}`) ?? 0) + n.samples);
  const want = new Map<string, number>();
  for (const e of stacks.dpcIsrEvents)
    want.set(`${e.module}!${e.function}`, (want.get(`${e.module}!${e.function}`) ?? 0) + e.events);
  expect(got).toEqual(want);
  return { engine, dpcIsr };
}

describe('the field stories on genuine images', () => {
  run('backup server: IDS and teaming drivers in the NDIS DPCs’ stacks, PDBs beside the trace', async () => {
    const { file, store, truth } = story('backupServer', 8, false);
    const { dpcIsr, engine } = await checkStacks(file, truth, store);
    const modules = (dpcIsr.tree.children ?? []).map((c) => c.name);
    expect(modules.slice(0, 4)).toEqual(expect.arrayContaining(['IDSvia64.sys', 'iansw60e.sys']));
    const ndis = dpcIsr.tree.children!.find((c) => c.name === 'ndis.sys')!;
    expect(JSON.stringify(ndis)).toContain('IDSvia64.sys!InetInspectReceive');
    // The DPC/ISR function column is named from the PDB too.
    const pivot = engine.query(
      { kind: 'pivot', table: 'dpcIsr', filter: { cpus: [0, 2, 4, 6] }, groupBy: ['module', 'function'] },
      NEVER_CANCELLED,
    );
    expect(pivot.rows[0]!.key).toBe('ndis.sys');
    expect(pivot.rows[0]!.children![0]!.key).toBe('ndisInterruptDpc');
  });

  run(
    'audio workstation: volsnap DPCs spin in KxWaitForSpinLockAndAcquire; PDBs from a symbol server',
    async () => {
      const { file, store, truth } = story('audioWorkstation', 8, false);
      const server = await startSymbolServer(store);
      const cache = path.join(dir, 'audio-cache');
      try {
        const { dpcIsr } = await checkStacks(file, truth, '', {
          _NT_SYMBOL_PATH: `srv*${cache}*${server.url}/`,
        });
        const kernel = dpcIsr.tree.children!.find((c) => c.name === 'ntoskrnl.exe')!;
        expect(JSON.stringify(kernel)).toMatch(
          /volsnap\.sys!.*ntoskrnl\.exe!KeAcquireSpinLockAtDpcLevel.*ntoskrnl\.exe!KxWaitForSpinLockAndAcquire/,
        );
        // The cache now holds the PDBs in symstore layout.
        const cached = filesUnder(cache).map((f) => f.split(path.sep).join('/'));
        expect(cached).toContain(
          `volsnap.pdb/${truth.images
            .find((i) => i.file === 'volsnap.sys')!
            .guid!.replace(/-/g, '')
            .toUpperCase()}${truth.images
            .find((i) => i.file === 'volsnap.sys')!
            .age!.toString(16)
            .toUpperCase()}/volsnap.pdb`,
        );
      } finally {
        await server.close();
      }
    },
  );

  run('32-bit trace with stack keys: the same stacks', async () => {
    const { file, store, truth } = story('backupServer', 4, true);
    expect(truth.stacks!.format).toBe('keys');
    await checkStacks(file, truth, store);
  });
});
