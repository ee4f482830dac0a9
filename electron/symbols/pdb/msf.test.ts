// The container's validation: every way the superblock, the block map or the stream directory can
// lie (hand-made from a valid synthetic PDB by patching bytes) ends in a PdbError that names the
// file and the problem; nothing is read past the file, no claimed size is trusted.

import { describe, expect, it } from 'vitest';
import { memoryByteSource } from './byte-source.js';
import { u32 } from './bytes.js';
import { PdbError } from './errors.js';
import { MsfFile } from './msf.js';
import { openPdb } from './pdb.js';
import { buildMsf, buildPdb, endRecord, procedureRecord, publicRecord, concat } from './testing.js';

const NAME = 'hostile.pdb';

function validPdb(blockSize = 1024): Uint8Array {
  return buildPdb({
    blockSize,
    modules: [
      concat([
        procedureRecord(0x1110, { name: 'main', section: 1, offset: 0x10, length: 0x20 }),
        endRecord(),
      ]),
    ],
    publics: publicRecord({ name: 'main', section: 1, offset: 0x10 }),
  });
}

function openBytes(bytes: Uint8Array) {
  const file = openPdb(memoryByteSource(bytes), NAME);
  try {
    return file.readSymbols();
  } finally {
    file.close();
  }
}

/** Expects a PdbError naming the file whose message matches `pattern`. */
function rejects(bytes: Uint8Array, pattern: RegExp): void {
  let error: unknown;
  try {
    openBytes(bytes);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(PdbError);
  expect((error as PdbError).message.startsWith(`${NAME}: `)).toBe(true);
  expect((error as PdbError).message).toMatch(pattern);
}

const setU32 = (bytes: Uint8Array, at: number, value: number) =>
  new DataView(bytes.buffer).setUint32(at, value >>> 0, true);

/** Calls `edit` on the stream directory in place (it fits one block in these small files). */
function patchDirectory(
  bytes: Uint8Array,
  edit: (
    dir: DataView,
    layout: { streams: number; listAt: number; firstBlock: (s: number) => number },
  ) => void,
) {
  const blockSize = u32(bytes, 32);
  const mapBlock = u32(bytes, 52);
  const dirBlock = u32(bytes, mapBlock * blockSize);
  const dir = new DataView(bytes.buffer, dirBlock * blockSize, blockSize);
  const streams = dir.getUint32(0, true);
  const listAt = 4 + streams * 4;
  const firstBlock = (s: number) => {
    let at = listAt;
    for (let i = 0; i < s; i++) {
      const size = dir.getUint32(4 + i * 4, true);
      if (size !== 0xffffffff) at += Math.ceil(size / blockSize) * 4;
    }
    return at;
  };
  edit(dir, { streams, listAt, firstBlock });
}

describe('MSF container', () => {
  it('reads a valid file of each block size, stream by stream', () => {
    for (const blockSize of [512, 1024, 2048, 4096]) {
      const bytes = validPdb(blockSize);
      const msf = new MsfFile(memoryByteSource(bytes), NAME);
      expect(msf.blockSize).toBe(blockSize);
      expect(msf.streamCount).toBe(8);
      expect(msf.streamSize(0)).toBe(0);
      expect(msf.hasStream(1)).toBe(true);
      expect(u32(msf.read(1, 0, 4), 0)).toBe(20000404);
      expect(() => msf.read(1, msf.streamSize(1) - 2, 4)).toThrow(/past the end of stream 1/);
      expect(() => msf.read(99, 0, 1)).toThrow(/stream 99 does not exist/);
      expect(openBytes(bytes).names).toEqual(['main']);
    }
  });

  it('refuses what is not a PDB 7.0, saying what it is', () => {
    rejects(
      new TextEncoder().encode('hello, I am a text file that is long enough to hold a superblock........'),
      /not a PDB: no "Microsoft C\/C\+\+ MSF 7\.00" signature/,
    );
    rejects(new Uint8Array(10), /shorter than an MSF superblock/);
    const pdb2 = new Uint8Array(4096);
    pdb2.set(new TextEncoder().encode('Microsoft C/C++ program database 2.00\r\n\x1aJG\0\0'));
    rejects(pdb2, /PDB 2\.0 file .* only PDB 7\.0 \(MSF 7\.00\) is supported/);
  });

  it('refuses block sizes other than the MSF ones (0, 3, 100, 65536)', () => {
    for (const size of [0, 3, 100, 65536]) {
      const bytes = validPdb();
      setU32(bytes, 32, size);
      rejects(bytes, new RegExp(`invalid MSF block size ${size}`));
    }
  });

  it('refuses a file shorter than its superblock claims, at every truncation point', () => {
    const bytes = validPdb();
    const points = new Set<number>([56, 1023, 1024, 1025, bytes.length - 1]);
    for (let at = 0; at < bytes.length; at += Math.ceil(bytes.length / 40)) points.add(at);
    for (const at of points) {
      const cut = bytes.slice(0, at);
      let error: unknown;
      try {
        openBytes(cut);
      } catch (e) {
        error = e;
      }
      expect(error, `cut at ${at}`).toBeInstanceOf(PdbError);
      expect((error as Error).message).toMatch(
        at < 56 ? /shorter than an MSF superblock|not a PDB/ : /truncated: the superblock claims/,
      );
    }
  });

  it('refuses a block map or directory outside the file, or an absurd directory size', () => {
    let bytes = validPdb();
    setU32(bytes, 52, 0);
    rejects(bytes, /block map at block 0/);
    bytes = validPdb();
    setU32(bytes, 52, 1_000_000);
    rejects(bytes, /block map at block 1000000 is outside/);
    bytes = validPdb();
    setU32(bytes, 44, 0xfffffff0);
    rejects(bytes, /stream directory size 4294967280 bytes is out of range/);
    bytes = validPdb();
    setU32(bytes, 44, 2);
    rejects(bytes, /stream directory size 2 bytes/);
    bytes = validPdb();
    setU32(bytes, u32(bytes, 52) * 1024, 5_000_000); // directory block index
    rejects(bytes, /directory block 0 names block 5000000, outside blocks/);
  });

  it('refuses stream sizes the directory cannot list (a 4 GB stream, huge stream counts)', () => {
    let bytes = validPdb();
    patchDirectory(bytes, (dir) => dir.setUint32(4 + 3 * 4, 0xfffffffe, true));
    rejects(
      bytes,
      /directory lists \d+ stream blocks but holds room for \d+ \(stream 3 claims 4294967294 bytes\)/,
    );
    bytes = validPdb();
    patchDirectory(bytes, (dir) => dir.setUint32(0, 0xffffffff, true));
    rejects(bytes, /claims 4294967295 streams/);
  });

  it('refuses block lists that loop, overlap or leave the file', () => {
    let bytes = validPdb();
    patchDirectory(bytes, (dir, { firstBlock }) => {
      // Stream 3 (DBI) names stream 1's block: two streams sharing one block.
      dir.setUint32(firstBlock(3), dir.getUint32(firstBlock(1), true), true);
    });
    rejects(bytes, /stream 3 names block \d+, which is already in use/);
    bytes = validPdb();
    patchDirectory(bytes, (dir, { firstBlock }) => dir.setUint32(firstBlock(1), 0, true));
    rejects(bytes, /stream 1 names block 0, outside blocks/);
    bytes = validPdb();
    patchDirectory(bytes, (dir, { firstBlock }) => dir.setUint32(firstBlock(5), 0x7fffffff, true));
    rejects(bytes, /stream 5 names block 2147483647, outside blocks/);
    bytes = validPdb();
    const mapBlock = u32(bytes, 52);
    patchDirectory(bytes, (dir, { firstBlock }) => dir.setUint32(firstBlock(2), mapBlock, true));
    rejects(bytes, /stream 2 names block \d+, which is already in use/);
  });

  it('refuses a PDB without its info or DBI stream, or with DBI substreams past its end', () => {
    rejects(buildMsf([new Uint8Array(0), null, null, null]), /has no PDB info stream \(stream 1\)/);
    const valid = new MsfFile(memoryByteSource(validPdb()), NAME);
    const info = valid.read(1, 0, valid.streamSize(1));
    rejects(buildMsf([new Uint8Array(0), info, null, null]), /has no DBI stream \(stream 3\)/);
    const bytes = validPdb();
    const msf = new MsfFile(memoryByteSource(bytes), NAME);
    const dbiBlock = (() => {
      let block = -1;
      patchDirectory(bytes, (dir, { firstBlock }) => (block = dir.getUint32(firstBlock(3), true)));
      return block;
    })();
    expect(msf.streamSize(3)).toBeGreaterThan(64);
    setU32(bytes, dbiBlock * 1024 + 24, 0x7ffffff0); // module info size
    rejects(bytes, /DBI substreams claim \d+ bytes but the DBI stream has \d+/);
  });
});
