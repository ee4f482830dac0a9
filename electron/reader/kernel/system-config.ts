// SystemConfig (kernel group 0x0B, "Config") events about the processor, which the kernel logger
// writes at its rundown:
//   CPU (opcode 10): MHz, NumberOfProcessors, MemSize (MB), PageSize, AllocationGranularity,
//     ComputerName WCHAR[256], DomainName WCHAR[134], HyperThreadingFlag P; v3 adds
//     HighestUserAddress P, ProcessorArchitecture u16, ProcessorLevel u16, ProcessorRevision u16,
//     PaeEnabled u8, NxEnabled u8, MemorySpeed u32 (828 bytes with 8-byte pointers, as in both
//     real traces that carry it: perfview-diaghub-kernel.etl, perfview-net452-x64.etl).
//   PnP (opcode 22): ClassGuid, UpperFilterCount u32, LowerFilterCount u32, (v5: DevStatus u32,
//     DevProblem u32), then NUL-terminated UTF-16 DeviceID, DeviceDescription, FriendlyName,
//     PdoName, ServiceName. A processor device (class GUID_DEVCLASS_PROCESSOR) carries the
//     processor's marketing name as its FriendlyName ("Intel(R) Xeon(R) CPU E5-2673 v4 @ 2.30GHz"),
//     one event per logical processor.
// Neither event is decoded for its computer or domain name: the viewer shows only the processor.

import { guidAt, guidBytes, guidEquals } from '../address.js';
import { readUtf16Strings } from '../logfile-header.js';
import type { RawEvent } from '../types.js';
import { classicKernelHook, KernelHook } from './hooks.js';

export const SYSTEM_CONFIG_CPU_HOOK = KernelHook.SystemConfigCpu;
export const SYSTEM_CONFIG_PNP_HOOK = KernelHook.SystemConfigPnp;
/** GUID_DEVCLASS_PROCESSOR: the device setup class of processors. */
export const PROCESSOR_DEVICE_CLASS_GUID = '50127dc3-0f36-415e-a6cc-4cb3be910b65';
const PROCESSOR_CLASS_BYTES = guidBytes(PROCESSOR_DEVICE_CLASS_GUID);

/** Offset of HyperThreadingFlag (after ComputerName[256] and DomainName[134], v2+). */
const CPU_HT_FLAG_OFFSET = 20 + 2 * 256 + 2 * 134;

export interface SystemConfigCpuRecord {
  /** Nominal processor speed, MHz. */
  readonly mhz: number;
  readonly numberOfProcessors: number;
  readonly memSizeMb: number;
  /** v3+: Windows PROCESSOR_ARCHITECTURE (0 x86, 5 ARM, 9 x64, 12 ARM64); undefined before v3. */
  readonly architecture?: number;
  /** v3+: ProcessorLevel (x86/x64: the CPUID family). */
  readonly level?: number;
  /** v3+: ProcessorRevision (x86/x64 family 6+: model << 8 | stepping). */
  readonly revision?: number;
}

export interface SystemConfigPnpRecord {
  readonly classGuid: string;
  readonly deviceId: string;
  readonly description: string;
  readonly friendlyName: string;
  readonly serviceName: string;
}

/** The SystemConfig hook of an event: logged in kernel form, or relogged with the Config class GUID. */
function configHook(ev: RawEvent): number {
  const family = ev.family;
  if (family === 'system' || family === 'compact' || family === 'perfinfo') return ev.hookId;
  return classicKernelHook(ev);
}

export function isSystemConfigCpuEvent(ev: RawEvent): boolean {
  return configHook(ev) === SYSTEM_CONFIG_CPU_HOOK;
}

export function isSystemConfigPnpEvent(ev: RawEvent): boolean {
  return configHook(ev) === SYSTEM_CONFIG_PNP_HOOK;
}

export function decodeSystemConfigCpu(ev: RawEvent): SystemConfigCpuRecord | undefined {
  const view = ev.view;
  const at = ev.payloadOffset;
  const size = ev.payloadSize;
  if (size < 12) return undefined;
  const base = {
    mhz: view.getUint32(at, true),
    numberOfProcessors: view.getUint32(at + 4, true),
    memSizeMb: view.getUint32(at + 8, true),
  };
  const P = ev.pointerSize;
  const arch = CPU_HT_FLAG_OFFSET + 2 * P;
  if (ev.version < 3 || size < arch + 6) return base;
  return {
    ...base,
    architecture: view.getUint16(at + arch, true),
    level: view.getUint16(at + arch + 2, true),
    revision: view.getUint16(at + arch + 4, true),
  };
}

export function decodeSystemConfigPnp(ev: RawEvent): SystemConfigPnpRecord | undefined {
  const at = ev.payloadOffset;
  const end = at + ev.payloadSize;
  const strings = at + 24 + (ev.version >= 5 ? 8 : 0);
  if (ev.version < 4 || strings > end) return undefined;
  const [deviceId = '', description = '', friendlyName = '', , serviceName = ''] = readUtf16Strings(
    ev.view,
    strings,
    end,
    5,
  );
  return { classGuid: guidAt(ev.bytes, at), deviceId, description, friendlyName, serviceName };
}

/** True for a PnP record of a processor device. */
export function isProcessorDevice(ev: RawEvent): boolean {
  return ev.payloadSize >= 16 && guidEquals(ev.bytes, ev.payloadOffset, PROCESSOR_CLASS_BYTES);
}
