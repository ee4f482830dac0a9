// Pure builders from SeriesResult (N buckets per CPU, fetched for a padded window) to echarts
// options on the shared time axis (seconds from the trace origin, clipped to the visible range).

import type { SeriesResult } from '../../shared/contract.js';
import type { TimeRange } from '../../shared/units.js';
import { formatSeconds } from '../format.js';
import type { Theme } from '../state/slices.js';
import { chartChrome, cstateColor } from './colors.js';
import {
  echarts,
  type CustomSeriesRenderItemAPI,
  type CustomSeriesRenderItemParams,
  type EChartsOption,
} from './echarts.js';

/** Plot margins shared by every graph so their time axes line up (and the drag overlay with them). */
export const GRID_LEFT = 64;
export const GRID_RIGHT = 20;

type Point = [number, number];

function bucketTimes(result: SeriesResult): (i: number) => number {
  const start = result.range.start;
  const width = result.bucketNs;
  return (i) => (start + (i + 0.5) * width) / 1e9;
}

function timeAxis(view: TimeRange, theme: Theme, showLabels: boolean) {
  const chrome = chartChrome(theme);
  const span = view.end - view.start;
  return {
    type: 'value' as const,
    min: view.start / 1e9,
    max: view.end / 1e9,
    axisLine: { lineStyle: { color: chrome.axis } },
    axisTick: { show: showLabels },
    splitLine: { show: true, lineStyle: { color: chrome.grid } },
    axisLabel: {
      show: showLabels,
      color: chrome.muted,
      fontSize: 11,
      hideOverlap: true,
      formatter: (value: number) => formatSeconds(value * 1e9, span),
    },
  };
}

function baseOption(view: TimeRange, theme: Theme, showLabels: boolean): EChartsOption {
  return {
    animation: false,
    grid: { left: GRID_LEFT, right: GRID_RIGHT, top: 6, bottom: showLabels ? 22 : 6 },
    xAxis: timeAxis(view, theme, showLabels),
    textStyle: { fontFamily: 'inherit' },
  };
}

function valueAxis(theme: Theme, options: { max?: number; name?: string; log?: boolean; min?: number }) {
  const chrome = chartChrome(theme);
  return {
    type: options.log === true ? ('log' as const) : ('value' as const),
    min: options.min ?? 0,
    max: options.max,
    splitNumber: 2,
    axisLabel: { color: chrome.muted, fontSize: 10 },
    splitLine: { lineStyle: { color: chrome.grid } },
    axisLine: { show: false },
  };
}

/** Longest DPC/ISR per CPU per bucket as marks, red above the 100 µs guideline line. */
export function durationMarksOption(
  result: SeriesResult | undefined,
  highlighted: SeriesResult | undefined,
  view: TimeRange,
  theme: Theme,
  guidelineUs: number,
  showLabels: boolean,
): EChartsOption {
  const chrome = chartChrome(theme);
  const over: Point[] = [];
  const under: Point[] = [];
  let maxUs = guidelineUs * 2;
  for (const cpuSeries of result?.cpus ?? []) {
    const time = bucketTimes(result!);
    cpuSeries.values.forEach((v, i) => {
      if (v > 0) {
        (v > guidelineUs ? over : under).push([time(i), Math.max(v, 1)]);
        maxUs = Math.max(maxUs, v);
      }
    });
  }
  const marked: Point[] = [];
  for (const cpuSeries of highlighted?.cpus ?? []) {
    const time = bucketTimes(highlighted!);
    cpuSeries.values.forEach((v, i) => v > 0 && marked.push([time(i), Math.max(v, 1)]));
  }
  const mark = { type: 'scatter' as const, symbolSize: 4, silent: true, large: true };
  return {
    ...baseOption(view, theme, showLabels),
    yAxis: {
      ...valueAxis(theme, { log: true, min: 1, max: 10 ** Math.ceil(Math.log10(maxUs)) }),
      splitNumber: 3,
    },
    series: [
      { ...mark, name: 'within guideline', data: under, itemStyle: { color: chrome.under, opacity: 0.7 } },
      {
        ...mark,
        name: 'over guideline',
        data: over,
        itemStyle: { color: chrome.over, opacity: 0.85 },
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: chrome.over, type: 'dashed', width: 1 },
          label: {
            formatter: `${guidelineUs} µs`,
            color: chrome.over,
            fontSize: 10,
            position: 'insideEndTop',
          },
          data: [{ yAxis: guidelineUs }],
        },
      },
      {
        ...mark,
        name: 'histogram bucket',
        data: marked,
        symbolSize: 7,
        itemStyle: { color: 'transparent', borderColor: chrome.highlight, borderWidth: 1.5 },
      },
    ],
  };
}

/** Draws [start s, end s, lane, value] items as rectangles in per-CPU lanes (custom series). */
function laneRects(params: CustomSeriesRenderItemParams, api: CustomSeriesRenderItemAPI) {
  const lane = api.value(2);
  const from = api.coord([api.value(0), lane]);
  const to = api.coord([api.value(1), lane]);
  const height = Math.max(1, (api.size?.([0, 1]) as number[])[1] * 0.85);
  const coordSys = params.coordSys as unknown as { x: number; y: number; width: number; height: number };
  const shape = echarts.graphic.clipRectByRect(
    { x: from[0], y: from[1] - height / 2, width: Math.max(to[0] - from[0], 0.5), height },
    { x: coordSys.x, y: coordSys.y, width: coordSys.width, height: coordSys.height },
  );
  return shape ? { type: 'rect' as const, shape, style: { fill: api.visual('color') as string } } : null;
}

/**
 * The lanes' custom series. Progressive (chunked, multi-frame) rendering is off: the runs are
 * bounded by CPUs × buckets, and a half-drawn lane chart reads as missing data.
 */
function laneSeries(data: readonly StateRun[]) {
  return {
    type: 'custom' as const,
    silent: true,
    progressive: 0,
    encode: { x: [0, 1], y: 2 },
    data,
    renderItem: laneRects,
  };
}

function laneAxis(
  lanes: readonly number[],
  theme: Theme,
  heightPx: number,
  selectedCpus: readonly number[] = [],
) {
  const chrome = chartChrome(theme);
  return {
    type: 'category' as const,
    data: lanes.map((cpu) => `CPU ${cpu}`),
    inverse: true,
    // One label per ~11 px of lane height so 9-px labels never overlap.
    axisLabel: {
      color: chrome.muted,
      fontSize: 9,
      interval: Math.max(0, Math.ceil((lanes.length * 11) / Math.max(heightPx - 28, 1)) - 1),
      formatter: (value: string) =>
        selectedCpus.includes(Number(value.slice(4))) ? `{selected|${value}}` : value,
      rich: { selected: { fontWeight: 'bold' as const, color: chrome.text, fontSize: 9 } },
    },
    axisTick: { show: false },
    axisLine: { show: false },
  };
}

/** Busy % as a colour: the background at 0 %, deep blue (light theme) / bright cyan (dark) at 100 %. */
export function busyColor(percent: number, theme: Theme): string {
  const p = Math.min(Math.max(percent, 0), 100) / 100;
  return theme === 'dark'
    ? `hsl(195 ${(40 + 50 * p).toFixed(0)}% ${(16 + 52 * p).toFixed(0)}%)`
    : `hsl(214 ${(30 + 50 * p).toFixed(0)}% ${(96 - 60 * p).toFixed(0)}%)`;
}

/** Busy % per CPU as lanes (readable with many CPUs, where 24 crossing lines are not). */
export function percentLanesOption(
  result: SeriesResult | undefined,
  view: TimeRange,
  theme: Theme,
  selectedCpus: readonly number[],
  showLabels: boolean,
  heightPx: number,
): EChartsOption {
  const lanes = result?.cpus.map((c) => c.cpu) ?? [];
  const data: StateRun[] = [];
  /** Values closer than this (in %) share a run: one rectangle instead of many. */
  const RUN_TOLERANCE = 2;
  for (const [lane, cpuSeries] of (result?.cpus ?? []).entries()) {
    const start = result!.range.start;
    const width = result!.bucketNs;
    let runStart = 0;
    let sum = 0;
    for (let i = 0; i <= cpuSeries.values.length; i++) {
      const value = cpuSeries.values[i];
      const first = cpuSeries.values[runStart];
      if (i === cpuSeries.values.length || Math.abs(value - first) > RUN_TOLERANCE) {
        if (i > runStart) {
          const mean = sum / (i - runStart);
          data.push({
            value: [(start + runStart * width) / 1e9, (start + i * width) / 1e9, lane, mean],
            itemStyle: { color: busyColor(mean, theme) },
          });
        }
        runStart = i;
        sum = 0;
      }
      if (i < cpuSeries.values.length) {
        sum += value;
      }
    }
  }
  return {
    ...baseOption(view, theme, showLabels),
    yAxis: laneAxis(lanes, theme, heightPx, selectedCpus),
    series: [laneSeries(data)],
  } as EChartsOption;
}

interface StateRun {
  readonly value: [number, number, number, number];
  readonly itemStyle: { color: string };
}

/** Per-CPU lanes coloured by the deepest-residency C-state of each bucket (runs merged). */
export function cstateLanesOption(
  result: SeriesResult | undefined,
  view: TimeRange,
  theme: Theme,
  cpus: readonly number[],
  showLabels: boolean,
  heightPx: number,
): EChartsOption {
  const lanes = result?.cpus.map((c) => c.cpu) ?? [...cpus];
  const data: StateRun[] = [];
  for (const [lane, cpuSeries] of (result?.cpus ?? []).entries()) {
    const start = result!.range.start;
    const width = result!.bucketNs;
    let runStart = 0;
    for (let i = 1; i <= cpuSeries.values.length; i++) {
      const state = cpuSeries.values[runStart];
      if (i === cpuSeries.values.length || cpuSeries.values[i] !== state) {
        if (state >= 0) {
          data.push({
            value: [(start + runStart * width) / 1e9, (start + i * width) / 1e9, lane, state],
            itemStyle: { color: cstateColor(state, theme) },
          });
        }
        runStart = i;
      }
    }
  }
  return {
    ...baseOption(view, theme, showLabels),
    yAxis: laneAxis(lanes, theme, heightPx),
    series: [laneSeries(data)],
  } as EChartsOption;
}
