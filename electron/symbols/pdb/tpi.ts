// The type streams (TPI, stream 2, and IPI, stream 4): a header, then records numbered from
// `typeIndexBegin` (0x1000) upwards. The record offsets are indexed once by one sequential pass
// (4 bytes per record); records are then read and decoded on demand, so a PDB with a million types
// costs a 4 MB offset table, not its whole type stream in memory.
//
//   header (56 bytes: version, headerSize, begin, end, recordBytes, hash stream…)
//   records: u16 length (excluding itself), u16 leaf kind, fields…   (cvinfo.h lfXxx)
//
// Decoding mirrors the `pdb` crate (which dump_syms' type formatter sits on): the same leaves are
// understood, the same index values mean "none" (0 and 0xFFFF), the same failures are reported
// (an index outside the stream or an unknown primitive = "not found", an unknown leaf =
// "unimplemented"), so the formatter can print what dump_syms prints.
// Sources: LLVM "The PDB TPI and IPI Streams" (llvm.org/docs/PDB/TpiStream.html), microsoft-pdb
// include/cvinfo.h.

import { cString, pascalString, u16, u32 } from './bytes.js';
import { PdbError } from './errors.js';
import type { MsfFile } from './msf.js';
import { StreamWindow } from './msf.js';

const TPI_HEADER_BYTES = 56;
/** Read-ahead for the one indexing pass over the records (whole blocks, bounded memory). */
const INDEX_WINDOW_BYTES = 256 * 1024;
/** First non-primitive type index. */
export const FIRST_TYPE_INDEX = 0x1000;

export const LF = {
  MODIFIER: 0x1001,
  POINTER: 0x1002,
  ARRAY_ST: 0x1003,
  CLASS_ST: 0x1004,
  STRUCTURE_ST: 0x1005,
  UNION_ST: 0x1006,
  ENUM_ST: 0x1007,
  PROCEDURE: 0x1008,
  MFUNCTION: 0x1009,
  ARGLIST: 0x1201,
  FIELDLIST: 0x1203,
  BITFIELD: 0x1205,
  METHODLIST: 0x1206,
  VTSHAPE: 0x000a,
  ENUMERATE_ST: 0x0403,
  ENUMERATE: 0x1502,
  ARRAY: 0x1503,
  CLASS: 0x1504,
  STRUCTURE: 0x1505,
  UNION: 0x1506,
  ENUM: 0x1507,
  STRIDED_ARRAY: 0x1516,
  INTERFACE: 0x1519,
  VFTABLE: 0x151d,
  FUNC_ID: 0x1601,
  MFUNC_ID: 0x1602,
  CLASS2: 0x1608,
  STRUCTURE2: 0x1609,
  UNION2: 0x160a,
  INTERFACE2: 0x160b,
} as const;

/** Leaves the `pdb` crate decodes that the formatter has no rule for (never a function argument). */
const OTHER_KNOWN_LEAVES = new Set<number>([
  LF.FIELDLIST,
  LF.BITFIELD,
  LF.METHODLIST,
  LF.VTSHAPE,
  LF.VFTABLE,
]);

export interface PointerAttributes {
  /** 0 pointer, 1 lvalue reference, 2 pointer to data member, 3 pointer to member function, 4 rvalue reference. */
  readonly mode: number;
  readonly isConst: boolean;
  /** Pointer size in bytes (bits 13–18 of the attributes). */
  readonly size: number;
}

export type TypeData =
  | {
      readonly kind: 'primitive';
      readonly name: string;
      readonly byteSize: number;
      readonly indirect: boolean;
    }
  | {
      readonly kind: 'class' | 'union';
      readonly name: string;
      readonly uniqueName: string | null;
      readonly forwardRef: boolean;
      readonly size: number;
    }
  | { readonly kind: 'enumeration'; readonly name: string; readonly underlying: number }
  | { readonly kind: 'enumerate'; readonly name: string; readonly valueBytes: number }
  | { readonly kind: 'pointer'; readonly underlying: number; readonly attributes: PointerAttributes }
  | { readonly kind: 'modifier'; readonly underlying: number; readonly isConst: boolean }
  | {
      readonly kind: 'procedure';
      readonly returnType: number | null;
      readonly isConstructor: boolean;
      readonly argumentList: number;
    }
  | {
      readonly kind: 'mfunction';
      readonly returnType: number;
      readonly classType: number;
      readonly thisType: number | null;
      readonly isConstructor: boolean;
      readonly argumentList: number;
    }
  | { readonly kind: 'arglist'; readonly args: readonly number[] }
  | { readonly kind: 'array'; readonly element: number; readonly dimensions: readonly number[] }
  | { readonly kind: 'other'; readonly leaf: number };

/** Thrown by `parse` and the formatter: the three failure kinds the `pdb` crate distinguishes. */
export class TypeLookupError extends Error {
  constructor(
    readonly reason: 'not-found' | 'unimplemented' | 'malformed',
    readonly value: number,
    message: string,
  ) {
    super(message);
  }
}

// Primitive type indices < 0x1000: bits 8–11 are the pointer mode, bits 0–7 the kind (cvinfo.h
// "CV_typ_t" table); names and sizes as the pdb-addr2line formatter prints and measures them.
const PRIMITIVES = new Map<number, readonly [string, number]>([
  [0x00, ['<NoType>', 0]],
  [0x03, ['void', 0]],
  [0x08, ['HRESULT', 4]],
  [0x10, ['signed char', 1]],
  [0x20, ['unsigned char', 1]],
  [0x68, ['int8_t', 1]],
  [0x69, ['uint8_t', 1]],
  [0x70, ['char', 1]],
  [0x71, ['wchar_t', 2]],
  [0x7a, ['char16_t', 2]],
  [0x7b, ['char32_t', 4]],
  [0x11, ['short', 2]],
  [0x21, ['unsigned short', 2]],
  [0x72, ['int16_t', 2]],
  [0x73, ['uint16_t', 2]],
  [0x12, ['long', 4]],
  [0x22, ['unsigned long', 4]],
  [0x74, ['int', 4]],
  [0x75, ['unsigned int', 4]],
  [0x13, ['long long', 8]],
  [0x23, ['unsigned long long', 8]],
  [0x76, ['int64_t', 8]],
  [0x77, ['uint64_t', 8]],
  [0x14, ['int128_t', 16]],
  [0x24, ['uint128_t', 16]],
  [0x78, ['int128_t', 16]],
  [0x79, ['uint128_t', 16]],
  [0x46, ['float16_t', 2]],
  [0x40, ['float', 4]],
  [0x45, ['float', 4]],
  [0x44, ['float48_t', 6]],
  [0x41, ['double', 8]],
  [0x42, ['long double', 10]],
  [0x43, ['long double', 16]],
  [0x50, ['complex<float>', 8]],
  [0x51, ['complex<double>', 16]],
  [0x52, ['complex<long double>', 20]],
  [0x53, ['complex<long double>', 32]],
  [0x30, ['bool', 1]],
  [0x31, ['bool16_t', 2]],
  [0x32, ['bool32_t', 4]],
  [0x33, ['bool64_t', 8]],
]);

function primitive(index: number): TypeData {
  const mode = index & 0xf00;
  const entry = PRIMITIVES.get(index & 0xff);
  if (mode > 0x700 || !entry)
    throw new TypeLookupError('not-found', index, `no type 0x${index.toString(16)}`);
  return { kind: 'primitive', name: entry[0], byteSize: entry[1], indirect: mode !== 0 };
}

/** One type stream, its records indexed lazily. */
export class TypeStream {
  readonly begin: number;
  readonly end: number;
  private readonly recordsStart: number;
  private readonly recordsEnd: number;
  private offsets: Uint32Array | null = null;
  private readonly parsed = new Map<number, TypeData>();

  constructor(
    private readonly msf: MsfFile,
    private readonly stream: number,
    private readonly what: string,
  ) {
    const size = msf.streamSize(stream);
    if (size === 0) {
      this.begin = this.end = FIRST_TYPE_INDEX;
      this.recordsStart = this.recordsEnd = 0;
      return;
    }
    if (size < TPI_HEADER_BYTES)
      throw new PdbError(msf.name, `${what} stream is ${size} bytes, shorter than its header`);
    const head = msf.read(stream, 0, TPI_HEADER_BYTES, what);
    const headerSize = u32(head, 4);
    const begin = u32(head, 8);
    const end = u32(head, 12);
    const recordBytes = u32(head, 16);
    if (headerSize < TPI_HEADER_BYTES || headerSize > size) {
      throw new PdbError(
        msf.name,
        `${what} header size ${headerSize} is out of range (stream is ${size} bytes)`,
      );
    }
    if (recordBytes > size - headerSize) {
      throw new PdbError(
        msf.name,
        `${what} claims ${recordBytes} record bytes but the stream holds ${size - headerSize}`,
      );
    }
    if (begin < FIRST_TYPE_INDEX || end < begin || end - begin > recordBytes / 4) {
      throw new PdbError(
        msf.name,
        `${what} type index range 0x${begin.toString(16)}…0x${end.toString(16)} does not fit its ${recordBytes} record bytes`,
      );
    }
    this.begin = begin;
    this.end = end;
    this.recordsStart = headerSize;
    this.recordsEnd = headerSize + recordBytes;
  }

  get count(): number {
    return this.end - this.begin;
  }

  /** Record offsets, built by one pass over the stream on first use. */
  private index(): Uint32Array {
    if (this.offsets) return this.offsets;
    const offsets = new Uint32Array(this.count);
    const window = new StreamWindow(this.msf, this.stream, INDEX_WINDOW_BYTES, this.what);
    let at = this.recordsStart;
    for (let i = 0; i < offsets.length; i++) {
      if (at + 4 > this.recordsEnd) {
        throw new PdbError(
          this.msf.name,
          `${this.what} claims ${this.count} records but ends after ${i} (stream offset ${at})`,
        );
      }
      const { bytes, at: k } = window.view(at, 2);
      const length = u16(bytes, k);
      if (length < 2 || at + 2 + length > this.recordsEnd) {
        throw new PdbError(
          this.msf.name,
          `${this.what} record 0x${(this.begin + i).toString(16)} at stream offset ${at} has a bad length ${length}`,
        );
      }
      offsets[i] = at;
      at += 2 + length;
    }
    this.offsets = offsets;
    return offsets;
  }

  /** The raw record of `index`: its leaf kind and bytes (fields start at `at`, end at `end`). */
  record(index: number): { leaf: number; bytes: Uint8Array; at: number; end: number } {
    if (index < this.begin || index >= this.end) {
      throw new TypeLookupError('not-found', index, `no type 0x${index.toString(16)}`);
    }
    const offset = this.index()[index - this.begin]!;
    const head = this.msf.read(this.stream, offset, 2, this.what);
    const length = u16(head, 0);
    const bytes = this.msf.read(this.stream, offset + 2, length, this.what);
    return { leaf: u16(bytes, 0), bytes, at: 2, end: length };
  }

  /** Decoded type `index` (primitives included). Throws TypeLookupError. */
  parse(index: number): TypeData {
    if (index < FIRST_TYPE_INDEX) return primitive(index);
    const hit = this.parsed.get(index);
    if (hit) return hit;
    const { leaf, bytes, at, end } = this.record(index);
    const data = decodeLeaf(leaf, bytes, at, end, index);
    this.parsed.set(index, data);
    return data;
  }

  /** Every record in order (for the forward-reference size table): index, leaf, bytes. */
  forEach(visit: (index: number, leaf: number, bytes: Uint8Array, at: number, end: number) => void): void {
    const offsets = this.index();
    for (let i = 0; i < offsets.length; i++) {
      const { leaf, bytes, at, end } = this.record(this.begin + i);
      visit(this.begin + i, leaf, bytes, at, end);
    }
  }
}

class Fields {
  constructor(
    readonly bytes: Uint8Array,
    public at: number,
    readonly end: number,
    readonly index: number,
  ) {}
  private need(n: number): void {
    if (this.at + n > this.end) {
      throw new TypeLookupError('malformed', this.index, `type 0x${this.index.toString(16)} is truncated`);
    }
  }
  u8(): number {
    this.need(1);
    return this.bytes[this.at++]!;
  }
  u16(): number {
    this.need(2);
    const v = u16(this.bytes, this.at);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = u32(this.bytes, this.at);
    this.at += 4;
    return v;
  }
  /** u32 type index where 0 and 0xFFFF mean "none" (the pdb crate's parse_optional_type_index). */
  optionalIndex(): number | null {
    const v = this.u32();
    return v === 0 || v === 0xffff ? null : v;
  }
  /** A CodeView numeric leaf (value < 0x8000 inline, else a typed value after the prefix). */
  numeric(): number {
    const leaf = this.u16();
    if (leaf < 0x8000) return leaf;
    switch (leaf) {
      case 0x8000:
        return (this.u8() << 24) >> 24;
      case 0x8001:
        return (this.u16() << 16) >> 16;
      case 0x8002:
        return this.u16();
      case 0x8003:
        return this.u32() | 0;
      case 0x8004:
        return this.u32();
      case 0x8009:
      case 0x800a: {
        const low = this.u32();
        const high = this.u32();
        return high * 0x100000000 + low;
      }
      default:
        throw new TypeLookupError('malformed', this.index, `unexpected numeric leaf 0x${leaf.toString(16)}`);
    }
  }
  /** Bytes of the numeric leaf's value, for enumerate sizes. */
  numericBytes(): number {
    const leaf = this.u16();
    if (leaf < 0x8000) return 2;
    const size = { 0x8000: 1, 0x8001: 2, 0x8002: 2, 0x8003: 4, 0x8004: 4, 0x8009: 8, 0x800a: 8 }[leaf];
    if (size === undefined) {
      throw new TypeLookupError('malformed', this.index, `unexpected numeric leaf 0x${leaf.toString(16)}`);
    }
    this.need(size);
    this.at += size;
    return size;
  }
  string(pascal: boolean): string {
    if (pascal) {
      const { text, next } = pascalString(this.bytes, this.at, this.end);
      this.at = next;
      return text;
    }
    let stop = this.at;
    while (stop < this.end && this.bytes[stop] !== 0) stop++;
    if (stop >= this.end) {
      throw new TypeLookupError(
        'malformed',
        this.index,
        `type 0x${this.index.toString(16)} has an unterminated name`,
      );
    }
    const { text, next } = cString(this.bytes, this.at, this.end);
    this.at = next;
    return text;
  }
}

const FORWARD_REF = 0x80;
const HAS_UNIQUE_NAME = 0x200;
const ST_LEAVES = new Set<number>([
  LF.ARRAY_ST,
  LF.CLASS_ST,
  LF.STRUCTURE_ST,
  LF.UNION_ST,
  LF.ENUM_ST,
  LF.ENUMERATE_ST,
]);

function decodeLeaf(leaf: number, bytes: Uint8Array, at: number, end: number, index: number): TypeData {
  const f = new Fields(bytes, at, end, index);
  const pascal = ST_LEAVES.has(leaf);
  switch (leaf) {
    case LF.CLASS:
    case LF.CLASS_ST:
    case LF.STRUCTURE:
    case LF.STRUCTURE_ST:
    case LF.INTERFACE: {
      f.u16(); // member count
      const properties = f.u16();
      f.u32(); // field list
      f.u32(); // derived-from list
      f.u32(); // vtable shape
      const size = f.numeric();
      const name = f.string(pascal);
      const uniqueName = properties & HAS_UNIQUE_NAME ? f.string(pascal) : null;
      return { kind: 'class', name, uniqueName, forwardRef: (properties & FORWARD_REF) !== 0, size };
    }
    case LF.CLASS2:
    case LF.STRUCTURE2:
    case LF.INTERFACE2: {
      const properties = f.u32() & 0xffff;
      f.u32();
      f.u32();
      f.u32();
      f.u16();
      const size = f.numeric();
      const name = f.string(false);
      const uniqueName = properties & HAS_UNIQUE_NAME ? f.string(false) : null;
      return { kind: 'class', name, uniqueName, forwardRef: (properties & FORWARD_REF) !== 0, size };
    }
    case LF.UNION:
    case LF.UNION_ST: {
      f.u16();
      const properties = f.u16();
      f.u32();
      const size = f.numeric();
      const name = f.string(pascal);
      const uniqueName = properties & HAS_UNIQUE_NAME ? f.string(pascal) : null;
      return { kind: 'union', name, uniqueName, forwardRef: (properties & FORWARD_REF) !== 0, size };
    }
    case LF.UNION2: {
      const properties = f.u32() & 0xffff;
      f.u32();
      f.u16();
      const size = f.numeric();
      const name = f.string(false);
      const uniqueName = properties & HAS_UNIQUE_NAME ? f.string(false) : null;
      return { kind: 'union', name, uniqueName, forwardRef: (properties & FORWARD_REF) !== 0, size };
    }
    case LF.ENUM:
    case LF.ENUM_ST: {
      f.u16();
      f.u16();
      const underlying = f.u32();
      f.u32();
      return { kind: 'enumeration', name: f.string(pascal), underlying };
    }
    case LF.ENUMERATE:
    case LF.ENUMERATE_ST: {
      f.u16();
      const valueBytes = f.numericBytes();
      return { kind: 'enumerate', name: f.string(pascal), valueBytes };
    }
    case LF.POINTER: {
      const underlying = f.u32();
      const raw = f.u32();
      const mode = (raw >>> 5) & 7;
      if (mode === 2 || mode === 3) f.u32(); // containing class of a pointer to member
      return {
        kind: 'pointer',
        underlying,
        attributes: { mode, isConst: (raw & 0x400) !== 0, size: (raw >>> 13) & 0x3f },
      };
    }
    case LF.MODIFIER: {
      const underlying = f.u32();
      return { kind: 'modifier', underlying, isConst: (f.u16() & 1) !== 0 };
    }
    case LF.PROCEDURE: {
      const returnType = f.optionalIndex();
      const attributes = f.u16();
      f.u16(); // parameter count
      return {
        kind: 'procedure',
        returnType,
        isConstructor: ((attributes >> 8) & 2) !== 0,
        argumentList: f.u32(),
      };
    }
    case LF.MFUNCTION: {
      const returnType = f.u32();
      const classType = f.u32();
      const thisType = f.optionalIndex();
      const attributes = f.u16();
      f.u16();
      const argumentList = f.u32();
      f.u32(); // this adjustment
      return {
        kind: 'mfunction',
        returnType,
        classType,
        thisType,
        isConstructor: ((attributes >> 8) & 2) !== 0,
        argumentList,
      };
    }
    case LF.ARGLIST: {
      const count = f.u32();
      if (count > (end - f.at) / 4) {
        throw new TypeLookupError(
          'malformed',
          index,
          `argument list 0x${index.toString(16)} claims ${count} entries`,
        );
      }
      const args: number[] = [];
      for (let i = 0; i < count; i++) args.push(f.u32());
      return { kind: 'arglist', args };
    }
    case LF.ARRAY:
    case LF.ARRAY_ST:
    case LF.STRIDED_ARRAY: {
      const element = f.u32();
      f.u32(); // indexing type
      if (leaf === LF.STRIDED_ARRAY) f.u32();
      const dimensions: number[] = [];
      for (;;) {
        dimensions.push(f.numeric());
        if (f.at >= end)
          throw new TypeLookupError('malformed', index, `array 0x${index.toString(16)} is truncated`);
        if (bytes[f.at] === 0) break;
      }
      return { kind: 'array', element, dimensions };
    }
    default:
      if (OTHER_KNOWN_LEAVES.has(leaf)) return { kind: 'other', leaf };
      throw new TypeLookupError('unimplemented', leaf, `type kind 0x${leaf.toString(16)} is not supported`);
  }
}

/** LF_FUNC_ID / LF_MFUNC_ID in the IPI stream → the function's type index in the TPI stream. */
export function functionTypeOfId(ipi: TypeStream, id: number): number {
  const { leaf, bytes, at, end } = ipi.record(id);
  if ((leaf !== LF.FUNC_ID && leaf !== LF.MFUNC_ID) || at + 8 > end) {
    throw new TypeLookupError('malformed', id, `id 0x${id.toString(16)} is not a function id`);
  }
  return u32(bytes, at + 4);
}
