// Scenario simulator: turns a ScenarioSpec (CPUs, drivers, DPC/ISR generators, thread load,
// idle-state behaviour, process spawns) into a deterministic ETL trace through EtlWriter, and
// computes the trace's truth from exactly what it wrote.
//
//   spec + seed [+ genuine images of scripts/drivers] ──> layout (kernel images, user-mode DLLs and
//        process images: bases, function ranges/IPs/call sites, PDB identities)
//        ──> rundown on CPU 0 (Process/Thread/Image DCStart, ImageId, DbgID_RSDS, KernelBase)
//        ──> time slices of SLICE_MS: each CPU advances its own event-driven timeline
//              (samples + stacks from stacks.ts, thread switches [or compact batches], interrupt
//               episodes ISR→DPC (+ nested ISR) [+ event stacks], idle enter/exit, perf-state
//               changes, spawns, deferred user stack walks) writing its events in time order;
//               driver reloads logged on CPU 0 between slices
//        ──> live stack keys and the DCEnd rundown at the end time T; truth aggregates finalised to T
//        ──> symbol files (.sym.txt for synthetic images; PDBs + images in symstore layout for built ones)
//
// Truth semantics follow TEAM.md: DPC/ISR duration = event timestamp − InitialTime; per-CPU busy =
// union of non-idle running intervals and DPC/ISR intervals over [origin, T]; C-state residency
// from IdleStateEnter(s)…IdleStateExit as `C{s+1}`, the rest C0; sampled weight = 1 ms per sample.
// Nothing is held per event: truth is running aggregates, so the `scale` mode streams to any size.

import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ALL_GROUPS, EtlWriter, type EtlWriterOptions, type RecordedGroups } from './etl-writer.js';
import {
  namedEventCounts,
  rawEventCounts,
  writeCompactCSwitchBatches,
  writeCSwitch,
  writeDbgIdRsds,
  writeDpc,
  writeIdleEnter,
  writeIdleExit,
  writeImage,
  writeImageId,
  writeIsr,
  writeKernelBase,
  writePerfStateChange,
  writeProcess,
  writeProfileSetInterval,
  writeReadyThread,
  writeRundownComplete,
  writeSystemConfigCpu,
  writeSystemConfigPnp,
  writeSampledProfile,
  writeThread,
  type CompactSwitch,
  type DpcKind,
  type ImageFields,
  type ProcessFields,
  type ThreadFields,
} from './kernel-events.js';
import { DPC_BUDGET_NS, ISR_BUDGET_NS } from '../../shared/contract.js';
import type { BuiltImage } from '../drivers/build.js';
import { Rng } from './random.js';
import {
  DEFAULT_STACK_KEY_CACHE,
  EXE_FUNCTIONS,
  IP_CHOICES,
  StackModel,
  type StackTemplate,
  type StackTruth,
} from './stacks.js';

// ---------------------------------------------------------------------------------------------
// Scenario description
// ---------------------------------------------------------------------------------------------

export interface DurationSpec {
  meanUs: number;
  /** Log-normal sigma (spread); 0 = constant. */
  sigma?: number;
  minUs?: number;
  maxUs?: number;
  /** A second, slower population (e.g. storport completions under load). */
  tail?: { probability: number; meanUs: number; sigma?: number };
}

export interface IsrSpec {
  module: string;
  function: string;
  kind: 'ISR' | 'ISR-MSI';
  probability: number;
  duration: DurationSpec;
  vector?: number;
}

export interface InterruptSpec {
  module: string;
  function: string;
  kind: DpcKind;
  /** CPUs it runs on ('all' = every CPU). */
  cpus: readonly number[] | 'all';
  /** Events per second summed over its CPUs. */
  perSecond: number;
  /** poisson (default), even (evenly spaced ±40 % jitter: exact counts), periodic (±2 %). */
  arrivals?: 'poisson' | 'even' | 'periodic';
  duration: DurationSpec;
  vector?: number;
  /** ISR logged right before this DPC (interrupt → DPC chain). */
  precededBy?: IsrSpec;
  /** ISR that interrupts this DPC in its middle (inclusive vs exclusive duration). */
  nestedIsr?: IsrSpec;
  /** Exact long occurrences (e.g. the 10 ms storport DPC), in seconds from the origin. */
  spikes?: readonly { atSeconds: number; cpu: number; durationUs: number }[];
}

export interface DriverSpec {
  /** File name as logged, e.g. ndis.sys. */
  file: string;
  /** Directory of the NT path; default \SystemRoot\System32\drivers. */
  dir?: string;
  size: number;
  /** PDB file name; absent → no DbgID_RSDS and no symbol file (Function shows module+0x…). */
  pdb?: string;
  functions: readonly string[];
  /** Unloaded and loaded again at a different base at this time (a driver reset): Image Unload +
   *  Load events; routines after it use the new base. DPCs of the driver within RELOAD_QUIET_MS of
   *  it are not logged, so every address is unambiguous for a reader that resolves at event time. */
  reloadAtSeconds?: number;
  /** A user-mode system DLL (ntdll.dll, …): mapped at the same base into every user process. */
  user?: boolean;
  /** Symbols as Microsoft publishes them: the built PDB holds publics only (ntoskrnl, ntdll). */
  publicsOnly?: boolean;
}

export interface ProcessSpec {
  name: string;
  pid: number;
  parentPid: number;
  threads: number;
  /** NT path of the executable (user-mode image). */
  path: string;
  commandLine: string;
  basePriority?: number;
  user?: boolean;
}

export interface SpawnSpec {
  /** Template: each spawn gets a fresh pid/tid. */
  name: string;
  path: string;
  commandLine: string;
  parentPid: number;
  /** Spawns per second over all listed CPUs. */
  perSecond: number;
  lifetimeMs: DurationSpec;
  cpus: readonly number[] | 'all';
}

export interface ScenarioSpec {
  name: string;
  description: string;
  cpuCount: number;
  defaultSeconds: number;
  build?: number;
  drivers: readonly DriverSpec[];
  processes: readonly ProcessSpec[];
  interrupts: readonly InterruptSpec[];
  /** Fraction of time threads (not DPCs) keep a CPU busy. */
  cpuLoad: (cpu: number) => number;
  /** Mean length of a run burst (several thread slices back to back). */
  burstMs: number;
  /** Mean thread time slice inside a burst. */
  sliceMs: number;
  /** Idle-state choice weights per CPU: index s → state `C{s+1}`. */
  idleWeights: (cpu: number) => readonly number[];
  spawns?: readonly SpawnSpec[];
  profile?: boolean;
  /** Share of samples that get a stack (default 5 %; StackSpec can set DPC/ISR and thread samples apart). */
  stackProbability?: number;
  /** Call paths and stack probabilities (stacks.ts has the defaults). */
  stacks?: StackSpec;
  groups?: RecordedGroups;
}

/** A weighted call path, frames 'module!function' from the outermost caller to the innermost callee. */
export interface CallPath {
  weight: number;
  frames: readonly string[];
}

/**
 * Where the scenario's samples and DPC/ISR events were taken (stacks.ts). Frames name images of the
 * scenario; '<exe>!function' is the sampled thread's own process image (functions EXE_FUNCTIONS).
 */
export interface StackSpec {
  /** Share of DPC/ISR-flagged samples with a stack (default: stackProbability). */
  dpcIsrSampleProbability?: number;
  /** Share of other samples with a stack (default: stackProbability). */
  threadSampleProbability?: number;
  /** Share of DPC/ISR events that get a stack of their own (default 1 %). */
  dpcEventProbability?: number;
  /**
   * Per interrupt routine ('module!function'): the paths a sample taken in it runs on, frames[0] =
   * the routine, the last frame = where the IP is. Default: the routine alone. The kernel's dispatch
   * frames (KiIdleLoop → KiRetireDpcList → KiExecuteAllDpcs, …) are added in front.
   */
  routines?: Readonly<Record<string, readonly CallPath[]>>;
  /** Samples in user mode on user threads: user frames only (logged as a deferred user stack). */
  userMode?: readonly CallPath[];
  /** Samples in kernel mode on user threads: the user part (ending in a system-call stub) and the kernel part. */
  systemCalls?: readonly { weight: number; user: readonly string[]; kernel: readonly string[] }[];
  /** Samples on threads of the System process. */
  systemThreads?: readonly CallPath[];
}

export interface SimulationOptions {
  seed?: number;
  /** Trace length; default spec.defaultSeconds. Ignored when targetBytes is set. */
  seconds?: number;
  /** Stream slices until the file reaches this size (the `scale` generator). */
  targetBytes?: number;
  pointerSize?: 4 | 8;
  compress?: boolean;
  bufferSize?: number;
  frequency?: number;
  /** Output path; omitted → in memory (bytes returned). */
  path?: string;
  /** Write `<path>.symbols/` map files (default true when path is given). */
  writeSymbols?: boolean;
  /**
   * Seconds between the logfile-header time and the start of the data, as in circular / in-memory
   * loggers (PerfDiag, `xperf -flush`). Over CIRCULAR_GAP_SECONDS the axis origin (and the truth) is
   * the first data event (the rundown, at the data start).
   */
  headerLeadSeconds?: number;
  /** Log context switches as compact 0x0525 batches instead of CSwitch v4 events. */
  compactCSwitch?: boolean;
  /** Simulate loss: header EventsLost and the EVENTS_LOST flag on some buffers. */
  eventsLost?: number;
  /**
   * Genuine images (scripts/drivers buildDrivers, same pointer size): the layout then uses their
   * SizeOfImage, TimeDateStamp, CheckSum, RSDS GUID/age/PDB name and real function RVAs, sizes,
   * instructions and call sites. Images of the scenario not in the list stay synthetic.
   */
  binaries?: readonly BuiltImage[];
  /**
   * Copy the built PDBs (and images) here in symbol-store layout: DIR/name.pdb/GUIDAGE/name.pdb and
   * DIR/file/TIMESTAMPSIZEOFIMAGE/file. Default with a path and binaries: <path>.symbols/.
   */
  pdbStore?: string;
  /** Log stacks as Windows 8+ stack keys (0x1825/0x1826 references, 0x1823/0x1824 definitions). */
  stackKeys?: boolean;
  /** Entries of the per-CPU stack-key cache (default 128): fewer → more KeyDelete events. */
  stackKeyCacheSize?: number;
  /** A stack on every sample (the scale benchmark of stack views). */
  stackEverySample?: boolean;
  /** Deep thread stacks: 24 levels of user recursion and a page-fault chain in the kernel. */
  deepStacks?: boolean;
  /**
   * Write the kernel rundown's SystemConfig events about the processor (CPU v3 and, with a name,
   * one processor-class PnP device per CPU plus one non-processor device), as the kernel logger
   * does when it stops. Off by default (the scenarios' bytes stay as they were).
   */
  systemConfig?: {
    mhz: number;
    /** Windows PROCESSOR_ARCHITECTURE (9 = x64). */
    architecture: number;
    level: number;
    revision: number;
    memSizeMb?: number;
    /** The processor devices' FriendlyName; omitted → no PnP events (the name is not recorded). */
    processorName?: string;
  };
  onProgress?: (bytes: number, seconds: number) => void;
}

// ---------------------------------------------------------------------------------------------
// Truth
// ---------------------------------------------------------------------------------------------

export interface DpcIsrTruthRow {
  module: string;
  function: string;
  type: DpcKind;
  count: number;
  totalNs: number;
  /** DPC family: total minus ISR time nested inside (equal to totalNs for ISRs). */
  exclusiveTotalNs: number;
  maxNs: number;
  minNs: number;
  /** Count over the guideline (DPC > 100 µs, ISR > 25 µs). */
  overBudget: number;
}

export interface CpuTruth {
  cpu: number;
  /** Union of non-idle running intervals and DPC/ISR intervals. */
  busyNs: number;
  busyPercent: number;
  /** Non-idle thread running time alone (from CSwitch). */
  runningNs: number;
  /** Sum of DPC-family (inclusive) and ISR-family durations, and their union. */
  dpcNs: number;
  isrNs: number;
  dpcIsrUnionNs: number;
  dpcCount: number;
  isrCount: number;
  /** C-state residency: { C0, C1, C2, … } in ns; sums to durationNs. */
  cStateNs: Record<string, number>;
  samples: number;
  busySamples: number;
  dpcSamples: number;
  isrSamples: number;
  sampledBusyNs: number;
  cswitches: number;
}

export interface ScenarioTruth {
  scenario: string;
  seed: number;
  cpuCount: number;
  pointerSize: 4 | 8;
  compressed: boolean;
  build: number;
  /** headerTicks: logfile-header timestamp; originTicks: the axis origin (= header, or the first
   *  data event for circular-logger traces); endTicks: T, the last event. */
  clock: { frequency: number; headerTicks: number; originTicks: number; endTicks: number };
  /** Origin (logfile header time) to the last event. */
  durationNs: number;
  file: { bytes: number; buffers: number; compressedBuffers: number; events: number; eventsLost: number };
  /** Per (module, function, type), sorted by total time descending. */
  dpcIsr: DpcIsrTruthRow[];
  /** Per module (all types together). */
  dpcIsrByModule: { module: string; count: number; totalNs: number; maxNs: number }[];
  cpus: CpuTruth[];
  /** DPC/ISR-flagged samples by module of their instruction pointer. */
  dpcIsrSamplesByModule: Record<string, number>;
  profileIntervalNs: number;
  /** Readable kind names ('PerfInfo/DPC', …) and raw keys ('hook:0x0f44', 'guid:…/36', 'provider:…/1'). */
  eventCounts: Record<string, number>;
  rawEventCounts: Record<string, number>;
  /** Kernel images: name, base (hex), size, pdb identity when symbols exist. */
  /** base = first load; reloadBase/reloadAtSeconds when the driver was reloaded during the trace. */
  images: {
    file: string;
    base: string;
    size: number;
    reloadBase?: string;
    reloadAtSeconds?: number;
    pdb?: string;
    guid?: string;
    age?: number;
  }[];
  /** User-mode system DLLs (ntdll.dll, …), mapped at these bases into every user process. */
  userImages: { file: string; base: string; size: number; pdb?: string; guid?: string; age?: number }[];
  processes: number;
  threads: number;
  /** What stack views must show, computed from the stacks written (stacks.ts, README "Stacks"). */
  stacks: StackTruth;
}

// ---------------------------------------------------------------------------------------------
// Layout: image bases, routine RVAs, PDB identities (all derived from names: deterministic)
// ---------------------------------------------------------------------------------------------

function nameHash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

function hashGuid(text: string): string {
  const rng = new Rng(nameHash(text));
  const parts = [0, 1, 2, 3].map(() => rng.nextU32().toString(16).padStart(8, '0')).join('');
  return `${parts.slice(0, 8)}-${parts.slice(8, 12)}-4${parts.slice(13, 16)}-a${parts.slice(17, 20)}-${parts.slice(20, 32)}`;
}

/** Where a function's code is: range, candidate sampled IPs, return addresses of its call sites. */
export interface FunctionCode {
  rva: number;
  size: number;
  /** IP_CHOICES instruction RVAs inside the function (never its first byte). */
  ips: readonly number[];
  /** Callee (same image) → return-address RVA of the direct call to it. */
  direct: ReadonlyMap<string, number>;
  /** Return-address RVA of an indirect call (calls into other images, system calls, interrupts). */
  indirect: number;
  /** Synthetic layout: return addresses for other callees are hashed inside the range. */
  synthetic: boolean;
}

export interface LaidOutImage {
  spec: DriverSpec;
  base: bigint;
  size: number;
  path: string;
  rvas: Map<string, number>;
  code: Map<string, FunctionCode>;
  /** The genuine image this layout comes from (SimulationOptions.binaries). */
  built?: BuiltImage;
  /** Base after a reload (reloadAtSeconds), else undefined. */
  reloadBase?: bigint;
  guid?: string;
  age: number;
  timeDateStamp: number;
  checksum: number;
}

/** Image placement: 64 KiB alignment with a 64 KiB gap, as the kernel loader tends to leave. */
const IMAGE_ALIGN = 0x10000;
/** First kernel image base: x64 system space (ntoskrnl loads near 0xfffff803…), x86 above 2 GiB. */
const KERNEL_BASE_64 = 0xfffff80362a00000n;
const KERNEL_BASE_32 = 0x82000000n;
/** First user-mode system DLL base (where Windows maps ntdll and friends once per boot). */
const USER_DLL_BASE_64 = 0x7ffb4a000000n;
const USER_DLL_BASE_32 = 0x77000000n;

/** Synthetic code of a function: IPs from +0x10 in steps of 4, an indirect call site past +0x40. */
function syntheticCode(fn: string, rva: number, size: number): FunctionCode {
  return {
    rva,
    size,
    ips: Array.from({ length: IP_CHOICES }, (_, k) => rva + 0x10 + k * 4),
    direct: new Map(),
    indirect: rva + 0x40 + ((nameHash(`${fn}#call`) % Math.max(1, size - 0x48)) & ~3),
    synthetic: true,
  };
}

/** Synthetic function layout of an image: spread over its size by name hashes (deterministic). */
function layoutFunctions(
  spec: DriverSpec,
  size: number,
): { rvas: Map<string, number>; code: Map<string, FunctionCode> } {
  const rvas = new Map<string, number>();
  let rva = 0x1010;
  const room = Math.max(0x40, Math.floor((size - 0x2000) / Math.max(1, spec.functions.length)));
  const starts: number[] = [];
  for (const fn of spec.functions) {
    rvas.set(fn, rva);
    starts.push(rva);
    rva += (0x80 + (nameHash(fn) % Math.max(0x40, room - 0x80))) & ~0xf;
  }
  if (rva >= size) throw new Error(`${spec.file}: functions do not fit in 0x${size.toString(16)} bytes`);
  const code = new Map<string, FunctionCode>();
  spec.functions.forEach((fn, i) => {
    const room = (i + 1 < starts.length ? starts[i + 1] : size) - starts[i] - 0x10;
    const fnSize = Math.max(0x60, Math.min(room, 0x80 + (nameHash(`${fn}#size`) % 0x780)) & ~0xf);
    code.set(fn, syntheticCode(fn, starts[i], fnSize));
  });
  return { rvas, code };
}

/** Code of a function of a built image: its range, IPs spread over its instructions, its call sites. */
function builtCode(image: BuiltImage, fn: string): FunctionCode {
  const f = image.functions.get(fn);
  const starts = image.instructions.get(fn);
  const sites = image.callSites.get(fn);
  if (f === undefined || starts === undefined || sites === undefined || starts.length < 2)
    throw new Error(
      `${image.sysPath}: the built ${image.file} has no function ${fn} (the spec changed since it was built?)`,
    );
  const ips = Array.from(
    { length: IP_CHOICES },
    (_, k) => starts[1 + Math.floor((k * (starts.length - 1)) / IP_CHOICES)],
  );
  const direct = new Map<string, number>();
  for (const site of sites)
    if (site.callee !== null && !direct.has(site.callee)) direct.set(site.callee, site.returnRva);
  const indirect = sites.find((site) => site.callee === null);
  if (indirect === undefined) throw new Error(`${image.sysPath}: ${fn} has no indirect call site`);
  return { rva: f.rva, size: f.size, ips, direct, indirect: indirect.returnRva, synthetic: false };
}

/**
 * Places the images: kernel images from the kernel base, user-mode DLLs (spec.user) from the user
 * DLL base, each 64 KiB aligned with a 64 KiB gap. With a built image for a spec, its real size,
 * identity and code are used; otherwise everything is derived from the names.
 */
export function layoutDrivers(
  drivers: readonly DriverSpec[],
  pointerSize: 4 | 8,
  binaries: readonly BuiltImage[] = [],
): LaidOutImage[] {
  const builtByFile = new Map(binaries.map((b) => [b.file.toLowerCase(), b]));
  let nextKernel = pointerSize === 8 ? KERNEL_BASE_64 : KERNEL_BASE_32;
  let nextUser = pointerSize === 8 ? USER_DLL_BASE_64 : USER_DLL_BASE_32;
  const laid = drivers.map((spec) => {
    const built = builtByFile.get(spec.file.toLowerCase());
    if (built !== undefined && built.pointerSize !== pointerSize)
      throw new Error(
        `${built.sysPath}: built for ${built.pointerSize * 8}-bit, the trace is ${pointerSize * 8}-bit`,
      );
    const size = built?.imageSize ?? spec.size;
    const step = BigInt(Math.ceil(size / IMAGE_ALIGN) * IMAGE_ALIGN + IMAGE_ALIGN);
    let base: bigint;
    if (spec.user === true) {
      base = nextUser;
      nextUser += step;
    } else {
      base = nextKernel;
      nextKernel += step;
    }
    let rvas: Map<string, number>;
    let code: Map<string, FunctionCode>;
    if (built !== undefined) {
      code = new Map(spec.functions.map((fn) => [fn, builtCode(built, fn)]));
      rvas = new Map([...code].map(([fn, c]) => [fn, c.rva]));
    } else {
      ({ rvas, code } = layoutFunctions(spec, size));
    }
    const dir =
      spec.dir ??
      (spec.user === true
        ? '\\Device\\HarddiskVolume3\\Windows\\System32'
        : '\\SystemRoot\\System32\\drivers');
    const image: LaidOutImage = {
      spec,
      base,
      size,
      path: `${dir}\\${spec.file}`,
      rvas,
      code,
      guid: spec.pdb === undefined ? undefined : (built?.guid ?? hashGuid(spec.file)),
      age: built?.age ?? 1 + (nameHash(spec.file) % 3),
      timeDateStamp: built?.timeDateStamp ?? 0x5f000000 + (nameHash(`${spec.file}@ts`) % 0x4000000),
      checksum: built?.checksum ?? nameHash(`${spec.file}@sum`) % 0x1000000,
    };
    if (built !== undefined) image.built = built;
    if (built !== undefined && (built.pdbName ?? undefined) !== spec.pdb)
      throw new Error(
        `${built.sysPath}: built with PDB ${built.pdbName ?? 'none'}, the spec says ${spec.pdb ?? 'none'}`,
      );
    return image;
  });
  // Reloaded drivers come back above every other image.
  for (const im of laid) {
    if (im.spec.reloadAtSeconds === undefined) continue;
    const step = BigInt(Math.ceil(im.size / IMAGE_ALIGN) * IMAGE_ALIGN + IMAGE_ALIGN);
    if (im.spec.user === true) {
      im.reloadBase = nextUser;
      nextUser += step;
    } else {
      im.reloadBase = nextKernel;
      nextKernel += step;
    }
  }
  return laid;
}

/** Symbol-server-like key directory: GUID upper without dashes + age in upper hex. */
export function symbolKey(guid: string, age: number): string {
  return guid.replace(/-/g, '').toUpperCase() + age.toString(16).toUpperCase();
}

/**
 * Writes `<symbolDir>/<pdb>/<GUIDAGE>/<pdb without .pdb>.sym.txt` for every image with a PDB whose
 * symbols are synthetic (images built with binaries have a real PDB instead: writePdbStore).
 */
export function writeSymbolFiles(symbolDir: string, images: readonly LaidOutImage[]): string[] {
  const written: string[] = [];
  for (const image of images) {
    if (image.spec.pdb === undefined || image.guid === undefined || image.built !== undefined) continue;
    const pdb = image.spec.pdb;
    const dir = path.join(symbolDir, pdb, symbolKey(image.guid, image.age));
    mkdirSync(dir, { recursive: true });
    const lines = [...image.rvas].map(([fn, rva]) => `${rva.toString(16)} ${fn}`);
    const file = path.join(dir, `${pdb.replace(/\.pdb$/i, '')}.sym.txt`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    written.push(file);
  }
  return written;
}

/**
 * Copies the built PDBs and images into a symbol store: `<dir>/<pdb>/<GUIDAGE>/<pdb>` (the published
 * PDB: publics only for ntoskrnl/ntdll) and `<dir>/<file>/<TIMESTAMP 8 hex><SIZEOFIMAGE hex>/<file>`,
 * as `symstore add` lays them out. Returns the files written.
 */
export function writePdbStore(dir: string, images: readonly LaidOutImage[]): string[] {
  const written: string[] = [];
  const copy = (from: string, to: string): void => {
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
    written.push(to);
  };
  for (const image of images) {
    const built = image.built;
    if (built === undefined) continue;
    if (
      built.pdbPath !== undefined &&
      built.pdbName !== undefined &&
      built.guid !== undefined &&
      built.age !== undefined
    )
      copy(built.pdbPath, path.join(dir, built.pdbName, symbolKey(built.guid, built.age), built.pdbName));
    const imageKey = `${built.timeDateStamp.toString(16).toUpperCase().padStart(8, '0')}${built.imageSize.toString(16)}`;
    copy(built.sysPath, path.join(dir, built.file, imageKey, built.file));
  }
  return written;
}

/** Function label as etlscope shows it: the symbol, or module+0x<rva> without symbols. */
export function functionLabel(image: LaidOutImage, fn: string): string {
  return image.spec.pdb === undefined ? `${image.spec.file}+0x${image.rvas.get(fn)!.toString(16)}` : fn;
}

// ---------------------------------------------------------------------------------------------
// Simulation
// ---------------------------------------------------------------------------------------------

/** Slice length: CPUs advance in lockstep by this much, so buffers of different CPUs interleave. */
const SLICE_MS = 5;
/** Gap between an ISR's exit and its DPC's entry (ticks at 10 MHz ≈ 0.5–2 µs). */
const ISR_TO_DPC_GAP_US = [0.5, 2] as const;
/** Profile timer: 1 ms (10,000 × 100 ns), the Windows default. */
const PROFILE_INTERVAL_100NS = 10_000;
/** Rundown lead: simulated activity starts this long after the header so the rundown comes first. */
const RUNDOWN_LEAD_TICKS = 16;
/** No DPC/ISR of a reloading driver is logged this close to its reload (covers CPU 0 logging it late). */
const RELOAD_QUIET_MS = 20;
/** Share of samples followed by a StackWalk event (real traces stack-walk every sample; we keep files small). */
const DEFAULT_STACK_PROBABILITY = 0.05;
/** Share of samples on user threads taken in user mode (the rest are in system calls). */
const USER_MODE_SHARE = 0.65;
/** Mixed into the seed of the stack model's Rng (any constant: it only has to differ from the main one). */
const STACK_SEED_SALT = 0x5f3759df;
/** The same for the stream that decides how stacks are logged. */
const STACK_LOG_SEED_SALT = 0x2545f491;
/** Compact mode: switches handed to the batch encoder at a time (≈ 2–4 batches of ≤ 0x400 bytes). */
const COMPACT_SWITCHES_PER_HANDOVER = 64;
/** TEAM.md: the time origin moves to the first data event when it comes more than 60 s after the header. */
export const CIRCULAR_GAP_SECONDS = 60;
/** 'even' generators stop this long before the end so a queued backlog still completes. */
const EVEN_TAIL_MS = 3;
/** Perf-state changes per CPU per second (P-state churn under a balanced power plan). */
const PERF_STATE_CHANGES_PER_SECOND = 4;
/** Marker events of a user provider (EVENT_HEADER) per second on CPU 0. */
const MARKERS_PER_SECOND = 2;
/** Provider GUID of the scenario marker events (made up: a user provider no decoder knows). */
export const MARKER_PROVIDER = '6c2b7d4e-3f1a-4b8c-9d2e-5a6f7b8c9d0e';

interface ThreadState {
  tid: number;
  pid: number;
  priority: number;
  endTs: number;
  lastRun: number;
  userImage: LaidOutImage | undefined;
  process: ProcessState;
  cpu: number;
}

interface ProcessState {
  pid: number;
  parentPid: number;
  name: string;
  commandLine: string;
  user: boolean;
  key: bigint;
  image: LaidOutImage | undefined;
  liveThreads: number;
  ended: boolean;
}

interface RoutineRef {
  module: string;
  fn: string;
  address: bigint;
  /** Address after the image's reload, and the reload time in ticks (Infinity: never). */
  reloadAddress: bigint;
  reloadTicks: number;
  key: string;
  kind: DpcKind;
  /** The function's name in its DriverSpec (fn is the label: module+0x… without symbols). */
  specFn: string;
}

interface GenInstance {
  spec: InterruptSpec;
  main: RoutineRef;
  pre?: RoutineRef;
  nested?: RoutineRef;
  meanGapTicks: number;
  next: number;
  /** A routine of this generator belongs to a driver that is reloaded during the trace. */
  reloads: boolean;
  /** 'even' arrivals: index of the next gap slot, and how many slots the trace has. */
  slot: number;
  slots: number;
}

interface Accum {
  module: string;
  fn: string;
  kind: DpcKind;
  count: number;
  total: number;
  exclusive: number;
  max: number;
  min: number;
  over: number;
}

interface Pending {
  ts: number;
  run: () => void;
  /** Still run at the end if the trace stops before `ts` (deferred user stack walks must not be lost). */
  flushAtEnd?: boolean;
}

/** Where a sample was taken: inside this routine (an ISR nested in the DPC `nestedIn`). */
interface SampleContext {
  routine: RoutineRef;
  isr: boolean;
  nestedIn: RoutineRef | undefined;
}

const isIsrKind = (kind: DpcKind): boolean => kind === 'ISR' || kind === 'ISR-MSI';

/** The routine's address at time `ticks` (after a reload its image sits at a new base). */
const addressAt = (r: RoutineRef, ticks: number): bigint =>
  ticks >= r.reloadTicks ? r.reloadAddress : r.address;

export interface SimulationResult {
  truth: ScenarioTruth;
  bytes?: Uint8Array;
  /** Kernel images (as in truth.images). */
  images: LaidOutImage[];
  /** Every image frames can point into: kernel images, user-mode DLLs and the processes' own images. */
  layout: LaidOutImage[];
  symbolFiles: string[];
}

export function simulate(spec: ScenarioSpec, options: SimulationOptions = {}): SimulationResult {
  const seed = options.seed ?? 1;
  const rng = new Rng(seed);
  const P = options.pointerSize ?? 8;
  const frequency = options.frequency ?? 10_000_000;
  const usToTicks = frequency / 1e6;
  const ticksToNs = 1e9 / frequency;
  const cpuCount = spec.cpuCount;
  const streaming = options.targetBytes !== undefined;
  const compact = options.compactCSwitch === true;
  const seconds = options.seconds ?? spec.defaultSeconds;
  if (!(seconds > 0) && !streaming) throw new Error(`seconds must be > 0, got ${seconds}`);
  if (streaming && !(options.targetBytes! > 0)) throw new Error(`targetBytes must be > 0`);
  const writerOptions: EtlWriterOptions = {
    path: options.path,
    cpuCount,
    pointerSize: P,
    bufferSize: options.bufferSize,
    compress: options.compress,
    build: spec.build ?? 19041,
    clock: { frequency },
    eventsLost: options.eventsLost ?? 0,
    groups: { ...ALL_GROUPS, ...spec.groups, compactCSwitch: options.compactCSwitch === true },
    loggerName: 'NT Kernel Logger',
    logFileName: `C:\\traces\\${spec.name}.etl`,
  };
  const w = new EtlWriter(writerOptions);
  // Axis origin (TEAM.md): the logfile-header time, or the first data event when the data starts
  // more than CIRCULAR_GAP_SECONDS after it (circular / in-memory loggers: headerLeadSeconds).
  const headerTicks = w.startTicks;
  const lead = options.headerLeadSeconds ?? 0;
  if (!(lead >= 0)) throw new Error(`headerLeadSeconds must be ≥ 0, got ${lead}`);
  const dataStart = headerTicks + Math.round(lead * frequency);
  const circular = lead > CIRCULAR_GAP_SECONDS;
  const origin = circular ? dataStart : headerTicks;
  const fixedEnd = streaming ? Infinity : dataStart + Math.round(seconds * frequency);

  // ---- images
  const laidOut = layoutDrivers(spec.drivers, P, options.binaries);
  /** Kernel images (pid 0 in the Image events) and the user-mode DLLs mapped into every user process. */
  const images = laidOut.filter((im) => im.spec.user !== true);
  const userDlls = laidOut.filter((im) => im.spec.user === true);
  const firstBase = new Map(laidOut.map((im) => [im, im.base]));
  const imageByFile = new Map(laidOut.map((im) => [im.spec.file.toLowerCase(), im]));
  const ntos = imageByFile.get('ntoskrnl.exe');
  if (ntos === undefined) throw new Error(`${spec.name}: the driver list must include ntoskrnl.exe`);
  const reloadTicksOf = (image: LaidOutImage): number =>
    image.spec.reloadAtSeconds === undefined
      ? Infinity
      : dataStart + Math.round(image.spec.reloadAtSeconds * frequency);
  const routine = (module: string, fn: string, kind: DpcKind): RoutineRef => {
    const image = imageByFile.get(module.toLowerCase());
    if (image === undefined) throw new Error(`${spec.name}: unknown module ${module}`);
    const rva = image.rvas.get(fn);
    if (rva === undefined) throw new Error(`${spec.name}: ${module} has no function ${fn}`);
    const label = functionLabel(image, fn);
    return {
      module: image.spec.file,
      fn: label,
      address: image.base + BigInt(rva),
      reloadAddress: (image.reloadBase ?? image.base) + BigInt(rva),
      reloadTicks:
        image.spec.reloadAtSeconds === undefined
          ? Infinity
          : dataStart + Math.round(image.spec.reloadAtSeconds * frequency),
      key: `${image.spec.file}!${label}!${kind}`,
      kind,
      specFn: fn,
    };
  };
  const userImageBase = (index: number): bigint =>
    P === 8 ? 0x7ff6a0000000n + BigInt(index) * 0x1000000n : 0x00400000n + BigInt(index) * 0x100000n;
  const userImages = new Map<string, LaidOutImage>();
  const userImageFor = (exePath: string, name: string): LaidOutImage => {
    let im = userImages.get(name);
    if (im === undefined) {
      const exeSpec: DriverSpec = { file: name, size: 0x80000, functions: EXE_FUNCTIONS };
      im = {
        spec: exeSpec,
        base: userImageBase(userImages.size),
        size: 0x80000,
        path: exePath,
        ...layoutFunctions(exeSpec, 0x80000),
        age: 1,
        timeDateStamp: 0x60000000 + (nameHash(name) % 0x1000000),
        checksum: nameHash(name) % 0x100000,
      };
      userImages.set(name, im);
    }
    return im;
  };

  // ---- processes and threads
  const processes: ProcessState[] = [];
  const threads: ThreadState[] = [];
  const pools: ThreadState[][] = Array.from({ length: cpuCount }, () => []);
  let nextTid = 1000;
  const addProcess = (
    ps: ProcessSpec | SpawnSpec,
    pid: number,
    threadCount: number,
    startCpu: number,
  ): ProcessState => {
    const user = 'user' in ps ? ps.user !== false : true;
    const isKernel = pid === 4;
    const proc: ProcessState = {
      pid,
      parentPid: ps.parentPid,
      name: ps.name,
      commandLine: ps.commandLine,
      user,
      key: (P === 8 ? 0xffffa30c00000000n : 0x85000000n) + BigInt(pid) * 0x1000n,
      image: isKernel ? undefined : userImageFor(ps.path, ps.name),
      liveThreads: 0,
      ended: false,
    };
    processes.push(proc);
    for (let k = 0; k < threadCount; k++) {
      const cpu = (startCpu + k) % cpuCount;
      const t: ThreadState = {
        tid: nextTid,
        pid,
        priority: 'basePriority' in ps && ps.basePriority !== undefined ? ps.basePriority : 8,
        endTs: Infinity,
        lastRun: dataStart,
        userImage: proc.image,
        process: proc,
        cpu,
      };
      nextTid += 4;
      threads.push(t);
      pools[cpu].push(t);
      proc.liveThreads++;
    }
    return proc;
  };
  let cpuCursor = 0;
  for (const ps of spec.processes) {
    addProcess(ps, ps.pid, ps.threads, cpuCursor);
    cpuCursor = (cpuCursor + ps.threads) % cpuCount;
  }

  const processFields = (p: ProcessState, exitStatus = 0): ProcessFields => ({
    uniqueProcessKey: p.key,
    processId: p.pid,
    parentId: p.parentPid,
    sessionId: p.pid <= 4 ? 0xffffffff : p.user ? 1 : 0,
    exitStatus,
    directoryTableBase: (P === 8 ? 0x1aa000n : 0x1aa000n) + BigInt(p.pid) * 0x1000n,
    userSid: p.user ? 'S-1-5-21-3623811015-3361044348-30300820-1001' : 'S-1-5-18',
    imageFileName: p.name,
    commandLine: p.commandLine,
  });
  const threadFields = (t: ThreadState): ThreadFields => {
    const kernelStack = (P === 8 ? 0xffffc80000000000n : 0x9a000000n) + BigInt(t.tid) * 0x8000n;
    const userStack = (P === 8 ? 0x000000a000000000n : 0x01000000n) + BigInt(t.tid) * 0x100000n;
    return {
      processId: t.pid,
      threadId: t.tid,
      stackBase: kernelStack + 0x6000n,
      stackLimit: kernelStack,
      userStackBase: t.pid === 4 ? 0n : userStack + 0x80000n,
      userStackLimit: t.pid === 4 ? 0n : userStack,
      affinity: cpuCount >= 64 ? 0xffffffffffffffffn : (1n << BigInt(cpuCount)) - 1n,
      win32StartAddr: t.userImage ? t.userImage.base + 0x1a40n : ntos.base + 0x2000n,
      tebBase: t.pid === 4 ? 0n : (P === 8 ? 0x000000b000000000n : 0x7ffd0000n) + BigInt(t.tid) * 0x2000n,
      basePriority: t.priority,
      name: t.pid === 4 ? 'System worker' : '',
    };
  };
  const imageFields = (im: LaidOutImage, pid: number): ImageFields => ({
    imageBase: im.base,
    imageSize: im.size,
    processId: pid,
    checksum: im.checksum,
    timeDateStamp: im.timeDateStamp,
    signatureLevel: pid === 0 ? 0x0c : 0x08,
    signatureType: 1,
    defaultBase: im.base,
    fileName: im.path,
  });

  // ---- DPC/ISR truth
  const accums = new Map<string, Accum>();
  const accum = (r: RoutineRef): Accum => {
    let a = accums.get(r.key);
    if (a === undefined) {
      a = {
        module: r.module,
        fn: r.fn,
        kind: r.kind,
        count: 0,
        total: 0,
        exclusive: 0,
        max: 0,
        min: Infinity,
        over: 0,
      };
      accums.set(r.key, a);
    }
    return a;
  };
  const sampleModules: Record<string, number> = {};

  // ---- rundown at the start (CPU 0)
  // Circular: the rundown is the first data event, so it sits exactly at the axis origin.
  const rundownTs = circular ? dataStart : dataStart + 1;
  const idleProcess: ProcessState = {
    pid: 0,
    parentPid: 0,
    name: 'Idle',
    commandLine: '',
    user: false,
    key: P === 8 ? 0xfffff8036c5f3a40n : 0x82b5a040n,
    image: undefined,
    liveThreads: 0,
    ended: false,
  };
  writeProcess(w, 0, rundownTs, 'DCStart', processFields(idleProcess));
  for (const p of processes) writeProcess(w, 0, rundownTs, 'DCStart', processFields(p));
  /** The idle thread of each CPU (Idle process, TID 0), as the kernel's rundown lists it. */
  const idleThreadFields = (cpu: number): ThreadFields => ({
    processId: 0,
    threadId: 0,
    stackBase: (P === 8 ? 0xfffff8036f000000n : 0x82f00000n) + BigInt(cpu) * 0x8000n,
    stackLimit: (P === 8 ? 0xfffff8036effa000n : 0x82efa000n) + BigInt(cpu) * 0x8000n,
    userStackBase: 0n,
    userStackLimit: 0n,
    affinity: 1n << BigInt(cpu % 64),
    win32StartAddr: ntos.base + BigInt(ntos.rvas.get('KiIdleLoop') ?? 0x1010),
    tebBase: 0n,
    basePriority: 0,
  });
  for (let cpu = 0; cpu < cpuCount; cpu++) writeThread(w, 0, rundownTs, 'DCStart', idleThreadFields(cpu));
  for (const t of threads) writeThread(w, 0, rundownTs, 'DCStart', threadFields(t));
  writeKernelBase(w, 0, rundownTs, ntos.base);
  for (const im of images) {
    writeImage(w, 0, rundownTs, 'DCStart', imageFields(im, 0));
    writeImageId(w, 0, rundownTs, im.base, im.size, 0, im.timeDateStamp, im.spec.file);
    if (im.guid !== undefined && im.spec.pdb !== undefined) {
      writeDbgIdRsds(w, 0, rundownTs, im.base, 0, im.guid, im.age, im.spec.pdb);
    }
  }
  /** The system DLLs of a user process: Image event + ImageId + DbgID_RSDS with its pid. */
  const logUserDlls = (
    cpu: number,
    ts: number,
    kind: 'DCStart' | 'Load' | 'DCEnd',
    pid: number,
    context?: { threadId: number; processId: number },
  ): void => {
    for (const im of userDlls) {
      writeImage(w, cpu, ts, kind, imageFields(im, pid), context);
      if (kind === 'DCEnd') continue;
      writeImageId(w, cpu, ts, im.base, im.size, pid, im.timeDateStamp, im.spec.file);
      if (im.guid !== undefined && im.spec.pdb !== undefined)
        writeDbgIdRsds(w, cpu, ts, im.base, pid, im.guid, im.age, im.spec.pdb);
    }
  };
  for (const p of processes) {
    if (p.image === undefined) continue;
    writeImage(w, 0, rundownTs, 'DCStart', imageFields(p.image, p.pid));
    logUserDlls(0, rundownTs, 'DCStart', p.pid);
  }
  if (options.systemConfig !== undefined) writeSystemConfig(w, rundownTs, cpuCount, options.systemConfig);
  writeRundownComplete(w, 0, rundownTs);
  const profile = spec.profile !== false;
  const stackModel = new StackModel({
    stacks: spec.stacks,
    pointerSize: P,
    imageByFile,
    baseAt: (image, ticks) =>
      image.reloadBase !== undefined && ticks >= reloadTicksOf(image)
        ? image.reloadBase
        : (firstBase.get(image) ?? image.base),
    reloadTicks: reloadTicksOf,
    // Its own stream: stack options never move an event of the main timeline.
    rng: new Rng((seed ^ STACK_SEED_SALT) >>> 0),
    logRng: new Rng((seed ^ STACK_LOG_SEED_SALT) >>> 0),
    frequency,
    sampleProbability: spec.stackProbability ?? DEFAULT_STACK_PROBABILITY,
    everySample: options.stackEverySample === true,
    deep: options.deepStacks === true,
    keyCacheSize:
      options.stackKeys === true ? (options.stackKeyCacheSize ?? DEFAULT_STACK_KEY_CACHE) : undefined,
    cpuCount,
  });
  const profileTicks = Math.round((PROFILE_INTERVAL_100NS / 1e7) * frequency);
  if (profile) writeProfileSetInterval(w, 0, rundownTs, 0, PROFILE_INTERVAL_100NS, PROFILE_INTERVAL_100NS);

  // ---- per-CPU simulators
  const simStart = dataStart + RUNDOWN_LEAD_TICKS;
  const spawnPids = { next: 20000 };

  function buildGens(cpu: number): GenInstance[] {
    const out: GenInstance[] = [];
    for (const g of spec.interrupts) {
      const cpus = g.cpus === 'all' ? Array.from({ length: cpuCount }, (_, i) => i) : g.cpus;
      if (!cpus.includes(cpu) || g.perSecond <= 0) continue;
      const perCpu = g.perSecond / cpus.length;
      // 'even' arrivals in a fixed-length trace: exactly round(rate × seconds) slots that end
      // EVEN_TAIL_MS before the end, so queued DPCs still finish inside the trace.
      const evenSlots =
        g.arrivals === 'even' && Number.isFinite(fixedEnd) ? Math.round(perCpu * seconds) : Infinity;
      const meanGapTicks = Number.isFinite(evenSlots)
        ? (fixedEnd - simStart - Math.min((EVEN_TAIL_MS / 1000) * frequency, (fixedEnd - simStart) / 10)) /
          Math.max(1, evenSlots)
        : frequency / perCpu;
      const inst: GenInstance = {
        spec: g,
        main: routine(g.module, g.function, g.kind),
        pre: g.precededBy
          ? routine(g.precededBy.module, g.precededBy.function, g.precededBy.kind)
          : undefined,
        nested: g.nestedIsr ? routine(g.nestedIsr.module, g.nestedIsr.function, g.nestedIsr.kind) : undefined,
        meanGapTicks,
        next: 0,
        slot: 0,
        slots: evenSlots,
        reloads: false,
      };
      inst.reloads = [inst.main, inst.pre, inst.nested].some(
        (r) => r !== undefined && Number.isFinite(r.reloadTicks),
      );
      inst.next = nextArrival(inst, simStart);
      out.push(inst);
    }
    return out;
  }

  /**
   * Next arrival time of a generator. poisson: exponential gaps; even: one arrival per gap slot at a
   * random point of the slot's middle 80 % (exact counts, no drift); periodic: period ±2 %.
   */
  function nextArrival(g: GenInstance, previous: number): number {
    const mode = g.spec.arrivals ?? 'poisson';
    if (mode === 'even') {
      const slot = g.slot++;
      if (slot >= g.slots) return Infinity;
      return simStart + Math.round((slot + 0.1 + 0.8 * rng.next()) * g.meanGapTicks);
    }
    if (mode === 'poisson') return previous + Math.max(1, Math.round(rng.exponential(g.meanGapTicks)));
    const first = previous === simStart;
    const gap = first ? rng.next() * g.meanGapTicks : g.meanGapTicks * (1 + 0.02 * (2 * rng.next() - 1));
    return previous + Math.max(1, Math.round(gap));
  }

  function drawDuration(d: DurationSpec): number {
    let us: number;
    if (d.tail !== undefined && rng.next() < d.tail.probability)
      us = rng.logNormal(d.tail.meanUs, d.tail.sigma ?? 0.5);
    else us = (d.sigma ?? 0.3) > 0 ? rng.logNormal(d.meanUs, d.sigma ?? 0.3) : d.meanUs;
    if (d.minUs !== undefined) us = Math.max(d.minUs, us);
    if (d.maxUs !== undefined) us = Math.min(d.maxUs, us);
    return Math.max(1, Math.round(us * usToTicks));
  }

  /** IP choice of idle samples (always the same instruction of PpmIdleExecuteTransition: the idle halt). */
  const IDLE_IP_INDEX = 3;

  class CpuSim {
    readonly cpu: number;
    t = simStart;
    thread: ThreadState | null = null;
    lastSwitch = origin;
    segEnd = 0;
    burstEnd = 0;
    cstate = -1;
    cEnter = 0;
    lastCState = 0;
    nextSample: number;
    gens: GenInstance[] = [];
    spikes: { ts: number; durTicks: number; gen: GenInstance }[] = [];
    spikeIndex = 0;
    pending: Pending[] = [];
    pstate = 0;
    compactPending: CompactSwitch[] = [];
    // truth
    running = 0;
    idleInterruptUnion = 0;
    dpcTicks = 0;
    isrTicks = 0;
    unionTicks = 0;
    dpcCount = 0;
    isrCount = 0;
    cstateTicks: number[] = [];
    samples = 0;
    busySamples = 0;
    dpcSamples = 0;
    isrSamples = 0;
    cswitches = 0;
    load: number;
    weights: readonly number[];

    constructor(cpu: number) {
      this.cpu = cpu;
      this.nextSample = simStart + Math.floor((((cpu * 7919) % 97) / 97) * profileTicks) + 1;
      this.load = Math.min(0.98, Math.max(0, spec.cpuLoad(cpu)));
      this.weights = spec.idleWeights(cpu);
      this.cstateTicks = new Array<number>(this.weights.length).fill(0);
    }

    init(): void {
      this.gens = buildGens(this.cpu);
      for (const g of this.gens) {
        for (const s of g.spec.spikes ?? []) {
          if (s.cpu === this.cpu)
            this.spikes.push({
              ts: dataStart + Math.round(s.atSeconds * frequency),
              durTicks: Math.round(s.durationUs * usToTicks),
              gen: g,
            });
        }
      }
      this.spikes.sort((a, b) => a.ts - b.ts);
      const pool = this.alive(simStart, null);
      if (pool.length > 0 && rng.next() < this.load) {
        this.thread = rng.pick(pool);
        this.burstEnd = simStart + this.burstLen();
        this.segEnd = Math.min(this.burstEnd, simStart + this.sliceLen());
      } else {
        this.thread = null;
        this.segEnd = simStart + this.idleLen();
        this.enterIdle(simStart);
      }
      this.schedulePerfState(simStart);
    }

    alive(ts: number, exclude: ThreadState | null): ThreadState[] {
      return pools[this.cpu].filter((t) => t !== exclude && t.endTs > ts);
    }
    burstLen(): number {
      return Math.max(10, Math.round(rng.exponential(spec.burstMs * 1000 * usToTicks)));
    }
    sliceLen(): number {
      return Math.max(10, Math.round(rng.exponential(spec.sliceMs * 1000 * usToTicks)));
    }
    idleLen(): number {
      const meanMs = this.load <= 0.001 ? 40 : (spec.burstMs * (1 - this.load)) / this.load;
      return Math.max(10, Math.round(rng.exponential(meanMs * 1000 * usToTicks)));
    }

    enterIdle(ts: number): void {
      const s = rng.weighted(this.weights);
      writeIdleEnter(w, this.cpu, ts, s, Math.max(0, this.segEnd - ts));
      this.cstate = s;
      this.cEnter = ts;
      this.lastCState = s;
    }
    exitIdle(ts: number): void {
      if (this.cstate < 0) return;
      writeIdleExit(w, this.cpu, ts, this.cstate, 0);
      this.cstateTicks[this.cstate] += ts - this.cEnter;
      this.cstate = -1;
    }

    schedulePerfState(from: number): void {
      const ts = from + Math.max(1, Math.round(rng.exponential(frequency / PERF_STATE_CHANGES_PER_SECOND)));
      this.pending.push({
        ts,
        run: () => {
          const next = rng.int(4);
          writePerfStateChange(
            w,
            this.cpu,
            Math.max(ts, this.t),
            next,
            this.pstate,
            1n << BigInt(this.cpu % 64),
          );
          this.pstate = next;
          this.schedulePerfState(Math.max(ts, this.t));
        },
      });
      this.pending.sort((a, b) => a.ts - b.ts);
    }

    addPending(p: Pending): void {
      this.pending.push(p);
      this.pending.sort((a, b) => a.ts - b.ts);
    }

    run(until: number): void {
      for (;;) {
        let gi = -1;
        let arrival = Infinity;
        for (let i = 0; i < this.gens.length; i++) {
          if (this.gens[i].next < arrival) {
            arrival = this.gens[i].next;
            gi = i;
          }
        }
        const spike = this.spikes[this.spikeIndex];
        const spikeTs = spike === undefined ? Infinity : spike.ts;
        const pendingTs = this.pending.length > 0 ? this.pending[0].ts : Infinity;
        const sampleTs = profile ? this.nextSample : Infinity;
        const next = Math.min(arrival, spikeTs, pendingTs, sampleTs, this.segEnd);
        if (next >= until || next >= fixedEnd) return;
        if (next === sampleTs) {
          this.sample(Math.max(sampleTs, this.t), null);
          this.nextSample += profileTicks;
        } else if (next === pendingTs) {
          const p = this.pending.shift()!;
          p.run();
        } else if (next === this.segEnd) {
          this.switchAt(Math.max(this.segEnd, this.t));
        } else if (next === spikeTs) {
          this.spikeIndex++;
          this.episode(spike!.gen, spikeTs, spike!.durTicks);
        } else {
          const g = this.gens[gi];
          g.next = nextArrival(g, arrival);
          this.episode(g, arrival, 0);
        }
      }
    }

    sample(ts: number, where: SampleContext | null): void {
      const thread = this.thread;
      const tid = thread === null ? 0 : thread.tid;
      // The main-Rng draws are the same as before stacks existed (the timeline stays put); what
      // the sample's path is comes from the stack model's own Rng.
      let template: StackTemplate;
      let ipIndex: number;
      if (where !== null) {
        ipIndex = rng.int(IP_CHOICES);
        template = stackModel.interruptSample(where.routine, thread === null, where.nestedIn);
      } else if (thread === null) {
        ipIndex = IDLE_IP_INDEX;
        template = stackModel.idleSample();
      } else if (thread.userImage !== undefined && rng.next() < USER_MODE_SHARE) {
        ipIndex = rng.int(0x7000) % IP_CHOICES;
        template = stackModel.userModeSample(thread.userImage);
      } else {
        ipIndex = rng.int(1000) % IP_CHOICES;
        template =
          thread.userImage !== undefined
            ? stackModel.systemCallSample(thread.userImage)
            : stackModel.systemThreadSample();
      }
      const ip = stackModel.ipAddress(template, ipIndex, ts);
      writeSampledProfile(w, this.cpu, ts, ip, tid, {
        executingDpc: where !== null && !where.isr,
        executingIsr: where !== null && where.isr,
        priority: thread === null ? 0 : thread.priority,
      });
      const p =
        where !== null ? stackModel.probabilities.dpcIsrSamples : stackModel.probabilities.threadSamples;
      const stacked = rng.next() < p;
      const pid = thread === null ? 0 : thread.pid;
      const module = stackModel.leafModule(template);
      if (stacked) {
        // Kernel part now (same timestamp, same CPU); user part later, as the thread returns to user mode.
        stackModel.writeKernelPart(w, this.cpu, ts, pid, tid, template, ipIndex);
        if (template.user !== undefined) {
          const due = ts + stackModel.userWalkDelay();
          this.addPending({
            ts: due,
            flushAtEnd: true,
            run: () => {
              const at = Math.max(due, this.t, w.lastTimestamp(this.cpu));
              stackModel.writeUserPart(w, this.cpu, at, ts, pid, tid, template, ipIndex);
            },
          });
        }
      }
      stackModel.countSample(
        pid,
        where !== null ? module : undefined,
        stacked ? template : undefined,
        ipIndex,
      );
      this.samples++;
      if (tid !== 0 || where !== null) this.busySamples++;
      if (where !== null) {
        if (where.isr) this.isrSamples++;
        else this.dpcSamples++;
        sampleModules[module] = (sampleModules[module] ?? 0) + 1;
      }
    }

    /** One interrupt episode: [pre ISR →] main routine [with a nested ISR], starting at `arrival`. */
    episode(g: GenInstance, arrival: number, forcedTicks: number): void {
      const start = Math.max(arrival, this.t);
      type Interval = { r: RoutineRef; s: number; e: number; isr: boolean; vector: number };
      const parts: Interval[] = [];
      let mainStart = start;
      if (
        g.pre !== undefined &&
        g.spec.precededBy !== undefined &&
        rng.next() < g.spec.precededBy.probability
      ) {
        const d = drawDuration(g.spec.precededBy.duration);
        parts.push({ r: g.pre, s: start, e: start + d, isr: true, vector: g.spec.precededBy.vector ?? 0x70 });
        mainStart = start + d + Math.round(rng.range(ISR_TO_DPC_GAP_US[0], ISR_TO_DPC_GAP_US[1]) * usToTicks);
      }
      let d = forcedTicks > 0 ? forcedTicks : drawDuration(g.spec.duration);
      const mainIsIsr = isIsrKind(g.main.kind);
      let nested: Interval | undefined;
      if (
        !mainIsIsr &&
        g.nested !== undefined &&
        g.spec.nestedIsr !== undefined &&
        rng.next() < g.spec.nestedIsr.probability
      ) {
        const nd = drawDuration(g.spec.nestedIsr.duration);
        const ns = mainStart + 1 + rng.int(Math.max(1, d - 2));
        nested = { r: g.nested, s: ns, e: ns + nd, isr: true, vector: g.spec.nestedIsr.vector ?? 0x80 };
        d += nd;
      }
      const main: Interval = {
        r: g.main,
        s: mainStart,
        e: mainStart + d,
        isr: mainIsIsr,
        vector: g.spec.vector ?? 0x60,
      };
      if (main.e >= fixedEnd - 1) return; // would run past the end of the trace: not logged
      if (g.reloads) {
        const quiet = (RELOAD_QUIET_MS / 1000) * frequency;
        for (const p of [...parts, main]) {
          if (p.s < p.r.reloadTicks + quiet && p.e > p.r.reloadTicks - quiet) return; // driver reset window
        }
      }
      parts.push(main);
      if (nested !== undefined) parts.push(nested);
      this.exitIdle(start);
      // Samples inside the episode, interleaved with the exit events (each logged at its exit time).
      const exits = parts.length === 1 ? parts : parts.slice().sort((a, b) => a.e - b.e);
      let k = 0;
      while (profile && this.nextSample <= main.e) {
        const ts = Math.max(this.nextSample, start);
        while (k < exits.length && exits[k].e < ts) this.logInterval(exits[k++], parts);
        let where: SampleContext | null = null;
        if (nested !== undefined && ts >= nested.s && ts <= nested.e)
          where = { routine: nested.r, isr: true, nestedIn: main.r };
        else {
          for (const p of parts)
            if (p !== nested && ts >= p.s && ts <= p.e)
              where = { routine: p.r, isr: p.isr, nestedIn: undefined };
        }
        this.sample(ts, where);
        this.nextSample += profileTicks;
      }
      while (k < exits.length) this.logInterval(exits[k++], parts);
      // Busy: the union of this episode's intervals (nested ISR lies inside main).
      let union = 0;
      for (const p of parts) if (p !== nested) union += p.e - p.s;
      this.unionTicks += union;
      if (this.thread === null) this.idleInterruptUnion += union;
      this.t = main.e;
      if (this.thread === null && this.segEnd > this.t) this.enterIdle(this.t);
    }

    logInterval(
      p: { r: RoutineRef; s: number; e: number; isr: boolean; vector: number },
      parts: readonly { r: RoutineRef; s: number; e: number; isr: boolean }[],
    ): void {
      const kind = p.r.kind;
      if (kind === 'ISR' || kind === 'ISR-MSI')
        writeIsr(w, this.cpu, kind, p.s, p.e, addressAt(p.r, p.e), p.vector, kind === 'ISR-MSI' ? 1 : 0);
      else writeDpc(w, this.cpu, kind, p.s, p.e, addressAt(p.r, p.e));
      const dur = p.e - p.s;
      // Some DPC/ISR events get a stack of their own: the dispatcher the routine returned to.
      const around = p.isr ? parts.find((q) => !q.isr && q.s < p.s && p.e < q.e) : undefined;
      const thread = this.thread;
      stackModel.dpcEvent(
        w,
        this.cpu,
        p.e,
        p.r,
        thread === null,
        around?.r,
        thread === null ? 0 : thread.pid,
        thread === null ? 0 : thread.tid,
        dur,
      );
      let exclusive = dur;
      if (!p.isr) for (const q of parts) if (q.isr && q.s >= p.s && q.e <= p.e) exclusive -= q.e - q.s;
      const a = accum(p.r);
      a.count++;
      a.total += dur;
      a.exclusive += exclusive;
      if (dur > a.max) a.max = dur;
      if (dur < a.min) a.min = dur;
      if (p.isr) {
        this.isrTicks += dur;
        this.isrCount++;
        if (dur * ticksToNs > ISR_BUDGET_NS) a.over++;
      } else {
        this.dpcTicks += dur;
        this.dpcCount++;
        if (dur * ticksToNs > DPC_BUDGET_NS) a.over++;
      }
    }

    switchAt(ts: number): void {
      const old = this.thread;
      let next: ThreadState | null;
      if (old === null) {
        const pool = this.load <= 0.001 ? [] : this.alive(ts, null);
        next = pool.length > 0 ? rng.pick(pool) : null;
        if (next === null) {
          this.segEnd = ts + this.idleLen();
          if (this.cstate < 0) this.enterIdle(Math.max(ts, this.t));
          return;
        }
        this.burstEnd = ts + this.burstLen();
      } else if (ts < this.burstEnd) {
        const pool = this.alive(ts, old);
        next = pool.length > 0 ? rng.pick(pool) : null;
      } else {
        next = null;
      }
      if (old !== null && next === null && old.endTs > ts && ts < this.burstEnd) {
        // Nobody else to run inside the burst: the same thread keeps the CPU (no switch).
        this.segEnd = Math.min(this.burstEnd, ts + this.sliceLen(), old.endTs);
        return;
      }
      this.exitIdle(ts);
      if (old !== null) this.running += ts - this.lastSwitch;
      if (next !== null && rng.next() < 0.8) writeReadyThread(w, this.cpu, ts, next.tid, 1, 0, 0);
      const terminated = old !== null && old.endTs <= ts;
      const toIdle = next === null;
      const fields = {
        newThreadId: next === null ? 0 : next.tid,
        oldThreadId: old === null ? 0 : old.tid,
        newThreadPriority: next === null ? 0 : next.priority + rng.int(3),
        oldThreadPriority: old === null ? 0 : old.priority,
        previousCState: old === null ? this.lastCState : 0,
        oldThreadWaitReason:
          old === null || terminated ? 0 : toIdle ? rng.pick([0, 6, 15, 13]) : rng.pick([0, 32, 6]),
        oldThreadWaitMode: old === null ? 0 : rng.int(2),
        oldThreadState: old === null ? 2 : terminated ? 4 : toIdle ? 5 : rng.pick([1, 5]),
        oldThreadWaitIdealProcessor: this.cpu & 0xff,
        newThreadWaitTime:
          next === null ? 0 : Math.min(0xffffffff, Math.round((ts - next.lastRun) / (frequency / 64))),
        oldThreadRemainingQuantum: old === null ? 0 : rng.int(0x30000),
      };
      if (compact) {
        this.compactPending.push({
          ts,
          oldThreadId: fields.oldThreadId,
          oldThreadPriority: fields.oldThreadPriority,
          oldThreadState: fields.oldThreadState,
          oldThreadWaitReason: fields.oldThreadWaitReason,
          newThreadWaitTime: fields.newThreadWaitTime,
        });
        if (this.compactPending.length >= COMPACT_SWITCHES_PER_HANDOVER) this.flushCompact(ts);
      } else {
        writeCSwitch(w, this.cpu, ts, fields);
      }
      this.cswitches++;
      if (old !== null) old.lastRun = ts;
      this.lastSwitch = ts;
      this.t = ts;
      this.thread = next;
      if (terminated && old !== null) this.endThread(old, ts);
      if (next === null) {
        this.segEnd = ts + this.idleLen();
        this.enterIdle(ts);
      } else {
        this.segEnd = Math.min(this.burstEnd, ts + this.sliceLen(), next.endTs);
        if (this.segEnd <= ts) this.segEnd = ts + 1;
      }
    }

    flushCompact(ts: number): void {
      if (this.compactPending.length === 0) return;
      writeCompactCSwitchBatches(w, this.cpu, this.compactPending, Math.max(ts, w.lastTimestamp(this.cpu)));
      this.compactPending = [];
    }

    /**
     * Compact mode, at the end: switch a running thread out to idle so that no CPU ends on a switch
     * whose new thread only the next (never written) record could name.
     */
    closeCompact(end: number): void {
      if (this.thread !== null) {
        const ts = Math.max(this.t, end - 1);
        this.compactPending.push({
          ts,
          oldThreadId: this.thread.tid,
          oldThreadPriority: this.thread.priority,
          oldThreadState: 5,
          oldThreadWaitReason: 6,
          newThreadWaitTime: 0,
        });
        this.running += ts - this.lastSwitch;
        this.lastSwitch = ts;
        this.cswitches++;
        this.thread = null;
        this.t = ts;
      }
      this.flushCompact(this.t);
    }

    endThread(t: ThreadState, ts: number): void {
      writeThread(w, this.cpu, ts, 'End', threadFields(t), { threadId: t.tid, processId: t.pid });
      const pool = pools[this.cpu];
      pool.splice(pool.indexOf(t), 1);
      t.process.liveThreads--;
      if (t.process.liveThreads === 0 && !t.process.ended) {
        t.process.ended = true;
        writeProcess(w, this.cpu, ts, 'End', processFields(t.process, 0), {
          threadId: t.tid,
          processId: t.pid,
        });
      }
    }

    /** Spawns a short-lived process (e.g. cl.exe) whose one thread joins this CPU's pool. */
    spawn(s: SpawnSpec, ts: number): void {
      const pid = spawnPids.next;
      spawnPids.next += 4;
      const parent = this.thread;
      const proc = addProcess({ ...s }, pid, 1, this.cpu);
      const t = threads[threads.length - 1];
      const lifetime = drawDuration(s.lifetimeMs);
      t.endTs = ts + lifetime;
      t.lastRun = ts;
      const ctx = { threadId: parent === null ? 0 : parent.tid, processId: parent === null ? 0 : parent.pid };
      writeProcess(w, this.cpu, ts, 'Start', processFields(proc), ctx);
      writeThread(w, this.cpu, ts, 'Start', threadFields(t), ctx);
      if (proc.image !== undefined) {
        const loader = { threadId: t.tid, processId: pid };
        writeImage(w, this.cpu, ts, 'Load', imageFields(proc.image, pid), loader);
        logUserDlls(this.cpu, ts, 'Load', pid, loader);
      }
      this.addPending({
        ts: t.endTs,
        run: () => {
          if (this.thread === t) {
            this.segEnd = Math.min(this.segEnd, Math.max(this.t, t.endTs));
          } else if (pools[this.cpu].includes(t)) {
            this.endThread(t, Math.max(this.t, t.endTs));
          }
        },
      });
    }

    /** Runs what must not be lost when the trace stops first (deferred user stack walks). */
    flushPending(): void {
      const rest = this.pending.filter((p) => p.flushAtEnd === true);
      this.pending = [];
      for (const p of rest) p.run();
    }

    /** Closes the open intervals at the end time T: an idle state without exit, the running thread. */
    finish(end: number): void {
      if (this.cstate >= 0) this.cstateTicks[this.cstate] += end - this.cEnter;
      if (this.thread !== null) this.running += end - this.lastSwitch;
    }
  }

  const sims = Array.from({ length: cpuCount }, (_, cpu) => new CpuSim(cpu));
  for (const sim of sims) sim.init();

  // Spawns and markers as pending events.
  for (const s of spec.spawns ?? []) {
    const cpus = s.cpus === 'all' ? Array.from({ length: cpuCount }, (_, i) => i) : s.cpus;
    for (const cpu of cpus) {
      const sim = sims[cpu];
      const mean = frequency / (s.perSecond / cpus.length);
      const schedule = (from: number): void => {
        const ts = from + Math.max(1, Math.round(rng.exponential(mean)));
        sim.addPending({
          ts,
          run: () => {
            const at = Math.max(ts, sim.t);
            sim.spawn(s, at);
            schedule(at);
          },
        });
      };
      schedule(simStart);
    }
  }
  let markerNumber = 0;
  const scheduleMarker = (from: number): void => {
    const ts = from + Math.round(frequency / MARKERS_PER_SECOND);
    sims[0].addPending({
      ts,
      run: () => {
        const at = Math.max(ts, sims[0].t);
        const text = `etlscope scenario ${spec.name} marker ${++markerNumber}`;
        const payload = new Uint8Array((text.length + 1) * 2);
        for (let i = 0; i < text.length; i++) payload[i * 2] = text.charCodeAt(i);
        const session = new Uint8Array(4);
        new DataView(session.buffer).setUint32(0, 1, true);
        const o = w.reserveEventHeader(
          0,
          at,
          {
            provider: MARKER_PROVIDER,
            id: 1,
            version: 0,
            level: 4,
            keyword: 0x8000000000000000n,
            flags: 0x0004,
            threadId: 0,
            processId: 0,
          },
          payload.length,
          [{ extType: 3, data: session }],
        );
        w.bytes.set(payload, o);
        scheduleMarker(at);
      },
    });
  };
  scheduleMarker(simStart);

  // ---- run
  const sliceTicks = Math.round((SLICE_MS / 1000) * frequency);
  let sliceEnd = simStart;
  let lossMarked = false;
  const reloads = images.filter((im) => im.reloadBase !== undefined);
  for (;;) {
    const sliceStart = sliceEnd;
    sliceEnd += sliceTicks;
    for (const im of reloads) {
      const at = dataStart + Math.round(im.spec.reloadAtSeconds! * frequency);
      if (at < sliceStart || at >= sliceEnd || at >= fixedEnd) continue;
      // Every CPU first runs up to the reload; CPU 0 logs it then (or just after, if busy).
      for (const sim of sims) sim.run(at);
      const ts = Math.max(at, w.lastTimestamp(0));
      writeImage(w, 0, ts, 'Unload', imageFields(im, 0));
      im.base = im.reloadBase!;
      writeImage(w, 0, ts, 'Load', imageFields(im, 0));
      writeImageId(w, 0, ts, im.base, im.size, 0, im.timeDateStamp, im.spec.file);
      if (im.guid !== undefined && im.spec.pdb !== undefined)
        writeDbgIdRsds(w, 0, ts, im.base, 0, im.guid, im.age, im.spec.pdb);
    }
    const until = Math.min(sliceEnd, fixedEnd);
    for (const sim of sims) sim.run(until);
    if (!lossMarked && (options.eventsLost ?? 0) > 0 && until - dataStart > (fixedEnd - dataStart) / 2) {
      lossMarked = true;
      w.markLoss(cpuCount - 1, 'events');
    }
    options.onProgress?.(w.bytesWritten, (until - dataStart) / frequency);
    if (until >= fixedEnd) break;
    if (streaming && w.bytesWritten >= options.targetBytes!) break;
  }
  for (const sim of sims) sim.flushPending();
  let end = streaming ? sliceEnd : fixedEnd;
  for (const sim of sims) end = Math.max(end, sim.t, w.lastTimestamp(sim.cpu));
  if (compact) for (const sim of sims) sim.closeCompact(end);
  for (const sim of sims) sim.finish(end);

  // ---- rundown at the end (CPU 0, at T: the last event of the trace); live stack keys on their CPUs
  stackModel.finish(w, end);
  writeProcess(w, 0, end, 'DCEnd', processFields(idleProcess));
  for (const p of processes) if (!p.ended) writeProcess(w, 0, end, 'DCEnd', processFields(p));
  for (let cpu = 0; cpu < cpuCount; cpu++) writeThread(w, 0, end, 'DCEnd', idleThreadFields(cpu));
  for (const t of threads) if (pools[t.cpu].includes(t)) writeThread(w, 0, end, 'DCEnd', threadFields(t));
  for (const im of images) writeImage(w, 0, end, 'DCEnd', imageFields(im, 0));
  for (const p of processes) {
    if (p.ended || p.image === undefined) continue;
    writeImage(w, 0, end, 'DCEnd', imageFields(p.image, p.pid));
    logUserDlls(0, end, 'DCEnd', p.pid);
  }
  const { stats, bytes } = w.close();

  // ---- truth
  const durationTicks = end - origin;
  const ns = (ticks: number): number => Math.round(ticks * ticksToNs);
  const cpus: CpuTruth[] = sims.map((s) => {
    const busy = s.running + s.idleInterruptUnion;
    const cStateNs: Record<string, number> = {};
    let idleTotal = 0;
    for (let k = 0; k < s.cstateTicks.length; k++) idleTotal += s.cstateTicks[k];
    cStateNs.C0 = ns(durationTicks - idleTotal);
    s.cstateTicks.forEach((ticks, k) => (cStateNs[`C${k + 1}`] = ns(ticks)));
    return {
      cpu: s.cpu,
      busyNs: ns(busy),
      busyPercent: (100 * busy) / durationTicks,
      runningNs: ns(s.running),
      dpcNs: ns(s.dpcTicks),
      isrNs: ns(s.isrTicks),
      dpcIsrUnionNs: ns(s.unionTicks),
      dpcCount: s.dpcCount,
      isrCount: s.isrCount,
      cStateNs,
      samples: s.samples,
      busySamples: s.busySamples,
      dpcSamples: s.dpcSamples,
      isrSamples: s.isrSamples,
      sampledBusyNs: Math.round(s.busySamples * PROFILE_INTERVAL_100NS * 100),
      cswitches: s.cswitches,
    };
  });
  const rows: DpcIsrTruthRow[] = [...accums.values()]
    .map((a) => ({
      module: a.module,
      function: a.fn,
      type: a.kind,
      count: a.count,
      totalNs: ns(a.total),
      exclusiveTotalNs: ns(a.exclusive),
      maxNs: ns(a.max),
      minNs: ns(a.min),
      overBudget: a.over,
    }))
    .sort(
      (x, y) =>
        y.totalNs - x.totalNs || x.module.localeCompare(y.module) || x.function.localeCompare(y.function),
    );
  const byModule = new Map<string, { module: string; count: number; totalNs: number; maxNs: number }>();
  for (const a of accums.values()) {
    const m = byModule.get(a.module) ?? { module: a.module, count: 0, totalNs: 0, maxNs: 0 };
    m.count += a.count;
    m.totalNs += a.total;
    m.maxNs = Math.max(m.maxNs, a.max);
    byModule.set(a.module, m);
  }
  const dpcIsrByModule = [...byModule.values()]
    .map((m) => ({ module: m.module, count: m.count, totalNs: ns(m.totalNs), maxNs: ns(m.maxNs) }))
    .sort((x, y) => y.totalNs - x.totalNs);

  const truth: ScenarioTruth = {
    scenario: spec.name,
    seed,
    cpuCount,
    pointerSize: P,
    compressed: options.compress ?? false,
    build: spec.build ?? 19041,
    clock: { frequency, headerTicks, originTicks: origin, endTicks: end },
    durationNs: ns(durationTicks),
    file: {
      bytes: stats.bytes,
      buffers: stats.buffers,
      compressedBuffers: stats.compressedBuffers,
      events: stats.events,
      eventsLost: options.eventsLost ?? 0,
    },
    dpcIsr: rows,
    dpcIsrByModule,
    cpus,
    dpcIsrSamplesByModule: Object.fromEntries(Object.entries(sampleModules).sort()),
    profileIntervalNs: PROFILE_INTERVAL_100NS * 100,
    eventCounts: namedEventCounts(w),
    rawEventCounts: rawEventCounts(w),
    images: images.map((im) => ({
      file: im.spec.file,
      base: `0x${(im.reloadBase !== undefined ? firstBase.get(im)! : im.base).toString(16)}`,
      size: im.size,
      ...(im.reloadBase !== undefined
        ? { reloadBase: `0x${im.reloadBase.toString(16)}`, reloadAtSeconds: im.spec.reloadAtSeconds }
        : {}),
      ...(im.spec.pdb !== undefined ? { pdb: im.spec.pdb, guid: im.guid, age: im.age } : {}),
    })),
    userImages: userDlls.map((im) => ({
      file: im.spec.file,
      base: `0x${im.base.toString(16)}`,
      size: im.size,
      ...(im.spec.pdb !== undefined ? { pdb: im.spec.pdb, guid: im.guid, age: im.age } : {}),
    })),
    processes: processes.length + 1,
    threads: threads.length + cpuCount,
    stacks: stackModel.truth((pid) => {
      if (pid === 0) return 'Idle (0)';
      const p = processes.find((q) => q.pid === pid);
      return `${p?.name ?? 'Unknown'} (${pid})`;
    }, ticksToNs),
  };

  let symbolFiles: string[] = [];
  if (options.path !== undefined && options.writeSymbols !== false) {
    symbolFiles = writeSymbolFiles(`${options.path}.symbols`, laidOut);
  }
  const store =
    options.pdbStore ??
    (options.path !== undefined && options.writeSymbols !== false ? `${options.path}.symbols` : undefined);
  if (store !== undefined) symbolFiles.push(...writePdbStore(store, laidOut));
  return { truth, bytes, images, layout: [...laidOut, ...userImages.values()], symbolFiles };
}

/** GUID_DEVCLASS_PROCESSOR and GUID_DEVCLASS_SYSTEM (a non-processor device the reader must skip). */
const PROCESSOR_CLASS_GUID = '50127dc3-0f36-415e-a6cc-4cb3be910b65';
const SYSTEM_CLASS_GUID = '4d36e97d-e325-11ce-bfc1-08002be10318';

function writeSystemConfig(
  w: EtlWriter,
  ts: number,
  cpuCount: number,
  c: NonNullable<SimulationOptions['systemConfig']>,
): void {
  writeSystemConfigCpu(w, 0, ts, {
    mhz: c.mhz,
    numberOfProcessors: cpuCount,
    memSizeMb: c.memSizeMb ?? 32768,
    computerName: 'ETLSCOPE-TEST',
    domainName: 'example.invalid',
    architecture: c.architecture,
    level: c.level,
    revision: c.revision,
  });
  writeSystemConfigPnp(w, 0, ts, {
    classGuid: SYSTEM_CLASS_GUID,
    deviceId: 'ACPI\\PNP0C04\\4&30998706&0',
    description: 'Numeric data processor',
    friendlyName: '',
    pdoName: '\\Device\\00000020',
    serviceName: '',
  });
  if (c.processorName === undefined) return;
  for (let cpu = 0; cpu < cpuCount; cpu++)
    writeSystemConfigPnp(w, 0, ts, {
      classGuid: PROCESSOR_CLASS_GUID,
      deviceId: `ACPI\\${c.processorName.toUpperCase().replace(/ /g, '_')}\\_${cpu}`,
      description: 'Processor',
      friendlyName: c.processorName,
      pdoName: `\\Device\\${(0x13 + cpu).toString(16).padStart(8, '0')}`,
      serviceName: 'intelppm',
    });
}
