// Helpers the trace commands share: the engine filter from the command line, the covered range,
// and pivot trees flattened into rows.
import type {
  Aggregates,
  DpcType,
  GroupColumn,
  PivotNode,
  PivotResult,
  QueryFilter,
  TraceSummary,
} from '../../../shared/contract.js';
import type { TimeRange } from '../../../shared/units.js';
import type { CliOptions } from '../args.js';

export const DPC_FAMILY: readonly DpcType[] = ['DPC', 'ThreadedDPC', 'TimerDPC'];
export const ISR_FAMILY: readonly DpcType[] = ['ISR', 'ISR-MSI'];

export function filterFromOptions(options: Pick<CliOptions, 'range' | 'cpus' | 'type'>): QueryFilter {
  const types = options.type === 'dpc' ? DPC_FAMILY : options.type === 'isr' ? ISR_FAMILY : undefined;
  return {
    ...(options.range !== undefined ? { range: options.range } : {}),
    ...(options.cpus !== undefined ? { cpus: options.cpus } : {}),
    ...(types !== undefined ? { include: { type: types } } : {}),
  };
}

/** The range a command covers: the filter's, or the whole trace. */
export function effectiveRange(summary: TraceSummary, range: TimeRange | undefined): TimeRange {
  return range ?? ({ start: 0, end: summary.durationNs } as unknown as TimeRange);
}

export interface FlatRow {
  readonly keys: Partial<Record<GroupColumn, string>>;
  readonly aggregates: Aggregates;
  /** dpcIsr pivots: the leaf's exclusive time, ms. */
  readonly exclusiveMs?: number;
}

/** Flattens a pivot tree into leaf rows carrying every level's key. */
export function flattenPivot(result: PivotResult): FlatRow[] {
  const out: FlatRow[] = [];
  const walk = (nodes: readonly PivotNode[], depth: number, keys: Partial<Record<GroupColumn, string>>) => {
    for (const node of nodes) {
      const here = { ...keys, [result.groupBy[depth]!]: node.key };
      if (depth + 1 < result.groupBy.length && node.children !== undefined) {
        walk(node.children, depth + 1, here);
      } else {
        out.push({
          keys: here,
          aggregates: node.aggregates,
          ...(node.exclusiveMs !== undefined ? { exclusiveMs: node.exclusiveMs } : {}),
        });
      }
    }
  };
  walk(result.rows, 0, {});
  return out;
}
