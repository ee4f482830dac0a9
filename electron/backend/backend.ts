// The backend behind every transport: implements each ChannelMap channel over TraceSessions.
// Electron main registers one ipcMain handler per channel that calls `handle`; the `serve`
// WebSocket server feeds it ClientFrames (frame-server.ts). Both get the same behaviour:
//
//   request (untrusted) ─▶ validateRequest ─▶ open / query / cancel / export / close
//                                               │  TraceSession (engine, worker_threads)
//   BackendEvent listeners ◀── progress ────────┘
//
// - open: a source becomes a file path here and only here ('path' when the transport allows it,
//   an upload id the server registered, or the bundled sample). Progress is pushed as events
//   (throttled), ending with one 'ready' / 'failed' / 'cancelled' event.
// - query: newest wins per trace + query slot (the query without its filter; see `querySlot`): a
//   newer query in the same slot aborts the older one, which rejects with code 'cancelled'.
// - cancel: aborts the open or query that carries that requestId (unknown ids are a no-op: the
//   request may just have finished).
// - export: the destination comes from the host (Electron's save dialog, or the server's temp dir
//   plus a download URL), never from the request.
// - errors: handlers reject with BackendError or whatever the engine threw; transports send
//   `toBackendWireError(e)`. For uploads and the sample, a message never names the file the
//   session reads (the server's temp path): it names the file as the user knows it.
// - limits: `maxOpenTraces` per backend (one browser connection) and an `openGate` shared by all
//   backends of a host (the server) bound the traces open or opening; over either, the open is
//   refused in words that say which limit and what to do.

import { randomUUID } from 'node:crypto';
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import {
  isChannel,
  type BackendEvent,
  type Channel,
  type ChannelMap,
  type ExportRequest,
  type ExportResult,
  type LoadPhase,
  type LoadProgress,
  type OpenResult,
  type Query,
  type QueryResult,
  type SymbolLoadResult,
  type TraceId,
  type TraceSource,
  type TraceSummary,
  type Unsubscribe,
} from '../../shared/contract.js';
import type { ExportProgressUpdate, OpenTraceSession, TraceSession } from '../engine/session-types.js';
import { BackendError, badRequest, cancelled, toBackendWireError } from './errors.js';
import { validateRequest } from './validate.js';

/** At most ~10 progress events per second: smooth for a progress bar, negligible IPC traffic. */
const PROGRESS_MIN_INTERVAL_MS = 100;

/** Where one export is written. */
export interface ExportDestination {
  readonly path: string;
  /** Browser mode: the URL the renderer downloads the file from (the path is then not revealed). */
  readonly downloadUrl?: string;
  /** Called once the export finished (ok) or failed (not ok: the host discards the file). */
  readonly done?: (ok: boolean) => void;
}

export interface OpenedTrace {
  readonly traceId: TraceId;
  readonly source: TraceSource;
  /** The file the session reads. */
  readonly path: string;
  /** The name shown to the user (an upload's original name, not its temp file). */
  readonly name: string;
  readonly summary: TraceSummary;
}

export interface BackendOptions {
  readonly openSession: OpenTraceSession;
  /** The bundled sample trace (assets/sample.etl), opened for `{ kind: 'sample' }`. */
  readonly samplePath: string;
  /** Electron: true (File > Open, argv and dropped files are paths). Browser mode: false, so a
   *  page can only open what was uploaded or given on the server's command line. */
  readonly allowPathSources: boolean;
  /** Browser mode: an upload id the server registered → its file and original name. */
  readonly resolveUpload?: (uploadId: string) => { readonly path: string; readonly name: string } | undefined;
  /** Asks the host where to write an export; undefined = the user cancelled (save dialog). */
  readonly exportDestination: (
    request: Omit<ExportRequest, 'path'>,
    trace: OpenedTrace,
  ) => Promise<ExportDestination | undefined>;
  /** Electron: main's open dialog; resolves to the chosen path or undefined. */
  readonly showOpenDialog?: () => Promise<string | undefined>;
  /** Told after a trace opened (Electron: recent files and the window title). */
  readonly onOpened?: (trace: OpenedTrace) => void;
  readonly onClosed?: (traceId: TraceId) => void;
  /** Parser workers per session (default: the engine's choice). */
  readonly workers?: number;
  /** Path rules of the machine the files live on (tests pass path.posix / path.win32). */
  readonly isAbsolute?: (p: string) => boolean;
  readonly progressIntervalMs?: number;
  /** The host's symbol path (`etlscope serve --symbols`, the app's command line), searched after
   *  the request's; the session adds `<trace>.symbols/` and `_NT_SYMBOL_PATH` itself. */
  readonly symbolPath?: string;
  /** Traces this backend may have open or opening at once (default: no limit). */
  readonly maxOpenTraces?: number;
  /** A limit shared with other backends (the server's, across connections). */
  readonly openGate?: OpenGate;
}

/** A counter of traces open or opening across backends: `acquire` throws a BackendError with
 *  the user-facing reason when the limit is reached, else returns the release function. */
export interface OpenGate {
  acquire(): () => void;
}

/** An OpenGate for at most `limit` traces; `describe` words the refusal. */
export function createOpenGate(
  limit: number,
  refusal: (limit: number) => string,
): OpenGate & { readonly held: number } {
  let held = 0;
  return {
    get held() {
      return held;
    },
    acquire() {
      if (held >= limit) throw new BackendError('bad-request', refusal(limit));
      held++;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        held--;
      };
    },
  };
}

/** An error whose message names `filePath` (or its base name) rewritten to name `name` instead. */
export function namingUserFile(error: unknown, filePath: string, name: string): unknown {
  const wire = toBackendWireError(error);
  let message = wire.message.split(filePath).join(name);
  const base = path.basename(filePath);
  if (base !== name && base.length > 0) message = message.split(base).join(name);
  const dir = path.dirname(filePath);
  if (dir.length > 1) message = message.split(dir).join('the server');
  return message === wire.message ? error : new BackendError(wire.code ?? 'internal', message);
}

export interface Backend {
  /** Validates `req` for `channel` and runs it; rejects with BackendError / engine errors. */
  handle(channel: unknown, req: unknown): Promise<unknown>;
  /** Typed form of `handle` for hosts and tests. */
  call<C extends Channel>(channel: C, req: ChannelMap[C]['req']): Promise<ChannelMap[C]['res']>;
  onEvent(listener: (event: BackendEvent) => void): Unsubscribe;
  /** Pushes an event to the listeners (menu commands, 'open-requested' from main or the server). */
  emit(event: BackendEvent): void;
  /** The trace behind an id (for hosts), or undefined. */
  trace(traceId: TraceId): OpenedTrace | undefined;
  /** Aborts everything in flight and closes every session. */
  dispose(): Promise<void>;
}

interface LiveTrace {
  readonly opened: OpenedTrace;
  readonly session: TraceSession;
  /** Gives back this trace's place under the open limits. */
  readonly release: () => void;
}

interface InFlight {
  readonly controller: AbortController;
  readonly traceId?: TraceId;
}

/**
 * The slot a query competes in for newest-wins: everything but the filter (range, CPUs, column
 * filters change on every zoom or click) and a find's start time. Two pivots with different
 * groupings run side by side; a pivot re-issued for a new range replaces the old one.
 */
export function querySlot(query: Query): string {
  const { filter: _filter, ...shape } = query;
  if (shape.kind === 'find') {
    const { from: _from, ...findShape } = shape;
    return stableJson(findShape);
  }
  return stableJson(shape);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function createBackend(options: BackendOptions): Backend {
  const isAbsolute = options.isAbsolute ?? path.isAbsolute;
  const progressInterval = options.progressIntervalMs ?? PROGRESS_MIN_INTERVAL_MS;
  const listeners = new Set<(event: BackendEvent) => void>();
  const traces = new Map<TraceId, LiveTrace>();
  const inFlight = new Map<string, InFlight>();
  const slots = new Map<string, AbortController>();
  /** Opens in progress (they count against `maxOpenTraces` with the open traces). */
  let opening = 0;
  let disposed = false;

  function emit(event: BackendEvent): void {
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch {
        // A listener that throws (a closed socket, a destroyed window) must not stop the others.
      }
    }
  }

  function begin(requestId: string, traceId?: TraceId): AbortController {
    if (disposed) throw cancelled('the backend is shutting down');
    if (inFlight.has(requestId)) throw badRequest(`requestId ${requestId} is already in use`);
    const controller = new AbortController();
    inFlight.set(requestId, traceId === undefined ? { controller } : { controller, traceId });
    return controller;
  }

  function end(requestId: string, controller: AbortController): void {
    if (inFlight.get(requestId)?.controller === controller) inFlight.delete(requestId);
  }

  function liveTrace(traceId: TraceId): LiveTrace {
    const trace = traces.get(traceId);
    if (trace === undefined) throw new BackendError('not-found', `no open trace with id ${traceId}`);
    return trace;
  }

  /** The file behind a source, and the name the user knows it by. */
  function resolveSource(source: TraceSource): { path: string; name: string } {
    switch (source.kind) {
      case 'path':
        if (!options.allowPathSources) {
          throw badRequest('this backend opens uploaded files only; drop the file on the page instead');
        }
        return { path: source.path, name: path.basename(source.path) };
      case 'sample':
        return { path: options.samplePath, name: path.basename(options.samplePath) };
      case 'upload': {
        const upload = options.resolveUpload?.(source.uploadId);
        if (upload === undefined)
          throw new BackendError('not-found', `no uploaded file with id ${source.uploadId}`);
        return upload;
      }
    }
  }

  async function assertFile(filePath: string, name: string): Promise<number> {
    let info;
    try {
      info = await stat(filePath);
    } catch (error) {
      const wire = toBackendWireError(error);
      throw new BackendError(wire.code ?? 'internal', `cannot open ${name}: ${wire.message}`);
    }
    if (!info.isFile()) throw badRequest(`cannot open ${name}: it is not a file`);
    return info.size;
  }

  /** Takes a place under both open limits, or throws saying which one is reached. */
  function admitOpen(): () => void {
    const limit = options.maxOpenTraces;
    if (limit !== undefined && traces.size + opening >= limit) {
      throw badRequest(
        `this page already has ${limit} trace${limit === 1 ? '' : 's'} open or opening (the limit per page); close one and try again`,
      );
    }
    const releaseGate = options.openGate?.acquire() ?? (() => undefined);
    opening++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      releaseGate();
    };
  }

  /** Upload and sample paths are the host's business: messages name the user's file instead. */
  const userWords = (error: unknown, source: TraceSource, filePath: string, name: string): unknown =>
    source.kind === 'path' ? error : namingUserFile(error, filePath, name);

  async function open(req: ChannelMap['etlscope:open']['req']): Promise<OpenResult> {
    const target = resolveSource(req.source);
    const release = admitOpen();
    let controller: AbortController;
    try {
      controller = begin(req.requestId);
    } catch (error) {
      opening--;
      release();
      throw error;
    }
    let kept = false;
    const traceId = randomUUID();
    const started = Date.now();
    let last: Omit<LoadProgress, 'traceId'> | undefined;
    let lastSentAt = -Infinity;
    let lastSentPhase: LoadPhase | undefined;
    const withName = (summary: TraceSummary): TraceSummary => ({ ...summary, fileName: target.name });
    const send = (progress: Omit<LoadProgress, 'traceId'>): void => {
      lastSentAt = Date.now();
      lastSentPhase = progress.phase;
      emit({ type: 'progress', progress: { ...progress, traceId } });
    };
    try {
      const totalBytes = await assertFile(target.path, target.name);
      const session = await options.openSession(target.path, {
        signal: controller.signal,
        ...(options.workers !== undefined ? { workers: options.workers } : {}),
        onProgress: (progress) => {
          last =
            progress.summary !== undefined ? { ...progress, summary: withName(progress.summary) } : progress;
          if (progress.phase !== lastSentPhase || Date.now() - lastSentAt >= progressInterval) send(last);
        },
      });
      if (controller.signal.aborted || disposed) {
        await session.close();
        throw cancelled(`opening ${target.name} was cancelled`);
      }
      const summary = withName(session.summary);
      const opened: OpenedTrace = {
        traceId,
        source: req.source,
        path: target.path,
        name: target.name,
        summary,
      };
      traces.set(traceId, { opened, session, release });
      kept = true;
      if (lastSentPhase !== 'ready') {
        send({
          phase: 'ready',
          bytesRead: totalBytes,
          totalBytes,
          events: summary.events,
          elapsedMs: Date.now() - started,
          summary,
        });
      }
      options.onOpened?.(opened);
      return { traceId, summary };
    } catch (error) {
      const failure = controller.signal.aborted
        ? cancelled(`opening ${target.name} was cancelled`)
        : userWords(error, req.source, target.path, target.name);
      const wire = toBackendWireError(failure);
      const phase: LoadPhase = wire.code === 'cancelled' ? 'cancelled' : 'failed';
      if (lastSentPhase !== phase) {
        send({
          phase,
          bytesRead: last?.bytesRead ?? 0,
          totalBytes: last?.totalBytes ?? 0,
          events: last?.events ?? 0,
          elapsedMs: Date.now() - started,
          ...(last?.summary !== undefined ? { summary: last.summary } : {}),
          error: wire,
        });
      }
      throw failure;
    } finally {
      opening--;
      if (!kept) release();
      end(req.requestId, controller);
    }
  }

  /** A session call's error in the user's words (a crashed engine names the trace's file). */
  const traceWords = (error: unknown, trace: LiveTrace): unknown =>
    userWords(error, trace.opened.source, trace.opened.path, trace.opened.name);

  async function query(req: ChannelMap['etlscope:query']['req']): Promise<QueryResult> {
    const trace = liveTrace(req.traceId);
    const controller = begin(req.requestId, req.traceId);
    const slot = `${req.traceId}\n${querySlot(req.query)}`;
    slots.get(slot)?.abort();
    slots.set(slot, controller);
    try {
      const result = await trace.session.query(req.query, controller.signal);
      if (controller.signal.aborted) throw cancelled('superseded or cancelled');
      return result;
    } catch (error) {
      throw controller.signal.aborted ? cancelled('superseded or cancelled') : traceWords(error, trace);
    } finally {
      end(req.requestId, controller);
      if (slots.get(slot) === controller) slots.delete(slot);
    }
  }

  async function exportCsv(req: Omit<ExportRequest, 'path'>): Promise<ExportResult> {
    const trace = liveTrace(req.traceId);
    const destination = await options.exportDestination(req, trace.opened);
    if (destination === undefined) throw cancelled('export cancelled');
    // The caller's requestId (if any) makes it cancellable with `cancel` and names its progress.
    const exportId = req.requestId ?? `export:${randomUUID()}`;
    const controller = begin(exportId, req.traceId);
    let lastSentAt = -Infinity;
    const onProgress =
      req.requestId === undefined
        ? undefined
        : (progress: ExportProgressUpdate) => {
            if (Date.now() - lastSentAt < progressInterval) return;
            lastSentAt = Date.now();
            emit({
              type: 'export-progress',
              progress: { ...progress, traceId: req.traceId, requestId: exportId },
            });
          };
    try {
      const { rows } = await trace.session.exportCsv(req, destination.path, controller.signal, onProgress);
      if (controller.signal.aborted) throw cancelled('export cancelled');
      destination.done?.(true);
      return destination.downloadUrl !== undefined
        ? { rows, downloadUrl: destination.downloadUrl }
        : { rows, path: destination.path };
    } catch (error) {
      // A cancelled or failed export leaves no partial file behind: the host's callback removes
      // it (the server's temp file), or we do (the file the user chose in the save dialog).
      if (destination.done !== undefined) destination.done(false);
      else await unlink(destination.path).catch(() => undefined);
      throw controller.signal.aborted ? cancelled('export cancelled') : traceWords(error, trace);
    } finally {
      end(exportId, controller);
    }
  }

  async function loadSymbols(req: ChannelMap['etlscope:symbols']['req']): Promise<SymbolLoadResult> {
    const trace = liveTrace(req.traceId);
    const controller = begin(req.requestId, req.traceId);
    let lastSentAt = -Infinity;
    try {
      return await trace.session.loadSymbols(req.request, {
        signal: controller.signal,
        ...(options.symbolPath !== undefined ? { hostSymbolPath: options.symbolPath } : {}),
        onProgress: (progress) => {
          const final = progress.filesDone === progress.filesTotal;
          if (!final && Date.now() - lastSentAt < progressInterval) return;
          lastSentAt = Date.now();
          emit({
            type: 'symbols-progress',
            progress: { ...progress, traceId: req.traceId, requestId: req.requestId },
          });
        },
      });
    } catch (error) {
      throw traceWords(error, trace);
    } finally {
      end(req.requestId, controller);
    }
  }

  async function close(traceId: TraceId): Promise<void> {
    const trace = traces.get(traceId);
    if (trace === undefined) return;
    traces.delete(traceId);
    for (const flight of inFlight.values()) if (flight.traceId === traceId) flight.controller.abort();
    try {
      await trace.session.close();
    } finally {
      trace.release();
    }
    options.onClosed?.(traceId);
  }

  async function openDialog(): Promise<TraceSource | undefined> {
    if (options.showOpenDialog === undefined) throw badRequest('there is no open dialog in browser mode');
    const chosen = await options.showOpenDialog();
    return chosen === undefined ? undefined : { kind: 'path', path: chosen };
  }

  async function call<C extends Channel>(
    channel: C,
    rawReq: ChannelMap[C]['req'],
  ): Promise<ChannelMap[C]['res']> {
    const req = validateRequest(channel, rawReq, isAbsolute);
    type Res = ChannelMap[C]['res'];
    switch (channel) {
      case 'etlscope:open':
        return (await open(req as ChannelMap['etlscope:open']['req'])) as Res;
      case 'etlscope:query':
        return (await query(req as ChannelMap['etlscope:query']['req'])) as Res;
      case 'etlscope:cancel':
        inFlight.get((req as ChannelMap['etlscope:cancel']['req']).requestId)?.controller.abort();
        return undefined as Res;
      case 'etlscope:export':
        return (await exportCsv(req as Omit<ExportRequest, 'path'>)) as Res;
      case 'etlscope:symbols':
        return (await loadSymbols(req as ChannelMap['etlscope:symbols']['req'])) as Res;
      case 'etlscope:close':
        return (await close((req as ChannelMap['etlscope:close']['req']).traceId)) as Res;
      case 'etlscope:open-dialog':
        return (await openDialog()) as Res;
      default:
        throw badRequest(`unknown channel ${String(channel)}`);
    }
  }

  return {
    handle: async (channel, req) => {
      if (!isChannel(channel)) throw badRequest(`unknown channel ${String(channel).slice(0, 64)}`);
      return call(channel, req as never);
    },
    call,
    onEvent: (listener) => {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    emit,
    trace: (traceId) => traces.get(traceId)?.opened,
    dispose: async () => {
      disposed = true;
      for (const flight of inFlight.values()) flight.controller.abort();
      const openTraceIds = [...traces.keys()];
      await Promise.allSettled(openTraceIds.map((traceId) => close(traceId)));
      listeners.clear();
    },
  };
}
