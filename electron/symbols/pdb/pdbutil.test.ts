// Second opinion: LLVM's own PDB reader (llvm-pdbutil, Debian llvm 14) on the same files. Our
// summary (block size, streams, GUID, age), every S_PUB32 record (stream offset, flags,
// segment:offset, name), the section headers and every procedure's address and size must agree
// with what it prints; for PDBs we build here with clang + lld-link, the RSDS record that
// llvm-readobj reads from the image must match our identity too. Skips (and says so) where a
// tool is missing.
//
// Built here, in a temp dir: a C "driver" (x64 and x86, with -g: procedures + types; without:
// publics only, the shape of Microsoft's public kernel PDBs) and a C++ one (methods, const,
// references, member pointers, an anonymous namespace, templates) whose FUNC names are spelled
// out below by the dump_syms/pdb-addr2line rules.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PdbFile } from './pdb.js';
import { checkPdbIdentity, fileByteSource, openPdb, SYMBOL_FLAGS } from './pdb.js';

const FIXTURES = fileURLToPath(new URL('../../../../shared/pdb/', import.meta.url));
const PDBUTIL = '/usr/bin/llvm-pdbutil';
const READOBJ = '/usr/bin/llvm-readobj';
const CLANG = '/usr/bin/clang-14';
const LLD = '/usr/bin/lld-link-14';
const haveTools = (...tools: string[]) => tools.every((t) => existsSync(t));

function run(tool: string, args: string[], cwd?: string): string {
  return execFileSync(tool, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

interface PdbutilView {
  blockSize: number;
  streams: number;
  age: number;
  guid: string;
  publics: Array<{ recordOffset: number; name: string; flags: string; section: number; offset: number }>;
  sections: Array<{ name: string; virtualSize: number; virtualAddress: number; characteristics: number }>;
  original: PdbutilView['sections'] | null;
  procedures: Array<{ name: string; section: number; offset: number; length: number }>;
}

function parseSections(text: string): PdbutilView['sections'] | null {
  if (text.includes('PDB does not contain the requested image section header type')) return null;
  return text
    .split(/SECTION HEADER #\d+/)
    .slice(1)
    .map((block) => ({
      name: /^\s*(\S*) name$/m.exec(block)![1]!,
      virtualSize: parseInt(/^\s*([0-9A-F]+) virtual size$/m.exec(block)![1]!, 16),
      virtualAddress: parseInt(/^\s*([0-9A-F]+) virtual address$/m.exec(block)![1]!, 16),
      characteristics: parseInt(/^\s*([0-9A-F]+) flags$/m.exec(block)![1]!, 16),
    }));
}

function pdbutil(file: string): PdbutilView {
  const text = run(PDBUTIL, ['dump', '--summary', '--publics', '--section-headers', file]);
  const field = (label: string) => new RegExp(`^\\s*${label}: (.*)$`, 'm').exec(text)![1]!;
  const publics = [
    ...text.matchAll(
      /^\s*(\d+) \| S_PUB32 \[size = \d+\] `(.*)`\n\s*flags = ([a-z |]+), addr = (\d{4}):(\d+)$/gm,
    ),
  ].map((m) => ({ recordOffset: +m[1]!, name: m[2]!, flags: m[3]!, section: +m[4]!, offset: +m[5]! }));
  const [, afterSections = ''] = text.split(/^\s*Section Headers\s*$/m);
  const [current = '', original = ''] = afterSections.split(/^\s*Original Section Headers\s*$/m);
  const symbols = run(PDBUTIL, ['dump', '--symbols', file]);
  const procedures = [
    ...symbols.matchAll(
      /\| S_[GL]PROC32(?:_ID)? \[size = \d+\] `(.*)`\n\s*parent = \d+, end = \d+, addr = (\d{4}):(\d+), code size = (\d+)$/gm,
    ),
  ].map((m) => ({ name: m[1]!, section: +m[2]!, offset: +m[3]!, length: +m[4]! }));
  return {
    blockSize: +field('Block Size'),
    streams: +field('Number of streams'),
    age: +field('Age'),
    guid: field('GUID').replace(/[{}]/g, ''),
    publics,
    sections: parseSections(current) ?? [],
    original: parseSections(original),
    procedures,
  };
}

const flagNames = (flags: number) =>
  [flags & 1 && 'code', flags & 2 && 'function', flags & 4 && 'managed', flags & 8 && 'msil']
    .filter(Boolean)
    .join(' | ') || 'none';

/** Everything llvm-pdbutil prints about `file` agrees with our reader. */
function compareWithPdbutil(file: string): { publics: number; procedures: number } {
  const llvm = pdbutil(file);
  const pdb = openPdb(fileByteSource(file), path.basename(file));
  try {
    expect(pdb.info.blockSize).toBe(llvm.blockSize);
    expect(pdb.info.streamCount).toBe(llvm.streams);
    expect(pdb.info.age).toBe(llvm.age);
    expect(pdb.info.guid).toBe(llvm.guid);
    const ours = pdb.listPublics().map((p) => ({
      recordOffset: p.recordOffset,
      name: p.name,
      flags: flagNames(p.flags),
      section: p.section,
      offset: p.offset,
    }));
    const order = (a: { recordOffset: number }, b: { recordOffset: number }) =>
      a.recordOffset - b.recordOffset;
    expect(ours.sort(order)).toEqual(llvm.publics.sort(order));
    expect(
      pdb.info.sections.map(({ name, virtualSize, virtualAddress, characteristics }) => ({
        name,
        virtualSize,
        virtualAddress,
        characteristics,
      })),
    ).toEqual(llvm.sections);
    expect(pdb.info.originalSections).toEqual(llvm.original);

    // Every procedure is a FUNC at its RVA with its size, unless another came first at that RVA.
    const table = pdb.readSymbols();
    const index = new Map<number, number>();
    for (let i = 0; i < table.rvas.length; i++) index.set(table.rvas[i]!, i);
    const seen = new Set<number>();
    for (const proc of llvm.procedures) {
      const rva = pdb.info.sections[proc.section - 1]!.virtualAddress + proc.offset;
      const i = index.get(rva);
      expect(i, `procedure ${proc.name} at ${rva.toString(16)}`).toBeDefined();
      expect(table.flags[i!]! & SYMBOL_FLAGS.PUBLIC).toBe(0);
      if (!seen.has(rva)) expect(table.sizes[i!], proc.name).toBe(proc.length);
      seen.add(rva);
    }
    return { publics: llvm.publics.length, procedures: llvm.procedures.length };
  } finally {
    pdb.close();
  }
}

describe('llvm-pdbutil agrees on the real PDBs', () => {
  const ok = haveTools(PDBUTIL);
  if (!ok) it.skip(`${PDBUTIL} is absent: second opinion skipped`, () => {});
  for (const [name, publics, procedures] of [
    ['dump_syms_regtest64.pdb', 1058, 246],
    ['basic32-min.pdb', 3636, 723],
  ] as const) {
    (ok && existsSync(FIXTURES + name) ? it : it.skip)(
      `${name}: summary, ${publics} publics, sections, procedures`,
      () => {
        const counts = compareWithPdbutil(FIXTURES + name);
        expect(counts.publics).toBe(publics);
        expect(counts.procedures).toBe(procedures);
      },
    );
  }
});

const DRIVER_C = `
int _fltused = 0;
typedef unsigned long ULONG;
struct KDPC { int type; void *ctx; };
struct NDIS_MINIPORT { int count; const char *name; struct KDPC dpc; };
__declspec(noinline) static int ndisHelper(int x) { return x * 3 + 1; }
__declspec(noinline) void ndisInterruptDpc(struct KDPC *dpc, void *context, void *a1, void *a2) {
  volatile int v = ndisHelper((int)(long long)context); (void)v; (void)dpc; (void)a1; (void)a2;
}
__declspec(noinline) int ndisMiniportDpc(struct NDIS_MINIPORT *m, const char *const *names, ULONG n) {
  return m->count + (int)n + (names ? 1 : 0);
}
__declspec(noinline) double ndisArray(int grid[4][8], void (*cb)(int, char *)) { if (cb) cb(grid[1][2], 0); return 1.5; }
int DriverEntry(void *driver, void *path) {
  struct NDIS_MINIPORT m = {1, "x", {0, 0}};
  int g[4][8] = {{0}};
  ndisInterruptDpc(&m.dpc, path, 0, 0);
  return ndisMiniportDpc(&m, 0, 2) + (int)ndisArray(g, 0) + (driver ? 1 : 0);
}
`;

const DRIVER_CPP = `
extern "C" int _fltused = 0;
namespace net {
enum class Speed : unsigned char { Slow, Fast };
union Value { int i; float f; };
struct Packet { int len; unsigned char data[16]; };
class Adapter {
 public:
  __declspec(noinline) int send(const Packet &p, Speed s) const { return p.len + (int)s + base; }
  __declspec(noinline) void reset(Packet &&p) { base = p.len; }
  __declspec(noinline) static Adapter *make(int (*alloc)(unsigned long long), Value v);
  __declspec(noinline) int poll(int Adapter::*field, void (Adapter::*cb)(Packet &&));
  int base;
};
Adapter *Adapter::make(int (*alloc)(unsigned long long), Value v) { return (Adapter *)(long long)(alloc ? alloc(8) : v.i); }
int Adapter::poll(int Adapter::*field, void (Adapter::*cb)(Packet &&)) { Packet p{}; (this->*cb)(static_cast<Packet &&>(p)); return this->*field; }
}  // namespace net
namespace {
__declspec(noinline) int hidden(volatile int *p, const double *const q, char grid[3][5]) { return *p + (int)*q + grid[1][1]; }
}
template <typename T> __declspec(noinline) T twice(T x) { return x + x; }
extern "C" int DriverEntry(void *d, void *r) {
  net::Adapter a{1};
  net::Packet p{2, {}};
  volatile int vi = 3; double dd = 1; char g[3][5] = {};
  int x = a.send(p, net::Speed::Fast) + hidden(&vi, &dd, g) + twice(4) + (int)twice(2.5);
  a.reset(static_cast<net::Packet &&>(p));
  x += a.poll(&net::Adapter::base, &net::Adapter::reset);
  return x + (net::Adapter::make(nullptr, net::Value{5}) ? 1 : 0) + (d ? 1 : 0) + (r ? 1 : 0);
}
`;

const C_NAMES = [
  'ndisInterruptDpc(KDPC*, void*, void*, void*)',
  'ndisHelper(int)',
  'ndisMiniportDpc(NDIS_MINIPORT*, char const* const*, unsigned long)',
  'ndisArray(int[8]*, void (*)(int, char*))',
  'DriverEntry(void*, void*)',
];
const PUBLIC_NAMES = ['ndisInterruptDpc', 'ndisMiniportDpc', 'ndisArray', 'DriverEntry'];
const CPP_NAMES = [
  'net::Adapter::make(int (*)(unsigned long long), net::Value)',
  'net::Adapter::poll(int::*, void (net::Adapter::*)(net::Packet&&))',
  'DriverEntry(void*, void*)',
  '(anonymous namespace)::hidden(int*, double const* const, char[5]*)',
  'net::Adapter::send(net::Packet const&, net::Speed) const',
  'twice<int>(int)',
  'twice<double>(double)',
  'net::Adapter::reset(net::Packet&&)',
];

/** RSDS {GUID, age} of an image as llvm-readobj prints them. */
function rsds(image: string): { guid: string; age: number } {
  const text = run(READOBJ, ['--coff-debug-directory', image]);
  const bytes = /PDBGUID: \(([0-9A-F ]+)\)/
    .exec(text)![1]!
    .split(' ')
    .map((b) => parseInt(b, 16));
  const hex = (from: number, to: number, reverse: boolean) => {
    const part = bytes.slice(from, to);
    return (reverse ? part.reverse() : part).map((b) => b.toString(16).padStart(2, '0')).join('');
  };
  const guid = `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
  return { guid, age: +/PDBAge: (\d+)/.exec(text)![1]! };
}

describe('PDBs built here with clang + lld-link', () => {
  const ok = haveTools(CLANG, LLD, PDBUTIL, READOBJ);
  if (!ok) {
    it.skip('clang-14 / lld-link-14 / llvm tools are absent: built-PDB tests skipped', () => {});
    return;
  }
  let dir = '';
  const link = (source: string, out: string, target: string, debug: boolean, extra: string[] = []) => {
    const obj = `${out}.obj`;
    run(
      CLANG,
      [
        `--target=${target}`,
        '-O1',
        ...(debug ? ['-g', '-gcodeview'] : []),
        ...extra,
        '-c',
        source,
        '-o',
        obj,
      ],
      dir,
    );
    run(
      LLD,
      [
        '/nodefaultlib',
        '/driver',
        '/subsystem:native',
        '/entry:DriverEntry',
        '/debug',
        `/pdb:${out}.pdb`,
        `/out:${out}.sys`,
        obj,
      ],
      dir,
    );
    return { pdb: path.join(dir, `${out}.pdb`), image: path.join(dir, `${out}.sys`) };
  };
  const open = (file: string): PdbFile => openPdb(fileByteSource(file), path.basename(file));
  const names = (file: string) => {
    const pdb = open(file);
    try {
      const table = pdb.readSymbols();
      return { names: [...table.names], flags: [...table.flags], info: pdb.info };
    } finally {
      pdb.close();
    }
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'etlscope-pdb-'));
    writeFileSync(path.join(dir, 'ndis.c'), DRIVER_C);
    writeFileSync(path.join(dir, 'kern.cpp'), DRIVER_CPP);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['x64', 'x86_64-pc-windows-msvc'],
    ['x86', 'i686-pc-windows-msvc'],
  ])(
    'C driver, %s, private PDB: procedures with signatures, RSDS identity, llvm-pdbutil agrees',
    (arch, target) => {
      const built = link('ndis.c', `ndis-${arch}`, target, true);
      const result = names(built.pdb);
      expect(result.info.machine).toBe(arch);
      expect(result.names).toEqual(C_NAMES);
      expect(result.flags.every((f) => (f & SYMBOL_FLAGS.PUBLIC) === 0)).toBe(true);
      expect(checkPdbIdentity(result.info, rsds(built.image))).toBeNull();
      expect(compareWithPdbutil(built.pdb).procedures).toBe(5);
    },
  );

  it('C driver, x64, publics-only PDB: PUBLIC lines with section headers from the DBI debug streams', () => {
    const built = link('ndis.c', 'ndis-public', 'x86_64-pc-windows-msvc', false);
    const result = names(built.pdb);
    expect(result.info.hasTypes).toBe(false);
    expect(result.names).toEqual(PUBLIC_NAMES);
    expect(result.flags.every((f) => f === SYMBOL_FLAGS.PUBLIC)).toBe(true);
    expect(checkPdbIdentity(result.info, rsds(built.image))).toBeNull();
    const counts = compareWithPdbutil(built.pdb);
    expect(counts).toEqual({ publics: 7, procedures: 0 }); // + _fltused, a string literal and an FP constant
  });

  it('C++ driver, x64: methods, const, references, member pointers, anonymous namespace, templates', () => {
    const built = link('kern.cpp', 'kern', 'x86_64-pc-windows-msvc', true, ['-fno-exceptions', '-fno-rtti']);
    expect(names(built.pdb).names).toEqual(CPP_NAMES);
    compareWithPdbutil(built.pdb);
  });
});
