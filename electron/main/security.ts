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
 * The project's own pages, which links may open without asking: the `homepage`, `repository` and
 * `bugs` URLs of the app's package.json, https only (each one a prefix: its origin and path).
 * Today's package.json names none, so every link asks first.
 */
export function projectPages(pkg: {
  readonly homepage?: unknown;
  readonly repository?: unknown;
  readonly bugs?: unknown;
}): string[] {
  const urlOf = (value: unknown): unknown =>
    typeof value === 'object' && value !== null ? (value as { url?: unknown }).url : value;
  const pages: string[] = [];
  for (const value of [pkg.homepage, urlOf(pkg.repository), urlOf(pkg.bugs)]) {
    if (typeof value !== 'string') continue;
    const parsed = parse(value.replace(/^git\+/, '').replace(/\.git$/, ''));
    if (
      parsed !== undefined &&
      parsed.protocol === 'https:' &&
      parsed.username === '' &&
      parsed.password === ''
    )
      pages.push(`${parsed.origin}${parsed.pathname}`);
  }
  return pages;
}

/**
 * A link the page asks to open in the system browser: 'open' at once when it is one of the
 * project's pages (https, same origin, under that path), 'ask' the user first for any other
 * http(s) URL, 'block' everything else (file:, smb:, javascript:, custom schemes).
 */
export function externalLinkDecision(url: string, allowed: readonly string[]): 'open' | 'ask' | 'block' {
  if (!isExternalHttpUrl(url)) return 'block';
  const parsed = parse(url)!;
  if (parsed.protocol !== 'https:' || parsed.username !== '' || parsed.password !== '') return 'ask';
  for (const page of allowed) {
    const prefix = parse(page);
    if (prefix === undefined || prefix.origin !== parsed.origin) continue;
    const base = prefix.pathname.endsWith('/') ? prefix.pathname : `${prefix.pathname}/`;
    if (parsed.pathname === prefix.pathname || parsed.pathname.startsWith(base)) return 'open';
  }
  return 'ask';
}

/** The question before a link outside the allow-list opens: the whole URL, its host as the
 *  browser will contact it (punycode, so a look-alike domain shows as what it is). */
export function externalLinkQuestion(url: string): {
  readonly type: 'question';
  readonly title: string;
  readonly message: string;
  readonly detail: string;
  readonly buttons: readonly string[];
  readonly defaultId: number;
  readonly cancelId: number;
} {
  const parsed = parse(url);
  return {
    type: 'question',
    title: 'Open link',
    message: `Open a page on ${parsed?.host ?? 'another site'} in your browser?`,
    detail: parsed?.href ?? url,
    buttons: ['Open in Browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
  };
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
