// Test-only helpers (imported by *.test.ts): an in-memory frame pair (like VS Code's
// createProtocolPair) and a small fake TraceSession for the transport mechanics — abortable
// queries the test resolves by hand, an export that writes a file. Real-engine tests use the
// engine's `openTraceSession` once it exists (see backend.test.ts).

import { writeFile } from 'node:fs/promises';
import type {
  ClientFrame,
  ExportRequest,
  Query,
  QueryResult,
  SymbolLoadRequest,
  TraceSummary,
} from '../../shared/contract.js';
import { durationNs } from '../../shared/units.js';
import type { OpenSessionOptions, OpenTraceSession, TraceSession } from '../engine/session-types.js';
import { createFrameClient, type FrameClient } from '../../renderer/transport/frame-client.js';
import type { Backend } from './backend.js';
import { serveFrames } from './frame-server.js';

/** Connects a frame client to a backend; frames go through JSON like on a WebSocket, asynchronously. */
export function createProtocolPair(backend: Backend): FrameClient & { disconnect(): void } {
  let server: ReturnType<typeof serveFrames> | undefined;
  const hop = (fn: () => void) => setImmediate(fn);
  const client = createFrameClient((frame: ClientFrame) => {
    const text = JSON.stringify(frame);
    hop(() => server?.receive(JSON.parse(text)));
  });
  server = serveFrames(backend, (frame) => {
    const text = JSON.stringify(frame);
    hop(() => client.receive(JSON.parse(text)));
  });
  return {
    ...client,
    disconnect() {
      server?.dispose();
      server = undefined;
      client.fail({ name: 'Error', message: 'disconnected', code: 'internal' });
    },
  };
}

export function fakeSummary(fileName: string, fileSize: number): TraceSummary {
  return {
    fileName,
    fileSize,
    build: 19041,
    osVersion: '10.0',
    cpuCount: 8,
    pointerSize: 8,
    loggerName: 'NT Kernel Logger',
    logFileName: fileName,
    clockType: 'QPC',
    clockFrequencyHz: 10_000_000,
    startTimeUtc: '2026-01-01T00:00:00.000Z',
    durationNs: durationNs(10e9),
    buffers: 4,
    compressedBuffers: 0,
    events: 1000,
    eventsLost: 0,
    buffersLost: 0,
    recorded: {
      contextSwitches: true,
      compactContextSwitches: false,
      dpc: true,
      interrupts: true,
      sampledProfile: false,
      idleStates: true,
      readyThread: false,
      processThread: true,
      imageLoad: true,
      stackWalk: false,
    },
    explanations: [],
    counts: {},
    diagnostics: [],
    tableRows: { dpcIsr: 3, cpuPrecise: 0, cpuSampled: 0, idleStates: 0 },
    utilizationSource: 'precise',
  };
}

interface PendingQuery {
  readonly query: Query;
  readonly signal: AbortSignal | undefined;
  resolve(result: QueryResult): void;
}

/** A fake engine: records what it was asked; queries wait until the test answers them. */
export class FakeEngine {
  readonly opened: { path: string; options: OpenSessionOptions | undefined }[] = [];
  readonly queries: PendingQuery[] = [];
  readonly exports: { request: ExportRequest; path: string }[] = [];
  readonly symbolLoads: { request: SymbolLoadRequest; hostSymbolPath: string | undefined }[] = [];
  closed = 0;
  /** When set, openSession waits for this before resolving (to test cancel while loading). */
  gate: Promise<void> | undefined;
  failWith: Error | undefined;
  /** When set, an export writes its first line, reports progress, then waits for its signal. */
  holdExports = false;

  readonly openSession: OpenTraceSession = async (path, options) => {
    this.opened.push({ path, options });
    options?.onProgress?.({ phase: 'scanning', bytesRead: 0, totalBytes: 100, events: 0, elapsedMs: 0 });
    for (let i = 1; i <= 5; i++) {
      options?.onProgress?.({
        phase: 'reading',
        bytesRead: i * 20,
        totalBytes: 100,
        events: i * 200,
        elapsedMs: i,
      });
    }
    if (this.gate !== undefined) await this.gate;
    if (this.failWith !== undefined) throw this.failWith;
    if (options?.signal?.aborted === true) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    return this.session(path);
  };

  private session(path: string): TraceSession {
    return {
      summary: fakeSummary(path.split(/[\\/]/).pop() ?? path, 100),
      query: <Q extends Query>(query: Q, signal?: AbortSignal) =>
        new Promise((resolve, reject) => {
          signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('query aborted'), { code: 'cancelled' })),
          );
          this.queries.push({ query, signal, resolve: resolve as (r: QueryResult) => void });
        }) as never,
      exportCsv: async (request, outPath, signal, onProgress) => {
        this.exports.push({ request, path: outPath });
        if (this.holdExports) {
          await writeFile(outPath, 'CPU,Type\n0,DPC\n');
          onProgress?.({ rows: 1, bytes: 15, totalRows: 2 });
          await new Promise((_resolve, reject) =>
            signal?.addEventListener('abort', () =>
              reject(Object.assign(new Error('export aborted'), { code: 'cancelled' })),
            ),
          );
        }
        await writeFile(outPath, 'CPU,Type\n0,DPC\n1,ISR\n');
        onProgress?.({ rows: 2, bytes: 22, totalRows: 2 });
        return { rows: 2 };
      },
      loadSymbols: async (request, options) => {
        this.symbolLoads.push({ request, hostSymbolPath: options?.hostSymbolPath });
        options?.onProgress?.({ filesDone: 0, filesTotal: 1, bytesDownloaded: 0, current: 'ndis.pdb' });
        options?.onProgress?.({ filesDone: 1, filesTotal: 1, bytesDownloaded: 10 });
        return {
          symbolsVersion: 1,
          modules: [],
          loaded: 0,
          notFound: 0,
          failed: 0,
          cancelled: false,
          symbolPath: request.symbolPath ?? '',
          problems: [],
        };
      },
      close: async () => {
        this.closed++;
      },
    };
  }

  /** Waits (up to ~5 s, for a loaded machine) until `count` queries are pending (they arrive over async frames). */
  async waitForQueries(count: number): Promise<void> {
    for (let i = 0; i < 1000 && this.queries.length < count; i++) await new Promise((r) => setTimeout(r, 5));
    if (this.queries.length < count) throw new Error(`expected ${count} queries, saw ${this.queries.length}`);
  }
}
