// Decodes one trace record header (format doc §3) into the reused RawEvent cursor. Hot path: no
// allocation, no strings, one switch on the header type; sizes validated against the buffer end.
//
//   buffer bytes [0x48 … dataEnd) ──readEventAt(ev, pos)──> ev fields, returns next 8-aligned pos
//
// A negative return value is an EVENT_* code: the rest of that buffer cannot be walked.

import { HeaderType, NO_ID, type RawEvent } from './types.js';

/** Byte 3 bit 7 clear (legacy WNODE header, zeros) or not a known marker. */
export const EVENT_BAD_MARKER = -1;
/** Header type byte not known (or TIMED/ERROR/WNODE, whose layout is not usable). */
export const EVENT_UNKNOWN_TYPE = -2;
/** Size field smaller than the header or running past the end of the buffer data. */
export const EVENT_BAD_SIZE = -3;
/** EVENT_HEADER extended items run past the record. */
export const EVENT_BAD_EXTENDED = -4;

export function eventErrorText(code: number): string {
  switch (code) {
    case EVENT_BAD_MARKER:
      return 'record marker is not a trace header';
    case EVENT_UNKNOWN_TYPE:
      return 'unknown trace header type';
    case EVENT_BAD_SIZE:
      return 'record size is invalid';
    case EVENT_BAD_EXTENDED:
      return 'extended data items are invalid';
    default:
      return `error ${code}`;
  }
}

const TWO_POW_32 = 4294967296;
const EMPTY_BYTES = new Uint8Array(0);

/** A fresh cursor; readers reuse one per stream and refill it for every record. */
export function createRawEvent(): RawEvent {
  return {
    cpu: 0,
    headerType: HeaderType.System64,
    family: 'system',
    pointerSize: 8,
    timestamp: 0,
    hookId: 0,
    version: 0,
    opcode: 0,
    eventId: 0,
    task: 0,
    threadId: NO_ID,
    processId: NO_ID,
    guidOffset: -1,
    extOffset: -1,
    extSize: 0,
    recordOffset: 0,
    recordSize: 0,
    payloadOffset: 0,
    payloadSize: 0,
    bytes: EMPTY_BYTES,
    view: new DataView(EMPTY_BYTES.buffer),
    bufferIndex: -1,
    bufferFileOffset: 0,
  };
}

/**
 * Reads the record at `pos` (which must be < end) into `ev`. `ev.bytes`/`ev.view` must already be
 * the buffer. Returns the offset of the next record (pos + align8(size)) or a negative EVENT_* code.
 */
export function readEventAt(ev: RawEvent, pos: number, end: number): number {
  const bytes = ev.bytes;
  if (pos + 8 > end) return EVENT_BAD_SIZE;
  const view = ev.view;
  const headerTypeByte = bytes[pos + 2];
  const markerFlags = bytes[pos + 3];
  if ((markerFlags & 0x80) === 0) return EVENT_BAD_MARKER;
  if ((markerFlags & 0x40) === 0) {
    if ((markerFlags & 0x10) !== 0) return readMessageAt(ev, pos, end);
    return EVENT_BAD_MARKER;
  }
  let size: number;
  let headerSize: number;
  switch (headerTypeByte) {
    case 0x01: // SYSTEM32
    case 0x02: // SYSTEM64
    case 0x03: // COMPACT32
    case 0x04: {
      // COMPACT64
      const compact = headerTypeByte >= 0x03;
      headerSize = compact ? 0x18 : 0x20;
      size = view.getUint16(pos + 4, true);
      if (size < headerSize || pos + size > end) return EVENT_BAD_SIZE;
      const hook = view.getUint16(pos + 6, true);
      ev.headerType = headerTypeByte as 1 | 2 | 3 | 4;
      ev.family = compact ? 'compact' : 'system';
      ev.pointerSize = (headerTypeByte & 1) === 1 ? 4 : 8;
      ev.version = bytes[pos];
      ev.hookId = hook;
      ev.opcode = hook & 0xff;
      ev.eventId = 0;
      ev.task = 0;
      ev.threadId = view.getUint32(pos + 8, true);
      ev.processId = view.getUint32(pos + 12, true);
      ev.timestamp = view.getUint32(pos + 20, true) * TWO_POW_32 + view.getUint32(pos + 16, true);
      ev.guidOffset = -1;
      ev.extOffset = -1;
      ev.extSize = 0;
      break;
    }
    case 0x10: // PERFINFO32
    case 0x11: {
      // PERFINFO64
      const versionWord = view.getUint16(pos, true);
      headerSize = 16 + ((versionWord & 0x8000) !== 0 ? 8 : 0) + 8 * ((versionWord >>> 8) & 7);
      size = view.getUint16(pos + 4, true);
      if (size < headerSize || pos + size > end) return EVENT_BAD_SIZE;
      const hook = view.getUint16(pos + 6, true);
      ev.headerType = headerTypeByte as 0x10 | 0x11;
      ev.family = 'perfinfo';
      ev.pointerSize = headerTypeByte === 0x10 ? 4 : 8;
      ev.version = versionWord & 0xff;
      ev.hookId = hook;
      ev.opcode = hook & 0xff;
      ev.eventId = 0;
      ev.task = 0;
      ev.threadId = NO_ID;
      ev.processId = NO_ID;
      ev.timestamp = view.getUint32(pos + 12, true) * TWO_POW_32 + view.getUint32(pos + 8, true);
      ev.guidOffset = -1;
      // PMC/PEBS values sit between the header and the payload: expose them as the extended region.
      ev.extOffset = headerSize > 16 ? pos + 16 : -1;
      ev.extSize = headerSize - 16;
      break;
    }
    case 0x0a: // FULL32
    case 0x14: // FULL64
    case 0x0b: // INSTANCE32
    case 0x15: {
      // INSTANCE64
      const instance = headerTypeByte === 0x0b || headerTypeByte === 0x15;
      headerSize = instance ? 0x48 : 0x30;
      size = view.getUint16(pos, true);
      if (size < headerSize || pos + size > end) return EVENT_BAD_SIZE;
      ev.headerType = headerTypeByte as 0x0a | 0x14 | 0x0b | 0x15;
      ev.family = instance ? 'instance' : 'full';
      ev.pointerSize = headerTypeByte === 0x0a || headerTypeByte === 0x0b ? 4 : 8;
      ev.opcode = bytes[pos + 4];
      ev.version = view.getUint16(pos + 6, true);
      ev.hookId = 0;
      ev.eventId = 0;
      ev.task = 0;
      ev.threadId = view.getUint32(pos + 8, true);
      ev.processId = view.getUint32(pos + 12, true);
      ev.timestamp = view.getUint32(pos + 20, true) * TWO_POW_32 + view.getUint32(pos + 16, true);
      ev.guidOffset = pos + 0x18;
      ev.extOffset = -1;
      ev.extSize = 0;
      break;
    }
    case 0x12: // EVENT_HEADER32
    case 0x13: {
      // EVENT_HEADER64
      size = view.getUint16(pos, true);
      if (size < 0x50 || pos + size > end) return EVENT_BAD_SIZE;
      headerSize = 0x50;
      ev.extOffset = -1;
      ev.extSize = 0;
      if ((view.getUint16(pos + 4, true) & 0x0001) !== 0) {
        // Inline extended items: u16 item size (8-aligned), u16 type, u16 linkage bit 0, u16 data size.
        let item = pos + 0x50;
        const recordEnd = pos + size;
        for (;;) {
          if (item + 8 > recordEnd) return EVENT_BAD_EXTENDED;
          const itemSize = view.getUint16(item, true);
          const dataSize = view.getUint16(item + 6, true);
          const minimum = (8 + dataSize + 7) & ~7;
          const advance = itemSize >= 8 + dataSize ? itemSize : minimum;
          if (item + advance > recordEnd) return EVENT_BAD_EXTENDED;
          const linked = (view.getUint16(item + 4, true) & 1) !== 0;
          item += advance;
          if (!linked) break;
        }
        ev.extOffset = pos + 0x50;
        ev.extSize = item - (pos + 0x50);
        headerSize = item - pos;
      }
      ev.headerType = headerTypeByte as 0x12 | 0x13;
      ev.family = 'eventheader';
      ev.pointerSize = headerTypeByte === 0x12 ? 4 : 8;
      ev.hookId = 0;
      ev.eventId = view.getUint16(pos + 0x28, true);
      ev.version = bytes[pos + 0x2a];
      ev.opcode = bytes[pos + 0x2d];
      ev.task = view.getUint16(pos + 0x2e, true);
      ev.threadId = view.getUint32(pos + 8, true);
      ev.processId = view.getUint32(pos + 12, true);
      ev.timestamp = view.getUint32(pos + 20, true) * TWO_POW_32 + view.getUint32(pos + 16, true);
      ev.guidOffset = pos + 0x18;
      break;
    }
    default:
      return EVENT_UNKNOWN_TYPE;
  }
  ev.recordOffset = pos;
  ev.recordSize = size;
  ev.payloadOffset = pos + headerSize;
  ev.payloadSize = size - headerSize;
  return pos + ((size + 7) & ~7);
}

/** MESSAGE_TRACE_HEADER (WPP): walked by size; the optional items give thread and timestamp. */
function readMessageAt(ev: RawEvent, pos: number, end: number): number {
  const view = ev.view;
  const size = view.getUint16(pos, true);
  if (size < 8 || pos + size > end) return EVENT_BAD_SIZE;
  const options = view.getUint16(pos + 6, true);
  const recordEnd = pos + size;
  let at = pos + 8;
  if ((options & 0x01) !== 0) at += 4; // sequence number
  if ((options & 0x04) !== 0)
    at += 4; // component id (wins over the GUID)
  else if ((options & 0x02) !== 0) at += 16; // GUID
  if ((options & 0x08) !== 0 && at + 8 <= recordEnd) {
    ev.timestamp = view.getUint32(at + 4, true) * TWO_POW_32 + view.getUint32(at, true);
    at += 8;
  }
  ev.threadId = NO_ID;
  ev.processId = NO_ID;
  if ((options & 0x20) !== 0 && at + 8 <= recordEnd) {
    ev.threadId = view.getUint32(at, true);
    ev.processId = view.getUint32(at + 4, true);
    at += 8;
  }
  if (at > recordEnd) at = recordEnd;
  ev.headerType = HeaderType.Message;
  ev.family = 'message';
  ev.pointerSize = (options & 0x40) !== 0 ? 4 : 8;
  ev.hookId = 0;
  ev.version = 0;
  ev.opcode = 0;
  ev.eventId = view.getUint16(pos + 4, true);
  ev.task = 0;
  ev.guidOffset = -1;
  ev.extOffset = -1;
  ev.extSize = 0;
  ev.recordOffset = pos;
  ev.recordSize = size;
  ev.payloadOffset = at;
  ev.payloadSize = recordEnd - at;
  return pos + ((size + 7) & ~7);
}

/** One inline EVENT_HEADER extended data item (format doc §3.6). */
export interface ExtendedItem {
  /** EVENT_HEADER_EXT_TYPE_*: 1 related activity id, 2 SID, 5/6 stack trace 32/64, 11 TraceLogging schema, 12 provider traits, … */
  readonly extType: number;
  /** Offset of the item's data in `ev.bytes`. */
  readonly dataOffset: number;
  readonly dataSize: number;
}

/** The extended items of an EVENT_HEADER record (empty for other kinds). Allocates: not for the hot path. */
export function extendedItems(ev: RawEvent): ExtendedItem[] {
  const items: ExtendedItem[] = [];
  if (ev.family !== 'eventheader' || ev.extOffset < 0) return items;
  const view = ev.view;
  const end = ev.extOffset + ev.extSize;
  let item = ev.extOffset;
  while (item + 8 <= end) {
    const itemSize = view.getUint16(item, true);
    const dataSize = view.getUint16(item + 6, true);
    if (item + 8 + dataSize > end) break;
    items.push({ extType: view.getUint16(item + 2, true), dataOffset: item + 8, dataSize });
    item += itemSize >= 8 + dataSize ? itemSize : (8 + dataSize + 7) & ~7;
  }
  return items;
}
