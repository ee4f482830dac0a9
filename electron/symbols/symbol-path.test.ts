// Symbol path parsing, table-driven: every supported form (plain dirs incl. Windows drive and UNC
// paths, srv*URL, srv*CACHE*URL, srv**URL, srv*C1*C2*URL, srv*CACHE*\\share, symsrv*symsrv.dll*…,
// cache*DIR, cache*), tolerated whitespace and empty elements, unknown forms reported as problems
// (never thrown); Windows-only cache paths off Windows; the effective path from trace, option and
// environment in search order; the default cache from XDG_CACHE_HOME / ~/.cache.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  MICROSOFT_SYMBOL_SERVER,
  defaultSymbolCache,
  effectiveSymbolPath,
  formatSymbolPath,
  parseSymbolPath,
  type SymbolPathElement,
} from './symbol-path.js';

const D = '/default/cache';

/** A compact spelling of an element for the tables. */
function short(e: SymbolPathElement): string {
  if (e.kind === 'dir') return `dir ${e.path}`;
  if (e.kind === 'cache') return `cache ${e.path}`;
  const up = e.upstream.kind === 'http' ? e.upstream.url : `store ${e.upstream.path}`;
  return `server ${up} <- [${e.caches.join(', ')}]`;
}

describe('parseSymbolPath', () => {
  const cases: [string, string[]][] = [
    ['C:\\symbols', ['dir C:\\symbols']],
    ['\\\\server\\share\\symbols', ['dir \\\\server\\share\\symbols']],
    ['/home/me/syms;relative/dir', ['dir /home/me/syms', 'dir relative/dir']],
    ['"C:\\My Symbols"', ['dir C:\\My Symbols']],
    [`srv*${MICROSOFT_SYMBOL_SERVER}`, [`server ${MICROSOFT_SYMBOL_SERVER} <- [${D}]`]],
    [
      'srv*C:\\cache*https://msdl.microsoft.com/download/symbols/',
      ['server https://msdl.microsoft.com/download/symbols <- [C:\\cache]'],
    ],
    ['SRV*/tmp/c*http://127.0.0.1:8080', ['server http://127.0.0.1:8080 <- [/tmp/c]']],
    ['srv**https://symbols.example.com', [`server https://symbols.example.com <- [${D}]`]],
    [
      'srv*C:\\near*\\\\corp\\far*https://s.example',
      ['server https://s.example <- [C:\\near, \\\\corp\\far]'],
    ],
    ['srv*C:\\cache*\\\\corp\\symstore', ['server store \\\\corp\\symstore <- [C:\\cache]']],
    ['srv*\\\\corp\\symstore', ['server store \\\\corp\\symstore <- []']],
    ['symsrv*symsrv.dll*C:\\cache*https://s.example', ['server https://s.example <- [C:\\cache]']],
    ['symsrv*SymSrv.DLL*https://s.example', [`server https://s.example <- [${D}]`]],
    [
      'cache*C:\\dbgcache;srv*https://s.example',
      ['cache C:\\dbgcache', 'server https://s.example <- [C:\\dbgcache]'],
    ],
    ['cache*;srv*X:\\own*https://s.example', [`cache ${D}`, `server https://s.example <- [${D}, X:\\own]`]],
    [
      'srv*https://first.example;cache*/c;srv*https://second.example;C:\\after',
      [
        `server https://first.example <- [${D}]`,
        'cache /c',
        'server https://second.example <- [/c]',
        'dir C:\\after',
      ],
    ],
    [
      '  ;;  C:\\a  ; ;srv* /tmp/c * https://s.example ;',
      ['dir C:\\a', 'server https://s.example <- [/tmp/c]'],
    ],
    ['', []],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected.join(' | ') || 'nothing'}`, () => {
      const parsed = parseSymbolPath(text, { defaultCache: D, platform: 'win32' });
      expect(parsed.elements.map(short)).toEqual(expected);
      expect(parsed.problems).toEqual([]);
    });
  }

  const problems: [string, RegExp][] = [
    ['foo*bar', /unknown element form `foo\*`/],
    ['srv*', /no symbol server after the last `\*`/],
    ['srv*C:\\cache*', /no symbol server after the last `\*`/],
    ['symsrv*othersrv.dll*C:\\c*https://s.example', /DLL `othersrv\.dll` is not supported/],
    ['symsrv*', /needs the DLL name/],
    [
      'srv*C:\\c*ftp://s.example/symbols',
      /only http:\/\/ and https:\/\/ symbol servers are supported, not ftp:\/\//,
    ],
    ['srv*http://exa mple.com', /is not a valid URL/],
    [
      'https://s.example/symbols',
      /a URL on its own is not a symbol path element: write srv\*https:\/\/s\.example\/symbols/,
    ],
    ['cache*a*b', /cache\* takes one directory/],
  ];
  for (const [text, message] of problems) {
    it(`reports ${JSON.stringify(text)} as a problem, keeps the rest`, () => {
      const parsed = parseSymbolPath(`C:\\before;${text};C:\\after`, {
        defaultCache: D,
        platform: 'win32',
        source: '_NT_SYMBOL_PATH',
      });
      expect(parsed.elements.map(short)).toEqual(['dir C:\\before', 'dir C:\\after']);
      expect(parsed.problems).toHaveLength(1);
      expect(parsed.problems[0]!.text).toBe(text);
      expect(parsed.problems[0]!.source).toBe('_NT_SYMBOL_PATH');
      expect(parsed.problems[0]!.message).toMatch(message);
    });
  }

  it('off Windows, a Windows-only cache path becomes the default cache (and says so); dirs are kept', () => {
    const parsed = parseSymbolPath('C:\\symbols;srv*C:\\cache*https://s.example;cache*\\\\corp\\c', {
      defaultCache: D,
      platform: 'linux',
    });
    expect(parsed.elements.map(short)).toEqual([
      'dir C:\\symbols',
      `server https://s.example <- [${D}]`,
      `cache ${D}`,
    ]);
    expect(parsed.problems.map((p) => p.message)).toEqual([
      `cache \`C:\\cache\` is a Windows path, not usable on this system: using ${D} instead`,
      `cache \`\\\\corp\\c\` is a Windows path, not usable on this system: using ${D} instead`,
    ]);
  });

  it('keeps the element text and its source', () => {
    const [e] = parseSymbolPath(' srv*/c*https://s.example ', { source: 'option', defaultCache: D }).elements;
    expect(e).toMatchObject({ text: 'srv*/c*https://s.example', source: 'option' });
  });

  it('formats elements back into symbol path syntax', () => {
    const text = 'C:\\a;srv*/c1*/c2*https://s.example;cache*/d;srv*/d*\\\\corp\\store';
    expect(formatSymbolPath(parseSymbolPath(text, { defaultCache: D, platform: 'win32' }).elements)).toBe(
      text,
    );
  });
});

describe('effectiveSymbolPath', () => {
  it('searches <trace>.symbols, the option, ETLSCOPE_SYMBOL_PATH, _NT_SYMBOL_PATH, _NT_ALT_SYMBOL_PATH in that order', () => {
    const got = effectiveSymbolPath({
      tracePath: '/traces/boot.etl',
      option: 'srv*/opt-cache*https://opt.example',
      env: {
        ETLSCOPE_SYMBOL_PATH: '/legacy/a;/legacy/b:rel', // the engine's rule: ':' splits unless before a slash
        _NT_SYMBOL_PATH: 'cache*/nt-cache;srv*https://nt.example',
        _NT_ALT_SYMBOL_PATH: 'srv*https://alt.example',
      },
      defaultCache: D,
    });
    expect(got.elements.map((e) => `${e.source}: ${short(e)}`)).toEqual([
      'trace: dir /traces/boot.etl.symbols',
      'option: server https://opt.example <- [/opt-cache]',
      'ETLSCOPE_SYMBOL_PATH: dir /legacy/a',
      'ETLSCOPE_SYMBOL_PATH: dir /legacy/b',
      'ETLSCOPE_SYMBOL_PATH: dir rel',
      '_NT_SYMBOL_PATH: cache /nt-cache',
      '_NT_SYMBOL_PATH: server https://nt.example <- [/nt-cache]',
      // A cache* applies to the servers after it, as when Windows joins the variables with ';'.
      '_NT_ALT_SYMBOL_PATH: server https://alt.example <- [/nt-cache]',
    ]);
    expect(got.problems).toEqual([]);
  });

  it('is only the trace folder when nothing is set, and contacts no server by default', () => {
    const got = effectiveSymbolPath({ tracePath: 'x.etl', env: {}, defaultCache: D });
    expect(got.elements.map(short)).toEqual(['dir x.etl.symbols']);
    expect(effectiveSymbolPath({ env: {} }).elements).toEqual([]);
  });

  it('keeps drive letters in the legacy variable and reads symbol path syntax there too', () => {
    expect(
      effectiveSymbolPath({ env: { ETLSCOPE_SYMBOL_PATH: 'C:\\syms;D:/more' } }).elements.map(short),
    ).toEqual(['dir C:\\syms', 'dir D:/more']);
    const star = effectiveSymbolPath({
      env: { ETLSCOPE_SYMBOL_PATH: 'srv*/c*https://s.example' },
      defaultCache: D,
    });
    expect(star.elements.map(short)).toEqual(['server https://s.example <- [/c]']);
  });

  it('reports problems from every source', () => {
    const got = effectiveSymbolPath({ option: 'bad*x', env: { _NT_SYMBOL_PATH: 'srv*' }, defaultCache: D });
    expect(got.problems.map((p) => p.source)).toEqual(['option', '_NT_SYMBOL_PATH']);
  });
});

describe('defaultSymbolCache', () => {
  it('is under XDG_CACHE_HOME when it is absolute, else ~/.cache', () => {
    expect(defaultSymbolCache({ XDG_CACHE_HOME: '/xdg' }, '/home/u')).toBe(
      path.join('/xdg', 'etlscope', 'symbols'),
    );
    expect(defaultSymbolCache({}, '/home/u')).toBe(path.join('/home/u', '.cache', 'etlscope', 'symbols'));
    expect(defaultSymbolCache({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe(
      path.join('/home/u', '.cache', 'etlscope', 'symbols'),
    );
    expect(defaultSymbolCache({ XDG_CACHE_HOME: '' }, '/home/u')).toBe(
      path.join('/home/u', '.cache', 'etlscope', 'symbols'),
    );
  });

  it('is what srv*URL uses when no cache is given', () => {
    const got = effectiveSymbolPath({ option: 'srv*https://s.example', env: { XDG_CACHE_HOME: '/xdg' } });
    expect(got.elements.map(short)).toEqual([
      `server https://s.example <- [${path.join('/xdg', 'etlscope', 'symbols')}]`,
    ]);
  });
});
