// StackWalk 0x1820 (EventTimeStamp u64, StackProcess u32, StackThread u32, n·P frames) and the
// stack-key events (§5.7): references 0x1825/0x1826 (timestamp, process, thread, key P) and
// definitions 0x1822/0x1823/0x1824 (key P, then frames).

import { readPointerKey, readU64 } from '../address.js';
import type {
  AddressKey,
  RawEvent,
  StackKeyDefinitionRecord,
  StackKeyReferenceRecord,
  StackWalkRecord,
} from '../types.js';
import { KernelHook } from './hooks.js';

function readFrames(ev: RawEvent, from: number): AddressKey[] {
  const P = ev.pointerSize;
  const end = ev.payloadOffset + ev.payloadSize;
  const frames: AddressKey[] = [];
  for (let at = from; at + P <= end; at += P) frames.push(readPointerKey(ev.view, at, P));
  return frames;
}

export function decodeStackWalk(ev: RawEvent): StackWalkRecord | undefined {
  if (ev.payloadSize < 16) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    eventTicks: readU64(view, at),
    processId: view.getUint32(at + 8, true),
    threadId: view.getUint32(at + 12, true),
    frames: readFrames(ev, at + 16),
  };
}

export function decodeStackKeyReference(ev: RawEvent): StackKeyReferenceRecord | undefined {
  const P = ev.pointerSize;
  if (ev.payloadSize < 16 + P) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    eventTicks: readU64(view, at),
    processId: view.getUint32(at + 8, true),
    threadId: view.getUint32(at + 12, true),
    stackKey: readPointerKey(view, at + 16, P),
    kernel: ev.hookId === KernelHook.StackKeyKernelRef,
  };
}

export function decodeStackKeyDefinition(ev: RawEvent): StackKeyDefinitionRecord | undefined {
  const P = ev.pointerSize;
  if (ev.payloadSize < P) return undefined;
  return {
    stackKey: readPointerKey(ev.view, ev.payloadOffset, P),
    frames: readFrames(ev, ev.payloadOffset + P),
  };
}
