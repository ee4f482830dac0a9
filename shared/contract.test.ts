// Contract tests: runtime helpers, and compile-time checks (`@ts-expect-error`) that a mistyped
// channel or request shape does not type-check.
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_PREFIX,
  INVOKE_CHANNELS,
  isChannel,
  TABLE_COLUMNS,
  toWireError,
  type ChannelMap,
  type ResultOf,
  type PivotQuery,
} from './contract.js';

describe('contract', () => {
  it('every invoke channel carries the prefix main checks', () => {
    for (const channel of INVOKE_CHANNELS) expect(channel.startsWith(CHANNEL_PREFIX)).toBe(true);
    expect(isChannel('etlscope:query')).toBe(true);
    expect(isChannel('etlscope:shell-exec')).toBe(false);
    expect(isChannel(42)).toBe(false);
  });

  it('turns errors into plain wire errors', () => {
    const err = Object.assign(new TypeError('bad file at 0x48'), { code: 'bad-file' });
    expect(toWireError(err)).toEqual({ name: 'TypeError', message: 'bad file at 0x48', code: 'bad-file' });
    expect(toWireError('plain')).toEqual({ name: 'Error', message: 'plain' });
  });

  it('lists group-by columns per table', () => {
    expect(TABLE_COLUMNS.dpcIsr).toEqual(['cpu', 'type', 'module', 'function']);
  });

  it('types requests per channel', () => {
    const req: ChannelMap['etlscope:cancel']['req'] = { requestId: 'r1' };
    expect(req.requestId).toBe('r1');
    // @ts-expect-error a query request needs a traceId
    const bad: ChannelMap['etlscope:query']['req'] = { query: { kind: 'find' }, requestId: 'x' };
    expect(bad).toBeDefined();
    const pivotResult: ResultOf<PivotQuery>['kind'] = 'pivot';
    // @ts-expect-error a pivot query never yields a histogram result
    const wrong: ResultOf<PivotQuery>['kind'] = 'histogram';
    expect([pivotResult, wrong]).toHaveLength(2);
  });
});
