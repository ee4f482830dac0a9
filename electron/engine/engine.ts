// The query engine over one finalized model: dispatches contract queries to their runners and
// streams CSV exports. Used directly by the in-process session and inside the engine worker.
//
//   Query ──validate──> runPivot | runHistogram | runSeries | runFind | runList ──> bounded result
//   ExportRequest ──> filteredDpcRows (k-way merge, lazy) ──> 1 MiB text chunks ──> file

import { closeSync, openSync, writeSync } from 'node:fs';
import {
  DPC_CSV_COLUMNS,
  DPC_TYPES,
  type ExportRequest,
  type ModuleSymbols,
  type PivotNode,
  type Query,
  type QueryFilter,
  type QueryResult,
  type ResultOf,
  type TableId,
} from '../../shared/contract.js';
import { buildAllDpcAtomsSteps } from './dpc-atoms.js';
import type { PdbIdentity, SymbolTable } from '../symbols/types.js';
import { dpcExclusive, type EngineModel } from './model.js';
import {
  buildTableSpecs,
  EngineError,
  throwIfCancelled,
  type CancelToken,
  type TableSpec,
} from './query-common.js';
import { dpcRowAt, dpcRowsInRange, filteredDpcRows, runFind, runHistogram } from './query-dpc.js';
import { runDpcEvents } from './query-events.js';
import { PivotScratch, runPivot } from './query-pivot.js';
import { runSeries } from './query-series.js';
import { runList } from './query-tables.js';
import { isSchedQuery, runSchedQuery } from './sched/run.js';
import { runStacks, StackScratch } from './stacks/query-stacks.js';
import { sampleAtoms } from './stacks/sample-atoms.js';
import { buildSymbolization } from './symbolize.js';

/** Bytes of CSV text collected before one write: big enough to amortize syscalls, small
 *  enough that export memory stays flat. */
const CSV_CHUNK_CHARS = 1 << 20;
/** What one slice of an export has written so far (`totalRows`: the rows it will write, at most). */
export interface ExportSliceProgress {
  readonly rows: number;
  readonly bytes: number;
  readonly totalRows?: number;
}
const TABLES: readonly TableId[] = ['dpcIsr', 'cpuPrecise', 'cpuSampled', 'idleStates'];

export class Engine {
  specs: Record<TableId, TableSpec>;
  /** Reused pivot buffers (and the pivot's block-path threshold, which tests lower or raise). */
  readonly scratch = new PivotScratch();
  readonly stackScratch = new StackScratch();
  /** Per PDB identity (symbol-load.ts `symbolStatusKey`), the outcome of the last symbol load. */
  symbolStatus = new Map<string, ModuleSymbols>();

  /** `tracePath`: the file the model came from (its `<trace>.symbols/` is searched for symbols). */
  constructor(
    readonly model: EngineModel,
    readonly tracePath?: string,
  ) {
    this.specs = buildTableSpecs(model);
  }

  /**
   * Re-labels every function under more symbols (a symbol path or server, after the load): the
   * rows keep their code locations, only the model's symbolization and the table specs change, so
   * the next query of any view shows the new names. `tableOf` answers per PDB identity (undefined:
   * keep what the group had). Returns the new symbolization's version.
   */
  applySymbols(tableOf: (pdb: PdbIdentity) => SymbolTable | undefined): number {
    const model = this.model;
    const previous = model.symbols;
    const locations = model.dict.locations;
    model.symbols = buildSymbolization(
      model.dict.modules,
      locations,
      model.dict.routineLocation,
      (group) => {
        const pdb = locations.groupPdb[group];
        return (pdb !== undefined ? tableOf(pdb) : undefined) ?? previous.groupTables[group];
      },
      previous.version + 1,
    );
    this.specs = buildTableSpecs(model);
    return model.symbols.version;
  }

  /** Builds the lazily built indexes (DPC atoms, whole-trace and per time block) now, e.g. while the UI draws the overview. */
  warmUp(): void {
    for (const _ of this.warmUpSteps());
  }

  /** warmUp in steps of a fraction of a second (the worker answers the graphs' series between
   *  them); yields true once whole-trace pivots are fast (the zoomed-range levels follow). */
  *warmUpSteps(): Generator<boolean, void, undefined> {
    if (this.model.dpc.length > 0) yield* buildAllDpcAtomsSteps(this.model);
    // Stack views read sample atoms (stacks/sample-atoms.ts): built here, not by the first query —
    // after the DPC levels, which the pivots of a just-opened trace wait for (no view at open
    // needs these; a query that does builds them itself).
    sampleAtoms(this.model);
  }

  private spec(table: unknown): TableSpec {
    if (!TABLES.includes(table as TableId))
      throw new EngineError(`Unknown table "${String(table)}".`, 'bad-request');
    return this.specs[table as TableId];
  }

  query<Q extends Query>(query: Q, token: CancelToken): ResultOf<Q> {
    throwIfCancelled(token);
    if (typeof query !== 'object' || query === null)
      throw new EngineError('The query is not an object.', 'bad-request');
    const q = query as Query;
    if (q.kind === 'list') return runList(this.model, q, token) as ResultOf<Q>;
    if (isSchedQuery(q)) return runSchedQuery(this.model, this.tracePath, q, token) as ResultOf<Q>;
    if (typeof q.filter !== 'object' || q.filter === null)
      throw new EngineError('The query has no filter.', 'bad-request');
    let result: QueryResult;
    switch (q.kind) {
      case 'pivot':
        if (!Array.isArray(q.groupBy))
          throw new EngineError('groupBy must be a list of columns.', 'bad-request');
        result = runPivot(this.model, this.spec(q.table), q, token, this.scratch);
        break;
      case 'histogram':
        if (q.scheme !== 'doubling' && q.scheme !== 'latencymon')
          throw new EngineError(`Unknown histogram scheme "${String(q.scheme)}".`, 'bad-request');
        result = runHistogram(this.model, this.specs.dpcIsr, q, token);
        break;
      case 'series':
        if (!['utilization', 'dpcIsrTime', 'cstate', 'dpcDurations'].includes(q.metric))
          throw new EngineError(`Unknown series metric "${String(q.metric)}".`, 'bad-request');
        result = runSeries(this.model, this.specs, q, token);
        break;
      case 'stacks':
        result = runStacks(this.model, this.specs, q, token, this.stackScratch);
        break;
      case 'find':
        if (q.direction !== 'next' && q.direction !== 'previous')
          throw new EngineError('direction must be next or previous.', 'bad-request');
        result = runFind(this.model, this.specs.dpcIsr, q, token);
        break;
      case 'dpcEvents':
        result = runDpcEvents(this.model, this.specs.dpcIsr, q, token);
        break;
      default:
        throw new EngineError(
          `Unknown query kind "${String((q as { kind?: unknown }).kind)}".`,
          'bad-request',
        );
    }
    return result as ResultOf<Q>;
  }

  /** Every profile sample in the filter's range and CPUs, one CSV line each (for `etlscope export`). */
  private exportSampleRows(filter: QueryFilter, token: CancelToken, write: (text: string) => void): number {
    const s = this.model.samples;
    const d = this.model.dict;
    const sym = this.model.symbols;
    const start = filter.range !== undefined ? Number(filter.range.start) : -Infinity;
    const end = filter.range !== undefined ? Number(filter.range.end) : Infinity;
    const cpus = filter.cpus !== undefined ? new Set(filter.cpus) : undefined;
    write('\uFEFF' + SAMPLE_CSV_COLUMNS.map(csvField).join(',') + '\r\n');
    let rows = 0;
    // Cells that depend only on the thread (process, TID) or the location (module, function):
    // built once each, as the DPC export does per routine.
    const threadCells: (string | undefined)[] = [];
    const locationCells: (string | undefined)[] = [];
    for (let cpu = 0; cpu + 1 < s.cpuOffsets.length; cpu++) {
      if (cpus !== undefined && !cpus.has(cpu)) continue;
      for (let i = s.cpuOffsets[cpu]!; i < s.cpuOffsets[cpu + 1]!; i++) {
        if ((i & 0xffff) === 0) throwIfCancelled(token);
        const time = s.time[i]!;
        if (time < start || time > end) continue;
        const thread = s.thread[i]!;
        const location = s.location[i]!;
        let who = threadCells[thread + 1];
        if (who === undefined) {
          who = `${csvField(d.processLabels[d.threadProcess[thread]!] ?? '')},${thread >= 0 ? d.threadTids[thread]! : ''}`;
          threadCells[thread + 1] = who;
        }
        let where = locationCells[location + 1];
        if (where === undefined) {
          const func = sym.locationFunc[location] ?? -1;
          where = `${csvField(d.modules[sym.funcModule[func]!] ?? 'Unknown')},${csvField(sym.functionName(func))}`;
          locationCells[location + 1] = where;
        }
        const flags = s.flags[i]!;
        write(
          `${cpu},${(time / 1e9).toFixed(9)},${who},${where},${flags & 1 ? 'DPC' : flags & 2 ? 'ISR' : '-'},${(s.weight[i]! / 1e6).toFixed(6)}\r\n`,
        );
        rows++;
      }
    }
    return rows;
  }

  /** Writes the whole CSV to `path` at once (CLI, tests); returns the number of data rows. */
  exportCsv(request: ExportRequest, path: string, token: CancelToken): { rows: number } {
    let last: ExportSliceProgress = { rows: 0, bytes: 0 };
    for (const progress of this.exportCsvSlices(request, path, token)) last = progress;
    return { rows: last.rows };
  }

  /**
   * The CSV export in slices: writes to `path` one CSV_CHUNK_CHARS chunk at a time and yields the
   * rows and bytes written after each write (the first yield, before any row, carries
   * `totalRows`). The engine worker runs a few slices per turn of its message loop, so queries
   * that arrive meanwhile are answered between slices; `exportCsv` runs them all at once. The file
   * is closed when the generator finishes, throws (cancelled) or is returned early.
   */
  *exportCsvSlices(
    request: ExportRequest,
    path: string,
    token: CancelToken,
  ): Generator<ExportSliceProgress, void, undefined> {
    throwIfCancelled(token);
    const fd = openSync(path, 'w');
    try {
      let chunk = '';
      let rows = 0;
      let bytes = 0;
      let totalRows: number | undefined;
      const progress = (): ExportSliceProgress => ({
        rows,
        bytes,
        ...(totalRows !== undefined ? { totalRows } : {}),
      });
      const flush = () => {
        if (chunk.length > 0) bytes += writeSync(fd, chunk);
        chunk = '';
      };
      if (request.what === 'rows' && request.table === 'cpuSampled') {
        // Not sliced (the app exports DPC/ISR rows only; the CLI uses this): written in chunks.
        rows = this.exportSampleRows(request.filter, token, (text) => {
          chunk += text;
          if (chunk.length >= CSV_CHUNK_CHARS) flush();
        });
        totalRows = rows;
      } else if (request.what === 'rows') {
        if (request.table !== 'dpcIsr')
          throw new EngineError(
            'Row export is available for the DPC/ISR and sampled CPU tables.',
            'bad-request',
          );
        totalRows = dpcRowsInRange(this.model, this.specs.dpcIsr, request.filter);
        yield progress();
        chunk += '\uFEFF' + DPC_CSV_COLUMNS.map(csvField).join(',') + '\r\n';
        // The module, function and address cells depend only on the routine: built once per
        // routine (dpcRowAt's text for it), not per row — a 1 GiB trace has 12.7 M rows but a few
        // hundred routines, and the per-row strings were most of the export's time and garbage.
        const routineCells: (string | undefined)[] = [];
        const dpc = this.model.dpc;
        for (const [cpu, i] of filteredDpcRows(this.model, this.specs.dpcIsr, request.filter, token)) {
          const routine = dpc.routine[i]!;
          let cells = routineCells[routine];
          if (cells === undefined) {
            const r = dpcRowAt(this.model, cpu, i);
            cells = `${csvField(r.module)},${csvField(r.function)},${r.address}`;
            routineCells[routine] = cells;
          }
          const enter = dpc.enter[i]!;
          const duration = dpc.duration[i]!;
          chunk += `${cpu},${DPC_TYPES[dpc.kind[i]!]!},${cells},${(enter / 1e9).toFixed(9)},${((enter + duration) / 1e9).toFixed(9)},${(duration / 1e3).toFixed(3)},${(dpcExclusive(dpc, i) / 1e3).toFixed(3)}\r\n`;
          rows++;
          if (chunk.length >= CSV_CHUNK_CHARS) {
            flush();
            yield progress();
          }
        }
        // Rows the filter dropped were counted in the range's total: the finished export has
        // written all there are.
        totalRows = rows;
      } else {
        const groupBy = request.groupBy ?? [];
        const result = runPivot(
          this.model,
          this.spec(request.table),
          { kind: 'pivot', table: request.table, filter: request.filter, groupBy, limitPerLevel: 1_000_000 },
          token,
          this.scratch,
        );
        const header = [
          ...groupBy.map((c) => c[0]!.toUpperCase() + c.slice(1)),
          'Count',
          'Total (ms)',
          'Min (µs)',
          'Max (µs)',
          'Avg (µs)',
          'p50 (µs)',
          'p90 (µs)',
          'p99 (µs)',
          'Over budget',
          'Percent',
        ];
        chunk += '\uFEFF' + header.map(csvField).join(',') + '\r\n';
        const walk = (nodes: readonly PivotNode[], keys: string[]) => {
          for (const node of nodes) {
            const here = [...keys, node.key];
            const a = node.aggregates;
            const cells = [...here, ...new Array<string>(groupBy.length - here.length).fill('')];
            chunk +=
              [
                ...cells.map(csvField),
                a.count,
                a.totalMs.toFixed(6),
                a.minUs.toFixed(3),
                a.maxUs.toFixed(3),
                a.avgUs.toFixed(3),
                a.p50Us.toFixed(3),
                a.p90Us.toFixed(3),
                a.p99Us.toFixed(3),
                a.overBudget,
                a.percent.toFixed(4),
              ].join(',') + '\r\n';
            rows++;
            if (chunk.length >= CSV_CHUNK_CHARS) flush();
            if (node.children !== undefined) walk(node.children, here);
          }
        };
        // A pivot has at most a few thousand lines (limitPerLevel caps the groups): one slice.
        walk(result.rows, []);
        totalRows = rows;
      }
      flush();
      yield progress();
    } finally {
      closeSync(fd);
    }
  }
}

/** Header of the sampled-profile row export (WPA's CPU Usage (Sampled) names). */
export const SAMPLE_CSV_COLUMNS = [
  'CPU',
  'Time (s)',
  'Process',
  'TID',
  'Module',
  'Function',
  'DPC/ISR',
  'Weight (ms)',
] as const;

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
