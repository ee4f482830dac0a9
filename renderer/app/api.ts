// The renderer's handles on the backend: the transport's EtlscopeApi and the shared QueryClient,
// plus the hook components use to fetch a query result (newest wins per slot, cached by descriptor).

import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { EtlscopeApi, Query, ResultOf, TraceId, WireError } from '../../shared/contract.js';
import { QueryClient } from '../data/query-client.js';
import { useApp } from '../state/store.js';
import { getApi } from '../transport/index.js';

let client: QueryClient | undefined;

export function api(): EtlscopeApi {
  return getApi();
}

export function queryClient(): QueryClient {
  client ??= new QueryClient(getApi());
  return client;
}

export interface QueryState<Q extends Query> {
  /** Latest answer for this slot (kept while a newer query is loading, so views don't flash). */
  readonly result: ResultOf<Q> | undefined;
  readonly loading: boolean;
  readonly error: WireError | undefined;
}

/**
 * Fetches `query` for `traceId` in `slot`; undefined query = nothing to fetch. The store's
 * symbolsVersion is part of the key: after a symbol load every view asks again.
 */
export function useQueryResult<Q extends Query>(
  slot: string,
  traceId: TraceId | undefined,
  query: Q | undefined,
): QueryState<Q> {
  const version = useApp((s) => s.symbolsVersion);
  const key = traceId !== undefined && query !== undefined ? QueryClient.keyOf(traceId, query, version) : '';
  const slotRef = useRef(slot);
  const [state, setState] = useState<QueryState<Q>>(() => ({
    result:
      traceId !== undefined && query !== undefined
        ? queryClient().cached(traceId, query, version)
        : undefined,
    loading: false,
    error: undefined,
  }));
  useEffect(() => {
    if (traceId === undefined || query === undefined) {
      setState({ result: undefined, loading: false, error: undefined });
      return;
    }
    let live = true;
    const cached = queryClient().cached(traceId, query, version);
    // Same slot: keep showing the previous answer while the new one loads (no flashing).
    // Another slot (e.g. another table's tab): never show the old slot's answer under it.
    setState((previous) =>
      cached !== undefined
        ? { result: cached, loading: false, error: undefined }
        : { ...previous, result: slotRef.current === slot ? previous.result : undefined, loading: true },
    );
    slotRef.current = slot;
    void queryClient()
      .run(slot, traceId, query, version)
      .then((outcome) => {
        if (!live) {
          return;
        }
        if (outcome.status === 'ok') {
          setState({ result: outcome.result, loading: false, error: undefined });
        } else if (outcome.status === 'error') {
          setState((previous) => ({ ...previous, loading: false, error: outcome.error }));
        }
      });
    return () => {
      live = false;
    };
    // The key is the query's identity; `query` itself is a fresh object every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [slot, key]);
  return state;
}

/** True while any query is in flight (drives the "Updating…" hint and `data-busy` on the app). */
export function useQueriesPending(): boolean {
  return useSyncExternalStore(
    (listener) => queryClient().onPendingChange(listener),
    () => queryClient().pendingCount > 0,
  );
}
