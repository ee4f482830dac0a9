import { describe, expect, it } from 'vitest';
import type { SeriesResult } from '../../shared/contract.js';
import { traceNs } from '../../shared/units.js';
import { busyColor, cstateLanesOption, durationMarksOption, percentLanesOption } from './series-options.js';

const view = { start: traceNs(0), end: traceNs(1e9) };
const series = (metric: SeriesResult['metric'], cpus: { cpu: number; values: number[] }[]): SeriesResult => ({
  kind: 'series',
  metric,
  range: view,
  bucketNs: 1e8,
  source: 'events',
  cpus,
});

type Lane = { value: [number, number, number, number] };
const lanesOf = (option: unknown): Lane[] => (option as { series: { data: Lane[] }[] }).series[0].data;

describe('series options', () => {
  it('merges equal C-state buckets into one rectangle per run and skips "no data"', () => {
    const option = cstateLanesOption(
      series('cstate', [{ cpu: 3, values: [0, 0, 1, 1, 1, -1, 2, 2, 2, 2] }]),
      view,
      'light',
      [3],
      true,
      80,
    );
    expect(lanesOf(option).map((l) => l.value)).toEqual([
      [0, 0.2, 0, 0],
      [0.2, 0.5, 0, 1],
      [0.6, 1, 0, 2],
    ]);
  });

  it('draws utilization lanes with runs of similar busy % and their mean', () => {
    const option = percentLanesOption(
      series('utilization', [{ cpu: 0, values: [90, 91, 90, 10, 10, 10, 10, 10, 10, 10] }]),
      view,
      'dark',
      [],
      false,
      80,
    );
    const lanes = lanesOf(option);
    expect(lanes).toHaveLength(2);
    expect(lanes[0].value[0]).toBe(0);
    expect(lanes[0].value[1]).toBeCloseTo(0.3);
    expect(lanes[0].value[3]).toBeCloseTo(90.333, 2);
    expect(lanes[1].value[3]).toBe(10);
  });

  it('splits DPC marks at the guideline and draws the guideline line', () => {
    const option = durationMarksOption(
      series('dpcDurations', [{ cpu: 0, values: [0, 50, 150, 0, 99.9, 100.1, 0, 0, 0, 0] }]),
      undefined,
      view,
      'light',
      100,
      false,
    ) as {
      series: { name: string; data: [number, number][]; markLine?: { data: { yAxis: number }[] } }[];
    };
    const under = option.series.find((s) => s.name === 'within guideline')!;
    const over = option.series.find((s) => s.name === 'over guideline')!;
    expect(under.data.map((p) => p[1])).toEqual([50, 99.9]);
    expect(over.data.map((p) => p[1])).toEqual([150, 100.1]);
    expect(over.markLine?.data[0].yAxis).toBe(100);
  });

  it('busy colours darken (light theme) as the CPU gets busier', () => {
    const lightness = (c: string) => Number(/(\d+)%\)$/.exec(c)![1]);
    expect(lightness(busyColor(0, 'light'))).toBeGreaterThan(lightness(busyColor(100, 'light')));
    expect(lightness(busyColor(0, 'dark'))).toBeLessThan(lightness(busyColor(100, 'dark')));
  });
});
