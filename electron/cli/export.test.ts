// `etlscope export` as a fleet admin runs it: the writer's scenario traces exported to Parquet
// (and CSV), then read back with DuckDB — counts, sums and types checked against the CLI's own
// answers and the writer's truth.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate, type ScenarioTruth } from '../../scripts/writer/simulate.js';
import { etlscope, etlscopeJson } from './testing.js';

/** The writer's scenarios small enough for a unit test (`scale` is the benchmark's). */
const SCENARIO_NAMES = ['backupServer', 'audioWorkstation', 'deepIdle12Core'] as const;

let dir: string;
const traces: { name: string; file: string; truth: ScenarioTruth }[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-export-'));
  SCENARIO_NAMES.forEach((name, i) => {
    const file = path.join(dir, `${name}.etl`);
    traces.push({
      name,
      file,
      truth: simulate(SCENARIOS[name]!, { path: file, seconds: 1, seed: 20 + i }).truth,
    });
  });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function duck() {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    rows: async (sql: string) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[],
    close: () => instance.closeSync(),
  };
}

describe('etlscope export', () => {
  it('Parquet: one file per table per trace, typed columns, the same numbers as the CLI', async () => {
    const out = path.join(dir, 'parquet');
    const run = etlscope('export', ...traces.map((t) => t.file), '--out', out);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/export 3\/3 deepIdle12Core\.etl: dpc [\d,]+ rows/);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      traces
        .flatMap((t) =>
          ['dpc', 'cpu', 'idle', 'threads', 'samples', 'images', 'processes'].map(
            (table) => `${t.name}.${table}.parquet`,
          ),
        )
        .sort(),
    );
    const db = await duck();
    try {
      const types = Object.fromEntries(
        (await db.rows(`DESCRIBE SELECT * FROM '${out}/backupServer.dpc.parquet'`)).map((r) => [
          r.column_name,
          r.column_type,
        ]),
      );
      expect(types).toMatchObject({
        trace: 'VARCHAR',
        cpu: 'INTEGER',
        type: 'VARCHAR',
        module: 'VARCHAR',
        function: 'VARCHAR',
        enter_s: 'DOUBLE',
        exit_s: 'DOUBLE',
        duration_us: 'DOUBLE',
        exclusive_us: 'DOUBLE',
      });
      const codecs = await db.rows(
        `SELECT DISTINCT compression FROM parquet_metadata('${out}/backupServer.dpc.parquet')`,
      );
      expect(codecs.map((r) => r.compression)).toEqual(['ZSTD']);
      // One query across every trace of the fleet: per trace and module, count and total.
      const perModule = await db.rows(
        `SELECT trace, module, count(*) AS n, sum(duration_us) AS total_us, max(duration_us) AS max_us FROM '${out}/*.dpc.parquet' GROUP BY ALL`,
      );
      for (const t of traces) {
        const cli = etlscopeJson<{
          rows: { module: string; count: number; totalMs: number; maxUs: number }[];
        }>('dpc', t.file, '--by', 'module', '--json');
        const exported = perModule.filter((r) => r.trace === `${t.name}.etl`);
        expect(exported.length).toBe(cli.rows.length);
        for (const row of cli.rows) {
          const e = exported.find((r) => r.module === row.module)!;
          expect(Number(e.n)).toBe(row.count);
          expect(Number(e.total_us) / 1000).toBeCloseTo(row.totalMs, 3);
          expect(Number(e.max_us)).toBeCloseTo(row.maxUs, 3);
        }
        const truthCount = t.truth.dpcIsr.reduce((n, d) => n + d.count, 0);
        expect(exported.reduce((n, r) => n + Number(r.n), 0)).toBe(truthCount);
        // The other tables against the CLI on the first trace only (each check is a CLI run).
        if (t !== traces[0]) continue;
        const [samples] = await db.rows(
          `SELECT count(*) AS n, sum(weight_ms) AS ms FROM '${out}/${t.name}.samples.parquet'`,
        );
        const info = etlscopeJson<{ counts: Record<string, number> }>('info', t.file, '--json');
        expect(Number(samples!.n)).toBe(info.counts['PerfInfo/SampledProfile'] ?? 0);
        const cpu = etlscopeJson<{ rows: { cpu: number; busyPercent: number }[] }>('cpu', t.file, '--json');
        const cpuRows = await db.rows(
          `SELECT cpu, busy_percent FROM '${out}/${t.name}.cpu.parquet' ORDER BY cpu`,
        );
        expect(cpuRows.map((r) => [r.cpu, Number(r.busy_percent).toFixed(6)])).toEqual(
          cpu.rows.map((r) => [r.cpu, r.busyPercent.toFixed(6)]),
        );
        const [threads] = await db.rows(`SELECT count(*) AS n FROM '${out}/${t.name}.threads.parquet'`);
        const list = etlscopeJson<{ rows: unknown[] }>('list', t.file, 'threads', '--json');
        expect(Number(threads!.n)).toBe(list.rows.length);
      }
    } finally {
      db.close();
    }
  });

  it('CSV: the same columns with a trace column, in the one CSV convention; bad usage refused', async () => {
    const out = path.join(dir, 'csv');
    const t = traces[0]!;
    const run = etlscope('export', t.file, '--out', out, '--format=csv', '--tables', 'dpc,idle');
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual([`${t.name}.dpc.csv`, `${t.name}.idle.csv`]);
    const text = readFileSync(path.join(out, `${t.name}.dpc.csv`), 'utf8');
    expect(
      text.startsWith(
        '\uFEFFtrace,cpu,type,module,function,address,enter_s,exit_s,duration_us,exclusive_us\r\n',
      ),
    ).toBe(true);
    const lines = text.slice(1).trimEnd().split('\r\n');
    expect(lines.length - 1).toBe(t.truth.dpcIsr.reduce((n, d) => n + d.count, 0));
    expect(lines[1]!.startsWith(`${t.name}.etl,`)).toBe(true);
    const db = await duck();
    try {
      const [fromCsv] = await db.rows(`SELECT count(*) AS n FROM read_csv('${out}/${t.name}.dpc.csv')`);
      expect(Number(fromCsv!.n)).toBe(lines.length - 1);
    } finally {
      db.close();
    }
    const noOut = etlscope('export', t.file);
    expect([noOut.status, noOut.stderr]).toEqual([2, 'etlscope: etlscope export needs --out DIR\n']);
    const badTable = etlscope('export', t.file, '--out', out, '--tables', 'dpc,planets');
    expect(badTable.status).toBe(2);
    expect(badTable.stderr).toContain('--tables takes dpc,cpu,idle,threads,samples,images,processes');
  });

  it('threads, images and processes are exported whole, paged past the per-query bound', () => {
    const out = path.join(dir, 'paged');
    const t = traces[0]!;
    // A page of 3 rows stands in for the engine's 100,000: every table spans several pages.
    process.env.ETLSCOPE_EXPORT_PAGE_ROWS = '3';
    let run;
    try {
      run = etlscope(
        'export',
        t.file,
        '--out',
        out,
        '--format',
        'csv',
        '--tables',
        'threads,images,processes',
      );
    } finally {
      delete process.env.ETLSCOPE_EXPORT_PAGE_ROWS;
    }
    expect(run.status, run.stderr).toBe(0);
    for (const table of ['threads', 'images', 'processes']) {
      const lines = readFileSync(path.join(out, `${t.name}.${table}.csv`), 'utf8')
        .slice(1)
        .trimEnd()
        .split('\r\n');
      const list = etlscopeJson<{ rows: unknown[] }>('list', t.file, table, '--json');
      expect(list.rows.length, table).toBeGreaterThan(3);
      expect([table, lines.length - 1]).toEqual([table, list.rows.length]);
      // No row twice (pages neither overlap nor skip).
      expect(new Set(lines.slice(1)).size, table).toBe(lines.length - 1);
    }
  });
});
