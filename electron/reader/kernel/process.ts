// Process_TypeGroup1 (0x0301–0x0304 Start/End/DCStart/DCEnd, 0x0327 Defunct), versions 2–5 (§5.8):
//   UniqueProcessKey P, ProcessId, ParentId, SessionId, ExitStatus, [v3+ DirectoryTableBase P],
//   [v4+ Flags u32], UserSID (MOF "Sid": u32 0 = none, else TOKEN_USER 2·P + SID), ImageFileName ASTR,
//   CommandLine WSTR, [v4+ PackageFullName WSTR, ApplicationId WSTR], [v5: 8 more bytes].

import { readPointerKey } from '../address.js';
import { readAnsiz, readUtf16z } from '../logfile-header.js';
import type { ProcessRecord, RawEvent } from '../types.js';

/** SID text and the offset after the SID field (MOF Sid extension, format doc §5.8). */
export function readSidField(ev: RawEvent, at: number, end: number): [string, number] {
  const view = ev.view;
  if (at + 4 > end) return ['', end];
  if (view.getUint32(at, true) === 0) return ['', at + 4];
  const sid = at + 2 * ev.pointerSize; // skip TOKEN_USER {Sid pointer, Attributes}
  if (sid + 8 > end) return ['', end];
  const revision = view.getUint8(sid);
  const count = view.getUint8(sid + 1);
  const sidEnd = sid + 8 + 4 * count;
  if (sidEnd > end) return ['', end];
  let authority = 0;
  for (let i = 0; i < 6; i++) authority = authority * 256 + view.getUint8(sid + 2 + i);
  let text = `S-${revision}-${authority}`;
  for (let i = 0; i < count; i++) text += `-${view.getUint32(sid + 8 + 4 * i, true)}`;
  return [text, sidEnd];
}

export function decodeProcess(ev: RawEvent): ProcessRecord | undefined {
  const P = ev.pointerSize;
  const version = ev.version;
  const view = ev.view;
  const at = ev.payloadOffset;
  const end = at + ev.payloadSize;
  const fixed = version >= 4 ? 2 * P + 20 : version === 3 ? 2 * P + 16 : P + 16;
  if (ev.payloadSize < fixed) return undefined;
  const [userSid, afterSid] = readSidField(ev, at + fixed, end);
  const [imageFileName, afterImage] = readAnsiz(ev.bytes, afterSid, end);
  const [commandLine, afterCommand] = readUtf16z(view, afterImage, end);
  let packageFullName = '';
  let applicationId = '';
  if (version >= 4) {
    const [pkg, afterPkg] = readUtf16z(view, afterCommand, end);
    packageFullName = pkg;
    applicationId = readUtf16z(view, afterPkg, end)[0];
  }
  return {
    uniqueProcessKey: readPointerKey(view, at, P),
    processId: view.getUint32(at + P, true),
    parentId: view.getUint32(at + P + 4, true),
    sessionId: view.getUint32(at + P + 8, true),
    exitStatus: view.getInt32(at + P + 12, true),
    flags: version >= 4 ? view.getUint32(at + 2 * P + 16, true) : 0,
    userSid,
    imageFileName,
    commandLine,
    packageFullName,
    applicationId,
  };
}
