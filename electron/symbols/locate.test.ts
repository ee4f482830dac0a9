// loadSymbolTables end to end against a real node:http symbol server on 127.0.0.1 serving the real
// ../shared/pdb PDBs and .sym files in symstore layout under their real GUID/age keys, with the
// tests' readPdb (test-fixtures.ts: checks the MSF signature and the info stream's GUID/age).
// Checks: _NT_SYMBOL_PATH=srv*CACHE*URL resolves all three, the cache then holds them in symstore
// layout byte-identical to what was served, a second run makes no request; 404 → not-found with no
// error; file.ptr (PATH: to a local dir, MSG:); HTTP 500; garbage bytes rejected by the reader and
// not cached; a stalled body hits the idle timeout; cancel mid-download (prompt, no partial file,
// socket closed); the concurrency limit as seen by the server; progress adding up to the bytes
// served; other-build files skipped with a note (mismatch); several downstream stores; the
// `.sym.txt` layout in <trace>.symbols; duplicate and unusable identities; a pre-aborted signal.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadSymbolTables, type SymbolLoadOutcome, type SymbolLoadProgress } from './locate.js';
import { effectiveSymbolPath } from './symbol-path.js';
import {
  BASIC32,
  HAVE_FIXTURES,
  NTDLL,
  REGTEST64,
  answerKey,
  buildSymstore,
  filesUnder,
  fixture,
  startSymbolServer,
  symstoreRelative,
  testReadPdb,
  type Route,
  type TestSymbolServer,
} from './test-fixtures.js';
import { findSymbol, identityKey, type PdbIdentity } from './types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-locate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => path.join(dir, `${name}-${counter++}`);

let server: TestSymbolServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The three fixtures in symstore layout, as a real symbol server holds them. */
function fixtureStore(): string {
  const root = fresh('served');
  buildSymstore(root, [
    [REGTEST64, 'dump_syms_regtest64.pdb'],
    [BASIC32, 'basic32-min.pdb'],
    [NTDLL, 'ntdll.sym'],
  ]);
  return root;
}

async function serve(
  root: string,
  options: { route?: Route; delayMs?: number } = {},
): Promise<TestSymbolServer> {
  server = await startSymbolServer(root, options);
  return server;
}

const load = (
  ids: readonly PdbIdentity[],
  symbolPath: string,
  extra: Partial<Parameters<typeof loadSymbolTables>[2]> = {},
) => loadSymbolTables(ids, symbolPath, { readPdb: testReadPdb, ...extra });

function statusOf(outcomes: readonly SymbolLoadOutcome[]) {
  return outcomes.map((o) => o.status);
}

describe.skipIf(!HAVE_FIXTURES)('loadSymbolTables over a real symbol server', () => {
  it('resolves _NT_SYMBOL_PATH=srv*CACHE*URL into the cache (symstore layout, byte-identical), then from the cache alone', async () => {
    const root = fixtureStore();
    const s = await serve(root);
    const cache = fresh('cache');
    const { elements, problems } = effectiveSymbolPath({
      env: { _NT_SYMBOL_PATH: `srv*${cache}*${s.url}/` },
    });
    expect(problems).toEqual([]);
    const events: SymbolLoadProgress[] = [];
    const first = await loadSymbolTables([REGTEST64, BASIC32, NTDLL], elements, {
      readPdb: testReadPdb,
      onProgress: (p) => events.push(p),
    });
    expect(statusOf(first)).toEqual(['loaded', 'loaded', 'loaded']);
    const k = (id: PdbIdentity) => identityKey(id);
    expect(s.requests.slice().sort()).toEqual(
      [
        `/basic32-min.pdb/${k(BASIC32)}/basic32-min.pdb`,
        `/dump_syms_regtest64.pdb/${k(REGTEST64)}/dump_syms_regtest64.pdb`,
        `/ntdll.pdb/${k(NTDLL)}/ntdll.pdb`, // 404: this server has ntdll's Breakpad form only
        `/ntdll.pdb/${k(NTDLL)}/ntdll.sym`,
      ].sort(),
    );
    // The cache holds exactly the served files, in symstore layout, byte for byte.
    const served = filesUnder(root);
    expect(filesUnder(cache)).toEqual(served);
    for (const rel of served)
      expect(readFileSync(path.join(cache, rel)).equals(readFileSync(path.join(root, rel)))).toBe(true);

    const [regtest, basic, ntdll] = first as [SymbolLoadOutcome, SymbolLoadOutcome, SymbolLoadOutcome];
    expect(regtest.file).toBe(path.join(cache, symstoreRelative(REGTEST64, 'dump_syms_regtest64.pdb')));
    expect(regtest.table!.origin).toBe(regtest.file);
    expect(regtest.table!.kind).toBe('pdb');
    expect(regtest.url).toBe(`${s.url}/dump_syms_regtest64.pdb/${k(REGTEST64)}/dump_syms_regtest64.pdb`);
    expect(regtest.source).toBe(elements[0]);
    expect(regtest.bytesDownloaded).toBe(statSync(fixture('dump_syms_regtest64.pdb')).size);
    expect(regtest.message).toContain(`from ${regtest.file} (downloaded from ${regtest.url})`);
    expect(basic.table!.kind).toBe('pdb');
    expect(ntdll.table!.kind).toBe('breakpad');
    expect(ntdll.file).toBe(path.join(cache, symstoreRelative(NTDLL, 'ntdll.sym')));
    for (const e of answerKey(fixture('ntdll.sym')))
      expect(ntdll.table!.names[findSymbol(ntdll.table!, e.rva)]).toBe(e.name);

    // Progress: every file's last event has all its bytes; the totals add up to what was served.
    const servedBytes = served.reduce((sum, rel) => sum + statSync(path.join(root, rel)).size, 0);
    expect(events.at(-1)).toMatchObject({ filesDone: 3, filesTotal: 3, bytesDownloaded: servedBytes });
    const lastPerUrl = new Map<string, number>();
    for (const e of events) if (e.download?.done === true) lastPerUrl.set(e.download.url, e.download.bytes);
    expect([...lastPerUrl.values()].reduce((a, b) => a + b, 0)).toBe(servedBytes);
    expect(lastPerUrl.size).toBe(3);
    for (let i = 1; i < events.length; i++)
      expect(events[i]!.bytesDownloaded).toBeGreaterThanOrEqual(events[i - 1]!.bytesDownloaded);

    // Second run: everything from the cache, not one request.
    const before = s.requests.length;
    const second = await loadSymbolTables([REGTEST64, BASIC32, NTDLL], elements, { readPdb: testReadPdb });
    expect(statusOf(second)).toEqual(['loaded', 'loaded', 'loaded']);
    expect(s.requests.length).toBe(before);
    expect(second.map((o) => o.bytesDownloaded)).toEqual([0, 0, 0]);
    expect(second[0]!.url).toBeUndefined();
  });

  it('a 404 everywhere is not-found, with no error and nothing written', async () => {
    const s = await serve(fresh('empty'));
    const cache = fresh('cache');
    const [outcome] = await load([NTDLL], `srv*${cache}*${s.url}`);
    expect(outcome!.status).toBe('not-found');
    expect(outcome!.notes).toEqual([]);
    expect(outcome!.message).toBe(`ntdll.pdb ${identityKey(NTDLL)}: no symbols in 2 places searched`);
    expect(s.requests).toHaveLength(3);
    expect(filesUnder(cache)).toEqual([]);
  });

  it('follows a file.ptr to a local directory and caches the target in symstore layout', async () => {
    const elsewhere = fresh('elsewhere');
    mkdirSync(elsewhere, { recursive: true });
    const target = path.join(elsewhere, 'renamed-copy.pdb');
    copyFileSync(fixture('dump_syms_regtest64.pdb'), target);
    const root = fresh('served');
    mkdirSync(path.dirname(path.join(root, symstoreRelative(REGTEST64, 'file.ptr'))), { recursive: true });
    writeFileSync(path.join(root, symstoreRelative(REGTEST64, 'file.ptr')), `PATH:${target}\r\n`);
    const s = await serve(root);
    const cache = fresh('cache');
    const [outcome] = await load([REGTEST64], `srv*${cache}*${s.url}`);
    expect(outcome!.status).toBe('loaded');
    expect(outcome!.file).toBe(target);
    expect(s.requests.map((r) => path.basename(r))).toEqual([
      'dump_syms_regtest64.pdb',
      'dump_syms_regtest64.sym',
      'file.ptr',
    ]);
    const cached = path.join(cache, symstoreRelative(REGTEST64, 'dump_syms_regtest64.pdb'));
    expect(filesUnder(cache)).toEqual([symstoreRelative(REGTEST64, 'dump_syms_regtest64.pdb')]);
    expect(readFileSync(cached).equals(readFileSync(target))).toBe(true);
    const before = s.requests.length;
    const [again] = await load([REGTEST64], `srv*${cache}*${s.url}`);
    expect(again!.file).toBe(cached);
    expect(s.requests.length).toBe(before);
  });

  it('follows a file.ptr to a URL (downloaded into the cache) and one in a local store', async () => {
    const root = fresh('served');
    buildSymstore(path.join(root, 'blobs'), [[NTDLL, 'ntdll.sym']]);
    const ptr = path.join(root, symstoreRelative(NTDLL, 'file.ptr'));
    mkdirSync(path.dirname(ptr), { recursive: true });
    const s = await serve(root);
    const target = `${s.url}/blobs/${symstoreRelative(NTDLL, 'ntdll.sym')}`;
    writeFileSync(ptr, `PATH:${target}`);
    const cache = fresh('cache');
    const [outcome] = await load([NTDLL], `srv*${cache}*${s.url}`);
    expect(outcome!.status).toBe('loaded');
    expect(outcome!.url).toBe(target);
    expect(outcome!.file).toBe(path.join(cache, symstoreRelative(NTDLL, 'ntdll.sym')));
    expect(outcome!.bytesDownloaded).toBe(statSync(fixture('ntdll.sym')).size + statSync(ptr).size);
    expect(filesUnder(cache)).toEqual([symstoreRelative(NTDLL, 'ntdll.sym')]);

    // A symstore share with a pointer file, searched as a plain directory: read in place.
    const share = fresh('share');
    const localPtr = path.join(share, symstoreRelative(REGTEST64, 'file.ptr'));
    mkdirSync(path.dirname(localPtr), { recursive: true });
    writeFileSync(localPtr, `PATH:${fixture('dump_syms_regtest64.pdb')}\r\n`);
    const [local] = await load([REGTEST64], share);
    expect(local!.status).toBe('loaded');
    expect(local!.file).toBe(fixture('dump_syms_regtest64.pdb'));
  });

  it('reads an upstream store that is a directory (srv*CACHE*DIR) and copies into the cache', async () => {
    const store = fixtureStore();
    const cache = fresh('cache');
    const [outcome] = await load([BASIC32], `srv*${cache}*${store}`);
    expect(outcome!.status).toBe('loaded');
    expect(outcome!.file).toBe(path.join(store, symstoreRelative(BASIC32, 'basic32-min.pdb')));
    expect(filesUnder(cache)).toEqual([symstoreRelative(BASIC32, 'basic32-min.pdb')]);
    const [again] = await load([BASIC32], `srv*${cache}*${store}`);
    expect(again!.file).toBe(path.join(cache, symstoreRelative(BASIC32, 'basic32-min.pdb')));
  });

  it('reports a file.ptr MSG: and goes on', async () => {
    const root = fresh('served');
    mkdirSync(path.join(root, path.dirname(symstoreRelative(NTDLL, 'file.ptr'))), { recursive: true });
    writeFileSync(
      path.join(root, symstoreRelative(NTDLL, 'file.ptr')),
      'MSG:Symbols removed at the request of the owner',
    );
    const s = await serve(root);
    const second = fixtureStore();
    const [outcome] = await load([NTDLL], `srv*${fresh('cache')}*${s.url};${second}`);
    expect(outcome!.status).toBe('loaded'); // from the plain directory after the server
    expect(outcome!.file).toBe(path.join(second, symstoreRelative(NTDLL, 'ntdll.sym')));
    expect(outcome!.notes).toEqual([
      `${s.url}/ntdll.pdb/${identityKey(NTDLL)}/file.ptr: Symbols removed at the request of the owner`,
    ]);
    const [alone] = await load([NTDLL], `srv*${fresh('cache')}*${s.url}`);
    expect(alone!.status).toBe('not-found');
    expect(alone!.message).toContain('(server: Symbols removed at the request of the owner)');
  });

  it('reports HTTP 500 as an error naming the URL, caching nothing', async () => {
    const s = await serve(fresh('empty'), {
      route: (_req, res) => {
        res.writeHead(500).end('internal error');
        return true;
      },
    });
    const cache = fresh('cache');
    const [outcome] = await load([REGTEST64], `srv*${cache}*${s.url}`);
    expect(outcome!.status).toBe('error');
    const url = `${s.url}/dump_syms_regtest64.pdb/${identityKey(REGTEST64)}/dump_syms_regtest64.pdb`;
    expect(outcome!.message).toBe(
      `dump_syms_regtest64.pdb ${identityKey(REGTEST64)}: not loaded: ${url}: HTTP 500 Internal Server Error`,
    );
    expect(filesUnder(cache)).toEqual([]);
  });

  it('rejects garbage bytes through the reader and keeps nothing in the cache', async () => {
    const garbage = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919 + 13) & 0xff));
    const s = await serve(fresh('empty'), {
      route: (req, res) => {
        if (req.url?.endsWith('.pdb') || req.url?.endsWith('.sym'))
          res.writeHead(200, { 'content-length': garbage.length }).end(garbage);
        else res.writeHead(404).end();
        return true;
      },
    });
    const cache = fresh('cache');
    const outcomes = await load([REGTEST64, NTDLL], `srv*${cache}*${s.url}`);
    expect(statusOf(outcomes)).toEqual(['error', 'error']);
    const pdbUrl = `${s.url}/dump_syms_regtest64.pdb/${identityKey(REGTEST64)}/dump_syms_regtest64.pdb`;
    expect(outcomes[0]!.notes).toEqual([
      `${pdbUrl} (downloaded): the file: not a PDB (no MSF 7.00 signature)`,
    ]);
    // ntdll.pdb is garbage too, so the search of that server stops there.
    expect(outcomes[1]!.notes[0]).toMatch(/ntdll\.pdb \(downloaded\): the file: not a PDB/);
    expect(outcomes.map((o) => o.bytesDownloaded)).toEqual([garbage.length, garbage.length]);
    expect(filesUnder(cache)).toEqual([]);
  });

  it('fires the idle timeout on a server that sends headers then stalls, leaving no file', async () => {
    const s = await serve(fresh('empty'), {
      route: (_req, res) => {
        res.writeHead(200, { 'content-length': 1_000_000 });
        res.write(Buffer.alloc(10_000, 1));
        return true;
      },
    });
    const cache = fresh('cache');
    const t0 = Date.now();
    const [outcome] = await load([REGTEST64], `srv*${cache}*${s.url}`, { limits: { idleTimeoutMs: 200 } });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(outcome!.status).toBe('error');
    expect(outcome!.message).toMatch(/dump_syms_regtest64\.pdb: no data for 200 ms$/);
    expect(outcome!.bytesDownloaded).toBe(10_000);
    expect(filesUnder(cache)).toEqual([]);
  });

  it('cancels mid-download promptly: cancelled, no partial file, the socket closed', async () => {
    const s = await serve(fresh('empty'), {
      route: (_req, res) => {
        res.writeHead(200, { 'content-length': 5_000_000 });
        res.write(Buffer.alloc(64 * 1024, 2));
        return true; // and never more
      },
    });
    const cache = fresh('cache');
    const controller = new AbortController();
    let abortedAt = 0;
    const t0 = Date.now();
    const outcomes = await load([REGTEST64, BASIC32, NTDLL], `srv*${cache}*${s.url}`, {
      signal: controller.signal,
      concurrency: 1,
      onProgress: (p) => {
        if ((p.download?.bytes ?? 0) > 0 && abortedAt === 0) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    });
    expect(abortedAt).toBeGreaterThan(0);
    expect(abortedAt - t0).toBeLessThan(1000); // the first bytes were reported (not held back by the throttle)
    expect(Date.now() - abortedAt).toBeLessThan(500);
    expect(statusOf(outcomes)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(s.requests).toHaveLength(1); // the queued identities never started
    expect(filesUnder(cache)).toEqual([]);
    for (let i = 0; i < 50 && s.closedSockets === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.closedSockets).toBe(1);
  });

  it('does nothing when the signal has already fired', async () => {
    const s = await serve(fixtureStore());
    const controller = new AbortController();
    controller.abort();
    const outcomes = await load([REGTEST64, NTDLL], `srv*${fresh('cache')}*${s.url}`, {
      signal: controller.signal,
    });
    expect(statusOf(outcomes)).toEqual(['cancelled', 'cancelled']);
    expect(s.requests).toEqual([]);
  });

  it('keeps parallel downloads to the concurrency limit (counted on the server)', async () => {
    const root = fresh('served');
    const ids: PdbIdentity[] = [];
    for (let i = 0; i < 9; i++) {
      const id: PdbIdentity = {
        name: `mod${i}.pdb`,
        guid: `0000000${i}-1111-2222-3333-444455556666`,
        age: i + 1,
      };
      ids.push(id);
      const file = path.join(root, symstoreRelative(id, `mod${i}.sym`));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(
        file,
        `MODULE windows x86_64 ${identityKey(id)} mod${i}.pdb\nPUBLIC 1000 0 mod${i}_entry\n`,
      );
    }
    const s = await serve(root, { delayMs: 200 });
    const outcomes = await load(ids, `srv*${fresh('cache')}*${s.url}`, { concurrency: 3 });
    expect(statusOf(outcomes)).toEqual(ids.map(() => 'loaded'));
    expect(outcomes.map((o) => o.table!.names[0])).toEqual(ids.map((_, i) => `mod${i}_entry`));
    expect(s.requests).toHaveLength(18); // .pdb (404) then .sym for each
    // Never above the limit; parallel at all (on a loaded machine the third may start after the first ends).
    expect(s.maxConcurrent).toBeLessThanOrEqual(3);
    expect(s.maxConcurrent).toBeGreaterThanOrEqual(2);
  });

  it('skips a PDB or .sym of another build with a note, and goes on', async () => {
    const local = fresh('local');
    mkdirSync(local, { recursive: true });
    copyFileSync(fixture('basic32-min.pdb'), path.join(local, 'dump_syms_regtest64.pdb')); // flat, wrong build
    const ntdllSym = path.join(local, symstoreRelative(NTDLL, 'ntdll.sym'));
    mkdirSync(path.dirname(ntdllSym), { recursive: true });
    copyFileSync(fixture('basic32-min.sym'), ntdllSym); // right place, wrong MODULE
    const s = await serve(fixtureStore());
    const cache = fresh('cache');
    const outcomes = await load([REGTEST64, NTDLL], `${local};srv*${cache}*${s.url}`);
    expect(statusOf(outcomes)).toEqual(['loaded', 'loaded']);
    expect(outcomes[0]!.url).toBeDefined();
    expect(outcomes[0]!.notes).toEqual([
      `${path.join(local, 'dump_syms_regtest64.pdb')}: symbols of another build (file has ${identityKey(BASIC32)}, the trace wants ${identityKey(REGTEST64)})`,
    ]);
    expect(outcomes[1]!.notes[0]).toMatch(
      /ntdll\.sym: symbols of another build \(file has basic32-min\.pdb 878E82E5/,
    );
    const alone = await load([REGTEST64, NTDLL], local);
    expect(statusOf(alone)).toEqual(['mismatch', 'mismatch']);
    expect(alone[0]!.message).toMatch(
      /^dump_syms_regtest64\.pdb 72E103A8.*: only symbols of other builds found: .*another build/,
    );
  });

  it('copies into every downstream store, and back into a nearer one that lost it', async () => {
    const s = await serve(fixtureStore());
    const near = fresh('near');
    const far = fresh('far');
    const symbolPath = `srv*${near}*${far}*${s.url}`;
    const [first] = await load([NTDLL], symbolPath);
    expect(first!.file).toBe(path.join(near, symstoreRelative(NTDLL, 'ntdll.sym')));
    expect(filesUnder(near)).toEqual([symstoreRelative(NTDLL, 'ntdll.sym')]);
    expect(filesUnder(far)).toEqual([symstoreRelative(NTDLL, 'ntdll.sym')]);
    rmSync(near, { recursive: true });
    const before = s.requests.length;
    const [second] = await load([NTDLL], symbolPath);
    expect(second!.file).toBe(path.join(far, symstoreRelative(NTDLL, 'ntdll.sym')));
    expect(filesUnder(near)).toEqual([symstoreRelative(NTDLL, 'ntdll.sym')]);
    expect(s.requests.length).toBe(before);
  });

  it('reads the old .sym.txt layout in <trace>.symbols before any server', async () => {
    const s = await serve(fixtureStore());
    const trace = path.join(fresh('traces'), 'boot.etl');
    const side = path.join(`${trace}.symbols`, symstoreRelative(NTDLL, 'ntdll.sym.txt'));
    mkdirSync(path.dirname(side), { recursive: true });
    writeFileSync(side, '1000 _guard_fids_table\n2f60 NtDllUserStubs\n');
    const { elements } = effectiveSymbolPath({
      tracePath: trace,
      env: { _NT_SYMBOL_PATH: `srv*${fresh('cache')}*${s.url}` },
    });
    const [outcome] = await loadSymbolTables([NTDLL], elements, { readPdb: testReadPdb });
    expect(outcome!.status).toBe('loaded');
    expect(outcome!.table!.kind).toBe('symtxt');
    expect(outcome!.source).toMatchObject({ kind: 'dir', source: 'trace' });
    expect(s.requests).toEqual([]);
  });

  it('searches once per distinct identity and refuses identities that cannot name a file', async () => {
    const s = await serve(fixtureStore());
    const cache = fresh('cache');
    const twin = { ...NTDLL, name: 'C:\\build\\obj\\NTDLL.PDB', guid: NTDLL.guid.toLowerCase() };
    const hostile: PdbIdentity = { name: '..', guid: NTDLL.guid, age: 1 };
    const badGuid: PdbIdentity = { name: 'x.pdb', guid: 'not-a-guid', age: 1 };
    const outcomes = await load([NTDLL, twin, hostile, badGuid], `srv*${cache}*${s.url}`);
    expect(statusOf(outcomes)).toEqual(['loaded', 'loaded', 'error', 'error']);
    expect(outcomes[1]!.identity).toBe(twin);
    expect(outcomes[1]!.table).toBe(outcomes[0]!.table);
    expect(outcomes[2]!.message).toBe('PDB name `..` cannot name a symbol file');
    expect(outcomes[3]!.message).toBe('GUID `not-a-guid` of x.pdb is not 32 hex digits');
    expect(s.requests).toHaveLength(2);
    expect(filesUnder(cache)).toEqual([symstoreRelative(NTDLL, 'ntdll.sym')]);
  });

  it('passes symbol path problems on as notes', async () => {
    const [outcome] = await load([NTDLL], `bogus*thing;${fresh('nothing')}`);
    expect(outcome!.status).toBe('not-found');
    expect(outcome!.notes).toEqual([
      'symbol path element `bogus*thing`: unknown element form `bogus*` (known: srv*, symsrv*symsrv.dll*, cache*)',
    ]);
  });

  it('reports an injected PDB reader that throws, and one that returns a malformed table', async () => {
    const local = fresh('local');
    buildSymstore(local, [[REGTEST64, 'dump_syms_regtest64.pdb']]);
    const [thrown] = await loadSymbolTables([REGTEST64], local, {
      readPdb: () => {
        throw new Error('reader exploded');
      },
    });
    expect(thrown!.status).toBe('error');
    expect(thrown!.notes).toEqual(['reader exploded']);
    const [malformed] = await loadSymbolTables([REGTEST64], local, {
      readPdb: (file) => ({
        rvas: Uint32Array.of(5, 1),
        sizes: new Uint32Array(2),
        names: ['a', 'b'],
        kind: 'pdb',
        origin: file,
      }),
    });
    expect(malformed!.status).toBe('error');
    expect(malformed!.notes[0]).toMatch(/the PDB reader returned unsorted RVAs$/);
  });
});
