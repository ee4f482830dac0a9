// Power group (§5.11): PPM idle-state enter 0x1239 (State u32, Flags u32, ExpectedDuration u64) and
// exit 0x123A (State u32, Status u32); PPM perf-state change 0x1233 (Type, NewState, OldState, Result,
// Processors u64); PPM idle-state change 0x1235 (NewState, OldState, Processors u64).
// Header kind and version are unverified: any kernel header is accepted; fields parse by length.

import { readU64 } from '../address.js';
import type { IdleEnterRecord, IdleExitRecord, PerfStateRecord, RawEvent } from '../types.js';

export function decodeIdleEnter(ev: RawEvent): IdleEnterRecord | undefined {
  if (ev.payloadSize < 4) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    state: view.getUint32(at, true),
    flags: ev.payloadSize >= 8 ? view.getUint32(at + 4, true) : 0,
    expectedDuration: ev.payloadSize >= 16 ? readU64(view, at + 8) : 0,
  };
}

export function decodeIdleExit(ev: RawEvent): IdleExitRecord | undefined {
  if (ev.payloadSize < 4) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return { state: view.getUint32(at, true), status: ev.payloadSize >= 8 ? view.getUint32(at + 4, true) : 0 };
}

export function decodePerfState(ev: RawEvent): PerfStateRecord | undefined {
  if (ev.payloadSize < 12) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    type: view.getUint32(at, true),
    newState: view.getUint32(at + 4, true),
    oldState: view.getUint32(at + 8, true),
    result: ev.payloadSize >= 16 ? view.getInt32(at + 12, true) : 0,
    processors: ev.payloadSize >= 24 ? view.getBigUint64(at + 16, true) : 0n,
  };
}

export interface IdleStateChangeRecord {
  readonly newState: number;
  readonly oldState: number;
  /** Affinity mask (u64) of the processors that changed; bit n = processor n of the group. */
  readonly processors: bigint;
}

export function decodeIdleStateChange(ev: RawEvent): IdleStateChangeRecord | undefined {
  if (ev.payloadSize < 8) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    newState: view.getUint32(at, true),
    oldState: view.getUint32(at + 4, true),
    processors: ev.payloadSize >= 16 ? view.getBigUint64(at + 8, true) : 0n,
  };
}
