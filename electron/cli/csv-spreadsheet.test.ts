// Every CSV etlscope writes opens in a real spreadsheet reader with its `µs` headers intact and
// no stray BOM or CR in a cell: LibreOffice headless (Debian's libreoffice-calc-nogui, which
// .ci/run installs) converts each to HTML, which we read back. Skips, saying why, without soffice.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { simulate } from '../../scripts/writer/simulate.js';
import { etlscope } from './testing.js';

const soffice = ['soffice', 'libreoffice'].find(
  (name) => spawnSync(name, ['--version'], { encoding: 'utf8' }).status === 0,
);
if (soffice === undefined)
  console.warn(
    'csv-spreadsheet.test.ts: skipped — LibreOffice (soffice) is not installed; apt-get install -y --no-install-recommends libreoffice-calc-nogui',
  );

let dir: string;
let trace: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'etlscope-sheet-'));
  trace = path.join(dir, 'backup.etl');
  simulate(SCENARIOS.backupServer!, { path: trace, seconds: 0.25, seed: 9 });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The cells of an HTML table as LibreOffice writes it. */
function htmlRows(html: string): string[][] {
  return [...html.matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) =>
      cell[1]!
        .replace(/<[^>]+>/g, '')
        .replace(/&amp;/g, '&')
        .trim(),
    ),
  );
}

describe.runIf(soffice !== undefined)('CSV files in LibreOffice', () => {
  it('grouped, row, cpu, idle, list and threads CSVs keep µs headers, no BOM in the first cell, no CR in cells', () => {
    const csv = (name: string) => path.join(dir, name);
    const writes: [string, string[]][] = [
      ['grouped.csv', ['dpc', trace, '--by', 'type,module', '--csv', csv('grouped.csv')]],
      ['rows.csv', ['dpc', trace, '--rows', '--csv', csv('rows.csv')]],
      ['cpu.csv', ['cpu', trace, '--csv', csv('cpu.csv')]],
      ['idle.csv', ['idle', trace, '--csv', csv('idle.csv')]],
      ['images.csv', ['list', trace, 'images', '--csv', csv('images.csv')]],
      ['threads.csv', ['threads', trace, '--csv', csv('threads.csv')]],
    ];
    for (const [, args] of writes) expect(etlscope(...args).status).toBe(0);
    const outDir = path.join(dir, 'html');
    mkdirSync(outDir);
    // 44,34,76: comma-separated, double-quoted, UTF-8 — what LibreOffice's import dialog proposes
    // for a file with a UTF-8 BOM.
    const converted = spawnSync(
      soffice!,
      [
        '--headless',
        '--infilter=CSV:44,34,76',
        '--convert-to',
        'html',
        '--outdir',
        outDir,
        ...writes.map(([n]) => csv(n)),
      ],
      { encoding: 'utf8', env: { ...process.env, HOME: dir }, timeout: 120_000 },
    );
    expect(converted.status, converted.stderr).toBe(0);
    for (const [name] of writes) {
      const original = readFileSync(csv(name), 'utf8').slice(1).trimEnd().split('\r\n');
      const rows = htmlRows(readFileSync(path.join(outDir, name.replace('.csv', '.html')), 'utf8'));
      expect(rows.length, name).toBe(original.length);
      const header = rows[0]!;
      expect(header[0], name).toBe(original[0]!.split(',')[0]);
      expect(header.join(','), name).toBe(original[0]);
      for (const row of rows)
        for (const cell of row) expect(cell.includes('\r') || cell.includes('\uFEFF'), name).toBe(false);
    }
    const grouped = htmlRows(readFileSync(path.join(outDir, 'grouped.html'), 'utf8'))[0]!;
    expect(grouped).toContain('Avg (µs)');
    const rowsHeader = htmlRows(readFileSync(path.join(outDir, 'rows.html'), 'utf8'))[0]!;
    expect(rowsHeader).toContain('Duration (µs)');
    expect(rowsHeader).toContain('Exclusive Duration (µs)');
    const threadsHeader = htmlRows(readFileSync(path.join(outDir, 'threads.html'), 'utf8'))[0]!;
    expect(threadsHeader).toEqual([
      'Process',
      'Process Id',
      'Thread Id',
      'Thread Name',
      'Switches',
      'Running (ms)',
      'Ready (ms)',
      'Waiting (ms)',
      'Avg Run (µs)',
      'Max Ready (µs)',
      'Switches/s',
    ]);
  });
});
