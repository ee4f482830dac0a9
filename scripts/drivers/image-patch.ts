// Post-link patches that give each built image the identity we choose (lld-link 14 derives the PDB
// GUID from a content hash ending in "LLD PDB." and always writes age 1):
//   PE:  the CodeView RSDS record of the debug directory (GUID, age) and the optional header's
//        CheckSum (the PE checksum algorithm: 16-bit one's-complement-style sum + file length)
//   PDB: the PDB info stream (stream 1: version, signature, age, GUID) and the DBI stream header's
//        age (stream 3), located through the MSF superblock and stream directory
// Everything read from the file is bounds-checked; a malformed file gives an error naming it.
// The results are read back with llvm-readobj / llvm-pdbutil (readback.ts), not with this code.

/** "Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0": the first 32 bytes of every PDB 7 file. */
const MSF_MAGIC = 'Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0';
/** Stream indices fixed by the PDB format. */
const PDB_INFO_STREAM = 1;
const DBI_STREAM = 3;
/** IMAGE_DEBUG_TYPE_CODEVIEW. */
const DEBUG_TYPE_CODEVIEW = 2;
/** Size of one IMAGE_DEBUG_DIRECTORY entry. */
const DEBUG_DIRECTORY_ENTRY = 28;
/** Largest stream count we accept in a PDB directory (ours have < 100). */
const MAX_STREAMS = 100_000;

export class ImageFormatError extends Error {
  override name = 'ImageFormatError';
}

function fail(file: string, what: string): never {
  throw new ImageFormatError(`${file}: ${what}`);
}

function check(file: string, bytes: Uint8Array, offset: number, length: number, what: string): void {
  if (!Number.isInteger(offset) || offset < 0 || length < 0 || offset + length > bytes.length)
    fail(
      file,
      `${what} at 0x${Math.max(0, offset).toString(16)} (+${length}) is outside the ${bytes.length}-byte file`,
    );
}

/** 16 GUID bytes as stored (Data1..3 little-endian) from 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'. */
export function guidBytes(guid: string): Uint8Array {
  const hex = guid.replace(/[{}-]/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a GUID: ${guid}`);
  const raw = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  return Uint8Array.from([
    raw[3],
    raw[2],
    raw[1],
    raw[0],
    raw[5],
    raw[4],
    raw[7],
    raw[6],
    ...raw.subarray(8),
  ]);
}

/** The GUID string of 16 stored bytes (inverse of guidBytes), lower case with dashes. */
export function guidString(bytes: Uint8Array): string {
  const h = (i: number): string => bytes[i].toString(16).padStart(2, '0');
  const d1 = h(3) + h(2) + h(1) + h(0);
  const d2 = h(5) + h(4);
  const d3 = h(7) + h(6);
  const d4 = h(8) + h(9);
  const d5 = [10, 11, 12, 13, 14, 15].map(h).join('');
  return `${d1}-${d2}-${d3}-${d4}-${d5}`;
}

interface PeLayout {
  /** Offset of the optional header's CheckSum field. */
  checksumOffset: number;
  /** File offsets of the CodeView debug records' data (normally one). */
  codeViewOffsets: number[];
}

function peLayout(file: string, pe: Uint8Array): PeLayout {
  const v = new DataView(pe.buffer, pe.byteOffset, pe.byteLength);
  check(file, pe, 0, 0x40, 'DOS header');
  if (pe[0] !== 0x4d || pe[1] !== 0x5a) fail(file, 'no MZ signature');
  const lfanew = v.getUint32(0x3c, true);
  check(file, pe, lfanew, 24, 'PE header');
  if (v.getUint32(lfanew, true) !== 0x00004550) fail(file, `no PE signature at 0x${lfanew.toString(16)}`);
  const sections = v.getUint16(lfanew + 6, true);
  const optionalSize = v.getUint16(lfanew + 20, true);
  const optional = lfanew + 24;
  check(file, pe, optional, optionalSize, 'optional header');
  const magic = v.getUint16(optional, true);
  if (magic !== 0x10b && magic !== 0x20b) fail(file, `unknown optional header magic 0x${magic.toString(16)}`);
  const directories = optional + (magic === 0x20b ? 112 : 96);
  const directoryCount = v.getUint32(directories - 4, true);
  const sectionTable = optional + optionalSize;
  check(file, pe, sectionTable, sections * 40, 'section table');
  const rvaToOffset = (rva: number, length: number): number => {
    for (let s = 0; s < sections; s++) {
      const at = sectionTable + s * 40;
      const virtualSize = v.getUint32(at + 8, true);
      const virtualAddress = v.getUint32(at + 12, true);
      const rawSize = v.getUint32(at + 16, true);
      const rawPointer = v.getUint32(at + 20, true);
      if (rva >= virtualAddress && rva + length <= virtualAddress + Math.max(virtualSize, rawSize)) {
        if (rva + length - virtualAddress > rawSize) fail(file, `RVA 0x${rva.toString(16)} has no file data`);
        return rawPointer + (rva - virtualAddress);
      }
    }
    return fail(file, `RVA 0x${rva.toString(16)} is in no section`);
  };
  const codeViewOffsets: number[] = [];
  if (directoryCount > 6) {
    check(file, pe, directories + 6 * 8, 8, 'debug data directory');
    const debugRva = v.getUint32(directories + 6 * 8, true);
    const debugSize = v.getUint32(directories + 6 * 8 + 4, true);
    if (debugRva !== 0 && debugSize !== 0) {
      if (debugSize % DEBUG_DIRECTORY_ENTRY !== 0)
        fail(file, `debug directory size ${debugSize} is not a multiple of 28`);
      const at = rvaToOffset(debugRva, debugSize);
      check(file, pe, at, debugSize, 'debug directory');
      for (let e = at; e < at + debugSize; e += DEBUG_DIRECTORY_ENTRY) {
        if (v.getUint32(e + 12, true) !== DEBUG_TYPE_CODEVIEW) continue;
        const size = v.getUint32(e + 16, true);
        const pointer = v.getUint32(e + 24, true);
        check(file, pe, pointer, size, 'CodeView record');
        if (size < 24 || v.getUint32(pointer, true) !== 0x53445352) fail(file, 'CodeView record is not RSDS');
        codeViewOffsets.push(pointer);
      }
    }
  }
  return { checksumOffset: optional + 64, codeViewOffsets };
}

/** The PE checksum (imagehlp CheckSumMappedFile): 16-bit word sum with carries folded, + file length. */
export function peChecksum(file: string, pe: Uint8Array): number {
  const { checksumOffset } = peLayout(file, pe);
  let sum = 0;
  const words = Math.floor(pe.length / 2);
  for (let i = 0; i < words; i++) {
    const at = i * 2;
    if (at === checksumOffset || at === checksumOffset + 2) continue;
    sum += pe[at] | (pe[at + 1] << 8);
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  if (pe.length % 2 === 1) {
    sum += pe[pe.length - 1];
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  sum = (sum & 0xffff) + (sum >>> 16);
  return (sum + pe.length) >>> 0;
}

/**
 * Sets the RSDS GUID/age (when the image has a CodeView record; `identity` undefined = leave it)
 * and then the CheckSum. Returns the checksum written.
 */
export function patchPe(file: string, pe: Uint8Array, identity?: { guid: string; age: number }): number {
  const layout = peLayout(file, pe);
  const v = new DataView(pe.buffer, pe.byteOffset, pe.byteLength);
  if (identity !== undefined) {
    if (layout.codeViewOffsets.length === 0) fail(file, 'no CodeView debug record to patch');
    for (const at of layout.codeViewOffsets) {
      pe.set(guidBytes(identity.guid), at + 4);
      v.setUint32(at + 20, identity.age, true);
    }
  }
  v.setUint32(layout.checksumOffset, 0, true);
  const sum = peChecksum(file, pe);
  v.setUint32(layout.checksumOffset, sum, true);
  return sum;
}

/** File offset of byte `offset` of stream `stream` (it must lie in the stream's first block). */
function streamOffset(file: string, pdb: Uint8Array, stream: number, offset: number, length: number): number {
  check(file, pdb, 0, 56, 'MSF superblock');
  for (let i = 0; i < MSF_MAGIC.length; i++)
    if (pdb[i] !== MSF_MAGIC.charCodeAt(i)) fail(file, 'not an MSF 7.00 (PDB) file');
  const v = new DataView(pdb.buffer, pdb.byteOffset, pdb.byteLength);
  const blockSize = v.getUint32(32, true);
  if (![512, 1024, 2048, 4096].includes(blockSize)) fail(file, `MSF block size ${blockSize}`);
  const numBlocks = v.getUint32(40, true);
  if (numBlocks * blockSize > pdb.length)
    fail(file, `MSF says ${numBlocks} blocks of ${blockSize} bytes, file is ${pdb.length}`);
  const directoryBytes = v.getUint32(44, true);
  const blockMapAddr = v.getUint32(52, true);
  const directoryBlocks = Math.ceil(directoryBytes / blockSize);
  check(file, pdb, blockMapAddr * blockSize, directoryBlocks * 4, 'MSF block map');
  const block = (index: number, what: string): number => {
    if (index >= numBlocks) fail(file, `${what}: block ${index} beyond the ${numBlocks} blocks`);
    return index * blockSize;
  };
  // The directory is spread over blocks; read it word by word through the block map.
  const directoryWord = (k: number): number => {
    const byte = k * 4;
    if (byte + 4 > directoryBytes) fail(file, `MSF directory word ${k} beyond its ${directoryBytes} bytes`);
    const blockIndex = v.getUint32(blockMapAddr * blockSize + Math.floor(byte / blockSize) * 4, true);
    return v.getUint32(block(blockIndex, 'MSF directory') + (byte % blockSize), true);
  };
  const streams = directoryWord(0);
  if (streams > MAX_STREAMS || stream >= streams)
    fail(file, `MSF directory has ${streams} streams, need stream ${stream}`);
  let word = 1 + streams;
  for (let s = 0; s < stream; s++) {
    const size = directoryWord(1 + s);
    if (size !== 0xffffffff) word += Math.ceil(size / blockSize);
  }
  const size = directoryWord(1 + stream);
  if (size === 0xffffffff || offset + length > Math.min(size, blockSize))
    fail(
      file,
      `stream ${stream} (${size} bytes) does not hold bytes ${offset}..${offset + length} in its first block`,
    );
  return block(directoryWord(word), `stream ${stream}`) + offset;
}

/** Sets the GUID and age of the PDB info stream and the age of the DBI stream header. */
export function patchPdb(file: string, pdb: Uint8Array, identity: { guid: string; age: number }): void {
  const v = new DataView(pdb.buffer, pdb.byteOffset, pdb.byteLength);
  const info = streamOffset(file, pdb, PDB_INFO_STREAM, 0, 28);
  const version = v.getUint32(info, true);
  if (version !== 20000404) fail(file, `PDB info stream version ${version}, expected 20000404 (VC70)`);
  v.setUint32(info + 8, identity.age, true);
  pdb.set(guidBytes(identity.guid), info + 12);
  const dbi = streamOffset(file, pdb, DBI_STREAM, 0, 12);
  if (v.getInt32(dbi, true) !== -1) fail(file, 'DBI stream header has no 0xFFFFFFFF signature');
  v.setUint32(dbi + 8, identity.age, true);
}
