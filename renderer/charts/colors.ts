// Colours shared by the legend and the graphs: one stable colour per CPU, one per C-state, and
// the chart chrome per theme (echarts draws on canvas, so it cannot read CSS variables itself).

import type { Theme } from '../state/slices.js';

/** Golden-angle hue steps keep neighbouring CPU numbers far apart in colour. */
const GOLDEN_ANGLE = 137.508;

export function cpuColor(cpu: number, theme: Theme): string {
  const hue = (cpu * GOLDEN_ANGLE + 210) % 360;
  return theme === 'dark' ? `hsl(${hue.toFixed(0)} 70% 62%)` : `hsl(${hue.toFixed(0)} 65% 42%)`;
}

/**
 * C0 (running) warm orange; each idle state its own hue, deeper = cooler (issue 10: the lanes are
 * 2–4 px high, and two similar blues for C1/C2 could not be told apart there): C1 teal, C2 blue,
 * C3 violet, C4 magenta, C5 grey. Dark theme: the same hues lighter, so each stands out on the
 * dark panel.
 */
const CSTATE_LIGHT = ['#e8833a', '#4fb8a6', '#2f6fd0', '#6a3fb5', '#b5369a', '#5a5f6b'];
const CSTATE_DARK = ['#f0a050', '#5fd0bb', '#5b95f0', '#a47cf0', '#e06bc8', '#a0a6b4'];

export function cstateColor(state: number, theme: Theme): string {
  const palette = theme === 'dark' ? CSTATE_DARK : CSTATE_LIGHT;
  return palette[Math.min(Math.max(state, 0), palette.length - 1)];
}

/**
 * Performance states by index: P0 (the highest performance) hot red, deeper P-states through
 * orange and yellow to green and blue, so "which CPUs slowed down" reads as a change of hue.
 */
const PSTATE_LIGHT = ['#c8331e', '#e0702a', '#d9a51c', '#8fb23a', '#3f9e6a', '#2b8aa8', '#3d63b8', '#5b4aa8'];
const PSTATE_DARK = ['#ff6a50', '#ff9a4a', '#f0c84a', '#b4d45a', '#5cc48a', '#4fb4d4', '#6f92e8', '#9a86e8'];

export function pstateColor(state: number, theme: Theme): string {
  const palette = theme === 'dark' ? PSTATE_DARK : PSTATE_LIGHT;
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
