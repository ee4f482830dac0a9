import { describe, expect, it } from 'vitest';
import type { EtlscopeApi, PivotQuery, PivotResult, Query, RequestId } from '../../shared/contract.js';
import { QueryClient } from './query-client.js';

const pivot = (table: PivotQuery['table'], groupBy: PivotQuery['groupBy']): PivotQuery => ({
  kind: 'pivot',
  table,
  filter: {},
  groupBy,
});

/** An API whose answers the test releases by hand, recording cancels. */
function manualApi() {
  const pending = new Map<
    RequestId,
    { resolve: (r: unknown) => void; reject: (e: unknown) => void; query: Query }
  >();
  const cancelled: RequestId[] = [];
  let calls = 0;
  const api: Pick<EtlscopeApi, 'query' | 'cancel'> = {
    query: ((_traceId: string, query: Query, requestId: RequestId) => {
      calls++;
      return new Promise((resolve, reject) =>
        pending.set(requestId, { resolve: resolve as (r: unknown) => void, reject, query }),
      );
    }) as EtlscopeApi['query'],
    cancel: async (requestId) => {
      cancelled.push(requestId);
      pending.get(requestId)?.reject({ name: 'Cancelled', message: 'cancelled', code: 'cancelled' });
    },
  };
  const answer = (requestId: RequestId, groupBy: string) =>
    pending.get(requestId)!.resolve({
      kind: 'pivot',
      groupBy: [groupBy],
      rows: [],
      omittedRows: 0,
      total: {},
    } as unknown as PivotResult);
  return { api, pending, cancelled, answer, calls: () => calls };
}

describe('QueryClient', () => {
  it('newest wins per slot: the stale request is cancelled and reported as superseded', async () => {
    const m = manualApi();
    const client = new QueryClient(m.api, 'q');
    let changes = 0;
    client.onPendingChange(() => changes++);
    const first = client.run('table', 't', pivot('dpcIsr', ['module']));
    const second = client.run('table', 't', pivot('dpcIsr', ['cpu']));
    expect(m.cancelled).toEqual(['q1']);
    expect(client.pendingCount).toBe(1);
    expect(changes).toBeGreaterThan(0);
    m.answer('q2', 'cpu');
    expect(await first).toEqual({ status: 'superseded' });
    const outcome = await second;
    expect(outcome.status).toBe('ok');
    expect(client.pendingCount).toBe(0);
  });

  it('different slots run side by side, and results are cached by descriptor', async () => {
    const m = manualApi();
    const client = new QueryClient(m.api, 'q');
    const a = client.run('a', 't', pivot('dpcIsr', ['module']));
    const b = client.run('b', 't', pivot('idleStates', ['cpu']));
    expect(m.cancelled).toEqual([]);
    m.answer('q1', 'module');
    m.answer('q2', 'cpu');
    await Promise.all([a, b]);
    const again = await client.run('a', 't', pivot('dpcIsr', ['module']));
    expect(again.status).toBe('ok');
    expect(m.calls()).toBe(2);
    expect(client.cached('t', pivot('idleStates', ['cpu']))).toBeDefined();
    expect(client.cached('other-trace', pivot('idleStates', ['cpu']))).toBeUndefined();
  });

  it('reports backend errors as plain WireErrors', async () => {
    const m = manualApi();
    const client = new QueryClient(m.api, 'q');
    const run = client.run('a', 't', pivot('dpcIsr', ['module']));
    m.pending.get('q1')!.reject({ name: 'Error', message: 'no such trace', code: 'not-found' });
    expect(await run).toEqual({
      status: 'error',
      error: { name: 'Error', message: 'no such trace', code: 'not-found' },
    });
  });

  it('a new symbols version is a new descriptor: nothing named before a symbol load is reused', async () => {
    const m = manualApi();
    const client = new QueryClient(m.api, 'q');
    const before = client.run('a', 't', pivot('dpcIsr', ['function']), 0);
    m.answer('q1', 'function');
    await before;
    expect(client.cached('t', pivot('dpcIsr', ['function']), 0)).toBeDefined();
    expect(client.cached('t', pivot('dpcIsr', ['function']), 1)).toBeUndefined();
    const after = client.run('a', 't', pivot('dpcIsr', ['function']), 1);
    expect(m.calls()).toBe(2);
    m.answer('q2', 'function');
    expect((await after).status).toBe('ok');
    expect(QueryClient.keyOf('t', pivot('dpcIsr', []), 3)).not.toBe(
      QueryClient.keyOf('t', pivot('dpcIsr', []), 4),
    );
  });
});
