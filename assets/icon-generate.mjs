// Draws the etlscope app icon (assets/icon.svg and the 1024×1024 assets/icon.png electron-builder
// turns into .ico/.icns/Linux icons) with no image library: the shapes are rasterized here with
// 4×4 supersampling and written as a PNG with node:zlib. Run: node assets/icon-generate.mjs
//
//   dark rounded tile · a row of DPC-duration bars (teal) · one bar over the dashed budget line (amber)
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
/** 1024 px: the size macOS .icns wants for Retina; electron-builder scales down for the rest. */
const SIZE = 1024;
/** 4×4 samples per pixel: smooth edges without a real rasterizer. */
const SUPERSAMPLE = 4;

const TILE = { x: 64, y: 64, w: 896, h: 896, r: 200, color: [22, 27, 38] };
const BASELINE = 800;
const BUDGET_Y = 440;
const BARS = [
  { x: 170, h: 210, color: [45, 212, 191] },
  { x: 290, h: 300, color: [45, 212, 191] },
  { x: 410, h: 170, color: [45, 212, 191] },
  { x: 530, h: 520, color: [251, 146, 60] },
  { x: 650, h: 250, color: [45, 212, 191] },
  { x: 770, h: 130, color: [45, 212, 191] },
];
const BAR_WIDTH = 84;
const BAR_RADIUS = 18;
const BUDGET = { color: [248, 113, 113], thickness: 14, dash: 56, gap: 32, from: 130, to: 894 };

function inRoundedRect(px, py, x, y, w, h, r) {
  if (px < x || px > x + w || py < y || py > y + h) return false;
  const cx = Math.min(Math.max(px, x + r), x + w - r);
  const cy = Math.min(Math.max(py, y + r), y + h - r);
  return (px - cx) ** 2 + (py - cy) ** 2 <= r * r;
}

/** Colour at one sample point, or undefined (transparent). Later shapes paint over earlier ones. */
function sample(px, py) {
  if (!inRoundedRect(px, py, TILE.x, TILE.y, TILE.w, TILE.h, TILE.r)) return undefined;
  let color = TILE.color;
  for (const bar of BARS) {
    if (inRoundedRect(px, py, bar.x, BASELINE - bar.h, BAR_WIDTH, bar.h, BAR_RADIUS)) color = bar.color;
  }
  const onLine = Math.abs(py - BUDGET_Y) <= BUDGET.thickness / 2 && px >= BUDGET.from && px <= BUDGET.to;
  if (onLine && (px - BUDGET.from) % (BUDGET.dash + BUDGET.gap) < BUDGET.dash) color = BUDGET.color;
  if (Math.abs(py - (BASELINE + 14)) <= 6 && px >= 150 && px <= 874) color = [148, 163, 184];
  return color;
}

function rasterize() {
  const rgba = Buffer.alloc(SIZE * SIZE * 4);
  const n = SUPERSAMPLE * SUPERSAMPLE;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let r = 0,
        g = 0,
        b = 0,
        a = 0;
      for (let sy = 0; sy < SUPERSAMPLE; sy++) {
        for (let sx = 0; sx < SUPERSAMPLE; sx++) {
          const c = sample(x + (sx + 0.5) / SUPERSAMPLE, y + (sy + 0.5) / SUPERSAMPLE);
          if (c !== undefined) {
            r += c[0];
            g += c[1];
            b += c[2];
            a++;
          }
        }
      }
      const i = (y * SIZE + x) * 4;
      if (a > 0) {
        rgba[i] = Math.round(r / a);
        rgba[i + 1] = Math.round(g / a);
        rgba[i + 2] = Math.round(b / a);
        rgba[i + 3] = Math.round((255 * a) / n);
      }
    }
  }
  return rgba;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function encodePng(rgba) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(SIZE, 0);
  ihdr.writeUInt32BE(SIZE, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  const rows = Buffer.alloc(SIZE * (SIZE * 4 + 1));
  for (let y = 0; y < SIZE; y++) rgba.copy(rows, y * (SIZE * 4 + 1) + 1, y * SIZE * 4, (y + 1) * SIZE * 4);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const rgb = (c) => `rgb(${c.join(',')})`;
function svg() {
  const bars = BARS.map(
    (bar) =>
      `  <rect x="${bar.x}" y="${BASELINE - bar.h}" width="${BAR_WIDTH}" height="${bar.h}" rx="${BAR_RADIUS}" fill="${rgb(bar.color)}"/>`,
  ).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${SIZE} ${SIZE}" width="${SIZE}" height="${SIZE}">
  <rect x="${TILE.x}" y="${TILE.y}" width="${TILE.w}" height="${TILE.h}" rx="${TILE.r}" fill="${rgb(TILE.color)}"/>
${bars}
  <line x1="${BUDGET.from}" y1="${BUDGET_Y}" x2="${BUDGET.to}" y2="${BUDGET_Y}" stroke="${rgb(BUDGET.color)}" stroke-width="${BUDGET.thickness}" stroke-dasharray="${BUDGET.dash} ${BUDGET.gap}"/>
  <rect x="150" y="${BASELINE + 8}" width="724" height="12" fill="rgb(148,163,184)"/>
</svg>
`;
}

writeFileSync(path.join(here, 'icon.svg'), svg());
writeFileSync(path.join(here, 'icon.png'), encodePng(rasterize()));
console.log('wrote assets/icon.svg and assets/icon.png');
