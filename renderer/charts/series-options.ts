// What the plot canvases share: the plot margins that line every graph's time axis up (and the
// drag overlay with them) and the busy-% colour scale of the lane graphs. (The echarts option
// builders that lived here went with the echarts lane, scatter and line graphs: renderer/timeline/.)

import type { Theme } from '../state/slices.js';

/** Plot margins shared by every graph so their time axes line up (and the drag overlay with them). */
export const GRID_LEFT = 64;
export const GRID_RIGHT = 20;

/** Busy % as a colour: the background at 0 %, deep blue (light theme) / bright cyan (dark) at 100 %. */
export function busyColor(percent: number, theme: Theme): string {
  const p = Math.min(Math.max(percent, 0), 100) / 100;
  return theme === 'dark'
    ? `hsl(195 ${(40 + 50 * p).toFixed(0)}% ${(16 + 52 * p).toFixed(0)}%)`
    : `hsl(214 ${(30 + 50 * p).toFixed(0)}% ${(96 - 60 * p).toFixed(0)}%)`;
}
