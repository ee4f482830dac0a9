// Coverage-guided fuzzing of reader + engine with Jazzer.js (libFuzzer): `npm run fuzz [-- SECONDS]`.
//
//   setup.mjs (Jazzer.js + its addon on Debian's libFuzzer) ─► esbuild: target.ts → CommonJS bundle
//   (Jazzer.js 2.1 instruments what require() loads: every edge of the reader and engine code in it)
//   ─► seeds.ts → test-results/fuzz/seeds ─► jazzer --sync, corpus test-results/fuzz/corpus (kept
//   between local runs), artifacts test-results/fuzz/findings/
//   ─► summary: executions, coverage (libFuzzer's cov = instrumented edges hit, ft = features),
//      corpus size, findings; the last line is "N passed, N failed" (1 test: the run).
//
// Fails on a crash (any exception but a clear EngineError('bad-file'), or a BudgetBreach: resident
// memory over memory-budget.ts after an input), a hang (-timeout per input) or libFuzzer's RSS limit.
// A finding: `node --import tsx scripts/fuzz/keep.ts test-results/fuzz/findings/crash-… NAME`
// makes it a committed regression file replayed by tests/fuzz/regressions.test.ts.
//
//   node scripts/fuzz/run.mjs [SECONDS=60] [--fresh] [--corpus DIR]
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ensureJazzer } from './setup.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const work = path.join(root, 'test-results', 'fuzz');
/** An input may take this long before it counts as a hang (a normal one takes milliseconds). */
const TIMEOUT_PER_INPUT_S = 10;
/** libFuzzer's own RSS ceiling: the backstop behind the per-input budget check in target.ts. */
const RSS_LIMIT_MB = 2048;
/** Largest input libFuzzer makes: the seeds (≤ 32 KiB, seeds.ts) with room to grow; bigger ones only slow it. */
const MAX_LEN = 48 * 1024;

const args = process.argv.slice(2);
const seconds = Number(args.find((a) => /^\d+$/.test(a)) ?? 60);
const corpusArg = args.indexOf('--corpus');
const corpus = corpusArg >= 0 ? path.resolve(args[corpusArg + 1]) : path.join(work, 'corpus');
if (args.includes('--fresh')) rmSync(corpus, { recursive: true, force: true });
const seeds = path.join(work, 'seeds');
const findings = path.join(work, 'findings');
for (const dir of [corpus, seeds, findings]) mkdirSync(dir, { recursive: true });

let jazzer;
try {
  jazzer = ensureJazzer();
} catch (error) {
  console.error(`fuzz: cannot set up Jazzer.js: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Jazzer.js imports TARGET + '.js': a CommonJS .js, so the folder says so (the app is "type": "module").
const targetBundle = path.join(work, 'target.js');
writeFileSync(path.join(work, 'package.json'), '{ "type": "commonjs" }\n');
await build({
  entryPoints: [path.join(here, 'target.ts')],
  outfile: targetBundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'error',
});

const seedRun = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'seeds.ts'), seeds], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (seedRun.status !== 0) {
  console.error('fuzz: writing the seeds failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
process.stdout.write(seedRun.stdout);

const before = new Set(readdirSync(findings));
const libFuzzerArgs = [
  `-max_total_time=${seconds}`,
  `-timeout=${TIMEOUT_PER_INPUT_S}`,
  `-rss_limit_mb=${RSS_LIMIT_MB}`,
  `-max_len=${MAX_LEN}`,
  `-artifact_prefix=${findings}${path.sep}`,
  '-print_final_stats=1',
];
console.log(`fuzz: ${seconds} s on reader + engine (corpus ${path.relative(root, corpus)})`);
const child = spawn(
  process.execPath,
  [
    jazzer,
    targetBundle.replace(/\.js$/, ''),
    corpus,
    seeds,
    '--sync',
    '--includes',
    targetBundle,
    '--excludes',
    'node_modules',
    '--',
    ...libFuzzerArgs,
  ],
  { cwd: work, stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' } },
);
// libFuzzer's log (status lines, final stats) goes to test-results/fuzz/last-run.log and is read
// back whole at the end (chunks split lines).
const logPath = path.join(work, 'last-run.log');
const log = createWriteStream(logPath);
child.stderr.on('data', (chunk) => {
  log.write(chunk);
  if (process.env.FUZZ_VERBOSE) process.stderr.write(chunk);
});
const [code, signal] = await new Promise((resolve) => child.on('close', (c, s) => resolve([c, s])));
await new Promise((resolve) => log.end(resolve));
const text = readFileSync(logPath, 'utf8');
const lines = text.split('\n');
const lastStatus = lines.filter((line) => /^#\d+\s/.test(line)).at(-1) ?? '';
const stats = {};
for (const line of lines) {
  const stat = /^stat::(\w+):\s+(\d+)/.exec(line);
  if (stat) stats[stat[1]] = Number(stat[2]);
}
const tail = text.slice(-6000);
const newFindings = readdirSync(findings).filter((f) => !before.has(f));
const cov = /cov: (\d+)/.exec(lastStatus)?.[1];
const ft = /ft: (\d+)/.exec(lastStatus)?.[1];
const corp = /corp: ([\d/]+\w*)/.exec(lastStatus)?.[1];
// The final stats are not always printed (libFuzzer exits from its timer thread): the last status
// line has the execution count and RSS too.
const executions = stats.number_of_executed_units ?? /^#(\d+)/.exec(lastStatus)?.[1];
const peakRss = stats.peak_rss_mb ?? /rss: (\d+)Mb/.exec(lastStatus)?.[1];
const perSecond = stats.average_exec_per_sec ?? /exec\/s: (\d+)/.exec(lastStatus)?.[1];
console.log(
  `fuzz: ${executions ?? '?'} executions in ${seconds} s (${perSecond ?? '?'}/s), ` +
    `coverage ${cov ?? '?'} edges, ${ft ?? '?'} features, corpus ${corp ?? '?'}, peak RSS ${peakRss ?? '?'} MB, ` +
    `${newFindings.length} finding(s)`,
);
const ok = code === 0 && newFindings.length === 0;
if (!ok) {
  process.stderr.write(tail);
  console.error(
    `fuzz: exit ${code ?? signal}; findings in ${path.relative(root, findings)}: ${newFindings.join(', ') || 'none'}`,
  );
  console.error('fuzz: keep one as a regression: node --import tsx scripts/fuzz/keep.ts FINDING NAME');
}
console.log(ok ? '1 passed, 0 failed' : '0 passed, 1 failed');
process.exit(ok ? 0 : 1);

export {};
