// Structure-aware edits for the fuzzer: a fuzz input is an edit script followed by an ETL file.
//
//   input = [k: u8] [k × 8-byte edits] [file bytes]          (seeds carry k = 0)
//   edit  = [op: u8] [sel: u8] [sub: u16 LE] [value: u32 LE]
//
// libFuzzer mutates all of it byte by byte (and crosses inputs over); the edits are what know the
// format: they find buffers by walking each WMI_BUFFER_HEADER's BufferSize (0x00), events inside a
// plain buffer by each record's 16-bit Size (at +4 in SYSTEM/COMPACT/PERFINFO headers, else +0;
// 8-byte aligned, up to SavedOffset),
// and set the fields a hostile file would lie in: BufferSize, SavedOffset, CurrentOffset (0x30),
// ProcessorNumber / ProcessorIndex (0x28), sequence (0x18), timestamps (0x10), BufferFlag (0x34:
// compressed 0x40, ProcessorIndex 0x20, lost events/buffers), BufferType (0x36), a record's Size,
// header type (byte 2), marker (byte 3), hook id / version words, the logfile header's fields
// (NumberOfProcessors, BufferSize, PointerSize …), and whole-buffer moves: decompress a compressed
// buffer into a plain one (so byte mutations reach its events), repeat a buffer, append many tiny
// buffers, cut the file. Values come raw or from a table of sizes that sit on the edges.

import { xpressDecompress } from '../../electron/reader/xpress.js';

const BUFFER_HEADER = 0x48;
const EDIT_BYTES = 8;
/** Edits per input at most (k & 7): enough to combine a few lies, few enough to keep runs short. */
const MAX_EDITS = 7;
/** Buffers walked at most (inputs are ≤ 1 MiB; the cap bounds the walk on absurd ones). */
const MAX_BUFFERS = 4096;
/** Growth a repeat/append edit may cause: keeps one run well under the per-input timeout. */
const MAX_ADDED_BYTES = 1 << 20;

/** Values on the edges of what the reader checks (sizes, counts, masks). */
const EDGE_VALUES = [
  0,
  1,
  7,
  8,
  0x10,
  0x18,
  0x20,
  0x47,
  0x48,
  0x49,
  0x50,
  0xff,
  0x100,
  0x7ff,
  0x800,
  0x801,
  0xfff,
  0x1000,
  0xffff,
  0x10000,
  0x10001,
  0x7fffffff,
  0x80000000,
  0xfffffffe,
  0xffffffff,
  16_000_000,
  2048,
  2049,
  64 * 1024 * 1024,
  64 * 1024 * 1024 + 1,
  256 * 0x1000,
  0x00ffffff,
];

/** Buffer-header fields an edit can set (offset, width in bytes). */
const BUFFER_FIELDS: readonly [number, 1 | 2 | 4][] = [
  [0x00, 4], // BufferSize
  [0x04, 4], // SavedOffset
  [0x30, 4], // CurrentOffset
  [0x28, 1], // ProcessorNumber
  [0x28, 2], // ProcessorIndex (with flag 0x20)
  [0x2a, 2], // LoggerId
  [0x18, 4], // SequenceNumber (low)
  [0x1c, 4], // SequenceNumber (high)
  [0x10, 4], // TimeStamp (low)
  [0x14, 4], // TimeStamp (high)
  [0x34, 2], // BufferFlag
  [0x36, 2], // BufferType
];

/** Record-header fields an edit can set (offset from the record, width). */
const EVENT_FIELDS: readonly [number, 1 | 2 | 4][] = [
  [0x00, 2], // Size (FULL, INSTANCE, EVENT_HEADER) or Version (SYSTEM, COMPACT, PERFINFO)
  [0x02, 1], // HeaderType
  [0x03, 1], // MarkerFlags
  [0x04, 2], // Size (SYSTEM, COMPACT, PERFINFO) or Flags / opcode
  [0x06, 2], // HookId or EventProperty / version
  [0x08, 4], // ThreadId / the first payload word
  [0x10, 4], // TimeStamp (low) or payload
  [0x14, 4], // TimeStamp (high) or payload
  [0x18, 4], // payload (DPC InitialTime, CSwitch thread ids, counts …)
  [0x20, 4],
  [0x28, 4],
  [0x30, 4],
];

/** Logfile header fields (payload of the first record: buffer header + 0x20-byte SYSTEM header). */
const LOGFILE_PAYLOAD = BUFFER_HEADER + 0x20;
const LOGFILE_FIELDS: readonly [number, 1 | 2 | 4][] = [
  [0x00, 4], // BufferSize
  [0x04, 4], // Version
  [0x08, 4], // ProviderVersion (build)
  [0x0c, 4], // NumberOfProcessors
  [0x18, 4], // TimerResolution
  [0x1c, 4], // MaximumFileSize
  [0x20, 4], // LogFileMode
  [0x24, 4], // BuffersWritten
  [0x2c, 4], // PointerSize
  [0x30, 4], // EventsLost
  [0x34, 4], // CpuSpeedInMHz
];

interface Buffer {
  readonly offset: number;
  readonly size: number;
}

function buffersOf(bytes: Uint8Array): Buffer[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const list: Buffer[] = [];
  let pos = 0;
  while (pos + BUFFER_HEADER <= bytes.length && list.length < MAX_BUFFERS) {
    const size = view.getUint32(pos, true);
    if (size < BUFFER_HEADER) break;
    list.push({ offset: pos, size: Math.min(size, bytes.length - pos) });
    pos += size;
  }
  return list;
}

/** A record's size: SYSTEM/COMPACT/PERFINFO headers keep it at +4 (after a version word), the
 *  others (FULL, INSTANCE, EVENT_HEADER, MESSAGE) at +0. */
function recordSize(view: DataView, pos: number): number {
  const type = view.getUint8(pos + 2);
  return (type >= 1 && type <= 4) || type === 0x10 || type === 0x11
    ? view.getUint16(pos + 4, true)
    : view.getUint16(pos, true);
}

function eventsOf(bytes: Uint8Array, buffer: Buffer): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const saved = view.getUint32(buffer.offset + 4, true) || view.getUint32(buffer.offset + 0x30, true);
  const end = buffer.offset + Math.min(buffer.size, saved > 0 ? saved : buffer.size);
  const list: number[] = [];
  let pos = buffer.offset + BUFFER_HEADER;
  while (pos + 4 <= end && list.length < 4096) {
    const size = recordSize(view, pos);
    if (size < 4) break;
    list.push(pos);
    pos += (size + 7) & ~7;
  }
  return list;
}

function pickValue(value: number, current: number): number {
  // High bit set: an edge value or one next to the field's own value; else the raw 31 bits.
  if ((value & 0x80000000) === 0) return value;
  const k = value & 0xffff;
  const around = [current - 1, current + 1, current * 2, current >>> 1, current ^ 0x40, current + 8];
  const table = [...EDGE_VALUES, ...around];
  return table[k % table.length]! >>> 0;
}

function setField(bytes: Uint8Array, at: number, width: 1 | 2 | 4, value: number): void {
  if (at < 0 || at + width > bytes.length) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const current =
    width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at, true) : view.getUint32(at, true);
  const v = pickValue(value, current);
  if (width === 1) view.setUint8(at, v & 0xff);
  else if (width === 2) view.setUint16(at, v & 0xffff, true);
  else view.setUint32(at, v >>> 0, true);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Compressed buffer → the same buffer plain (flag cleared, size = SavedOffset), or unchanged. */
function decompressBuffer(bytes: Uint8Array, b: Buffer): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if ((view.getUint16(b.offset + 0x34, true) & 0x40) === 0) return bytes;
  const saved = view.getUint32(b.offset + 4, true);
  if (saved <= BUFFER_HEADER || saved > 1 << 20) return bytes;
  const plain = new Uint8Array((saved + 7) & ~7);
  plain.set(bytes.subarray(b.offset, b.offset + BUFFER_HEADER));
  const produced = xpressDecompress(
    bytes,
    b.offset + BUFFER_HEADER,
    b.offset + b.size,
    plain,
    BUFFER_HEADER,
    saved - BUFFER_HEADER,
  );
  if (produced !== saved - BUFFER_HEADER) return bytes;
  const pv = new DataView(plain.buffer);
  pv.setUint32(0, plain.length, true);
  pv.setUint16(0x34, pv.getUint16(0x34, true) & ~0x40, true);
  return concat([bytes.subarray(0, b.offset), plain, bytes.subarray(b.offset + b.size)]);
}

/** A minimal buffer: header only, no events (what "many tiny buffers" files are made of). */
function tinyBuffer(cpu: number, sequence: number): Uint8Array {
  const t = new Uint8Array(BUFFER_HEADER);
  const v = new DataView(t.buffer);
  v.setUint32(0, BUFFER_HEADER, true);
  v.setUint32(4, BUFFER_HEADER, true);
  v.setUint32(0x18, sequence, true);
  v.setUint8(0x28, cpu);
  v.setUint16(0x36, 1, true);
  return t;
}

/** Applies one edit; returns the (possibly new) file bytes. */
function applyEdit(bytes: Uint8Array, edit: DataView, at: number): Uint8Array {
  const op = edit.getUint8(at) % 10;
  const sel = edit.getUint8(at + 1);
  const sub = edit.getUint16(at + 2, true);
  const value = edit.getUint32(at + 4, true);
  const buffers = buffersOf(bytes);
  if (buffers.length === 0) return bytes;
  const b = buffers[sel % buffers.length]!;
  switch (op) {
    case 0: {
      const [off, width] = BUFFER_FIELDS[sub % BUFFER_FIELDS.length]!;
      setField(bytes, b.offset + off, width, value);
      return bytes;
    }
    case 1: {
      const events = eventsOf(bytes, b);
      if (events.length === 0) return bytes;
      const [off, width] = EVENT_FIELDS[(sub >> 8) % EVENT_FIELDS.length]!;
      setField(bytes, events[(sub & 0xff) % events.length]! + off, width, value);
      return bytes;
    }
    case 2: {
      const [off, width] = LOGFILE_FIELDS[sub % LOGFILE_FIELDS.length]!;
      setField(bytes, LOGFILE_PAYLOAD + off, width, value);
      return bytes;
    }
    case 3:
      return decompressBuffer(bytes, b);
    case 4: {
      // Repeat a buffer (more buffers of one CPU, equal sequence numbers, out-of-order copies).
      const copies = 1 + (sub % 16);
      if (b.size * copies > MAX_ADDED_BYTES) return bytes;
      const one = bytes.slice(b.offset, b.offset + b.size);
      const parts = [bytes.subarray(0, b.offset + b.size)];
      for (let i = 0; i < copies; i++) parts.push(one);
      parts.push(bytes.subarray(b.offset + b.size));
      return concat(parts);
    }
    case 5: {
      // Append many tiny buffers on CPUs chosen by the value.
      const count = 1 + (sub % 2048);
      const parts = [bytes];
      for (let i = 0; i < count; i++) parts.push(tinyBuffer((value >>> (i % 24)) & 0xff, i));
      return concat(parts);
    }
    case 6:
      // Cut the file inside or at the start of a buffer.
      return bytes.subarray(0, Math.min(bytes.length, b.offset + (sub % Math.max(1, b.size))));
    case 7: {
      // Flip one flag bit of a buffer: compressed, ProcessorIndex, lost events/buffers, flush …
      const bit = 1 << (sub % 8);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      view.setUint16(b.offset + 0x34, view.getUint16(b.offset + 0x34, true) ^ bit, true);
      return bytes;
    }
    case 8: {
      // Swap two buffers (order on disk ≠ sequence order).
      const c = buffers[(sel + 1 + (sub % 7)) % buffers.length]!;
      if (c.offset <= b.offset) return bytes;
      return concat([
        bytes.subarray(0, b.offset),
        bytes.subarray(c.offset, c.offset + c.size),
        bytes.subarray(b.offset + b.size, c.offset),
        bytes.subarray(b.offset, b.offset + b.size),
        bytes.subarray(c.offset + c.size),
      ]);
    }
    default: {
      // Set every record's field in one buffer (a consistent lie: all events of a CPU).
      const [off, width] = EVENT_FIELDS[sub % EVENT_FIELDS.length]!;
      for (const e of eventsOf(bytes, b)) setField(bytes, e + off, width, value);
      return bytes;
    }
  }
}

/** Fuzz input → the ETL file bytes to load (edits applied; the input itself is never written to). */
export function fileFromInput(input: Uint8Array): Uint8Array {
  if (input.length === 0) return input;
  const k = Math.min(input[0]! & 7, MAX_EDITS);
  const scriptEnd = 1 + k * EDIT_BYTES;
  if (input.length < scriptEnd) return input.slice(1);
  let bytes: Uint8Array = input.slice(scriptEnd);
  const edits = new DataView(input.buffer, input.byteOffset, scriptEnd);
  for (let i = 0; i < k; i++) bytes = applyEdit(bytes, edits, 1 + i * EDIT_BYTES);
  return bytes;
}

/** A seed for the corpus: a file with an empty edit script. */
export function seedFromFile(file: Uint8Array): Uint8Array {
  return concat([Uint8Array.of(0), file]);
}

/** The first buffers of a file, at most `maxBytes` (a big real trace cut to a seed). */
export function firstBuffers(file: Uint8Array, maxBytes: number): Uint8Array {
  let end = 0;
  for (const b of buffersOf(file)) {
    if (b.offset + b.size > maxBytes && end > 0) break;
    end = b.offset + b.size;
  }
  return file.subarray(0, Math.min(end || maxBytes, file.length));
}
