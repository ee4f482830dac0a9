// Test helper (used by *.test.ts only): builds an Engine from hand-made partial streams, with
// header facts that say nothing surprising. Kept as a module so several test files share it.

import type { Diagnostic } from '../../shared/contract.js';
import { Engine } from './engine.js';
import { finalizeModel, type FinalizeOptions } from './finalize.js';
import { PartialBuilder } from './partial.js';
import type { HeaderFacts } from './summary.js';

export function fakeHeader(cpuCount: number, diagnostics: Diagnostic[] = []): HeaderFacts {
  return {
    fileName: 'hand-made.etl',
    fileSize: 1000,
    build: 19041,
    osVersion: '10.0',
    cpuCount,
    pointerSize: 8,
    loggerName: 'test',
    logFileName: 'hand-made.etl',
    clockType: 'QPC',
    clockFrequencyHz: 10_000_000,
    startTimeUtc: '2024-01-01T00:00:00.000Z',
    buffers: 1,
    compressedBuffers: 0,
    eventsLost: 0,
    buffersLost: 0,
    diagnostics,
  };
}

/** Runs `fill` on fresh builders (one per partial) and finalizes them into an Engine. */
export function engineFrom(
  cpuCount: number,
  fill: (builders: PartialBuilder[]) => void,
  partials = 1,
  options: FinalizeOptions = { symbolDirs: [] },
): Engine {
  const builders = Array.from({ length: partials }, () => new PartialBuilder());
  fill(builders);
  return new Engine(
    finalizeModel(
      builders.map((b) => b.finish()),
      fakeHeader(cpuCount),
      options,
    ),
  );
}

/** Kernel address key of 0xfffff800_00000000 + offset (as the reader folds it). */
export const kernelAddress = (offset: number): number => 0x1_f800_0000_0000 + offset;
