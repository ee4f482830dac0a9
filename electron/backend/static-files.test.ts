import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentTypeFor, rendererCsp, resolveStaticPath } from './static-files.js';

const root = path.resolve('/srv/etlscope/dist/renderer');

describe('resolveStaticPath', () => {
  it('maps URL paths to files inside the root', () => {
    expect(resolveStaticPath(root, '/')).toBe(path.join(root, 'index.html'));
    expect(resolveStaticPath(root, '/assets/index-abc.js')).toBe(path.join(root, 'assets', 'index-abc.js'));
    expect(resolveStaticPath(root, '/assets/')).toBe(path.join(root, 'assets', 'index.html'));
    expect(resolveStaticPath(root, '/a%20b.css')).toBe(path.join(root, 'a b.css'));
  });

  it('never leaves the root', () => {
    for (const bad of [
      '/../secret',
      '/assets/../../x',
      '/%2e%2e/x',
      '/..%2Fx',
      '/a%5C..%5C..%5Cx',
      '/a\\b',
      '/%00',
      'x',
      '/%E0%A4%A',
    ]) {
      expect(resolveStaticPath(root, bad)).toBeUndefined();
    }
  });
});

describe('rendererCsp', () => {
  it('allows only our own scripts and adds the WebSocket origin', () => {
    const csp = rendererCsp(['ws://127.0.0.1:5000']);
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:5000");
    expect(csp).toContain("object-src 'none'");
    expect(contentTypeFor('x/INDEX.HTML')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('x.bin')).toBe('application/octet-stream');
  });
});
