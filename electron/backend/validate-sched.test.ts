// Validation of the scheduling and power queries (issue 11): known fields only, bounds, columns.
import { describe, expect, it } from 'vitest';
import { validateQuery } from './validate.js';

function rejects(fn: () => unknown, message: RegExp) {
  expect(fn).toThrow(
    expect.objectContaining({ code: 'bad-request', message: expect.stringMatching(message) }),
  );
}

describe('scheduling and power query validation', () => {
  it('keeps only the known fields', () => {
    expect(
      validateQuery({
        kind: 'switchPivot',
        filter: { cpus: [1], process: 'telshell', threadIds: [2208], extra: 1 },
        groupBy: ['newProcess', 'oldWaitReason'],
        sortBy: 'readyUsMax',
        junk: true,
      }),
    ).toEqual({
      kind: 'switchPivot',
      filter: { cpus: [1], process: 'telshell', threadIds: [2208] },
      groupBy: ['newProcess', 'oldWaitReason'],
      sortBy: 'readyUsMax',
    });
    expect(validateQuery({ kind: 'threadDelays', threadId: 4120, filter: {} })).toEqual({
      kind: 'threadDelays',
      threadId: 4120,
      filter: {},
    });
    expect(validateQuery({ kind: 'idleStats', filter: {}, buckets: 50, perCpu: true })).toEqual({
      kind: 'idleStats',
      filter: {},
      buckets: 50,
      perCpu: true,
    });
    expect(
      validateQuery({ kind: 'idleStats', filter: {}, rowLimit: 200, rowOffset: 400, rowType: 'Target' }),
    ).toEqual({ kind: 'idleStats', filter: {}, rowLimit: 200, rowOffset: 400, rowType: 'Target' });
    expect(validateQuery({ kind: 'idleStats', filter: {}, withStats: false })).toEqual({
      kind: 'idleStats',
      filter: {},
      withStats: false,
    });
    expect(() => validateQuery({ kind: 'idleStats', filter: {}, withStats: 'no' })).toThrow(/withStats/);
  });

  it('rejects unknown columns, duplicates, bad ids and bounds', () => {
    rejects(() => validateQuery({ kind: 'switchPivot', filter: {}, groupBy: ['module'] }), /groupBy/);
    rejects(() => validateQuery({ kind: 'switchPivot', filter: {}, groupBy: ['cpu', 'cpu'] }), /twice/);
    rejects(() => validateQuery({ kind: 'threadDelays', threadId: -1, filter: {} }), /threadId/);
    rejects(() => validateQuery({ kind: 'threadDelays', filter: {} }), /threadId/);
    rejects(() => validateQuery({ kind: 'switchRows', filter: {}, limit: 1e9 }), /limit/);
    rejects(() => validateQuery({ kind: 'threadTimeline', filter: {}, sortBy: 'name' }), /sortBy/);
    rejects(() => validateQuery({ kind: 'frequency', filter: { range: { start: 5, end: 1 } } }), /range/);
    rejects(() => validateQuery({ kind: 'threadSummary' }), /filter/);
    rejects(() => validateQuery({ kind: 'idleStats', filter: {}, rowType: 'Both' }), /rowType/);
    rejects(() => validateQuery({ kind: 'idleStats', filter: {}, rowOffset: -1 }), /rowOffset/);
  });
});
