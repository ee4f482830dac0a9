// Checks on a request before it reaches a handler, pure and tested (server.ts applies them in
// this order, first one failing answers):
//   1. the request target parses as an origin-form path (`/…`) of sane length — else 400
//      (`new URL` on `GET http://[` throws; nothing else may run before this check);
//   2. (server.ts) Host names this server, then the token;
//   3. a state-changing request (POST …) comes from this server's own page: a foreign `Origin`
//      or a cross-site `Sec-Fetch-Site` is refused (403) even with a valid cookie — SameSite
//      ignores ports, so another local web server's page is "same site" and its forms carry it.

/** Longest request target taken: a page URL here is the path, the token and a file name of at
 *  most 255 characters (9 bytes each when percent-encoded UTF-8), well under 4 KiB. */
export const MAX_REQUEST_TARGET_LENGTH = 8192;

/**
 * The request target as a URL against `origin`, or undefined when it is not one we serve:
 * missing, longer than MAX_REQUEST_TARGET_LENGTH, not origin-form (absolute-form
 * `http://host/…`, authority-form, `*`, or `//host/…`), or not parseable at all.
 */
export function parseRequestTarget(target: string | undefined, origin: string): URL | undefined {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_REQUEST_TARGET_LENGTH)
    return undefined;
  if (!target.startsWith('/') || target.startsWith('//')) return undefined;
  try {
    const url = new URL(target, origin);
    return url.origin === origin ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Methods that only read: everything else changes state (uploads) and is checked for origin. */
export function isStateChanging(method: string | undefined): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

/**
 * Why a state-changing request does not come from our own page, or undefined. Requests without
 * either header (command-line clients, old browsers) pass: they still need the token.
 */
export function crossSiteProblem(
  headers: {
    readonly origin?: string | undefined;
    readonly 'sec-fetch-site'?: string | string[] | undefined;
  },
  allowedOrigins: ReadonlySet<string>,
): string | undefined {
  const origin = headers.origin;
  if (origin !== undefined && !allowedOrigins.has(origin))
    return `a page from another origin (${origin.slice(0, 100)}) may not send this request`;
  const site = headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none')
    return `a ${String(site).slice(0, 20)} request may not change this server's state`;
  return undefined;
}
