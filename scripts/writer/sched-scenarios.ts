// Scheduling and power story scenarios (issue 11), written event by event with the low-level
// encoders rather than through the statistical simulator, so every number in their truth is
// exact (whole microseconds at a 10 MHz clock):
//
//   lockConvoy      one CPU-bound thread running whole quanta and three same-priority threads
//                   handing a lock to each other (ownership to the first waiter, FIFO run queue,
//                   ReadyThread on every hand-off) → per-thread switches/running/ready/waits
//   audioDelays     an audio thread readied from a DPC every 10 ms whose ready time is stretched
//                   by storport/volsnap DPCs and a same-priority svchost thread on its CPU → for
//                   each ready interval, which DPCs (by module) and threads delayed it by how much
//   deepIdleAmd24   a 24-CPU AMD machine where every CPU but CPU 0 enters C3 within 1 ms and stays
//                   there; Target states (Power IdleStateChange) and perf-state changes; with
//                   `circular` the header sits 8 h before the data, as in a CKCL dump
//
// Truth per thread follows WPA's CPU Usage (Precise) definitions: Ready = switch-in − ready time
// (ReadyThread since the last switch-out, or the switch-out itself when the thread was preempted),
// Waits = ready time − last switch-out; running time is clipped at the trace's last event.
// Nothing here imports the reader or the engine.

import { EtlWriter, type EtlWriterOptions } from './etl-writer.js';
import {
  writeCSwitch,
  writeDpc,
  writeIdleEnter,
  writeIdleExit,
  writeIdleStateChange,
  writeImage,
  writePerfStateChange,
  writeProcess,
  writeReadyThread,
  writeThread,
  writeThreadSetName,
} from './kernel-events.js';

/** Ticks per µs at the writer's default 10 MHz QPC. */
const TICKS_PER_US = 10;
/** KTHREAD_STATE values written as OldThreadState. */
const STATE_READY = 1;
const STATE_WAITING = 5;
/** KWAIT_REASON values written as OldThreadWaitReason. */
const WAIT_USER_REQUEST = 6;
const WAIT_WR_RESOURCE = 27;
const WAIT_WR_QUANTUM_END = 30;
/** ReadyThread Flags bit 0: the readying CPU was executing a DPC. */
const READY_FLAG_EXECUTING_DPC = 1;
/** LogFileMode EVENT_TRACE_FILE_MODE_CIRCULAR. */
const LOG_FILE_MODE_CIRCULAR = 0x2;

export interface ThreadSpec {
  readonly tid: number;
  readonly pid: number;
  readonly process: string;
  readonly name: string;
  readonly priority: number;
}

export interface ThreadTruth {
  readonly process: string;
  readonly processId: number;
  readonly threadId: number;
  readonly threadName: string;
  readonly switches: number;
  readonly runningNs: number;
  readonly readyNs: number;
  readonly waitingNs: number;
  readonly maxReadyNs: number;
}

export interface SwitchRecord {
  readonly us: number;
  readonly cpu: number;
  readonly oldTid: number;
  readonly newTid: number;
  readonly oldState: number;
}

export interface StoryResult<T> {
  readonly bytes?: Uint8Array;
  readonly truth: T;
}

interface StoryOptions {
  readonly path?: string;
  readonly compress?: boolean;
}

/** Event recorder over an EtlWriter in whole µs after the axis origin (the writer's header time,
 *  or the first data event for circular traces). */
class Story {
  readonly w: EtlWriter;
  readonly switches: SwitchRecord[] = [];
  readonly readies: { us: number; tid: number }[] = [];
  private readonly base: number;
  private lastUs = 0;
  private readonly current: number[];
  private readonly priorities = new Map<number, number>();

  constructor(options: EtlWriterOptions, leadSeconds = 0) {
    this.w = new EtlWriter(options);
    this.base = this.w.startTicks + Math.round(leadSeconds * this.w.frequency);
    this.current = new Array<number>(options.cpuCount).fill(0);
  }

  ts(us: number): number {
    if (us > this.lastUs) this.lastUs = us;
    return this.base + us * TICKS_PER_US;
  }

  get endUs(): number {
    return this.lastUs;
  }

  rundown(us: number, threads: readonly ThreadSpec[]): void {
    const seen = new Set<number>();
    for (const t of threads) {
      this.priorities.set(t.tid, t.priority);
      if (seen.has(t.pid)) continue;
      seen.add(t.pid);
      writeProcess(this.w, 0, this.ts(us), 'DCStart', {
        uniqueProcessKey: 0xffffa00000000000n + BigInt(t.pid) * 0x1000n,
        processId: t.pid,
        parentId: 4,
        sessionId: 1,
        directoryTableBase: 0x1aa000n + BigInt(t.pid) * 0x1000n,
        imageFileName: t.process,
        commandLine: `C:\\Windows\\${t.process}`,
      });
    }
    for (const t of threads) {
      writeThread(this.w, 0, this.ts(us), 'DCStart', {
        processId: t.pid,
        threadId: t.tid,
        stackBase: 0xffffb00000000000n,
        stackLimit: 0xffffb00000000000n - 0x6000n,
        userStackBase: 0x7ff0000000n,
        userStackLimit: 0x7fefff0000n,
        affinity: 0xffffffn,
        win32StartAddr: 0x7ff6a0001000n,
        tebBase: 0x7ff000000000n,
        basePriority: t.priority,
      });
    }
    // Names arrive as SetName (SetThreadDescription), as on real systems, not in the rundown.
    for (const t of threads) writeThreadSetName(this.w, 0, this.ts(us), t.pid, t.tid, t.name);
  }

  ready(us: number, cpu: number, tid: number, fromDpc = false): void {
    writeReadyThread(this.w, cpu, this.ts(us), tid, 1, 0, fromDpc ? READY_FLAG_EXECUTING_DPC : 0);
    this.readies.push({ us, tid });
  }

  cswitch(us: number, cpu: number, newTid: number, oldState: number, waitReason: number): void {
    const oldTid = this.current[cpu]!;
    writeCSwitch(this.w, cpu, this.ts(us), {
      newThreadId: newTid,
      oldThreadId: oldTid,
      newThreadPriority: this.priorities.get(newTid) ?? 0,
      oldThreadPriority: this.priorities.get(oldTid) ?? 0,
      previousCState: oldTid === 0 ? 1 : 0,
      oldThreadWaitReason: waitReason,
      oldThreadWaitMode: waitReason === WAIT_USER_REQUEST ? 1 : 0,
      oldThreadState: oldTid === 0 ? 0 : oldState,
      oldThreadWaitIdealProcessor: cpu,
      newThreadWaitTime: 0,
    });
    this.switches.push({ us, cpu, oldTid, newTid, oldState });
    this.current[cpu] = newTid;
  }

  close(): Uint8Array | undefined {
    return this.w.close().bytes;
  }
}

/**
 * Per-thread truth from the switches and readies written, by WPA's definitions (the thread's first
 * switch-in has no last switch-out: its Waits are unknown and not summed).
 */
export function threadTruth(
  threads: readonly ThreadSpec[],
  switches: readonly SwitchRecord[],
  readies: readonly { us: number; tid: number }[],
  endUs: number,
): ThreadTruth[] {
  return threads.map((t) => {
    let switchCount = 0;
    let running = 0;
    let ready = 0;
    let waiting = 0;
    let maxReady = 0;
    let lastOut = NaN;
    let lastOutState = -1;
    let inAt = NaN;
    for (const s of switches) {
      if (s.oldTid === t.tid) {
        running += s.us - inAt;
        inAt = NaN;
        lastOut = s.us;
        lastOutState = s.oldState;
      }
      if (s.newTid !== t.tid) continue;
      switchCount++;
      inAt = s.us;
      let readyAt = NaN;
      for (const r of readies) if (r.tid === t.tid && r.us <= s.us && !(r.us < lastOut)) readyAt = r.us;
      if (readyAt !== readyAt && lastOutState === STATE_READY) readyAt = lastOut;
      if (readyAt === readyAt) {
        ready += s.us - readyAt;
        maxReady = Math.max(maxReady, s.us - readyAt);
        if (lastOut === lastOut) waiting += readyAt - lastOut;
      }
    }
    if (inAt === inAt) running += endUs - inAt;
    return {
      process: t.process,
      processId: t.pid,
      threadId: t.tid,
      threadName: t.name,
      switches: switchCount,
      runningNs: running * 1000,
      readyNs: ready * 1000,
      waitingNs: waiting * 1000,
      maxReadyNs: maxReady * 1000,
    };
  });
}

// ---------------------------------------------------------------------------------- lock convoy

export interface ConvoyTruth {
  readonly durationNs: number;
  readonly quantumNs: number;
  readonly hog: number;
  readonly convoy: readonly number[];
  readonly threads: readonly ThreadTruth[];
}

/** The quantum every thread gets (the phone story's was 100 ms; 10 ms keeps the file tiny). */
const CONVOY_QUANTUM_US = 10_000;
/** Work between two lock acquisitions, and the time the lock is held (the issue's ~30 µs / ~10 µs). */
const CONVOY_WORK_US = 30;
const CONVOY_HOLD_US = 10;

export const CONVOY_THREADS: readonly ThreadSpec[] = [
  { tid: 1204, pid: 1100, process: 'pimg.exe', name: 'ImageDecoder', priority: 8 },
  { tid: 2208, pid: 2200, process: 'telshell.exe', name: 'ShellUI', priority: 8 },
  { tid: 2212, pid: 2200, process: 'telshell.exe', name: 'ShellNotify', priority: 8 },
  { tid: 3316, pid: 3300, process: 'filesys.exe', name: 'FsWorker', priority: 8 },
];

/**
 * One CPU (of 2): the hog runs whole quanta; the three lock threads work 30 µs, take the lock for
 * 10 µs, and block (WrResource) when it is owned. The trace opens mid-convoy: the first lock thread
 * owns the lock (5 µs left) and the other two wait for it.
 */
export function lockConvoy(options: StoryOptions & { durationMs?: number } = {}): StoryResult<ConvoyTruth> {
  const story = new Story({
    cpuCount: 2,
    ...(options.path !== undefined ? { path: options.path } : {}),
    compress: options.compress ?? false,
    loggerName: 'NT Kernel Logger',
    logFileName: 'C:\\traces\\lockConvoy.etl',
  });
  const threads = CONVOY_THREADS;
  story.rundown(0, threads);
  const [hog, ...lockers] = threads.map((t) => t.tid) as [number, ...number[]];
  const t0 = 1000;
  const end = t0 + (options.durationMs ?? 300) * 1000;
  const phase = new Map<number, { kind: 'hold' | 'work'; left: number }>();
  phase.set(lockers[0]!, { kind: 'hold', left: 5 });
  phase.set(lockers[1]!, { kind: 'hold', left: CONVOY_HOLD_US });
  phase.set(lockers[2]!, { kind: 'hold', left: CONVOY_HOLD_US });
  let owner: number | undefined = lockers[0];
  const waiters: number[] = [lockers[1]!, lockers[2]!];
  const queue: number[] = [lockers[0]!];
  story.ready(t0, 0, hog);
  story.ready(t0, 0, lockers[0]!);
  story.cswitch(t0, 0, hog, 0, 0);
  let now = t0;
  let cur = hog;
  let quantumEnd = now + CONVOY_QUANTUM_US;
  while (now < end) {
    const p = phase.get(cur);
    if (p === undefined) {
      // The hog: CPU bound to the end of its quantum.
      now = quantumEnd;
    } else {
      const step = Math.min(p.left, quantumEnd - now);
      now += step;
      p.left -= step;
      if (p.left === 0 && p.kind === 'hold') {
        // Release: ownership goes to the first waiter, which joins the run queue's tail.
        const next = waiters.shift();
        owner = next;
        if (next !== undefined) {
          phase.set(next, { kind: 'hold', left: CONVOY_HOLD_US });
          story.ready(now, 0, next);
          queue.push(next);
        }
        phase.set(cur, { kind: 'work', left: CONVOY_WORK_US });
        continue;
      }
      if (p.left === 0 && p.kind === 'work') {
        if (owner === undefined) {
          owner = cur;
          phase.set(cur, { kind: 'hold', left: CONVOY_HOLD_US });
          continue;
        }
        waiters.push(cur);
        phase.set(cur, { kind: 'hold', left: CONVOY_HOLD_US });
        const next = queue.shift() ?? 0;
        story.cswitch(now, 0, next, STATE_WAITING, WAIT_WR_RESOURCE);
        cur = next;
        quantumEnd = now + CONVOY_QUANTUM_US;
        continue;
      }
    }
    if (now >= quantumEnd) {
      const next = queue.shift();
      if (next !== undefined) {
        queue.push(cur);
        story.cswitch(now, 0, next, STATE_READY, WAIT_WR_QUANTUM_END);
        cur = next;
      }
      quantumEnd = now + CONVOY_QUANTUM_US;
    }
  }
  const endUs = story.endUs;
  const truth: ConvoyTruth = {
    durationNs: endUs * 1000,
    quantumNs: CONVOY_QUANTUM_US * 1000,
    hog,
    convoy: lockers,
    threads: threadTruth(threads, story.switches, story.readies, endUs),
  };
  return { ...bytesOf(story.close()), truth };
}

// --------------------------------------------------------------------------------- audio delays

export interface DelayTruth {
  /** One per ready interval of the audio thread, in time order. */
  readonly intervals: readonly {
    readonly readyNs: number;
    readonly switchInNs: number;
    readonly cpu: number;
    /** DPC/ISR time inside the interval by module. */
    readonly modules: Readonly<Record<string, number>>;
    /** Other threads' running time (outside DPCs) inside the interval, by TID. */
    readonly threads: Readonly<Record<number, number>>;
  }[];
  readonly totalsByModule: Readonly<Record<string, number>>;
  readonly totalsByThread: Readonly<Record<number, number>>;
  readonly audioThreadId: number;
  readonly audio: ThreadTruth;
}

export const AUDIO_THREADS: readonly ThreadSpec[] = [
  { tid: 4120, pid: 4100, process: 'audiodg.exe', name: 'AudioRender', priority: 15 },
  { tid: 1340, pid: 1300, process: 'svchost.exe', name: 'WorkerPool', priority: 15 },
];

/** Kernel images whose DPCs appear (module, base, DPC routine RVA). */
const AUDIO_IMAGES = [
  { file: 'ntoskrnl.exe', base: 0xfffff80360000000n, size: 0x1000000, rva: 0x200000 },
  { file: 'HDAudBus.sys', base: 0xfffff80370000000n, size: 0x40000, rva: 0x1a10 },
  { file: 'storport.sys', base: 0xfffff80371000000n, size: 0x80000, rva: 0x2b40 },
  { file: 'volsnap.sys', base: 0xfffff80372000000n, size: 0x60000, rva: 0x4c20 },
] as const;

/** Audio period (10 ms buffers), periods written, and the audio thread's run per period. */
const AUDIO_PERIOD_US = 10_000;
const AUDIO_PERIODS = 30;
const AUDIO_RUN_US = 400;

/**
 * CPU 1 of 2: every 10 ms an HDAudBus DPC (20 µs) readies the audio thread 15 µs in (ReadyThread
 * flagged ExecutingDpc). In some periods a storport DPC (300–340 µs) and/or a volsnap DPC (200 µs)
 * run next, and every fifth period a same-priority svchost thread holds the CPU until 250 µs in.
 */
export function audioDelays(options: StoryOptions = {}): StoryResult<DelayTruth> {
  const story = new Story({
    cpuCount: 2,
    ...(options.path !== undefined ? { path: options.path } : {}),
    compress: options.compress ?? false,
    loggerName: 'NT Kernel Logger',
    logFileName: 'C:\\traces\\audioDelays.etl',
  });
  const [audio, svchost] = AUDIO_THREADS;
  story.rundown(0, AUDIO_THREADS);
  for (const im of AUDIO_IMAGES)
    writeImage(story.w, 0, story.ts(0), 'DCStart', {
      imageBase: im.base,
      imageSize: im.size,
      processId: 0,
      checksum: 0x1234,
      timeDateStamp: 0x60000000,
      defaultBase: im.base,
      fileName: `\\SystemRoot\\System32\\drivers\\${im.file}`,
    });
  const routine = (file: string) => {
    const im = AUDIO_IMAGES.find((i) => i.file === file)!;
    return im.base + BigInt(im.rva);
  };
  const intervals: DelayTruth['intervals'][number][] = [];
  const totalsByModule: Record<string, number> = {};
  const totalsByThread: Record<number, number> = {};
  const t0 = 1000;
  for (let k = 0; k < AUDIO_PERIODS; k++) {
    const tk = t0 + k * AUDIO_PERIOD_US;
    const busy = k % 5 === 2;
    if (busy) {
      story.ready(tk - 100, 1, svchost!.tid);
      story.cswitch(tk - 100, 1, svchost!.tid, 0, 0);
    }
    const readyAt = tk + 15;
    story.ready(readyAt, 1, audio!.tid, true);
    writeDpc(story.w, 1, 'DPC', story.ts(tk), story.ts(tk + 20), routine('HDAudBus.sys'));
    const storport = k % 3 === 0 ? 300 + 10 * (k % 5) : 0;
    const volsnap = k % 4 === 1 ? 200 : 0;
    let at = tk + 20;
    if (storport > 0) {
      writeDpc(story.w, 1, 'DPC', story.ts(at), story.ts(at + storport), routine('storport.sys'));
      at += storport;
    }
    if (volsnap > 0) {
      writeDpc(story.w, 1, 'DPC', story.ts(at), story.ts(at + volsnap), routine('volsnap.sys'));
      at += volsnap;
    }
    const switchIn = busy ? Math.max(at, tk + 250) : at + 1;
    story.cswitch(switchIn, 1, audio!.tid, STATE_WAITING, WAIT_USER_REQUEST);
    story.cswitch(switchIn + AUDIO_RUN_US, 1, 0, STATE_WAITING, WAIT_USER_REQUEST);
    const modules: Record<string, number> = { 'HDAudBus.sys': 5_000 };
    if (storport > 0) modules['storport.sys'] = storport * 1000;
    if (volsnap > 0) modules['volsnap.sys'] = volsnap * 1000;
    const threads: Record<number, number> = {};
    // svchost ran in [readyAt, switchIn] outside the DPCs, which end at `at`.
    if (busy && switchIn > at) threads[svchost!.tid] = (switchIn - at) * 1000;
    for (const [m, ns] of Object.entries(modules)) totalsByModule[m] = (totalsByModule[m] ?? 0) + ns;
    for (const [tid, ns] of Object.entries(threads))
      totalsByThread[Number(tid)] = (totalsByThread[Number(tid)] ?? 0) + ns;
    intervals.push({ readyNs: readyAt * 1000, switchInNs: switchIn * 1000, cpu: 1, modules, threads });
  }
  const endUs = story.endUs;
  const truth: DelayTruth = {
    intervals,
    totalsByModule,
    totalsByThread,
    audioThreadId: audio!.tid,
    audio: threadTruth([audio!], story.switches, story.readies, endUs)[0]!,
  };
  return { ...bytesOf(story.close()), truth };
}

// -------------------------------------------------------------------------------- deep idle AMD

export interface DeepIdleTruth {
  readonly cpuCount: number;
  readonly durationNs: number;
  /** When each CPU entered its final C3 (index 2 → "C3"); CPU 0 never does (−1). */
  readonly deepEnterNs: readonly number[];
  /** Actual-state visits per CPU and state name ("C1", "C2", "C3"), closed ones only. */
  readonly visits: readonly Readonly<Record<string, { count: number; totalNs: number }>>[];
  /** Target state changes (Power IdleStateChange): time, new state index, processor mask. */
  readonly targets: readonly { readonly ns: number; readonly state: number; readonly mask: string }[];
  /** Perf-state changes: time, CPUs, new state. */
  readonly perfStates: readonly {
    readonly ns: number;
    readonly cpus: readonly number[];
    readonly state: number;
  }[];
  readonly circular: boolean;
}

const DEEP_CPUS = 24;
/** The CPUs' idle cycle before the drop: 200 µs busy, 800 µs idle (CPU 0: 300 / 700 to the end). */
const DEEP_CYCLE_US = 1000;
/** When the deep CPUs go down (ms after the data start): CPU c at 50 ms + 40 µs·c (all within 1 ms). */
const DEEP_DROP_MS = 50;
const DEEP_STAGGER_US = 40;
/** 8 h between the session start in the header and the oldest surviving buffer (CKCL dump). */
const CIRCULAR_LEAD_SECONDS = 8 * 3600;

export function deepIdleAmd24(
  options: StoryOptions & { circular?: boolean; durationMs?: number } = {},
): StoryResult<DeepIdleTruth> {
  const circular = options.circular === true;
  const story = new Story(
    {
      cpuCount: DEEP_CPUS,
      ...(options.path !== undefined ? { path: options.path } : {}),
      compress: options.compress ?? false,
      loggerName: circular ? 'Circular Kernel Context Logger' : 'NT Kernel Logger',
      logFileName: circular ? 'C:\\Windows\\Panther\\ckcl.etl' : 'C:\\traces\\deepIdleAmd24.etl',
      cpuSpeedMHz: 3700,
      ...(circular ? { logFileMode: LOG_FILE_MODE_CIRCULAR } : {}),
    },
    circular ? CIRCULAR_LEAD_SECONDS : 0,
  );
  const endUs = (options.durationMs ?? 200) * 1000;
  const all = (1n << BigInt(DEEP_CPUS)) - 1n;
  const deepMask = all & ~1n;
  const targets: { ns: number; state: number; mask: string }[] = [];
  const perfStates: { ns: number; cpus: number[]; state: number }[] = [];
  const maskCpus = (mask: bigint) =>
    [...Array(DEEP_CPUS).keys()].filter((c) => ((mask >> BigInt(c)) & 1n) === 1n);
  const target = (us: number, state: number, old: number, mask: bigint) => {
    writeIdleStateChange(story.w, 0, story.ts(us), state, old, mask);
    targets.push({ ns: us * 1000, state, mask: '0x' + mask.toString(16) });
  };
  const perf = (us: number, state: number, old: number, mask: bigint) => {
    writePerfStateChange(story.w, 0, story.ts(us), state, old, mask);
    perfStates.push({ ns: us * 1000, cpus: maskCpus(mask), state });
  };
  const visits: Record<string, { count: number; totalNs: number }>[] = Array.from(
    { length: DEEP_CPUS },
    () => ({}),
  );
  const visit = (cpu: number, state: number, ns: number) => {
    const name = `C${state + 1}`;
    const v = (visits[cpu]![name] ??= { count: 0, totalNs: 0 });
    v.count++;
    v.totalNs += ns;
  };
  // CPU 0 logs the header-side events and the changes, in time order with its own idle cycle.
  target(0, 0, 0, all);
  perf(0, 0, 0, all);
  const deepEnter = Array.from({ length: DEEP_CPUS }, (_, c) =>
    c === 0 ? -1 : DEEP_DROP_MS * 1000 + DEEP_STAGGER_US * c,
  );
  const cpu0Changes: { us: number; run: () => void }[] = [
    { us: DEEP_DROP_MS * 1000 - 1000, run: () => target(DEEP_DROP_MS * 1000 - 1000, 2, 0, deepMask) },
    { us: DEEP_DROP_MS * 1000 - 500, run: () => perf(DEEP_DROP_MS * 1000 - 500, 4, 0, deepMask) },
  ];
  for (let ms = 20; ms * 1000 < endUs; ms += 20) {
    const state = (ms / 20) % 2 === 1 ? 2 : 0;
    cpu0Changes.push({ us: ms * 1000, run: () => perf(ms * 1000, state, 2 - state, 1n) });
  }
  cpu0Changes.sort((a, b) => a.us - b.us);
  for (let cpu = 0; cpu < DEEP_CPUS; cpu++) {
    const busyUs = cpu === 0 ? 300 : 200;
    const stop = cpu === 0 ? endUs : deepEnter[cpu]!;
    let k = 0;
    for (let start = DEEP_CYCLE_US; start + DEEP_CYCLE_US <= stop; start += DEEP_CYCLE_US, k++) {
      const enter = start + busyUs;
      const exit = start + DEEP_CYCLE_US;
      if (cpu === 0) while (cpu0Changes.length > 0 && cpu0Changes[0]!.us <= enter) cpu0Changes.shift()!.run();
      const state = cpu === 0 ? 0 : k % 2;
      writeIdleEnter(story.w, cpu, story.ts(enter), state, 0);
      if (cpu === 0) while (cpu0Changes.length > 0 && cpu0Changes[0]!.us <= exit) cpu0Changes.shift()!.run();
      writeIdleExit(story.w, cpu, story.ts(exit), state);
      visit(cpu, state, (exit - enter) * 1000);
    }
    if (cpu !== 0) writeIdleEnter(story.w, cpu, story.ts(deepEnter[cpu]!), 2, 0);
  }
  const truth: DeepIdleTruth = {
    cpuCount: DEEP_CPUS,
    durationNs: story.endUs * 1000,
    deepEnterNs: deepEnter.map((us) => (us < 0 ? -1 : us * 1000)),
    visits,
    targets,
    perfStates,
    circular,
  };
  return { ...bytesOf(story.close()), truth };
}

function bytesOf(bytes: Uint8Array | undefined): { bytes?: Uint8Array } {
  return bytes !== undefined ? { bytes } : {};
}

/** Story scenarios by name, for the writer's command line. */
export const STORY_SCENARIOS: Readonly<Record<string, (o: StoryOptions) => StoryResult<unknown>>> = {
  lockConvoy: (o) => lockConvoy(o),
  audioDelays: (o) => audioDelays(o),
  deepIdleAmd24: (o) => deepIdleAmd24(o),
  deepIdleAmd24Circular: (o) => deepIdleAmd24({ ...o, circular: true }),
};
