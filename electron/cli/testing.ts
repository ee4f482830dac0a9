// Test helpers for the CLI suites: run `node bin/etlscope.mjs …` as a user does (a child process,
// UTC, C locale) and generate the trace writer's scenario traces into a temporary folder.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedTraces = path.resolve(
  process.env.ETLSCOPE_TRACES ?? path.join(repoRoot, '..', 'shared', 'traces'),
);

export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function etlscope(...args: string[]): CliRun {
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'bin', 'etlscope.mjs'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
    timeout: 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Runs and parses `--json` output, failing loudly with stderr when the command failed. */
export function etlscopeJson<T>(...args: string[]): T {
  const run = etlscope(...args);
  if (run.status !== 0) throw new Error(`etlscope ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
