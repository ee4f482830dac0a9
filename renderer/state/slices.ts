// The shape of the one renderer store: every slice's state and actions, combined into `AllSlices`.
// Slices are written as `StateCreator<AllSlices, [], [], Slice>` (zustand slices pattern) so an
// action in one slice may read the others through `get()`. The store holds descriptors of what
// to show (range, filters, pivot layouts); query results never live here (see data/query-client.ts).

import type {
  Aggregates,
  DpcIsrRow,
  DpcType,
  GroupColumn,
  HistogramScheme,
  LoadProgress,
  SortKey,
  StackView,
  SymbolLoadProgress,
  ExportProgress,
  SymbolLoadResult,
  TableId,
  TraceId,
  TraceSummary,
  WireError,
} from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';

export type TraceStatus = 'empty' | 'loading' | 'ready' | 'failed';

export interface TraceSlice {
  readonly traceStatus: TraceStatus;
  readonly traceId: TraceId | undefined;
  /** Name shown while loading (the summary may not have arrived yet). */
  readonly loadingName: string | undefined;
  readonly summary: TraceSummary | undefined;
  readonly progress: LoadProgress | undefined;
  readonly loadError: WireError | undefined;
  beginLoading(name: string): void;
  applyProgress(progress: LoadProgress): void;
  traceReady(traceId: TraceId, summary: TraceSummary): void;
  traceFailed(error: WireError): void;
  /** Back to the start screen (close, cancel, or dismissing an error). */
  resetTrace(): void;
}

export interface ViewSlice {
  /** The committed (zoomed) range; undefined = the whole trace. */
  readonly committedRange: TimeRange | undefined;
  readonly zoomBack: readonly (TimeRange | undefined)[];
  readonly zoomForward: readonly (TimeRange | undefined)[];
  /** Preview selection from dragging on a graph (not yet zoomed to). */
  readonly selection: TimeRange | undefined;
  /** The DPC/ISR the last "next/previous over budget" jump landed on. */
  readonly found: DpcIsrRow | undefined;
  /** The one DPC/ISR clicked on the timeline, in a table or in the headline (details pane). */
  readonly selectedEvent: DpcEventRef | undefined;
  /** Set when an event selected outside the DPC/ISR table (timeline, headline) should be shown
   *  there: its leaf group opens and its row scrolls into view (`seq` tells repeats apart). */
  readonly eventReveal: { readonly event: DpcEventRef; readonly seq: number } | undefined;
  /** Selects an event; `zoom` also zooms the view to it (padded so its neighbours show); `reveal`
   *  shows its row in the DPC/ISR table. */
  selectEvent(event: DpcEventRef | undefined, options?: { zoom?: boolean; reveal?: boolean }): void;
  /** Pans the view by `fraction` of its span (negative: earlier). */
  panBy(fraction: number): void;
  setSelection(range: TimeRange | undefined): void;
  setFound(row: DpcIsrRow | undefined): void;
  zoomTo(range: TimeRange): void;
  zoomToSelection(): void;
  /** factor < 1 zooms in, > 1 zooms out, around `centerNs` (default: middle of the view). */
  zoomBy(factor: number, centerNs?: number): void;
  unzoom(): void;
  zoomBackward(): void;
  zoomForwardAgain(): void;
}

/** One individual DPC/ISR as the UI holds it (from a dpcEvents answer; `id` is the engine's row). */
export interface DpcEventRef {
  readonly id: number;
  readonly cpu: number;
  readonly type: DpcType;
  readonly module: string;
  readonly function: string;
  readonly enterNs: number;
  readonly durationNs: number;
  readonly exclusiveNs: number;
  readonly fragments: number;
}

export interface CpuFilter {
  readonly mode: 'include' | 'exclude';
  readonly cpus: readonly number[];
}

/** Everything "Filter to / Filter Out Selection" can change, kept together for undo. */
export interface FilterState {
  readonly cpuFilter: CpuFilter | undefined;
  readonly include: Partial<Readonly<Record<GroupColumn, readonly string[]>>>;
  readonly exclude: Partial<Readonly<Record<GroupColumn, readonly string[]>>>;
}

export interface FilterSlice {
  /** CPUs selected in the legend (sorted). */
  readonly selectedCpus: readonly number[];
  /** Anchor of shift-click range selection. */
  readonly cpuAnchor: number | undefined;
  readonly filters: FilterState;
  readonly filterUndo: readonly FilterState[];
  /** Legend click: plain = only this CPU, ctrl/meta = toggle it, shift = range from the anchor. */
  clickCpu(cpu: number, modifiers: { shift?: boolean; ctrl?: boolean }): void;
  filterToSelectedCpus(): void;
  filterOutSelectedCpus(): void;
  /** Pivot row context menu: keep only / drop rows whose column has this value. */
  filterColumn(column: GroupColumn, values: readonly string[], mode: 'include' | 'exclude'): void;
  /** Several columns at once (a pivot row's whole path), as one undo step. */
  filterColumns(
    entries: readonly { column: GroupColumn; values: readonly string[] }[],
    mode: 'include' | 'exclude',
  ): void;
  clearFilters(): void;
  undoFilter(): void;
}

/** Aggregate columns a pivot can show, in their display order. */
export type AggregateColumn = Exclude<keyof Aggregates, never>;

export interface PivotLayout {
  readonly groupBy: readonly GroupColumn[];
  readonly sortBy: SortKey;
  readonly descending: boolean;
  /** Expanded group paths, each the keys from the root joined by PATH_SEPARATOR. */
  readonly expanded: readonly string[];
  readonly columns: readonly AggregateColumn[];
}

export interface PivotSlice {
  readonly activeTable: TableId;
  readonly layouts: Readonly<Record<TableId, PivotLayout>>;
  setActiveTable(table: TableId): void;
  setGroupBy(table: TableId, groupBy: readonly GroupColumn[]): void;
  /** Insert a column into the gold-bar group at `index` (moving it if already grouped). */
  addGroupColumn(table: TableId, column: GroupColumn, index?: number): void;
  removeGroupColumn(table: TableId, column: GroupColumn): void;
  /** Clicking the sorted column flips the direction; another column sorts descending (keys ascending). */
  sortBy(table: TableId, key: SortKey): void;
  toggleExpanded(table: TableId, path: string): void;
  /** Opens these groups (already open ones stay open). */
  expandPaths(table: TableId, paths: readonly string[]): void;
  setColumnVisible(table: TableId, column: AggregateColumn, visible: boolean): void;
}

export interface HistogramBucketFilter {
  readonly label: string;
  readonly minNs: number;
  readonly maxNs: number | null;
}

export interface HistogramSlice {
  readonly histogramScheme: HistogramScheme;
  readonly bucketFilter: HistogramBucketFilter | undefined;
  setHistogramScheme(scheme: HistogramScheme): void;
  /** Clicking the active bucket again clears it. */
  toggleBucketFilter(bucket: HistogramBucketFilter): void;
}

export type Theme = 'light' | 'dark';

export interface ThemeSlice {
  readonly theme: Theme;
  setTheme(theme: Theme): void;
  toggleTheme(): void;
}

/** The app setting behind "Load Symbols" (saved globally by store.ts, not per trace). */
export interface SymbolSetting {
  /** `_NT_SYMBOL_PATH` syntax; '' = only `<trace>.symbols/` and the backend's own path. */
  readonly symbolPath: string;
  /** Also ask Microsoft's public symbol server (off unless the user ticks it). */
  readonly microsoftServer: boolean;
}

export type SymbolLoadStatus = 'idle' | 'loading' | 'done' | 'failed';

/** The current trace's symbol load: the one in flight, or the outcome of the last one. */
export interface SymbolLoadState {
  readonly status: SymbolLoadStatus;
  /** The request in flight (progress events and the answer of any other request are ignored). */
  readonly requestId: string | undefined;
  /** Started by itself when the trace became ready (not from the dialog). */
  readonly background: boolean;
  readonly progress: SymbolLoadProgress | undefined;
  /** The last finished load (kept while a new one runs). */
  readonly result: SymbolLoadResult | undefined;
  readonly error: WireError | undefined;
}

export interface SymbolsSlice {
  readonly symbolSetting: SymbolSetting;
  /**
   * The engine's symbolization version the views were last told about: part of every query's cache
   * key (data/query-client.ts), so a finished load makes every view ask again for the new names.
   */
  readonly symbolsVersion: number;
  readonly symbolLoad: SymbolLoadState;
  readonly symbolsDialogOpen: boolean;
  setSymbolSetting(setting: SymbolSetting): void;
  openSymbolsDialog(): void;
  closeSymbolsDialog(): void;
  symbolLoadStarted(requestId: string, background: boolean): void;
  /** Ignored unless it belongs to the load in flight. */
  applySymbolProgress(progress: SymbolLoadProgress): void;
  symbolLoadFinished(requestId: string, result: SymbolLoadResult): void;
  symbolLoadFailed(requestId: string, error: WireError): void;
  /**
   * The engine's names may have changed without an answer saying to what version (a cancelled
   * load rejects at once while the tables it had read are still applied): a fresh, negative
   * symbolsVersion that no cached answer carries, so every view asks again.
   */
  symbolsChangedUnseen(): void;
}

/** WPA's stack presets (graph/table names as in WPA's CPU Usage (Sampled) and DPC/ISR tables). */
export type StackPresetId = 'dpcIsrUsageByModule' | 'utilizationByProcess' | 'dpcIsrDurationByFunction';

/** How the stacks area shows the preset: call tree (top-down), bottom-up, butterfly, flame graph. */
export type StackMode = 'call-tree' | 'bottom-up' | 'butterfly' | 'flame';

export type BottomArea = 'tables' | 'stacks' | 'power' | 'threads';

export interface StacksSlice {
  /** The bottom panel shows the pivot tables or the stacks area. */
  readonly bottomArea: BottomArea;
  readonly stackPreset: StackPresetId;
  readonly stackMode: StackMode;
  /** The butterfly's function, as frames name it (`module!function`). */
  readonly stackFocus: string | undefined;
  /** Expanded tree paths per tree (key `preset:view`, see stackTreeKey), names joined by
   *  PATH_SEPARATOR; no entry = the tree's default (the butterfly opens its function). */
  readonly stackExpanded: Readonly<Record<string, readonly string[]>>;
  /** The row to select and scroll to once its tree arrives ("Show stacks" from a pivot row). */
  readonly stackReveal: { readonly treeKey: string; readonly path: string } | undefined;
  /** Nodes asked of the engine per stack tree; grows when the user opens "(+N more)". */
  readonly stackMaxNodes: number;
  /** The flame graph's zoomed frame (path from the root), undefined = whole view. */
  readonly flameZoom: string | undefined;
  /** The bottom panel (tables, stacks) takes the graphs' room too. */
  readonly panelEnlarged: boolean;
  togglePanelEnlarged(): void;
  showTables(): void;
  /** Opens the Power area (renderer/power/): CPU idle states, Actual vs Target, performance states. */
  showPower(): void;
  /** Opens the Threads area (CPU Usage (Precise) by thread, thread timeline, who delayed my thread). */
  showThreads(): void;
  /** Opens the stacks area, optionally on a preset with the given group paths expanded and revealed. */
  showStacks(preset?: StackPresetId, reveal?: readonly string[]): void;
  setStackPreset(preset: StackPresetId): void;
  setStackMode(mode: StackMode): void;
  /** Butterfly on a function (switches to the butterfly). */
  setStackFocus(name: string | undefined): void;
  toggleStackExpanded(treeKey: string, path: string): void;
  /** Expands every path given (keeps the others). */
  expandStackPaths(treeKey: string, paths: readonly string[]): void;
  collapseStacks(treeKey: string): void;
  /** Select and scroll to a row of a tree once it is shown (after an expansion, or from another view). */
  revealStackPath(treeKey: string, path: string): void;
  clearStackReveal(): void;
  /** "(+N more)": ask for more nodes (bounded by the contract's maximum). */
  growStackNodes(): void;
  setFlameZoom(path: string | undefined): void;
}

/** Names a stack tree for its expansion state: the preset and the contract view (butterfly: its half). */
export const stackTreeKey = (preset: StackPresetId, view: StackView): string => `${preset}:${view}`;

/** A CSV export in flight: its request id (for cancel) and what it has written so far. */
export interface ExportJob {
  readonly requestId: string;
  readonly what: 'rows' | 'pivot';
  readonly rows: number;
  readonly totalRows: number | undefined;
  readonly bytes: number;
}

export interface ExportSlice {
  readonly exportJob: ExportJob | undefined;
  exportStarted(requestId: string, what: 'rows' | 'pivot'): void;
  /** Ignored unless it belongs to the export in flight. */
  applyExportProgress(progress: ExportProgress): void;
  /** Ignored unless it belongs to the export in flight. */
  exportEnded(requestId: string): void;
}

export type AllSlices = TraceSlice &
  ExportSlice &
  ViewSlice &
  FilterSlice &
  PivotSlice &
  HistogramSlice &
  ThemeSlice &
  SymbolsSlice &
  StacksSlice;

/** Joins pivot group keys into an expansion path (a character no key contains). */
export const PATH_SEPARATOR = '\u001f';
