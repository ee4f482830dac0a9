// Security decisions of the main process, pure and tested (Electron's security checklist items
// 13–17): which frame may call our IPC, which URLs the window may navigate to, which links go to
// the system browser. The renderer is served from the privileged custom scheme app://etlscope/
// (checklist item 18: no file://), so "our page" is an exact scheme + host check.

import type { WebFrameMainLike } from './electron-api.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'etlscope';
export const APP_ENTRY_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** A URL of our own renderer (app://etlscope/…). */
export function isAppUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== undefined && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/**
 * IPC sender check (as VS Code's validatedIpcMain): the message must come from a live, top-level
 * frame showing our renderer. An iframe or a navigated-away page gets nothing.
 */
export function isTrustedSenderFrame(frame: WebFrameMainLike | null | undefined): boolean {
  return frame !== null && frame !== undefined && frame.parent === null && isAppUrl(frame.url);
}

/** Links the user may follow in the system browser: http(s) only, never file:, javascript:, etc. */
export function isExternalHttpUrl(url: string): boolean {
  const parsed = parse(url);
  return parsed !== undefined && (parsed.protocol === 'https:' || parsed.protocol === 'http:');
}

/** What to do with a navigation the page attempts: stay (same page reload), open outside, or block. */
export function navigationDecision(url: string): 'allow' | 'external' | 'block' {
  if (isAppUrl(url)) return 'allow';
  return isExternalHttpUrl(url) ? 'external' : 'block';
}

/**
 * Permissions the page may use (Electron checklist item 5): only writing text to the clipboard,
 * which the pivot table's "Copy" needs (navigator.clipboard.writeText). Everything else (camera,
 * notifications, geolocation, reading the clipboard, …) is denied.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function isPermissionAllowed(permission: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission);
}
