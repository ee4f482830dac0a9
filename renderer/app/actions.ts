// User actions that talk to the backend: opening a trace (drop, Open…, menu, CLI) with the symbol
// files dropped beside it, cancelling a load, loading symbols (by itself when a trace is ready, or
// from the Load Symbols dialog), exporting CSV, jumping to the next/previous over-budget DPC, and
// carrying out menu commands and keyboard shortcuts. Store actions change descriptors; these do
// the I/O around them.
//
//   drop / Open… ──> beginLoading ──> [uploadFile + symbol files] ──> api.openTrace(id)
//        ──> traceReady ──> loadSymbols (saved setting) ──> symbolLoadFinished (symbolsVersion)
//                  progress events (onEvent) ──> applyProgress / applySymbolProgress

import {
  toWireError,
  type BackendEvent,
  type ExportRequest,
  type MenuCommand,
  type SymbolLoadRequest,
  type TraceSource,
  type TraceSummary,
  type WireError,
} from '../../shared/contract.js';
import { secondsToTraceNs, traceNs } from '../../shared/units.js';
import { findOverBudgetQuery, baseFilter, dpcEventsQuery } from '../state/queries.js';
import { eventAt } from '../timeline/dpc-events.js';
import { getAppStore } from '../state/store.js';
import type { SymbolSetting } from '../state/slices.js';
import { visibleRange } from '../state/view-slice.js';
import { api, queryClient } from './api.js';

let openRequestId: string | undefined;
let openCounter = 0;
/** Upload progress of the current browser-mode drop, shown while the file streams to the server. */
let uploadListener: ((sent: number, total: number) => void) | undefined;

export function onUploadProgress(listener: ((sent: number, total: number) => void) | undefined): void {
  uploadListener = listener;
}

const store = () => getAppStore().getState();

function sourceName(source: TraceSource): string {
  switch (source.kind) {
    case 'path':
      return source.path.split(/[\\/]/).pop() ?? source.path;
    case 'upload':
      return source.name;
    case 'sample':
      return 'sample trace';
    default:
      return 'trace';
  }
}

/** Symbol files that may be dropped with a trace (the locator checks each one's GUID/age). */
export function isSymbolFileName(name: string): boolean {
  return /\.(pdb|sym|sym\.txt)$/i.test(name);
}

/** A drop or a multi-file pick: the trace (the first .etl, else the first non-symbol file) and symbol files. */
export function partitionDroppedFiles<F extends { readonly name: string }>(
  files: readonly F[],
): { trace: F | undefined; symbols: F[] } {
  const symbols = files.filter((f) => isSymbolFileName(f.name));
  const others = files.filter((f) => !isSymbolFileName(f.name));
  return { trace: others.find((f) => /\.etl$/i.test(f.name)) ?? others[0], symbols };
}

/**
 * Folders searched for the current trace only, after the saved symbol path: in Electron, where the
 * symbol files dropped with it lie (browser mode uploads them into the trace's `.symbols/` instead).
 */
let traceSymbolDirs: readonly string[] = [];

function folderOf(filePath: string): string | undefined {
  const cut = Math.max(filePath.lastIndexOf('/'), filePath.lastIndexOf('\\'));
  return cut > 0 ? filePath.slice(0, cut) : undefined;
}

/**
 * The trace that was open when another was dropped or picked: it stays open until the new one is
 * ready, so a bad file (or a cancelled load) returns to it instead of leaving nothing open.
 */
let keptTrace: { traceId: string; summary: TraceSummary; symbolDirs: readonly string[] } | undefined;

function keepCurrent(): void {
  const state = store();
  if (state.traceStatus === 'ready' && state.traceId !== undefined && state.summary !== undefined) {
    keptTrace = { traceId: state.traceId, summary: state.summary, symbolDirs: traceSymbolDirs };
  }
}

/** Back to the kept trace after a failed or cancelled open; false when there was none. */
function restoreKept(error?: WireError): boolean {
  const kept = keptTrace;
  keptTrace = undefined;
  if (kept === undefined) {
    return false;
  }
  traceSymbolDirs = kept.symbolDirs;
  store().traceReady(kept.traceId, kept.summary);
  if (error !== undefined) {
    notify(
      `Could not open that file: ${describeError(error)} — ${kept.summary.fileName} stays open.`,
      'error',
    );
  }
  return true;
}

/** The new trace is ready: the kept one is closed now. */
function closeKept(): void {
  const kept = keptTrace;
  keptTrace = undefined;
  if (kept !== undefined) {
    void api()
      .closeTrace(kept.traceId)
      .catch(() => undefined);
  }
}

async function closeCurrent(): Promise<void> {
  const traceId = store().traceId;
  queryClient().clear();
  if (traceId !== undefined) {
    await api()
      .closeTrace(traceId)
      .catch(() => undefined);
  }
}

export async function openSource(
  source: TraceSource,
  displayName = sourceName(source),
  options: { symbolDirs?: readonly string[] } = {},
): Promise<void> {
  if (keptTrace === undefined) {
    keepCurrent();
  }
  queryClient().clear();
  const previousDirs = traceSymbolDirs;
  traceSymbolDirs = options.symbolDirs ?? [];
  const requestId = `open-${Date.now().toString(36)}-${++openCounter}`;
  openRequestId = requestId;
  if (store().traceStatus !== 'loading' || store().loadingName !== displayName) {
    store().beginLoading(displayName);
  }
  try {
    const opened = await api().openTrace(source, requestId);
    if (openRequestId === requestId) {
      closeKept();
      store().traceReady(opened.traceId, opened.summary);
      // Once per trace, with the saved setting (a server only if the path or the box says so).
      void loadSymbols({ background: true });
    } else {
      // Cancelled or superseded while its answer was on the way: nothing shows this trace, so it
      // is closed (else it would hold the server's memory and a place under its per-page limit).
      void api()
        .closeTrace(opened.traceId)
        .catch(() => undefined);
    }
  } catch (error) {
    if (openRequestId !== requestId) {
      return;
    }
    const wire = toWireError(error);
    if (keptTrace !== undefined) {
      traceSymbolDirs = previousDirs;
    }
    if (wire.code === 'cancelled') {
      if (!restoreKept()) store().resetTrace();
    } else if (!restoreKept(wire)) {
      store().traceFailed(wire);
    }
  } finally {
    if (openRequestId === requestId) {
      openRequestId = undefined;
    }
  }
}

/** A dropped or picked File: a path in Electron, an upload in the browser. */
export async function openFile(file: File): Promise<void> {
  await openFiles([file]);
}

/**
 * Dropped or picked files: the trace plus any .pdb / .sym / .sym.txt beside it. Electron: the
 * symbol files' folders join this trace's symbol path; browser: they are uploaded into the trace
 * upload's `.symbols/` folder on the server before it opens, where the background load finds them.
 */
export async function openFiles(files: readonly File[]): Promise<void> {
  const { trace: file, symbols } = partitionDroppedFiles(files);
  if (file === undefined) {
    if (symbols.length > 0) {
      notify('Drop the symbol files together with the .etl trace they belong to.', 'error');
    }
    return;
  }
  const backend = api();
  if (backend.pathForFile !== undefined) {
    const dirs = symbols.map((f) => folderOf(backend.pathForFile!(f)));
    await openSource({ kind: 'path', path: backend.pathForFile(file) }, file.name, {
      symbolDirs: [...new Set(dirs.filter((d): d is string => d !== undefined))],
    });
    return;
  }
  if (backend.uploadFile === undefined) {
    store().beginLoading(file.name);
    store().traceFailed({ name: 'Error', message: 'This window cannot receive files; use File > Open.' });
    return;
  }
  keepCurrent();
  queryClient().clear();
  store().beginLoading(file.name);
  const uploadId = `upload-${++openCounter}`;
  openRequestId = uploadId;
  try {
    const source = await backend.uploadFile(file, (sent) => uploadListener?.(sent, file.size));
    if (openRequestId !== uploadId) {
      return; // cancelled while uploading
    }
    const uploadSymbols = backend.uploadSymbolFile?.bind(backend);
    const refused: string[] = [];
    if (symbols.length > 0 && uploadSymbols !== undefined && source.kind === 'upload') {
      for (const symbolFile of symbols) {
        try {
          await uploadSymbols(symbolFile, source.uploadId);
        } catch (error) {
          refused.push(`${symbolFile.name}: ${toWireError(error).message}`);
        }
        if (openRequestId !== uploadId) {
          return;
        }
      }
    }
    if (refused.length > 0) {
      notify(`Some symbol files were not kept — ${refused.join('; ')}`, 'error');
    }
    await openSource(source, file.name);
  } catch (error) {
    if (openRequestId === uploadId) {
      openRequestId = undefined;
      if (!restoreKept(toWireError(error))) store().traceFailed(toWireError(error));
    }
  }
}

/** Open… button: Electron's dialog, or the hidden file input in the browser (returns false then). */
export async function showOpenDialog(): Promise<boolean> {
  const backend = api();
  if (backend.showOpenDialog === undefined) {
    return false;
  }
  const source = await backend.showOpenDialog();
  if (source !== undefined) {
    await openSource(source);
  }
  return true;
}

export async function cancelLoading(): Promise<void> {
  const requestId = openRequestId;
  openRequestId = undefined;
  if (!restoreKept()) store().resetTrace();
  if (requestId !== undefined) {
    await api()
      .cancel(requestId)
      .catch(() => undefined);
  }
}

export async function closeTrace(): Promise<void> {
  // The start screen at once, the server's close behind it: a file picked or dropped right after
  // Close lands on the start screen instead of on a screen about to be replaced (where its
  // change event was lost once the analysis screen unmounted under it).
  const closing = closeCurrent();
  store().resetTrace();
  await closing;
}

export type Notify = (message: string, kind?: 'info' | 'error') => void;
let notify: Notify = () => undefined;
export function setNotifier(next: Notify): void {
  notify = next;
}

function describeError(error: WireError): string {
  return error.message;
}

let exportCounter = 0;

/** Every DPC/ISR row in the current range and filters ('rows'), or the grouped table ('pivot'). */
export async function exportCsv(what: 'rows' | 'pivot'): Promise<void> {
  const state = store();
  if (state.traceId === undefined) {
    return;
  }
  const table = what === 'rows' ? 'dpcIsr' : state.activeTable;
  if (state.exportJob !== undefined) {
    notify('An export is already running; cancel it first.');
    return;
  }
  const requestId = `export-${Date.now().toString(36)}-${++exportCounter}`;
  const request: ExportRequest = {
    traceId: state.traceId,
    what,
    table,
    filter: baseFilter(state, { table }),
    ...(what === 'pivot' ? { groupBy: state.layouts[table].groupBy } : {}),
    requestId,
  };
  store().exportStarted(requestId, what);
  try {
    const result = await api().exportCsv(request);
    if (result.downloadUrl !== undefined) {
      const link = document.createElement('a');
      link.href = result.downloadUrl;
      link.download =
        what === 'rows'
          ? `${state.summary?.fileName ?? 'trace'}.dpc.csv`
          : `${state.summary?.fileName ?? 'trace'}.${table}.csv`;
      document.body.appendChild(link);
      link.click();
      link.remove();
    }
    notify(
      `Exported ${result.rows.toLocaleString('en-US')} rows${result.path !== undefined ? ` to ${result.path}` : ''}.`,
    );
  } catch (error) {
    const wire = toWireError(error);
    if (wire.code !== 'cancelled') {
      notify(`Export failed: ${describeError(wire)}`, 'error');
    } else {
      notify('Export cancelled.');
    }
  } finally {
    store().exportEnded(requestId);
  }
}

/** Stops the export in flight (the backend removes the partial file). */
export function cancelExport(): void {
  const job = store().exportJob;
  if (job !== undefined) {
    void api()
      .cancel(job.requestId)
      .catch(() => undefined);
  }
}

/** Jumps to the next/previous DPC/ISR over the guideline: selects it and pans the view to it. */
export async function findOverBudget(direction: 'next' | 'previous'): Promise<void> {
  const state = store();
  if (state.traceId === undefined) {
    return;
  }
  const view = visibleRange(state);
  // Step from the last found DPC (1 ns past it), else from the selection or the view's start.
  const from =
    state.found !== undefined
      ? secondsToTraceNs(state.found.enterSeconds) + (direction === 'next' ? 1 : -1)
      : (state.selection?.start ?? view.start);
  const outcome = await queryClient().run(
    'find',
    state.traceId,
    findOverBudgetQuery(state, from, direction),
    state.symbolsVersion,
  );
  if (outcome.status === 'error') {
    notify(`Search failed: ${describeError(outcome.error)}`, 'error');
    return;
  }
  if (outcome.status !== 'ok') {
    return;
  }
  if (!outcome.result.found || outcome.result.row === undefined) {
    notify(direction === 'next' ? 'No further DPC/ISR over budget.' : 'No earlier DPC/ISR over budget.');
    return;
  }
  const row = outcome.result.row;
  const enter = secondsToTraceNs(row.enterSeconds);
  const exit = secondsToTraceNs(row.exitSeconds);
  const span = view.end - view.start;
  if (enter < view.start || exit > view.end) {
    store().zoomTo({ start: traceNs(enter - span / 2), end: traceNs(enter + span / 2) });
  }
  store().setFound(row);
  store().setSelection({ start: enter, end: traceNs(Math.max(exit, enter + 1)) });
}

/**
 * The headline's links: zooms to the longest DPC/ISR in the current view and filters (of one
 * module and type when given) and selects it — the timeline shows it, the details pane names it.
 */
export async function zoomToLongest(include?: { module?: string; type?: string }): Promise<void> {
  const state = store();
  if (state.traceId === undefined) {
    return;
  }
  const query = dpcEventsQuery(
    { ...state, bucketFilter: undefined },
    {
      sortBy: 'duration',
      descending: true,
      limit: 1,
      ...(include !== undefined
        ? {
            include: {
              ...(include.module !== undefined ? { module: [include.module] } : {}),
              ...(include.type !== undefined ? { type: [include.type] } : {}),
            },
          }
        : {}),
    },
  );
  const outcome = await queryClient().run('longest', state.traceId, query, state.symbolsVersion);
  if (outcome.status === 'error') {
    notify(`Search failed: ${describeError(outcome.error)}`, 'error');
    return;
  }
  if (outcome.status !== 'ok' || outcome.result.total === 0) {
    return;
  }
  store().setSelection(undefined);
  store().selectEvent(eventAt(outcome.result, 0), { zoom: true, reveal: true });
}

let symbolCounter = 0;
/**
 * After a load that rejected as cancelled (aborted before the engine answered; a cancel the engine
 * sees answers with what it loaded, cancelled: true), how long until views ask again: the engine
 * may still apply the PDBs it had finished a moment later.
 */
const CANCELLED_LOAD_SETTLE_MS = 1500;

/** The request for a setting, plus this trace's own folders (Electron: where its symbol files were dropped). */
export function symbolRequest(setting: SymbolSetting, extraDirs: readonly string[] = []): SymbolLoadRequest {
  // A folder whose name holds ';' cannot be written in a symbol path; such a folder is left out.
  const parts = [setting.symbolPath.trim(), ...extraDirs.filter((d) => !d.includes(';'))].filter(
    (p) => p !== '',
  );
  return {
    ...(parts.length > 0 ? { symbolPath: parts.join(';') } : {}),
    ...(setting.microsoftServer ? { microsoftServer: true } : {}),
  };
}

/**
 * Loads the symbols of every PDB the trace names with the saved setting (a new load replaces one
 * in flight). When it finishes the store's symbolsVersion changes and every view asks again.
 */
export async function loadSymbols(options: { background?: boolean } = {}): Promise<void> {
  const state = store();
  const traceId = state.traceId;
  if (traceId === undefined || state.traceStatus !== 'ready') {
    return;
  }
  const previous = state.symbolLoad.requestId;
  const requestId = `symbols-${Date.now().toString(36)}-${++symbolCounter}`;
  store().symbolLoadStarted(requestId, options.background === true);
  if (previous !== undefined) {
    api()
      .cancel(previous)
      .catch(() => undefined);
  }
  try {
    const result = await api().loadSymbols(
      traceId,
      symbolRequest(state.symbolSetting, traceSymbolDirs),
      requestId,
    );
    if (store().traceId === traceId) {
      store().symbolLoadFinished(requestId, result);
    }
  } catch (error) {
    const wire = toWireError(error);
    if (store().traceId !== traceId || store().symbolLoad.requestId !== requestId) {
      return; // superseded by a newer load, or another trace
    }
    store().symbolLoadFailed(requestId, wire);
    if (wire.code === 'cancelled') {
      // What loaded before the cancel is kept, under a version the rejection does not tell.
      setTimeout(() => {
        if (store().traceId === traceId) {
          store().symbolsChangedUnseen();
        }
      }, CANCELLED_LOAD_SETTLE_MS);
    }
  }
}

/** Stops the load in flight; what loaded so far is kept (the answer says cancelled). */
export async function cancelSymbolLoad(): Promise<void> {
  const requestId = store().symbolLoad.requestId;
  if (requestId !== undefined) {
    await api()
      .cancel(requestId)
      .catch(() => undefined);
  }
}

export function runMenuCommand(command: MenuCommand): void {
  const s = store();
  switch (command) {
    case 'zoom-in':
      s.zoomBy(0.5);
      break;
    case 'zoom-out':
      s.zoomBy(2);
      break;
    case 'zoom-to-selection':
      s.zoomToSelection();
      break;
    case 'unzoom':
      s.zoomBackward();
      break;
    case 'reset-zoom':
      s.unzoom();
      break;
    case 'export-dpc-csv':
      void exportCsv('rows');
      break;
    case 'close-trace':
      void closeTrace();
      break;
    case 'load-symbols':
      if (s.traceStatus === 'ready') {
        s.openSymbolsDialog();
      }
      break;
    default:
      break;
  }
}

export function handleBackendEvent(event: BackendEvent): void {
  switch (event.type) {
    case 'progress':
      store().applyProgress(event.progress);
      break;
    case 'symbols-progress':
      store().applySymbolProgress(event.progress);
      break;
    case 'export-progress':
      store().applyExportProgress(event.progress);
      break;
    case 'open-requested':
      void openSource(event.source);
      break;
    case 'command':
      runMenuCommand(event.command);
      break;
    default:
      break;
  }
}

// (`typeof HTMLElement` guards keyboard handling driven without a DOM, as in the unit tests.)
const isTyping = (target: EventTarget | null): boolean =>
  typeof HTMLElement !== 'undefined' &&
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'SELECT', 'TEXTAREA'].includes(target.tagName));

/** W/S zoom step (Perfetto's keys): 0.8 of the span per press, 5 presses ≈ 3× in. */
const KEY_ZOOM_IN_FACTOR = 0.8;
/** A/D and ←/→ pan step: a fifth of the view, so the last view's right edge stays in sight. */
const KEY_PAN_FRACTION = 0.2;

/** Keyboard shortcuts (listed in the "Keys" help in the top bar). */
export function handleKeyDown(event: KeyboardEvent): void {
  if (isTyping(event.target) || store().traceStatus !== 'ready') {
    return;
  }
  const s = store();
  const ctrl = event.ctrlKey || event.metaKey;
  let handled = true;
  if (event.altKey && event.key === 'ArrowLeft') {
    s.zoomBackward();
  } else if (event.altKey && event.key === 'ArrowRight') {
    s.zoomForwardAgain();
  } else if (ctrl && event.key.toLowerCase() === 'z') {
    s.undoFilter();
  } else if (ctrl || event.altKey) {
    handled = false;
  } else if (event.key === '+' || event.key === '=') {
    s.zoomBy(0.5, s.selection ? (s.selection.start + s.selection.end) / 2 : undefined);
  } else if (event.key === '-' || event.key === '_') {
    s.zoomBy(2);
  } else if (event.key === 'z' || event.key === 'Enter') {
    s.zoomToSelection();
  } else if (event.key === '0' || event.key === 'Backspace') {
    s.unzoom();
  } else if (event.key === 'n' || event.key === 'F3') {
    void findOverBudget(event.shiftKey ? 'previous' : 'next');
  } else if (event.key === 'p' || event.key === 'N') {
    void findOverBudget('previous');
  } else if (event.key === 'w' || event.key === 'W') {
    s.zoomBy(KEY_ZOOM_IN_FACTOR);
  } else if (event.key === 's' || event.key === 'S') {
    s.zoomBy(1 / KEY_ZOOM_IN_FACTOR);
  } else if (event.key === 'a' || event.key === 'A' || event.key === 'ArrowLeft') {
    s.panBy(-KEY_PAN_FRACTION);
  } else if (event.key === 'd' || event.key === 'D' || event.key === 'ArrowRight') {
    s.panBy(KEY_PAN_FRACTION);
  } else if (event.key === 'Escape') {
    s.setSelection(undefined);
    s.setFound(undefined);
    s.selectEvent(undefined);
  } else {
    handled = false;
  }
  if (handled) {
    event.preventDefault();
  }
}

export const KEYBOARD_HELP: readonly (readonly [string, string])[] = [
  ['Drag on a graph', 'select a time range'],
  ['Z or Enter', 'zoom to the selection'],
  ['+ / −, W / S', 'zoom in / out'],
  ['A / D, ← / →', 'pan left / right'],
  ['Ctrl+wheel', 'zoom around the pointer'],
  ['Shift+wheel, middle-drag, Space+drag', 'pan'],
  ['Click an event (deep zoom)', 'select it: details, table'],
  ['0 or Backspace', 'show the whole trace'],
  ['Alt+← / Alt+→', 'back / forward through zooms'],
  ['N / P (F3, Shift+F3)', 'next / previous DPC/ISR over budget'],
  ['Ctrl+Z', 'undo the last filter'],
  ['Esc', 'clear the selection and the selected event'],
  ['Ctrl+C / Ctrl+Shift+C (event rows)', 'copy the selected rows / their clicked column as TSV'],
];
