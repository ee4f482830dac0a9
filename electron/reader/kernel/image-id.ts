// KernelTraceControl image identification (§4.6), classic events with class GUID
// b3e675d7-2554-4f18-830b-2762732560de (accepted as EVENT_HEADER ProviderId too):
//   opcode 0  ImageId:    ImageBase P, ImageSize P, ProcessId u32, TimeDateStamp u32, OriginalFileName WSTR.
//   opcode 36 DbgID_RSDS: ImageBase P, ProcessId u32, GUID (16), Age u32, PdbFileName ASTR.

import { guidAt, guidBytes, guidEquals, readPointerKey } from '../address.js';
import { readAnsiz, readUtf16z } from '../logfile-header.js';
import type { DbgIdRsdsRecord, ImageIdRecord, RawEvent } from '../types.js';
import { ImageIdOpcode, KERNEL_TRACE_CONTROL_IMAGE_ID_GUID } from './hooks.js';

const IMAGE_ID_GUID_BYTES = guidBytes(KERNEL_TRACE_CONTROL_IMAGE_ID_GUID);

/** The ImageId-family opcode (0 ImageId, 36 DbgID_RSDS, …) when `ev` belongs to it, else -1. */
export function imageIdOpcode(ev: RawEvent): number {
  const family = ev.family;
  if (family !== 'full' && family !== 'instance' && family !== 'eventheader') return -1;
  if (!guidEquals(ev.bytes, ev.guidOffset, IMAGE_ID_GUID_BYTES)) return -1;
  // EVENT_HEADER form: the opcode carries the type (the event id may differ per provider build).
  return ev.opcode;
}

export function isImageIdEvent(ev: RawEvent): boolean {
  return imageIdOpcode(ev) === ImageIdOpcode.ImageId;
}

export function isDbgIdRsdsEvent(ev: RawEvent): boolean {
  return imageIdOpcode(ev) === ImageIdOpcode.DbgIdRsds;
}

export function decodeImageId(ev: RawEvent): ImageIdRecord | undefined {
  const P = ev.pointerSize;
  if (ev.payloadSize < 2 * P + 8) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    imageBase: readPointerKey(view, at, P),
    imageSize: Number(readPointerKey(view, at + P, P)),
    processId: view.getUint32(at + 2 * P, true),
    timeDateStamp: view.getUint32(at + 2 * P + 4, true),
    originalFileName: readUtf16z(view, at + 2 * P + 8, at + ev.payloadSize)[0],
  };
}

export function decodeDbgIdRsds(ev: RawEvent): DbgIdRsdsRecord | undefined {
  const P = ev.pointerSize;
  if (ev.payloadSize < P + 24) return undefined;
  const view = ev.view;
  const at = ev.payloadOffset;
  return {
    imageBase: readPointerKey(view, at, P),
    processId: view.getUint32(at + P, true),
    guid: guidAt(ev.bytes, at + P + 4),
    age: view.getUint32(at + P + 20, true),
    pdbFileName: readAnsiz(ev.bytes, at + P + 24, at + ev.payloadSize)[0],
  };
}
