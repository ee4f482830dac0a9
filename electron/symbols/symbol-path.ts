// The symbol path: where to look for a module's symbols, in the `_NT_SYMBOL_PATH` syntax Windows
// users already have (WinDbg, WPA, xperf), parsed into typed elements. Parsing never throws: a form
// we do not understand becomes a problem naming the element, and the rest of the path still works.
//
//   `;`-separated elements, whitespace and empty elements ignored:
//     DIR                              a plain directory (flat and symstore layout), e.g. C:\symbols, \\server\share
//     srv*URL                          a symbol server; downloads go to the default cache
//     srv*CACHE*URL                    … into CACHE (an empty CACHE, `srv**URL`, is the default cache)
//     srv*CACHE1*CACHE2*URL            several downstream stores, nearest first; all are searched, all get a copy
//     srv*CACHE*\\server\share         an upstream store that is a directory (copied into the caches)
//     symsrv*symsrv.dll*CACHE*URL      the long spelling of srv*
//     cache*DIR / cache*               a downstream store (DIR, or the default cache): searched itself, and the
//                                      nearest cache of every server element after it
//
//   effectiveSymbolPath({tracePath, option, env}):
//     <trace>.symbols/ ; --symbols / app setting ; ETLSCOPE_SYMBOL_PATH ; _NT_SYMBOL_PATH ; _NT_ALT_SYMBOL_PATH
//   (DbgHelp's order: _NT_SYMBOL_PATH before _NT_ALT_SYMBOL_PATH.) No server is ever contacted unless an
//   element names it: MICROSOFT_SYMBOL_SERVER is only a constant for the app to offer.

import { homedir } from 'node:os';
import path from 'node:path';

/** Microsoft's public symbol server: for the app to offer when the user asks, never used on its own. */
export const MICROSOFT_SYMBOL_SERVER = 'https://msdl.microsoft.com/download/symbols';

/** Where a path element came from, for messages ("from _NT_SYMBOL_PATH"). */
export type SymbolPathSource =
  'trace' | 'option' | 'ETLSCOPE_SYMBOL_PATH' | '_NT_SYMBOL_PATH' | '_NT_ALT_SYMBOL_PATH' | 'text';

/** The store a server element fetches from: an HTTP(S) server, or a directory in symstore layout. */
export type UpstreamStore =
  { readonly kind: 'http'; readonly url: string } | { readonly kind: 'dir'; readonly path: string };

interface ElementBase {
  /** The element as written, trimmed. */
  readonly text: string;
  readonly source: SymbolPathSource;
}

export type SymbolPathElement =
  | (ElementBase & { readonly kind: 'dir'; readonly path: string })
  | (ElementBase & { readonly kind: 'cache'; readonly path: string })
  | (ElementBase & {
      readonly kind: 'server';
      /** Downstream stores, nearest first: searched in order before the upstream; a file found
       *  further along (or downloaded) is copied into every nearer one. */
      readonly caches: readonly string[];
      readonly upstream: UpstreamStore;
    });

export interface SymbolPathProblem {
  readonly text: string;
  readonly source: SymbolPathSource;
  readonly message: string;
}

export interface ParsedSymbolPath {
  readonly elements: SymbolPathElement[];
  readonly problems: SymbolPathProblem[];
}

export interface SymbolPathOptions {
  /** The cache for `srv*URL`, `srv**URL` and `cache*`; default `defaultSymbolCache()`. */
  readonly defaultCache?: string;
  /** The OS whose paths are usable (default: this one); a Windows-only cache path (C:\…, \\…) on
   *  another OS is replaced by the default cache, with a problem saying so. */
  readonly platform?: NodeJS.Platform;
}

/** `$XDG_CACHE_HOME/etlscope/symbols`, else `~/.cache/etlscope/symbols`. */
export function defaultSymbolCache(
  env: Readonly<Record<string, string | undefined>> = process.env,
  home: string = homedir(),
): string {
  const xdg = env.XDG_CACHE_HOME?.trim();
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const base = xdg !== undefined && xdg !== '' && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache');
  return path.join(base, 'etlscope', 'symbols');
}

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;
const WINDOWS_ONLY_PATH = /^(?:[a-z]:(?:[\\/]|$)|\\\\)/i;

/** Parser state carried across the path's parts (a `cache*` applies to every server after it,
 *  including those of a later environment variable, as when Windows joins them with `;`). */
class SymbolPathParser {
  readonly elements: SymbolPathElement[] = [];
  readonly problems: SymbolPathProblem[] = [];
  private cacheForServers: string | undefined;
  private readonly defaultCache: string;
  private readonly platform: NodeJS.Platform;

  constructor(options: SymbolPathOptions) {
    this.defaultCache = options.defaultCache ?? defaultSymbolCache();
    this.platform = options.platform ?? process.platform;
  }

  parse(text: string, source: SymbolPathSource): void {
    for (const raw of text.split(';')) {
      const element = raw.trim();
      if (element !== '') this.element(element, source);
    }
  }

  /** Adds one directory as written (the legacy ETLSCOPE_SYMBOL_PATH and `<trace>.symbols`). */
  addDirectory(dir: string, source: SymbolPathSource): void {
    this.elements.push({ kind: 'dir', path: dir, text: dir, source });
  }

  private problem(text: string, source: SymbolPathSource, message: string): void {
    this.problems.push({ text, source, message });
  }

  private element(text: string, source: SymbolPathSource): void {
    if (!text.includes('*')) {
      const dir = unquote(text);
      if (URL_LIKE.test(dir)) {
        this.problem(text, source, `a URL on its own is not a symbol path element: write srv*${dir}`);
        return;
      }
      this.elements.push({ kind: 'dir', path: dir, text, source });
      return;
    }
    const fields = text.split('*').map((f) => unquote(f.trim()));
    const keyword = fields[0]!.toLowerCase();
    if (keyword === 'cache') {
      if (fields.length > 2) {
        this.problem(text, source, 'cache* takes one directory (cache*DIR or cache*)');
        return;
      }
      const dir = this.usableCache(fields[1] ?? '', text, source);
      this.cacheForServers = dir;
      this.elements.push({ kind: 'cache', path: dir, text, source });
      return;
    }
    let stores: string[];
    if (keyword === 'srv') {
      stores = fields.slice(1);
    } else if (keyword === 'symsrv') {
      const dll = fields[1] ?? '';
      if (dll.toLowerCase() !== 'symsrv.dll') {
        this.problem(
          text,
          source,
          dll === ''
            ? 'symsrv* needs the DLL name: symsrv*symsrv.dll*CACHE*URL'
            : `symbol server DLL \`${dll}\` is not supported (only symsrv.dll's HTTP and file-store protocol)`,
        );
        return;
      }
      stores = fields.slice(2);
    } else {
      this.problem(
        text,
        source,
        `unknown element form \`${fields[0]}*\` (known: srv*, symsrv*symsrv.dll*, cache*)`,
      );
      return;
    }
    const upstreamText = stores.pop() ?? '';
    if (upstreamText === '') {
      this.problem(text, source, 'no symbol server after the last `*` (srv*CACHE*URL)');
      return;
    }
    let upstream: UpstreamStore;
    if (URL_LIKE.test(upstreamText)) {
      let url: URL;
      try {
        url = new URL(upstreamText);
      } catch {
        this.problem(text, source, `\`${upstreamText}\` is not a valid URL`);
        return;
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        this.problem(
          text,
          source,
          `only http:// and https:// symbol servers are supported, not ${url.protocol}//`,
        );
        return;
      }
      upstream = { kind: 'http', url: upstreamText.replace(/\/+$/, '') };
    } else {
      upstream = { kind: 'dir', path: upstreamText };
    }
    const caches: string[] = [];
    const addCache = (dir: string) => {
      if (!caches.includes(dir)) caches.push(dir);
    };
    if (this.cacheForServers !== undefined) addCache(this.cacheForServers);
    for (const store of stores) addCache(this.usableCache(store, text, source));
    // A server needs somewhere to put what it downloads; a directory store can be read in place.
    if (caches.length === 0 && upstream.kind === 'http') addCache(this.defaultCache);
    this.elements.push({ kind: 'server', caches, upstream, text, source });
  }

  /** A cache directory we can write to: '' is the default; a Windows-only path off Windows too. */
  private usableCache(dir: string, text: string, source: SymbolPathSource): string {
    if (dir === '') return this.defaultCache;
    if (this.platform !== 'win32' && WINDOWS_ONLY_PATH.test(dir)) {
      this.problem(
        text,
        source,
        `cache \`${dir}\` is a Windows path, not usable on this system: using ${this.defaultCache} instead`,
      );
      return this.defaultCache;
    }
    return dir;
  }
}

/** `"C:\My Symbols"` → `C:\My Symbols` (quotes some users put around paths with spaces). */
function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text;
}

/** Parses one symbol path text. */
export function parseSymbolPath(
  text: string,
  options: SymbolPathOptions & { readonly source?: SymbolPathSource } = {},
): ParsedSymbolPath {
  const parser = new SymbolPathParser(options);
  parser.parse(text, options.source ?? 'text');
  return { elements: parser.elements, problems: parser.problems };
}

export interface SymbolPathInputs extends SymbolPathOptions {
  /** The trace being opened: `<trace>.symbols/` beside it is always searched first. */
  readonly tracePath?: string;
  /** `--symbols PATH` on the command line or the app's symbol path setting. */
  readonly option?: string;
  /** Where _NT_SYMBOL_PATH, _NT_ALT_SYMBOL_PATH and ETLSCOPE_SYMBOL_PATH are read (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The path the locator searches, from everything the environment gives, in search order. */
export function effectiveSymbolPath(inputs: SymbolPathInputs = {}): ParsedSymbolPath {
  const env = inputs.env ?? process.env;
  const parser = new SymbolPathParser({
    defaultCache: inputs.defaultCache ?? defaultSymbolCache(env),
    ...(inputs.platform !== undefined ? { platform: inputs.platform } : {}),
  });
  if (inputs.tracePath !== undefined && inputs.tracePath !== '')
    parser.addDirectory(`${inputs.tracePath}.symbols`, 'trace');
  if (inputs.option !== undefined) parser.parse(inputs.option, 'option');
  const legacy = env.ETLSCOPE_SYMBOL_PATH;
  if (legacy !== undefined && legacy.trim() !== '') {
    if (legacy.includes('*')) parser.parse(legacy, 'ETLSCOPE_SYMBOL_PATH');
    // Its old meaning: directories split at ';', or at ':' unless a drive letter's ("C:\…").
    else
      for (const part of legacy.split(/;|:(?![\\/])/))
        if (part.trim() !== '') parser.addDirectory(part.trim(), 'ETLSCOPE_SYMBOL_PATH');
  }
  for (const name of ['_NT_SYMBOL_PATH', '_NT_ALT_SYMBOL_PATH'] as const) {
    const value = env[name];
    if (value !== undefined) parser.parse(value, name);
  }
  return { elements: parser.elements, problems: parser.problems };
}

/** The elements written back in symbol path syntax (for display and logs). */
export function formatSymbolPath(elements: readonly SymbolPathElement[]): string {
  return elements
    .map((e) => {
      if (e.kind === 'dir') return e.path;
      if (e.kind === 'cache') return `cache*${e.path}`;
      const upstream = e.upstream.kind === 'http' ? e.upstream.url : e.upstream.path;
      return ['srv', ...e.caches, upstream].join('*');
    })
    .join(';');
}
