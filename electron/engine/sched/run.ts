// Dispatch of the scheduling and power queries (shared/contract.ts SchedQuery) to their runners;
// the scheduling pass (sched-data.ts) runs on the first of them and is cached per model.

import type { SchedQuery, SchedResultOf } from '../../../shared/contract.js';
import type { EngineModel } from '../model.js';
import { runFrequency, runIdleStats } from '../power/queries.js';
import { EngineError, throwIfCancelled, type CancelToken } from '../query-common.js';
import {
  runSwitchPivot,
  runSwitchRows,
  runThreadDelays,
  runThreadSummary,
  runThreadTimeline,
} from './queries.js';
import { schedData } from './sched-file.js';

const SCHED_KINDS: readonly string[] = [
  'switchPivot',
  'switchRows',
  'threadSummary',
  'threadTimeline',
  'threadDelays',
  'idleStats',
  'frequency',
];

export function isSchedQuery(query: { readonly kind?: unknown }): query is SchedQuery {
  return typeof query.kind === 'string' && SCHED_KINDS.includes(query.kind);
}

export function runSchedQuery<Q extends SchedQuery>(
  model: EngineModel,
  tracePath: string | undefined,
  q: Q,
  token: CancelToken,
): SchedResultOf<Q> {
  if (typeof q.filter !== 'object' || q.filter === null)
    throw new EngineError('The query has no filter.', 'bad-request');
  const data = schedData(model, tracePath);
  throwIfCancelled(token);
  switch (q.kind) {
    case 'switchPivot':
      return runSwitchPivot(data, model, q, token) as SchedResultOf<Q>;
    case 'switchRows':
      return runSwitchRows(data, model, q, token) as SchedResultOf<Q>;
    case 'threadSummary':
      return runThreadSummary(data, model, q, token) as SchedResultOf<Q>;
    case 'threadTimeline':
      return runThreadTimeline(data, model, q, token) as SchedResultOf<Q>;
    case 'threadDelays':
      return runThreadDelays(data, model, q, token) as SchedResultOf<Q>;
    case 'idleStats':
      return runIdleStats(data.power, model, q) as SchedResultOf<Q>;
    case 'frequency':
      return runFrequency(data.power, model, q) as SchedResultOf<Q>;
    default:
      throw new EngineError(`Unknown query kind "${String((q as { kind?: unknown }).kind)}".`, 'bad-request');
  }
}
