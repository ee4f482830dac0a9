// Every flag a command accepts works, or is refused with a message and a non-zero exit — run as a
// user runs etlscope (a child process), its files opened. Plus the summary facts issue 12 names:
// "not recorded", the sampled span, thread CPU usage from samples, well-known provider names.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import { etlscope, etlscopeJson, sharedTraces } from './testing.js';

const realTrace = path.join(sharedTraces, 'perfview-net452-x64.etl');
const tinyTrace = path.join(sharedTraces, 'perfview-small.etl');

let dir: string;
let backup: string;
let truth: ScenarioTruth;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-flags-'));
  backup = path.join(dir, 'backup.etl');
  truth = simulate(SCENARIOS.backupServer!, { path: backup, seconds: 1, seed: 3 }).truth;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CSV as etlscope writes every CSV: BOM, CRLF, no bare LF. Returns its lines. */
function csvLines(text: string): string[] {
  expect(text.startsWith('\uFEFF')).toBe(true);
  expect(text.endsWith('\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '').includes('\n')).toBe(false);
  return text.slice(1, -2).split('\r\n');
}

describe('--csv on every table command', () => {
  it('cpu, idle and list write their tables; the counts match the JSON', () => {
    for (const [args, rowsOf] of [
      [['cpu', backup], (j: { rows: unknown[] }) => j.rows.length],
      [['idle', backup], (j: { rows: unknown[] }) => j.rows.length],
      [['list', backup, 'threads'], (j: { rows: unknown[] }) => j.rows.length],
    ] as const) {
      const file = path.join(dir, `${args[0]}.csv`);
      const run = etlscope(...args, '--csv', file);
      expect([run.status, run.stderr]).toEqual([0, expect.stringContaining(`to ${file}`)]);
      const lines = csvLines(readFileSync(file, 'utf8'));
      expect(lines.length - 1).toBe(rowsOf(etlscopeJson(...args, '--json')));
    }
    expect(csvLines(readFileSync(path.join(dir, 'cpu.csv'), 'utf8'))[0]).toBe(
      'CPU,% CPU Usage,CPU Usage (ms),DPC/ISR (ms),Source',
    );
  });

  it('--csv - writes the CSV to standard output and no file named "-"', () => {
    const run = etlscope('dpc', backup, '--by', 'module', '--csv', '-');
    expect(run.status).toBe(0);
    const lines = csvLines(run.stdout);
    expect(lines[0]).toBe(
      'Module,Count,Total (ms),Exclusive (ms),Avg (µs),Max (µs),p50 (µs),p99 (µs),Over budget',
    );
    expect(existsSync(path.join(process.cwd(), '-'))).toBe(false);
    const rows = etlscope('dpc', backup, '--rows', '--csv', '-', '--type', 'isr');
    const isrs = truth.dpcIsr.filter((t) => t.type.startsWith('ISR')).reduce((n, t) => n + t.count, 0);
    expect(csvLines(rows.stdout).length - 1).toBe(isrs);
  });
});

describe('report', () => {
  it('--json prints the report as JSON; --csv is refused', () => {
    const out = etlscopeJson<{
      opening: { worstDriver: { module: string }; worstSingle: { cpu: number; durationUs: number } };
      dpc: unknown;
    }>('report', backup, '--json');
    expect(out.opening.worstDriver.module).toBe('ndis.sys');
    const longest = Math.max(...truth.dpcIsr.map((t) => t.maxNs / 1e3));
    expect(out.opening.worstSingle.durationUs).toBeCloseTo(longest, 3);
    const csv = etlscope('report', backup, '--csv', path.join(dir, 'report.csv'));
    expect(csv.status).toBe(2);
    expect(csv.stderr).toContain('--csv is not an option of etlscope report');
    expect(existsSync(path.join(dir, 'report.csv'))).toBe(false);
  });

  it('opens with the worst driver, the longest DPC/ISR, its CPUs and the verdict; no empty sections', () => {
    const run = etlscope('report', backup);
    expect(run.status).toBe(0);
    const text = run.stdout;
    expect(text).toMatch(/build \d+; recorded \d{4}-\d\d-\d\dT/);
    const summary = text.slice(text.indexOf('== Summary =='), text.indexOf('== DPC/ISR usage by module =='));
    expect(summary).toMatch(/Worst driver: +ndis\.sys/);
    expect(summary).toMatch(/Longest DPC\/ISR: +[\d.]+ µs, \S+ \S+ on CPU \d+ at [\d.]+ s/);
    expect(summary).toMatch(/Concentrated on:/);
    expect(summary).toMatch(/Routines over the guideline \(all \d+\):/);
    expect(text).toContain('-- Distribution of DPC/ISR durations for ndis.sys (doubling buckets) --');
    // The module table is one row per module: no DPC/TimerDPC split.
    const moduleTable = text.slice(
      text.indexOf('== DPC/ISR usage by module =='),
      text.indexOf('-- Distribution'),
    );
    expect(moduleTable.match(/^ndis\.sys /gm)?.length).toBe(1);
  });

  it.runIf(existsSync(realTrace))(
    'leaves out the DPC/ISR and C-state sections of a trace without them',
    () => {
      const run = etlscope('report', realTrace);
      expect(run.status).toBe(0);
      expect(run.stdout).not.toContain('== DPC/ISR usage by module ==');
      expect(run.stdout).not.toContain('== C-state residency ==');
      expect(run.stdout).toContain('== CPU usage ==');
      expect(run.stdout).toContain('No DPC/ISR events were recorded');
    },
  );
});

describe('refused and checked flags', () => {
  it('info refuses --range and --cpus by name', () => {
    for (const flag of [
      ['--range', '0', '1'],
      ['--cpus', '0'],
    ]) {
      const run = etlscope('info', backup, ...flag);
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(`${flag[0]} is not an option of etlscope info`);
    }
  });

  it('a --range outside the trace and --cpus 99 are errors with messages', () => {
    const late = etlscope('dpc', backup, '--range', '50', '60');
    expect(late.status).toBe(1);
    expect(late.stderr).toMatch(/--range starts at 50\.000 s, after the trace ends \(1\.\d+ s\)/);
    const cpus = etlscope('cpu', backup, '--cpus', '99');
    expect(cpus.status).toBe(1);
    expect(cpus.stderr).toContain(`--cpus 99: the trace has CPUs 0–${truth.cpuCount - 1}`);
  });

  it('--opt=value is the same as --opt value', () => {
    const a = etlscopeJson<{ rows: unknown[] }>('dpc', backup, '--by=module', '--type=dpc', '--json');
    const b = etlscopeJson<{ rows: unknown[] }>('dpc', backup, '--by', 'module', '--type', 'dpc', '--json');
    expect(a).toEqual(b);
  });
});

describe('dpc --by', () => {
  it('module: one row per module, summing every type; type,module splits them', () => {
    const byModule = etlscopeJson<{ rows: { type: string | null; module: string; count: number }[] }>(
      'dpc',
      backup,
      '--by',
      'module',
      '--json',
    );
    const modules = new Map<string, number>();
    for (const t of truth.dpcIsr) modules.set(t.module, (modules.get(t.module) ?? 0) + t.count);
    expect(byModule.rows.length).toBe(modules.size);
    for (const r of byModule.rows) {
      expect(r.type).toBeNull();
      expect(r.count).toBe(modules.get(r.module));
    }
    const byTypeModule = etlscopeJson<{ rows: { type: string; module: string; count: number }[] }>(
      'dpc',
      backup,
      '--by',
      'type,module',
      '--json',
    );
    const pairs = new Set(truth.dpcIsr.map((t) => `${t.type} ${t.module}`));
    expect(byTypeModule.rows.map((r) => `${r.type} ${r.module}`).sort()).toEqual([...pairs].sort());
  });
});

describe('summary facts', () => {
  it.runIf(existsSync(tinyTrace))(
    'cpu on a trace without samples or context switches says "not recorded"',
    () => {
      const run = etlscope('cpu', tinyTrace);
      expect(run.status).toBe(0);
      expect(run.stdout).toContain('not recorded');
      expect(run.stdout).not.toMatch(/^\s+\d+\s+0\.0/m);
      expect(etlscopeJson<{ source: string; rows: unknown[] }>('cpu', tinyTrace, '--json')).toMatchObject({
        source: 'none',
        rows: [],
      });
    },
  );

  it.runIf(existsSync(realTrace))(
    'sampled: busy % is over the sampled span; threads get CPU usage from samples',
    () => {
      const cpu = etlscopeJson<{
        range: { startSeconds: number; endSeconds: number };
        coveredRange: { startSeconds: number; endSeconds: number };
        rows: { busyMs: number; busyPercent: number }[];
      }>('cpu', realTrace, '--json');
      const span = cpu.coveredRange.endSeconds - cpu.coveredRange.startSeconds;
      // This trace's profile stops at ~10.0 s of its 12.6 s: busy % must not be diluted by the rest.
      expect(cpu.coveredRange.endSeconds).toBeLessThan(cpu.range.endSeconds - 2);
      expect(cpu.coveredRange.endSeconds).toBeGreaterThan(9.9);
      for (const r of cpu.rows) expect(r.busyPercent).toBeCloseTo((100 * r.busyMs) / (span * 1000), 6);
      const threads = etlscopeJson<{ columns: string[]; rows: (string | number)[][] }>(
        'list',
        realTrace,
        'threads',
        '--json',
      );
      const usage = threads.columns.indexOf('CPU Usage (ms)');
      const tid = threads.columns.indexOf('TID');
      const values = threads.rows.map((r) => r[usage]);
      expect(values.every((v) => typeof v === 'number')).toBe(true);
      // Every sample lands on one thread: the non-idle threads' usage is the busy time of the CPUs.
      const busy = threads.rows.filter((r) => r[tid] !== 0).reduce((n, r) => n + Number(r[usage]), 0);
      const cpuBusy = cpu.rows.reduce((n, r) => n + r.busyMs, 0);
      expect(busy).toBeGreaterThan(0);
      expect(busy).toBeLessThanOrEqual(cpuBusy + 1e-6);
    },
  );

  it.runIf(existsSync(realTrace))('names well-known providers instead of showing their GUIDs', () => {
    const events = etlscopeJson<{ rows: string[][] }>('list', realTrace, 'events', '--json');
    const kinds = events.rows.map((r) => r[0]!);
    expect(kinds.some((k) => k.startsWith('Microsoft-Windows-DotNETRuntime/'))).toBe(true);
    expect(kinds.some((k) => k.startsWith('e13c0d23-'))).toBe(false);
  });
});
