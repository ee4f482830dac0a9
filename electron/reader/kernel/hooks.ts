// Kernel hook ids, group names and GUIDs (format doc §4), and eventKindName: a stable,
// human-readable kind for every record ('PerfInfo/DPC', 'Image/DCStart', '<provider>/<id>').
// Names are built once per distinct kind and cached, so calling eventKindName per event is cheap.

import { guidAt, guidBytes, guidEquals } from '../address.js';
import type { RawEvent } from '../types.js';

export const KernelHook = {
  ThreadedDpc: 0x0f42,
  Isr: 0x0f43,
  Dpc: 0x0f44,
  TimerDpc: 0x0f45,
  IsrMsi: 0x0f32,
  SampledProfile: 0x0f2e,
  ProfileSetInterval: 0x0f48,
  ProfileCollectionStart: 0x0f49,
  ProfileCollectionEnd: 0x0f4a,
  CSwitch: 0x0524,
  CompactCSwitch: 0x0525,
  ReadyThread: 0x0532,
  ThreadStart: 0x0501,
  ThreadEnd: 0x0502,
  ThreadDCStart: 0x0503,
  ThreadDCEnd: 0x0504,
  ThreadSetName: 0x0548,
  ProcessStart: 0x0301,
  ProcessEnd: 0x0302,
  ProcessDCStart: 0x0303,
  ProcessDCEnd: 0x0304,
  ProcessDefunct: 0x0327,
  ImageLoad: 0x030a,
  ImageUnload: 0x1402,
  ImageDCStart: 0x1403,
  ImageDCEnd: 0x1404,
  KernelBase: 0x1421,
  StackWalk: 0x1820,
  StackKeyCreate: 0x1822,
  StackKeyDelete: 0x1823,
  StackKeyRundown: 0x1824,
  StackKeyKernelRef: 0x1825,
  StackKeyUserRef: 0x1826,
  IdleStateChange: 0x1235,
  PerfStateChange: 0x1233,
  IdleStateEnter: 0x1239,
  IdleStateExit: 0x123a,
  HeaderExtension: 0x0005,
  RundownComplete: 0x0008,
  EndExtension: 0x0020,
  SystemConfigCpu: 0x0b0a,
  SystemConfigPnp: 0x0b16,
} as const;

export const KERNEL_TRACE_CONTROL_IMAGE_ID_GUID = 'b3e675d7-2554-4f18-830b-2762732560de';
/** KernelTraceControl ImageId-family opcodes (format doc §4.6). */
export const ImageIdOpcode = { ImageId: 0, DbgIdRsds: 36, DbgIdIlRsds: 37, FileVersion: 64 } as const;

/** Kernel group (hook >> 8) → name and GUID (format doc §4.1). */
export const KERNEL_GROUPS: Readonly<Record<number, { name: string; guid: string }>> = {
  0x00: { name: 'EventTrace', guid: '68fdd900-4a3e-11d1-84f4-0000f80464e3' },
  0x01: { name: 'DiskIo', guid: '3d6fa8d4-fe05-11d0-9dda-00c04fd7ba7c' },
  0x02: { name: 'PageFault', guid: '3d6fa8d3-fe05-11d0-9dda-00c04fd7ba7c' },
  0x03: { name: 'Process', guid: '3d6fa8d0-fe05-11d0-9dda-00c04fd7ba7c' },
  0x04: { name: 'FileIo', guid: '90cbdc39-4a3e-11d1-84f4-0000f80464e3' },
  0x05: { name: 'Thread', guid: '3d6fa8d1-fe05-11d0-9dda-00c04fd7ba7c' },
  0x06: { name: 'TcpIp', guid: '9a280ac0-c8e0-11d1-84e2-00c04fb998a2' },
  0x08: { name: 'UdpIp', guid: 'bf3a50c5-a9c9-4988-a005-2df0b7c80f80' },
  0x09: { name: 'Registry', guid: 'ae53722e-c863-11d2-8659-00c04fa321a1' },
  0x0b: { name: 'Config', guid: '01853a65-418f-4f36-aefc-dc0f1d2fd235' },
  0x0f: { name: 'PerfInfo', guid: 'ce1dbfb4-137e-4da6-87b0-3f59aa102cbc' },
  0x12: { name: 'Power', guid: 'e43445e0-0903-48c3-b878-ff0fccebdd04' },
  0x14: { name: 'Image', guid: '2cb15d1d-5fc1-11d2-abe1-00a0c911f518' },
  0x15: { name: 'DPC', guid: 'b2d14872-7c5b-463d-8419-ee9bf7d23e04' },
  0x18: { name: 'StackWalk', guid: 'def2fe46-7bd6-4b80-bd94-f57fe20d0ce3' },
  0x1a: { name: 'ALPC', guid: '45d8cccd-539f-4b72-a8b7-5c683142609a' },
};

/** Names of the hooks the viewer knows ('Group/Opcode'); others are named 'Group/<opcode>'. */
const HOOK_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'EventTrace/Header',
  0x0005: 'EventTrace/Extension',
  0x0008: 'EventTrace/RundownComplete',
  0x0020: 'EventTrace/EndExtension',
  0x0030: 'EventTrace/RundownBegin',
  0x0031: 'EventTrace/RundownEnd',
  0x0040: 'EventTrace/DbgIdRsds',
  0x0042: 'EventTrace/BuildLab',
  0x0043: 'EventTrace/BinaryPath',
  0x0050: 'EventTrace/PartitionInfo',
  0x0301: 'Process/Start',
  0x0302: 'Process/End',
  0x0303: 'Process/DCStart',
  0x0304: 'Process/DCEnd',
  0x030a: 'Image/Load',
  0x030b: 'Process/Terminate',
  0x0320: 'Process/PerfCtr',
  0x0321: 'Process/PerfCtrRundown',
  0x0327: 'Process/Defunct',
  0x0501: 'Thread/Start',
  0x0502: 'Thread/End',
  0x0503: 'Thread/DCStart',
  0x0504: 'Thread/DCEnd',
  0x0524: 'Thread/CSwitch',
  0x0525: 'Thread/CompactCSwitch',
  0x0532: 'Thread/ReadyThread',
  0x0548: 'Thread/SetName',
  0x0b0a: 'Config/CPU',
  0x0b0b: 'Config/PhyDisk',
  0x0b0c: 'Config/LogDisk',
  0x0b0d: 'Config/NIC',
  0x0b0f: 'Config/Services',
  0x0b10: 'Config/Power',
  0x0b15: 'Config/IRQ',
  0x0b16: 'Config/PnP',
  0x0f2e: 'PerfInfo/SampledProfile',
  0x0f2f: 'PerfInfo/PmcInterrupt',
  0x0f30: 'PerfInfo/PmcCounterConfig',
  0x0f32: 'PerfInfo/ISR-MSI',
  0x0f33: 'PerfInfo/SysClEnter',
  0x0f34: 'PerfInfo/SysClExit',
  0x0f3a: 'PerfInfo/DebuggerEnabled',
  0x0f42: 'PerfInfo/ThreadedDPC',
  0x0f43: 'PerfInfo/ISR',
  0x0f44: 'PerfInfo/DPC',
  0x0f45: 'PerfInfo/TimerDPC',
  0x0f48: 'PerfInfo/SetInterval',
  0x0f49: 'PerfInfo/CollectionStart',
  0x0f4a: 'PerfInfo/CollectionEnd',
  0x0f4f: 'PerfInfo/ClockInterrupt',
  0x1221: 'Power/IdleStateChangeLegacy',
  0x1233: 'Power/PerfStateChange',
  0x1235: 'Power/IdleStateChange',
  0x1239: 'Power/IdleStateEnter',
  0x123a: 'Power/IdleStateExit',
  0x123b: 'Power/PlatformIdleStateEnter',
  0x123c: 'Power/IdleExitLatency',
  0x1402: 'Image/Unload',
  0x1403: 'Image/DCStart',
  0x1404: 'Image/DCEnd',
  0x1421: 'Image/KernelBase',
  0x1422: 'Image/HypercallPage',
  0x1820: 'StackWalk/Stack',
  0x1822: 'StackWalk/KeyCreate',
  0x1823: 'StackWalk/KeyDelete',
  0x1824: 'StackWalk/KeyRundown',
  0x1825: 'StackWalk/KeyKernelRef',
  0x1826: 'StackWalk/KeyUserRef',
};

/** Known classic / manifest provider GUIDs → names (unknown GUIDs are shown as the GUID itself). */
export const KNOWN_GUID_NAMES: Readonly<Record<string, string>> = {
  [KERNEL_TRACE_CONTROL_IMAGE_ID_GUID]: 'KernelTraceControl/ImageId',
  '28ad2447-105b-4fe2-9599-e59b2aa9a634': 'KernelTraceControl',
  '9b79ee91-b5fd-41c0-a243-4248e266e9d0': 'KernelTraceControl/SysConfigEx',
  'bbccf6c1-6cd1-48c4-80ff-839482e37671': 'KernelTraceControl/MetaData',
  '6a399ae0-4bc6-4de9-870b-3657f8947e7e': 'EventTrace/LostEvent',
  // The CLR's provider (its GUID as traces and the .NET manifest spell it: …d9cc2eee27e4).
  'e13c0d23-ccbc-4e12-931b-d9cc2eee27e4': 'Microsoft-Windows-DotNETRuntime',
  '763fd754-7086-4dfe-95eb-c01a46faf4ca': 'Microsoft-Windows-DotNETRuntimePrivate',
  '2e5dba47-a3d2-4d16-8ee0-6671ffdcd7b5': 'System.Threading.Tasks.TplEventSource',
  '8e9f5090-2d75-4d03-8a81-e5afbf85daf1': 'System.Diagnostics.Eventing.FrameworkEventSource',
  'edd08927-9cc4-4e65-b970-c2560fb5c289': 'Microsoft-Windows-Kernel-File',
  '70eb4f03-c1de-4f73-a051-33d13d5413bd': 'Microsoft-Windows-Kernel-Registry',
  '7dd42a49-5329-4832-8dfd-43d979153a88': 'Microsoft-Windows-Kernel-Network',
  'c7bde69a-e1e0-4177-b6ef-283ad1525271': 'Microsoft-Windows-Kernel-Disk',
  '331c3b3a-2005-44c2-ac5e-77220c37d6b4': 'Microsoft-Windows-Kernel-Power',
  'b675ec37-bdb6-4648-bc92-f3fdc74d3ca2': 'Microsoft-Windows-Kernel-EventTracing',
  '315a8872-923e-4ea2-9889-33cd4754bf64': 'Microsoft-Windows-Immersive-Shell',
  '1c95126e-7eea-49a9-a3fe-a378b03ddb4d': 'Microsoft-Windows-DNS-Client',
  'a669021c-c450-4609-a035-5af59af4df18': 'Microsoft-Windows-DotNETRuntimeRundown',
  '0f67e49f-fe51-4e9f-b490-6f2948cc6027': 'Microsoft-Windows-Kernel-Processor-Power',
  'a0c1853b-5c40-4b15-8766-3cf1c58f985a': 'Microsoft-Windows-PowerShell',
  '22fb2cd6-0e7b-422b-a0c7-2fad1fd0e716': 'Microsoft-Windows-Kernel-Process',
  '2a576b87-09a7-520e-c21a-4942f0271d67': 'Microsoft-Antimalware-Scan-Interface',
};

const KERNEL_GROUP_BY_GUID = new Map<string, number>(
  Object.entries(KERNEL_GROUPS).map(([group, info]) => [info.guid, Number(group)]),
);

/** Name for a kernel hook: 'PerfInfo/DPC', or 'Group/<opcode>' / 'Group0x1c/<opcode>' when unknown. */
export function kernelHookName(hookId: number): string {
  const known = HOOK_NAMES[hookId];
  if (known !== undefined) return known;
  const group = KERNEL_GROUPS[hookId >> 8];
  return `${group ? group.name : 'Group0x' + (hookId >> 8).toString(16).padStart(2, '0')}/${hookId & 0xff}`;
}

/** Classic (FULL/INSTANCE) event name from its class GUID + opcode; kernel group GUIDs map to hook names. */
function classicName(guid: string, opcode: number): string {
  if (guid === KERNEL_TRACE_CONTROL_IMAGE_ID_GUID) {
    if (opcode === ImageIdOpcode.ImageId) return 'KernelTraceControl/ImageId';
    if (opcode === ImageIdOpcode.DbgIdRsds) return 'KernelTraceControl/DbgID_RSDS';
    if (opcode === ImageIdOpcode.DbgIdIlRsds) return 'KernelTraceControl/DbgID_ILRSDS';
    if (opcode === ImageIdOpcode.FileVersion) return 'KernelTraceControl/FileVersion';
    return `KernelTraceControl/ImageId/${opcode}`;
  }
  const group = KERNEL_GROUP_BY_GUID.get(guid);
  if (group !== undefined) {
    // Image Load is logged in the Process group (0x030A) but shown under the Image GUID as opcode 10.
    if (group === 0x14 && opcode === 10) return 'Image/Load';
    return kernelHookName((group << 8) | opcode);
  }
  return `${KNOWN_GUID_NAMES[guid] ?? guid}/${opcode}`;
}

const kernelNameCache = new Map<number, string>();
interface GuidNameEntry {
  readonly d0: number;
  readonly d1: number;
  readonly d2: number;
  readonly d3: number;
  readonly key: number;
  readonly family: number;
  readonly name: string;
}
const guidNameCache = new Map<number, GuidNameEntry[]>();
/** A runaway number of distinct (GUID, id) kinds (fuzzed input) must not grow the cache without bound. */
const MAX_CACHED_GUID_KINDS = 65536;
let cachedGuidKinds = 0;

/**
 * A stable kind name for any event: kernel hooks by name, FULL/INSTANCE by class GUID name + '/opcode',
 * EVENT_HEADER by provider (TraceLogging name when the event carries provider traits) + '/id'.
 */
export function eventKindName(ev: RawEvent): string {
  const family = ev.family;
  if (family === 'system' || family === 'compact' || family === 'perfinfo') {
    let name = kernelNameCache.get(ev.hookId);
    if (name === undefined) {
      name = kernelHookName(ev.hookId);
      kernelNameCache.set(ev.hookId, name);
    }
    return name;
  }
  if (family === 'message') return `Message/${ev.eventId}`;
  const g = ev.guidOffset;
  if (g < 0 || g + 16 > ev.bytes.length) return family;
  const view = ev.view;
  const d0 = view.getInt32(g, true);
  const d1 = view.getInt32(g + 4, true);
  const d2 = view.getInt32(g + 8, true);
  const d3 = view.getInt32(g + 12, true);
  const eventHeader = family === 'eventheader';
  const key = eventHeader ? ev.eventId : ev.opcode;
  const familyCode = eventHeader ? 1 : 0;
  const hash =
    (d0 ^
      Math.imul(d1, 31) ^
      Math.imul(d2, 17) ^
      Math.imul(d3, 13) ^
      Math.imul(key + 1, 0x9e3779b1) ^
      familyCode) |
    0;
  let bucket = guidNameCache.get(hash);
  if (bucket !== undefined) {
    for (let i = 0; i < bucket.length; i++) {
      const e = bucket[i];
      if (
        e.d0 === d0 &&
        e.d1 === d1 &&
        e.d2 === d2 &&
        e.d3 === d3 &&
        e.key === key &&
        e.family === familyCode
      ) {
        return e.name;
      }
    }
  }
  const guid = guidAt(ev.bytes, g);
  let name: string;
  if (eventHeader) {
    // A TraceLogging provider's GUID is derived from its name, so the traits name is stable per GUID:
    // the first event of a (provider, id) decides its name and later events hit the cache.
    const traits = providerNameFromTraits(ev);
    name = `${traits ?? KNOWN_GUID_NAMES[guid] ?? guid}/${ev.eventId}`;
  } else {
    name = classicName(guid, ev.opcode);
  }
  if (cachedGuidKinds < MAX_CACHED_GUID_KINDS) {
    cachedGuidKinds++;
    if (bucket === undefined) {
      bucket = [];
      guidNameCache.set(hash, bucket);
    }
    bucket.push({ d0, d1, d2, d3, key, family: familyCode, name });
  }
  return name;
}

const EXT_TYPE_PROV_TRAITS = 12;

/** TraceLogging provider name from an EVENT_HEADER's PROV_TRAITS extended item (u16 size, name ASCII NUL). */
export function providerNameFromTraits(ev: RawEvent): string | undefined {
  if (ev.extOffset < 0 || ev.family !== 'eventheader') return undefined;
  const view = ev.view;
  const bytes = ev.bytes;
  let item = ev.extOffset;
  const end = ev.extOffset + ev.extSize;
  while (item + 8 <= end) {
    const itemSize = view.getUint16(item, true);
    const type = view.getUint16(item + 2, true);
    const dataSize = view.getUint16(item + 6, true);
    if (type === EXT_TYPE_PROV_TRAITS && dataSize > 2 && item + 8 + dataSize <= end) {
      let text = '';
      for (let i = item + 10; i < item + 8 + dataSize && bytes[i] !== 0; i++)
        text += String.fromCharCode(bytes[i]);
      return text.length > 0 ? text : undefined;
    }
    const advance = itemSize >= 8 + dataSize ? itemSize : (8 + dataSize + 7) & ~7;
    if (advance <= 0) break;
    item += advance;
  }
  return undefined;
}

/** Kernel group GUIDs by their first dword, for classicKernelHook. */
const KERNEL_GROUP_BY_DATA1 = new Map<number, { group: number; guid: Uint8Array }[]>();
for (const [group, info] of Object.entries(KERNEL_GROUPS)) {
  const bytes = guidBytes(info.guid);
  const data1 = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (bytes[3] << 24) | 0;
  const list = KERNEL_GROUP_BY_DATA1.get(data1) ?? [];
  list.push({ group: Number(group), guid: bytes });
  KERNEL_GROUP_BY_DATA1.set(data1, list);
}

/**
 * For a FULL/INSTANCE record whose class GUID is a kernel group GUID (kernel events relogged in the
 * classic form), the equivalent kernel hook id (Group << 8 | opcode; Image opcode 10 → 0x030A Load);
 * -1 otherwise. Lets consumers that dispatch on hookId handle both forms.
 */
export function classicKernelHook(ev: RawEvent): number {
  if ((ev.family !== 'full' && ev.family !== 'instance') || ev.guidOffset < 0) return -1;
  const g = ev.guidOffset;
  if (g + 16 > ev.bytes.length) return -1;
  const candidates = KERNEL_GROUP_BY_DATA1.get(ev.view.getInt32(g, true));
  if (candidates === undefined) return -1;
  for (const c of candidates) {
    if (guidEquals(ev.bytes, g, c.guid)) {
      if (c.group === 0x14 && ev.opcode === 10) return 0x030a;
      return (c.group << 8) | (ev.opcode & 0xff);
    }
  }
  return -1;
}
