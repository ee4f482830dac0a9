// The stack model of the scenarios: which call path a sample or a DPC/ISR event was taken on,
// the frame addresses that path has in the trace's images, how the stack is logged (StackWalk
// 0x1820, or Windows 8+ stack keys 0x1825/0x1826 with 0x1823 KeyDelete / 0x1824 KeyRundown
// definitions from a small per-CPU cache), and the truth a stack view must show.
//
//   StackSpec paths ('module!function', root → leaf) + dispatch chains (KiIdleLoop → KiRetireDpcList
//   → KiExecuteAllDpcs → routine, …) ──> templates (a kernel part and/or a user part, built once)
//   sample / DPC event ──> template + ipIndex (0..7: which instruction of the leaf holds the IP)
//      ──> frame addresses, innermost first: the IP in the leaf, then return addresses in each
//          caller (real call sites of built images; hashed offsets inside the synthetic ones)
//      ──> StackWalk or key reference (kernel part now, user part deferred on the same CPU)
//      ──> truth counters keyed by template and ipIndex, turned into 'module!function' frame
//          lists (root → leaf, user part before kernel part) only at the end
//
// Everything random here comes from the stack Rng, never from the simulator's main Rng, so stack
// options never move a DPC, a context switch or an idle transition.

import type { EtlWriter } from './etl-writer.js';
import type { DpcKind } from './kernel-events.js';
import { writeStackKeyDefinition, writeStackKeyReference, writeStackWalk } from './kernel-events.js';
import type { Rng } from './random.js';
import type { CallPath, FunctionCode, LaidOutImage, StackSpec } from './simulate.js';

/** Which instruction of a leaf function a sample's IP is (0..IP_CHOICES−1). */
export const IP_CHOICES = 8;
/** Default share of DPC/ISR events that get a StackWalk of their own. */
const DEFAULT_DPC_EVENT_STACK_PROBABILITY = 0.01;
/** Deep stacks (`deepStacks`): recursion depth added to user paths, as in a recursive parser. */
const DEEP_USER_RECURSION = 24;
/** Deep stacks: a cached-read page-fault chain added to system-call kernel paths. */
const DEEP_KERNEL_CHAIN = [
  'IopSynchronousServiceTail',
  'IofCallDriver',
  'FsRtlCopyRead',
  'CcCopyReadEx',
  'CcMapAndCopyFromCache',
  'KiPageFault',
  'MmAccessFault',
  'MiIssueHardFault',
  'MiPageRead',
  'IoPageReadEx',
  'IofCallDriver',
];
/** Stack-key cache entries per CPU (the real perfview trace ends with ≈ 127 live keys per CPU). */
export const DEFAULT_STACK_KEY_CACHE = 128;
/** Reloaded images one stack may cross (their reload epochs are 3 bits of the stack-key content id). */
const MAX_RELOADING_IMAGES_PER_STACK = 3;
/** Largest cache we allow: keys are laid out 0x140 apart in a per-CPU window. */
const MAX_STACK_KEY_CACHE = 4096;
/** Deferred user stack walks are logged this long after their sample (the thread returning to user mode). */
const USER_WALK_DELAY_US = [5, 60] as const;

/** The kernel's DPC/ISR dispatch frames (ntoskrnl), root → leaf, before the routine. */
const DISPATCH = {
  dpcIdle: ['KiIdleLoop', 'KiRetireDpcList', 'KiExecuteAllDpcs'],
  dpcThread: ['KiDpcInterrupt', 'KiDispatchInterrupt', 'KiRetireDpcList', 'KiExecuteAllDpcs'],
  timerIdle: ['KiIdleLoop', 'KiRetireDpcList', 'KiProcessExpiredTimerList'],
  timerThread: ['KiDpcInterrupt', 'KiDispatchInterrupt', 'KiRetireDpcList', 'KiProcessExpiredTimerList'],
  threaded: ['KiStartSystemThread', 'PspSystemThreadStartup', 'KiExecuteDpc', 'KiExecuteAllDpcs'],
  isrIdle: [
    'KiIdleLoop',
    'PoIdle',
    'PpmIdleExecuteTransition',
    'KiInterruptDispatchNoLockNoEtw',
    'KiCallInterruptServiceRoutine',
  ],
  isrThread: ['KiInterruptDispatchNoLockNoEtw', 'KiCallInterruptServiceRoutine'],
  isrNested: ['KiInterruptDispatchNoLockNoEtw', 'KiCallInterruptServiceRoutine'],
  idle: ['KiIdleLoop', 'PoIdle', 'PpmIdleExecuteTransition'],
} as const;

/** Every ntoskrnl function the stack model can name (scenario kernels must define them all). */
export const KERNEL_STACK_FUNCTIONS: readonly string[] = [
  ...new Set([...Object.values(DISPATCH).flat(), ...DEEP_KERNEL_CHAIN, 'KiSystemServiceCopyEnd']),
];

/** Paths used when a scenario's StackSpec does not give its own. */
export const DEFAULT_STACKS: Required<Pick<StackSpec, 'userMode' | 'systemCalls' | 'systemThreads'>> = {
  userMode: [
    {
      weight: 5,
      frames: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!WorkLoop',
        '<exe>!Compute',
      ],
    },
    {
      weight: 3,
      frames: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!WorkLoop',
        '<exe>!ProcessItem',
      ],
    },
    {
      weight: 2,
      frames: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!ProcessItem',
        'ntdll.dll!RtlAllocateHeap',
        'ntdll.dll!RtlpAllocateHeapInternal',
      ],
    },
    {
      weight: 1,
      frames: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!WorkLoop',
        'ntdll.dll!RtlEnterCriticalSection',
      ],
    },
  ],
  systemCalls: [
    {
      weight: 4,
      user: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!WorkLoop',
        'KERNELBASE.dll!ReadFile',
        'ntdll.dll!NtReadFile',
      ],
      kernel: [
        'ntoskrnl.exe!KiSystemServiceCopyEnd',
        'ntoskrnl.exe!NtReadFile',
        'ntoskrnl.exe!RtlCopyMemory',
      ],
    },
    {
      weight: 3,
      user: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!ProcessItem',
        'KERNELBASE.dll!WriteFile',
        'ntdll.dll!NtWriteFile',
      ],
      kernel: [
        'ntoskrnl.exe!KiSystemServiceCopyEnd',
        'ntoskrnl.exe!NtWriteFile',
        'ntoskrnl.exe!ExAllocatePoolWithTag',
      ],
    },
    {
      weight: 2,
      user: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        '<exe>!WorkLoop',
        'KERNELBASE.dll!DeviceIoControl',
        'ntdll.dll!NtDeviceIoControlFile',
      ],
      kernel: [
        'ntoskrnl.exe!KiSystemServiceCopyEnd',
        'ntoskrnl.exe!NtDeviceIoControlFile',
        'ntoskrnl.exe!IofCallDriver',
      ],
    },
    {
      weight: 1,
      user: [
        'ntdll.dll!RtlUserThreadStart',
        'KERNEL32.DLL!BaseThreadInitThunk',
        '<exe>!ThreadProc',
        'KERNELBASE.dll!WaitForSingleObjectEx',
        'ntdll.dll!NtWaitForSingleObject',
      ],
      kernel: [
        'ntoskrnl.exe!KiSystemServiceCopyEnd',
        'ntoskrnl.exe!NtWaitForSingleObject',
        'ntoskrnl.exe!KeWaitForSingleObject',
        'ntoskrnl.exe!KiSwapContext',
      ],
    },
  ],
  systemThreads: [
    {
      weight: 3,
      frames: [
        'ntoskrnl.exe!KiStartSystemThread',
        'ntoskrnl.exe!PspSystemThreadStartup',
        'ntoskrnl.exe!ExpWorkerThread',
        'ntoskrnl.exe!RtlCopyMemory',
      ],
    },
    {
      weight: 2,
      frames: [
        'ntoskrnl.exe!KiStartSystemThread',
        'ntoskrnl.exe!PspSystemThreadStartup',
        'ntoskrnl.exe!ExpWorkerThread',
        'ntoskrnl.exe!ExAllocatePoolWithTag',
      ],
    },
    {
      weight: 1,
      frames: [
        'ntoskrnl.exe!KiStartSystemThread',
        'ntoskrnl.exe!PspSystemThreadStartup',
        'ntoskrnl.exe!ExpWorkerThread',
        'ntoskrnl.exe!MmAccessFault',
      ],
    },
  ],
};

/** Functions every process image gets (the `<exe>` frames; images without symbols show module+0x…). */
export const EXE_FUNCTIONS: readonly string[] = [
  'wmain',
  'ThreadProc',
  'WorkLoop',
  'ProcessItem',
  'Compute',
  'Recurse',
];

function deepenUser(frames: readonly string[]): string[] {
  const at = frames.findIndex((f) => f.startsWith('<exe>!'));
  if (at < 0) return [...frames];
  return [
    ...frames.slice(0, at + 1),
    ...Array<string>(DEEP_USER_RECURSION).fill('<exe>!Recurse'),
    ...frames.slice(at + 1),
  ];
}

function deepenKernel(frames: readonly string[]): string[] {
  if (frames.length < 2) return [...frames];
  return [frames[0], frames[1], ...DEEP_KERNEL_CHAIN.map((f) => `ntoskrnl.exe!${f}`), ...frames.slice(2)];
}

const split = (ref: string): [string, string] => {
  const bang = ref.indexOf('!');
  if (bang <= 0) throw new Error(`stack frame ${ref}: expected module!function`);
  return [ref.slice(0, bang), ref.slice(bang + 1)];
};

/** Every caller → callee pair the stack model can produce for a scenario ('<exe>' frames left out). */
export function stackCallEdges(stacks: StackSpec | undefined): { caller: string; callee: string }[] {
  const paths: string[][] = [];
  const nt = (f: string): string => `ntoskrnl.exe!${f}`;
  for (const chain of Object.values(DISPATCH)) paths.push(chain.map(nt));
  for (const list of Object.values(stacks?.routines ?? {})) for (const p of list) paths.push([...p.frames]);
  const userMode = stacks?.userMode ?? DEFAULT_STACKS.userMode;
  const systemCalls = stacks?.systemCalls ?? DEFAULT_STACKS.systemCalls;
  const systemThreads = stacks?.systemThreads ?? DEFAULT_STACKS.systemThreads;
  for (const p of userMode) paths.push([...p.frames], deepenUser(p.frames));
  for (const p of systemCalls)
    paths.push([...p.user], deepenUser(p.user), [...p.kernel], deepenKernel(p.kernel));
  for (const p of systemThreads) paths.push([...p.frames]);
  // A routine's own frame sits under the dispatch chain's last frame.
  for (const key of Object.keys(stacks?.routines ?? {})) {
    paths.push(
      [nt('KiExecuteAllDpcs'), key],
      [nt('KiProcessExpiredTimerList'), key],
      [nt('KiCallInterruptServiceRoutine'), key],
    );
  }
  const seen = new Set<string>();
  const out: { caller: string; callee: string }[] = [];
  for (const p of paths)
    for (let i = 0; i + 1 < p.length; i++) {
      if (p[i].startsWith('<exe>!') || p[i + 1].startsWith('<exe>!')) continue;
      const k = `${p[i]}>${p[i + 1]}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ caller: p[i], callee: p[i + 1] });
    }
  return out;
}

// ---------------------------------------------------------------------------------------------

interface FrameRef {
  image: LaidOutImage;
  fn: string;
  code: FunctionCode;
}

/** One logged stack: frames root → leaf; `leafIsIp` when its innermost frame holds the sampled IP. */
interface Part {
  id: number;
  frames: FrameRef[];
  leafIsIp: boolean;
  user: boolean;
  /** Images of this part that are reloaded during the trace (their frames move). */
  reloading: LaidOutImage[];
}

/** A sample's stack: its parts and the one holding the IP. */
export interface StackTemplate {
  id: number;
  kernel: Part | undefined;
  user: Part | undefined;
  ipPart: Part;
}

/** The return address (RVA) in `caller` for a call to `callee` (null: out of the image, a syscall or an interrupt). */
function returnRva(caller: FunctionCode, callee: string | null): number {
  if (callee !== null) {
    const direct = caller.direct.get(callee);
    if (direct !== undefined) return direct;
  }
  if (caller.synthetic && callee !== null) {
    let h = 0x811c9dc5;
    for (let i = 0; i < callee.length; i++) h = Math.imul(h ^ callee.charCodeAt(i), 0x01000193) >>> 0;
    return caller.rva + 8 + ((h % Math.max(1, caller.size - 16)) & ~1);
  }
  return caller.indirect;
}

export interface StackModelOptions {
  stacks: StackSpec | undefined;
  pointerSize: 4 | 8;
  /** File name (lower case) → laid-out image, kernel images and user DLLs. */
  imageByFile: Map<string, LaidOutImage>;
  /** Base of an image at a time (a reloaded driver moves). */
  baseAt: (image: LaidOutImage, ticks: number) => bigint;
  /** Reload time of an image in ticks (Infinity when it never reloads). */
  reloadTicks: (image: LaidOutImage) => number;
  /** Draws which path a sample or event is on. */
  rng: Rng;
  /** Draws how stacks are logged (which DPC events get one, user-walk delays): a separate stream, so
   *  logging options never change which path a sample is on. */
  logRng: Rng;
  frequency: number;
  /** Default share of samples with a stack (ScenarioSpec.stackProbability). */
  sampleProbability: number;
  everySample: boolean;
  deep: boolean;
  /** Log stacks as keys (0x1825/0x1826 + 0x1823/0x1824) with this cache size per CPU; undefined = StackWalk. */
  keyCacheSize: number | undefined;
  cpuCount: number;
}

interface KeyEntry {
  key: bigint;
  frames: bigint[];
}

/** A per-CPU stack-key cache: content → key, least recently used entry evicted (KeyDelete). */
class KeyCache {
  readonly entries = new Map<number, KeyEntry>();
  private slots = 0;
  constructor(
    private readonly cpu: number,
    private readonly capacity: number,
    private readonly pointerSize: 4 | 8,
  ) {}

  private newKey(): bigint {
    const slot = BigInt(this.slots++);
    return this.pointerSize === 8
      ? 0xfffffa8303400010n + BigInt(this.cpu) * 0x200000n + slot * 0x140n
      : 0x86a00010n + BigInt(this.cpu) * 0x100000n + slot * 0x40n;
  }

  /** The key for `content`; on a miss the evicted entry is handed to `evicted` before reuse. */
  keyFor(content: number, frames: () => bigint[], evicted: (e: KeyEntry) => void): bigint {
    const hit = this.entries.get(content);
    if (hit !== undefined) {
      this.entries.delete(content);
      this.entries.set(content, hit);
      return hit.key;
    }
    let key: bigint;
    if (this.entries.size >= this.capacity) {
      const [oldest, entry] = this.entries.entries().next().value as [number, KeyEntry];
      this.entries.delete(oldest);
      evicted(entry);
      key = entry.key;
    } else {
      key = this.newKey();
    }
    this.entries.set(content, { key, frames: frames() });
    return key;
  }
}

interface PathCount {
  /** Samples by template id × IP_CHOICES + ipIndex (dense: templates are numbered from 0). */
  counts: number[];
  /** Samples without a stack. */
  unstacked: number;
}

/** A PathCount as key → samples (−1: no stack). */
function countsOf(c: PathCount): Map<number, number> {
  const m = new Map<number, number>();
  if (c.unstacked > 0) m.set(-1, c.unstacked);
  c.counts.forEach((n, k) => {
    if (n > 0) m.set(k, n);
  });
  return m;
}

export interface StackPathTruth {
  /** 'module!function' (or 'module+0x<rva>' without symbols), root → leaf; [] = no stack logged. */
  frames: string[];
  samples: number;
}

export interface StackTruth {
  /** How stacks were logged: StackWalk events, or stack keys. */
  format: 'stackwalk' | 'keys';
  /** DPC/ISR-flagged samples by module of the sampled address, with their joined stacks. */
  dpcIsrByModule: Record<string, { samples: number; paths: StackPathTruth[] }>;
  /** Every sample by process ('name (pid)'; 'Idle (0)' for idle samples), with their joined stacks. */
  cpuByProcess: Record<string, { samples: number; paths: StackPathTruth[] }>;
  /** DPC/ISR events that got a stack of their own, per (module, function, type) and stack. */
  dpcIsrEvents: {
    module: string;
    function: string;
    type: DpcKind;
    events: number;
    paths: { frames: string[]; events: number; totalNs: number }[];
  }[];
}

interface RoutineLike {
  module: string;
  fn: string;
  kind: DpcKind;
  /** Spec function name inside its module (fn may be a module+0x label). */
  specFn: string;
}

export class StackModel {
  readonly probabilities: { dpcIsrSamples: number; threadSamples: number; dpcEvents: number };
  private readonly parts: Part[] = [];
  private readonly templates: StackTemplate[] = [];
  private readonly cache = new Map<string, StackTemplate[] | StackTemplate | Part>();
  private readonly weights = new WeakMap<object, number[]>();
  private readonly slots = new WeakMap<object, Map<object | null, StackTemplate[]>>();
  private readonly routinePaths = new WeakMap<object, readonly CallPath[]>();
  private readonly frameCache = new Map<number, bigint[]>();
  private readonly keyCaches: KeyCache[] | undefined;
  private readonly byModule = new Map<string, PathCount>();
  private readonly byProcess = new Map<number, PathCount>();
  private readonly events = new Map<
    string,
    { r: RoutineLike; paths: Map<number, { events: number; ticks: number }> }
  >();

  constructor(private readonly o: StackModelOptions) {
    const s = o.stacks;
    const sampleP = o.everySample ? 1 : undefined;
    this.probabilities = {
      dpcIsrSamples: sampleP ?? s?.dpcIsrSampleProbability ?? o.sampleProbability,
      threadSamples: sampleP ?? s?.threadSampleProbability ?? o.sampleProbability,
      dpcEvents: s?.dpcEventProbability ?? DEFAULT_DPC_EVENT_STACK_PROBABILITY,
    };
    this.validate();
    if (o.keyCacheSize !== undefined) {
      if (!(Number.isInteger(o.keyCacheSize) && o.keyCacheSize >= 1 && o.keyCacheSize <= MAX_STACK_KEY_CACHE))
        throw new Error(`stack key cache size must be 1..${MAX_STACK_KEY_CACHE}, got ${o.keyCacheSize}`);
      this.keyCaches = Array.from(
        { length: o.cpuCount },
        (_, cpu) => new KeyCache(cpu, o.keyCacheSize!, o.pointerSize),
      );
    }
  }

  /** Checks every path of the StackSpec up front (a path may otherwise only be met deep into a trace). */
  private validate(): void {
    const s = this.o.stacks;
    const checkFrames = (what: string, frames: readonly string[]): void => {
      if (frames.length === 0) throw new Error(`stack paths ${what}: a path needs at least one frame`);
      for (const ref of frames) {
        const [module, fn] = split(ref);
        if (module === '<exe>') {
          if (!EXE_FUNCTIONS.includes(fn))
            throw new Error(`stack frame ${ref}: process images have no function ${fn}`);
          continue;
        }
        const image = this.o.imageByFile.get(module.toLowerCase());
        if (image === undefined) throw new Error(`stack frame ${ref}: no such image in this scenario`);
        if (!image.code.has(fn))
          throw new Error(`stack frame ${ref}: ${image.spec.file} has no function ${fn}`);
      }
    };
    const checkWeights = (what: string, list: readonly { weight: number }[]): void => {
      if (list.length === 0 || list.some((p) => !(p.weight >= 0)) || list.every((p) => p.weight === 0))
        throw new Error(`stack paths ${what}: weights must be ≥ 0 and not all 0`);
    };
    for (const [key, paths] of Object.entries(s?.routines ?? {})) {
      checkWeights(key, paths);
      for (const p of paths) {
        if (p.frames[0] !== key)
          throw new Error(`stack paths of ${key} must start with the routine itself, not ${p.frames[0]}`);
        checkFrames(key, p.frames);
      }
    }
    for (const [what, list] of [
      ['userMode', s?.userMode],
      ['systemThreads', s?.systemThreads],
    ] as const) {
      if (list === undefined) continue;
      checkWeights(what, list);
      for (const p of list) checkFrames(what, p.frames);
    }
    if (s?.systemCalls !== undefined) {
      checkWeights('systemCalls', s.systemCalls);
      for (const p of s.systemCalls)
        (checkFrames('systemCalls', p.user), checkFrames('systemCalls', p.kernel));
    }
    for (const [k, v] of Object.entries({
      dpcIsrSampleProbability: s?.dpcIsrSampleProbability,
      threadSampleProbability: s?.threadSampleProbability,
      dpcEventProbability: s?.dpcEventProbability,
    }))
      if (v !== undefined && !(v >= 0 && v <= 1))
        throw new Error(`StackSpec.${k} must be in [0, 1], got ${v}`);
  }

  get format(): 'stackwalk' | 'keys' {
    return this.keyCaches === undefined ? 'stackwalk' : 'keys';
  }

  // ---- templates

  private frame(ref: string, exe: LaidOutImage | undefined): FrameRef {
    const [module, fn] = split(ref);
    const image = module === '<exe>' ? exe : this.o.imageByFile.get(module.toLowerCase());
    if (image === undefined) throw new Error(`stack frame ${ref}: no such image in this scenario`);
    const code = image.code.get(fn);
    if (code === undefined) throw new Error(`stack frame ${ref}: ${image.spec.file} has no function ${fn}`);
    return { image, fn, code };
  }

  private part(
    refs: readonly string[],
    exe: LaidOutImage | undefined,
    leafIsIp: boolean,
    user: boolean,
  ): Part {
    const key = `part|${leafIsIp}|${user}|${exe?.spec.file ?? ''}|${refs.join(',')}`;
    const hit = this.cache.get(key) as Part | undefined;
    if (hit !== undefined) return hit;
    if (refs.length === 0) throw new Error('a stack part needs at least one frame');
    const frames = refs.map((r) => this.frame(r, exe));
    const reloading = [...new Set(frames.map((f) => f.image))].filter((im) =>
      Number.isFinite(this.o.reloadTicks(im)),
    );
    if (reloading.length > MAX_RELOADING_IMAGES_PER_STACK)
      throw new Error(
        `stack ${refs.join(' → ')}: more than ${MAX_RELOADING_IMAGES_PER_STACK} reloaded images`,
      );
    const p: Part = { id: this.parts.length, frames, leafIsIp, user, reloading };
    this.parts.push(p);
    this.cache.set(key, p);
    return p;
  }

  private template(key: string, make: () => Omit<StackTemplate, 'id'>): StackTemplate {
    const hit = this.cache.get(key) as StackTemplate | undefined;
    if (hit !== undefined) return hit;
    const t: StackTemplate = { id: this.templates.length, ...make() };
    this.templates.push(t);
    this.cache.set(key, t);
    return t;
  }

  private choose<T extends { weight: number }>(what: string, list: readonly T[]): number {
    let w = this.weights.get(list);
    if (w === undefined) {
      w = list.map((p) => p.weight);
      if (w.length === 0 || w.some((x) => !(x >= 0)) || w.every((x) => x === 0))
        throw new Error(`stack paths ${what}: weights must be ≥ 0 and not all 0`);
      this.weights.set(list, w);
    }
    return list.length === 1 ? 0 : this.o.rng.weighted(w);
  }

  /**
   * Templates by owner object (a routine or a process image), context and path choice, so a sample
   * builds no key string and no closure: the list to read (and fill on a miss) and the index in it.
   */
  private slotList(owner: object, context: object | null): StackTemplate[] {
    let byContext = this.slots.get(owner);
    if (byContext === undefined) this.slots.set(owner, (byContext = new Map()));
    let list = byContext.get(context);
    if (list === undefined) byContext.set(context, (list = []));
    return list;
  }

  private dispatchPrefix(kind: DpcKind, idle: boolean, nestedIn: RoutineLike | undefined): string[] {
    const nt = (f: string): string => `ntoskrnl.exe!${f}`;
    if (nestedIn !== undefined)
      return [
        ...this.dispatchPrefix(nestedIn.kind, idle, undefined),
        `${nestedIn.module}!${nestedIn.specFn}`,
        ...DISPATCH.isrNested.map(nt),
      ];
    const chain =
      kind === 'ISR' || kind === 'ISR-MSI'
        ? idle
          ? DISPATCH.isrIdle
          : DISPATCH.isrThread
        : kind === 'ThreadedDPC'
          ? DISPATCH.threaded
          : kind === 'TimerDPC'
            ? idle
              ? DISPATCH.timerIdle
              : DISPATCH.timerThread
            : idle
              ? DISPATCH.dpcIdle
              : DISPATCH.dpcThread;
    return chain.map(nt);
  }

  /** A sample taken while `routine` ran (on an idle CPU or over a thread; inside `nestedIn` for a nested ISR). */
  interruptSample(routine: RoutineLike, idle: boolean, nestedIn: RoutineLike | undefined): StackTemplate {
    let paths = this.routinePaths.get(routine);
    if (paths === undefined) {
      const routineKey = `${routine.module}!${routine.specFn}`;
      paths = this.o.stacks?.routines?.[routineKey] ?? [{ weight: 1, frames: [routineKey] }];
      this.routinePaths.set(routine, paths);
    }
    const choice = this.choose(routine.specFn, paths);
    const list = this.slotList(routine, nestedIn ?? null);
    const k = choice * 2 + (idle ? 1 : 0);
    return list[k] ?? (list[k] = this.interruptTemplate(routine, idle, nestedIn, paths, choice));
  }

  private interruptTemplate(
    routine: RoutineLike,
    idle: boolean,
    nestedIn: RoutineLike | undefined,
    paths: readonly CallPath[],
    choice: number,
  ): StackTemplate {
    const routineKey = `${routine.module}!${routine.specFn}`;
    const key = `int|${routineKey}|${routine.kind}|${idle}|${nestedIn === undefined ? '' : `${nestedIn.module}!${nestedIn.specFn}!${nestedIn.kind}`}|${choice}`;
    return this.template(key, () => {
      const frames = paths[choice].frames;
      if (frames[0] !== routineKey)
        throw new Error(`stack paths of ${routineKey} must start with the routine itself, not ${frames[0]}`);
      const kernel = this.part(
        [...this.dispatchPrefix(routine.kind, idle, nestedIn), ...frames],
        undefined,
        true,
        false,
      );
      return { kernel, user: undefined, ipPart: kernel };
    });
  }

  /** The stack logged with a DPC/ISR event: the dispatch frames it returned to (leaf: the dispatcher). */
  private eventTemplate(
    routine: RoutineLike,
    idle: boolean,
    nestedIn: RoutineLike | undefined,
  ): StackTemplate {
    const key = `event|${routine.kind}|${idle}|${nestedIn === undefined ? '' : `${nestedIn.module}!${nestedIn.specFn}!${nestedIn.kind}`}`;
    return this.template(key, () => {
      const kernel = this.part(this.dispatchPrefix(routine.kind, idle, nestedIn), undefined, true, false);
      return { kernel, user: undefined, ipPart: kernel };
    });
  }

  idleSample(): StackTemplate {
    return this.template('idle', () => {
      const kernel = this.part(
        DISPATCH.idle.map((f) => `ntoskrnl.exe!${f}`),
        undefined,
        true,
        false,
      );
      return { kernel, user: undefined, ipPart: kernel };
    });
  }

  systemThreadSample(): StackTemplate {
    const paths = this.o.stacks?.systemThreads ?? DEFAULT_STACKS.systemThreads;
    const choice = this.choose('systemThreads', paths);
    return this.template(`system|${choice}`, () => {
      const kernel = this.part(paths[choice].frames, undefined, true, false);
      return { kernel, user: undefined, ipPart: kernel };
    });
  }

  userModeSample(exe: LaidOutImage): StackTemplate {
    const paths = this.o.stacks?.userMode ?? DEFAULT_STACKS.userMode;
    const choice = this.choose('userMode', paths);
    const list = this.slotList(exe, null);
    const k = choice * 2;
    return list[k] ?? (list[k] = this.userModeTemplate(exe, paths, choice));
  }

  private userModeTemplate(exe: LaidOutImage, paths: readonly CallPath[], choice: number): StackTemplate {
    return this.template(`user|${exe.spec.file}|${choice}`, () => {
      const frames = this.o.deep ? deepenUser(paths[choice].frames) : paths[choice].frames;
      const user = this.part(frames, exe, true, true);
      return { kernel: undefined, user, ipPart: user };
    });
  }

  systemCallSample(exe: LaidOutImage): StackTemplate {
    const paths = this.o.stacks?.systemCalls ?? DEFAULT_STACKS.systemCalls;
    const choice = this.choose('systemCalls', paths);
    const list = this.slotList(exe, null);
    const k = choice * 2 + 1;
    return list[k] ?? (list[k] = this.systemCallTemplate(exe, paths, choice));
  }

  private systemCallTemplate(
    exe: LaidOutImage,
    paths: NonNullable<StackSpec['systemCalls']>,
    choice: number,
  ): StackTemplate {
    return this.template(`syscall|${exe.spec.file}|${choice}`, () => {
      const p = paths[choice];
      const user = this.part(this.o.deep ? deepenUser(p.user) : p.user, exe, false, true);
      const kernel = this.part(this.o.deep ? deepenKernel(p.kernel) : p.kernel, undefined, true, false);
      return { kernel, user, ipPart: kernel };
    });
  }

  // ---- addresses

  private epochMask(part: Part, ticks: number): number {
    let mask = 0;
    part.reloading.forEach((im, k) => {
      if (ticks >= this.o.reloadTicks(im)) mask |= 1 << k;
    });
    return mask;
  }

  /** Frame addresses of a part at a time, innermost first (memoized per content). */
  private addresses(part: Part, ipIndex: number, ticks: number): { content: number; frames: bigint[] } {
    const epoch = part.reloading.length === 0 ? 0 : this.epochMask(part, ticks);
    const ip = part.leafIsIp ? ipIndex : 0;
    const content = (part.id * IP_CHOICES + ip) * 8 + epoch;
    let frames = this.frameCache.get(content);
    if (frames === undefined) {
      const rvas = this.frameRvas(part, ip);
      frames = rvas.map(
        (rva, k) => this.o.baseAt(part.frames[part.frames.length - 1 - k].image, ticks) + BigInt(rva),
      );
      this.frameCache.set(content, frames);
    }
    return { content, frames };
  }

  /** RVAs of a part's frames, innermost first. */
  private frameRvas(part: Part, ipIndex: number): number[] {
    const f = part.frames;
    const out: number[] = [];
    const leaf = f[f.length - 1];
    out.push(part.leafIsIp ? leaf.code.ips[ipIndex % leaf.code.ips.length] : returnRva(leaf.code, null));
    for (let i = f.length - 2; i >= 0; i--)
      out.push(returnRva(f[i].code, f[i].image === f[i + 1].image ? f[i + 1].fn : null));
    return out;
  }

  /** The sampled instruction pointer of a template at a time. */
  ipAddress(t: StackTemplate, ipIndex: number, ticks: number): bigint {
    const part = t.ipPart;
    const leaf = part.frames[part.frames.length - 1];
    return this.o.baseAt(leaf.image, ticks) + BigInt(leaf.code.ips[ipIndex % leaf.code.ips.length]);
  }

  /** Module (file name) of the sampled address. */
  leafModule(t: StackTemplate): string {
    return t.ipPart.frames[t.ipPart.frames.length - 1].image.spec.file;
  }

  // ---- writing

  private writePart(
    w: EtlWriter,
    cpu: number,
    ts: number,
    eventTs: number,
    pid: number,
    tid: number,
    part: Part,
    ipIndex: number,
  ): void {
    const { content, frames } = this.addresses(part, ipIndex, eventTs);
    const caches = this.keyCaches;
    if (caches === undefined) {
      writeStackWalk(w, cpu, ts, eventTs, pid, tid, frames);
      return;
    }
    const key = caches[cpu].keyFor(
      content,
      () => frames,
      (evicted) => writeStackKeyDefinition(w, cpu, ts, 'Delete', evicted.key, evicted.frames),
    );
    writeStackKeyReference(w, cpu, ts, part.user, eventTs, pid, tid, key);
  }

  /** The kernel part of a sample's stack, logged right after the sample (same time, same CPU). */
  writeKernelPart(
    w: EtlWriter,
    cpu: number,
    ts: number,
    pid: number,
    tid: number,
    t: StackTemplate,
    ipIndex: number,
  ): void {
    if (t.kernel !== undefined) this.writePart(w, cpu, ts, ts, pid, tid, t.kernel, ipIndex);
  }

  /** The user part, logged later (`ts` ≥ the sample's `eventTs`) on the sample's CPU. */
  writeUserPart(
    w: EtlWriter,
    cpu: number,
    ts: number,
    eventTs: number,
    pid: number,
    tid: number,
    t: StackTemplate,
    ipIndex: number,
  ): void {
    if (t.user !== undefined) this.writePart(w, cpu, ts, eventTs, pid, tid, t.user, ipIndex);
  }

  /** Delay of a deferred user stack walk, in ticks. */
  userWalkDelay(): number {
    const us = USER_WALK_DELAY_US[0] + (USER_WALK_DELAY_US[1] - USER_WALK_DELAY_US[0]) * this.o.logRng.next();
    return Math.max(1, Math.round((us * this.o.frequency) / 1e6));
  }

  /** Maybe logs a stack for a DPC/ISR event just written at `ts` (its timestamp) on `cpu`. */
  dpcEvent(
    w: EtlWriter,
    cpu: number,
    ts: number,
    routine: RoutineLike,
    idle: boolean,
    nestedIn: RoutineLike | undefined,
    pid: number,
    tid: number,
    durationTicks: number,
  ): void {
    if (!(this.o.logRng.next() < this.probabilities.dpcEvents)) return;
    const t = this.eventTemplate(routine, idle, nestedIn);
    const ipIndex = this.o.logRng.int(IP_CHOICES);
    this.writePart(w, cpu, ts, ts, pid, tid, t.kernel!, ipIndex);
    const key = `${routine.module}!${routine.fn}!${routine.kind}`;
    let e = this.events.get(key);
    if (e === undefined) {
      e = { r: routine, paths: new Map() };
      this.events.set(key, e);
    }
    const k = t.id * IP_CHOICES + ipIndex;
    const agg = e.paths.get(k) ?? { events: 0, ticks: 0 };
    agg.events++;
    agg.ticks += durationTicks;
    e.paths.set(k, agg);
  }

  /** At the end: KeyRundown (0x1824) for every live key, on its CPU at `end`. */
  finish(w: EtlWriter, end: number): void {
    this.keyCaches?.forEach((c, cpu) => {
      for (const e of c.entries.values()) writeStackKeyDefinition(w, cpu, end, 'Rundown', e.key, e.frames);
    });
  }

  // ---- truth

  /** Counts one sample (`t` undefined when it got no stack). `dpcModule`: its leaf module when DPC/ISR-flagged. */
  countSample(
    pid: number,
    dpcModule: string | undefined,
    t: StackTemplate | undefined,
    ipIndex: number,
  ): void {
    const k = t === undefined ? -1 : t.id * IP_CHOICES + ipIndex;
    let p = this.byProcess.get(pid);
    if (p === undefined) this.byProcess.set(pid, (p = { counts: [], unstacked: 0 }));
    if (k < 0) p.unstacked++;
    else p.counts[k] = (p.counts[k] ?? 0) + 1;
    if (dpcModule !== undefined) {
      let m = this.byModule.get(dpcModule);
      if (m === undefined) this.byModule.set(dpcModule, (m = { counts: [], unstacked: 0 }));
      if (k < 0) m.unstacked++;
      else m.counts[k] = (m.counts[k] ?? 0) + 1;
    }
  }

  private labels(part: Part, ipIndex: number): string[] {
    const rvas = this.frameRvas(part, ipIndex);
    const n = part.frames.length;
    return part.frames.map((f, i) =>
      f.image.spec.pdb === undefined
        ? `${f.image.spec.file}+0x${rvas[n - 1 - i].toString(16)}`
        : `${f.image.spec.file}!${f.fn}`,
    );
  }

  private joined(key: number): string[] {
    if (key < 0) return [];
    const t = this.templates[Math.floor(key / IP_CHOICES)];
    const ip = key % IP_CHOICES;
    return [
      ...(t.user !== undefined ? this.labels(t.user, ip) : []),
      ...(t.kernel !== undefined ? this.labels(t.kernel, ip) : []),
    ];
  }

  private paths(counts: Map<number, number>): StackPathTruth[] {
    const merged = new Map<string, StackPathTruth>();
    for (const [key, n] of counts) {
      const frames = this.joined(key);
      const id = frames.join('\n');
      const m = merged.get(id);
      if (m === undefined) merged.set(id, { frames, samples: n });
      else m.samples += n;
    }
    return sortPaths([...merged.values()]);
  }

  truth(processLabel: (pid: number) => string, ticksToNs: number): StackTruth {
    const total = (c: Map<number, number>): number => [...c.values()].reduce((a, b) => a + b, 0);
    const dpcIsrByModule: StackTruth['dpcIsrByModule'] = {};
    for (const [module, m] of [...this.byModule].sort((a, b) => a[0].localeCompare(b[0]))) {
      const counts = countsOf(m);
      dpcIsrByModule[module] = { samples: total(counts), paths: this.paths(counts) };
    }
    const cpuByProcess: StackTruth['cpuByProcess'] = {};
    for (const [pid, p] of [...this.byProcess].sort((a, b) => a[0] - b[0])) {
      const counts = countsOf(p);
      cpuByProcess[processLabel(pid)] = { samples: total(counts), paths: this.paths(counts) };
    }
    const dpcIsrEvents = [...this.events.values()]
      .map(({ r, paths }) => {
        const merged = new Map<string, { frames: string[]; events: number; ticks: number }>();
        for (const [key, agg] of paths) {
          const frames = this.joined(key);
          const id = frames.join('\n');
          const m = merged.get(id);
          if (m === undefined) merged.set(id, { frames, events: agg.events, ticks: agg.ticks });
          else {
            m.events += agg.events;
            m.ticks += agg.ticks;
          }
        }
        const list = [...merged.values()]
          .map((m) => ({ frames: m.frames, events: m.events, totalNs: Math.round(m.ticks * ticksToNs) }))
          .sort((a, b) => b.events - a.events || a.frames.join('\n').localeCompare(b.frames.join('\n')));
        return {
          module: r.module,
          function: r.fn,
          type: r.kind,
          events: list.reduce((a, p) => a + p.events, 0),
          paths: list,
        };
      })
      .sort(
        (a, b) =>
          a.module.localeCompare(b.module) ||
          a.function.localeCompare(b.function) ||
          a.type.localeCompare(b.type),
      );
    return { format: this.format, dpcIsrByModule, cpuByProcess, dpcIsrEvents };
  }
}

/** Paths by samples (descending), then by frames, so the truth is deterministic. */
export function sortPaths<T extends { frames: string[]; samples: number }>(paths: T[]): T[] {
  return paths.sort(
    (a, b) => b.samples - a.samples || a.frames.join('\n').localeCompare(b.frames.join('\n')),
  );
}
