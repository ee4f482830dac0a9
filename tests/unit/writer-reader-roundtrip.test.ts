// Writer → reader round trip: the ETL writer (scripts/writer) and the reader (electron/reader) were
// written independently from /work/shared/etl-format.md, so writing every event kind the writer can
// encode and reading it back field by field checks both against each other.
//
//   EtlWriter (in memory, 4 KiB buffers, 4 CPUs) ── every kind × ROUNDS × CPUs, expectations queued per CPU
//     └─ close() bytes ─> openEtl(memoryByteSource) ─> forEachEvent (merged) ─> decoder per hook
//          └─ each event is matched against the next expectation of its CPU (kind, timestamp, fields)
//
// Runs for pointer size 4/8 × compression off/on. Addresses are compared as hex text through the
// reader's AddressKey helpers. Fields a reader record does not expose (Thread stack/TEB/affinity,
// Process DirectoryTableBase, Image signature bytes, compact-switch priorities) are not compared.

import { describe, expect, it } from 'vitest';
import { EtlWriter, type RecordedGroups } from '../../scripts/writer/etl-writer.js';
import {
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
  writeSampledProfile,
  writeStackWalk,
  writeThread,
  type CompactSwitch,
  type CSwitchFields,
  type ImageEventKind,
  type ProcessEventKind,
  type ProcessFields,
  type ThreadEventKind,
  type ThreadFields,
} from '../../scripts/writer/kernel-events.js';
import {
  addressKeyToHex,
  decodeCompactCSwitchBatch,
  decodeCSwitch,
  decodeDbgIdRsds,
  decodeDpc,
  decodeHeaderExtension,
  decodeIdleEnter,
  decodeIdleExit,
  decodeImage,
  decodeImageId,
  decodeKernelBase,
  decodePerfState,
  decodeProcess,
  decodeProfileInterval,
  decodeReadyThread,
  decodeSampledProfile,
  decodeStackWalk,
  decodeThread,
  eventKindName,
  extendedItems,
  groupMaskEnabled,
  GroupMask,
  guidAt,
  KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
  KernelHook,
  memoryByteSource,
  NO_ID,
  openEtl,
  type AddressKey,
  type CompactCSwitch,
  type RawEvent,
} from '../../electron/reader/index.js';

/** 4 CPUs: enough for a real k-way merge across streams, small enough to stay fast. */
const CPU_COUNT = 4;
/** The writer's smallest buffer, so every CPU's events span several buffers. */
const BUFFER_SIZE = 4096;
/** Repetitions of the every-kind block per CPU (≈ 3 KiB per block → 5 buffers of 4 KiB per CPU). */
const ROUNDS = 6;
/** An odd QPC frequency (the 14.318 MHz HPET), so a reader assuming 10 MHz would show. */
const FREQUENCY = 14_318_180;
/** Header timestamp above 2^32, so the high dword of every timestamp matters. */
const START_TICKS = 123_456_789_012;
/** Session start 2026-11-24T06:00:00Z as FILETIME (100 ns since 1601). */
const START_FILETIME = BigInt(Date.UTC(2026, 10, 24, 6, 0, 0)) * 10_000n + 116_444_736_000_000_000n;
/** FILETIMEs near 1.3e17 lose up to 16 units (1.6 µs) as float64 numbers (LogfileHeader fields are numbers). */
const FILETIME_AS_NUMBER_SLACK = 32;
const BUILD = 22631;
const LOGGER_NAME = 'etlscope roundtrip logger';
const USER_PROVIDER = '6d1e3b8a-94c1-4f0e-a3b2-5c7d9e0f1a2b';
const ACTIVITY_GUID = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
/** Every group the writer knows, compact CSwitch included. */
const GROUPS: Required<RecordedGroups> = {
  procThread: true,
  loader: true,
  dpc: true,
  interrupt: true,
  cswitch: true,
  compactCSwitch: true,
  dispatcher: true,
  idleStates: true,
  profile: true,
};
/** PERFINFO_GROUPMASK for GROUPS by the bit values of format doc §4.3 (EnableFlags, then index<<29|bit). */
const EXPECTED_GROUP_MASKS = [
  0x1 | 0x2 | 0x4 | 0x10 | 0x20 | 0x40 | 0x800 | 0x01000000, // PROCESS…PROFILE
  0x4 | 0x100 | 0x80 | 0x4000 | 0x2, // PERF_CONTEXT_SWITCH, COMPACT_CSWITCH, DPC, INTERRUPT, PROFILE
  0x8000, // PERF_PROCESSOR_IDLE
  0,
  0,
  0,
  0,
  0,
];

/** Every classic kind the writer encodes, by the reader's kind names. */
const ALL_KERNEL_KINDS = [
  'PerfInfo/DPC',
  'PerfInfo/ThreadedDPC',
  'PerfInfo/TimerDPC',
  'PerfInfo/ISR',
  'PerfInfo/ISR-MSI',
  'Thread/CSwitch',
  'Thread/CompactCSwitch',
  'Thread/ReadyThread',
  'PerfInfo/SampledProfile',
  'PerfInfo/SetInterval',
  'StackWalk/Stack',
  'Process/Start',
  'Process/End',
  'Process/DCStart',
  'Process/DCEnd',
  'Thread/Start',
  'Thread/End',
  'Thread/DCStart',
  'Thread/DCEnd',
  'Image/Load',
  'Image/Unload',
  'Image/DCStart',
  'Image/DCEnd',
  'Image/KernelBase',
  'KernelTraceControl/ImageId',
  'KernelTraceControl/DbgID_RSDS',
  'Power/IdleStateEnter',
  'Power/IdleStateExit',
  'Power/PerfStateChange',
  'EventTrace/RundownComplete',
];

const hex = (value: bigint): string => '0x' + value.toString(16);
function expectAddress(key: AddressKey | undefined, value: bigint): void {
  expect(key).toBeDefined();
  expect(addressKeyToHex(key!)).toBe(hex(value));
}

/** One written event: where and when it must come back, and what its payload must decode to. */
interface Expected {
  cpu: number;
  ts: number;
  kind: string;
  hook: number;
  check: (ev: RawEvent) => void;
}

interface WrittenTrace {
  bytes: Uint8Array;
  buffers: number;
  compressedBuffers: number;
  events: number;
  perCpu: Expected[][];
  /** Compact switches written per CPU, in order (batches are checked concatenated per CPU). */
  compactPerCpu: CompactSwitch[][];
  /** What those switches must decode to (without the ticks, compared separately). */
  expectedCompact: Omit<CompactCSwitch, 'ticks'>[][];
}

/** A switch away from the idle thread (TID 0): IdleShort / Idle records carry only the delta. */
const IDLE_SWITCH: Omit<CompactSwitch, 'ts'> = {
  oldThreadId: 0,
  oldThreadPriority: 0,
  oldThreadState: 2,
  oldThreadWaitReason: 0,
  newThreadWaitTime: 0,
};

/** What a compact switch decodes to (§5.4): Lite records carry no wait time, Full ones 17 bits of it. */
function expectedCompact(s: CompactSwitch, form: 'idle' | 'lite' | 'full'): Omit<CompactCSwitch, 'ticks'> {
  if (form === 'idle') {
    return {
      oldThreadId: 0,
      oldWasIdle: true,
      oldThreadState: 0,
      oldThreadWaitReason: 0,
      newThreadWaitTime: 0,
    };
  }
  const waiting = s.oldThreadState === 5;
  return {
    oldThreadId: s.oldThreadId,
    oldWasIdle: false,
    oldThreadState: s.oldThreadState,
    oldThreadWaitReason: waiting ? s.oldThreadWaitReason : 0,
    newThreadWaitTime: form === 'full' ? Math.min(s.newThreadWaitTime, 0x1ffff) : 0,
  };
}

function writeTrace(pointerSize: 4 | 8, compress: boolean): WrittenTrace {
  const w = new EtlWriter({
    cpuCount: CPU_COUNT,
    pointerSize,
    compress,
    bufferSize: BUFFER_SIZE,
    build: BUILD,
    loggerName: LOGGER_NAME,
    groups: GROUPS,
    clock: { frequency: FREQUENCY, startTicks: START_TICKS, startTimeFileTime: START_FILETIME },
  });
  const wide = pointerSize === 8;
  /** Kernel / user addresses typical of the pointer size. */
  const kaddr = (n: number): bigint => (wide ? 0xfffff80212345678n : 0x8a123456n) + BigInt(n) * 0x1010n;
  const uaddr = (n: number): bigint => (wide ? 0x00007ff6a1b2c3d0n : 0x7765a3c0n) + BigInt(n) * 0x40n;
  const perCpu: Expected[][] = Array.from({ length: CPU_COUNT }, () => []);
  const compactPerCpu: CompactSwitch[][] = Array.from({ length: CPU_COUNT }, () => []);
  const compactExpected: Omit<CompactCSwitch, 'ticks'>[][] = Array.from({ length: CPU_COUNT }, () => []);
  // Each CPU's clock starts at a different offset and advances by different steps.
  const now = Array.from({ length: CPU_COUNT }, (_, cpu) => START_TICKS + 1_000 + cpu * 7_771);
  const advance = (cpu: number, ticks: number): number => (now[cpu] += ticks);
  const push = (cpu: number, ts: number, hook: number, kind: string, check: (ev: RawEvent) => void): void => {
    perCpu[cpu].push({ cpu, ts, hook, kind, check });
  };

  for (let round = 0; round < ROUNDS; round++) {
    for (let cpu = 0; cpu < CPU_COUNT; cpu++) {
      const k = round * CPU_COUNT + cpu; // distinct per block
      const step = 97 + 13 * cpu + round;

      // --- DPC family (§5.1): enter = InitialTime, exit = the header timestamp.
      for (const [kind, hook, name] of [
        ['DPC', KernelHook.Dpc, 'PerfInfo/DPC'],
        ['ThreadedDPC', KernelHook.ThreadedDpc, 'PerfInfo/ThreadedDPC'],
        ['TimerDPC', KernelHook.TimerDpc, 'PerfInfo/TimerDPC'],
      ] as const) {
        const enter = advance(cpu, step);
        const exit = advance(cpu, 2_000 + 17 * k);
        const routine = kaddr(k * 8 + hook);
        writeDpc(w, cpu, kind, enter, exit, routine);
        push(cpu, exit, hook, name, (ev) => {
          const r = decodeDpc(ev)!;
          expect(r).toBeDefined();
          expect(ev.version).toBe(2);
          expect(r.kind).toBe({ DPC: 0, ThreadedDPC: 1, TimerDPC: 2 }[kind]);
          expect(r.enterTicks).toBe(enter);
          expectAddress(r.routine, routine);
          expect(r.vector).toBeUndefined();
        });
      }

      // --- ISR and ISR-MSI (§5.2).
      {
        const enter = advance(cpu, step);
        const exit = advance(cpu, 300 + k);
        const routine = kaddr(0x500 + k);
        const vector = 0x50 + k;
        const returnValue = k % 2;
        writeIsr(w, cpu, 'ISR', enter, exit, routine, vector, 0, returnValue);
        push(cpu, exit, KernelHook.Isr, 'PerfInfo/ISR', (ev) => {
          const r = decodeDpc(ev)!;
          expect(r.kind).toBe(3);
          expect(r.enterTicks).toBe(enter);
          expectAddress(r.routine, routine);
          expect(r.vector).toBe(vector);
          expect(r.returnValue).toBe(returnValue);
          expect(r.messageNumber).toBeUndefined();
        });
      }
      {
        const enter = advance(cpu, step);
        const exit = advance(cpu, 450 + k);
        const routine = kaddr(0x600 + k);
        const vector = 0xa0 + k;
        const messageNumber = 0x7a000000 + k * 3;
        writeIsr(w, cpu, 'ISR-MSI', enter, exit, routine, vector, messageNumber, 1);
        push(cpu, exit, KernelHook.IsrMsi, 'PerfInfo/ISR-MSI', (ev) => {
          const r = decodeDpc(ev)!;
          expect(r.kind).toBe(4);
          expect(r.enterTicks).toBe(enter);
          expectAddress(r.routine, routine);
          expect(r.vector).toBe(vector);
          expect(r.returnValue).toBe(1);
          expect(r.messageNumber).toBe(messageNumber);
        });
      }

      // --- CSwitch v4, every field (§5.3).
      {
        const ts = advance(cpu, step);
        const fromIdle = k % 3 === 0;
        const f: CSwitchFields = {
          newThreadId: 1_000 + k,
          oldThreadId: fromIdle ? 0 : 2_000 + k,
          newThreadPriority: 8 + (k % 24),
          oldThreadPriority: 31 - (k % 16),
          previousCState: fromIdle ? 1 + (k % 3) : 0,
          oldThreadWaitReason: 6 + (k % 30),
          oldThreadWaitMode: k % 2,
          oldThreadState: fromIdle ? 2 : 5,
          oldThreadWaitIdealProcessor: cpu,
          newThreadWaitTime: 0x00123456 + k,
          oldThreadRemainingQuantum: -123_456 + k,
        };
        writeCSwitch(w, cpu, ts, f);
        push(cpu, ts, KernelHook.CSwitch, 'Thread/CSwitch', (ev) => {
          expect(ev.version).toBe(4);
          expect(decodeCSwitch(ev)).toEqual({ ...f });
        });
      }

      // --- Compact CSwitch batch (§5.4): IdleShort, Lite, Idle, Lite (+priority), Full (long delta),
      // Full (priority below the batch base, wait time clipped to 17 bits).
      {
        const t0 = advance(cpu, step);
        const tidA = 3_000 + k;
        const tidB = 3_500 + k;
        const specs: [CompactSwitch, 'idle' | 'lite' | 'full'][] = [];
        const add = (delta: number, s: Omit<CompactSwitch, 'ts'>, form: 'idle' | 'lite' | 'full'): void => {
          const ts = specs.length === 0 ? t0 : specs[specs.length - 1][0].ts + delta;
          specs.push([{ ts, ...s }, form]);
        };
        const idle = IDLE_SWITCH;
        add(0, idle, 'idle');
        add(
          500 + k,
          {
            oldThreadId: tidA,
            oldThreadPriority: 10,
            oldThreadState: 5,
            oldThreadWaitReason: 0x0d,
            newThreadWaitTime: 777,
          },
          'lite',
        );
        add(20_000 + k, idle, 'idle'); // ≥ 2^14: the 4-byte Idle form
        add(
          300,
          {
            oldThreadId: tidA,
            oldThreadPriority: 12,
            oldThreadState: 2,
            oldThreadWaitReason: 0,
            newThreadWaitTime: 0,
          },
          'lite',
        );
        add(
          140_000 + k,
          {
            oldThreadId: tidB,
            oldThreadPriority: 9,
            oldThreadState: 1,
            oldThreadWaitReason: 0,
            newThreadWaitTime: 0x1234 + k,
          },
          'full',
        );
        add(
          10,
          {
            oldThreadId: tidA,
            oldThreadPriority: 8,
            oldThreadState: 5,
            oldThreadWaitReason: 0x25,
            newThreadWaitTime: 0x30000,
          },
          'full',
        );
        const switches = specs.map(([s]) => s);
        const last = switches[switches.length - 1].ts;
        const logTs = last + 50; // handed over after the last switch: stamped at logTs
        now[cpu] = logTs;
        expect(writeCompactCSwitchBatches(w, cpu, switches, logTs)).toBe(1);
        compactPerCpu[cpu].push(...switches);
        compactExpected[cpu].push(...specs.map(([s, form]) => expectedCompact(s, form)));
        push(cpu, logTs, KernelHook.CompactCSwitch, 'Thread/CompactCSwitch', () => {});
      }
      if (round === 0) {
        // 20 distinct old threads: the 16-slot TidTable splits them into two batch events,
        // stamped at their last switch (16th and 20th).
        const t0 = advance(cpu, step);
        const switches: CompactSwitch[] = Array.from({ length: 20 }, (_, i) => ({
          ts: t0 + i * 1_000,
          oldThreadId: 6_000 + cpu * 100 + i,
          oldThreadPriority: 4 + (i % 8),
          oldThreadState: 5,
          oldThreadWaitReason: i,
          newThreadWaitTime: 0,
        }));
        now[cpu] = switches[19].ts;
        expect(writeCompactCSwitchBatches(w, cpu, switches)).toBe(2);
        compactPerCpu[cpu].push(...switches);
        compactExpected[cpu].push(...switches.map((s) => expectedCompact(s, 'lite')));
        push(cpu, switches[15].ts, KernelHook.CompactCSwitch, 'Thread/CompactCSwitch', () => {});
        push(cpu, switches[19].ts, KernelHook.CompactCSwitch, 'Thread/CompactCSwitch', () => {});

        // Bit-field limits of every record form: IdleShort 14-bit delta, Idle/Full 30-bit delta,
        // Lite 17-bit delta and PriInc 7, Full priority and 17-bit wait time, state + MaximumWaitReason.
        const tidX = 6_900 + cpu;
        const tidY = 6_950 + cpu;
        const edge: [number, Omit<CompactSwitch, 'ts'>, 'idle' | 'lite' | 'full'][] = [
          [0, { ...IDLE_SWITCH }, 'idle'],
          [2 ** 14 - 1, { ...IDLE_SWITCH }, 'idle'],
          [2 ** 14, { ...IDLE_SWITCH }, 'idle'],
          [
            2 ** 17 - 1,
            {
              oldThreadId: tidX,
              oldThreadPriority: 20,
              oldThreadState: 7,
              oldThreadWaitReason: 0,
              newThreadWaitTime: 0,
            },
            'lite',
          ],
          [
            1,
            {
              oldThreadId: tidX,
              oldThreadPriority: 27,
              oldThreadState: 5,
              oldThreadWaitReason: 0x26,
              newThreadWaitTime: 0,
            },
            'lite',
          ],
          [
            2,
            {
              oldThreadId: tidX,
              oldThreadPriority: 28,
              oldThreadState: 5,
              oldThreadWaitReason: 0,
              newThreadWaitTime: 0x1ffff,
            },
            'full',
          ],
          [
            2 ** 17,
            {
              oldThreadId: tidY,
              oldThreadPriority: 3,
              oldThreadState: 2,
              oldThreadWaitReason: 0,
              newThreadWaitTime: 5,
            },
            'full',
          ],
          [2 ** 30 - 1, { ...IDLE_SWITCH }, 'idle'],
          [
            2 ** 30 - 1,
            {
              oldThreadId: tidY,
              oldThreadPriority: 31,
              oldThreadState: 0,
              oldThreadWaitReason: 0,
              newThreadWaitTime: 1,
            },
            'full',
          ],
        ];
        let edgeTs = advance(cpu, step);
        const edgeSwitches = edge.map(([delta, s]) => ({ ts: (edgeTs += delta), ...s }));
        now[cpu] = edgeTs;
        expect(writeCompactCSwitchBatches(w, cpu, edgeSwitches)).toBe(1);
        compactPerCpu[cpu].push(...edgeSwitches);
        compactExpected[cpu].push(...edgeSwitches.map((s, i) => expectedCompact(s, edge[i][2])));
        push(cpu, edgeTs, KernelHook.CompactCSwitch, 'Thread/CompactCSwitch', () => {});
      }

      // --- ReadyThread (§5.5).
      {
        const ts = advance(cpu, step);
        const readied = 4_000 + k;
        const increment = -3 + (k % 7);
        writeReadyThread(w, cpu, ts, readied, 2, increment, 0x9);
        push(cpu, ts, KernelHook.ReadyThread, 'Thread/ReadyThread', (ev) => {
          expect(decodeReadyThread(ev)).toEqual({
            readiedThreadId: readied,
            adjustReason: 2,
            adjustIncrement: increment,
            flags: 0x9,
          });
        });
      }

      // --- SampledProfile (§5.6) and its StackWalk at the same timestamp (§5.7).
      {
        const ts = advance(cpu, step);
        const ip = k % 2 === 0 ? kaddr(0x900 + k) : uaddr(k);
        const threadId = k % 4 === 0 ? 0 : 5_000 + k;
        const count = 0x1234 + k;
        const executingDpc = k % 2 === 0;
        const executingIsr = k % 3 === 0;
        const priority = k % 32;
        writeSampledProfile(w, cpu, ts, ip, threadId, { count, executingDpc, executingIsr, priority });
        push(cpu, ts, KernelHook.SampledProfile, 'PerfInfo/SampledProfile', (ev) => {
          const r = decodeSampledProfile(ev)!;
          expectAddress(r.instructionPointer, ip);
          expect(r.threadId).toBe(threadId);
          expect(r.count).toBe(count);
          expect(r.executingDpc).toBe(executingDpc);
          expect(r.executingIsr).toBe(executingIsr);
          expect(r.flags).toBe((executingDpc ? 1 : 0) | (executingIsr ? 2 : 0) | (priority << 3));
        });
        const frames = Array.from({ length: 3 + (k % 5) }, (_, i) =>
          i === 3 ? uaddr(i + k) : kaddr(0xa00 + i * 7 + k),
        );
        const stackProcess = 600 + k;
        writeStackWalk(w, cpu, ts, ts, stackProcess, threadId, frames);
        push(cpu, ts, KernelHook.StackWalk, 'StackWalk/Stack', (ev) => {
          const r = decodeStackWalk(ev)!;
          expect(r.eventTicks).toBe(ts);
          expect(r.processId).toBe(stackProcess);
          expect(r.threadId).toBe(threadId);
          expect(r.frames.map((f) => addressKeyToHex(f))).toEqual(frames.map(hex));
        });
      }
      {
        const ts = advance(cpu, step);
        const newInterval = 10_000 + 250 * k;
        writeProfileSetInterval(w, cpu, ts, k % 2, newInterval, 10_000);
        push(cpu, ts, KernelHook.ProfileSetInterval, 'PerfInfo/SetInterval', (ev) => {
          expect(decodeProfileInterval(ev)).toEqual({ source: k % 2, newInterval, oldInterval: 10_000 });
        });
      }

      // --- Process Start/End/DCStart/DCEnd (§5.8), with and without SID, Unicode command line.
      (['Start', 'End', 'DCStart', 'DCEnd'] as const).forEach((kind: ProcessEventKind, i) => {
        const ts = advance(cpu, step);
        const hook = { Start: 0x0301, End: 0x0302, DCStart: 0x0303, DCEnd: 0x0304 }[kind];
        const sids = [undefined, 'S-1-5-18', 'S-1-5-21-3623811015-3361044348-30300820-1013', undefined];
        const f: ProcessFields = {
          uniqueProcessKey: kaddr(0xb00 + k * 4 + i),
          processId: 7_000 + k * 4 + i,
          parentId: 700 + k,
          sessionId: i === 3 ? 0xffffffff : 1 + (k % 3),
          exitStatus: kind === 'End' ? -1073741510 : 0,
          directoryTableBase: wide ? 0x1aa000n + BigInt(k) * 0x1000n : 0x3ff000n,
          flags: i,
          userSid: sids[(i + k) % 4],
          imageFileName: `proc${k}_${kind}.exe`,
          commandLine: `"C:\\Tools\\proc${k}.exe" --mode=${kind} Ünïcode ✓ 🎧 ${'x'.repeat(k % 9)}`,
          packageFullName: i === 2 ? 'Contoso.App_1.0.0.0_x64__8wekyb3d8bbwe' : '',
          applicationId: i === 2 ? 'App' : '',
        };
        const context = { threadId: 8_000 + k, processId: 700 + k };
        writeProcess(w, cpu, ts, kind, f, context);
        push(cpu, ts, hook, `Process/${kind}`, (ev) => {
          const systemHeader = kind === 'Start' || kind === 'End';
          expect(ev.family).toBe(systemHeader ? 'system' : 'perfinfo');
          expect(ev.threadId).toBe(systemHeader ? context.threadId : NO_ID);
          expect(ev.processId).toBe(systemHeader ? context.processId : NO_ID);
          expect(ev.version).toBe(4);
          const r = decodeProcess(ev)!;
          expectAddress(r.uniqueProcessKey, f.uniqueProcessKey);
          expect({ ...r, uniqueProcessKey: 0 }).toEqual({
            uniqueProcessKey: 0,
            processId: f.processId,
            parentId: f.parentId,
            sessionId: f.sessionId,
            exitStatus: f.exitStatus,
            flags: f.flags,
            userSid: f.userSid ?? '',
            imageFileName: f.imageFileName,
            commandLine: f.commandLine,
            packageFullName: f.packageFullName,
            applicationId: f.applicationId,
          });
        });
      });

      // --- Thread Start/End/DCStart/DCEnd (§5.9) with names.
      (['Start', 'End', 'DCStart', 'DCEnd'] as const).forEach((kind: ThreadEventKind, i) => {
        const ts = advance(cpu, step);
        const hook = { Start: 0x0501, End: 0x0502, DCStart: 0x0503, DCEnd: 0x0504 }[kind];
        const f: ThreadFields = {
          processId: 7_000 + k,
          threadId: 9_000 + k * 4 + i,
          stackBase: kaddr(0xc00 + k),
          stackLimit: kaddr(0xc00 + k) - 0x6000n,
          userStackBase: uaddr(0x100 + k),
          userStackLimit: uaddr(0x80 + k),
          affinity: (1n << BigInt(cpu)) | 0x10n,
          win32StartAddr: i % 2 === 0 ? kaddr(0xd00 + k) : uaddr(0x200 + k),
          tebBase: uaddr(0x300 + k),
          basePriority: 8 + ((k + i) % 8),
          name: i === 1 ? '' : `worker-${k}-${kind} ✓`,
        };
        const context = { threadId: 8_100 + k, processId: 7_000 + k };
        writeThread(w, cpu, ts, kind, f, context);
        push(cpu, ts, hook, `Thread/${kind}`, (ev) => {
          const systemHeader = kind === 'Start' || kind === 'End';
          expect(ev.family).toBe(systemHeader ? 'system' : 'perfinfo');
          if (systemHeader)
            expect([ev.threadId, ev.processId]).toEqual([context.threadId, context.processId]);
          expect(ev.version).toBe(3);
          const r = decodeThread(ev)!;
          expect(r.processId).toBe(f.processId);
          expect(r.threadId).toBe(f.threadId);
          expectAddress(r.win32StartAddress, f.win32StartAddr);
          expectAddress(r.startAddress, f.win32StartAddr); // v3: Affinity replaced StartAddr
          expect(r.basePriority).toBe(f.basePriority);
          expect(r.name).toBe(f.name);
        });
      });

      // --- Image Load/Unload/DCStart/DCEnd (§5.10), kernel (pid 0) and user images.
      (['Load', 'Unload', 'DCStart', 'DCEnd'] as const).forEach((kind: ImageEventKind, i) => {
        const ts = advance(cpu, step);
        const hook = { Load: 0x030a, Unload: 0x1402, DCStart: 0x1403, DCEnd: 0x1404 }[kind];
        const kernel = (k + i) % 2 === 0;
        const f = {
          imageBase: kernel ? kaddr(0xe00 + k * 4 + i) & ~0xfffn : uaddr(0x400 + k) & ~0xfffn,
          imageSize: 0x0012_3000 + k * 0x1000,
          processId: kernel ? 0 : 7_000 + k,
          checksum: 0xdeadbeef - k,
          timeDateStamp: 0x5f3e2a10 + k,
          defaultBase: kernel
            ? wide
              ? 0xfffff80000000000n
              : 0x80000000n
            : 0x10000000n + BigInt(k) * 0x10000n,
          fileName: kernel
            ? `\\SystemRoot\\System32\\drivers\\drv${k}_${i}.sys`
            : `\\Device\\HarddiskVolume3\\Apps\\lib${k}.dll`,
        };
        writeImage(w, cpu, ts, kind, f);
        push(cpu, ts, hook, `Image/${kind}`, (ev) => {
          expect(ev.family).toBe(kind === 'Load' || kind === 'Unload' ? 'system' : 'perfinfo');
          expect(ev.version).toBe(3);
          const r = decodeImage(ev)!;
          expectAddress(r.imageBase, f.imageBase);
          expectAddress(r.defaultBase, f.defaultBase);
          expect([r.imageSize, r.processId, r.checksum, r.timeDateStamp, r.fileName]).toEqual([
            f.imageSize,
            f.processId,
            f.checksum,
            f.timeDateStamp,
            f.fileName,
          ]);
        });
      });

      // --- KernelBase, ImageId, DbgID_RSDS (§5.12, §4.6).
      {
        const ts = advance(cpu, step);
        const base = kaddr(0xf00 + k) & ~0xfffn;
        writeKernelBase(w, cpu, ts, base);
        push(cpu, ts, KernelHook.KernelBase, 'Image/KernelBase', (ev) =>
          expectAddress(decodeKernelBase(ev), base),
        );
      }
      {
        const ts = advance(cpu, step);
        const base = kaddr(0xf80 + k) & ~0xfffn;
        const name = `drv${k}.sys`;
        writeImageId(w, cpu, ts, base, 0x45000 + k, 0, 0x61a2b3c4 + k, name);
        push(cpu, ts, -1, 'KernelTraceControl/ImageId', (ev) => {
          expect(ev.family).toBe('full');
          expect(guidAt(ev.bytes, ev.guidOffset)).toBe(KERNEL_TRACE_CONTROL_IMAGE_ID_GUID);
          expect(ev.opcode).toBe(0);
          const r = decodeImageId(ev)!;
          expectAddress(r.imageBase, base);
          expect([r.imageSize, r.processId, r.timeDateStamp, r.originalFileName]).toEqual([
            0x45000 + k,
            0,
            0x61a2b3c4 + k,
            name,
          ]);
        });
        const ts2 = advance(cpu, step);
        const pdbGuid = `a1b2c3d4-e5f6-4a7b-8c9d-${(0x0e0f10111200 + k).toString(16).padStart(12, '0')}`;
        writeDbgIdRsds(w, cpu, ts2, base, 4, pdbGuid, 1 + k, `drv${k}.pdb`);
        push(cpu, ts2, -1, 'KernelTraceControl/DbgID_RSDS', (ev) => {
          expect(ev.opcode).toBe(36);
          const r = decodeDbgIdRsds(ev)!;
          expectAddress(r.imageBase, base);
          expect([r.processId, r.guid, r.age, r.pdbFileName]).toEqual([4, pdbGuid, 1 + k, `drv${k}.pdb`]);
        });
      }

      // --- Power (§5.11): idle enter/exit, perf-state change.
      {
        const ts = advance(cpu, step);
        const state = k % 3;
        const expectedDuration = 5_000_000_000 + k; // above 2^32
        writeIdleEnter(w, cpu, ts, state, expectedDuration, 0x11);
        push(cpu, ts, KernelHook.IdleStateEnter, 'Power/IdleStateEnter', (ev) => {
          expect(decodeIdleEnter(ev)).toEqual({ state, flags: 0x11, expectedDuration });
        });
        const ts2 = advance(cpu, 50_000 + step);
        writeIdleExit(w, cpu, ts2, state, 0x102);
        push(cpu, ts2, KernelHook.IdleStateExit, 'Power/IdleStateExit', (ev) => {
          expect(decodeIdleExit(ev)).toEqual({ state, status: 0x102 });
        });
        const ts3 = advance(cpu, step);
        const processors = 0x0000_00a5_0000_0f0fn | (1n << BigInt(cpu));
        writePerfStateChange(w, cpu, ts3, 3 + k, 7, processors, 2);
        push(cpu, ts3, KernelHook.PerfStateChange, 'Power/PerfStateChange', (ev) => {
          const r = decodePerfState(ev)!;
          expect([r.type, r.newState, r.oldState, r.result]).toEqual([2, 3 + k, 7, 0]);
          expect(hex(r.processors)).toBe(hex(processors));
        });
      }

      // --- RundownComplete (empty payload).
      {
        const ts = advance(cpu, step);
        writeRundownComplete(w, cpu, ts);
        push(cpu, ts, KernelHook.RundownComplete, 'EventTrace/RundownComplete', (ev) => {
          expect(ev.payloadSize).toBe(0);
        });
      }

      // --- EVENT_HEADER with inline extended items (§3.6): TS_ID, RELATED_ACTIVITYID and an odd-sized
      // item; string payload. Every other one is an EVENT_HEADER32 (WOW64 provider) in 64-bit files.
      {
        const ts = advance(cpu, step);
        const text = `marker ${k} ✓`;
        const payload = new Uint8Array((text.length + 1) * 2);
        for (let i = 0; i < text.length; i++)
          new DataView(payload.buffer).setUint16(i * 2, text.charCodeAt(i), true);
        const sessionItem = new Uint8Array(4);
        new DataView(sessionItem.buffer).setUint32(0, 1 + k, true);
        // PROV_TRAITS (u16 total size, provider name NUL): 17 bytes, so the item needs padding.
        const traitsName = 'Contoso.Marker';
        const traits = new Uint8Array(2 + traitsName.length + 1);
        new DataView(traits.buffer).setUint16(0, traits.length, true);
        for (let i = 0; i < traitsName.length; i++) traits[2 + i] = traitsName.charCodeAt(i);
        const activity = Uint8Array.from({ length: 16 }, (_, i) => (i + 3 * k) & 0xff);
        const items =
          k % 4 === 3
            ? []
            : [
                { extType: 3, data: sessionItem },
                { extType: 1, data: activity },
                ...(k % 2 === 0 ? [{ extType: 12, data: traits }] : []),
              ];
        const eventPointerSize: 4 | 8 = wide && k % 2 === 1 ? 4 : pointerSize;
        const desc = {
          provider: USER_PROVIDER,
          id: 100 + k,
          version: 2,
          level: 4,
          opcode: 11,
          task: 0x1234 + k,
          keyword: 0x8000_0000_0000_0010n,
          threadId: 8_200 + k,
          processId: 7_000 + k,
          flags: 0x0004,
          activityId: ACTIVITY_GUID,
          pointerSize: eventPointerSize,
        };
        w.writeEventHeader(cpu, ts, desc, payload, items);
        push(cpu, ts, -1, `${k % 2 === 0 ? traitsName : USER_PROVIDER}/${100 + k}`, (ev) => {
          expect(ev.family).toBe('eventheader');
          expect(ev.pointerSize).toBe(eventPointerSize);
          expect(guidAt(ev.bytes, ev.guidOffset)).toBe(USER_PROVIDER);
          expect([ev.eventId, ev.version, ev.opcode, ev.task, ev.threadId, ev.processId]).toEqual([
            desc.id,
            desc.version,
            desc.opcode,
            desc.task,
            desc.threadId,
            desc.processId,
          ]);
          // Level, keyword and activity id are not on RawEvent: read them at the §3.6 offsets.
          const at = ev.recordOffset;
          expect(ev.bytes[at + 0x2c]).toBe(desc.level);
          expect(ev.view.getBigUint64(at + 0x30, true)).toBe(desc.keyword);
          expect(guidAt(ev.bytes, at + 0x40)).toBe(ACTIVITY_GUID);
          expect(ev.view.getUint16(at + 4, true)).toBe(desc.flags | (items.length > 0 ? 0x0001 : 0)); // EXTENDED_INFO
          const got = extendedItems(ev).map((item) => ({
            extType: item.extType,
            data: Array.from(ev.bytes.subarray(item.dataOffset, item.dataOffset + item.dataSize)),
          }));
          expect(got).toEqual(items.map((item) => ({ extType: item.extType, data: Array.from(item.data) })));
          expect(Array.from(ev.bytes.subarray(ev.payloadOffset, ev.payloadOffset + ev.payloadSize))).toEqual(
            Array.from(payload),
          );
        });
      }
    }
  }
  const { stats, bytes } = w.close();
  return {
    bytes: bytes!,
    buffers: stats.buffers,
    compressedBuffers: stats.compressedBuffers,
    events: stats.events,
    perCpu,
    compactPerCpu,
    expectedCompact: compactExpected,
  };
}

describe('writer → reader round trip (every event kind)', () => {
  for (const pointerSize of [4, 8] as const) {
    for (const compress of [false, true]) {
      it(`pointer size ${pointerSize}, ${compress ? 'compressed' : 'plain'}`, () => {
        const written = writeTrace(pointerSize, compress);
        const trace = openEtl(memoryByteSource(written.bytes, 'roundtrip.etl'));

        // Logfile header facts (§2.1).
        const h = trace.header;
        expect(h.pointerSize).toBe(pointerSize);
        expect(h.numberOfProcessors).toBe(CPU_COUNT);
        expect(h.build).toBe(BUILD);
        expect(h.loggerName).toBe(LOGGER_NAME);
        expect(h.perfFreq).toBe(FREQUENCY);
        expect(h.clockType).toBe(1);
        expect(h.bufferSize).toBe(BUFFER_SIZE);
        expect(h.headerTimestamp).toBe(START_TICKS);
        expect(h.buffersWritten).toBe(written.buffers);
        expect([h.eventsLost, h.buffersLost]).toEqual([0, 0]);
        expect(Math.abs(h.startTime - Number(START_FILETIME))).toBeLessThanOrEqual(FILETIME_AS_NUMBER_SLACK);
        // EndTime = start + (last event − header ticks) in 100-ns units.
        const lastTicks = Math.max(...written.perCpu.map((q) => q[q.length - 1].ts));
        const expectedEnd = Number(START_FILETIME) + ((lastTicks - START_TICKS) / FREQUENCY) * 1e7;
        expect(Math.abs(h.endTime - expectedEnd)).toBeLessThanOrEqual(FILETIME_AS_NUMBER_SLACK);
        expect((h.logFileMode & 0x04000000) !== 0).toBe(compress);
        expect(trace.clock.frequency).toBe(FREQUENCY);
        expect(trace.clock.originTicks).toBe(START_TICKS);
        expect(trace.buffers.length).toBe(written.buffers);
        const compressedBuffers = trace.buffers.compressed.reduce((sum, c) => sum + c, 0);
        expect(compressedBuffers).toBe(written.compressedBuffers);
        if (compress) expect(compressedBuffers).toBeGreaterThan(0);
        else expect(compressedBuffers).toBe(0);
        // Events span several buffers on every CPU.
        for (let cpu = 0; cpu < CPU_COUNT; cpu++) {
          let buffersOfCpu = 0;
          for (let i = 0; i < trace.buffers.length; i++) {
            if (i !== trace.headerBufferIndex && trace.buffers.cpu[i] === cpu) buffersOfCpu++;
          }
          expect(buffersOfCpu).toBeGreaterThanOrEqual(3);
        }

        const next = new Array<number>(CPU_COUNT).fill(0);
        const lastTsOfCpu = new Array<number>(CPU_COUNT).fill(-Infinity);
        const compactDecoded: CompactCSwitch[][] = Array.from({ length: CPU_COUNT }, () => []);
        let headerEvents = 0;
        let previousTs = -Infinity;
        let seen = 0;
        const kindsSeen = new Set<string>();
        const stats = trace.forEachEvent((ev) => {
          seen++;
          // Merged order: globally non-decreasing timestamps, per CPU too.
          expect(ev.timestamp).toBeGreaterThanOrEqual(previousTs);
          previousTs = ev.timestamp;
          expect(ev.timestamp).toBeGreaterThanOrEqual(lastTsOfCpu[ev.cpu]);
          lastTsOfCpu[ev.cpu] = ev.timestamp;
          expect(ev.pointerSize === pointerSize || ev.family === 'eventheader').toBe(true);
          if (seen <= 2) {
            // The header buffer's two events come first, on CPU 0, at the header time.
            expect(ev.hookId).toBe([0x0000, 0x0005][seen - 1]);
            expect(eventKindName(ev)).toBe(['EventTrace/Header', 'EventTrace/Extension'][seen - 1]);
            expect(ev.cpu).toBe(0);
            expect(ev.timestamp).toBe(START_TICKS);
            if (ev.hookId === 0x0005) {
              const ext = decodeHeaderExtension(ev)!;
              expect(ext.groupMasks).toEqual(EXPECTED_GROUP_MASKS);
              expect(ext.kernelEventVersion).toBe(0x46);
              for (const mask of [
                GroupMask.Process,
                GroupMask.Thread,
                GroupMask.ImageLoad,
                GroupMask.CSwitch,
                GroupMask.Dpc,
                GroupMask.Interrupt,
                GroupMask.Dispatcher,
                GroupMask.Profile,
                GroupMask.PerfContextSwitch,
                GroupMask.PerfCompactCSwitch,
                GroupMask.PerfDpc,
                GroupMask.PerfInterrupt,
                GroupMask.PerfProfile,
                GroupMask.PerfProcessorIdle,
              ]) {
                expect(groupMaskEnabled(ext, mask)).toBe(true);
              }
              expect(groupMaskEnabled(ext, GroupMask.PerfPower)).toBe(false);
            }
            headerEvents++;
            return;
          }
          const queue = written.perCpu[ev.cpu];
          expect(queue, `unexpected CPU ${ev.cpu}`).toBeDefined();
          const want = queue[next[ev.cpu]++];
          expect(want, `more events than written on CPU ${ev.cpu}`).toBeDefined();
          const where = `CPU ${ev.cpu} event #${next[ev.cpu] - 1} (${want.kind})`;
          expect(eventKindName(ev), where).toBe(want.kind);
          if (want.hook >= 0) expect(ev.hookId, where).toBe(want.hook);
          expect(ev.timestamp, where).toBe(want.ts);
          want.check(ev);
          kindsSeen.add(want.kind);
          if (ev.hookId === KernelHook.CompactCSwitch && ev.family === 'perfinfo') {
            compactDecoded[ev.cpu].push(...decodeCompactCSwitchBatch(ev)!);
          }
        });

        expect(headerEvents).toBe(2);
        for (let cpu = 0; cpu < CPU_COUNT; cpu++) {
          expect(next[cpu], `events read on CPU ${cpu}`).toBe(written.perCpu[cpu].length);
          // Compact switches, concatenated per CPU across batch events.
          expect(compactDecoded[cpu].map((s) => s.ticks)).toEqual(
            written.compactPerCpu[cpu].map((s) => s.ts),
          );
          expect(compactDecoded[cpu].map(({ ticks: _ticks, ...rest }) => rest)).toEqual(
            written.expectedCompact[cpu],
          );
        }
        const totalWritten = 2 + written.perCpu.reduce((sum, q) => sum + q.length, 0);
        expect(written.events).toBe(totalWritten);
        expect(seen).toBe(totalWritten);
        expect(stats.events).toBe(totalWritten);
        // Every kind the writer can encode came back (names as the reader gives them).
        expect([...kindsSeen].filter((kind) => !/\/\d+$/.test(kind)).sort()).toEqual(
          [...ALL_KERNEL_KINDS].sort(),
        );
        expect([...kindsSeen].some((kind) => kind.startsWith('Contoso.Marker/'))).toBe(true);
        expect([...kindsSeen].some((kind) => kind.startsWith(USER_PROVIDER + '/'))).toBe(true);
        expect(trace.diagnostics).toEqual([]);
        trace.close();
      });
    }
  }

  // Format doc §5.11: PPM_PERF_STATE_CHANGE.Processors is a u64 affinity mask; processors 48–63
  // must survive too (an AddressKey would fold them as a canonical address).
  it('perf-state Processors mask with processors 48–63', () => {
    const w = new EtlWriter({ cpuCount: 1, pointerSize: 8, bufferSize: BUFFER_SIZE });
    const masks = [1n << 48n, 1n << 63n, 0xffff_ffff_ffff_ffffn, 0x00a5_0000_0000_0001n];
    masks.forEach((mask, i) => writePerfStateChange(w, 0, START_TICKS + 1_000 * (i + 1), 1, 2, mask));
    const trace = openEtl(memoryByteSource(w.close().bytes!));
    const got: string[] = [];
    trace.forEachEvent((ev) => {
      if (ev.hookId === KernelHook.PerfStateChange) got.push(hex(decodePerfState(ev)!.processors));
    });
    expect(got).toEqual(masks.map(hex));
  });
});
