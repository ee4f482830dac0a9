// Test-only support for the symbol layer's tests (imported by *.test.ts only, never by the product):
// the real PDB/.sym fixtures of ../shared/pdb with their identities, a symstore tree built from them,
// a real node:http symbol server on 127.0.0.1 (counts requests and concurrent requests, routes can be
// overridden to misbehave), and a small PDB identity check for the injected `readPdb`.
//
//   ../shared/pdb/*.pdb|*.sym ──buildSymstore──> TMP/name.pdb/GUIDAGE/file ──startSymbolServer──> http://127.0.0.1:PORT/

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SymbolMismatchError } from './symbol-errors.js';
import { buildSymbolTable, identityKey, type PdbIdentity, type SymbolTable } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The shared fixtures folder (read-only); tests skip, and say so, where it is absent. */
export const FIXTURE_DIR = path.resolve(here, '..', '..', '..', 'shared', 'pdb');
export const HAVE_FIXTURES = existsSync(path.join(FIXTURE_DIR, 'ntdll.sym'));

/** Identities as ../shared/pdb/README.md lists them (and as the files' own MODULE lines say). */
export const REGTEST64: PdbIdentity = {
  name: 'dump_syms_regtest64.pdb',
  guid: '72E103A8-5CB2-4907-8B76-B2E7C06257B1',
  age: 3,
};
export const BASIC32: PdbIdentity = {
  name: 'basic32-min.pdb',
  guid: '878E82E5-E282-481B-88FC-BBA2CFF8C7F1',
  age: 2,
};
export const NTDLL: PdbIdentity = { name: 'ntdll.pdb', guid: 'BD298DA9-90CD-4BF9-BE5C-E4796D7924C6', age: 1 };

export function fixture(name: string): string {
  return path.join(FIXTURE_DIR, name);
}

/** Symstore path relative to a store root: `name.pdb/GUIDAGE/file`. */
export function symstoreRelative(identity: PdbIdentity, file: string): string {
  return path.join(identity.name, identityKey(identity), file);
}

/** Copies fixtures into `root` in symstore layout; `files` maps identity → fixture file names. */
export function buildSymstore(root: string, files: readonly (readonly [PdbIdentity, string])[]): void {
  for (const [identity, name] of files) {
    const target = path.join(root, symstoreRelative(identity, name));
    mkdirSync(path.dirname(target), { recursive: true });
    copyFileSync(fixture(name), target);
  }
}

/** Every regular file under `dir` (relative paths, sorted); [] when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const r = path.join(rel, name);
      if (statSync(path.join(dir, r)).isDirectory()) walk(r);
      else out.push(r);
    }
  };
  walk('');
  return out.sort();
}

/** The answer key of a fixture: its .sym FUNC/PUBLIC lines, read independently of breakpad.ts. */
export function answerKey(symFile: string): { rva: number; size: number; name: string; func: boolean }[] {
  const out: { rva: number; size: number; name: string; func: boolean }[] = [];
  for (const line of readFileSync(symFile, 'utf8').split(/\r?\n/)) {
    const func = /^FUNC (?:m )?([0-9a-f]+) ([0-9a-f]+) [0-9a-f]+ (.*)$/.exec(line);
    if (func !== null)
      out.push({ rva: parseInt(func[1]!, 16), size: parseInt(func[2]!, 16), name: func[3]!, func: true });
    const pub = /^PUBLIC (?:m )?([0-9a-f]+) [0-9a-f]+ (.*)$/.exec(line);
    if (pub !== null) out.push({ rva: parseInt(pub[1]!, 16), size: 0, name: pub[2]!, func: false });
  }
  return out;
}

const MSF_MAGIC = Buffer.from('Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0', 'latin1');

/** GUID and age from a PDB's info stream (stream 1) — a minimal MSF walk, bounds-checked, that
 *  throws on anything that is not a PDB. Test-only: the product's PDB reader lives in pdb/. */
export function pdbIdentityOf(file: string): { guid: string; age: number } {
  const bytes = readFileSync(file);
  const fail = (why: string): never => {
    throw new Error(`${file}: not a PDB (${why})`);
  };
  if (bytes.length < 56 || !bytes.subarray(0, 32).equals(MSF_MAGIC)) fail('no MSF 7.00 signature');
  const blockSize = bytes.readUInt32LE(32);
  const directoryBytes = bytes.readUInt32LE(44);
  const blockMap = bytes.readUInt32LE(52);
  if (![512, 1024, 2048, 4096].includes(blockSize)) fail(`block size ${blockSize}`);
  const block = (index: number) => {
    const at = index * blockSize;
    if (at + blockSize > bytes.length) fail(`block ${index} beyond the end`);
    return bytes.subarray(at, at + blockSize);
  };
  const directoryBlocks = Math.ceil(directoryBytes / blockSize);
  const map = block(blockMap);
  if (directoryBlocks * 4 > map.length) fail('directory too large');
  const directory = Buffer.concat(
    Array.from({ length: directoryBlocks }, (_, i) => block(map.readUInt32LE(i * 4))),
  );
  const streams = directory.readUInt32LE(0);
  if (streams < 2 || 4 + streams * 4 > directory.length) fail('no info stream');
  const sizeOf = (s: number) => directory.readUInt32LE(4 + s * 4);
  let at = 4 + streams * 4;
  for (let s = 0; s < 1; s++) at += Math.ceil((sizeOf(s) === 0xffffffff ? 0 : sizeOf(s)) / blockSize) * 4;
  if (sizeOf(1) < 28 || at + 4 > directory.length) fail('info stream too short');
  const info = block(directory.readUInt32LE(at));
  const age = info.readUInt32LE(8);
  const g = info.subarray(12, 28);
  const hex = (b: Buffer) => b.toString('hex').toUpperCase();
  const guid = [
    g.readUInt32LE(0).toString(16).padStart(8, '0'),
    g.readUInt16LE(4).toString(16).padStart(4, '0'),
    g.readUInt16LE(6).toString(16).padStart(4, '0'),
    hex(g.subarray(8, 10)),
    hex(g.subarray(10, 16)),
  ]
    .join('-')
    .toUpperCase();
  return { guid, age };
}

/** The injected `readPdb` of the tests: checks the file really is the wanted PDB (MSF signature,
 *  GUID and age from its info stream; SymbolMismatchError otherwise), then returns that PDB's
 *  symbols from its Breakpad answer key (the real PDB reader is another module's job). */
export function testReadPdb(file: string, wanted: PdbIdentity): SymbolTable {
  const found = pdbIdentityOf(file);
  if (identityKey(found) !== identityKey(wanted))
    throw new SymbolMismatchError(file, identityKey(wanted), identityKey(found));
  const base = path.basename(wanted.name, '.pdb');
  return buildSymbolTable(answerKey(fixture(`${base}.sym`)), 'pdb', file);
}

export interface TestSymbolServer {
  readonly url: string;
  /** Request paths in arrival order. */
  readonly requests: string[];
  /** Most requests in flight at once. */
  readonly maxConcurrent: number;
  /** Requests whose socket has closed (a cancelled download must close it). */
  readonly closedSockets: number;
  close(): Promise<void>;
}

/** A route override: return true when it handled the request. */
export type Route = (req: IncomingMessage, res: ServerResponse, pathname: string) => boolean;

/** A real HTTP server on 127.0.0.1 serving `root` as a symstore tree (404 for anything else). */
export async function startSymbolServer(
  root: string,
  options: { readonly route?: Route; readonly delayMs?: number } = {},
): Promise<TestSymbolServer> {
  const requests: string[] = [];
  let active = 0;
  let maxConcurrent = 0;
  let closedSockets = 0;
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(pathname);
    active++;
    maxConcurrent = Math.max(maxConcurrent, active);
    let counted = false;
    const done = () => {
      if (counted) return;
      counted = true;
      active--;
    };
    res.on('close', done);
    req.socket.once('close', () => closedSockets++);
    const serve = () => {
      if (options.route?.(req, res, pathname) === true) return;
      const file = path.join(root, path.normalize(pathname).replace(/^([/\\])+/, ''));
      if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = readFileSync(file);
      res
        .writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length })
        .end(body);
    };
    if (options.delayMs !== undefined) setTimeout(serve, options.delayMs);
    else serve();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxConcurrent() {
      return maxConcurrent;
    },
    get closedSockets() {
      return closedSockets;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
