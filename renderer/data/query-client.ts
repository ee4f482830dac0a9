// Fetches query results through the EtlscopeApi: every request gets an id, each "slot" (one graph,
// one table) keeps only its newest request (an older pending one is cancelled via api.cancel and
// its late answer dropped), and answers are cached by descriptor (trace id + the symbols version +
// query JSON) so going back in zoom history or re-expanding a group costs nothing, while a finished
// symbol load (a new version) makes every descriptor new: nothing named before the load is reused.
//
//   component ──run(slot, traceId, query)──> cache hit? ──yes──> result
//                                              └─no──> cancel slot's pending ─> api.query(id) ─> cache

import type { EtlscopeApi, Query, RequestId, ResultOf, TraceId, WireError } from '../../shared/contract.js';
import { toWireError } from '../../shared/contract.js';

/** Cached answers kept; results are bounded (≤10k buckets or ≤500 rows/level), so 200 is a few MB. */
const CACHE_ENTRIES = 200;

export type QueryOutcome<Q extends Query> =
  | { readonly status: 'ok'; readonly result: ResultOf<Q> }
  | { readonly status: 'superseded' }
  | { readonly status: 'error'; readonly error: WireError };

type QueryApi = Pick<EtlscopeApi, 'query' | 'cancel'>;

export class QueryClient {
  private readonly cache = new Map<string, unknown>();
  private readonly pendingBySlot = new Map<string, RequestId>();
  private nextId = 1;
  private readonly pendingListeners = new Set<() => void>();

  constructor(
    private readonly api: QueryApi,
    private readonly idPrefix = `r${Date.now().toString(36)}-`,
  ) {}

  /** Requests in flight (for a "working" indicator and for tests waiting until the screen settles). */
  get pendingCount(): number {
    return this.pendingBySlot.size;
  }

  onPendingChange(listener: () => void): () => void {
    this.pendingListeners.add(listener);
    return () => this.pendingListeners.delete(listener);
  }

  private setPending(slot: string, requestId: RequestId | undefined): void {
    if (requestId === undefined) {
      this.pendingBySlot.delete(slot);
    } else {
      this.pendingBySlot.set(slot, requestId);
    }
    for (const listener of this.pendingListeners) {
      listener();
    }
  }

  /** `symbolsVersion`: the store's (names differ between versions, so answers do too). */
  static keyOf(traceId: TraceId, query: Query, symbolsVersion = 0): string {
    return `${traceId}|s${symbolsVersion}|${JSON.stringify(query)}`;
  }

  cached<Q extends Query>(traceId: TraceId, query: Q, symbolsVersion = 0): ResultOf<Q> | undefined {
    return this.cache.get(QueryClient.keyOf(traceId, query, symbolsVersion)) as ResultOf<Q> | undefined;
  }

  async run<Q extends Query>(
    slot: string,
    traceId: TraceId,
    query: Q,
    symbolsVersion = 0,
  ): Promise<QueryOutcome<Q>> {
    const key = QueryClient.keyOf(traceId, query, symbolsVersion);
    const hit = this.cache.get(key);
    const stale = this.pendingBySlot.get(slot);
    if (stale !== undefined) {
      this.setPending(slot, undefined);
      this.api.cancel(stale).catch(() => undefined);
    }
    if (hit !== undefined) {
      this.cache.delete(key); // re-insert: most recently used last
      this.cache.set(key, hit);
      return { status: 'ok', result: hit as ResultOf<Q> };
    }
    const requestId = `${this.idPrefix}${this.nextId++}`;
    this.setPending(slot, requestId);
    try {
      const result = await this.api.query(traceId, query, requestId);
      this.remember(key, result);
      if (this.pendingBySlot.get(slot) !== requestId) {
        return { status: 'superseded' };
      }
      this.setPending(slot, undefined);
      return { status: 'ok', result };
    } catch (error) {
      if (this.pendingBySlot.get(slot) !== requestId) {
        return { status: 'superseded' };
      }
      this.setPending(slot, undefined);
      const wire = toWireError(error);
      return wire.code === 'cancelled' ? { status: 'superseded' } : { status: 'error', error: wire };
    }
  }

  /** Forget everything (trace closed). */
  clear(): void {
    for (const id of this.pendingBySlot.values()) {
      this.api.cancel(id).catch(() => undefined);
    }
    this.pendingBySlot.clear();
    this.cache.clear();
    for (const listener of this.pendingListeners) {
      listener();
    }
  }

  private remember(key: string, result: unknown): void {
    this.cache.set(key, result);
    if (this.cache.size > CACHE_ENTRIES) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) {
        this.cache.delete(oldest);
      }
    }
  }
}
