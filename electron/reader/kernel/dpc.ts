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

/** Mutable scratch for decodeDpcInto (the engine's hot path: no object per event). */
export interface DpcScratch {
  kind: DpcKindCode;
  enterTicks: number;
  routine: number;
  returnValue: number;
  vector: number;
  messageNumber: number;
}

export function createDpcScratch(): DpcScratch {
  return { kind: 0, enterTicks: 0, routine: 0, returnValue: -1, vector: -1, messageNumber: -1 };
}

/** Like decodeDpc but fills `out` (absent ISR fields = -1); false when not a DPC/ISR or too short. */
export function decodeDpcInto(ev: RawEvent, out: DpcScratch): boolean {
  const kind = dpcKindOfHook(ev.hookId);
  const P = ev.pointerSize;
  if (kind < 0 || ev.payloadSize < 8 + P) return false;
  const view = ev.view;
  const at = ev.payloadOffset;
  out.kind = kind as DpcKindCode;
  out.enterTicks = readU64(view, at);
  out.routine = readPointerKey(view, at + 8, P);
  const isr = kind >= 3 && ev.payloadSize >= 10 + P;
  out.returnValue = isr ? view.getUint8(at + 8 + P) : -1;
  out.vector = isr ? view.getUint8(at + 9 + P) : -1;
  out.messageNumber = kind === 4 && ev.payloadSize >= 16 + P ? view.getUint32(at + 12 + P, true) : -1;
  return true;
}
