import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatSeconds, formatUs, routineName } from './format.js';

describe('format', () => {
  it('names routines like WPA and xperf, without repeating the module', () => {
    expect(routineName('ndis.sys', 'ndisInterruptDpc')).toBe('ndis.sys!ndisInterruptDpc');
    expect(routineName('tcpip.sys', 'tcpip.sys+0x1a2b0')).toBe('tcpip.sys+0x1a2b0');
    expect(routineName('Unknown', '0xfffff80212345678')).toBe('0xfffff80212345678');
  });

  it('formats numbers with fixed grouping, whatever the machine locale', () => {
    expect(formatCount(163000)).toBe('163,000');
    expect(formatUs(220.004)).toBe('220');
    expect(formatUs(33.86)).toBe('33.9');
    expect(formatBytes(30.7 * 1024 * 1024)).toBe('30.7 MiB');
  });

  it('shows as many decimals of seconds as the visible span needs', () => {
    expect(formatSeconds(2.5e9, 10e9)).toBe('2.5 s');
    expect(formatSeconds(2.5123e9, 5e6)).toBe('2.51230 s');
  });
});
