// Command line of the trace writer:
//   npx tsx scripts/writer/cli.ts <scenario> <out.etl> [--seconds N] [--size 1GiB] [--compress]
//                                 [--pointer-size 4|8] [--seed N] [--buffer-size 64KiB] [--events-lost N]
//                                 [--binaries] [--pdb-store DIR] [--stack-keys] [--stack-key-cache N]
//                                 [--stack-every-sample] [--deep-stacks]
// Writes <out.etl>, <out.etl>.symbols/ (symbol map files of the scenario's drivers, or with
// --binaries the genuine PDBs and images in symbol-store layout) and <out.etl>.truth.json (what the
// trace contains, computed while writing). --binaries builds the scenario's PE + PDB images with
// clang-14 / lld-link-14 (scripts/drivers, cached). See README.md.

import { writeFileSync } from 'node:fs';
import { buildScenarioBinaries } from '../drivers/scenario.js';
import { SCENARIOS, SCENARIO_NAMES } from './scenarios.js';
import { STORY_SCENARIOS } from './sched-scenarios.js';
import { simulate, type SimulationOptions } from './simulate.js';

const USAGE = `usage: npx tsx scripts/writer/cli.ts <scenario> <out.etl> [--seconds N] [--size 1GiB] [--compress]
       [--pointer-size 4|8] [--seed N] [--buffer-size 64KiB] [--frequency HZ] [--events-lost N] [--compact-cswitch] [--header-lead SECONDS] [--quiet]
       [--binaries] [--pdb-store DIR] [--stack-keys] [--stack-key-cache N] [--stack-every-sample] [--deep-stacks]
scenarios: ${SCENARIO_NAMES.join(', ')}
story scenarios (exact truth; --compress only): ${Object.keys(STORY_SCENARIOS).join(', ')}`;

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1e9,
  gib: 1024 ** 3,
};

export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m === null ? undefined : SIZE_UNITS[m[2].toLowerCase()];
  if (m === null || unit === undefined) throw new Error(`not a size: ${text} (e.g. 100MiB, 1GiB)`);
  return Math.round(Number(m[1]) * unit);
}

function main(argv: string[]): number {
  const positional: string[] = [];
  const opts: SimulationOptions = {};
  let quiet = false;
  let binaries = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--seconds':
        opts.seconds = Number(value());
        if (!(opts.seconds > 0)) throw new Error('--seconds must be > 0');
        break;
      case '--size':
        opts.targetBytes = parseSize(value());
        break;
      case '--compress':
        opts.compress = true;
        break;
      case '--pointer-size': {
        const p = Number(value());
        if (p !== 4 && p !== 8) throw new Error('--pointer-size must be 4 or 8');
        opts.pointerSize = p;
        break;
      }
      case '--seed':
        opts.seed = Number(value()) >>> 0;
        break;
      case '--buffer-size':
        opts.bufferSize = parseSize(value());
        break;
      case '--frequency':
        opts.frequency = Number(value());
        if (!(opts.frequency >= 1000)) throw new Error('--frequency must be at least 1000 Hz');
        break;
      case '--events-lost':
        opts.eventsLost = Number(value());
        break;
      case '--header-lead':
        opts.headerLeadSeconds = Number(value());
        break;
      case '--compact-cswitch':
        opts.compactCSwitch = true;
        break;
      case '--quiet':
        quiet = true;
        break;
      case '--binaries':
        binaries = true;
        break;
      case '--pdb-store':
        opts.pdbStore = value();
        break;
      case '--stack-keys':
        opts.stackKeys = true;
        break;
      case '--stack-key-cache':
        opts.stackKeys = true;
        opts.stackKeyCacheSize = Number(value());
        if (!(Number.isInteger(opts.stackKeyCacheSize) && opts.stackKeyCacheSize >= 1))
          throw new Error('--stack-key-cache must be a whole number ≥ 1');
        break;
      case '--stack-every-sample':
        opts.stackEverySample = true;
        break;
      case '--deep-stacks':
        opts.deepStacks = true;
        break;
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        if (arg.startsWith('--')) throw new Error(`unknown option ${arg}\n${USAGE}`);
        positional.push(arg);
    }
  }
  if (positional.length !== 2) throw new Error(USAGE);
  const [name, out] = positional;
  const story = STORY_SCENARIOS[name];
  if (story !== undefined) {
    const { truth } = story({ path: out, ...(opts.compress === true ? { compress: true } : {}) });
    writeFileSync(`${out}.truth.json`, `${JSON.stringify(truth, null, 1)}\n`);
    if (!quiet) console.log(`${out}: ${name}; truth: ${out}.truth.json`);
    return 0;
  }
  const spec = SCENARIOS[name];
  if (spec === undefined) throw new Error(`unknown scenario ${name}; one of ${SCENARIO_NAMES.join(', ')}`);
  if (name === 'scale' && opts.targetBytes === undefined && opts.seconds === undefined)
    opts.targetBytes = parseSize('100MiB');
  if (opts.pdbStore !== undefined && !binaries) throw new Error('--pdb-store needs --binaries');
  if (binaries) {
    const buildStart = performance.now();
    opts.binaries = buildScenarioBinaries(spec, { pointerSize: opts.pointerSize ?? 8 });
    const built = opts.binaries.filter((b) => !b.fromCache).length;
    if (!quiet)
      console.log(
        `  binaries: ${opts.binaries.length} images (${built} built, ${opts.binaries.length - built} from the cache) ` +
          `in ${((performance.now() - buildStart) / 1000).toFixed(1)} s`,
      );
  }
  const started = performance.now();
  let lastReport = started;
  const result = simulate(spec, {
    ...opts,
    path: out,
    onProgress: (bytes, seconds) => {
      const now = performance.now();
      if (!quiet && now - lastReport > 2000) {
        lastReport = now;
        process.stderr.write(`  ${(bytes / 1048576).toFixed(0)} MiB, ${seconds.toFixed(2)} s of trace\n`);
      }
    },
  });
  const elapsed = (performance.now() - started) / 1000;
  writeFileSync(`${out}.truth.json`, `${JSON.stringify(result.truth, null, 1)}\n`);
  const t = result.truth;
  if (!quiet) {
    console.log(
      `${out}: ${name}, ${(t.file.bytes / 1048576).toFixed(1)} MiB, ${t.file.buffers} buffers` +
        `${t.compressed ? ` (${t.file.compressedBuffers} compressed)` : ''}, ${t.file.events} events, ` +
        `${(t.durationNs / 1e9).toFixed(3)} s, written in ${elapsed.toFixed(1)} s ` +
        `(${(t.file.bytes / 1048576 / elapsed).toFixed(0)} MiB/s)`,
    );
    console.log(
      `  truth: ${out}.truth.json; symbols: ${result.symbolFiles.length} files in ` +
        `${opts.pdbStore ?? `${out}.symbols`}/`,
    );
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  console.error(`writer: ${(error as Error).message}`);
  process.exitCode = 2;
}
