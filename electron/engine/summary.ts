// The trace overview (TraceSummary): header facts, what was recorded (header-extension group
// masks + the events actually seen) and plain-words explanations of why a view is empty.

import type {
  Diagnostic,
  ProcessorInfo,
  RecordedData,
  TableId,
  TraceSummary,
} from '../../shared/contract.js';
import type { DurationNs } from '../../shared/units.js';

/** What the load layer learns from the logfile header and buffer scan (no events needed). */
export interface HeaderFacts {
  readonly fileName: string;
  readonly fileSize: number;
  readonly build: number;
  readonly osVersion: string;
  readonly cpuCount: number;
  readonly pointerSize: 4 | 8;
  readonly loggerName: string;
  readonly logFileName: string;
  readonly clockType: string;
  readonly clockFrequencyHz: number;
  readonly startTimeUtc: string;
  readonly buffers: number;
  readonly compressedBuffers: number;
  readonly eventsLost: number;
  readonly buffersLost: number;
  readonly diagnostics: readonly Diagnostic[];
  /** The logfile header's CpuSpeedInMHz (0: not filled in). */
  readonly cpuSpeedMHz?: number;
}

/** What the SystemConfig events of the kernel rundown said (first CPU event, processor names). */
export interface ProcessorFacts {
  readonly cpu?: {
    readonly mhz: number;
    readonly processors: number;
    readonly architecture?: number;
    readonly level?: number;
    readonly revision?: number;
  };
  readonly names: readonly string[];
}

/** Windows PROCESSOR_ARCHITECTURE values → the names WPA and `systeminfo` use. */
const ARCHITECTURES: Readonly<Record<number, string>> = {
  0: 'x86',
  5: 'ARM',
  6: 'IA64',
  9: 'x64',
  12: 'ARM64',
};

export function processorInfo(header: HeaderFacts, facts: ProcessorFacts): ProcessorInfo {
  const cpu = facts.cpu;
  const names = [...new Set(facts.names)];
  const arch = cpu?.architecture !== undefined ? (ARCHITECTURES[cpu.architecture] ?? null) : null;
  // ProcessorLevel is the CPUID family and ProcessorRevision model << 8 | stepping on x86/x64.
  const intelLike =
    (arch === 'x64' || arch === 'x86') && cpu?.level !== undefined && cpu.revision !== undefined;
  const mhz =
    cpu !== undefined && cpu.mhz > 0 ? cpu.mhz : (header.cpuSpeedMHz ?? 0) > 0 ? header.cpuSpeedMHz! : null;
  return {
    name: names.length > 0 ? names.join(' + ') : null,
    mhz,
    architecture: arch,
    family: intelLike ? cpu.level! : null,
    model: intelLike ? cpu.revision! >> 8 : null,
    stepping: intelLike ? cpu.revision! & 0xff : null,
    processors: cpu !== undefined && cpu.processors > 0 ? cpu.processors : null,
    source: cpu !== undefined || names.length > 0 ? 'systemConfig' : mhz !== null ? 'header' : 'none',
  };
}

export interface SeenFacts {
  readonly dpc: boolean;
  readonly isr: boolean;
  readonly cswitches: number;
  readonly compactBatches: number;
  readonly ready: boolean;
  readonly samples: number;
  readonly idleEvents: number;
  readonly idleSource: 'events' | 'cswitch' | 'none';
  readonly processThread: boolean;
  readonly images: number;
  /** StackWalk events and stack-key references read. */
  readonly stackEvents?: number;
}

/** PERFINFO_GROUPMASK bits (mask index, bit) — etl-format.md §4.3. */
const MASK = {
  process: [0, 0x1],
  thread: [0, 0x2],
  imageLoad: [0, 0x4],
  cswitch: [0, 0x10],
  dpc: [0, 0x20],
  interrupt: [0, 0x40],
  dispatcher: [0, 0x800],
  profile: [0, 0x01000000],
  perfContextSwitch: [1, 0x4],
  perfCompactCSwitch: [1, 0x100],
  perfDpc: [1, 0x80],
  perfInterrupt: [1, 0x4000],
  perfProfile: [1, 0x2],
  perfProcessorIdle: [2, 0x8000],
  perfIdleSelection: [2, 0x200000],
  perfPower: [4, 0x8000],
} as const satisfies Record<string, readonly [number, number]>;

function maskHas(masks: readonly number[] | undefined, which: readonly [number, number]): boolean {
  if (masks === undefined) return false;
  return ((masks[which[0]] ?? 0) & which[1]) !== 0;
}

export function recordedData(masks: readonly number[] | undefined, seen: SeenFacts): RecordedData {
  const m = (k: keyof typeof MASK) => maskHas(masks, MASK[k]);
  return {
    contextSwitches: seen.cswitches > 0 || m('cswitch') || m('perfContextSwitch'),
    compactContextSwitches: seen.compactBatches > 0 || m('perfCompactCSwitch'),
    dpc: seen.dpc || m('dpc') || m('perfDpc'),
    interrupts: seen.isr || m('interrupt') || m('perfInterrupt'),
    sampledProfile: seen.samples > 0 || m('profile') || m('perfProfile'),
    idleStates: seen.idleEvents > 0 || m('perfProcessorIdle') || m('perfIdleSelection'),
    readyThread: seen.ready || m('dispatcher'),
    processThread: seen.processThread || m('process') || m('thread'),
    imageLoad: seen.images > 0 || m('imageLoad'),
    stackWalk: (seen.stackEvents ?? 0) > 0,
  };
}

export function explanations(
  masks: readonly number[] | undefined,
  seen: SeenFacts,
  recorded: RecordedData,
): string[] {
  const out: string[] = [];
  const maskNote =
    masks === undefined ? ' (the trace has no header extension saying which kernel groups were enabled)' : '';
  if (seen.cswitches === 0) {
    out.push(
      recorded.contextSwitches
        ? 'Context switches were enabled but none were logged — CPU Usage (Precise) is empty.'
        : seen.samples > 0
          ? 'No context switches were recorded — CPU Usage (Precise) is unavailable; utilization comes from sampled profile.'
          : `No context switches or profile samples were recorded — CPU utilization is unavailable${maskNote}.`,
    );
  } else if (seen.compactBatches > 0) {
    out.push(
      'Context switches were recorded in compact form — the new thread of each switch is inferred from the next one, and PreviousCState is not available.',
    );
  }
  if (!seen.dpc && !seen.isr) {
    out.push(
      recorded.dpc || recorded.interrupts
        ? 'DPC/ISR logging was enabled but no DPC or ISR events were logged.'
        : `No DPC or ISR events were recorded — the DPC/ISR view is empty (record with the DPC and INTERRUPT kernel flags)${maskNote}.`,
    );
  } else if (!seen.isr) {
    out.push(
      'No ISR events were recorded — only DPCs are shown (enable the INTERRUPT kernel flag for ISRs).',
    );
  }
  if (seen.samples === 0)
    out.push('No sampled profile (SampledProfile) events were recorded — CPU Usage (Sampled) is empty.');
  if (seen.idleSource === 'cswitch') {
    out.push(
      'No idle-state enter/exit events were recorded — C-states come from the coarser CSwitch PreviousCState fallback.',
    );
  } else if (seen.idleSource === 'none') {
    out.push(
      'No idle-state events or context switches were recorded — CPU Idle States are unavailable (record IDLE_STATES or CSWITCH).',
    );
  }
  if ((seen.stackEvents ?? 0) === 0 && (seen.dpc || seen.isr || seen.samples > 0)) {
    out.push(
      'No stack walks were recorded — the stack views are empty (record with stacks, e.g. `xperf -stackwalk Profile+DPC+ISR` or a WPR profile with stacks).',
    );
  }
  if (seen.images === 0 && (seen.dpc || seen.isr || seen.samples > 0)) {
    out.push(
      'No image load or rundown events were recorded — addresses cannot be resolved to modules (shown as Unknown).',
    );
  }
  return out;
}

export function buildSummary(
  header: HeaderFacts,
  facts: {
    events: number;
    durationNs: number;
    counts: Record<string, number>;
    groupMasks: readonly number[] | undefined;
    cpuCount: number;
    seen: SeenFacts;
    tableRows: Record<TableId, number>;
    processor?: ProcessorFacts;
  },
): TraceSummary {
  const recorded = recordedData(facts.groupMasks, facts.seen);
  return {
    fileName: header.fileName,
    fileSize: header.fileSize,
    build: header.build,
    osVersion: header.osVersion,
    cpuCount: facts.cpuCount,
    pointerSize: header.pointerSize,
    loggerName: header.loggerName,
    logFileName: header.logFileName,
    clockType: header.clockType,
    clockFrequencyHz: header.clockFrequencyHz,
    startTimeUtc: header.startTimeUtc,
    durationNs: facts.durationNs as DurationNs,
    buffers: header.buffers,
    compressedBuffers: header.compressedBuffers,
    events: facts.events,
    eventsLost: header.eventsLost,
    buffersLost: header.buffersLost,
    recorded,
    explanations: explanations(facts.groupMasks, facts.seen, recorded),
    counts: facts.counts,
    diagnostics: header.diagnostics,
    tableRows: facts.tableRows,
    utilizationSource: facts.seen.cswitches > 0 ? 'precise' : facts.seen.samples > 0 ? 'sampled' : 'none',
    processor: processorInfo(header, facts.processor ?? { names: [] }),
  };
}

/** The summary shown while loading: header facts only, nothing recorded yet. */
export function headerOnlySummary(header: HeaderFacts): TraceSummary {
  const seen: SeenFacts = {
    dpc: false,
    isr: false,
    cswitches: 0,
    compactBatches: 0,
    ready: false,
    samples: 0,
    idleEvents: 0,
    idleSource: 'none',
    processThread: false,
    images: 0,
  };
  return {
    ...buildSummary(header, {
      events: 0,
      durationNs: 0,
      counts: {},
      groupMasks: undefined,
      cpuCount: header.cpuCount,
      seen,
      tableRows: { dpcIsr: 0, cpuPrecise: 0, cpuSampled: 0, idleStates: 0 },
    }),
    explanations: [],
    utilizationSource: 'none',
  };
}
