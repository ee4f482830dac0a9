import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  validateExport,
  validateFilter,
  validateQuery,
  validateRequest,
  validateSource,
} from './validate.js';

const isAbsolute = path.posix.isAbsolute;

function rejects(fn: () => unknown, message: RegExp) {
  expect(fn).toThrow(
    expect.objectContaining({ code: 'bad-request', message: expect.stringMatching(message) }),
  );
}

describe('request validation', () => {
  it('returns fresh objects with only the known fields', () => {
    const query = validateQuery({
      kind: 'pivot',
      table: 'dpcIsr',
      filter: { cpus: [0, 2], include: { module: ['ndis.sys'] }, extra: 'x' },
      groupBy: ['module', 'function'],
      sortBy: 'count',
      __proto__hack: true,
    });
    expect(query).toEqual({
      kind: 'pivot',
      table: 'dpcIsr',
      filter: { cpus: [0, 2], include: { module: ['ndis.sys'] } },
      groupBy: ['module', 'function'],
      sortBy: 'count',
    });
  });

  it('checks group columns per table, duplicates and bounds', () => {
    rejects(
      () => validateQuery({ kind: 'pivot', table: 'idleStates', filter: {}, groupBy: ['module'] }),
      /groupBy.*idleStates/,
    );
    rejects(
      () => validateQuery({ kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: ['cpu', 'cpu'] }),
      /twice/,
    );
    rejects(
      () => validateQuery({ kind: 'pivot', table: 'dpcIsr', filter: {}, groupBy: [], limitPerLevel: 0 }),
      /limitPerLevel/,
    );
    rejects(
      () => validateQuery({ kind: 'series', metric: 'utilization', filter: {}, buckets: 10_001 }),
      /buckets/,
    );
    expect(
      validateQuery({ kind: 'series', metric: 'cstate', filter: {}, buckets: 5, withResidency: true }),
    ).toMatchObject({ withResidency: true });
    expect(() =>
      validateQuery({ kind: 'series', metric: 'cstate', filter: {}, buckets: 5, withResidency: 'yes' }),
    ).toThrow(/withResidency/);
    expect(
      validateQuery({ kind: 'series', metric: 'utilization', filter: {}, buckets: 5, decimals: 2 }),
    ).toMatchObject({ decimals: 2 });
    for (const decimals of [-1, 10, 1.5, '2'])
      expect(() =>
        validateQuery({ kind: 'series', metric: 'utilization', filter: {}, buckets: 5, decimals }),
      ).toThrow(/decimals/);
    rejects(
      () =>
        validateQuery({
          kind: 'find',
          table: 'dpcIsr',
          filter: {},
          from: 0,
          direction: 'up',
          overBudgetOnly: true,
        }),
      /direction/,
    );
    rejects(() => validateQuery({ kind: 'sql', filter: {} }), /query.kind/);
  });

  it('checks filters: ranges, CPUs, column value lists, duration bounds', () => {
    rejects(() => validateFilter({ range: { start: 5, end: 1 } }), /before/);
    rejects(() => validateFilter({ range: { start: null, end: 1 } }), /finite/);
    rejects(() => validateFilter({ cpus: [1.5] }), /cpus/);
    rejects(() => validateFilter({ cpus: new Array(5000).fill(0) }), /at most 4096/);
    rejects(() => validateFilter({ include: { shell: ['x'] } }), /column/);
    rejects(() => validateFilter({ exclude: { module: [1] } }), /strings/);
    rejects(() => validateFilter({ durationNs: { min: 'a' } }), /durationNs.min/);
    expect(validateFilter({ durationNs: { min: 1000 } })).toEqual({ durationNs: { min: 1000 } });
  });

  it('accepts only absolute, NUL-free paths and known source kinds', () => {
    expect(validateSource({ kind: 'path', path: '/t/a.etl' }, isAbsolute)).toEqual({
      kind: 'path',
      path: '/t/a.etl',
    });
    rejects(() => validateSource({ kind: 'path', path: 'a.etl' }, isAbsolute), /absolute/);
    rejects(() => validateSource({ kind: 'path', path: '/t/a\0.etl' }, isAbsolute), /file path/);
    rejects(() => validateSource({ kind: 'upload', uploadId: 'u', name: 7 }, isAbsolute), /name/);
    expect(validateSource({ kind: 'path', path: 'C:\\t\\a.etl' }, path.win32.isAbsolute)).toEqual({
      kind: 'path',
      path: 'C:\\t\\a.etl',
    });
  });

  it('drops the renderer-supplied export path and needs groupBy for a pivot export', () => {
    expect(
      validateExport({ traceId: 't', what: 'rows', table: 'dpcIsr', filter: {}, path: '/etc/passwd' }),
    ).toEqual({
      traceId: 't',
      what: 'rows',
      table: 'dpcIsr',
      filter: {},
    });
    rejects(
      () => validateExport({ traceId: 't', what: 'pivot', table: 'cpuPrecise', filter: {} }),
      /groupBy/,
    );
  });

  it('accepts list queries with only their known fields and checks table, column, limit, text', () => {
    expect(
      validateQuery({
        kind: 'list',
        table: 'threads',
        filter: { range: { start: 0, end: 5 }, text: 'sql', cpus: [1] },
        sortBy: 'CPU Usage (ms)',
        descending: true,
        limit: 50,
        extra: 1,
      }),
    ).toEqual({
      kind: 'list',
      table: 'threads',
      filter: { range: { start: 0, end: 5 }, text: 'sql' },
      sortBy: 'CPU Usage (ms)',
      descending: true,
      limit: 50,
    });
    expect(validateQuery({ kind: 'list', table: 'events' })).toEqual({ kind: 'list', table: 'events' });
    rejects(() => validateQuery({ kind: 'list', table: 'handles' }), /query.table/);
    rejects(() => validateQuery({ kind: 'list', table: 'images', sortBy: 'TID' }), /sortBy.*images/);
    rejects(() => validateQuery({ kind: 'list', table: 'images', limit: 100_001 }), /limit/);
    rejects(() => validateQuery({ kind: 'list', table: 'images', filter: { text: 7 } }), /filter.text/);
    rejects(
      () => validateQuery({ kind: 'list', table: 'images', filter: { range: { start: 2, end: 1 } } }),
      /before/,
    );
    rejects(() => validateQuery({ kind: 'list', table: 'images', filter: [] }), /filter/);
  });

  it('keeps only the known fields of a dpcEvents query and bounds its window', () => {
    expect(
      validateQuery({ kind: 'dpcEvents', filter: {}, limit: 10, sortBy: 'duration', descending: true, x: 1 }),
    ).toEqual({ kind: 'dpcEvents', filter: {}, limit: 10, sortBy: 'duration', descending: true });
    rejects(() => validateQuery({ kind: 'dpcEvents', filter: {}, limit: 1e9 }), /limit/);
    rejects(() => validateQuery({ kind: 'dpcEvents', filter: {}, limit: 5, sortBy: 'name' }), /sortBy/);
    expect(validateQuery({ kind: 'dpcEvents', filter: {}, limit: 5, around: 42 })).toMatchObject({
      around: 42,
    });
    rejects(() => validateQuery({ kind: 'dpcEvents', filter: {}, limit: 5, around: -3 }), /around/);
    rejects(() => validateQuery({ kind: 'dpcEvents', filter: {}, limit: 5, offset: -1 }), /offset/);
  });

  it('validates per channel', () => {
    expect(validateRequest('etlscope:cancel', { requestId: 'r', more: 1 }, isAbsolute)).toEqual({
      requestId: 'r',
    });
    rejects(() => validateRequest('etlscope:close', { traceId: 'x'.repeat(200) }, isAbsolute), /traceId/);
    rejects(() => validateRequest('etlscope:open', [], isAbsolute), /object/);
  });
});
