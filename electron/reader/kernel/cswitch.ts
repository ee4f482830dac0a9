// Context switches and readying (format doc §5.3–§5.5):
//   CSwitch 0x0524 (WMI_CONTEXTSWAP, 24 bytes v2–v4, 16 bytes v1), pointer-size independent;
//   compact CSwitch batches 0x0525 (PERFINFO_CCSWAP_BUFFER + packed 2/4/8-byte records);
//   ReadyThread 0x0532 (8 bytes).

import { readI64 } from '../address.js';
import type { CompactCSwitch, CSwitchRecord, RawEvent, ReadyThreadRecord } from '../types.js';

export function decodeCSwitch(ev: RawEvent): CSwitchRecord | undefined {
  const n = ev.payloadSize;
  if (n < 16) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  const v1 = ev.version < 2;
  return {
    newThreadId: view.getUint32(at, true),
    oldThreadId: view.getUint32(at + 4, true),
    newThreadPriority: view.getInt8(at + 8),
    oldThreadPriority: view.getInt8(at + 9),
    // v1 (XP) used bytes 10/11 as quanta: no C-state there.
    previousCState: v1 ? 0 : view.getUint8(at + 10),
    oldThreadWaitReason: view.getUint8(at + 12),
    // v3/v4 pack QoS bits above bit 0 of this byte; bit 0 is the wait mode in every version.
    oldThreadWaitMode: view.getUint8(at + 13) & 1,
    oldThreadState: view.getUint8(at + 14),
    oldThreadWaitIdealProcessor: view.getUint8(at + 15),
    newThreadWaitTime: n >= 20 ? view.getUint32(at + 16, true) : 0,
    oldThreadRemainingQuantum: n >= 24 ? view.getInt32(at + 20, true) : 0,
  };
}

/** PERFINFO_CCSWAP_BUFFER: FirstTimeStamp i64, TidTable[16] u32, ThreadBasePriority[16] i8. */
const CCSWAP_HEADER_SIZE = 0x58;
const CCSWAP_TID_TABLE = 0x08;
/** KTHREAD wait reasons below this are waits (state Waiting); larger values are state + this (Win10). */
export const COMPACT_MAXIMUM_WAIT_REASON = 0x27;
const THREAD_STATE_WAITING = 5;

/**
 * Decodes one compact CSwitch batch. Each entry is a switch *away from* oldThreadId at `ticks`
 * (the new thread is the next entry's old thread — resolve across batches per CPU).
 */
export function decodeCompactCSwitchBatch(ev: RawEvent): CompactCSwitch[] | undefined {
  if (ev.payloadSize < CCSWAP_HEADER_SIZE) return undefined;
  const view = ev.view;
  const base = ev.payloadOffset;
  const end = base + ev.payloadSize;
  let ticks = readI64(view, base);
  const out: CompactCSwitch[] = [];
  let at = base + CCSWAP_HEADER_SIZE;
  const decodeStateWr = (value: number): [number, number] =>
    value < COMPACT_MAXIMUM_WAIT_REASON
      ? [THREAD_STATE_WAITING, value]
      : [value - COMPACT_MAXIMUM_WAIT_REASON, 0];
  while (at + 2 <= end) {
    const low = view.getUint16(at, true);
    const dataType = low & 3;
    if (dataType === 0) {
      // IdleShort: DataType:2, TimeDelta:14
      ticks += low >>> 2;
      out.push({
        ticks,
        oldThreadId: 0,
        oldWasIdle: true,
        oldThreadState: 0,
        oldThreadWaitReason: 0,
        newThreadWaitTime: 0,
      });
      at += 2;
    } else if (dataType === 1) {
      // Idle: DataType:2, TimeDelta:30
      if (at + 4 > end) break;
      ticks += view.getUint32(at, true) >>> 2;
      out.push({
        ticks,
        oldThreadId: 0,
        oldWasIdle: true,
        oldThreadState: 0,
        oldThreadWaitReason: 0,
        newThreadWaitTime: 0,
      });
      at += 4;
    } else if (dataType === 2) {
      // Lite: DataType:2, OldThreadIdIndex:4, OldThreadPriInc:3, OldThreadStateWr:6, TimeDelta:17
      if (at + 4 > end) break;
      const v = view.getUint32(at, true);
      ticks += v >>> 15;
      const [state, reason] = decodeStateWr((v >>> 9) & 0x3f);
      out.push({
        ticks,
        oldThreadId: view.getUint32(base + CCSWAP_TID_TABLE + 4 * ((v >>> 2) & 15), true),
        oldWasIdle: false,
        oldThreadState: state,
        oldThreadWaitReason: reason,
        newThreadWaitTime: 0,
      });
      at += 4;
    } else {
      // Full: DataType:2, TimeDelta:30 | OldThreadIdIndex:4, OldThreadStateWr:6, OldThreadPriority:5, NewThreadWaitTime:17
      if (at + 8 > end) break;
      const v0 = view.getUint32(at, true);
      const v1 = view.getUint32(at + 4, true);
      ticks += v0 >>> 2;
      const [state, reason] = decodeStateWr((v1 >>> 4) & 0x3f);
      out.push({
        ticks,
        oldThreadId: view.getUint32(base + CCSWAP_TID_TABLE + 4 * (v1 & 15), true),
        oldWasIdle: false,
        oldThreadState: state,
        oldThreadWaitReason: reason,
        newThreadWaitTime: v1 >>> 15,
      });
      at += 8;
    }
  }
  return out;
}

export function decodeReadyThread(ev: RawEvent): ReadyThreadRecord | undefined {
  if (ev.payloadSize < 4) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  const full = ev.payloadSize >= 8;
  return {
    readiedThreadId: view.getUint32(at, true),
    adjustReason: full ? view.getUint8(at + 4) : 0,
    adjustIncrement: full ? view.getInt8(at + 5) : 0,
    flags: full ? view.getUint8(at + 6) : 0,
  };
}

/** Mutable scratch for decodeCSwitchInto (hot path, no allocation). */
export type CSwitchScratch = { -readonly [K in keyof CSwitchRecord]: CSwitchRecord[K] };

export function createCSwitchScratch(): CSwitchScratch {
  return {
    newThreadId: 0,
    oldThreadId: 0,
    newThreadPriority: 0,
    oldThreadPriority: 0,
    previousCState: 0,
    oldThreadWaitReason: 0,
    oldThreadWaitMode: 0,
    oldThreadState: 0,
    oldThreadWaitIdealProcessor: 0,
    newThreadWaitTime: 0,
    oldThreadRemainingQuantum: 0,
  };
}

export function decodeCSwitchInto(ev: RawEvent, out: CSwitchScratch): boolean {
  const n = ev.payloadSize;
  if (n < 16) return false;
  const view = ev.view;
  const at = ev.payloadOffset;
  out.newThreadId = view.getUint32(at, true);
  out.oldThreadId = view.getUint32(at + 4, true);
  out.newThreadPriority = view.getInt8(at + 8);
  out.oldThreadPriority = view.getInt8(at + 9);
  out.previousCState = ev.version < 2 ? 0 : view.getUint8(at + 10);
  out.oldThreadWaitReason = view.getUint8(at + 12);
  out.oldThreadWaitMode = view.getUint8(at + 13) & 1;
  out.oldThreadState = view.getUint8(at + 14);
  out.oldThreadWaitIdealProcessor = view.getUint8(at + 15);
  out.newThreadWaitTime = n >= 20 ? view.getUint32(at + 16, true) : 0;
  out.oldThreadRemainingQuantum = n >= 24 ? view.getInt32(at + 20, true) : 0;
  return true;
}
