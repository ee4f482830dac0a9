// Builders for hand-made ETL bytes used by the reader's unit tests (and handy for anyone testing
// against the reader): trace records of every header kind, the logfile header event, buffers
// (plain or Xpress-compressed with literal-only tokens) and whole files. Layouts follow
// ../../shared/etl-format.md (§1.2 buffer header, §2.1 logfile header, §3 record headers).

import { createRawEvent } from './event-parser.js';
import type { HeaderFamily, HeaderTypeCode, RawEvent } from './types.js';

export class ByteWriter {
  bytes: Uint8Array;
  view: DataView;
  pos = 0;
  constructor(capacity = 256) {
    this.bytes = new Uint8Array(capacity);
    this.view = new DataView(this.bytes.buffer);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + n));
    grown.set(this.bytes);
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u8(v: number): this {
    this.ensure(1);
    this.view.setUint8(this.pos, v);
    this.pos += 1;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.view.setUint32(this.pos, v >>> 0, true);
    this.pos += 4;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
    return this;
  }
  u64(v: number | bigint): this {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt(v), true);
    this.pos += 8;
    return this;
  }
  /** A pointer of `size` bytes from a bigint/number address. */
  ptr(v: number | bigint, size: 4 | 8): this {
    return size === 8
      ? this.u64(BigInt.asUintN(64, BigInt(v)))
      : this.u32(Number(BigInt.asUintN(32, BigInt(v))));
  }
  raw(data: ArrayLike<number>): this {
    this.ensure(data.length);
    this.bytes.set(data, this.pos);
    this.pos += data.length;
    return this;
  }
  wstr(text: string): this {
    for (let i = 0; i < text.length; i++) this.u16(text.charCodeAt(i));
    return this.u16(0);
  }
  astr(text: string): this {
    for (let i = 0; i < text.length; i++) this.u8(text.charCodeAt(i));
    return this.u8(0);
  }
  zeros(n: number): this {
    this.ensure(n);
    this.pos += n;
    return this;
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.pos);
  }
}

export interface KernelRecordOptions {
  /** 'system' (0x20), 'compact' (0x18) or 'perfinfo' (0x10 + PMC/PEBS). */
  kind: 'system' | 'compact' | 'perfinfo';
  pointerSize: 4 | 8;
  hookId: number;
  version: number;
  timestamp: number;
  threadId?: number;
  processId?: number;
  pmcCounters?: number[];
  pebsIndex?: number;
  payload: Uint8Array;
}

/** A SYSTEM / COMPACT / PERFINFO record (format doc §3.2, §3.3). */
export function kernelRecord(o: KernelRecordOptions): Uint8Array {
  const w = new ByteWriter();
  if (o.kind === 'perfinfo') {
    const pmc = o.pmcCounters ?? [];
    const versionWord = (o.version & 0xff) | (pmc.length << 8) | (o.pebsIndex !== undefined ? 0x8000 : 0);
    const size = 16 + (o.pebsIndex !== undefined ? 8 : 0) + 8 * pmc.length + o.payload.length;
    w.u16(versionWord)
      .u8(o.pointerSize === 4 ? 0x10 : 0x11)
      .u8(0xc0)
      .u16(size)
      .u16(o.hookId)
      .u64(o.timestamp);
    if (o.pebsIndex !== undefined) w.u64(o.pebsIndex);
    for (const c of pmc) w.u64(c);
  } else {
    const compact = o.kind === 'compact';
    const type = (compact ? 0x03 : 0x01) + (o.pointerSize === 8 ? 1 : 0);
    const size = (compact ? 0x18 : 0x20) + o.payload.length;
    w.u16(o.version).u8(type).u8(0xc0).u16(size).u16(o.hookId);
    w.u32(o.threadId ?? 0)
      .u32(o.processId ?? 0)
      .u64(o.timestamp);
    if (!compact) w.u32(0).u32(0);
  }
  return w.raw(o.payload).done();
}

/** 16 GUID bytes from text. */
function guidToBytes(text: string): number[] {
  const hex = text.replace(/-/g, '');
  const raw = Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16));
  return [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15].map((i) => raw[i]);
}

/** EVENT_TRACE_HEADER (FULL) or EVENT_INSTANCE_GUID_HEADER record (§3.4, §3.5). */
export function classicRecord(o: {
  pointerSize: 4 | 8;
  instance?: boolean;
  guid: string;
  opcode: number;
  version: number;
  timestamp: number;
  threadId?: number;
  processId?: number;
  payload: Uint8Array;
}): Uint8Array {
  const headerSize = o.instance ? 0x48 : 0x30;
  const type = o.instance ? (o.pointerSize === 4 ? 0x0b : 0x15) : o.pointerSize === 4 ? 0x0a : 0x14;
  const w = new ByteWriter();
  w.u16(headerSize + o.payload.length)
    .u8(type)
    .u8(0xc0)
    .u8(o.opcode)
    .u8(0)
    .u16(o.version);
  w.u32(o.threadId ?? 0)
    .u32(o.processId ?? 0)
    .u64(o.timestamp)
    .raw(guidToBytes(o.guid))
    .u32(0)
    .u32(0);
  if (o.instance) w.u32(7).u32(0).zeros(16);
  return w.raw(o.payload).done();
}

/** EVENT_HEADER record with optional inline extended items (§3.6). */
export function eventHeaderRecord(o: {
  pointerSize: 4 | 8;
  provider: string;
  id: number;
  version: number;
  opcode?: number;
  task?: number;
  timestamp: number;
  threadId?: number;
  processId?: number;
  extended?: { type: number; data: Uint8Array }[];
  payload: Uint8Array;
}): Uint8Array {
  const ext = new ByteWriter();
  const items = o.extended ?? [];
  items.forEach((item, i) => {
    const total = (8 + item.data.length + 7) & ~7;
    ext
      .u16(total)
      .u16(item.type)
      .u16(i < items.length - 1 ? 1 : 0)
      .u16(item.data.length)
      .raw(item.data);
    ext.zeros(total - 8 - item.data.length);
  });
  const extBytes = ext.done();
  const w = new ByteWriter();
  w.u16(0x50 + extBytes.length + o.payload.length)
    .u8(o.pointerSize === 4 ? 0x12 : 0x13)
    .u8(0xc0);
  w.u16(items.length > 0 ? 1 : 0)
    .u16(0)
    .u32(o.threadId ?? 0)
    .u32(o.processId ?? 0)
    .u64(o.timestamp);
  w.raw(guidToBytes(o.provider))
    .u16(o.id)
    .u8(o.version)
    .u8(0)
    .u8(4)
    .u8(o.opcode ?? 0)
    .u16(o.task ?? 0)
    .u64(0);
  w.u32(0).u32(0).zeros(16);
  return w.raw(extBytes).raw(o.payload).done();
}

/** MESSAGE_TRACE_HEADER record with a timestamp and thread/process items (§3.7). */
export function messageRecord(o: {
  messageNumber: number;
  timestamp: number;
  payload: Uint8Array;
}): Uint8Array {
  const w = new ByteWriter();
  const size = 8 + 8 + 8 + o.payload.length;
  w.u16(size)
    .u8(0)
    .u8(0x90)
    .u16(o.messageNumber)
    .u16(0x08 | 0x20 | 0x80)
    .u64(o.timestamp)
    .u32(1)
    .u32(2);
  return w.raw(o.payload).done();
}

export interface LogfileHeaderOptions {
  pointerSize: 4 | 8;
  bufferSize: number;
  build?: number;
  cpus?: number;
  perfFreq?: number;
  clockType?: number;
  cpuSpeedMHz?: number;
  startTime?: number;
  bootTime?: number;
  headerTimestamp: number;
  eventsLost?: number;
  buffersLost?: number;
  buffersWritten?: number;
  logFileMode?: number;
  loggerName?: string;
  logFileName?: string;
}

/** The logfile header event: SYSTEM32/64 header (hook 0) + TRACE_LOGFILE_HEADER + names (§2.1). */
export function logfileHeaderRecord(o: LogfileHeaderOptions): Uint8Array {
  const P = o.pointerSize;
  const body = new ByteWriter();
  body
    .u32(o.bufferSize)
    .u32(0x0501000a)
    .u32(o.build ?? 19041)
    .u32(o.cpus ?? 4);
  body
    .u64(0)
    .u32(156250)
    .u32(0)
    .u32(o.logFileMode ?? 0)
    .u32(o.buffersWritten ?? 0)
    .u32(0)
    .u32(P);
  body
    .u32(o.eventsLost ?? 0)
    .u32(o.cpuSpeedMHz ?? 3000)
    .ptr(0, P)
    .ptr(0, P);
  body.i32(-60).zeros(172 - 4 + 4);
  body
    .u64(o.bootTime ?? 0)
    .u64(o.perfFreq ?? 10_000_000)
    .u64(o.startTime ?? 0)
    .u32(o.clockType ?? 1)
    .u32(o.buffersLost ?? 0);
  body.wstr(o.loggerName ?? 'Test Logger').wstr(o.logFileName ?? 'C:\\test.etl');
  const payload = body.done();
  return kernelRecord({
    kind: 'system',
    pointerSize: P,
    hookId: 0,
    version: 2,
    timestamp: o.headerTimestamp,
    threadId: 0,
    processId: 0,
    payload,
  });
}

export interface BufferOptions {
  records: Uint8Array[];
  /** BufferSize (on-disk size for compressed buffers is computed). */
  size: number;
  cpu: number;
  sequence: number;
  timestamp?: number;
  flags?: number;
  type?: number;
  compress?: boolean;
  /** Use byte 0x28 as ProcessorNumber (flag 0x20 clear) instead of the 16-bit index. */
  legacyProcessorNumber?: boolean;
}

/** Literal-only Xpress stream: a zero flag word before every 32 literal bytes (valid MS-XCA). */
export function xpressLiterals(data: Uint8Array): Uint8Array {
  const w = new ByteWriter(data.length + data.length / 8 + 8);
  for (let i = 0; i < data.length; i += 32) {
    w.u32(0).raw(data.subarray(i, Math.min(data.length, i + 32)));
  }
  return w.done();
}

/** One buffer: 0x48-byte header + 8-aligned records + 0xFF filler (or Xpress-compressed event area). */
export function buildBuffer(o: BufferOptions): Uint8Array {
  const events = new ByteWriter();
  for (const r of o.records) {
    events.raw(r);
    events.zeros(((r.length + 7) & ~7) - r.length);
  }
  const data = events.done();
  const savedOffset = 0x48 + data.length;
  const compressedData = o.compress ? xpressLiterals(data) : undefined;
  const size = compressedData ? 0x48 + compressedData.length : o.size;
  if (!compressedData && savedOffset > size)
    throw new Error(`records (${savedOffset} bytes) exceed buffer size ${size}`);
  const w = new ByteWriter(size);
  let flags = (o.flags ?? 0) | (o.legacyProcessorNumber ? 0 : 0x20) | (compressedData ? 0x40 : 0);
  if (o.legacyProcessorNumber) flags &= ~0x20;
  w.u32(size)
    .u32(savedOffset)
    .u32(savedOffset + 0x100)
    .i32(0)
    .u64(o.timestamp ?? 0)
    .u64(o.sequence)
    .u64(0);
  if (o.legacyProcessorNumber) w.u8(o.cpu).u8(0);
  else w.u16(o.cpu);
  w.u16(20)
    .u32(3)
    .u32(savedOffset)
    .u16(flags)
    .u16(o.type ?? 0)
    .zeros(16);
  if (compressedData) return w.raw(compressedData).done();
  w.raw(data);
  const out = new Uint8Array(size).fill(0xff);
  out.set(w.done());
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A RawEvent over a bare payload, for decoder unit tests. */
export function rawEventForPayload(
  payload: Uint8Array,
  o: { pointerSize: 4 | 8; hookId?: number; version?: number; family?: HeaderFamily; opcode?: number },
): RawEvent {
  const ev = createRawEvent();
  const padded = new Uint8Array(payload.length + 16);
  padded.set(payload, 8); // payload not at offset 0, to catch offset mistakes
  ev.bytes = padded;
  ev.view = new DataView(padded.buffer);
  ev.payloadOffset = 8;
  ev.payloadSize = payload.length;
  ev.pointerSize = o.pointerSize;
  ev.hookId = o.hookId ?? 0;
  ev.version = o.version ?? 2;
  ev.opcode = o.opcode ?? (o.hookId ?? 0) & 0xff;
  ev.family = o.family ?? 'perfinfo';
  ev.headerType = (o.pointerSize === 8 ? 0x11 : 0x10) as HeaderTypeCode;
  return ev;
}

const KTC_IMAGE_ID_GUID = 'b3e675d7-2554-4f18-830b-2762732560de';

/**
 * A small trace with one record of every kind the reader decodes (kernel events under PERFINFO,
 * SYSTEM and COMPACT headers, PMC/PEBS extras, FULL/INSTANCE/EVENT_HEADER/MESSAGE records) on two
 * CPUs, plain or Xpress-compressed. Used by the pipeline tests and as a fuzz seed.
 */
export function buildKitchenSinkTrace(o: {
  pointerSize: 4 | 8;
  compress?: boolean;
  bufferSize?: number;
}): Uint8Array {
  const P = o.pointerSize;
  const size = o.bufferSize ?? 4096;
  const kernelBase = P === 8 ? 0xfffff80212340000n : 0x82a00000n;
  let ts = 10_000;
  const next = () => (ts += 100);
  const pi = (
    hookId: number,
    version: number,
    payload: Uint8Array,
    extra: Partial<KernelRecordOptions> = {},
  ) =>
    kernelRecord({ kind: 'perfinfo', pointerSize: P, hookId, version, timestamp: next(), payload, ...extra });
  const sys = (hookId: number, version: number, payload: Uint8Array, kind: 'system' | 'compact' = 'system') =>
    kernelRecord({
      kind,
      pointerSize: P,
      hookId,
      version,
      timestamp: next(),
      threadId: 8,
      processId: 4,
      payload,
    });
  const ptr = (v: bigint) => new ByteWriter().ptr(v, P).done();
  const image = (hook: number, base: bigint, name: string) =>
    sys(
      hook,
      3,
      new ByteWriter()
        .ptr(base, P)
        .ptr(0x10000, P)
        .u32(0)
        .u32(0x1234)
        .u32(0x5678)
        .u32(0)
        .ptr(base, P)
        .zeros(16)
        .wstr(name)
        .done(),
    );
  const groupMasks = new ByteWriter().u32(0x01000875).u32(0x4086).u32(0x8000).zeros(20).u32(0x46).done();
  const cpu0: Uint8Array[] = [
    sys(0x0005, 2, groupMasks),
    sys(
      0x0303,
      4,
      new ByteWriter()
        .ptr(kernelBase, P)
        .u32(0)
        .u32(0)
        .u32(0xffffffff)
        .u32(0)
        .ptr(0, P)
        .u32(0)
        .u32(0)
        .astr('Idle')
        .wstr('')
        .wstr('')
        .wstr('')
        .done(),
    ),
    sys(
      0x0503,
      3,
      new ByteWriter()
        .u32(0)
        .u32(0)
        .zeros(7 * P)
        .u32(0)
        .u8(0)
        .u8(5)
        .u8(2)
        .u8(0)
        .wstr('')
        .done(),
    ),
    image(0x1403, kernelBase, '\\SystemRoot\\system32\\ntoskrnl.exe'),
    classicRecord({
      pointerSize: P,
      guid: KTC_IMAGE_ID_GUID,
      opcode: 0,
      version: 2,
      timestamp: next(),
      payload: new ByteWriter()
        .ptr(kernelBase, P)
        .ptr(0x10000, P)
        .u32(0)
        .u32(0x5678)
        .wstr('ntoskrnl.exe')
        .done(),
    }),
    classicRecord({
      pointerSize: P,
      guid: KTC_IMAGE_ID_GUID,
      opcode: 36,
      version: 2,
      timestamp: next(),
      payload: new ByteWriter().ptr(kernelBase, P).u32(0).zeros(16).u32(1).astr('ntkrnlmp.pdb').done(),
    }),
    pi(0x1421, 2, ptr(kernelBase)),
    pi(0x0f48, 2, new ByteWriter().u32(0).u32(10000).u32(10000).done()),
    pi(
      0x0f44,
      2,
      new ByteWriter()
        .u64(ts - 50)
        .ptr(kernelBase + 0x100n, P)
        .done(),
    ),
    pi(
      0x0f42,
      2,
      new ByteWriter()
        .u64(ts - 40)
        .ptr(kernelBase + 0x200n, P)
        .done(),
    ),
    pi(
      0x0f45,
      2,
      new ByteWriter()
        .u64(ts - 30)
        .ptr(kernelBase + 0x300n, P)
        .done(),
    ),
    pi(
      0x0f43,
      2,
      new ByteWriter()
        .u64(ts - 20)
        .ptr(kernelBase + 0x400n, P)
        .u8(1)
        .u8(0x81)
        .u16(0)
        .done(),
    ),
    pi(
      0x0f32,
      2,
      new ByteWriter()
        .u64(ts - 10)
        .ptr(kernelBase + 0x500n, P)
        .u8(1)
        .u8(0x60)
        .u16(0)
        .u32(3)
        .done(),
    ),
    pi(
      0x0524,
      4,
      new ByteWriter().u32(8).u32(0).u8(8).u8(0).u8(1).u8(0).u8(0).u8(0).u8(2).u8(0).u32(5).i32(0).done(),
      { pebsIndex: 1, pmcCounters: [7] },
    ),
    pi(0x0532, 2, new ByteWriter().u32(12).u8(1).u8(1).u8(0).u8(0).done()),
    pi(
      0x0f2e,
      2,
      new ByteWriter()
        .ptr(kernelBase + 0x600n, P)
        .u32(8)
        .u16(1)
        .u8(1)
        .u8(0)
        .done(),
    ),
    pi(
      0x1820,
      2,
      new ByteWriter()
        .u64(ts)
        .u32(4)
        .u32(8)
        .ptr(kernelBase + 0x600n, P)
        .ptr(kernelBase + 0x700n, P)
        .done(),
    ),
    pi(
      0x1822,
      2,
      new ByteWriter()
        .ptr(0x99n, P)
        .ptr(kernelBase + 0x800n, P)
        .done(),
    ),
    pi(0x1825, 2, new ByteWriter().u64(ts).u32(4).u32(8).ptr(0x99n, P).done()),
    sys(0x1239, 2, new ByteWriter().u32(1).u32(0).u64(1000).done(), 'compact'),
    sys(0x123a, 2, new ByteWriter().u32(1).u32(0).done(), 'compact'),
    pi(0x1233, 2, new ByteWriter().u32(1).u32(2).u32(1).i32(0).u64(1).done()),
  ];
  const batch = new ByteWriter().u64(ts + 100);
  for (let i = 0; i < 16; i++) batch.u32(i * 4);
  batch
    .zeros(16)
    .u16(5 << 2)
    .u32(((9 << 2) | 1) >>> 0)
    .u32(((3 << 15) | (6 << 9) | (1 << 2) | 2) >>> 0);
  batch.u32(((7 << 2) | 3) >>> 0).u32(((11 << 15) | (3 << 10) | (40 << 4) | 2) >>> 0);
  const cpu1: Uint8Array[] = [
    pi(0x0525, 2, batch.done()),
    sys(
      0x0301,
      4,
      new ByteWriter()
        .ptr(0xffffa00000001000n, P)
        .u32(100)
        .u32(4)
        .u32(1)
        .i32(259)
        .ptr(0, P)
        .u32(0)
        .u32(0)
        .astr('app.exe')
        .wstr('app.exe -x')
        .wstr('')
        .wstr('')
        .done(),
    ),
    sys(
      0x0501,
      3,
      new ByteWriter()
        .u32(100)
        .u32(104)
        .zeros(7 * P)
        .u32(0)
        .u8(8)
        .u8(5)
        .u8(2)
        .u8(0)
        .wstr('main')
        .done(),
    ),
    sys(0x0548, 2, new ByteWriter().u32(100).u32(104).wstr('worker').done()),
    image(
      0x030a,
      0x7ff600000000n & (P === 8 ? 0xffffffffffffn : 0x7fffffffn),
      '\\Device\\HarddiskVolume3\\app.exe',
    ),
    classicRecord({
      pointerSize: P,
      instance: true,
      guid: '11111111-2222-3333-4444-555555555555',
      opcode: 1,
      version: 0,
      timestamp: next(),
      payload: new Uint8Array(4),
    }),
    eventHeaderRecord({
      pointerSize: P,
      provider: '0f67e49f-fe51-4e9f-b490-6f2948cc6027',
      id: 67,
      version: 1,
      timestamp: next(),
      extended: [
        { type: 6, data: new Uint8Array(24) },
        { type: 12, data: Uint8Array.from([9, 0, 80, 80, 77, 0, 0, 0, 0]) },
      ],
      payload: new Uint8Array(12),
    }),
    messageRecord({ messageNumber: 3, timestamp: next(), payload: new Uint8Array(6) }),
    sys(
      0x0302,
      4,
      new ByteWriter()
        .ptr(0xffffa00000001000n, P)
        .u32(100)
        .u32(4)
        .u32(1)
        .i32(0)
        .ptr(0, P)
        .u32(0)
        .u32(0)
        .astr('app.exe')
        .wstr('')
        .wstr('')
        .wstr('')
        .done(),
    ),
    sys(0x0008, 2, new Uint8Array(0)),
  ];
  const half = Math.ceil(cpu0.length / 2);
  return concatBytes([
    buildBuffer({
      records: [
        logfileHeaderRecord({
          pointerSize: P,
          bufferSize: size,
          headerTimestamp: 5000,
          logFileMode: o.compress ? 0x04000000 : 0,
        }),
      ],
      size: o.compress ? 1024 : size,
      cpu: 0,
      sequence: 0,
      type: 4,
    }),
    buildBuffer({ records: cpu0.slice(half), size, cpu: 0, sequence: 3, compress: o.compress }),
    buildBuffer({ records: cpu1, size, cpu: 1, sequence: 2, compress: o.compress }),
    buildBuffer({ records: cpu0.slice(0, half), size, cpu: 0, sequence: 1, compress: o.compress }),
  ]);
}

/** Small deterministic PRNG (mulberry32) for randomized tests: a failure is reproducible from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
