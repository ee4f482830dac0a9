import { describe, expect, it } from 'vitest';
import { busyColor } from './series-options.js';

describe('busy colour scale', () => {
  it('busy colours darken (light theme) / brighten (dark theme) as the CPU gets busier', () => {
    const lightness = (c: string) => Number(/(\d+)%\)$/.exec(c)![1]);
    expect(lightness(busyColor(0, 'light'))).toBeGreaterThan(lightness(busyColor(100, 'light')));
    expect(lightness(busyColor(0, 'dark'))).toBeLessThan(lightness(busyColor(100, 'dark')));
  });
});
