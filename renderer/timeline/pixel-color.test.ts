import { describe, expect, it } from 'vitest';
import { cstateColor } from '../charts/colors.js';
import { busyColor } from '../charts/series-options.js';
import { hslToRgb, packedColor, packRgba, parseCssColor } from './pixel-color.js';

/** Bytes of a packed pixel in memory order (as ImageData holds them). */
const bytes = (packed: number) => [...new Uint8Array(new Uint32Array([packed]).buffer)];

describe('pixel colours', () => {
  it('parses hex in its four lengths', () => {
    expect(parseCssColor('#e8833a')).toEqual([0xe8, 0x83, 0x3a, 1]);
    expect(parseCssColor('#fff')).toEqual([255, 255, 255, 1]);
    expect(parseCssColor('#00000080')).toEqual([0, 0, 0, 128 / 255]);
    expect(parseCssColor('#f008')).toEqual([255, 0, 0, 0x88 / 255]);
    expect(parseCssColor('#12345')).toBeUndefined();
  });

  it('parses hsl and rgb in the space and the comma syntax', () => {
    expect(parseCssColor('hsl(0 100% 50%)')).toEqual([255, 0, 0, 1]);
    expect(parseCssColor('hsl(120, 100%, 25%)')).toEqual([0, 128, 0, 1]);
    expect(parseCssColor('hsla(240deg 100% 50% / 0.5)')).toEqual([0, 0, 255, 0.5]);
    expect(parseCssColor('rgb(10 20 30)')).toEqual([10, 20, 30, 1]);
    expect(parseCssColor('rgba(255, 216, 77, 0.18)')).toEqual([255, 216, 77, 0.18]);
    expect(parseCssColor('hsl(nope)')).toBeUndefined();
  });

  it('converts hsl as CSS Color 4 does', () => {
    expect(hslToRgb(214, 0.8, 0.36)).toEqual([18, 82, 165]);
    expect(hslToRgb(195, 0.4, 0.16)).toEqual([24, 49, 57]);
    expect(hslToRgb(-60, 1, 0.5)).toEqual([255, 0, 255]);
  });

  it("packs to ImageData's byte order and parses the graphs' colours", () => {
    expect(bytes(packRgba([1, 2, 3, 1]))).toEqual([1, 2, 3, 255]);
    expect(bytes(packedColor(cstateColor(0, 'light')))).toEqual([0xe8, 0x83, 0x3a, 255]);
    for (const theme of ['light', 'dark'] as const) {
      for (let p = 0; p <= 100; p += 5) expect(bytes(packedColor(busyColor(p, theme)))[3]).toBe(255);
    }
    // Not parseable, no document to paint it in: transparent (nothing drawn).
    expect(packedColor('rebeccapurple')).toBe(0);
  });
});
