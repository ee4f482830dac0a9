import { describe, expect, it } from 'vitest';
import { APP_ENTRY_URL, isExternalHttpUrl, isTrustedSenderFrame, navigationDecision } from './security.js';

describe('main process security helpers', () => {
  it('trusts only the top-level frame showing our renderer', () => {
    const top = { url: APP_ENTRY_URL, parent: null };
    expect(isTrustedSenderFrame(top)).toBe(true);
    expect(isTrustedSenderFrame({ url: 'app://etlscope/assets/x.html#y', parent: null })).toBe(true);
    expect(isTrustedSenderFrame({ url: APP_ENTRY_URL, parent: top })).toBe(false);
    expect(isTrustedSenderFrame({ url: 'app://evil/index.html', parent: null })).toBe(false);
    expect(isTrustedSenderFrame({ url: 'file:///index.html', parent: null })).toBe(false);
    expect(isTrustedSenderFrame({ url: 'https://etlscope/index.html', parent: null })).toBe(false);
    expect(isTrustedSenderFrame(null)).toBe(false);
  });

  it('opens only http(s) links outside and blocks every other navigation', () => {
    expect(isExternalHttpUrl('https://learn.microsoft.com/x')).toBe(true);
    expect(isExternalHttpUrl('file:///etc/passwd')).toBe(false);
    expect(isExternalHttpUrl('javascript:alert(1)')).toBe(false);
    expect(navigationDecision('app://etlscope/index.html')).toBe('allow');
    expect(navigationDecision('https://example.com/')).toBe('external');
    expect(navigationDecision('smb://share/x')).toBe('block');
    expect(navigationDecision('not a url')).toBe('block');
  });
});
