// Colours shared by the legend and the graphs: one stable colour per CPU, one per C-state, and
// the chart chrome per theme (echarts draws on canvas, so it cannot read CSS variables itself).

import type { Theme } from '../state/slices.js';

/** Golden-angle hue steps keep neighbouring CPU numbers far apart in colour. */
const GOLDEN_ANGLE = 137.508;

export function cpuColor(cpu: number, theme: Theme): string {
  const hue = (cpu * GOLDEN_ANGLE + 210) % 360;
  return theme === 'dark' ? `hsl(${hue.toFixed(0)} 70% 62%)` : `hsl(${hue.toFixed(0)} 65% 42%)`;
}

/** C0 (running) warm, deeper idle states progressively cooler and darker. */
const CSTATE_LIGHT = ['#e8833a', '#9ecae1', '#4292c6', '#2171b5', '#08519c', '#08306b'];
const CSTATE_DARK = ['#f0a050', '#6baed6', '#4292c6', '#2b7bba', '#1c5fa0', '#124a85'];

export function cstateColor(state: number, theme: Theme): string {
  const palette = theme === 'dark' ? CSTATE_DARK : CSTATE_LIGHT;
  return palette[Math.min(Math.max(state, 0), palette.length - 1)];
}

export interface ChartChrome {
  readonly text: string;
  readonly muted: string;
  readonly axis: string;
  readonly grid: string;
  readonly over: string;
  readonly under: string;
  readonly highlight: string;
  readonly selection: string;
}

export function chartChrome(theme: Theme): ChartChrome {
  return theme === 'dark'
    ? {
        text: '#d8dde6',
        muted: '#8b95a5',
        axis: '#566070',
        grid: '#2c333e',
        over: '#ff6b5b',
        under: '#5aa9e6',
        highlight: '#ffd84d',
        selection: 'rgba(255, 216, 77, 0.18)',
      }
    : {
        text: '#1f2733',
        muted: '#5d6878',
        axis: '#9aa4b2',
        grid: '#e6e9ee',
        over: '#d62f1f',
        under: '#2b6cb0',
        highlight: '#e0a800',
        selection: 'rgba(224, 168, 0, 0.18)',
      };
}
