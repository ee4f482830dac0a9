// Serving the built renderer (dist/renderer) safely, shared by Electron main's app:// protocol
// and the `serve` HTTP server: URL path → file inside the root (never outside it), content types,
// and the Content-Security-Policy both hosts send with every page.

import path from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file a URL path names inside `root`, or undefined when it is malformed or would leave the
 * root ('..', encoded slashes or backslashes, NUL). '/' and directories map to index.html.
 */
export function resolveStaticPath(root: string, urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.')) return undefined;
  if (decoded.endsWith('/')) segments.push('index.html');
  const resolvedRoot = path.resolve(root);
  const file = path.resolve(resolvedRoot, ...segments);
  if (file !== resolvedRoot && !file.startsWith(resolvedRoot + path.sep)) return undefined;
  return file === resolvedRoot ? path.join(resolvedRoot, 'index.html') : file;
}

/**
 * The renderer's Content-Security-Policy: scripts only from our own origin (no eval, no inline
 * script), no plugins, no framing, no forms, no <base>. Inline *styles* are allowed because
 * echarts and React set style attributes; a style cannot run code. `connectSrc` adds the
 * WebSocket origin in browser mode (CSP3 'self' covers ws: only in newer browsers).
 */
export function rendererCsp(connectSrc: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers every renderer response carries in both hosts. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    // The browser-mode URL carries the token: never send it on as a Referer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  };
}
