// The headline: the main finding in one glance for a first-time user — the longest DPC/ISR, the
// modules over the 100 µs DPC / 25 µs ISR guideline (with averages and totals), and the CPUs that
// spend a large share of their time in DPC/ISR. Computed by the engine (three small pivots). The
// deep-idle line (renderer/power/DeepIdleLine.tsx) when all processors but one went down and stayed.

import type { MouseEvent } from 'react';
import { DPC_BUDGET_NS, ISR_BUDGET_NS, type PivotNode, type PivotQuery } from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { zoomToLongest } from '../app/actions.js';
import { formatCount, formatMs, formatPercent, formatUs, routineName } from '../format.js';
import { baseFilter } from '../state/queries.js';
import { useApp, useQueryInputs } from '../state/store.js';
import { visibleRange } from '../state/view-slice.js';
import { DeepIdleLine } from '../power/DeepIdleLine.js';
import { ConvoyLine } from '../threads/ConvoyLine.js';

/** A CPU "is loaded by DPC/ISR" above this share of its time: normal systems stay in single digits. */
const LOADED_CPU_PERCENT = 20;
/** Modules named in the headline; the pivot below lists the rest. */
const HEADLINE_MODULES = 3;

/** A headline line cut with an ellipsis shows its whole text as a tooltip. */
const showFullText = (event: MouseEvent<HTMLDivElement>) => {
  const line = event.currentTarget;
  line.title = line.scrollWidth > line.clientWidth ? (line.textContent ?? '') : '';
};

export function Headline() {
  const inputs = useQueryInputs();
  const recordedDpc = useApp((s) => (s.summary?.tableRows.dpcIsr ?? 0) > 0);
  // The headline ignores the histogram bucket so it keeps describing the whole view.
  const filter = baseFilter({ ...inputs, bucketFilter: undefined }, { table: 'dpcIsr' });
  const byModule: PivotQuery = {
    kind: 'pivot',
    table: 'dpcIsr',
    filter,
    // By module and type: a module's fast ISRs must not dilute the average of its slow DPCs.
    groupBy: ['module', 'type'],
    sortBy: 'totalMs',
    descending: true,
    limitPerLevel: 50,
  };
  const longest: PivotQuery = {
    kind: 'pivot',
    table: 'dpcIsr',
    filter,
    groupBy: ['module', 'function'],
    sortBy: 'maxUs',
    descending: true,
    limitPerLevel: 1,
  };
  const byCpu: PivotQuery = {
    kind: 'pivot',
    table: 'dpcIsr',
    filter,
    groupBy: ['cpu'],
    sortBy: 'totalMs',
    descending: true,
    limitPerLevel: 1024,
  };
  const modules = useQueryResult('headline-modules', recordedDpc ? inputs.traceId : undefined, byModule);
  const top = useQueryResult('headline-longest', recordedDpc ? inputs.traceId : undefined, longest);
  const cpus = useQueryResult('headline-cpus', recordedDpc ? inputs.traceId : undefined, byCpu);

  if (!recordedDpc) {
    return (
      <section className="headline neutral" data-testid="headline">
        <strong>No DPC/ISR events in this trace.</strong> The DPC/ISR views stay empty; CPU usage and idle
        states are shown where recorded. Record with the DPC and INTERRUPT kernel flags to see driver latency.
        <DeepIdleLine />
        <ConvoyLine />
      </section>
    );
  }
  const error = modules.error ?? top.error ?? cpus.error;
  if (modules.result === undefined || top.result === undefined || cpus.result === undefined) {
    return (
      <section className="headline neutral" data-testid="headline-loading">
        {error !== undefined
          ? `Could not compute the summary: ${error.message}`
          : 'Summarizing DPC/ISR activity…'}
      </section>
    );
  }
  const total = modules.result.total;
  if (total.count === 0) {
    return (
      <section className="headline neutral" data-testid="headline">
        No DPC/ISR ran in the visible range and filters.
      </section>
    );
  }
  const topModule: PivotNode | undefined = top.result.rows[0];
  const topFunction = topModule?.children?.[0];
  const overModules = modules.result.rows
    .flatMap((module) =>
      (module.children ?? []).map((type) => ({
        key: `${module.key} ${type.key}s`,
        name: module.key,
        type: type.key,
        aggregates: type.aggregates,
      })),
    )
    .filter((row) => row.aggregates.overBudget > 0)
    .sort((a, b) => b.aggregates.overBudget - a.aggregates.overBudget);
  const view = visibleRange(inputs);
  const rangeMs = (view.end - view.start) / 1e6;
  const loadedCpus = cpus.result.rows
    .map((row) => ({ cpu: row.key, percent: (row.aggregates.totalMs / rangeMs) * 100 }))
    .filter((row) => row.percent >= LOADED_CPU_PERCENT)
    .sort((a, b) => Number(a.cpu) - Number(b.cpu));
  const bad = total.overBudget > 0;
  return (
    <section className={bad ? 'headline bad' : 'headline good'} data-testid="headline">
      <div className="headline-line" onMouseEnter={showFullText} data-testid="headline-longest">
        <span className="headline-label">Longest DPC/ISR</span>
        <button
          type="button"
          className="link-button"
          onClick={() => void zoomToLongest()}
          title="Zoom to this DPC/ISR and select it"
          data-testid="headline-longest-link"
        >
          <strong>{formatUs(topModule?.aggregates.maxUs ?? total.maxUs)} µs</strong>
          {topModule !== undefined && (
            <>
              {' in '}
              <code>
                {topFunction !== undefined ? routineName(topModule.key, topFunction.key) : topModule.key}
              </code>
            </>
          )}
        </button>
        <span className="muted">
          {' '}
          · {formatCount(total.count)} DPC/ISR in view, {formatCount(total.overBudget)} over the guideline
          (DPC &gt; 100 µs, ISR &gt; 25 µs)
        </span>
      </div>
      <div className="headline-line" onMouseEnter={showFullText} data-testid="headline-modules">
        <span className="headline-label">{overModules.length > 0 ? 'Over budget' : 'Verdict'}</span>
        {overModules.length === 0 ? (
          <span>Every DPC/ISR finished within the guideline.</span>
        ) : (
          overModules.slice(0, HEADLINE_MODULES).map((row, i) => (
            <span key={row.key} className="headline-module">
              {i > 0 ? '; ' : ''}
              <button
                type="button"
                className="link-button"
                onClick={() => void zoomToLongest({ module: row.name, type: row.type })}
                title={`Zoom to the longest ${row.name} ${row.type} and select it`}
                data-testid="headline-module-link"
              >
                <strong>{row.name}</strong> {row.type}s
              </button>
              : {formatCount(row.aggregates.overBudget)} of {formatCount(row.aggregates.count)} over{' '}
              {row.type.startsWith('ISR') ? ISR_BUDGET_NS / 1000 : DPC_BUDGET_NS / 1000} µs, avg{' '}
              <strong>{formatUs(row.aggregates.avgUs)} µs</strong>, max {formatUs(row.aggregates.maxUs)} µs,{' '}
              {formatMs(row.aggregates.totalMs)} ms total
            </span>
          ))
        )}
        {overModules.length > HEADLINE_MODULES && (
          <span className="muted"> (+{overModules.length - HEADLINE_MODULES} more)</span>
        )}
      </div>
      <div className="headline-line" onMouseEnter={showFullText} data-testid="headline-cpus">
        <span className="headline-label">CPUs</span>
        {loadedCpus.length > 0 ? (
          <span>
            DPC/ISR work concentrates on CPU{loadedCpus.length > 1 ? 's' : ''}{' '}
            <strong>{loadedCpus.map((c) => c.cpu).join(', ')}</strong> (
            {loadedCpus.map((c) => formatPercent(c.percent)).join(', ')} of their time)
          </span>
        ) : (
          <span>No CPU spends more than {LOADED_CPU_PERCENT}% of its time in DPC/ISR.</span>
        )}
      </div>
      <DeepIdleLine />
      <ConvoyLine />
    </section>
  );
}
