// Seeds for the fuzzer (deterministic): every real trace in ../shared/traces (the large ones cut
// to their first buffers, at most SEED_MAX_BYTES), the writer's scenarios (plain, Xpress-
// compressed, 32-bit, compact CSwitch; 4 KiB buffers so a short trace has many buffers on many
// CPUs) and the committed regression inputs — each with an empty edit script (structure.ts).
//
//   node --import tsx scripts/fuzz/seeds.ts OUT_DIR

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS } from '../writer/scenarios.js';
import { simulate } from '../writer/simulate.js';
import { firstBuffers, seedFromFile } from './structure.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const tracesDir = process.env.ETLSCOPE_TRACES ?? path.resolve(root, '..', 'shared', 'traces');
export const REGRESSIONS_DIR = path.join(root, 'tests', 'fuzz', 'regressions');
/** Seeds stay small: an execution costs about its bytes, and libFuzzer's -max_len follows them. */
export const SEED_MAX_BYTES = 32 * 1024;

export function writeSeeds(outDir: string): number {
  mkdirSync(outDir, { recursive: true });
  let n = 0;
  const put = (name: string, file: Uint8Array) => {
    writeFileSync(path.join(outDir, name), seedFromFile(file));
    n++;
  };
  if (existsSync(tracesDir)) {
    for (const name of readdirSync(tracesDir)
      .filter((f) => f.endsWith('.etl'))
      .sort()) {
      put(`real-${name}`, firstBuffers(readFileSync(path.join(tracesDir, name)), SEED_MAX_BYTES));
    }
  } else {
    console.warn(`seeds: ${tracesDir} not found; seeding with the writer's scenarios only`);
  }
  const variants = [
    ['plain', {}],
    ['compressed', { compress: true }],
    ['ptr32', { pointerSize: 4 as const }],
    ['compact', { compactCSwitch: true }],
  ] as const;
  for (const scenario of ['audioWorkstation', 'backupServer', 'deepIdle12Core'] as const) {
    for (const [label, options] of variants) {
      const { bytes } = simulate(SCENARIOS[scenario]!, {
        seconds: 0.01,
        seed: 7,
        bufferSize: 4096,
        ...options,
      });
      put(`writer-${scenario}-${label}`, firstBuffers(bytes!, SEED_MAX_BYTES));
    }
  }
  if (existsSync(REGRESSIONS_DIR)) {
    for (const name of readdirSync(REGRESSIONS_DIR).sort()) {
      const bytes = readFileSync(path.join(REGRESSIONS_DIR, name));
      if (bytes.length <= SEED_MAX_BYTES) put(`regression-${name}`, bytes);
    }
  }
  return n;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) throw new Error('usage: seeds.ts OUT_DIR');
  console.log(`${writeSeeds(out)} seeds in ${out}`);
}
