// Builders for hand-made PDB bytes, used by this folder's tests (and by anyone who needs a small
// PDB with known contents): an MSF container around given streams, the info and DBI streams,
// section headers, symbol records (procedures, publics, scopes, thunks) and type records. Layouts
// as the readers expect them (see msf.ts, streams.ts, symbols.ts, tpi.ts).

const MSF7_MAGIC = 'Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0';

/** Little-endian byte accumulator. */
export class Bytes {
  private parts: number[] = [];
  get length(): number {
    return this.parts.length;
  }
  u8(v: number): this {
    this.parts.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  raw(data: ArrayLike<number>): this {
    for (let i = 0; i < data.length; i++) this.parts.push(data[i]! & 0xff);
    return this;
  }
  cstring(text: string): this {
    return this.raw(new TextEncoder().encode(text)).u8(0);
  }
  align(n: number): this {
    while (this.parts.length % n !== 0) this.u8(0);
    return this;
  }
  bytes(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** An MSF 7.00 file holding `streams` (null = a nil stream), blocks laid out in order. */
export function buildMsf(streams: readonly (Uint8Array | null)[], blockSize = 1024): Uint8Array {
  let next = 3; // 0 superblock, 1–2 free block maps
  const blockLists = streams.map((stream) => {
    const count = stream ? Math.ceil(stream.length / blockSize) : 0;
    const list = Array.from({ length: count }, (_, i) => next + i);
    next += count;
    return list;
  });
  const directory = new Bytes().u32(streams.length);
  for (const stream of streams) directory.u32(stream ? stream.length : 0xffffffff);
  for (const list of blockLists) for (const block of list) directory.u32(block);
  const directoryBytes = directory.bytes();
  const directoryBlocks = Array.from(
    { length: Math.ceil(directoryBytes.length / blockSize) },
    (_, i) => next + i,
  );
  next += directoryBlocks.length;
  const blockMap = next++;
  const file = new Uint8Array(next * blockSize);
  const head = new Bytes().raw([...MSF7_MAGIC].map((c) => c.charCodeAt(0)));
  head.u32(blockSize).u32(1).u32(next).u32(directoryBytes.length).u32(0).u32(blockMap);
  file.set(head.bytes(), 0);
  streams.forEach((stream, s) => {
    blockLists[s]!.forEach((block, i) => {
      file.set(stream!.subarray(i * blockSize, (i + 1) * blockSize), block * blockSize);
    });
  });
  directoryBlocks.forEach((block, i) => {
    file.set(directoryBytes.subarray(i * blockSize, (i + 1) * blockSize), block * blockSize);
  });
  const map = new Bytes();
  for (const block of directoryBlocks) map.u32(block);
  file.set(map.bytes(), blockMap * blockSize);
  return file;
}

/** One symbol record: u16 length, u16 kind, body, padded to 4 bytes. */
export function symbolRecord(kind: number, body: Bytes): Uint8Array {
  const data = body.align(4).bytes();
  return new Bytes()
    .u16(data.length + 2)
    .u16(kind)
    .raw(data)
    .bytes();
}

export function procedureRecord(
  kind: number,
  p: { name: string; section: number; offset: number; length: number; typeIndex?: number },
): Uint8Array {
  const body = new Bytes().u32(0).u32(0).u32(0).u32(p.length).u32(0).u32(p.length);
  body
    .u32(p.typeIndex ?? 0)
    .u32(p.offset)
    .u16(p.section)
    .u8(0)
    .cstring(p.name);
  return symbolRecord(kind, body);
}

export function endRecord(): Uint8Array {
  return symbolRecord(0x0006, new Bytes());
}

export function publicRecord(p: {
  name: string;
  section: number;
  offset: number;
  flags?: number;
}): Uint8Array {
  return symbolRecord(
    0x110e,
    new Bytes()
      .u32(p.flags ?? 2)
      .u32(p.offset)
      .u16(p.section)
      .cstring(p.name),
  );
}

export function sepcodeRecord(p: {
  section: number;
  offset: number;
  length: number;
  parentSection: number;
  parentOffset: number;
}): Uint8Array {
  const body = new Bytes().u32(0).u32(0).u32(p.length).u32(0).u32(p.offset).u32(p.parentOffset);
  return symbolRecord(0x1132, body.u16(p.section).u16(p.parentSection));
}

export function thunkRecord(p: {
  name: string;
  section: number;
  offset: number;
  length: number;
}): Uint8Array {
  const body = new Bytes().u32(0).u32(0).u32(0).u32(p.offset).u16(p.section).u16(p.length).u8(0);
  return symbolRecord(0x1102, body.cstring(p.name));
}

export function blockRecord(p: { section: number; offset: number; length: number }): Uint8Array {
  const body = new Bytes().u32(0).u32(0).u32(p.length).u32(p.offset).u16(p.section);
  return symbolRecord(0x1103, body.cstring(''));
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** One type record: u16 length, u16 leaf, body, padded to 4 bytes (LF_PAD bytes). */
export function typeRecord(leaf: number, body: Bytes): Uint8Array {
  const raw = body.bytes();
  const padded = new Bytes().u16(leaf).raw(raw);
  while (padded.length % 4 !== 2) padded.u8(0xf0 | (4 - ((padded.length + 2) % 4)));
  const data = padded.bytes();
  return new Bytes().u16(data.length).raw(data).bytes();
}

/** A TPI (or IPI) stream whose records are numbered from 0x1000. */
export function typeStream(records: readonly Uint8Array[]): Uint8Array {
  const body = concat(records);
  const head = new Bytes()
    .u32(20040203)
    .u32(56)
    .u32(0x1000)
    .u32(0x1000 + records.length)
    .u32(body.length);
  head.u16(0xffff).u16(0xffff).u32(4).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0).u32(0);
  return concat([head.bytes(), body]);
}

export interface SectionSpec {
  name: string;
  virtualAddress: number;
  virtualSize: number;
  characteristics: number;
}

export const CODE_SECTION = 0x60000020;
export const DATA_SECTION = 0xc0000040;

export function sectionHeaders(sections: readonly SectionSpec[]): Uint8Array {
  const out = new Bytes();
  for (const s of sections) {
    const name = new Uint8Array(8);
    name.set(new TextEncoder().encode(s.name).subarray(0, 8));
    out.raw(name).u32(s.virtualSize).u32(s.virtualAddress).u32(0).u32(0).u32(0).u32(0).u16(0).u16(0);
    out.u32(s.characteristics);
  }
  return out.bytes();
}

export interface PdbSpec {
  /** 16 GUID bytes in file order. */
  guid?: Uint8Array;
  age?: number;
  dbiAge?: number;
  machine?: number;
  sections?: readonly SectionSpec[];
  /** Symbol records of each module (without the leading signature). */
  modules?: readonly Uint8Array[];
  /** Symbol records of the global symbol record stream (publics). */
  publics?: Uint8Array;
  types?: readonly Uint8Array[];
  ids?: readonly Uint8Array[];
  /** Pre-BBT section headers and the OMAP from them to the final image (source, target pairs). */
  originalSections?: readonly SectionSpec[];
  omapFromSource?: ReadonlyArray<readonly [number, number]>;
  blockSize?: number;
}

/** A complete PDB 7.0: streams 1 info, 2 TPI, 3 DBI, 4 IPI, 5 section headers, 6 symbol records,
 *  7… modules, then the original section headers and the OMAP when given. */
export function buildPdb(spec: PdbSpec): Uint8Array {
  const guid = spec.guid ?? Uint8Array.from({ length: 16 }, (_, i) => 0x10 + i);
  const info = new Bytes()
    .u32(20000404)
    .u32(0x5f000000)
    .u32(spec.age ?? 1)
    .raw(guid)
    .u32(0)
    .u32(0)
    .u32(0);
  const modules = spec.modules ?? [];
  const moduleInfo = new Bytes();
  modules.forEach((symbols, i) => {
    moduleInfo
      .u32(0)
      .raw(new Uint8Array(28))
      .u16(0)
      .u16(7 + i)
      .u32(symbols.length + 4)
      .u32(0)
      .u32(0);
    moduleInfo.u16(0).u16(0).u32(0).u32(0).u32(0).cstring(`m${i}.obj`).cstring(`m${i}.obj`).align(4);
  });
  const extraAt = 7 + modules.length;
  const originalStream = spec.originalSections ? extraAt : 0xffff;
  const omapStream = spec.omapFromSource ? extraAt + (spec.originalSections ? 1 : 0) : 0xffff;
  const debugHeader = new Bytes();
  for (let i = 0; i < 11; i++)
    debugHeader.u16(i === 5 ? 5 : i === 10 ? originalStream : i === 4 ? omapStream : 0xffff);
  const moduleBytes = moduleInfo.bytes();
  const dbi = new Bytes()
    .u32(0xffffffff)
    .u32(19990903)
    .u32(spec.dbiAge ?? spec.age ?? 1);
  dbi.u16(0xffff).u16(0x8e1d).u16(0xffff).u16(0).u16(6).u16(0);
  dbi.u32(moduleBytes.length).u32(0).u32(0).u32(0).u32(0).u32(0).u32(debugHeader.length).u32(0);
  dbi
    .u16(0)
    .u16(spec.machine ?? 0x8664)
    .u32(0);
  dbi.raw(moduleBytes).raw(debugHeader.bytes());
  const sections = spec.sections ?? [
    { name: '.text', virtualAddress: 0x1000, virtualSize: 0x10000, characteristics: CODE_SECTION },
    { name: '.data', virtualAddress: 0x20000, virtualSize: 0x1000, characteristics: DATA_SECTION },
  ];
  const streams: (Uint8Array | null)[] = [
    new Uint8Array(0),
    info.bytes(),
    typeStream(spec.types ?? []),
    dbi.bytes(),
    typeStream(spec.ids ?? []),
    sectionHeaders(sections),
    spec.publics ?? new Uint8Array(0),
    ...modules.map((symbols) => concat([new Bytes().u32(4).bytes(), symbols])),
  ];
  if (spec.originalSections) streams.push(sectionHeaders(spec.originalSections));
  if (spec.omapFromSource) {
    const omap = new Bytes();
    for (const [source, target] of spec.omapFromSource) omap.u32(source).u32(target);
    streams.push(omap.bytes());
  }
  return buildMsf(streams, spec.blockSize ?? 1024);
}

/** Small deterministic PRNG (mulberry32) for randomized tests: a failure replays from its seed. */
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
