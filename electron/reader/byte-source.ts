// Byte sources for the reader: a file read in bounded chunks with positional reads (never the
// whole file in memory; offsets are plain JS numbers, exact up to 2^53, so files may exceed 4 GiB)
// and an in-memory source for tests and fuzzing. This is the only reader file that touches node:fs.
//
//   openEtl(source) ──read / readInto(offset, length)──> fs.readSync(fd, …, position)

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from './types.js';

/** Largest single readSync call: keeps each syscall's copy bounded and below Node's 2 GiB read limit. */
const MAX_READ_CHUNK = 16 * 1024 * 1024;

/** A ByteSource that can also read into a caller-owned array (the reader's hot path uses it). */
export interface ReadIntoByteSource extends ByteSource {
  /** Reads up to `length` bytes at `offset` into `target[targetOffset…]`; returns the count read. */
  readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): number;
}

/** Opens `path` for positional reads. Throws the usual Node error when the file cannot be opened. */
export function fileByteSource(path: string): ReadIntoByteSource {
  const fd = openSync(path, 'r');
  let size: number;
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
    size = stat.size;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  let closed = false;
  const readInto = (offset: number, target: Uint8Array, targetOffset: number, length: number): number => {
    if (closed) throw new Error(`byte source ${path} is closed`);
    const wanted = Math.max(0, Math.min(length, size - offset, target.length - targetOffset));
    let done = 0;
    while (done < wanted) {
      const n = readSync(
        fd,
        target,
        targetOffset + done,
        Math.min(MAX_READ_CHUNK, wanted - done),
        offset + done,
      );
      if (n <= 0) break; // file shrank underneath us: return what we have
      done += n;
    }
    return done;
  };
  return {
    size,
    name: path,
    read(offset: number, length: number): Uint8Array {
      const wanted = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(wanted);
      const n = readInto(offset, out, 0, wanted);
      return n === wanted ? out : out.subarray(0, n);
    },
    readInto,
    close(): void {
      if (!closed) {
        closed = true;
        closeSync(fd);
      }
    },
  };
}

/** Wraps bytes already in memory (tests, fuzzing, writer round trips). Reads are views, not copies. */
export function memoryByteSource(bytes: Uint8Array, name = '<memory>'): ReadIntoByteSource {
  const size = bytes.length;
  return {
    size,
    name,
    read(offset: number, length: number): Uint8Array {
      const start = Math.max(0, Math.min(offset, size));
      return bytes.subarray(start, Math.max(start, Math.min(size, offset + length)));
    },
    readInto(offset: number, target: Uint8Array, targetOffset: number, length: number): number {
      const start = Math.max(0, Math.min(offset, size));
      const n = Math.max(0, Math.min(length, size - start, target.length - targetOffset));
      target.set(bytes.subarray(start, start + n), targetOffset);
      return n;
    },
    close(): void {},
  };
}

/** readInto for any ByteSource: uses the source's own readInto when it has one. */
export function readIntoFrom(
  source: ByteSource,
  offset: number,
  target: Uint8Array,
  targetOffset: number,
  length: number,
): number {
  const withInto = source as Partial<ReadIntoByteSource>;
  if (typeof withInto.readInto === 'function') return withInto.readInto(offset, target, targetOffset, length);
  const chunk = source.read(offset, Math.min(length, target.length - targetOffset));
  target.set(chunk, targetOffset);
  return chunk.length;
}
