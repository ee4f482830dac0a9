// DPC/ISR duration histogram (xperf's doubling buckets or LatencyMon's bands), linked to the rest:
// clicking a bar filters the pivot to that duration band and rings those DPCs on the timeline.

import { useMemo } from 'react';
import { DPC_BUDGET_NS, type HistogramResult } from '../../shared/contract.js';
import { useQueryResult } from '../app/api.js';
import { chartChrome } from '../charts/colors.js';
import { EChart } from '../charts/EChart.js';
import type { EChartsOption } from '../charts/echarts.js';
import { formatCount } from '../format.js';
import { histogramQuery } from '../state/queries.js';
import type { HistogramBucketFilter, Theme } from '../state/slices.js';
import { useApp, useQueryInputs } from '../state/store.js';

function histogramOption(
  result: HistogramResult | undefined,
  theme: Theme,
  active: HistogramBucketFilter | undefined,
): EChartsOption {
  const chrome = chartChrome(theme);
  const buckets = result?.buckets ?? [];
  return {
    animation: false,
    grid: { left: 52, right: 12, top: 10, bottom: 58 },
    tooltip: {
      trigger: 'item',
      formatter: (p: unknown) => {
        const b = buckets[(p as { dataIndex: number }).dataIndex];
        return b
          ? `${b.label}<br/>${formatCount(b.count)} (DPC ${formatCount(b.dpcCount)}, ISR ${formatCount(b.isrCount)})`
          : '';
      },
    },
    xAxis: {
      type: 'category',
      data: buckets.map((b) => b.label),
      axisLabel: { color: chrome.muted, fontSize: 10, rotate: 45, interval: 0 },
      axisLine: { lineStyle: { color: chrome.axis } },
    },
    yAxis: {
      type: 'log',
      min: 1,
      axisLabel: {
        color: chrome.muted,
        fontSize: 10,
        formatter: (v: number) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1000 ? `${v / 1000}k` : String(v)),
      },
      splitLine: { lineStyle: { color: chrome.grid } },
    },
    series: [
      {
        type: 'bar',
        barCategoryGap: '12%',
        // A bucket with one event sits at log10(1) = 0, the axis floor: without a minimum height it
        // would be invisible and unclickable.
        barMinHeight: 3,
        cursor: 'pointer',
        data: buckets.map((b) => {
          const isActive = active !== undefined && active.minNs === b.minNs && active.maxNs === b.maxNs;
          return {
            value: b.count > 0 ? b.count : null,
            itemStyle: {
              color: isActive ? chrome.highlight : b.minNs >= DPC_BUDGET_NS ? chrome.over : chrome.under,
              opacity: active !== undefined && !isActive ? 0.45 : 1,
            },
          };
        }),
      },
    ],
  } as EChartsOption;
}

export function DurationHistogram() {
  const inputs = useQueryInputs();
  const theme = useApp((s) => s.theme);
  const scheme = useApp((s) => s.histogramScheme);
  const setScheme = useApp((s) => s.setHistogramScheme);
  const active = useApp((s) => s.bucketFilter);
  const toggle = useApp((s) => s.toggleBucketFilter);
  const hasDpc = (inputs.summary?.tableRows.dpcIsr ?? 0) > 0;
  const { result } = useQueryResult('histogram', inputs.traceId, hasDpc ? histogramQuery(inputs) : undefined);
  const option = useMemo(() => histogramOption(result, theme, active), [result, theme, active]);
  return (
    <section className="histogram-panel" data-testid="histogram">
      <div className="panel-head">
        <span className="panel-title">DPC/ISR durations</span>
        <select
          value={scheme}
          onChange={(e) => setScheme(e.target.value as typeof scheme)}
          aria-label="Bucket scheme"
        >
          <option value="doubling">xperf buckets (doubling)</option>
          <option value="latencymon">LatencyMon bands</option>
        </select>
      </div>
      {hasDpc ? (
        <>
          <EChart
            option={option}
            height="fill"
            testId="histogram-chart"
            onClick={({ dataIndex }) => {
              const bucket = result?.buckets[dataIndex];
              if (bucket !== undefined) {
                toggle({ label: bucket.label, minNs: bucket.minNs, maxNs: bucket.maxNs });
              }
            }}
          />
          <div className="panel-hint">
            Click a bar: only those DPC/ISRs in the table, ringed on the timeline.{' '}
            {active !== undefined && (
              <button type="button" className="link" onClick={() => toggle(active)}>
                Show all durations
              </button>
            )}
          </div>
          {result !== undefined && (
            <div className="bucket-list" data-testid="bucket-list">
              {result.buckets
                .filter((b) => b.count > 0)
                .map((b) => (
                  <button
                    type="button"
                    key={b.label}
                    className={
                      active?.minNs === b.minNs && active.maxNs === b.maxNs ? 'bucket active' : 'bucket'
                    }
                    onClick={() => toggle({ label: b.label, minNs: b.minNs, maxNs: b.maxNs })}
                    data-testid="bucket"
                  >
                    <span>{b.label}</span>
                    <span className="num">{formatCount(b.count)}</span>
                  </button>
                ))}
            </div>
          )}
        </>
      ) : (
        <div className="pivot-empty">No DPC/ISR events in this trace.</div>
      )}
    </section>
  );
}
