// The flame graph of a top-down stack tree, drawn on one canvas (never a DOM node per frame):
// the root on top, callees below, widths by weight, one hue per module. Hover shows the frame's
// name, count, ms and shares; click zooms into a frame (its ancestors stay above, full width:
// click one, the breadcrumbs or Esc to zoom out); right-click opens the butterfly on it. "Highlight"
// marks every frame whose name contains a text and says how much of the view they cover; Enter
// there zooms to the heaviest match.
//
//   StackResult.tree ──layoutFlame(zoom, ½ px)──> FlameRects ──draw (DPR-scaled canvas)──> pixels
//   pointer ──flameHit(x / width, row)──> hover tooltip / zoom (store: flameZoom)

import { useEffect, useMemo, useRef, useState } from 'react';
import type { StackResult } from '../../shared/contract.js';
import { formatCount, formatMs, formatPercent } from '../format.js';
import type { StackPreset } from '../state/stack-presets.js';
import { useApp } from '../state/store.js';
import { flameHit, layoutFlame, moduleHue, type FlameRects } from './flame-layout.js';
import { PATH_SEPARATOR } from '../state/slices.js';
import { isFunctionNode, nodesOnPath, parentPath, searchStacks } from './stack-tree.js';

/** Row height in px: fits 11 px text with a pixel of air. */
const FLAME_ROW_PX = 18;
/** Narrowest rectangle worth a label (an ellipsis and two characters). */
const LABEL_MIN_PX = 28;
/** Rectangles narrower than half a pixel are not drawn (layoutFlame drops them with their callees). */
const MIN_RECT_PX = 0.5;
const TOOLTIP_WIDTH_PX = 380;

interface Hover {
  readonly index: number;
  readonly x: number;
  readonly y: number;
}

interface Palette {
  readonly text: string;
  readonly background: string;
  readonly muted: string;
  readonly hoverStroke: string;
}

function paletteOf(element: HTMLElement): Palette {
  const css = getComputedStyle(element);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1f2733'),
    background: v('--panel', '#ffffff'),
    muted: v('--muted', '#5d6878'),
    hoverStroke: v('--accent', '#2563eb'),
  };
}

function fillFor(
  rects: FlameRects,
  i: number,
  dark: boolean,
  matches: ReadonlySet<string> | undefined,
): string {
  const node = rects.nodes[i]!;
  const matched = matches?.has(rects.paths[i]!) ?? false;
  if (matches !== undefined && matches.size > 0 && !matched) {
    return dark ? 'hsl(220 10% 24%)' : 'hsl(220 12% 88%)';
  }
  if (matched) {
    return dark ? 'hsl(320 70% 45%)' : 'hsl(320 75% 62%)';
  }
  if (node.kind === 'root') {
    return dark ? 'hsl(220 12% 32%)' : 'hsl(220 14% 80%)';
  }
  if (node.kind === 'no-stack') {
    return dark ? 'hsl(0 0% 30%)' : 'hsl(0 0% 78%)';
  }
  const hue = moduleHue(node.name);
  if (node.kind === 'group') {
    return dark ? `hsl(${hue} 35% 30%)` : `hsl(${hue} 45% 78%)`;
  }
  const unresolved = node.name.includes('+0x');
  return dark
    ? `hsl(${hue} ${unresolved ? 15 : 45}% ${unresolved ? 30 : 36}%)`
    : `hsl(${hue} ${unresolved ? 20 : 62}% ${unresolved ? 80 : 70}%)`;
}

function draw(
  canvas: HTMLCanvasElement,
  rects: FlameRects,
  width: number,
  dark: boolean,
  hover: number,
  matches: ReadonlySet<string> | undefined,
): void {
  const ratio = globalThis.devicePixelRatio || 1;
  const height = Math.max(1, rects.rows) * FLAME_ROW_PX;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  if (ctx === null) {
    return;
  }
  const palette = paletteOf(canvas);
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.font = '11px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif';
  ctx.textBaseline = 'middle';
  const ellipsisWidth = ctx.measureText('…').width;
  for (let i = 0; i < rects.count; i++) {
    const x = rects.x0[i]! * width;
    const w = (rects.x1[i]! - rects.x0[i]!) * width;
    const y = rects.depth[i]! * FLAME_ROW_PX;
    ctx.fillStyle = fillFor(rects, i, dark, matches);
    // One pixel of background between neighbours and rows, where there is room for it.
    ctx.fillRect(x, y, w > 2 ? w - 1 : w, FLAME_ROW_PX - 1);
    if (w >= LABEL_MIN_PX) {
      const node = rects.nodes[i]!;
      const room = w - 6;
      let label = node.kind === 'root' ? `all (${formatCount(node.samples)})` : node.name;
      if (ctx.measureText(label).width > room) {
        // Cut to what fits: the function part matters most, so drop the module first.
        const bang = label.indexOf('!');
        if (bang > 0 && ctx.measureText(label.slice(bang + 1)).width <= room) {
          label = label.slice(bang + 1);
        } else {
          let lo = 0;
          let hi = label.length;
          while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (ctx.measureText(label.slice(0, mid)).width + ellipsisWidth <= room) lo = mid;
            else hi = mid - 1;
          }
          label = lo > 1 ? `${label.slice(0, lo)}…` : '';
        }
      }
      if (label !== '') {
        ctx.fillStyle = dark ? palette.text : '#14181e';
        ctx.fillText(label, x + 3, y + FLAME_ROW_PX / 2);
      }
    }
  }
  if (hover >= 0 && hover < rects.count) {
    const x = rects.x0[hover]! * width;
    const w = (rects.x1[hover]! - rects.x0[hover]!) * width;
    ctx.strokeStyle = palette.hoverStroke;
    ctx.lineWidth = 2;
    ctx.strokeRect(x + 1, rects.depth[hover]! * FLAME_ROW_PX + 1, Math.max(1, w - 3), FLAME_ROW_PX - 3);
  }
}

export function FlameGraph({
  result,
  loading,
  preset,
}: {
  result: StackResult | undefined;
  loading: boolean;
  preset: StackPreset;
}) {
  const zoom = useApp((s) => s.flameZoom);
  const setZoom = useApp((s) => s.setFlameZoom);
  const setFocus = useApp((s) => s.setStackFocus);
  const theme = useApp((s) => s.theme);
  const box = useRef<HTMLDivElement>(null);
  const crumbBar = useRef<HTMLSpanElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<Hover | undefined>(undefined);
  const [search, setSearch] = useState('');
  const tree = result?.tree;

  useEffect(() => {
    const element = box.current;
    if (element === null) {
      return;
    }
    const observer = new ResizeObserver(() => setWidth(Math.floor(element.clientWidth)));
    observer.observe(element);
    setWidth(Math.floor(element.clientWidth));
    return () => observer.disconnect();
  }, []);

  const rects = useMemo(
    () =>
      tree === undefined || width <= 0
        ? undefined
        : layoutFlame(tree, { zoom, minWidth: MIN_RECT_PX / Math.max(1, width) }),
    [tree, zoom, width],
  );
  const found = useMemo(() => (tree !== undefined ? searchStacks(tree, search) : undefined), [tree, search]);
  const matches = found !== undefined && search.trim() !== '' ? found.paths : undefined;

  useEffect(() => {
    if (canvas.current !== null && rects !== undefined) {
      draw(canvas.current, rects, width, theme === 'dark', hover?.index ?? -1, matches);
    }
  }, [rects, width, theme, hover, matches]);

  const hitAt = (clientX: number, clientY: number): number => {
    const element = canvas.current;
    if (element === null || rects === undefined || width <= 0) {
      return -1;
    }
    const bounds = element.getBoundingClientRect();
    return flameHit(
      rects,
      (clientX - bounds.left) / width,
      Math.floor((clientY - bounds.top) / FLAME_ROW_PX),
    );
  };
  const zoomTo = (path: string) => setZoom(path === '' ? undefined : path);

  // Esc zooms out one level (to the zoomed frame's parent).
  useEffect(() => {
    if (zoom === undefined) {
      return;
    }
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.key === 'Escape' && target?.tagName !== 'INPUT') {
        setZoom(parentPath(zoom) || undefined);
      }
    };
    globalThis.addEventListener('keydown', onKey);
    return () => globalThis.removeEventListener('keydown', onKey);
  }, [zoom, setZoom]);

  const total = rects?.total ?? 0;
  const viewTotal = rects?.bySamples ? (tree?.samples ?? 0) : (tree?.weightMs ?? 0);
  const hovered = hover !== undefined && rects !== undefined ? rects.nodes[hover.index] : undefined;
  const hoveredParent =
    hover !== undefined && rects !== undefined && tree !== undefined
      ? (nodesOnPath(tree, parentPath(rects.paths[hover.index]!)).at(-1) ?? tree)
      : undefined;
  const measure = (n: { samples: number; weightMs: number }) => (rects?.bySamples ? n.samples : n.weightMs);
  const crumbs =
    tree !== undefined && rects !== undefined && rects.zoomPath !== ''
      ? nodesOnPath(tree, rects.zoomPath)
      : [];
  const zoomedName = crumbs.at(-1)?.name;

  // A deep zoom's breadcrumbs overflow: keep the zoomed end in sight.
  useEffect(() => {
    const bar = crumbBar.current;
    if (bar !== null) {
      bar.scrollLeft = bar.scrollWidth;
    }
  }, [zoomedName, width]);

  return (
    <div className="flame" data-testid="flame">
      <div className="flame-bar">
        <span className="flame-crumbs" ref={crumbBar} data-testid="flame-crumbs">
          <button
            type="button"
            className="link"
            onClick={() => setZoom(undefined)}
            disabled={crumbs.length === 0}
          >
            all
          </button>
          {crumbs.map((node, i) => {
            const path = rects!.zoomPath
              .split(PATH_SEPARATOR)
              .slice(0, i + 1)
              .join(PATH_SEPARATOR);
            return (
              <span key={path}>
                <span className="chevron"> › </span>
                <button
                  type="button"
                  className={i === crumbs.length - 1 ? 'link current' : 'link'}
                  onClick={() => zoomTo(path)}
                  title={node.name}
                >
                  {node.name}
                </button>
              </span>
            );
          })}
        </span>
        <span className="flame-search">
          <input
            type="search"
            placeholder="Highlight functions…"
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter' && found?.heaviest !== undefined) {
                zoomTo(found.heaviest);
              } else if (event.key === 'Escape') {
                setSearch('');
              }
            }}
            aria-label="Highlight functions whose name contains"
            data-testid="flame-search"
          />
          {matches !== undefined && found !== undefined && (
            <span className="flame-found" data-testid="flame-found">
              {found.matches === 0
                ? 'no frame matches'
                : `${formatCount(found.matches)} frames · ${formatCount(found.samples)} ${preset.table === 'dpcIsr' ? 'events' : 'samples'} (${formatPercent(
                    tree!.samples > 0 ? (found.samples / tree!.samples) * 100 : 0,
                  )}) · Enter: zoom to the heaviest`}
            </span>
          )}
        </span>
      </div>
      <div className="flame-scroll" ref={box}>
        {tree === undefined ? (
          <div className="pivot-empty">{loading ? 'Computing stacks…' : ''}</div>
        ) : (
          <canvas
            ref={canvas}
            className="flame-canvas"
            role="img"
            aria-label={`Flame graph of ${preset.title}: ${formatCount(rects?.count ?? 0)} frames${zoomedName !== undefined ? `, zoomed on ${zoomedName}` : ''}`}
            data-testid="flame-canvas"
            data-rects={rects?.count ?? 0}
            data-rows={rects?.rows ?? 0}
            data-row-px={FLAME_ROW_PX}
            data-zoom-depth={rects?.zoomDepth ?? 0}
            data-zoom-name={zoomedName ?? ''}
            onMouseMove={(event) => {
              const index = hitAt(event.clientX, event.clientY);
              const bounds = box.current!.getBoundingClientRect();
              setHover(
                index < 0
                  ? undefined
                  : {
                      index,
                      x: event.clientX - bounds.left + box.current!.scrollLeft,
                      y: event.clientY - bounds.top + box.current!.scrollTop,
                    },
              );
            }}
            onMouseLeave={() => setHover(undefined)}
            onClick={(event) => {
              const index = hitAt(event.clientX, event.clientY);
              if (index >= 0 && rects !== undefined) {
                zoomTo(rects.paths[index]!);
              }
            }}
            onContextMenu={(event) => {
              const index = hitAt(event.clientX, event.clientY);
              const node = index >= 0 ? rects?.nodes[index] : undefined;
              if (isFunctionNode(node)) {
                event.preventDefault();
                setFocus(node.name);
              }
            }}
          />
        )}
        {hovered !== undefined && hover !== undefined && (
          <div
            className="flame-tooltip"
            style={{
              left: Math.max(4, Math.min(hover.x + 14, width - TOOLTIP_WIDTH_PX - 4)),
              top: hover.y + 16,
              width: TOOLTIP_WIDTH_PX,
            }}
            data-testid="flame-tooltip"
          >
            <div className="flame-tooltip-name">
              {hovered.kind === 'root' ? 'all (range and filters)' : hovered.name}
            </div>
            <div>
              {formatCount(hovered.samples)} {preset.table === 'dpcIsr' ? 'events' : 'samples'} ·{' '}
              {formatMs(hovered.weightMs)} ms
            </div>
            <div>
              {formatPercent(viewTotal > 0 ? (measure(hovered) / viewTotal) * 100 : 0)} of the view
              {total > 0 && total !== viewTotal
                ? ` · ${formatPercent((measure(hovered) / total) * 100)} of the zoom`
                : ''}
              {hoveredParent !== undefined &&
              hoveredParent.kind === 'frame' &&
              hoveredParent !== hovered &&
              measure(hoveredParent) > 0
                ? ` · ${formatPercent((measure(hovered) / measure(hoveredParent)) * 100)} of its caller`
                : ''}
            </div>
            <div className="muted">
              {isFunctionNode(hovered) ? 'Click: zoom · right-click: butterfly' : 'Click: zoom'}
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
