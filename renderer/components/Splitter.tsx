// The resizable split between the graphs and the tables: drag the bar (or focus it and use ↑/↓)
// to give the graphs or the tables more room; double-click returns to the graphs' natural height.
// The height is remembered (localStorage, for every trace), so the next session opens the same way.

import { useEffect, useState, type RefObject } from 'react';

const SPLIT_KEY = 'etlscope:split:v1';
/** Neither side may shrink below this: a graph title and a table header still show. */
const MIN_PANE_PX = 120;
/** ↑/↓ step on the focused bar. */
const KEY_STEP_PX = 24;

function savedHeight(): number | undefined {
  try {
    const value = Number(globalThis.localStorage?.getItem(SPLIT_KEY));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The graph area's height: undefined = natural (as tall as its graphs). */
export function useSplitHeight(): [number | undefined, (h: number | undefined) => void] {
  const [height, setHeight] = useState<number | undefined>(savedHeight);
  useEffect(() => {
    try {
      if (height === undefined) globalThis.localStorage?.removeItem(SPLIT_KEY);
      else globalThis.localStorage?.setItem(SPLIT_KEY, String(Math.round(height)));
    } catch {
      // storage full or denied: the split is only not remembered
    }
  }, [height]);
  return [height, setHeight];
}

export function Splitter({
  target,
  height,
  setHeight,
}: {
  target: RefObject<HTMLDivElement | null>;
  height: number | undefined;
  setHeight: (h: number | undefined) => void;
}) {
  const clamp = (h: number) => Math.max(MIN_PANE_PX, Math.min(h, globalThis.innerHeight - MIN_PANE_PX - 120));
  return (
    <div
      className="splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize graphs and tables"
      tabIndex={0}
      title="Drag to resize the graphs and the tables (double-click: natural height)"
      onMouseDown={(event) => {
        event.preventDefault();
        const startY = event.clientY;
        const startHeight = target.current?.getBoundingClientRect().height ?? height ?? 300;
        const move = (e: MouseEvent) => setHeight(clamp(startHeight + e.clientY - startY));
        const up = () => {
          globalThis.removeEventListener('mousemove', move);
          globalThis.removeEventListener('mouseup', up);
        };
        globalThis.addEventListener('mousemove', move);
        globalThis.addEventListener('mouseup', up);
      }}
      onDoubleClick={() => setHeight(undefined)}
      onKeyDown={(event) => {
        const current = target.current?.getBoundingClientRect().height ?? height ?? 300;
        if (event.key === 'ArrowUp') setHeight(clamp(current - KEY_STEP_PX));
        else if (event.key === 'ArrowDown') setHeight(clamp(current + KEY_STEP_PX));
        else return;
        event.preventDefault();
        event.stopPropagation();
      }}
      data-testid="splitter"
    />
  );
}
