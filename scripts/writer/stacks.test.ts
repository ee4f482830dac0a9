// Stacks in the scenario traces, checked against the bytes with the independent walker
// (test-support.ts decodeTrace / recomputeStackTruth): every kernel stack right after its sample or
// DPC/ISR event (same CPU, EventTimeStamp, thread), every user part later on the same CPU and
// joined to its sample, every frame inside a function, stack keys resolved through the next
// KeyDelete/KeyRundown of the key, and truth.stacks recomputed from the file. With the LLVM 14
// toolchain, the same on genuine images: DbgID_RSDS with the built GUID/age/PDB name, sampled IPs
// inside the functions llvm-pdbutil reports. Both pointer sizes.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolchainAvailable, TOOLCHAIN_PACKAGES, type BuiltImage } from '../drivers/build.js';
import { buildScenarioBinaries } from '../drivers/scenario.js';
import { SCENARIOS } from './scenarios.js';
import {
  simulate,
  symbolKey,
  type LaidOutImage,
  type SimulationOptions,
  type SimulationResult,
} from './simulate.js';
import { decodeTrace, recomputeStackTruth, type DecodedTrace, type FunctionTable } from './test-support.js';

/** Function tables from the writer's layout, or from the built images (llvm-pdbutil's view). */
function tables(layout: readonly LaidOutImage[], built: readonly BuiltImage[] = []) {
  const byFile = new Map<string, FunctionTable>();
  for (const im of layout)
    byFile.set(im.spec.file, {
      symbols: im.spec.pdb !== undefined,
      functions: [...im.code].map(([name, c]) => ({ name, rva: c.rva, size: c.size })),
    });
  for (const b of built)
    byFile.set(b.file, {
      symbols: b.pdbName !== undefined,
      functions: [...b.functions].map(([name, f]) => ({ name, rva: f.rva, size: f.size })),
    });
  return (file: string): FunctionTable | undefined => byFile.get(file);
}

function run(name: string, options: SimulationOptions): { result: SimulationResult; decoded: DecodedTrace } {
  const result = simulate(SCENARIOS[name], options);
  const decoded = decodeTrace(result.bytes!, result.truth.cpuCount, result.truth.pointerSize);
  return { result, decoded };
}

/** Placement and truth checks shared by every case. */
function checkStacks(
  result: SimulationResult,
  decoded: DecodedTrace,
  built: readonly BuiltImage[] = [],
): void {
  const { truth } = result;
  expect(decoded.misplacedKernelStacks).toBe(0);
  expect(decoded.orphanUserStacks).toBe(0);
  const recomputed = recomputeStackTruth(
    decoded,
    truth.pointerSize,
    tables(result.layout, built),
    1e9 / truth.clock.frequency,
  );
  expect(recomputed.dpcIsrByModule).toEqual(truth.stacks.dpcIsrByModule);
  expect(recomputed.cpuByProcess).toEqual(truth.stacks.cpuByProcess);
  expect(recomputed.dpcIsrEvents).toEqual(truth.stacks.dpcIsrEvents);
  // The by-module view counts exactly the DPC/ISR-flagged samples of the older truth field.
  expect(
    Object.fromEntries(Object.entries(truth.stacks.dpcIsrByModule).map(([m, v]) => [m, v.samples])),
  ).toEqual(truth.dpcIsrSamplesByModule);
  const samples = truth.cpus.reduce((a, c) => a + c.samples, 0);
  expect(Object.values(truth.stacks.cpuByProcess).reduce((a, p) => a + p.samples, 0)).toBe(samples);
}

const share = (paths: { frames: string[]; samples: number }[], test: (frames: string[]) => boolean): number =>
  paths.filter((p) => test(p.frames)).reduce((a, p) => a + p.samples, 0) /
  paths.reduce((a, p) => a + p.samples, 0);

describe('scenario stacks (synthetic images)', () => {
  it('backupServer: NDIS DPC samples run through the teaming and IDS drivers; truth recomputed from the file', () => {
    const { result, decoded } = run('backupServer', { seed: 2, seconds: 0.3 });
    checkStacks(result, decoded);
    const byModule = result.truth.stacks.dpcIsrByModule;
    // Every DPC/ISR sample has a stack in this scenario.
    for (const m of Object.values(byModule)) expect(m.paths.every((p) => p.frames.length > 0)).toBe(true);
    const top = Object.entries(byModule)
      .sort((a, b) => b[1].samples - a[1].samples)
      .slice(0, 4)
      .map(([m]) => m);
    expect(top).toEqual(expect.arrayContaining(['IDSvia64.sys', 'iansw60e.sys', 'ndis.sys']));
    // Samples whose address is in ndis.sys: mostly under the IDS driver's InetInspectReceive (IDS calls back into NDIS).
    expect(
      share(byModule['ndis.sys'].paths, (f) => f.includes('IDSvia64.sys!InetInspectReceive')),
    ).toBeGreaterThan(0.75);
    // Root → leaf: the dispatch frames first, the sampled function last.
    const ids = byModule['IDSvia64.sys'].paths[0].frames;
    expect(ids.slice(0, 3)).toEqual([
      'ntoskrnl.exe!KiIdleLoop',
      'ntoskrnl.exe!KiRetireDpcList',
      'ntoskrnl.exe!KiExecuteAllDpcs',
    ]);
    expect(ids).toContain('ndis.sys!ndisInterruptDpc');
    expect(ids[ids.length - 1]).toMatch(/^IDSvia64\.sys!/);
    // DPC events with stacks of their own: the dispatcher they returned to.
    const ndisEvents = result.truth.stacks.dpcIsrEvents.find((e) => e.function === 'ndisInterruptDpc')!;
    expect(ndisEvents.events).toBeGreaterThan(10);
    for (const p of ndisEvents.paths)
      expect(p.frames[p.frames.length - 1]).toBe('ntoskrnl.exe!KiExecuteAllDpcs');
  });

  it('audioWorkstation, 32-bit: volsnap DPC samples spin in KxWaitForSpinLockAndAcquire; user parts join their samples', () => {
    const { result, decoded } = run('audioWorkstation', { seed: 4, seconds: 1, pointerSize: 4 });
    checkStacks(result, decoded);
    // The samples taken in volsnap's DPC routine (called by the dispatcher): most sit in the spin wait.
    const all = Object.values(result.truth.stacks.dpcIsrByModule).flatMap((m) => m.paths);
    const inVolsnapDpc = all.filter(
      (p) =>
        p.frames[p.frames.indexOf('ntoskrnl.exe!KiExecuteAllDpcs') + 1] ===
        'volsnap.sys!VspWriteContextCompletionRoutine',
    );
    expect(inVolsnapDpc.length).toBeGreaterThan(0);
    expect(
      share(inVolsnapDpc, (f) => f[f.length - 1] === 'ntoskrnl.exe!KxWaitForSpinLockAndAcquire'),
    ).toBeGreaterThan(0.7);
    const nt = result.truth.stacks.dpcIsrByModule['ntoskrnl.exe'].paths;
    const spin = nt.filter(
      (p) => p.frames[p.frames.length - 1] === 'ntoskrnl.exe!KxWaitForSpinLockAndAcquire',
    );
    expect(share(nt, (f) => f[f.length - 1] === 'ntoskrnl.exe!KxWaitForSpinLockAndAcquire')).toBeGreaterThan(
      0.6,
    );
    for (const p of spin) {
      expect(p.frames[p.frames.length - 2]).toBe('ntoskrnl.exe!KeAcquireSpinLockAtDpcLevel');
      expect(p.frames[p.frames.length - 3]).toMatch(/^volsnap\.sys!/);
    }
    // Wi-Fi driver without symbols: frames as module+0x<rva>.
    const wifi = result.truth.stacks.dpcIsrByModule['rtwlane.sys'].paths;
    expect(wifi[0].frames[wifi[0].frames.length - 1]).toMatch(/^rtwlane\.sys\+0x[0-9a-f]+$/);
    // A sample in a system call: user part (deferred, joined) then kernel part.
    const user = decoded.stacks.filter((s) => s.user);
    expect(user.length).toBeGreaterThan(0);
    expect(user.every((s) => s.ts > s.eventTs)).toBe(true);
    const msbuild = Object.entries(result.truth.stacks.cpuByProcess).find(([k]) =>
      k.startsWith('MSBuild.exe'),
    )![1];
    const syscall = msbuild.paths.find((p) => p.frames.includes('ntoskrnl.exe!KiSystemServiceCopyEnd'))!;
    expect(syscall.frames[0]).toBe('ntdll.dll!RtlUserThreadStart');
    expect(syscall.frames.findIndex((f) => f.startsWith('ntoskrnl.exe!'))).toBeGreaterThan(
      syscall.frames.findIndex((f) => f.startsWith('ntdll.dll!Nt')),
    );
  });

  it('stack keys (32- and 64-bit): the same stacks; references resolve to the next definition; keys reused after deletes', () => {
    for (const pointerSize of [4, 8] as const) {
      const plain = run('backupServer', { seed: 3, seconds: 0.2, pointerSize });
      const keyed = run('backupServer', {
        seed: 3,
        seconds: 0.2,
        pointerSize,
        stackKeys: true,
        stackKeyCacheSize: 16,
      });
      checkStacks(keyed.result, keyed.decoded);
      expect(keyed.result.truth.stacks.format).toBe('keys');
      expect({ ...keyed.result.truth.stacks, format: 'stackwalk' }).toEqual(plain.result.truth.stacks);
      const counts = keyed.result.truth.eventCounts;
      expect(counts['StackWalk/Stack']).toBeUndefined();
      expect(counts['StackWalk/KeyKernelRef']).toBe(plain.decoded.stacks.filter((s) => !s.user).length);
      expect(counts['StackWalk/KeyUserRef']).toBe(plain.decoded.stacks.filter((s) => s.user).length);
      expect(keyed.decoded.keys.deletes).toBe(counts['StackWalk/KeyDelete']);
      expect(keyed.decoded.keys.deletes).toBeGreaterThan(0);
      expect(keyed.decoded.keys.rundowns).toBeGreaterThan(0);
      expect(keyed.decoded.keys.rundowns).toBeLessThanOrEqual(16 * keyed.result.truth.cpuCount);
      expect(keyed.decoded.keys.reusedKeys).toBeGreaterThan(0);
    }
  });

  it('stack options never move the timeline: DPC/ISR, busy and C-state truth stay the same', () => {
    const base = simulate(SCENARIOS.audioWorkstation, { seed: 6, seconds: 0.4 }).truth;
    for (const extra of [{ stackKeys: true }, { stackEverySample: true, deepStacks: true }] as const) {
      const other = simulate(SCENARIOS.audioWorkstation, { seed: 6, seconds: 0.4, ...extra }).truth;
      expect(other.dpcIsr).toEqual(base.dpcIsr);
      expect(other.cpus).toEqual(base.cpus);
      expect(other.dpcIsrSamplesByModule).toEqual(base.dpcIsrSamplesByModule);
    }
  });

  it('scale with a stack on every sample and deep stacks', () => {
    const { result, decoded } = run('scale', {
      seed: 5,
      targetBytes: 2 * 2 ** 20,
      stackEverySample: true,
      deepStacks: true,
    });
    checkStacks(result, decoded);
    for (const p of Object.values(result.truth.stacks.cpuByProcess))
      expect(p.paths.every((x) => x.frames.length > 0)).toBe(true);
    const chrome = Object.entries(result.truth.stacks.cpuByProcess).find(([k]) =>
      k.startsWith('chrome.exe'),
    )![1];
    expect(Math.max(...chrome.paths.map((p) => p.frames.length))).toBeGreaterThanOrEqual(40);
  });
});

describe('bad stack and image inputs give clear errors', () => {
  /** A BuiltImage as scripts/drivers returns it, for the inputs simulate checks (no toolchain needed). */
  const fakeBuilt = (over: Partial<BuiltImage>): BuiltImage => ({
    file: 'ndis.sys',
    pdbName: 'ndis.pdb',
    pointerSize: 8,
    sysPath: '/cache/ndis-64/ndis.sys',
    pdbPath: '/cache/ndis-64/ndis.pdb',
    fullPdbPath: '/cache/ndis-64/ndis.pdb',
    publicsOnly: false,
    guid: '5fdfc45b-1fa0-4d9d-9fc8-307680168cd0',
    age: 2,
    imageSize: 0x151000,
    timeDateStamp: 0x6f863e8d,
    checksum: 0x6221,
    functions: new Map(),
    instructions: new Map(),
    callSites: new Map(),
    fromCache: true,
    buildMs: 0,
    ...over,
  });

  it('rejects built images of another pointer size, another PDB or without the spec’s functions', () => {
    const spec = SCENARIOS.deepIdle12Core;
    expect(() => simulate(spec, { seconds: 0.01, pointerSize: 4, binaries: [fakeBuilt({})] })).toThrow(
      /\/cache\/ndis-64\/ndis\.sys: built for 64-bit, the trace is 32-bit/,
    );
    expect(() => simulate(spec, { seconds: 0.01, binaries: [fakeBuilt({})] })).toThrow(
      /ndis\.sys: the built ndis\.sys has no function ndisInterruptDpc \(the spec changed since it was built\?\)/,
    );
    const all = new Map(
      SCENARIOS.deepIdle12Core.drivers.find((d) => d.file === 'ndis.sys')!.functions.map((f, k) => [f, k]),
    );
    const withCode = fakeBuilt({
      pdbName: 'other.pdb',
      functions: new Map([...all].map(([f, k]) => [f, { rva: 0x1000 + k * 0x100, size: 0x80 }])),
      instructions: new Map([...all].map(([f, k]) => [f, [0x1000 + k * 0x100, 0x1004 + k * 0x100]])),
      callSites: new Map([...all].map(([f, k]) => [f, [{ returnRva: 0x1008 + k * 0x100, callee: null }]])),
    });
    expect(() => simulate(spec, { seconds: 0.01, binaries: [withCode] })).toThrow(
      /ndis\.sys: built with PDB other\.pdb, the spec says ndis\.pdb/,
    );
  });

  it('rejects stack paths that do not start at their routine, name unknown frames or have no weight', () => {
    const base = SCENARIOS.deepIdle12Core;
    const withPaths = (routines: Record<string, { weight: number; frames: string[] }[]>) => ({
      ...base,
      stacks: { dpcIsrSampleProbability: 1, routines },
    });
    expect(() =>
      simulate(
        withPaths({ 'ndis.sys!ndisInterruptDpc': [{ weight: 1, frames: ['ndis.sys!ndisMiniportDpc'] }] }),
        { seconds: 0.5 },
      ),
    ).toThrow(
      /stack paths of ndis\.sys!ndisInterruptDpc must start with the routine itself, not ndis\.sys!ndisMiniportDpc/,
    );
    expect(() =>
      simulate(
        withPaths({
          'ndis.sys!ndisInterruptDpc': [
            { weight: 1, frames: ['ndis.sys!ndisInterruptDpc', 'IDSvia64.sys!InetInspectReceive'] },
          ],
        }),
        {
          seconds: 0.5,
        },
      ),
    ).toThrow(/stack frame IDSvia64\.sys!InetInspectReceive: no such image in this scenario/);
    expect(() =>
      simulate(
        withPaths({
          'ndis.sys!ndisInterruptDpc': [
            { weight: 1, frames: ['ndis.sys!ndisInterruptDpc', 'ndis.sys!nope'] },
          ],
        }),
        { seconds: 0.5 },
      ),
    ).toThrow(/stack frame ndis\.sys!nope: ndis\.sys has no function nope/);
    expect(() =>
      simulate(
        withPaths({
          'ndis.sys!ndisInterruptDpc': [
            { weight: 0, frames: ['ndis.sys!ndisInterruptDpc'] },
            { weight: 0, frames: ['ndis.sys!ndisInterruptDpc'] },
          ],
        }),
        {
          seconds: 0.5,
        },
      ),
    ).toThrow(/weights must be ≥ 0 and not all 0/);
    expect(() => simulate(base, { seconds: 0.01, stackKeys: true, stackKeyCacheSize: 0 })).toThrow(
      /stack key cache size must be 1\.\.4096, got 0/,
    );
  });
});

const haveTools = toolchainAvailable();
if (!haveTools)
  console.warn(
    `stacks.test.ts: genuine-image cases skipped: clang-14/lld-link-14 not installed (apt-get install -y ${TOOLCHAIN_PACKAGES})`,
  );

describe.skipIf(!haveTools)('scenario stacks on genuine PE + PDB images (clang-14, lld-link-14)', () => {
  for (const [name, pointerSize] of [
    ['backupServer', 8],
    ['audioWorkstation', 4],
  ] as const) {
    it(`${name}, ${pointerSize * 8}-bit: DbgID_RSDS and images carry the built identities; IPs inside real functions`, () => {
      const built = buildScenarioBinaries(SCENARIOS[name], { pointerSize });
      const dir = mkdtempSync(path.join(tmpdir(), 'etlw-bin-'));
      try {
        const out = path.join(dir, 'trace.etl');
        const result = simulate(SCENARIOS[name], {
          seed: 2,
          seconds: 0.3,
          pointerSize,
          binaries: built,
          path: out,
        });
        const decoded = decodeTrace(new Uint8Array(readFileSync(out)), result.truth.cpuCount, pointerSize);
        checkStacks(result, decoded, built);
        for (const b of built) {
          const rows = decoded.rsds.filter((r) => r.pdb === b.pdbName);
          if (b.pdbName === undefined) {
            expect(decoded.rsds.some((r) => r.pdb.startsWith(b.file.replace(/\.[^.]+$/, '')))).toBe(false);
            continue;
          }
          expect(rows.length).toBeGreaterThan(0);
          for (const r of rows) expect([r.guid, r.age]).toEqual([b.guid, b.age]);
          // Symbol-store copy of the published PDB (publics only for ntoskrnl/ntdll).
          expect(
            existsSync(path.join(`${out}.symbols`, b.pdbName, symbolKey(b.guid!, b.age!), b.pdbName)),
          ).toBe(true);
        }
        // Image events: sizes from the built images.
        for (const im of decoded.images) {
          const b = built.find((x) => x.file === im.file);
          if (b !== undefined) expect(Number(im.size)).toBe(b.imageSize);
        }
        // Every sampled IP is inside a function llvm-pdbutil reports for its image.
        const fn = tables([], built);
        for (const s of decoded.samples) {
          const im = decoded.images.find(
            (i) =>
              s.ip >= i.base &&
              s.ip < i.base + i.size &&
              s.ts >= i.from &&
              s.ts < i.to &&
              (i.pid === 0 || s.tid !== 0),
          )!;
          const table = fn(im.file);
          if (table === undefined) continue; // a process's own image (synthetic)
          const rva = Number(s.ip - im.base);
          expect(table.functions.some((f) => rva > f.rva && rva < f.rva + f.size)).toBe(true);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 180_000);
  }
});
