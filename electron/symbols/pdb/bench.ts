// Speed and memory of the PDB reader: `npx tsx electron/symbols/pdb/bench.ts [FILE.pdb…]`.
// Without arguments it measures the real PDBs in ../shared/pdb and, when clang-14 and lld-link-14
// are installed, two large PDBs it builds from generated C (50,000 functions: a private PDB with
// types, and a publics-only one like Microsoft's public kernel PDBs). Each file is measured in a
// fresh child process (open + readSymbols: wall time, JS heap retained with the table, peak RSS),
// then 1,000,000 findSymbol lookups at random RVAs are timed on the largest table.
//
//   bench.ts ──spawn──> bench.ts --measure FILE ──> one JSON line per file

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findSymbol } from '../types.js';
import { readPdbSymbols } from './pdb.js';
import { mulberry32 } from './testing.js';

/** Functions in the generated PDBs: the "~50k functions" size the task names. */
const GENERATED_FUNCTIONS = 50_000;
/** Lookups timed on the largest table. */
const LOOKUPS = 1_000_000;

const here = path.dirname(fileURLToPath(import.meta.url));

function measure(file: string): void {
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  const { table, counts, info } = readPdbSymbols(file);
  const ms = performance.now() - started;
  globalThis.gc?.();
  const heapAfter = process.memoryUsage().heapUsed;
  let lookupMs = 0;
  if (process.argv.includes('--lookups') && table.rvas.length > 0) {
    const random = mulberry32(1);
    const last = table.rvas[table.rvas.length - 1]! + 0x1000;
    const rvas = Uint32Array.from({ length: LOOKUPS }, () => Math.floor(random() * last));
    let hits = 0;
    const t0 = performance.now();
    for (let i = 0; i < LOOKUPS; i++) if (findSymbol(table, rvas[i]!) >= 0) hits++;
    lookupMs = performance.now() - t0;
    if (hits < 0) console.log(hits);
  }
  console.log(
    JSON.stringify({
      file: path.basename(file),
      fileMB: +(statSync(file).size / 1048576).toFixed(2),
      machine: info.machine,
      functions: counts.functions,
      publics: counts.publics,
      ms: +ms.toFixed(1),
      retainedHeapMB: +((heapAfter - heapBefore) / 1048576).toFixed(2),
      peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      lookupMs: +lookupMs.toFixed(1),
    }),
  );
}

function generate(dir: string): string[] {
  const clang = '/usr/bin/clang-14';
  const lld = '/usr/bin/lld-link-14';
  if (!existsSync(clang) || !existsSync(lld)) {
    console.log('clang-14 / lld-link-14 absent: generated PDBs skipped');
    return [];
  }
  const lines = ['int _fltused = 0;', 'struct Ctx { int id; const char *name; };'];
  for (let i = 0; i < GENERATED_FUNCTIONS; i++) {
    lines.push(
      `__declspec(noinline) int drvRoutine${i}(struct Ctx *c, const char *const *names, unsigned long n) { return c->id + ${i} + (int)n + (names ? 1 : 0); }`,
    );
  }
  lines.push('typedef int (*Routine)(struct Ctx *, const char *const *, unsigned long);');
  lines.push(`Routine table[${GENERATED_FUNCTIONS}] = {`);
  for (let i = 0; i < GENERATED_FUNCTIONS; i++) lines.push(`  drvRoutine${i},`);
  lines.push(
    '};',
    'int DriverEntry(void *d, void *p) { struct Ctx c = {1, "x"}; return table[(unsigned long long)p % ' +
      GENERATED_FUNCTIONS +
      '](&c, 0, 1) + (d ? 1 : 0); }',
  );
  writeFileSync(path.join(dir, 'big.c'), lines.join('\n'));
  const out: string[] = [];
  for (const [name, debug] of [
    ['big-private', true],
    ['big-publics', false],
  ] as const) {
    const started = performance.now();
    execFileSync(
      clang,
      [
        '--target=x86_64-pc-windows-msvc',
        '-O1',
        ...(debug ? ['-g', '-gcodeview'] : []),
        '-c',
        'big.c',
        '-o',
        `${name}.obj`,
      ],
      { cwd: dir },
    );
    execFileSync(
      lld,
      [
        '/nodefaultlib',
        '/driver',
        '/subsystem:native',
        '/entry:DriverEntry',
        '/debug',
        `/pdb:${name}.pdb`,
        `/out:${name}.sys`,
        `${name}.obj`,
      ],
      { cwd: dir },
    );
    console.log(`built ${name}.pdb in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    out.push(path.join(dir, `${name}.pdb`));
  }
  return out;
}

if (process.argv.includes('--measure')) {
  measure(process.argv[process.argv.indexOf('--measure') + 1]!);
} else {
  const given = process.argv.slice(2);
  const shared = path.resolve(here, '../../../../shared/pdb');
  let dir = '';
  const files =
    given.length > 0
      ? given
      : ['dump_syms_regtest64.pdb', 'basic32-min.pdb']
          .map((f) => path.join(shared, f))
          .filter((f) => existsSync(f));
  if (given.length === 0) {
    dir = mkdtempSync(path.join(tmpdir(), 'etlscope-pdb-bench-'));
    files.push(...generate(dir));
  }
  try {
    for (const [i, file] of files.entries()) {
      const args = ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--measure', file];
      if (i === files.length - 1) args.push('--lookups');
      process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
