import { describe, expect, it } from 'vitest';
import { threadStateName, waitModeName, waitReasonName } from './sched-names.js';

describe('scheduler field names', () => {
  it('names WPA shows for states, wait reasons and modes', () => {
    expect(threadStateName(1)).toBe('Ready');
    expect(threadStateName(5)).toBe('Waiting');
    expect(waitReasonName(6)).toBe('UserRequest');
    expect(waitReasonName(27)).toBe('WrResource');
    expect(waitReasonName(30)).toBe('WrQuantumEnd');
    expect(waitReasonName(37)).toBe('WrAlertByThreadId');
    expect(waitModeName(1)).toBe('UserMode');
  });
  it('numbers beyond the tables print as numbers', () => {
    expect(threadStateName(200)).toBe('200');
    expect(waitReasonName(99)).toBe('99');
  });
});
