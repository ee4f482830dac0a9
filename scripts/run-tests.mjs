// `npm test`: every test layer, one summary line at the end.
//   1. type check (tsc --noEmit, strict) and format check      → counted as one test each
//      (prettier --check: one formatter for the whole tree)
//   2. vitest: unit, golden, round-trip, fuzz, store, contract  → its per-test counts
//   2b. coverage-guided fuzzing, ~60 s (npm run fuzz)            → one test
//   3. end-to-end suites tests/e2e/*.e2e.{ts,mjs} (Chromium)     → their own counts, read from a
//      final line "N passed, N failed" each suite prints
// The last line is "N passed, N failed" (what CI reads); the exit code is non-zero on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const env = { ...process.env, TZ: 'UTC', LC_ALL: 'C' };
let passed = 0;
let failed = 0;
const failures = [];

function run(label, command, args) {
  console.log(`\n=== ${label}: ${[command, ...args].join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, { cwd: root, env, stdio: 'inherit' });
  console.log(
    `=== ${label} finished in ${((Date.now() - started) / 1000).toFixed(1)} s (exit ${result.status})`,
  );
  return result.status ?? 1;
}

// 1. Type check.
if (run('typecheck', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) === 0) {
  passed += 1;
} else {
  failed += 1;
  failures.push('typecheck');
}

// 1b. One formatter: every file as prettier writes it (`npm run format` fixes).
if (run('format', bin('prettier'), ['--check', '.']) === 0) {
  passed += 1;
} else {
  failed += 1;
  failures.push('format (run `npm run format`)');
}

// 2. Vitest, with a JSON report we count from.
const reportDir = path.join(root, 'test-results');
mkdirSync(reportDir, { recursive: true });
const vitestReport = path.join(reportDir, 'vitest.json');
rmSync(vitestReport, { force: true });
const vitestStatus = run('vitest', bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestReport}`,
]);
if (existsSync(vitestReport)) {
  const report = JSON.parse(readFileSync(vitestReport, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  // Suites that failed to load count as failures too (their tests never ran).
  const brokenSuites = (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && (suite.assertionResults ?? []).length === 0,
  );
  failed += brokenSuites.length;
  for (const suite of brokenSuites) failures.push(`suite failed to run: ${path.relative(root, suite.name)}`);
  if (vitestStatus !== 0 && (report.numFailedTests ?? 0) === 0 && brokenSuites.length === 0) {
    failed += 1;
    failures.push(`vitest exited ${vitestStatus}`);
  }
} else {
  failed += 1;
  failures.push('vitest produced no report');
}

// 2b. Coverage-guided fuzzing of reader + engine, time-boxed (scripts/fuzz/run.mjs: Jazzer.js on
//     libFuzzer; fails on a crash, a hang or a memory-budget breach). One test.
const fuzzSeconds = process.env.ETLSCOPE_FUZZ_SECONDS ?? '60';
if (run('fuzz', process.execPath, [path.join(root, 'scripts', 'fuzz', 'run.mjs'), fuzzSeconds]) === 0) {
  passed += 1;
} else {
  failed += 1;
  failures.push('fuzz (findings in test-results/fuzz/findings; see scripts/fuzz/README.md)');
}

// 3. End-to-end suites (each prints its own "N passed, N failed" last).
const e2eDir = path.join(root, 'tests', 'e2e');
const suites = existsSync(e2eDir)
  ? readdirSync(e2eDir)
      .filter((f) => /\.e2e\.(mjs|ts)$/.test(f))
      .sort()
  : [];
for (const suite of suites) {
  console.log(`\n=== e2e: ${suite}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', path.join(e2eDir, suite)], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60 * 1000,
  });
  process.stdout.write(result.stdout ?? '');
  const summary = /(\d+) passed, (\d+) failed\s*$/.exec((result.stdout ?? '').trim());
  if (summary !== null) {
    passed += Number(summary[1]);
    failed += Number(summary[2]);
    if (Number(summary[2]) > 0) failures.push(`e2e ${suite}`);
  }
  if (summary === null || (result.status !== 0 && Number(summary[2]) === 0)) {
    failed += 1;
    failures.push(`e2e ${suite} exited ${result.status ?? result.signal}`);
  }
}

if (failures.length > 0) {
  console.log(`\nFailures:\n  ${failures.join('\n  ')}`);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
