// CSS colour strings as packed RGBA for canvases filled pixel by pixel (Uint32Array over an
// ImageData): the graphs' colour functions return `hsl(H S% L%)` (busyColor, cpuColor) and hex
// (C-state palettes); they are parsed here once and cached, so a lane redraw sets no fillStyle.

/** Red, green, blue 0–255 and alpha 0–1. */
export type Rgba = readonly [number, number, number, number];

/** Parses `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()/rgba()` and `hsl()/hsla()` (both syntaxes). */
export function parseCssColor(css: string): Rgba | undefined {
  const text = css.trim().toLowerCase();
  if (text.startsWith('#')) return parseHex(text.slice(1));
  const call = /^(rgba?|hsla?)\(([^)]*)\)$/.exec(text);
  if (call === null) return undefined;
  // "h s% l% / a" and "h, s%, l%, a" alike.
  const parts = call[2]!.split(/[\s,/]+/).filter((p) => p !== '');
  if (parts.length < 3 || parts.length > 4) return undefined;
  const alpha = parts.length === 4 ? component(parts[3]!, 1) : 1;
  if (alpha === undefined) return undefined;
  if (call[1]!.startsWith('rgb')) {
    const rgb = parts.slice(0, 3).map((p) => component(p, 255));
    if (rgb.some((c) => c === undefined)) return undefined;
    return [round255(rgb[0]!), round255(rgb[1]!), round255(rgb[2]!), clamp01(alpha)];
  }
  const hue = Number.parseFloat(parts[0]!.replace(/deg$/, ''));
  const saturation = percent(parts[1]!);
  const lightness = percent(parts[2]!);
  if (!Number.isFinite(hue) || saturation === undefined || lightness === undefined) return undefined;
  const [r, g, b] = hslToRgb(hue, saturation, lightness);
  return [r, g, b, clamp01(alpha)];
}

/** CSS Color 4's hsl → sRGB (h in degrees, s and l 0–1), rounded to bytes as browsers do. */
export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const hue = ((h % 360) + 360) % 360;
  const sat = clamp01(s);
  const light = clamp01(l);
  const f = (n: number) => {
    const k = (n + hue / 30) % 12;
    const a = sat * Math.min(light, 1 - light);
    return light - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
  };
  return [round255(f(0) * 255), round255(f(8) * 255), round255(f(4) * 255)];
}

/** Whether this machine stores a Uint32 with its lowest byte first (every browser platform today). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** One pixel for a Uint32Array view of ImageData (bytes R, G, B, A in memory order). */
export function packRgba([r, g, b, a]: Rgba): number {
  const alpha = Math.round(clamp01(a) * 255);
  return LITTLE_ENDIAN
    ? ((alpha << 24) | (b << 16) | (g << 8) | r) >>> 0
    : ((r << 24) | (g << 16) | (b << 8) | alpha) >>> 0;
}

/**
 * Distinct colours the cache keeps before starting over: busyColor has ~50 steps per theme, the
 * palettes a few each, so this is never reached by the graphs and only bounds a misuse.
 */
const CACHE_LIMIT = 4096;
const cache = new Map<string, number>();

/** The packed pixel of a CSS colour (cached); 0 (transparent) for a string nothing can parse. */
export function packedColor(css: string): number {
  const hit = cache.get(css);
  if (hit !== undefined) return hit;
  const rgba = parseCssColor(css) ?? canvasParse(css);
  const packed = rgba === undefined ? 0 : packRgba(rgba);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(css, packed);
  return packed;
}

/** Fallback for colours the parser does not know (names, other spaces): a 1×1 canvas paints it. */
function canvasParse(css: string): Rgba | undefined {
  if (typeof document === 'undefined') return undefined;
  const ctx = document.createElement('canvas').getContext('2d', { willReadFrequently: true });
  if (ctx === null) return undefined;
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillStyle = css;
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  return [r!, g!, b!, a! / 255];
}

function parseHex(hex: string): Rgba | undefined {
  if (!/^[0-9a-f]+$/.test(hex)) return undefined;
  if (hex.length === 3 || hex.length === 4) {
    const [r, g, b, a] = [...hex].map((d) => Number.parseInt(d + d, 16));
    return [r!, g!, b!, a === undefined ? 1 : a / 255];
  }
  if (hex.length === 6 || hex.length === 8) {
    const byte = (i: number) => Number.parseInt(hex.slice(i, i + 2), 16);
    return [byte(0), byte(2), byte(4), hex.length === 8 ? byte(6) / 255 : 1];
  }
  return undefined;
}

/** A number or a percentage of `scale` (rgb channels: 255; alpha: 1). */
function component(text: string, scale: number): number | undefined {
  const value = Number.parseFloat(text);
  if (!Number.isFinite(value)) return undefined;
  return text.endsWith('%') ? (value / 100) * scale : value;
}

function percent(text: string): number | undefined {
  const value = Number.parseFloat(text);
  return Number.isFinite(value) ? value / 100 : undefined;
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const round255 = (x: number) => Math.min(255, Math.max(0, Math.round(x)));
