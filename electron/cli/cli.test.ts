// The `etlscope` command line, run as a user runs it (node bin/etlscope.mjs …), checked against:
//   - the trace writer's truth for the seed scenarios (backupServer, deepIdle12Core), and
//   - an independent count made with the reader alone on the real perfview-net452-x64.etl.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSampledProfile, fileByteSource, KernelHook, openEtl } from '../reader/index.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const traces = path.resolve(process.env.ETLSCOPE_TRACES ?? path.join(root, '..', 'shared', 'traces'));
const realTrace = path.join(traces, 'perfview-net452-x64.etl');

function etlscope(...args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(root, 'bin', 'etlscope.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' },
    timeout: 120_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

function json<T>(...args: string[]): T {
  const run = etlscope(...args);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  return JSON.parse(run.stdout) as T;
}

let dir: string;
let backup: string;
let backupTruth: ScenarioTruth;
let idleTrace: string;
let idleTruth: ScenarioTruth;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-cli-'));
  backup = path.join(dir, 'backup.etl');
  backupTruth = simulate(SCENARIOS.backupServer!, { path: backup, seconds: 2, seed: 11 }).truth;
  idleTrace = path.join(dir, 'idle.etl');
  idleTruth = simulate(SCENARIOS.deepIdle12Core!, {
    path: idleTrace,
    seconds: 2,
    seed: 5,
    compress: true,
  }).truth;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface DpcJson {
  rows: {
    type: string;
    module: string | null;
    function: string | null;
    cpu: number | null;
    count: number;
    totalMs: number;
    maxUs: number;
    avgUs: number;
    overBudget: number;
  }[];
}

describe('etlscope dpc', () => {
  it('groups DPC/ISR by module and function exactly as the scenario was written', () => {
    const out = json<DpcJson>('dpc', backup, '--by', 'type,module,function', '--json');
    expect(out.rows.length).toBe(backupTruth.dpcIsr.length);
    for (const t of backupTruth.dpcIsr) {
      const row = out.rows.find(
        (r) => r.module === t.module && r.function === t.function && r.type === t.type,
      );
      expect(row, `${t.type} ${t.module}!${t.function}`).toBeDefined();
      expect(row!.count).toBe(t.count);
      expect(row!.totalMs).toBeCloseTo(t.totalNs / 1e6, 6);
      expect(row!.maxUs).toBeCloseTo(t.maxNs / 1e3, 6);
      expect(row!.overBudget).toBe(t.overBudget);
    }
    const ndis = out.rows.find((r) => r.function === 'ndisInterruptDpc')!;
    expect(ndis.avgUs).toBeGreaterThan(200);
    expect(ndis.avgUs).toBeLessThan(240);
  });

  it('filters to CPUs 0,2,4,6 and groups by CPU', () => {
    const out = json<DpcJson>('dpc', backup, '--cpus', '0,2,4,6', '--by', 'cpu', '--json');
    const cpus = [...new Set(out.rows.map((r) => r.cpu))].sort((a, b) => a! - b!);
    expect(cpus).toEqual([0, 2, 4, 6]);
    for (const cpu of [0, 2, 4, 6]) {
      const truth = backupTruth.cpus.find((c) => c.cpu === cpu)!;
      const count = out.rows.filter((r) => r.cpu === cpu).reduce((n, r) => n + r.count, 0);
      expect(count).toBe(truth.dpcCount + truth.isrCount);
    }
  });

  it('exports every DPC/ISR row to CSV', () => {
    const csv = path.join(dir, 'rows.csv');
    const run = etlscope('dpc', backup, '--rows', '--csv', csv, '--type', 'dpc');
    expect(run.status).toBe(0);
    const lines = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const dpcCount = backupTruth.dpcIsr
      .filter((t) => !t.type.startsWith('ISR'))
      .reduce((n, t) => n + t.count, 0);
    expect(lines.length - 1).toBe(dpcCount);
    expect(lines[0]).toContain('Duration');
    const header = lines[0]!.split(',');
    const durationColumn = header.findIndex((h) => h.startsWith('Duration'));
    const sample = lines.find((l) => l.includes('ndisInterruptDpc'))!.split(',');
    expect(Number(sample[durationColumn])).toBeGreaterThan(0);
  });

  it('exports the grouped table to CSV, one row per module (no DPC/TimerDPC/ThreadedDPC split)', () => {
    const csv = path.join(dir, 'grouped.csv');
    const run = etlscope('dpc', backup, '--by', 'module', '--csv', csv);
    expect(run.status).toBe(0);
    const text = readFileSync(csv, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Module,Count,Total (ms),Exclusive (ms),Avg (µs),Max (µs),p50 (µs),p99 (µs),Over budget',
    );
    const byModule = new Map<string, number>();
    for (const t of backupTruth.dpcIsr) byModule.set(t.module, (byModule.get(t.module) ?? 0) + t.count);
    expect(lines.length - 1).toBe(byModule.size);
    for (const line of lines.slice(1)) {
      const [module, count] = line.split(',');
      expect(Number(count)).toBe(byModule.get(module!));
    }
  });

  it('restricts to a time range', () => {
    const all = json<DpcJson>('dpc', backup, '--by', 'module', '--json');
    const half = json<DpcJson>('dpc', backup, '--by', 'module', '--range', '0', '1000ms', '--json');
    const total = (o: DpcJson) => o.rows.reduce((n, r) => n + r.count, 0);
    expect(total(half)).toBeGreaterThan(0);
    expect(total(half)).toBeLessThan(total(all));
  });
});

describe('etlscope cpu and idle', () => {
  it('gives precise busy % per CPU equal to the scenario truth', () => {
    const out = json<{ source: string; rows: { cpu: number; busyPercent: number; dpcIsrMs: number }[] }>(
      'cpu',
      backup,
      '--json',
    );
    expect(out.source).toBe('precise');
    expect(out.rows.length).toBe(backupTruth.cpuCount);
    for (const t of backupTruth.cpus) {
      const row = out.rows.find((r) => r.cpu === t.cpu)!;
      expect(row.busyPercent).toBeCloseTo((100 * t.busyNs) / backupTruth.durationNs, 6);
      expect(row.dpcIsrMs).toBeCloseTo(t.dpcIsrUnionNs / 1e6, 3);
    }
  });

  it('gives C-state residency per CPU equal to the scenario truth', () => {
    const out = json<{ rows: { cpu: number; state: string; ms: number }[] }>('idle', idleTrace, '--json');
    for (const t of idleTruth.cpus) {
      for (const [state, ns] of Object.entries(t.cStateNs)) {
        const row = out.rows.find((r) => r.cpu === t.cpu && r.state === state);
        expect(row?.ms ?? 0, `CPU ${t.cpu} ${state}`).toBeCloseTo(ns / 1e6, 3);
      }
    }
  });

  it.runIf(existsSync(realTrace))(
    'gives sampled utilization and DPC/ISR samples by module on the real perfview trace',
    () => {
      const out = json<{
        source: string;
        rows: { cpu: number; busyMs: number }[];
        dpcIsrSamplesByModule: { kind: string; module: string; samples: number }[];
      }>('cpu', realTrace, '--json');
      expect(out.source).toBe('sampled');
      expect(out.rows.map((r) => r.cpu)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // Independent count with the reader alone: busy samples (thread ≠ idle, or inside a DPC/ISR) per CPU.
      const trace = openEtl(fileByteSource(realTrace));
      const busy = new Map<number, number>();
      let flagged = 0;
      trace.forEachEvent((ev) => {
        if (ev.hookId !== KernelHook.SampledProfile) return;
        const s = decodeSampledProfile(ev);
        if (s === undefined) return;
        if (s.threadId !== 0 || s.executingDpc || s.executingIsr)
          busy.set(ev.cpu, (busy.get(ev.cpu) ?? 0) + s.count);
        if (s.executingDpc || s.executingIsr) flagged += s.count;
      });
      trace.close();
      for (const row of out.rows) expect(row.busyMs).toBeCloseTo(busy.get(row.cpu) ?? 0, 6); // 1 ms per sample
      expect(out.dpcIsrSamplesByModule.reduce((n, r) => n + r.samples, 0)).toBe(flagged);
      expect(out.dpcIsrSamplesByModule.map((r) => r.module)).toContain('hal.dll');
    },
  );
});

describe('etlscope list', () => {
  it('lists the kernel images with the bases the scenario loaded them at', () => {
    const out = json<{ columns: string[]; rows: (string | number)[][] }>('list', backup, 'images', '--json');
    const base = out.columns.indexOf('Image Base');
    const module = out.columns.indexOf('Module');
    for (const image of backupTruth.images) {
      const name = image.file.split('\\').pop()!;
      const row = out.rows.find((r) => r[module] === name);
      expect(row, name).toBeDefined();
      expect(BigInt(String(row![base]))).toBe(BigInt(image.base));
    }
  });

  it('lists event kinds whose counts add up to every event in the trace', () => {
    const events = json<{ columns: string[]; rows: (string | number)[][]; totalRows: number }>(
      'list',
      backup,
      'events',
      '--json',
    );
    const info = json<{ events: number }>('info', backup, '--json');
    const count = events.columns.indexOf('Count');
    expect(events.rows.length).toBe(events.totalRows);
    expect(events.rows.reduce((n, r) => n + Number(r[count]), 0)).toBe(info.events);
  });
});

describe('etlscope info, report and errors', () => {
  it.runIf(existsSync(realTrace))('reports the header facts and counts of a real trace', () => {
    const out = json<Record<string, unknown> & { counts: Record<string, number> }>(
      'info',
      realTrace,
      '--json',
    );
    expect(out).toMatchObject({
      buffers: 360,
      compressedBuffers: 359,
      events: 179474,
      lostEvents: 0,
      build: 9200,
      cpuCount: 8,
      pointerSize: 8,
      loggerName: 'Relogger',
    });
    expect(out.durationSeconds).toBeGreaterThan(9);
    expect(out.counts['PerfInfo/SampledProfile']).toBe(79528);
    expect(out.counts['Image/DCStart']).toBe(1763);
  });

  it('writes a readable report with the guideline verdict', () => {
    const run = etlscope('report', backup);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/DPCs: [\d,]+ of [\d,]+ .* took longer than 100 µs/);
    expect(run.stdout).toContain('ndis.sys');
    expect(run.stdout).toContain('C-state residency');
  });

  it('fails clearly on a file that is not a trace', () => {
    const bogus = path.join(dir, 'notes.etl');
    writeFileSync(bogus, 'these are not the bytes you are looking for\n'.repeat(100));
    const run = etlscope('dpc', bogus);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/^etlscope: .*(not an ETL|ETL)/i);
    expect(run.stdout).toBe('');
  });

  it('fails clearly on a missing file and on bad usage', () => {
    const missing = etlscope('info', path.join(dir, 'nope.etl'));
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const usage = etlscope('dpc', backup, '--cpus', 'all-of-them');
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('--cpus');
  });
});

interface StackJson {
  name: string;
  samples: number;
  weightMs: number;
  children: StackJson[];
}

describe('etlscope stacks', () => {
  it('--dpc-isr: samples taken in DPCs/ISRs under the module of their sampled address, as written', () => {
    const { tree } = json<{ tree: StackJson }>('stacks', backup, '--dpc-isr', '--json');
    const truthTotal = backupTruth.cpus.reduce((n, c) => n + c.dpcSamples + c.isrSamples, 0);
    expect(tree.name).toBe('all');
    expect(tree.samples).toBe(truthTotal);
    expect(Object.fromEntries(tree.children.map((c) => [c.name, c.samples]))).toEqual(
      backupTruth.dpcIsrSamplesByModule,
    );
    // Every node's samples are its children's (frames with samples of their own have <itself>).
    const check = (node: StackJson) => {
      if (node.children.length === 0) return;
      expect([node.name, node.children.reduce((n, c) => n + c.samples, 0)]).toEqual([
        node.name,
        node.samples,
      ]);
      node.children.forEach(check);
    };
    check(tree);
  });

  it('--cpu --process: one process, with its stacks or <no stack>, and usage errors', () => {
    const { tree } = json<{ tree: StackJson }>(
      'stacks',
      backup,
      '--cpu',
      '--process',
      'sqlservr.exe',
      '--json',
    );
    expect(tree.children.map((c) => c.name.replace(/ \(\d+\)$/, ''))).toEqual(['sqlservr.exe']);
    const text = etlscope('stacks', backup, '--depth', '2');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^all {2}\d/m);
    const noFocus = etlscope('stacks', backup, '--view', 'callers');
    expect(noFocus.status).toBe(2);
    expect(noFocus.stderr).toContain('--focus');
    const misplaced = etlscope('dpc', backup, '--depth', '3');
    expect(misplaced.status).toBe(2);
    expect(misplaced.stderr).toContain('--depth is not an option of etlscope dpc');
  });
});

describe('etlscope and a symbol server', () => {
  it('a trace copied away from its PDBs gets the same names through _NT_SYMBOL_PATH=srv*CACHE*http://127.0.0.1:PORT/', async () => {
    const sample = path.join(root, 'assets', 'sample.etl');
    const copy = path.join(dir, 'copied', 'sample.etl');
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(path.dirname(copy), { recursive: true });
    copyFileSync(sample, copy);
    const { startSymbolServer, filesUnder } = await import('../symbols/test-fixtures.js');
    const server = await startSymbolServer(`${sample}.symbols`);
    const cache = path.join(dir, 'symbol-cache');
    const { execFile } = await import('node:child_process');
    const run = (file: string, env: Record<string, string>) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(
          process.execPath,
          [path.join(root, 'bin', 'etlscope.mjs'), 'dpc', file, '--by', 'module,function', '--json'],
          { cwd: root, env: { ...process.env, TZ: 'UTC', LC_ALL: 'C', ...env }, timeout: 120_000 },
          (error, stdout, stderr) => resolve({ code: error === null ? 0 : 1, stdout, stderr }),
        ),
      );
    try {
      const beside = await run(sample, { _NT_SYMBOL_PATH: '' });
      const bare = await run(copy, { _NT_SYMBOL_PATH: '' });
      const served = await run(copy, { _NT_SYMBOL_PATH: `srv*${cache}*${server.url}/` });
      for (const r of [beside, bare, served]) expect([r.code, r.stderr]).toEqual([0, '']);
      const names = (text: string) =>
        (JSON.parse(text) as DpcJson).rows.map((r) => `${r.module}!${r.function}`).sort();
      expect(names(beside.stdout)).toContain('ndis.sys!ndisInterruptDpc');
      expect(names(bare.stdout).every((n) => !n.endsWith('!ndisInterruptDpc'))).toBe(true);
      expect(names(served.stdout)).toEqual(names(beside.stdout));
      const cached = filesUnder(cache).map((f) => f.split(path.sep).join('/'));
      expect(cached).toContain('ndis.pdb/859CC0CC619D4F4484488CE5DEC4F9C93/ndis.pdb');
      expect(cached.every((f) => /^[^/]+\.pdb\/[0-9A-F]+\/[^/]+\.pdb$/.test(f))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
