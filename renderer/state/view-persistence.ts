// Per-trace view state that survives reopening the same trace: the committed range, the filters
// and the pivot layouts. Keyed by file name + size (a path is not known in browser mode, and two
// different traces with the same name and byte size are rare enough). Stored as versioned JSON so a
// future layout change can upgrade or drop old entries instead of crashing on them.

import {
  TABLE_COLUMNS,
  type GroupColumn,
  type HistogramScheme,
  type TableId,
} from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import type { FilterState, PivotLayout } from './slices.js';

/** The subset of `Storage` we use, so tests can pass a Map-backed fake. */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export interface PersistedView {
  readonly committedRange: TimeRange | undefined;
  readonly filters: FilterState;
  readonly layouts: Readonly<Record<TableId, PivotLayout>>;
  readonly histogramScheme: HistogramScheme;
}

/** Bump when PersistedView changes shape; older entries are ignored (nothing to upgrade yet). */
const VIEW_FORMAT_VERSION = 1;

export function viewStorageKey(fileName: string, fileSize: number): string {
  return `etlscope:view:v${VIEW_FORMAT_VERSION}:${fileName}:${fileSize}`;
}

export function saveView(storage: KeyValueStorage, key: string, view: PersistedView): void {
  try {
    storage.setItem(key, JSON.stringify({ version: VIEW_FORMAT_VERSION, view }));
  } catch {
    // Quota exceeded or storage disabled: losing the saved view is harmless.
  }
}

const isGroupColumnOf = (table: TableId, value: unknown): value is GroupColumn =>
  typeof value === 'string' && (TABLE_COLUMNS[table] as readonly string[]).includes(value);

/** Reads a saved view; anything malformed is dropped field by field rather than trusted. */
export function loadView(storage: KeyValueStorage, key: string): Partial<PersistedView> | undefined {
  let parsed: unknown;
  try {
    const text = storage.getItem(key);
    if (text === null) {
      return undefined;
    }
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) {
    return undefined;
  }
  const entry = parsed as { version?: unknown; view?: Partial<PersistedView> };
  if (entry.version !== VIEW_FORMAT_VERSION || typeof entry.view !== 'object' || entry.view === null) {
    return undefined;
  }
  const view = entry.view;
  const result: { -readonly [K in keyof PersistedView]?: PersistedView[K] } = {};
  const range = view.committedRange;
  if (
    range !== undefined &&
    range !== null &&
    Number.isFinite(range.start) &&
    Number.isFinite(range.end) &&
    range.end > range.start
  ) {
    result.committedRange = range;
  }
  if (view.filters && typeof view.filters === 'object') {
    result.filters = {
      cpuFilter: view.filters.cpuFilter ?? undefined,
      include: view.filters.include ?? {},
      exclude: view.filters.exclude ?? {},
    };
  }
  if (view.layouts && typeof view.layouts === 'object') {
    const layouts: Partial<Record<TableId, PivotLayout>> = {};
    for (const table of Object.keys(TABLE_COLUMNS) as TableId[]) {
      const layout = view.layouts[table];
      if (layout && Array.isArray(layout.groupBy) && layout.groupBy.every((c) => isGroupColumnOf(table, c))) {
        layouts[table] = layout;
      }
    }
    result.layouts = layouts as Record<TableId, PivotLayout>;
  }
  if (view.histogramScheme === 'doubling' || view.histogramScheme === 'latencymon') {
    result.histogramScheme = view.histogramScheme;
  }
  return result;
}

/** Browser localStorage when there is one (not in Node tests). */
export function defaultStorage(): KeyValueStorage | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}
