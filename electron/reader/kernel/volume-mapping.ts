// KernelTraceControl SysConfigEx (class GUID 9b79ee91-b5fd-41c0-a243-4248e266e9d0) opcode 35,
// the volume mapping the trace's merge step writes (one event per device): the payload is two
// NUL-terminated UTF-16 strings, the NT device prefix then the DOS one — seen in the real
// perfview traces as "\Device\HarddiskVolume2\" → "C:\", "\SystemRoot\" → "C:\Windows\",
// "\Device\Mup\" → "\\", "\??\" → "". Image paths are logged with the NT prefixes; WPA shows the
// DOS ones.

import { guidBytes, guidEquals } from '../address.js';
import { readUtf16z } from '../logfile-header.js';
import type { RawEvent } from '../types.js';

export const SYS_CONFIG_EX_GUID = '9b79ee91-b5fd-41c0-a243-4248e266e9d0';
/** SysConfigEx's volume-mapping opcode. */
export const VOLUME_MAPPING_OPCODE = 35;
const SYS_CONFIG_EX_GUID_BYTES = guidBytes(SYS_CONFIG_EX_GUID);

export interface VolumeMappingRecord {
  /** e.g. `\Device\HarddiskVolume2\` */
  readonly ntPath: string;
  /** e.g. `C:\` (may be empty: `\??\` maps to nothing) */
  readonly dosPath: string;
}

export function isVolumeMappingEvent(ev: RawEvent): boolean {
  const family = ev.family;
  if (family !== 'full' && family !== 'instance' && family !== 'eventheader') return false;
  return ev.opcode === VOLUME_MAPPING_OPCODE && guidEquals(ev.bytes, ev.guidOffset, SYS_CONFIG_EX_GUID_BYTES);
}

export function decodeVolumeMapping(ev: RawEvent): VolumeMappingRecord | undefined {
  const end = ev.payloadOffset + ev.payloadSize;
  if (ev.payloadSize < 4) return undefined;
  const [ntPath, next] = readUtf16z(ev.view, ev.payloadOffset, end);
  const [dosPath] = readUtf16z(ev.view, next, end);
  // A mapping from nothing would rewrite every path; a prefix is a device or root name.
  return ntPath.length >= 2 ? { ntPath, dosPath } : undefined;
}

/** Longest matching NT prefix wins; paths no mapping covers are returned as they are. */
export function volumePathMapper(
  mappings: readonly VolumeMappingRecord[],
): ((path: string) => string) | undefined {
  const usable = mappings.filter((m) => m.ntPath !== m.dosPath);
  if (usable.length === 0) return undefined;
  const ordered = [...usable].sort((a, b) => b.ntPath.length - a.ntPath.length);
  const lower = ordered.map((m) => m.ntPath.toLowerCase());
  return (path) => {
    const p = path.toLowerCase();
    for (let k = 0; k < ordered.length; k++)
      if (p.startsWith(lower[k]!)) return ordered[k]!.dosPath + path.slice(ordered[k]!.ntPath.length);
    return path;
  };
}
