// Image_Load (0x030A Load, 0x1402 Unload, 0x1403/0x1404 DCStart/DCEnd), v2/v3 (§5.10), offsets from P:
//   ImageBase P @0, ImageSize P @P, ProcessId u32 @2P, ImageChecksum @2P+4, TimeDateStamp @2P+8,
//   Reserved0/Signature @2P+12, DefaultBase P @2P+16, Reserved1..4 @3P+16, FileName WSTR @3P+32.
//   v1: ImageBase P, ImageSize P, ProcessId u32, FileName WSTR @2P+4.
// KernelBase 0x1421: one pointer (ntoskrnl base).

import { readPointerKey } from '../address.js';
import { readUtf16z } from '../logfile-header.js';
import type { AddressKey, ImageRecord, RawEvent } from '../types.js';

export function decodeImage(ev: RawEvent): ImageRecord | undefined {
  const P = ev.pointerSize;
  const view = ev.view;
  const at = ev.payloadOffset;
  const end = at + ev.payloadSize;
  if (ev.version < 2) {
    if (ev.payloadSize < 2 * P + 4) return undefined;
    return {
      imageBase: readPointerKey(view, at, P),
      imageSize: Number(readPointerKey(view, at + P, P)),
      processId: view.getUint32(at + 2 * P, true),
      checksum: 0,
      timeDateStamp: 0,
      defaultBase: 0 as AddressKey,
      fileName: readUtf16z(view, at + 2 * P + 4, end)[0],
    };
  }
  if (ev.payloadSize < 3 * P + 32) return undefined;
  return {
    imageBase: readPointerKey(view, at, P),
    imageSize: Number(readPointerKey(view, at + P, P)),
    processId: view.getUint32(at + 2 * P, true),
    checksum: view.getUint32(at + 2 * P + 4, true),
    timeDateStamp: view.getUint32(at + 2 * P + 8, true),
    defaultBase: readPointerKey(view, at + 2 * P + 16, P),
    fileName: readUtf16z(view, at + 3 * P + 32, end)[0],
  };
}

/** KernelBase (0x1421) / HypercallPage (0x1422): the one pointer in the payload. */
export function decodeKernelBase(ev: RawEvent): AddressKey | undefined {
  if (ev.payloadSize < ev.pointerSize) return undefined;
  return readPointerKey(ev.view, ev.payloadOffset, ev.pointerSize);
}
