// DPC / ThreadedDPC / TimerDPC / ISR / ISR-MSI payloads (format doc §5.1, §5.2), PerfInfo group.
//   DPC family: InitialTime u64 @0, Routine P @8.
//   ISR family: + ReturnValue u8 @8+P, Vector u8 @9+P (read one byte: both layouts agree), MSI: MessageNumber u32 @12+P.
// Enter = InitialTime, exit = the event timestamp, CPU = the buffer's.

import { readPointerKey, readU64 } from '../address.js';
import type { DpcKindCode, DpcRecord, RawEvent } from '../types.js';
import { KernelHook } from './hooks.js';

/** DpcKindCode for a hook id, or -1 when the hook is not one of the five DPC/ISR events. */
export function dpcKindOfHook(hookId: number): DpcKindCode | -1 {
  switch (hookId) {
    case KernelHook.Dpc:
      return 0;
    case KernelHook.ThreadedDpc:
      return 1;
    case KernelHook.TimerDpc:
      return 2;
    case KernelHook.Isr:
      return 3;
    case KernelHook.IsrMsi:
      return 4;
    default:
      return -1;
  }
}

export function decodeDpc(ev: RawEvent): DpcRecord | undefined {
  const kind = dpcKindOfHook(ev.hookId);
  const P = ev.pointerSize;
  if (kind < 0 || ev.payloadSize < 8 + P) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  const enterTicks = readU64(view, at);
  const routine = readPointerKey(view, at + 8, P);
  if (kind < 3) return { kind: kind as DpcKindCode, enterTicks, routine };
  const isr: { -readonly [K in keyof DpcRecord]: DpcRecord[K] } = {
    kind: kind as DpcKindCode,
    enterTicks,
    routine,
  };
  if (ev.payloadSize >= 10 + P) {
    isr.returnValue = view.getUint8(at + 8 + P);
    isr.vector = view.getUint8(at + 9 + P);
  }
  if (kind === 4 && ev.payloadSize >= 16 + P) isr.messageNumber = view.getUint32(at + 12 + P, true);
  return isr;
}
