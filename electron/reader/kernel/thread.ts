// Thread_TypeGroup1 (0x0501–0x0504 Start/End/DCStart/DCEnd), versions 2–4 by payload length (§5.9):
//   ProcessId u32, TThreadId u32, StackBase P, StackLimit P, UserStackBase P, UserStackLimit P,
//   StartAddr (v2) / Affinity (v3+) P, Win32StartAddr P, TebBase P, SubProcessTag u32,
//   [BasePriority i8, PagePriority u8, IoPriority u8, ThreadFlags u8], [ThreadName WSTR (v3 late / v4)].
// Thread SetName 0x0548: ProcessId u32, ThreadId u32, ThreadName WSTR.

import { readPointerKey } from '../address.js';
import { readUtf16z } from '../logfile-header.js';
import type { RawEvent, ThreadNameRecord, ThreadRecord } from '../types.js';

/** Thread ids only (Thread/End on some versions carries just these two). */
const THREAD_MIN_PAYLOAD = 8;

export function decodeThread(ev: RawEvent): ThreadRecord | undefined {
  const P = ev.pointerSize;
  const view = ev.view;
  const at = ev.payloadOffset;
  const n = ev.payloadSize;
  if (n < THREAD_MIN_PAYLOAD) return undefined;
  const hasAddresses = n >= 8 + 6 * P;
  // v2 logs StartAddr at 8+4P; v3+ put Affinity there, so the start address is Win32StartAddr.
  const win32StartAddress = hasAddresses
    ? readPointerKey(view, at + 8 + 5 * P, P)
    : readPointerKey(view, at, 4);
  const startAddress =
    hasAddresses && ev.version <= 2 ? readPointerKey(view, at + 8 + 4 * P, P) : win32StartAddress;
  const hasPriorities = n >= 16 + 7 * P;
  const name =
    hasPriorities && ev.version >= 3 && n > 16 + 7 * P ? readUtf16z(view, at + 16 + 7 * P, at + n)[0] : '';
  return {
    processId: view.getUint32(at, true),
    threadId: view.getUint32(at + 4, true),
    startAddress: hasAddresses ? startAddress : (0 as ThreadRecord['startAddress']),
    win32StartAddress: hasAddresses ? win32StartAddress : (0 as ThreadRecord['win32StartAddress']),
    basePriority: hasPriorities ? view.getInt8(at + 12 + 7 * P) : 0,
    name,
  };
}

export function decodeThreadName(ev: RawEvent): ThreadNameRecord | undefined {
  if (ev.payloadSize < 8) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    processId: view.getUint32(at, true),
    threadId: view.getUint32(at + 4, true),
    name: readUtf16z(view, at + 8, at + ev.payloadSize)[0],
  };
}
