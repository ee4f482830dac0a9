// The fixed streams of a PDB that say what it is and where things are: the PDB info stream (1:
// version, signature, age, GUID), the DBI stream (3: its own age, machine, the stream numbers of
// the publics and symbol records, one record per compiled module, the optional debug header), and
// the section headers and OMAP tables the debug header points at. Section contributions and the
// section map are sized and skipped: dump_syms' choices do not depend on them.
//
//   stream 1 ─> {version, signature, age, guid}
//   stream 3 ─> header (64 B) │ modules │ section contribs │ section map │ files │ TSM │ EC │ debug header
//                                                                              u16 streams: [3] OMAP to src,
//                                                   [4] OMAP from src, [5] section headers, [10] original
//
// Sources: LLVM "The PDB Info Stream" and "The DBI Stream" (llvm.org/docs/PDB/), microsoft-pdb
// PDB/dbi/dbi.h (DBIHdr, MODI, SC, DbgType).

import { cString, guidAt, u16, u32 } from './bytes.js';
import { PdbError } from './errors.js';
import type { MsfFile } from './msf.js';

export const PDB_INFO_STREAM = 1;
export const TPI_STREAM = 2;
export const DBI_STREAM = 3;
export const IPI_STREAM = 4;
const NO_STREAM = 0xffff;
/** PDB info versions from VC 7.0 on carry the GUID. */
const PDB_VERSION_VC70 = 20000404;
const DBI_HEADER_BYTES = 64;
const MODULE_FIXED_BYTES = 64;
const SECTION_HEADER_BYTES = 40;

export interface PdbInfoStream {
  readonly version: number;
  /** Seconds since 1970 when the PDB was written (the pre-GUID identity). */
  readonly signature: number;
  readonly age: number;
  readonly guid: string;
}

export function readInfoStream(msf: MsfFile): PdbInfoStream {
  if (!msf.hasStream(PDB_INFO_STREAM)) throw new PdbError(msf.name, 'has no PDB info stream (stream 1)');
  const size = msf.streamSize(PDB_INFO_STREAM);
  if (size < 28) throw new PdbError(msf.name, `PDB info stream is ${size} bytes, too short for a GUID`);
  const bytes = msf.read(PDB_INFO_STREAM, 0, 28, 'PDB info stream');
  const version = u32(bytes, 0);
  if (version < PDB_VERSION_VC70) {
    throw new PdbError(
      msf.name,
      `PDB info version ${version} predates VC 7.0 and has no GUID (not supported)`,
    );
  }
  return { version, signature: u32(bytes, 4), age: u32(bytes, 8), guid: guidAt(bytes, 12) };
}

export interface ModuleRecord {
  readonly index: number;
  readonly name: string;
  readonly objectName: string;
  /** Stream holding the module's symbols, or −1 when it has none. */
  readonly symbolStream: number;
  readonly symbolBytes: number;
  readonly c11Bytes: number;
  readonly c13Bytes: number;
}

export interface SectionHeader {
  readonly name: string;
  readonly virtualSize: number;
  readonly virtualAddress: number;
  readonly characteristics: number;
}

export interface DbiStream {
  readonly age: number;
  readonly machine: number;
  readonly publicsStream: number;
  readonly globalsStream: number;
  readonly symbolRecordsStream: number;
  readonly modules: readonly ModuleRecord[];
  /** The optional debug header: stream numbers by DbgType (−1 = none). */
  readonly debugStreams: readonly number[];
}

const streamOrNone = (value: number) => (value === NO_STREAM ? -1 : value);

export function readDbiStream(msf: MsfFile): DbiStream {
  const file = msf.name;
  if (!msf.hasStream(DBI_STREAM)) throw new PdbError(file, 'has no DBI stream (stream 3)');
  const size = msf.streamSize(DBI_STREAM);
  if (size < DBI_HEADER_BYTES)
    throw new PdbError(file, `DBI stream is ${size} bytes, shorter than its header`);
  const head = msf.read(DBI_STREAM, 0, DBI_HEADER_BYTES, 'DBI header');
  if (u32(head, 0) !== 0xffffffff) {
    throw new PdbError(file, 'DBI stream has no version signature (pre-VC 4.1 format, not supported)');
  }
  const substreams = [24, 28, 32, 36, 40, 52, 48].map((at) => u32(head, at));
  let total = DBI_HEADER_BYTES;
  for (const part of substreams) {
    if (part > 0x7fffffff) throw new PdbError(file, `DBI substream size ${part | 0} is negative`);
    total += part;
  }
  if (total > size) {
    throw new PdbError(file, `DBI substreams claim ${total} bytes but the DBI stream has ${size}`);
  }
  const [
    moduleBytes,
    contribBytes,
    sectionMapBytes,
    fileInfoBytes,
    typeServerBytes,
    ecBytes,
    debugHeaderBytes,
  ] = substreams as [number, number, number, number, number, number, number];

  const modules: ModuleRecord[] = [];
  if (moduleBytes > 0) {
    const bytes = msf.read(DBI_STREAM, DBI_HEADER_BYTES, moduleBytes, 'DBI module info');
    let at = 0;
    while (at + MODULE_FIXED_BYTES <= moduleBytes) {
      const stream = u16(bytes, at + 34);
      const name = cString(bytes, at + MODULE_FIXED_BYTES, moduleBytes);
      const objectName = cString(bytes, name.next, moduleBytes);
      if (objectName.next > moduleBytes || bytes[objectName.next - 1] !== 0) {
        throw new PdbError(file, `DBI module record ${modules.length} at offset ${at} is truncated`);
      }
      modules.push({
        index: modules.length,
        name: name.text,
        objectName: objectName.text,
        symbolStream: streamOrNone(stream),
        symbolBytes: u32(bytes, at + 36),
        c11Bytes: u32(bytes, at + 40),
        c13Bytes: u32(bytes, at + 44),
      });
      at = (objectName.next + 3) & ~3;
    }
  }

  const contribAt = DBI_HEADER_BYTES + moduleBytes;
  const debugAt = contribAt + contribBytes + sectionMapBytes + fileInfoBytes + typeServerBytes + ecBytes;
  const debugStreams: number[] = [];
  if (debugHeaderBytes >= 2) {
    const bytes = msf.read(DBI_STREAM, debugAt, debugHeaderBytes & ~1, 'DBI optional debug header');
    for (let at = 0; at + 2 <= bytes.length; at += 2) debugStreams.push(streamOrNone(u16(bytes, at)));
  }

  return {
    age: u32(head, 8),
    machine: u16(head, 58),
    globalsStream: streamOrNone(u16(head, 12)),
    publicsStream: streamOrNone(u16(head, 16)),
    symbolRecordsStream: streamOrNone(u16(head, 20)),
    modules,
    debugStreams,
  };
}

/** Indices into the optional debug header (microsoft-pdb DbgType). */
export const DEBUG_STREAM = {
  FPO: 0,
  OMAP_TO_SOURCE: 3,
  OMAP_FROM_SOURCE: 4,
  SECTION_HEADERS: 5,
  NEW_FPO: 9,
  ORIGINAL_SECTION_HEADERS: 10,
} as const;

export function readSectionHeaders(msf: MsfFile, stream: number, what: string): SectionHeader[] {
  const size = msf.streamSize(stream);
  if (size % SECTION_HEADER_BYTES !== 0) {
    throw new PdbError(
      msf.name,
      `${what} stream ${stream} is ${size} bytes, not a whole number of 40-byte headers`,
    );
  }
  const bytes = msf.read(stream, 0, size, what);
  const headers: SectionHeader[] = [];
  for (let at = 0; at < size; at += SECTION_HEADER_BYTES) {
    let name = '';
    for (let i = 0; i < 8 && bytes[at + i] !== 0; i++) name += String.fromCharCode(bytes[at + i]!);
    headers.push({
      name,
      virtualSize: u32(bytes, at + 8),
      virtualAddress: u32(bytes, at + 12),
      characteristics: u32(bytes, at + 36),
    });
  }
  return headers;
}

/** An OMAP table: pairs (source address, target address), sorted by source. */
export function readOmap(msf: MsfFile, stream: number, what: string): Uint32Array {
  const size = msf.streamSize(stream);
  if (size % 8 !== 0)
    throw new PdbError(msf.name, `${what} stream ${stream} is ${size} bytes, not whole 8-byte entries`);
  const bytes = msf.read(stream, 0, size, what);
  const table = new Uint32Array(size / 4);
  for (let i = 0; i < table.length; i++) table[i] = u32(bytes, i * 4);
  for (let i = 2; i < table.length; i += 2) {
    if (table[i]! < table[i - 2]!)
      throw new PdbError(msf.name, `${what} stream ${stream} is not sorted (entry ${i / 2})`);
  }
  return table;
}

export function machineName(machine: number): string {
  switch (machine) {
    case 0x14c:
      return 'x86';
    case 0x8664:
      return 'x64';
    case 0xaa64:
      return 'arm64';
    case 0x1c4:
      return 'arm';
    case 0x200:
      return 'ia64';
    default:
      return `0x${machine.toString(16)}`;
  }
}
