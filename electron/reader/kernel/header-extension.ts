// Header extension 0x0005 / end extension 0x0020 (§2.2): 8 PERFINFO_GROUPMASK dwords + u32
// KernelEventVersion — which kernel groups were enabled, to explain what a trace did not record.

import type { HeaderExtensionRecord, RawEvent } from '../types.js';

/** Group-mask bits (§4.3) as (dword index, bit). */
export const GroupMask = {
  Process: [0, 0x1],
  Thread: [0, 0x2],
  ImageLoad: [0, 0x4],
  CSwitch: [0, 0x10],
  Dpc: [0, 0x20],
  Interrupt: [0, 0x40],
  Dispatcher: [0, 0x800],
  Profile: [0, 0x01000000],
  PerfContextSwitch: [1, 0x4],
  PerfCompactCSwitch: [1, 0x100],
  PerfDpc: [1, 0x80],
  PerfInterrupt: [1, 0x4000],
  PerfProfile: [1, 0x2],
  PerfProcessorIdle: [2, 0x8000],
  PerfIdleSelection: [2, 0x200000],
  PerfPower: [4, 0x8000],
} as const satisfies Record<string, readonly [number, number]>;

export function decodeHeaderExtension(ev: RawEvent): HeaderExtensionRecord | undefined {
  if (ev.payloadSize < 32) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  const groupMasks: number[] = [];
  for (let i = 0; i < 8; i++) groupMasks.push(view.getUint32(at + 4 * i, true));
  return { groupMasks, kernelEventVersion: ev.payloadSize >= 36 ? view.getUint32(at + 32, true) : 0 };
}

/** True when the mask bit (from GroupMask) is set in a decoded extension. */
export function groupMaskEnabled(ext: HeaderExtensionRecord, mask: readonly [number, number]): boolean {
  return ((ext.groupMasks[mask[0]] ?? 0) & mask[1]) !== 0;
}
