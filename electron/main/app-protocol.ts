// The app://etlscope/ scheme that serves dist/renderer to the window (instead of file://, per
// Electron's checklist item 18): a URL maps to a file inside the renderer folder only, and every
// response carries the CSP and the other security headers. Returns plain data; main.ts turns it
// into a fetch Response inside protocol.handle.

import { readFile } from 'node:fs/promises';
import { APP_HOST, APP_SCHEME } from './security.js';
import { contentTypeFor, rendererCsp, resolveStaticPath, securityHeaders } from '../backend/static-files.js';

export interface AppResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array | string;
}

export async function appProtocolResponse(rendererDir: string, requestUrl: string): Promise<AppResponse> {
  const headers = securityHeaders(rendererCsp());
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return { status: 400, headers, body: 'bad URL' };
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST)
    return { status: 404, headers, body: 'not found' };
  const file = resolveStaticPath(rendererDir, url.pathname);
  if (file === undefined) return { status: 404, headers, body: 'not found' };
  try {
    const body = await readFile(file);
    return { status: 200, headers: { ...headers, 'Content-Type': contentTypeFor(file) }, body };
  } catch {
    return { status: 404, headers, body: 'not found' };
  }
}
