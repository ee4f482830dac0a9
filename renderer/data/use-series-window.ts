// The series window a graph keeps while the view stays inside it at its resolution
// (series-window.ts plans it): panning and small zooms reuse the loaded window, so they ask for
// nothing new; leaving it, or a new resolution, plans the next one. One per graph area (the
// graphs above the table, the Power tab's lanes).

import { useRef } from 'react';
import type { TimeRange } from '../../shared/units.js';
import { planSeriesWindow, windowCovers, type SeriesWindow } from './series-window.js';

/** undefined until the plot has a width. */
export function useSeriesWindow(
  view: TimeRange,
  plotWidth: number,
  durationNs: number,
): SeriesWindow | undefined {
  const loaded = useRef<SeriesWindow | undefined>(undefined);
  if (plotWidth <= 0) return undefined;
  if (loaded.current === undefined || !windowCovers(loaded.current, view, plotWidth, durationNs))
    loaded.current = planSeriesWindow(view, plotWidth, durationNs);
  return loaded.current;
}
