// SampledProfile 0x0F2E (InstructionPointer P, ThreadId u32, Count u16, Flags u8, Rank u8) and the
// profile interval events 0x0F48/49/4A (Source, NewInterval, OldInterval; 100-ns units) — §5.6.

import { readPointerKey } from '../address.js';
import type { ProfileIntervalRecord, RawEvent, SampledProfileRecord } from '../types.js';

export function decodeSampledProfile(ev: RawEvent): SampledProfileRecord | undefined {
  const P = ev.pointerSize;
  if (ev.payloadSize < P + 4) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  const count = ev.payloadSize >= P + 6 ? view.getUint16(at + P + 4, true) : 1;
  const flags = ev.payloadSize >= P + 7 ? view.getUint8(at + P + 6) : 0;
  return {
    instructionPointer: readPointerKey(view, at, P),
    threadId: view.getUint32(at + P, true),
    count,
    flags,
    executingDpc: (flags & 1) !== 0,
    executingIsr: (flags & 2) !== 0,
  };
}

export function decodeProfileInterval(ev: RawEvent): ProfileIntervalRecord | undefined {
  if (ev.payloadSize < 8) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    source: view.getUint32(at, true),
    newInterval: view.getUint32(at + 4, true),
    oldInterval: ev.payloadSize >= 12 ? view.getUint32(at + 8, true) : 0,
  };
}

/** Mutable scratch for decodeSampledProfileInto (hot path, no allocation). */
export interface SampledProfileScratch {
  instructionPointer: number;
  threadId: number;
  count: number;
  flags: number;
}

export function createSampledProfileScratch(): SampledProfileScratch {
  return { instructionPointer: 0, threadId: 0, count: 0, flags: 0 };
}

export function decodeSampledProfileInto(ev: RawEvent, out: SampledProfileScratch): boolean {
  const P = ev.pointerSize;
  if (ev.payloadSize < P + 4) return false;
  const view = ev.view;
  const at = ev.payloadOffset;
  out.instructionPointer = readPointerKey(view, at, P);
  out.threadId = view.getUint32(at + P, true);
  out.count = ev.payloadSize >= P + 6 ? view.getUint16(at + P + 4, true) : 1;
  out.flags = ev.payloadSize >= P + 7 ? view.getUint8(at + P + 6) : 0;
  return true;
}
