import { describe, expect, it } from 'vitest';
import {
  APP_ENTRY_URL,
  externalLinkDecision,
  externalLinkQuestion,
  isExternalHttpUrl,
  isTrustedSenderFrame,
  navigationDecision,
  projectPages,
} from './security.js';

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

  it('opens the project’s own pages at once, asks before any other http(s) link, blocks the rest', () => {
    const allowed = projectPages({
      homepage: 'https://etlscope.example/docs',
      repository: { type: 'git', url: 'git+https://git.example/etlscope/etlscope.git' },
      bugs: 'http://insecure.example/issues',
    });
    expect(allowed).toEqual(['https://etlscope.example/docs', 'https://git.example/etlscope/etlscope']);
    expect(projectPages({})).toEqual([]);
    expect(externalLinkDecision('https://etlscope.example/docs', allowed)).toBe('open');
    expect(externalLinkDecision('https://etlscope.example/docs/serve.html#token', allowed)).toBe('open');
    expect(externalLinkDecision('https://git.example/etlscope/etlscope/issues/9', allowed)).toBe('open');
    // Same origin but outside the path, a look-alike prefix, another port, plain http, credentials.
    for (const asks of [
      'https://etlscope.example/',
      'https://etlscope.example/docsevil',
      'https://git.example/etlscope/etlscope-evil',
      'https://etlscope.example:8443/docs',
      'http://etlscope.example/docs',
      'https://user@etlscope.example/docs',
      'https://learn.microsoft.com/',
    ])
      expect(externalLinkDecision(asks, allowed), asks).toBe('ask');
    for (const blocked of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://share/x',
      'ms-settings:',
      'nope',
    ])
      expect(externalLinkDecision(blocked, allowed), blocked).toBe('block');
    const question = externalLinkQuestion('https://xn--tlscope-9ya.example/a b');
    expect(question.message).toBe('Open a page on xn--tlscope-9ya.example in your browser?');
    expect(question.detail).toBe('https://xn--tlscope-9ya.example/a%20b');
    expect(question.buttons[question.cancelId]).toBe('Cancel');
    expect(question.defaultId).toBe(question.cancelId);
  });
});
