// Test helpers for the store tests: a minimal TraceSummary and a Map-backed storage.
// (Imported only by *.test.ts files.)

import type { TraceSummary } from '../../shared/contract.js';
import { durationNs } from '../../shared/units.js';
import type { KeyValueStorage } from './view-persistence.js';

export function summaryFixture(overrides: Partial<TraceSummary> = {}): TraceSummary {
  return {
    fileName: 'backup.etl',
    fileSize: 123_456,
    build: 19041,
    osVersion: '10.0',
    cpuCount: 8,
    pointerSize: 8,
    loggerName: 'NT Kernel Logger',
    logFileName: 'backup.etl',
    clockType: 'QPC',
    clockFrequencyHz: 10_000_000,
    startTimeUtc: '2026-01-01T00:00:00.000Z',
    durationNs: durationNs(10e9),
    buffers: 10,
    compressedBuffers: 0,
    events: 1000,
    eventsLost: 0,
    buffersLost: 0,
    recorded: {
      contextSwitches: true,
      compactContextSwitches: false,
      dpc: true,
      interrupts: true,
      sampledProfile: false,
      idleStates: true,
      readyThread: false,
      processThread: true,
      imageLoad: true,
      stackWalk: false,
    },
    explanations: [],
    counts: {},
    diagnostics: [],
    tableRows: { dpcIsr: 100, cpuPrecise: 100, cpuSampled: 0, idleStates: 10 },
    utilizationSource: 'precise',
    ...overrides,
  };
}

export class MapStorage implements KeyValueStorage {
  readonly map = new Map<string, string>();
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}
