// The MSF container ("multi-stream file") every PDB 7.0 lives in: a superblock, fixed-size
// blocks, and a stream directory that says which blocks make up each numbered stream. This file
// validates the container once (superblock, block map, directory, every stream's block list) and
// then serves byte ranges of streams, reading only the blocks asked for.
//
//   block 0: superblock ── blockMapAddr ──> block map (u32 block indices of the directory)
//                                             └─> directory: numStreams, sizes[], blocks[][]
//   stream i, bytes [o, o+n) ──> its blocks ⌊o/B⌋…⌊(o+n−1)/B⌋ ──> source.read(block·B, …)
//
// Layout: LLVM "The MSF File Format" (llvm.org/docs/PDB/MsfFile.html) and microsoft-pdb
// PDB/msf/msf.cpp. The free block map is not read (a reader does not need it).

import type { PdbByteSource } from './byte-source.js';
import { u32 } from './bytes.js';
import { PdbError } from './errors.js';

const MSF7_MAGIC = 'Microsoft C/C++ MSF 7.00\r\n\x1aDS\0\0\0';
const PDB2_MAGIC = 'Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0';
const SUPERBLOCK_BYTES = 56;
/** Sizes MSVC writes (/PDBPAGESIZE accepts up to 32768; 512–4096 are the classic ones). */
const VALID_BLOCK_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16384, 32768]);
/** The stream size that marks a deleted ("nil") stream. */
const NIL_STREAM_SIZE = 0xffffffff;
/** Blocks kept by the small-read cache: 256 × 4 KiB = 1 MiB, enough for the type and symbol
 *  records a name lookup revisits without holding a large PDB in memory. */
const BLOCK_CACHE_ENTRIES = 256;

export class MsfFile {
  readonly name: string;
  readonly blockSize: number;
  readonly blockCount: number;
  readonly streamCount: number;
  private readonly source: PdbByteSource;
  /** Per stream: byte size (NIL_STREAM_SIZE for nil streams). */
  private readonly sizes: Uint32Array;
  /** Per stream: index of its first block in `blocks` (and stream i+1's start is its end). */
  private readonly blockStarts: Uint32Array;
  private readonly blocks: Uint32Array;
  private readonly cache = new Map<number, Uint8Array>();

  constructor(source: PdbByteSource, name: string) {
    this.source = source;
    this.name = name;
    if (source.size < SUPERBLOCK_BYTES) {
      throw new PdbError(name, `not a PDB: ${source.size} bytes is shorter than an MSF superblock`);
    }
    const head = source.read(0, SUPERBLOCK_BYTES);
    const text = String.fromCharCode(...head.subarray(0, PDB2_MAGIC.length));
    if (text.startsWith(PDB2_MAGIC)) {
      throw new PdbError(
        name,
        'is a PDB 2.0 file (VC++ 6 era, "Microsoft C/C++ program database 2.00"); only PDB 7.0 (MSF 7.00) is supported',
      );
    }
    if (!text.startsWith(MSF7_MAGIC)) {
      throw new PdbError(name, 'not a PDB: no "Microsoft C/C++ MSF 7.00" signature at offset 0');
    }
    const blockSize = u32(head, 32);
    const blockCount = u32(head, 40);
    const directoryBytes = u32(head, 44);
    const blockMapAddr = u32(head, 52);
    if (!VALID_BLOCK_SIZES.has(blockSize)) {
      throw new PdbError(
        name,
        `invalid MSF block size ${blockSize} (expected a power of two from 512 to 32768)`,
      );
    }
    if (blockCount < 3)
      throw new PdbError(name, `MSF superblock claims ${blockCount} blocks (at least 3 needed)`);
    if (blockCount * blockSize > source.size) {
      throw new PdbError(
        name,
        `truncated: the superblock claims ${blockCount} blocks of ${blockSize} bytes ` +
          `(${blockCount * blockSize} bytes) but the file has ${source.size} bytes`,
      );
    }
    const maxDirectoryBlocks = blockSize / 4; // the block map is a single block of u32 indices
    const directoryBlocks = Math.ceil(directoryBytes / blockSize);
    if (directoryBytes < 4 || directoryBlocks > maxDirectoryBlocks || directoryBlocks > blockCount) {
      throw new PdbError(name, `MSF stream directory size ${directoryBytes} bytes is out of range`);
    }
    if (blockMapAddr === 0 || blockMapAddr >= blockCount) {
      throw new PdbError(name, `MSF block map at block ${blockMapAddr} is outside the ${blockCount} blocks`);
    }
    this.blockSize = blockSize;
    this.blockCount = blockCount;

    const used = new Uint8Array(blockCount);
    used[0] = 1;
    const claim = (block: number, what: string) => {
      if (block === 0 || block >= blockCount) {
        throw new PdbError(name, `${what} names block ${block}, outside blocks 1…${blockCount - 1}`);
      }
      if (used[block]) throw new PdbError(name, `${what} names block ${block}, which is already in use`);
      used[block] = 1;
    };
    claim(blockMapAddr, 'the MSF block map');
    const blockMap = source.read(blockMapAddr * blockSize, directoryBlocks * 4);
    const directory = new Uint8Array(directoryBlocks * blockSize);
    for (let i = 0; i < directoryBlocks; i++) {
      const block = u32(blockMap, i * 4);
      claim(block, `directory block ${i}`);
      directory.set(this.readBlocks(block, 1), i * blockSize);
    }

    const streamCount = u32(directory, 0);
    if (streamCount > (directoryBytes - 4) / 4) {
      throw new PdbError(
        name,
        `MSF directory claims ${streamCount} streams, more than its ${directoryBytes} bytes hold`,
      );
    }
    this.streamCount = streamCount;
    this.sizes = new Uint32Array(streamCount);
    this.blockStarts = new Uint32Array(streamCount + 1);
    let totalBlocks = 0;
    for (let i = 0; i < streamCount; i++) {
      const size = u32(directory, 4 + i * 4);
      this.sizes[i] = size;
      this.blockStarts[i] = totalBlocks;
      if (size !== NIL_STREAM_SIZE) totalBlocks += Math.ceil(size / blockSize);
    }
    this.blockStarts[streamCount] = totalBlocks;
    const listAt = 4 + streamCount * 4;
    if (listAt + totalBlocks * 4 > directoryBytes) {
      const worst = this.largestStream();
      throw new PdbError(
        name,
        `MSF directory lists ${totalBlocks} stream blocks but holds room for ${Math.floor((directoryBytes - listAt) / 4)}` +
          ` (stream ${worst} claims ${this.sizes[worst]} bytes)`,
      );
    }
    if (totalBlocks > blockCount) {
      throw new PdbError(name, `MSF streams claim ${totalBlocks} blocks but the file has ${blockCount}`);
    }
    this.blocks = new Uint32Array(totalBlocks);
    for (let s = 0; s < streamCount; s++) {
      for (let b = this.blockStarts[s]!; b < this.blockStarts[s + 1]!; b++) {
        const block = u32(directory, listAt + b * 4);
        claim(block, `stream ${s}`);
        this.blocks[b] = block;
      }
    }
  }

  private largestStream(): number {
    let worst = 0;
    for (let i = 0; i < this.streamCount; i++) {
      const size = this.sizes[i] === NIL_STREAM_SIZE ? 0 : this.sizes[i]!;
      const best = this.sizes[worst] === NIL_STREAM_SIZE ? 0 : this.sizes[worst]!;
      if (size > best) worst = i;
    }
    return worst;
  }

  private readBlocks(first: number, count: number): Uint8Array {
    const bytes = this.source.read(first * this.blockSize, count * this.blockSize);
    if (bytes.length !== count * this.blockSize) {
      throw new PdbError(this.name, `short read at block ${first} (the file changed while being read?)`);
    }
    return bytes;
  }

  /** Whether stream `index` exists and is not nil. */
  hasStream(index: number): boolean {
    return index >= 0 && index < this.streamCount && this.sizes[index] !== NIL_STREAM_SIZE;
  }

  /** Byte size of stream `index`; 0 for a nil or absent stream. */
  streamSize(index: number): number {
    return this.hasStream(index) ? this.sizes[index]! : 0;
  }

  /** Bytes [offset, offset+length) of a stream. Throws PdbError past the stream's end. */
  read(stream: number, offset: number, length: number, what = `stream ${stream}`): Uint8Array {
    const size = this.streamSize(stream);
    if (!this.hasStream(stream)) throw new PdbError(this.name, `${what}: stream ${stream} does not exist`);
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new PdbError(
        this.name,
        `${what}: bytes ${offset}…${offset + length} are past the end of stream ${stream} (${size} bytes)`,
      );
    }
    const blockSize = this.blockSize;
    const out = new Uint8Array(length);
    const base = this.blockStarts[stream]!;
    let done = 0;
    while (done < length) {
      const at = offset + done;
      const logical = Math.floor(at / blockSize);
      const within = at - logical * blockSize;
      // Coalesce physically consecutive blocks into one source read.
      let run = 1;
      const first = this.blocks[base + logical]!;
      const blocksWanted = Math.ceil((within + length - done) / blockSize);
      while (run < blocksWanted && this.blocks[base + logical + run] === first + run) run++;
      const take = Math.min(run * blockSize - within, length - done);
      if (run === 1 && length < blockSize) {
        out.set(this.cachedBlock(first).subarray(within, within + take), done);
      } else {
        out.set(this.readBlocks(first, run).subarray(within, within + take), done);
      }
      done += take;
    }
    return out;
  }

  private cachedBlock(block: number): Uint8Array {
    const hit = this.cache.get(block);
    if (hit) {
      this.cache.delete(block);
      this.cache.set(block, hit);
      return hit;
    }
    const bytes = this.readBlocks(block, 1);
    this.cache.set(block, bytes);
    if (this.cache.size > BLOCK_CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    return bytes;
  }

  close(): void {
    this.cache.clear();
    this.source.close?.();
  }
}

/** Sequential access to one stream through a sliding window of whole blocks, for record walks:
 *  `view(offset, length)` returns bytes and the index in them where `offset` sits. */
export class StreamWindow {
  private bytes: Uint8Array = new Uint8Array(0);
  private start = 0;
  readonly size: number;
  constructor(
    private readonly msf: MsfFile,
    private readonly stream: number,
    private readonly windowBytes: number,
    private readonly what: string,
  ) {
    this.size = msf.streamSize(stream);
  }

  /** Bytes covering [offset, offset+length); `at` is where offset sits in them. */
  view(offset: number, length: number): { bytes: Uint8Array; at: number } {
    if (offset < this.start || offset + length > this.start + this.bytes.length) {
      const take = Math.min(this.size - offset, Math.max(this.windowBytes, length));
      this.bytes = this.msf.read(this.stream, offset, Math.max(take, length), this.what);
      this.start = offset;
    }
    return { bytes: this.bytes, at: offset - this.start };
  }
}
