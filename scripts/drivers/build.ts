// Builds genuine PE + PDB pairs for the scenarios' drivers (and user-mode system DLLs) with
// clang-14 and lld-link-14, gives each the identity we choose, and reads everything back with the
// independent LLVM tools. Results are cached by a hash of the generated source, the pointer size,
// the flags and the tool versions, so a test run rebuilds only what changed.
//
//   DriverSpec + call edges ──source.ts──> NAME.c / NAME.cpp
//     ──clang-14 -g -gcodeview──> NAME.obj ──lld-link-14 /debug /Brepro──> FILE + full PDB + map
//     [publics only (ntoskrnl, ntdll): clang without -g ──> lld-link ──> a PDB with publics and
//      section headers only, Microsoft's public-symbol shape; the full one is kept as the truth]
//     [no PDB (vendor driver without symbols): the shipped FILE is linked without /debug]
//     ──image-patch.ts──> RSDS GUID/age in FILE, GUID/age in both PDBs, PE CheckSum
//     ──readback.ts (llvm-readobj, llvm-pdbutil, llvm-objdump, the map)──> BuiltImage
//   cache: <cacheDir>/<stem>-<bits>-<key>/{FILE, PDB, full/PDB, manifest.json}; a build happens in a
//   temporary sibling directory renamed into place, so concurrent test workers never see half of one.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DriverSpec } from '../writer/simulate.js';
import { patchPdb, patchPe } from './image-patch.js';
import {
  parseDisassembly,
  parseMap,
  parsePdbSummary,
  parsePrivateHeaders,
  parseProcedures,
  parsePublics,
  parseReadobj,
  parseSectionHeaders,
  undecorate,
  type Instruction,
  type PeHeaders,
} from './readback.js';
import { generateSource, type CallEdge } from './source.js';
import { findToolchain, run, type Toolchain } from './toolchain.js';

export { toolchainAvailable, TOOLCHAIN_PACKAGES } from './toolchain.js';
export type { CallEdge } from './source.js';

/** Bumped whenever the build steps change what they produce (part of the cache key). */
const BUILDER_VERSION = 5;
/** Optimisation level: -O1 keeps every call as a call (no inlining across noinline) and code compact. */
const OPTIMIZATION = '-O1';

export interface BuiltFunction {
  rva: number;
  /** Code size from the procedure record (S_GPROC32) of the full PDB. */
  size: number;
}

export interface CallSite {
  /** RVA of the instruction after the call: the return address a stack frame holds. */
  returnRva: number;
  /** Spec name of the callee for a direct call inside this image; null for an indirect call. */
  callee: string | null;
}

export interface BuiltImage {
  /** File name as in the DriverSpec (ntoskrnl.exe, ndis.sys, ntdll.dll, …). */
  file: string;
  /** PDB file name (spec.pdb), or undefined for an image shipped without a CodeView record. */
  pdbName: string | undefined;
  pointerSize: 4 | 8;
  /** The built image. */
  sysPath: string;
  /** The PDB to publish (publics only for publicsOnly specs), or undefined without one. */
  pdbPath: string | undefined;
  /** The full PDB with procedure records (= pdbPath unless publics only; private for images without one). */
  fullPdbPath: string;
  publicsOnly: boolean;
  /** RSDS identity (lower-case GUID with dashes), or undefined without a CodeView record. */
  guid: string | undefined;
  age: number | undefined;
  /** From llvm-readobj. */
  imageSize: number;
  timeDateStamp: number;
  checksum: number;
  /** Spec function name → RVA and size. */
  functions: Map<string, BuiltFunction>;
  /** Spec function name → RVAs of its instructions (from llvm-objdump), in address order. */
  instructions: Map<string, number[]>;
  /** Spec function name → its call sites, in address order. */
  callSites: Map<string, CallSite[]>;
  /** True when this came from the cache; buildMs is the time spent on it in this call. */
  fromCache: boolean;
  buildMs: number;
}

export interface BuildOptions {
  pointerSize: 4 | 8;
  /** Call edges ('module!function' pairs): the callers get call sites for them. */
  calls?: readonly CallEdge[];
  /** Default: $ETLSCOPE_DRIVERS_CACHE or <os tmp>/etlscope-drivers. */
  cacheDir?: string;
}

/** The cache directory used when BuildOptions.cacheDir is not given. */
export function defaultCacheDir(): string {
  return process.env.ETLSCOPE_DRIVERS_CACHE ?? path.join(tmpdir(), 'etlscope-drivers');
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Deterministic RSDS identity of a build: a version-4-shaped GUID from the key; age 1–3 (1 for the kernel). */
function identityOf(key: string, spec: DriverSpec): { guid: string; age: number } {
  const h = sha256(`identity:${key}`);
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  const guid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  const age = /^ntoskrnl\.exe$/i.test(spec.file) ? 1 : 1 + (h[16] % 3);
  return { guid, age };
}

interface Manifest {
  builder: number;
  file: string;
  pdbName: string | null;
  pointerSize: 4 | 8;
  publicsOnly: boolean;
  guid: string | null;
  age: number | null;
  imageSize: number;
  timeDateStamp: number;
  checksum: number;
  functions: [string, BuiltFunction][];
  instructions: [string, number[]][];
  callSites: [string, CallSite[]][];
}

function fromManifest(dir: string, m: Manifest, fromCache: boolean, buildMs: number): BuiltImage {
  const pdbPath = m.pdbName === null ? undefined : path.join(dir, m.pdbName);
  const fullName = m.pdbName ?? `${m.file.replace(/\.[^.]+$/, '')}.pdb`;
  return {
    file: m.file,
    pdbName: m.pdbName ?? undefined,
    pointerSize: m.pointerSize,
    sysPath: path.join(dir, m.file),
    pdbPath,
    fullPdbPath: m.publicsOnly || m.pdbName === null ? path.join(dir, 'full', fullName) : pdbPath!,
    publicsOnly: m.publicsOnly,
    guid: m.guid ?? undefined,
    age: m.age ?? undefined,
    imageSize: m.imageSize,
    timeDateStamp: m.timeDateStamp,
    checksum: m.checksum,
    functions: new Map(m.functions),
    instructions: new Map(m.instructions),
    callSites: new Map(m.callSites),
    fromCache,
    buildMs,
  };
}

function loadCached(dir: string): Manifest | undefined {
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (m.builder !== BUILDER_VERSION || !existsSync(path.join(dir, m.file))) return undefined;
    return m;
  } catch {
    return undefined;
  }
}

/** Builds (or takes from the cache) one image per spec. Throws a ToolchainError when the tools are missing. */
export function buildDrivers(specs: readonly DriverSpec[], options: BuildOptions): BuiltImage[] {
  const toolchain = findToolchain();
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  mkdirSync(cacheDir, { recursive: true });
  return specs.map((spec) => buildOne(spec, options.pointerSize, options.calls ?? [], toolchain, cacheDir));
}

function buildOne(
  spec: DriverSpec,
  pointerSize: 4 | 8,
  calls: readonly CallEdge[],
  toolchain: Toolchain,
  cacheDir: string,
): BuiltImage {
  const started = performance.now();
  const source = generateSource(spec, pointerSize, calls);
  const publicsOnly = spec.publicsOnly === true && spec.pdb !== undefined;
  const stem = spec.file.replace(/\.[^.]+$/, '');
  const key = sha256(
    JSON.stringify({
      builder: BUILDER_VERSION,
      file: spec.file,
      pdb: spec.pdb ?? null,
      publicsOnly,
      user: spec.user === true,
      pointerSize,
      source: source.text,
      tools: toolchain.versions,
    }),
  )
    .subarray(0, 12)
    .toString('hex');
  const dir = path.join(cacheDir, `${stem}-${pointerSize * 8}-${key}`);
  const cached = loadCached(dir);
  if (cached !== undefined) return fromManifest(dir, cached, true, performance.now() - started);

  const work = mkdtempSync(path.join(cacheDir, `.build-${stem}-`));
  try {
    const manifest = buildInto(work, spec, pointerSize, source, publicsOnly, key, toolchain);
    writeFileSync(path.join(work, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
    try {
      renameSync(work, dir);
    } catch {
      // Another process finished the same build first: use its copy.
      if (loadCached(dir) === undefined) throw new Error(`scripts/drivers: cannot store the build in ${dir}`);
      rmSync(work, { recursive: true, force: true });
    }
    return fromManifest(dir, loadCached(dir)!, false, performance.now() - started);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

function buildInto(
  work: string,
  spec: DriverSpec,
  pointerSize: 4 | 8,
  source: ReturnType<typeof generateSource>,
  publicsOnly: boolean,
  key: string,
  toolchain: Toolchain,
): Manifest {
  const stem = spec.file.replace(/\.[^.]+$/, '');
  const buildDirName = `C:\\build\\${stem}`;
  writeFileSync(path.join(work, source.fileName), source.text);
  const target = pointerSize === 8 ? 'x86_64-pc-windows-msvc' : 'i686-pc-windows-msvc';
  const compile = (debug: boolean, out: string): void => {
    run(
      toolchain,
      'clang',
      [
        `--target=${target}`,
        OPTIMIZATION,
        ...(debug ? ['-g', '-gcodeview'] : []),
        '-fno-optimize-sibling-calls', // every call stays a call: its return address is in the caller
        '-fno-builtin',
        '-fno-stack-protector',
        '-mno-incremental-linker-compatible', // no build time in the object's COFF header
        ...(source.language === 'c++' ? ['-x', 'c++', '-fno-exceptions', '-fno-rtti'] : []),
        `-ffile-compilation-dir=${buildDirName}`, // no host path in the objects (debug info, build info): same bytes anywhere
        '-c',
        source.fileName,
        '-o',
        out,
      ],
      work,
    );
  };
  const kind =
    spec.user === true
      ? ['/dll', '/noentry', '/subsystem:windows']
      : [
          '/driver',
          ...(/\.dll$/i.test(spec.file) ? ['/dll'] : []),
          '/subsystem:native',
          `/entry:${source.entry!}`,
        ];
  const link = (obj: string, out: string, pdb: string | undefined, map: string | undefined): void => {
    run(
      toolchain,
      'lld-link',
      [
        '/nodefaultlib',
        ...kind,
        `/machine:${pointerSize === 8 ? 'x64' : 'x86'}`,
        ...(pdb !== undefined
          ? [`/debug`, `/pdb:${pdb}`, `/pdbaltpath:${path.basename(pdb)}`, `/pdbsourcepath:${buildDirName}`]
          : []),
        '/Brepro', // timestamp from a content hash, no build time in the image
        '/opt:noref', // keep every function, called or not
        '/opt:noicf', // never fold two functions into one
        ...(map !== undefined ? [`/map:${map}`] : []),
        `/out:${out}`,
        obj,
      ],
      work,
    );
  };
  const pdbName = spec.pdb;
  const fullName = pdbName ?? `${stem}.pdb`;
  mkdirSync(path.join(work, 'full'));
  compile(true, `${stem}.obj`);
  let shippedPdb: string | undefined;
  let fullPdb: string;
  if (pdbName !== undefined && !publicsOnly) {
    link(`${stem}.obj`, spec.file, pdbName, `${stem}.map`);
    shippedPdb = pdbName;
    fullPdb = pdbName;
  } else if (pdbName !== undefined) {
    // Full PDB (kept for the truth) and a publics-only one from objects without debug info.
    link(`${stem}.obj`, spec.file, path.join('full', pdbName), `${stem}.map`);
    compile(false, `${stem}.nodebug.obj`);
    mkdirSync(path.join(work, 'stripped'));
    link(
      `${stem}.nodebug.obj`,
      path.join('stripped', spec.file),
      pdbName,
      path.join('stripped', `${stem}.map`),
    );
    shippedPdb = pdbName;
    fullPdb = path.join('full', pdbName);
  } else {
    // No public symbols: the shipped image has no CodeView record; a private PDB gives the truth.
    link(
      `${stem}.obj`,
      path.join('full', spec.file),
      path.join('full', fullName),
      path.join('full', `${stem}.map`),
    );
    link(`${stem}.obj`, spec.file, undefined, `${stem}.map`);
    fullPdb = path.join('full', fullName);
  }

  // Identity and checksum.
  const identity = pdbName === undefined ? undefined : identityOf(key, spec);
  const patchFile = (file: string, patch: (bytes: Uint8Array) => void): void => {
    const bytes = new Uint8Array(readFileSync(path.join(work, file)));
    patch(bytes);
    writeFileSync(path.join(work, file), bytes);
  };
  if (identity !== undefined) {
    patchFile(fullPdb, (b) => patchPdb(path.join(work, fullPdb), b, identity));
    if (shippedPdb !== fullPdb)
      patchFile(shippedPdb!, (b) => patchPdb(path.join(work, shippedPdb!), b, identity));
  }
  patchFile(spec.file, (b) => patchPe(path.join(work, spec.file), b, identity));

  // Read everything back with the LLVM tools.
  const sysFile = path.join(work, spec.file);
  const headers = parseReadobj(
    run(toolchain, 'llvm-readobj', ['--file-headers', '--coff-debug-directory', spec.file], work),
    sysFile,
  );
  const privateHeaders = parsePrivateHeaders(
    run(toolchain, 'llvm-objdump', ['-p', spec.file], work),
    sysFile,
  );
  if (privateHeaders.sizeOfImage !== headers.sizeOfImage)
    throw new Error(
      `${sysFile}: SizeOfImage ${headers.sizeOfImage} (llvm-readobj) ≠ ${privateHeaders.sizeOfImage} (llvm-objdump)`,
    );
  checkHeaders(sysFile, headers, privateHeaders.checksum, pointerSize, identity, pdbName);
  for (const pdb of new Set([fullPdb, shippedPdb].filter((p): p is string => p !== undefined))) {
    if (identity === undefined) break;
    const summary = parsePdbSummary(run(toolchain, 'llvm-pdbutil', ['dump', '--summary', pdb], work), pdb);
    if (summary.guid !== identity.guid || summary.age !== identity.age)
      throw new Error(
        `${path.join(work, pdb)}: GUID/age ${summary.guid}/${summary.age} after patching, expected ${identity.guid}/${identity.age}`,
      );
  }
  const sections = parseSectionHeaders(
    run(toolchain, 'llvm-pdbutil', ['dump', '--section-headers', fullPdb], work),
    fullPdb,
  );
  const procedures = parseProcedures(
    run(toolchain, 'llvm-pdbutil', ['dump', '--symbols', fullPdb], work),
    sections,
    fullPdb,
  );
  const byName = new Map(procedures.map((p) => [p.name, p]));
  const functions = new Map<string, BuiltFunction>();
  for (const name of spec.functions) {
    const id = source.identifiers.get(name)!;
    const proc = byName.get(id);
    if (proc === undefined) throw new Error(`${path.join(work, fullPdb)}: no procedure record for ${id}`);
    functions.set(name, { rva: proc.rva, size: proc.size });
  }
  // Cross-checks: the linker map of the shipped image, and the published PDB's publics.
  const map = parseMap(
    readFileSync(path.join(work, `${stem}.map`), 'utf8'),
    headers.imageBase,
    `${stem}.map`,
  );
  const mapByPlain = new Map([...map].map(([decorated, rva]) => [undecorate(decorated, pointerSize), rva]));
  for (const [name, f] of functions) {
    const id = source.identifiers.get(name)!;
    if (mapByPlain.get(id) !== f.rva)
      throw new Error(
        `${sysFile}: the map puts ${id} at ${mapByPlain.get(id)?.toString(16)}, the PDB at ${f.rva.toString(16)}`,
      );
  }
  if (shippedPdb !== undefined) {
    const shippedSections = parseSectionHeaders(
      run(toolchain, 'llvm-pdbutil', ['dump', '--section-headers', shippedPdb], work),
      shippedPdb,
    );
    const publics = parsePublics(
      run(toolchain, 'llvm-pdbutil', ['dump', '--publics', shippedPdb], work),
      shippedSections,
      shippedPdb,
    );
    const publicRva = new Map(
      publics.filter((p) => p.isFunction).map((p) => [undecorate(p.name, pointerSize), p.rva]),
    );
    for (const [name, f] of functions) {
      const id = source.identifiers.get(name)!;
      if (publicRva.get(id) !== f.rva)
        throw new Error(
          `${path.join(work, shippedPdb)}: public ${id} at ${publicRva.get(id)?.toString(16)}, expected ${f.rva.toString(16)}`,
        );
    }
  }
  const code = parseDisassembly(
    run(toolchain, 'llvm-objdump', ['-d', '--no-show-raw-insn', spec.file], work),
    headers.imageBase,
    sysFile,
  );
  const { instructions, callSites } = codeOf(sysFile, functions, code, source.identifiers);

  return {
    builder: BUILDER_VERSION,
    file: spec.file,
    pdbName: pdbName ?? null,
    pointerSize,
    publicsOnly,
    guid: identity?.guid ?? null,
    age: identity?.age ?? null,
    imageSize: headers.sizeOfImage,
    timeDateStamp: headers.timeDateStamp,
    checksum: privateHeaders.checksum,
    functions: [...functions],
    instructions: [...instructions],
    callSites: [...callSites],
  };
}

function checkHeaders(
  file: string,
  headers: PeHeaders,
  checksum: number,
  pointerSize: 4 | 8,
  identity: { guid: string; age: number } | undefined,
  pdbName: string | undefined,
): void {
  if (headers.machine !== (pointerSize === 8 ? 'x64' : 'x86'))
    throw new Error(`${file}: machine ${headers.machine}, expected ${pointerSize === 8 ? 'x64' : 'x86'}`);
  if (checksum === 0) throw new Error(`${file}: CheckSum is 0 after patching`);
  if (identity === undefined) {
    if (headers.codeView !== undefined) throw new Error(`${file}: has a CodeView record, expected none`);
    return;
  }
  const cv = headers.codeView;
  if (cv === undefined) throw new Error(`${file}: no CodeView record`);
  if (cv.guid !== identity.guid || cv.age !== identity.age || cv.pdbFileName !== pdbName)
    throw new Error(
      `${file}: RSDS ${cv.guid}/${cv.age}/${cv.pdbFileName}, expected ${identity.guid}/${identity.age}/${pdbName}`,
    );
}

/** Instruction starts and call sites per function, from the disassembly of the shipped image. */
function codeOf(
  file: string,
  functions: Map<string, BuiltFunction>,
  code: readonly Instruction[],
  identifiers: Map<string, string>,
): { instructions: Map<string, number[]>; callSites: Map<string, CallSite[]> } {
  const byRva = new Map([...functions].map(([name, f]) => [f.rva, name]));
  const instructions = new Map<string, number[]>();
  const callSites = new Map<string, CallSite[]>();
  const ordered = [...functions].sort((a, b) => a[1].rva - b[1].rva);
  let k = 0;
  for (const [name, f] of ordered) {
    while (k < code.length && code[k].rva < f.rva) k++;
    const starts: number[] = [];
    const sites: CallSite[] = [];
    for (let j = k; j < code.length && code[j].rva < f.rva + f.size; j++) {
      starts.push(code[j].rva);
      const target = code[j].callTarget;
      if (target === undefined) continue;
      const next = code[j + 1]?.rva ?? f.rva + f.size;
      if (next >= f.rva + f.size)
        throw new Error(`${file}: ${identifiers.get(name)} ends with a call (a tail position)`);
      sites.push({ returnRva: next, callee: target === null ? null : (byRva.get(target) ?? null) });
    }
    if (starts[0] !== f.rva)
      throw new Error(`${file}: no instruction at the start of ${identifiers.get(name)}`);
    if (starts.length < 2) throw new Error(`${file}: ${identifiers.get(name)} has fewer than 2 instructions`);
    if (!sites.some((s) => s.callee === null))
      throw new Error(`${file}: ${identifiers.get(name)} has no indirect call site`);
    instructions.set(name, starts);
    callSites.set(name, sites);
  }
  return { instructions, callSites };
}
