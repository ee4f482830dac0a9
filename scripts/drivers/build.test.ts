// The driver builder end to end (needs clang-14, lld-link-14 and the LLVM 14 tools; skipped with a
// message otherwise): images of every kind (kernel with a publics-only PDB, drivers in C and C++, a
// driver without symbols, a user-mode DLL) for both pointer sizes, checked with the LLVM tools
// directly — RSDS GUID/age/PDB name and SizeOfImage from llvm-readobj, CheckSum from llvm-objdump -p,
// GUID/age of both PDBs and the DBI age from llvm-pdbutil, publics-only vs full PDBs — plus
// deterministic rebuilds in another directory and the cache.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { DRIVERS } from '../writer/scenarios.js';
import { buildDrivers, toolchainAvailable, TOOLCHAIN_PACKAGES, type BuiltImage } from './build.js';
import { guidBytes } from './image-patch.js';
import { scenarioCallEdges } from './scenario.js';
import { findToolchain, run, ToolchainError } from './toolchain.js';

const haveTools = toolchainAvailable();
if (!haveTools)
  console.warn(
    `build.test.ts skipped: clang-14/lld-link-14/LLVM 14 tools not installed (apt-get install -y ${TOOLCHAIN_PACKAGES})`,
  );

const SPECS = [DRIVERS.ntoskrnl, DRIVERS.ndis, DRIVERS.wdf, DRIVERS.rtwlane, DRIVERS.ntdll, DRIVERS.idsvia];
const dirs: string[] = [];
const fresh = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'etlscope-drivers-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const tool = (name: 'llvm-readobj' | 'llvm-objdump' | 'llvm-pdbutil', args: string[]): string =>
  execFileSync(findToolchain().paths[name], args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });

/** The GUID as llvm-readobj prints it: the 16 stored bytes in upper-case hex. */
const readobjGuid = (guid: string): string =>
  [...guidBytes(guid)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');

function checkImage(b: BuiltImage, pointerSize: 4 | 8): void {
  const readobj = tool('llvm-readobj', ['--file-headers', '--coff-debug-directory', b.sysPath]);
  expect(readobj).toMatch(
    pointerSize === 8 ? /Machine: IMAGE_FILE_MACHINE_AMD64/ : /Machine: IMAGE_FILE_MACHINE_I386/,
  );
  expect(readobj).toContain(`SizeOfImage: ${b.imageSize}\n`);
  expect(readobj).toMatch(
    new RegExp(
      `ImageFileHeader \\{[^}]*TimeDateStamp: [^(]*\\(0x${b.timeDateStamp.toString(16).toUpperCase()}\\)`,
    ),
  );
  expect(tool('llvm-objdump', ['-p', b.sysPath])).toMatch(
    new RegExp(`^CheckSum\\s+${b.checksum.toString(16).padStart(8, '0')}$`, 'm'),
  );
  expect(b.checksum).not.toBe(0);
  if (b.pdbName === undefined) {
    expect(readobj).not.toContain('PDBInfo');
    expect(b.pdbPath).toBeUndefined();
  } else {
    expect(readobj).toContain(`PDBGUID: (${readobjGuid(b.guid!)})`);
    expect(readobj).toContain(`PDBAge: ${b.age}\n`);
    expect(readobj).toContain(`PDBFileName: ${b.pdbName}\n`);
    for (const pdb of new Set([b.pdbPath!, b.fullPdbPath])) {
      const summary = tool('llvm-pdbutil', ['dump', '--summary', pdb]);
      expect(summary).toContain(`GUID: {${b.guid!.toUpperCase()}}`);
      expect(summary).toMatch(new RegExp(`^\\s*Age: ${b.age}$`, 'm'));
      expect(tool('llvm-pdbutil', ['pdb2yaml', '--dbi-stream', pdb])).toMatch(
        new RegExp(`DbiStream:[\\s\\S]*?Age:\\s+${b.age}\\n`),
      );
    }
    // The published PDB: publics for every function; procedure records only in a full PDB.
    const publics = tool('llvm-pdbutil', ['dump', '--publics', b.pdbPath!]);
    const procs = tool('llvm-pdbutil', ['dump', '--symbols', b.pdbPath!]);
    for (const name of b.functions.keys()) {
      const member = name.includes('::') ? name.split('::')[1] : name;
      expect(publics).toContain(member);
    }
    if (b.publicsOnly) {
      expect(procs).not.toContain('S_GPROC32');
      expect(tool('llvm-pdbutil', ['dump', '--symbols', b.fullPdbPath])).toContain('S_GPROC32');
    } else {
      expect((procs.match(/S_GPROC32/g) ?? []).length).toBeGreaterThanOrEqual(b.functions.size);
    }
    if (pointerSize === 4 && !b.file.startsWith('Wdf')) expect(publics).toMatch(/`_[A-Za-z]+@12`/); // stdcall decoration, as on 32-bit Windows
  }
  // Functions: distinct, non-overlapping ranges of varied sizes; IPs and call sites inside them.
  const ranges = [...b.functions.values()].sort((x, y) => x.rva - y.rva);
  for (let i = 1; i < ranges.length; i++)
    expect(ranges[i].rva).toBeGreaterThanOrEqual(ranges[i - 1].rva + ranges[i - 1].size);
  expect(new Set(ranges.map((r) => r.size)).size).toBeGreaterThanOrEqual(Math.ceil(ranges.length * 0.8));
  for (const [name, f] of b.functions) {
    expect(f.size).toBeGreaterThan(40);
    for (const rva of b.instructions.get(name)!) expect(rva >= f.rva && rva < f.rva + f.size).toBe(true);
    for (const site of b.callSites.get(name)!)
      expect(site.returnRva > f.rva && site.returnRva < f.rva + f.size).toBe(true);
  }
}

describe('buildDrivers without the toolchain', () => {
  it('says which tools are missing and what to install', () => {
    // A child process whose PATH holds none of the tools (the probe is cached per process).
    const script = [
      "import { buildDrivers } from './scripts/drivers/build.ts';",
      "import { DRIVERS } from './scripts/writer/scenarios.ts';",
      'try { buildDrivers([DRIVERS.ndis], { pointerSize: 8 }); console.log("built"); }',
      'catch (e) { console.log(`${e.name}: ${e.message}`); }',
    ].join('\n');
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'),
      env: { PATH: '/nonexistent', HOME: process.env.HOME ?? '/tmp' },
      encoding: 'utf8',
    });
    expect(out).toMatch(
      /^ToolchainError: scripts\/drivers: clang-14, lld-link-14, llvm-readobj-14, llvm-pdbutil-14, llvm-objdump-14 not found/,
    );
    expect(out).toContain(`apt-get install -y ${TOOLCHAIN_PACKAGES}`);
  }, 60_000);
});

describe.skipIf(!haveTools)(
  'buildDrivers (clang-14, lld-link-14; read back with llvm-readobj/objdump/pdbutil)',
  () => {
    const calls = scenarioCallEdges();
    const built: Record<number, BuiltImage[]> = {};

    for (const pointerSize of [8, 4] as const) {
      it(`${pointerSize * 8}-bit: every image matches what the LLVM tools read from it`, () => {
        const started = performance.now();
        // The shared cache (the writer tests use it too): cold only the first time.
        built[pointerSize] = buildDrivers(SPECS, { pointerSize, calls });
        const cold = built[pointerSize].filter((b) => !b.fromCache).length;
        console.log(
          `build.test.ts: ${SPECS.length} images, ${pointerSize * 8}-bit, ${cold} built, ` +
            `${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        for (const b of built[pointerSize]) {
          expect(b.pointerSize).toBe(pointerSize);
          checkImage(b, pointerSize);
        }
        // Each same-image call edge the stacks need is a real direct call in the caller.
        for (const b of built[pointerSize])
          for (const e of calls) {
            const [callerFile, caller] = e.caller.split('!');
            const [calleeFile, callee] = e.callee.split('!');
            if (
              callerFile.toLowerCase() !== b.file.toLowerCase() ||
              calleeFile.toLowerCase() !== callerFile.toLowerCase()
            )
              continue;
            expect([e.caller, b.callSites.get(caller)!.some((s) => s.callee === callee)]).toEqual([
              e.caller,
              true,
            ]);
          }
        const nt = built[pointerSize].find((b) => b.file === 'ntoskrnl.exe')!;
        expect(nt.pdbName).toBe('ntkrnlmp.pdb');
        expect(nt.publicsOnly).toBe(true);
        expect(nt.imageSize).toBeGreaterThan(0xa00000); // padded toward the real kernel's size
      }, 180_000);
    }

    it('rebuilds byte-identical images and PDBs in another directory; a second call comes from the cache', () => {
      const started = performance.now();
      const again = buildDrivers(SPECS, { pointerSize: 8, calls, cacheDir: fresh() });
      expect(again.every((b) => !b.fromCache)).toBe(true);
      console.log(
        `build.test.ts: ${SPECS.length} images, 64-bit, cold build ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      for (const [k, b] of again.entries()) {
        const first = built[8][k];
        expect([b.file, b.guid, b.age, b.checksum]).toEqual([
          first.file,
          first.guid,
          first.age,
          first.checksum,
        ]);
        expect(readFileSync(b.sysPath).equals(readFileSync(first.sysPath))).toBe(true);
        if (b.pdbPath !== undefined)
          expect(readFileSync(b.pdbPath).equals(readFileSync(first.pdbPath!))).toBe(true);
        expect(readFileSync(b.fullPdbPath).equals(readFileSync(first.fullPdbPath))).toBe(true);
      }
      const cacheDir = path.dirname(path.dirname(again[0].sysPath));
      const fromCache = performance.now();
      const cached = buildDrivers(SPECS, { pointerSize: 8, calls, cacheDir });
      expect(cached.every((b) => b.fromCache)).toBe(true);
      expect(performance.now() - fromCache).toBeLessThan(2000);
      expect(cached.map((b) => b.guid)).toEqual(again.map((b) => b.guid));
      // Another pointer size or other call edges is another image with another identity.
      expect(built[4][1].guid).not.toBe(built[8][1].guid);
      const other = buildDrivers([DRIVERS.ndis], { pointerSize: 8, calls: [], cacheDir });
      expect(other[0].guid).not.toBe(again[1].guid);
    }, 180_000);

    it('a failing tool names the command, its directory and what it said', () => {
      const dir = fresh();
      expect(() => run(findToolchain(), 'clang', ['-c', 'missing.c'], dir)).toThrow(ToolchainError);
      expect(() => run(findToolchain(), 'clang', ['-c', 'missing.c'], dir)).toThrow(
        /clang-14 -c missing\.c failed in .*missing\.c/s,
      );
    });
  },
);
