import { describe, expect, it } from 'vitest';
import { fixed, integer, renderTable } from './text-table.js';

describe('text tables', () => {
  it('aligns text left and numbers right', () => {
    const text = renderTable(
      [
        { title: 'Module', align: 'left' },
        { title: 'Count', align: 'right' },
      ],
      [
        ['ndis.sys', '163,000'],
        ['tcpip.sys', '12'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'Module       Count',
      '---------  -------',
      'ndis.sys   163,000',
      'tcpip.sys       12',
    ]);
  });
  it('formats numbers without the locale', () => {
    expect(integer(1234567)).toBe('1,234,567');
    expect(fixed(2.345, 1)).toBe('2.3');
    expect(fixed(Number.NaN, 1)).toBe('-');
  });
});
