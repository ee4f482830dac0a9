// ListQuery: WPA's Processes, Threads and Images tables and the events-per-kind table, read from
// the finalized model (model.processes / threads / images, summary.counts; threads' CPU usage from
// the run table). These tables hold thousands of rows, not millions: each query builds its rows,
// filters, sorts and cuts them to the limit (bounded result).
//
//   ListQuery ──rows of the table──> range (lifetime overlaps) ──> text ──> sort ──> limit ──> ListResult

import { identityKey, pdbBaseName, type PdbIdentity, type SymbolTable } from '../symbols/types.js';
import { LIST_COLUMNS, LIST_TABLES, type ListQuery, type ListResult } from '../../shared/contract.js';
import { addressKeyHex } from './images.js';
import { runRowEnd, type EngineModel } from './model.js';
import { EngineError, throwIfCancelled, type CancelToken } from './query-common.js';

/** Rows returned when the query gives no limit. */
const DEFAULT_LIST_LIMIT = 1000;
/** Upper bound of `limit` (same bound as a pivot level; ~10 MB of JSON at most). */
export const MAX_LIST_LIMIT = 100_000;

type Cell = string | number;
interface Row {
  readonly cells: Cell[];
  /** Lifetime for the range filter (±Infinity when open). */
  readonly from: number;
  readonly to: number;
}

const seconds = (ns: number): Cell => (Number.isFinite(ns) ? ns / 1e9 : '');

export function runList(model: EngineModel, query: ListQuery, token: CancelToken): ListResult {
  if (!LIST_TABLES.includes(query.table))
    throw new EngineError(`Unknown list table "${String(query.table)}".`, 'bad-request');
  const columns = LIST_COLUMNS[query.table];
  const filter = query.filter ?? {};
  let rangeStart = -Infinity;
  let rangeEnd = Infinity;
  if (filter.range !== undefined) {
    rangeStart = Number(filter.range.start);
    rangeEnd = Number(filter.range.end);
    if (!Number.isFinite(rangeStart) || !Number.isFinite(rangeEnd) || rangeEnd < rangeStart)
      throw new EngineError('The time range is not valid (end before start).', 'bad-request');
  }
  const sortBy = query.sortBy ?? (query.table === 'events' ? 'Count' : columns[0]!);
  const sortColumn = columns.indexOf(sortBy);
  if (sortColumn < 0)
    throw new EngineError(`The ${query.table} list has no column "${sortBy}".`, 'bad-request');
  const descending = query.descending ?? (query.table === 'events' && query.sortBy === undefined);
  const limit = query.limit ?? DEFAULT_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw new EngineError(`limit must be an integer from 1 to ${MAX_LIST_LIMIT}.`, 'bad-request');
  const offset = query.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0)
    throw new EngineError('offset must be a whole number of rows.', 'bad-request');

  const all =
    query.table === 'processes'
      ? processRows(model)
      : query.table === 'threads'
        ? threadRows(model, rangeStart, rangeEnd, token)
        : query.table === 'images'
          ? imageRows(model)
          : eventRows(model);
  throwIfCancelled(token);
  const text = filter.text?.toLowerCase() ?? '';
  // A lifetime [from, to] overlaps the range when it starts before the range ends and ends at or
  // after the range starts (a process that ended exactly at the range start is still listed).
  const kept = all.filter(
    (r) =>
      r.from <= rangeEnd &&
      r.to >= rangeStart &&
      (text === '' || r.cells.some((c) => typeof c === 'string' && c.toLowerCase().includes(text))),
  );
  const sign = descending ? -1 : 1;
  kept.sort((a, b) => {
    const primary = compareCells(a.cells[sortColumn]!, b.cells[sortColumn]!);
    return primary !== 0 ? sign * primary : compareCells(a.cells[0]!, b.cells[0]!);
  });
  return {
    kind: 'list',
    table: query.table,
    columns: [...columns],
    rows: kept.slice(offset, offset + limit).map((r) => r.cells),
    totalRows: kept.length,
  };
}

/** Numbers before text, '' (unknown) first; numbers numerically, text by code units. */
function compareCells(a: Cell, b: Cell): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return b === '' ? 1 : -1;
  if (typeof b === 'number') return a === '' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function processRows(model: EngineModel): Row[] {
  const threadsPer = new Int32Array(model.processes.length);
  for (const p of model.dict.threadProcess) if (p >= 0 && p < threadsPer.length) threadsPer[p]!++;
  return model.processes.map((p, index) => ({
    cells: [
      processName(model, index),
      p.processId,
      p.parentId,
      seconds(p.startNs),
      seconds(p.endNs),
      p.commandLine,
      threadsPer[index]!,
    ],
    from: p.startNs,
    to: p.endNs,
  }));
}

/** "System" from the label "System (4)"; the placeholder for unknown processes is "Unknown". */
function processName(model: EngineModel, index: number): string {
  const label = model.dict.processLabels[index] ?? '';
  const cut = label.lastIndexOf(' (');
  return cut >= 0 ? label.slice(0, cut) : label;
}

function threadRows(model: EngineModel, rangeStart: number, rangeEnd: number, token: CancelToken): Row[] {
  const run = model.run;
  const cpuNs = new Float64Array(model.threads.length);
  for (let cpu = 0; cpu + 1 < run.cpuOffsets.length; cpu++) {
    for (let i = run.cpuOffsets[cpu]!; i < run.cpuOffsets[cpu + 1]!; i++) {
      if ((i & 0xffff) === 0) throwIfCancelled(token);
      const thread = run.thread[i]!;
      if (thread < 0 || thread >= cpuNs.length) continue;
      const length = Math.min(runRowEnd(run, cpu, i), rangeEnd) - Math.max(run.start[i]!, rangeStart);
      if (length > 0) cpuNs[thread]! += length;
    }
  }
  const hasPrecise = run.length > 0;
  // Sampled traces (no context switches): the thread's sample weight in the range, as WPA's
  // CPU Usage (Sampled) "Weight" — each sample stands for one profile interval of that thread.
  const samples = model.samples;
  const hasSampled = !hasPrecise && samples.length > 0;
  if (hasSampled) {
    for (let i = 0; i < samples.length; i++) {
      if ((i & 0xffff) === 0) throwIfCancelled(token);
      const time = samples.time[i]!;
      if (time < rangeStart || time > rangeEnd) continue;
      const thread = samples.thread[i]!;
      if (thread >= 0 && thread < cpuNs.length) cpuNs[thread]! += samples.weight[i]!;
    }
  }
  return model.threads.map((t, index) => ({
    cells: [
      t.threadId,
      model.dict.processLabels[model.dict.threadProcess[index]!] ?? '',
      t.name,
      seconds(t.startNs),
      seconds(t.endNs),
      hasPrecise || hasSampled ? cpuNs[index]! / 1e6 : '',
    ],
    from: t.startNs,
    to: t.endNs,
  }));
}

const pdbKey = (pdb: PdbIdentity): string =>
  `${pdbBaseName(pdb.name).toLowerCase()}\u0000${identityKey(pdb)}`;

function imageRows(model: EngineModel): Row[] {
  // The process an image belongs to: the instance of its PID alive at the load; kernel images
  // (kept with PID 0 by images.ts) show as 'Kernel'.
  const byPid = new Map<number, number[]>();
  model.processes.forEach((p, index) => byPid.set(p.processId, [...(byPid.get(p.processId) ?? []), index]));
  const processOf = (pid: number, timeNs: number): string => {
    if (pid === 0) return 'Kernel';
    const list = byPid.get(pid);
    if (list === undefined) return `Unknown (${pid})`;
    let found = list[0]!;
    for (const index of list) if (model.processes[index]!.startNs <= timeNs) found = index;
    return model.dict.processLabels[found] ?? '';
  };
  // The symbol table each PDB identity is named from (the symbolization's, per symbol group).
  const tables = new Map<string, SymbolTable>();
  const { groupPdb } = model.dict.locations;
  model.symbols.groupTables.forEach((table, group) => {
    const pdb = groupPdb[group];
    if (table !== undefined && pdb !== undefined) tables.set(pdbKey(pdb), table);
  });
  const symbolsOf = (pdb: PdbIdentity | undefined): string => {
    if (pdb === undefined) return '';
    const table = tables.get(pdbKey(pdb));
    if (table === undefined) return 'not loaded';
    return `${table.names.length.toLocaleString('en-US')} from ${table.origin.split(/[\\/]/).pop()} (${table.kind})`;
  };
  return model.images.map((im) => {
    return {
      cells: [
        addressKeyHex(im.base),
        im.size,
        im.module,
        im.fileName,
        processOf(im.processId, im.loadNs),
        seconds(im.loadNs),
        seconds(im.unloadNs),
        im.pdb?.name ?? '',
        im.pdb?.guid ?? '',
        im.pdb?.age ?? '',
        symbolsOf(im.pdb),
      ],
      from: im.loadNs,
      to: im.unloadNs,
    };
  });
}

function eventRows(model: EngineModel): Row[] {
  return Object.entries(model.summary.counts).map(([kind, count]) => {
    const cut = kind.lastIndexOf('/');
    return {
      cells: [kind, cut >= 0 ? kind.slice(0, cut) : kind, cut >= 0 ? kind.slice(cut + 1) : '', count],
      from: -Infinity,
      to: Infinity,
    };
  });
}
