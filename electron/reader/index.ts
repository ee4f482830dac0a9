// The reader's public API (TEAM.md "Reader public API"): everything the engine, worker, CLI and
// tests use comes from here. Pure TypeScript; node:fs only inside byte-source.ts.

export * from './types.js';
export { fileByteSource, memoryByteSource, readIntoFrom, type ReadIntoByteSource } from './byte-source.js';
export { EtlFormatError } from './errors.js';
export {
  openEtl,
  ticksToNs,
  BUFFER_HEADER_SIZE,
  MAX_BUFFER_BYTES,
  type EtlTrace,
  type ForEachOptions,
  type ReadStats,
} from './etl-trace.js';
export {
  addressKey,
  readPointerKey,
  addressKeyToHex,
  guidAt,
  guidBytes,
  guidEquals,
  readU64,
  readI64,
} from './address.js';
export { createRawEvent, readEventAt, extendedItems, type ExtendedItem } from './event-parser.js';
export {
  parseLogfileHeader,
  clockFrequency,
  makeTraceClock,
  CIRCULAR_ORIGIN_GAP_SECONDS,
} from './logfile-header.js';
export { xpressDecompress } from './xpress.js';
export {
  KernelHook,
  KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
  KERNEL_GROUPS,
  KNOWN_GUID_NAMES,
  ImageIdOpcode,
  eventKindName,
  kernelHookName,
  classicKernelHook,
  providerNameFromTraits,
} from './kernel/hooks.js';
export { decodeDpc, decodeDpcInto, createDpcScratch, dpcKindOfHook, type DpcScratch } from './kernel/dpc.js';
export {
  decodeCSwitch,
  decodeCompactCSwitchBatch,
  decodeReadyThread,
  COMPACT_MAXIMUM_WAIT_REASON,
} from './kernel/cswitch.js';
export {
  decodeSampledProfile,
  decodeSampledProfileInto,
  createSampledProfileScratch,
  decodeProfileInterval,
  type SampledProfileScratch,
} from './kernel/profile.js';
export { decodeStackWalk, decodeStackKeyReference, decodeStackKeyDefinition } from './kernel/stack.js';
export * from './kernel/sched-names.js';
export { decodeProcess } from './kernel/process.js';
export { decodeThread, decodeThreadName } from './kernel/thread.js';
export { decodeImage, decodeKernelBase } from './kernel/image.js';
export {
  decodeImageId,
  decodeDbgIdRsds,
  imageIdOpcode,
  isImageIdEvent,
  isDbgIdRsdsEvent,
} from './kernel/image-id.js';
export {
  decodeSystemConfigCpu,
  decodeSystemConfigPnp,
  isProcessorDevice,
  isSystemConfigCpuEvent,
  isSystemConfigPnpEvent,
  PROCESSOR_DEVICE_CLASS_GUID,
  SYSTEM_CONFIG_CPU_HOOK,
  SYSTEM_CONFIG_PNP_HOOK,
  type SystemConfigCpuRecord,
  type SystemConfigPnpRecord,
} from './kernel/system-config.js';
export {
  decodeVolumeMapping,
  isVolumeMappingEvent,
  volumePathMapper,
  type VolumeMappingRecord,
} from './kernel/volume-mapping.js';
export {
  decodeIdleEnter,
  decodeIdleExit,
  decodePerfState,
  decodeIdleStateChange,
  type IdleStateChangeRecord,
} from './kernel/power.js';
export { decodeHeaderExtension, groupMaskEnabled, GroupMask } from './kernel/header-extension.js';
export { summarizeTrace, formatSummary, type TraceSummary } from './summary.js';
