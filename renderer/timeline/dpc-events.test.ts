import { describe, expect, it } from 'vitest';
import type { DpcEventsResult } from '../../shared/contract.js';
import { eventAt, eventGroupKeys, eventsToTsv, hitTest } from './dpc-events.js';

/** CPU 0: a DPC [1000, 3000) with an ISR [1500, 1600) inside; CPU 1: a DPC [5000, 5100). */
const result: DpcEventsResult = {
  kind: 'dpcEvents',
  total: 3,
  offset: 0,
  id: [10, 11, 20],
  cpu: [0, 0, 1],
  type: [0, 3, 0],
  routine: [0, 1, 0],
  routines: [
    { module: 'volsnap.sys', function: 'VspWriteContextCompletionRoutine' },
    { module: 'HDAudBus.sys', function: 'HdaController::Isr' },
  ],
  enterNs: [1000, 1500, 5000],
  durationNs: [2000, 100, 100],
  exclusiveNs: [1900, 100, 100],
  fragments: [2, 1, 1],
};
const layout = { cpus: [0, 1], laneHeight: 10 };
const view = { start: 0, end: 10_000 };

describe('dpc events', () => {
  it('hit-tests the ISR over the DPC around it, the DPC elsewhere, a narrow mark within slop', () => {
    // 1000 px over 10,000 ns: 10 ns per px.
    expect(hitTest(result, layout, view, 1000, 155, 5)).toBe(1);
    expect(hitTest(result, layout, view, 1000, 250, 5)).toBe(0);
    expect(hitTest(result, layout, view, 1000, 512, 15)).toBe(2);
    expect(hitTest(result, layout, view, 1000, 250, 15)).toBe(-1); // CPU 1's lane is empty there
    expect(hitTest(result, layout, view, 1000, 250, 35)).toBe(-1); // no third lane
  });

  it('copies rows as TSV with WPA’s column names, µs with 3 decimals', () => {
    const rows = [eventAt(result, 0), eventAt(result, 1)];
    expect(eventsToTsv(rows, ['duration'])).toBe('Duration (µs)\n2.000\n0.100');
    expect(eventsToTsv(rows.slice(0, 1), ['cpu', 'type', 'module', 'enter', 'exclusive', 'fragments'])).toBe(
      'CPU\tType\tModule\tEnter Time (s)\tExclusive Duration (µs)\tFragments\n0\tDPC\tvolsnap.sys\t0.000001000\t1.900\t2',
    );
    expect(eventAt(result, 1).type).toBe('ISR');
  });
});

describe('eventGroupKeys', () => {
  it('keys an event as the engine keys its pivot groups, or undefined for another column', () => {
    const event = eventAt(result, 1);
    expect(eventGroupKeys(event, ['module', 'function'])).toEqual(['HDAudBus.sys', 'HdaController::Isr']);
    expect(eventGroupKeys(event, ['cpu', 'type'])).toEqual(['0', 'ISR']);
    expect(eventGroupKeys(event, [])).toEqual([]);
    expect(eventGroupKeys(event, ['process'])).toBeUndefined();
  });
});
