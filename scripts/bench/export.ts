// Export throughput for `npm run bench` (issue 12): `etlscope export` of a generated trace to
// Parquet, run as a user runs it (the built CLI bundle in a fresh process), timed wall-clock.
// Figures: MB/s of trace, rows/s written, and the process's peak resident memory (its parser
// workers and DuckDB run inside it, so maxRSS covers all three).
//   run.ts ──for each trace──> benchExport(file) ──spawn──> node <wrapper> export FILE --out DIR
// Standalone: node --import tsx scripts/bench/export.ts FILE… (or --sizes 200MiB to generate).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cliBundle = path.join(root, 'dist', 'node', 'cli.mjs');

export interface ExportFigures {
  readonly file: string;
  readonly traceMB: number;
  readonly seconds: number;
  readonly rows: number;
  readonly outputMB: number;
  readonly traceMBPerSecond: number;
  readonly rowsPerSecond: number;
  readonly peakRssMB: number;
}

/** Exports `file` (every table, Parquet) into a temporary folder next to it, then removes it. */
export function benchExport(file: string): ExportFigures {
  const out = mkdtempSync(path.join(path.dirname(file), 'export-bench-'));
  // The CLI bundle runs unchanged; the wrapper only reports maxRSS when the process exits.
  const wrapper = path.join(out, 'peak.mjs');
  writeFileSync(
    wrapper,
    `process.on('exit', () => process.stderr.write('\\nPEAK_RSS_KB ' + process.resourceUsage().maxRSS + '\\n'));\nawait import(${JSON.stringify(pathToFileURL(cliBundle).href)});\n`,
  );
  try {
    const started = performance.now();
    const child = spawnSync(process.execPath, [wrapper, 'export', file, '--out', path.join(out, 'files')], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = (performance.now() - started) / 1000;
    if (child.status !== 0) throw new Error(`etlscope export failed: ${child.stderr}`);
    const rows = /exported ([\d,]+) rows/.exec(child.stderr)?.[1]?.replace(/,/g, '');
    const peak = /PEAK_RSS_KB (\d+)/.exec(child.stderr)?.[1];
    const outputBytes = readdirSync(path.join(out, 'files')).reduce(
      (n, f) => n + statSync(path.join(out, 'files', f)).size,
      0,
    );
    const traceMB = statSync(file).size / 1e6;
    return {
      file: path.basename(file),
      traceMB,
      seconds,
      rows: Number(rows ?? 0),
      outputMB: outputBytes / 1e6,
      traceMBPerSecond: traceMB / seconds,
      rowsPerSecond: Number(rows ?? 0) / seconds,
      peakRssMB: Number(peak ?? 0) / 1024,
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

export function printExport(f: ExportFigures): void {
  console.log(
    `  export ${f.file} (${f.traceMB.toFixed(0)} MB) → Parquet: ${f.seconds.toFixed(1)} s, ${f.traceMBPerSecond.toFixed(1)} MB/s of trace, ` +
      `${Math.round(f.rowsPerSecond).toLocaleString('en-US')} rows/s (${f.rows.toLocaleString('en-US')} rows, ${f.outputMB.toFixed(1)} MB written), peak RSS ${f.peakRssMB.toFixed(0)} MB (${(f.peakRssMB / f.traceMB).toFixed(2)} × the trace)`,
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizesIndex = process.argv.indexOf('--sizes');
  const files = process.argv.slice(2).filter((a, i) => !a.startsWith('--') && i + 2 !== sizesIndex + 1);
  if (sizesIndex >= 0) {
    const { SCENARIOS } = await import('../writer/scenarios.js');
    const { simulate } = await import('../writer/simulate.js');
    for (const size of process.argv[sizesIndex + 1]!.split(',')) {
      const mib = Number(/^(\d+)MiB$/i.exec(size)?.[1]);
      const file = path.join(root, 'bench-data', `scale-${mib}MiB.etl`);
      try {
        statSync(file);
      } catch {
        console.log(`generating ${file}…`);
        mkdirSync(path.dirname(file), { recursive: true });
        simulate(SCENARIOS.scale!, { path: file, targetBytes: mib * 1024 ** 2, seed: 7 });
      }
      files.push(file);
    }
  }
  console.log(`== export (${os.cpus().length} cores, Node ${process.version})`);
  for (const file of files) printExport(benchExport(file));
}
