// `etlscope threads`, `delays`, `idle --json` and `freq`, run as a user runs them (child process),
// against the truth of the writer's story scenarios (scripts/writer/sched-scenarios.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  audioDelays,
  deepIdleAmd24,
  lockConvoy,
  type ConvoyTruth,
  type DelayTruth,
} from '../../scripts/writer/sched-scenarios.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function etlscope(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'etlscope.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
    timeout: 120_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let convoyFile: string;
let convoyTruth: ConvoyTruth;
let audioFile: string;
let audioTruth: DelayTruth;
let idleFile: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-sched-cli-'));
  const c = lockConvoy();
  convoyFile = path.join(dir, 'convoy.etl');
  writeFileSync(convoyFile, c.bytes!);
  convoyTruth = c.truth;
  const a = audioDelays();
  audioFile = path.join(dir, 'audio.etl');
  writeFileSync(audioFile, a.bytes!);
  audioTruth = a.truth;
  idleFile = path.join(dir, 'idle.etl');
  writeFileSync(idleFile, deepIdleAmd24().bytes!);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('etlscope threads / delays / idle / freq', () => {
  it('threads --json gives the convoy truth per thread, and --csv writes the same rows', () => {
    const csv = path.join(dir, 'threads.csv');
    const run = etlscope('threads', convoyFile, '--json', '--csv', csv);
    expect(run.status).toBe(0);
    const out = JSON.parse(run.stdout) as { rows: Record<string, number | string>[]; convoy: string };
    for (const t of convoyTruth.threads) {
      const row = out.rows.find((r) => r.threadId === t.threadId)!;
      expect(Object.keys(row)).toEqual([
        'process',
        'processId',
        'threadId',
        'threadName',
        'switches',
        'runningMs',
        'readyMs',
        'waitingMs',
        'avgRunUs',
        'maxReadyUs',
        'switchesPerSecond',
      ]);
      expect(row).toMatchObject({
        process: t.process,
        processId: t.processId,
        threadName: t.threadName,
        switches: t.switches,
      });
      expect(row.runningMs as number).toBeCloseTo(t.runningNs / 1e6, 9);
      expect(row.readyMs as number).toBeCloseTo(t.readyNs / 1e6, 9);
      expect(row.waitingMs as number).toBeCloseTo(t.waitingNs / 1e6, 9);
      expect(row.maxReadyUs as number).toBeCloseTo(t.maxReadyNs / 1e3, 9);
      expect(row.switchesPerSecond as number).toBeCloseTo(t.switches / (convoyTruth.durationNs / 1e9), 6);
    }
    expect(out.convoy).toContain('Lock convoy');
    const written = readFileSync(csv, 'utf8');
    expect(written.startsWith('\uFEFF')).toBe(true);
    const lines = written.slice(1).trim().split('\r\n');
    expect(lines).toHaveLength(convoyTruth.threads.length + 1);
    expect(lines[0]).toBe(
      'Process,Process Id,Thread Id,Thread Name,Switches,Running (ms),Ready (ms),Waiting (ms),Avg Run (µs),Max Ready (µs),Switches/s',
    );
    // Every row's Running (ms) is the JSON's (same rows, same order).
    lines.slice(1).forEach((line, k) => {
      expect(Number(line.split(',').at(-6))).toBeCloseTo(out.rows[k]!.runningMs as number, 6);
    });
    const text = etlscope('threads', convoyFile, '--process', 'telshell');
    expect(text.stdout).toContain('ShellUI');
    expect(text.stdout).not.toContain('ImageDecoder  ');
  });

  it('delays --thread names storport and volsnap by their truth', () => {
    const run = etlscope('delays', audioFile, '--thread', String(audioTruth.audioThreadId), '--json');
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout) as { byModule: { module: string; ns: number }[] };
    expect(Object.fromEntries(r.byModule.map((m) => [m.module, m.ns]))).toEqual(audioTruth.totalsByModule);
    const text = etlscope('delays', audioFile, '--thread', String(audioTruth.audioThreadId));
    expect(text.stdout).toMatch(/storport\.sys\s+DPC\/ISR\s+10\s+3\.200/);
    expect(etlscope('delays', audioFile).status).toBe(2);
  });

  it('idle --json gains visit statistics and Target residency; freq lists the P-states', () => {
    const run = etlscope('idle', idleFile, '--json');
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout) as {
      states: { cpu: number | null; state: string; visits: number; transitions: number }[];
      target: { cpu: number | null; state: string }[];
      deepIdleHint: string;
    };
    expect(r.states.find((s) => s.cpu === null && s.state === 'C3')!.visits).toBe(23);
    expect(r.target.some((s) => s.cpu === null && s.state === 'C3')).toBe(true);
    expect(r.deepIdleHint).toContain('All processors but CPU 0');
    const freq = etlscope('freq', idleFile);
    expect(freq.status).toBe(0);
    expect(freq.stdout).toContain('P4');
    expect(freq.stdout).toContain('3700 MHz');
  });
});
