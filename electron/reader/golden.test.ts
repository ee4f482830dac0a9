// Golden tests on the real traces in ../shared/traces: the exact counts an independent walker read
// (traces/README.md), plausible decoded Process/Thread/Image records, time-ordered merge, and a
// locked readable summary per trace (golden/<trace>.txt; regenerate with UPDATE_GOLDEN=1).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fileByteSource } from './byte-source.js';
import { openEtl } from './etl-trace.js';
import { GroupMask, decodeHeaderExtension, groupMaskEnabled } from './kernel/header-extension.js';
import { KernelHook, eventKindName } from './kernel/hooks.js';
import { decodeImage } from './kernel/image.js';
import { decodeProcess } from './kernel/process.js';
import { decodeThread } from './kernel/thread.js';
import { formatSummary, summarizeTrace } from './summary.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const tracesDir = process.env.ETLSCOPE_TRACES ?? path.resolve(repoRoot, '..', 'shared', 'traces');
const goldenDir = path.join(here, 'golden');

interface Expected {
  buffers: number;
  compressed: number;
  events: number;
  build: number;
  cpus: number;
  pointerSize: 4 | 8;
  logger: string;
  headerKinds: Record<string, number>;
  kinds?: Record<string, number>;
}

// Figures from ../shared/traces/README.md (the independent walker), copied verbatim.
const EXPECTED: Record<string, Expected> = {
  'perfview-net452-x64.etl': {
    buffers: 360,
    compressed: 359,
    events: 179_474,
    build: 9200,
    cpus: 8,
    pointerSize: 8,
    logger: 'Relogger',
    headerKinds: { '0xC002': 3189, '0xC011': 100_157, '0xC014': 7956, '0xC00A': 27, '0xC001': 2 },
    kinds: {
      'PerfInfo/SampledProfile': 79_528,
      'StackWalk/Stack': 252,
      'Image/DCStart': 1763,
      'Image/Load': 35,
    },
  },
  'perfview-diaghub-kernel.etl': {
    buffers: 59,
    compressed: 0,
    events: 16_335,
    build: 19041,
    cpus: 4,
    pointerSize: 8,
    logger: '',
    headerKinds: { '0xC002': 1035, '0xC011': 15_299 },
    kinds: {
      'Process/Start': 18,
      'Process/End': 3,
      'Process/DCStart': 223,
      'Process/DCEnd': 223,
      'Image/Load': 87,
      'Image/Unload': 143,
      'Image/DCStart': 187,
      'Image/DCEnd': 15_017,
      'Image/KernelBase': 1,
    },
  },
  'etlparser-shutdown-perfdiag.etl': {
    buffers: 49,
    compressed: 0,
    events: 17_078,
    build: 18362,
    cpus: 2,
    pointerSize: 8,
    logger: 'PerfDiag Logger',
    headerKinds: { '0xC002': 8433, '0xC011': 8645 },
    kinds: { 'Image/DCStart': 6745, 'Image/Load': 72 },
  },
  'etlparser-amsi.etl': {
    buffers: 6,
    compressed: 0,
    events: 21,
    build: 18362,
    cpus: 8,
    pointerSize: 8,
    logger: 'AMSITraceSession',
    headerKinds: { '0xC013': 19 },
  },
  'perfview-selfdescribing.etl': {
    buffers: 3,
    compressed: 2,
    events: 22,
    build: 22000,
    cpus: 12,
    pointerSize: 8,
    logger: 'Relogger',
    headerKinds: { '0xC014': 18, '0xC013': 1 },
  },
  'perfview-small.etl': {
    buffers: 2,
    compressed: 1,
    events: 2,
    build: 10586,
    cpus: 4,
    pointerSize: 4,
    logger: 'PerfWatsonGCHeapETLSession688',
    headerKinds: { '0xC001': 1 },
  },
  'krabsetw-powershell.etl': {
    buffers: 26,
    compressed: 0,
    events: 114,
    build: 22623,
    cpus: 32,
    pointerSize: 8,
    logger: 'usermode_trace',
    headerKinds: { '0xC013': 112 },
  },
  'tx-process-win7.etl': {
    buffers: 182,
    compressed: 0,
    events: 10_344,
    build: 7600,
    cpus: 2,
    pointerSize: 8,
    logger: 'DataCollector02',
    headerKinds: { '0xC013': 10_343 },
  },
  'perfview-primitive-types.etl': {
    buffers: 2,
    compressed: 0,
    events: 7,
    build: 19043,
    cpus: 8,
    pointerSize: 8,
    logger: 'solar_system',
    headerKinds: { '0xC013': 5 },
  },
  'hw3d-tracelogging.etl': {
    buffers: 2,
    compressed: 0,
    events: 3,
    build: 22621,
    cpus: 8,
    pointerSize: 8,
    logger: 'trace',
    headerKinds: { '0xC013': 1 },
  },
};

const IMAGE_NAME = /\.(sys|dll|exe|drv|mui|cpl|ocx|efi|winmd|ax|acm|tsp|ime|scr|com|node)$/i;
const PROCESS_HOOKS = new Set<number>([
  KernelHook.ProcessStart,
  KernelHook.ProcessEnd,
  KernelHook.ProcessDCStart,
  KernelHook.ProcessDCEnd,
  KernelHook.ProcessDefunct,
]);
const THREAD_HOOKS = new Set<number>([
  KernelHook.ThreadStart,
  KernelHook.ThreadEnd,
  KernelHook.ThreadDCStart,
  KernelHook.ThreadDCEnd,
]);
const IMAGE_HOOKS = new Set<number>([
  KernelHook.ImageLoad,
  KernelHook.ImageUnload,
  KernelHook.ImageDCStart,
  KernelHook.ImageDCEnd,
]);
const KERNEL_FAMILIES = new Set(['system', 'compact', 'perfinfo']);

describe.each(Object.entries(EXPECTED))('%s', (name, expected) => {
  const file = path.join(tracesDir, name);
  const available = existsSync(file);

  it.runIf(available)('matches the walker counts and the golden summary', () => {
    const trace = openEtl(fileByteSource(file));
    try {
      const s = summarizeTrace(trace);
      expect(s.buffers).toBe(expected.buffers);
      expect(s.compressedBuffers).toBe(expected.compressed);
      expect(s.events).toBe(expected.events);
      expect(s.build).toBe(expected.build);
      expect(s.cpuCount).toBe(expected.cpus);
      expect(s.pointerSize).toBe(expected.pointerSize);
      expect(s.loggerName).toBe(expected.logger);
      for (const [kind, count] of Object.entries(expected.headerKinds))
        expect(s.headerKinds[kind], kind).toBe(count);
      for (const [kind, count] of Object.entries(expected.kinds ?? {}))
        expect(s.counts[kind], kind).toBe(count);
      expect(s.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

      const text = formatSummary(s, name);
      const goldenFile = path.join(goldenDir, name.replace(/\.etl$/, '.txt'));
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(goldenFile, text);
      expect(existsSync(goldenFile), `missing ${goldenFile}: run with UPDATE_GOLDEN=1 once`).toBe(true);
      expect(text).toBe(readFileSync(goldenFile, 'utf8'));
    } finally {
      trace.close();
    }
  });

  it.runIf(available)('decodes every Process/Thread/Image record plausibly and merges in time order', () => {
    const trace = openEtl(fileByteSource(file));
    const problems: string[] = [];
    let decoded = 0;
    let regressions = 0;
    let last = -Infinity;
    trace.forEachEvent((ev) => {
      if (ev.bufferIndex !== trace.headerBufferIndex) {
        if (ev.timestamp < last) regressions++;
        last = ev.timestamp;
      }
      if (!KERNEL_FAMILIES.has(ev.family)) return;
      const where = `${eventKindName(ev)} at 0x${(ev.bufferFileOffset + ev.recordOffset).toString(16)}`;
      if (PROCESS_HOOKS.has(ev.hookId)) {
        const p = decodeProcess(ev);
        decoded++;
        if (!p) problems.push(`${where}: undecodable`);
        else if (
          p.processId !== 0 &&
          (p.imageFileName.length === 0 || !/^[\x20-\x7e]+$/.test(p.imageFileName))
        )
          problems.push(`${where}: image name ${JSON.stringify(p.imageFileName)}`);
        else if (p.processId % 4 !== 0) problems.push(`${where}: pid ${p.processId}`);
      } else if (THREAD_HOOKS.has(ev.hookId)) {
        const t = decodeThread(ev);
        decoded++;
        if (!t) problems.push(`${where}: undecodable`);
        else if (t.threadId % 4 !== 0 || t.processId % 4 !== 0)
          problems.push(`${where}: ids ${t.processId}/${t.threadId}`);
      } else if (IMAGE_HOOKS.has(ev.hookId)) {
        const i = decodeImage(ev);
        decoded++;
        if (!i) problems.push(`${where}: undecodable`);
        else if (
          !IMAGE_NAME.test(i.fileName) ||
          i.imageSize <= 0 ||
          i.imageSize >= 2 ** 32 ||
          Number(i.imageBase) === 0
        ) {
          problems.push(`${where}: ${JSON.stringify(i.fileName)} size ${i.imageSize}`);
        }
      }
    });
    trace.close();
    expect(problems.slice(0, 10)).toEqual([]);
    expect(regressions).toBe(0);
    if (expected.kinds?.['Image/DCStart'] !== undefined)
      expect(decoded).toBeGreaterThan(expected.kinds['Image/DCStart']);
  });
});

describe('header extension group masks on a real trace', () => {
  const file = path.join(tracesDir, 'perfview-net452-x64.etl');
  it.runIf(existsSync(file))(
    'perfview-net452-x64 recorded the sampled profile and process/thread/image groups',
    () => {
      const trace = openEtl(fileByteSource(file));
      const masks: number[][] = [];
      trace.forEachEvent((ev) => {
        if (
          KERNEL_FAMILIES.has(ev.family) &&
          (ev.hookId === KernelHook.HeaderExtension || ev.hookId === KernelHook.EndExtension)
        ) {
          const ext = decodeHeaderExtension(ev);
          if (ext) masks.push([...ext.groupMasks, ext.kernelEventVersion]);
        }
      });
      trace.close();
      const enabled = masks.find((m) => m[0] !== 0);
      expect(enabled).toBeDefined();
      const ext = { groupMasks: enabled!.slice(0, 8), kernelEventVersion: enabled![8] };
      expect(ext.kernelEventVersion).toBe(42);
      for (const mask of [GroupMask.Process, GroupMask.Thread, GroupMask.ImageLoad, GroupMask.PerfProfile]) {
        expect(groupMaskEnabled(ext, mask)).toBe(true);
      }
      expect(groupMaskEnabled(ext, GroupMask.CSwitch)).toBe(false); // and indeed the trace has no CSwitch events
    },
  );
});
