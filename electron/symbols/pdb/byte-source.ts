// Random-access bytes for the PDB reader: a file read with positional reads (never the whole file
// in memory: the MSF layer asks for one superblock, the stream directory, then the blocks of the
// streams it needs) and an in-memory source for tests and fuzzing. The only pdb/ file that
// touches node:fs.
//
//   openPdb(source) ──read(offset, length)──> fs.readSync(fd, …, position)

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes the reader can ask for at any offset. `read` may return fewer bytes at the end. */
export interface PdbByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
  close?(): void;
}

/** Opens `path` for positional reads. Throws Node's own error when the file cannot be opened. */
export function fileByteSource(path: string): PdbByteSource {
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
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      if (closed) throw new Error(`${path}: read after close`);
      const wanted = Math.max(0, Math.min(length, size - offset));
      const out = new Uint8Array(wanted);
      let done = 0;
      while (done < wanted) {
        const n = readSync(fd, out, done, wanted - done, offset + done);
        if (n <= 0) break; // the file shrank underneath us: hand back what we have
        done += n;
      }
      return done === wanted ? out : out.subarray(0, done);
    },
    close(): void {
      if (!closed) {
        closed = true;
        closeSync(fd);
      }
    },
  };
}

/** Wraps bytes already in memory (tests, fuzzing). Reads are views, not copies. */
export function memoryByteSource(bytes: Uint8Array): PdbByteSource {
  const size = bytes.length;
  return {
    size,
    read(offset: number, length: number): Uint8Array {
      const start = Math.max(0, Math.min(offset, size));
      return bytes.subarray(start, Math.max(start, Math.min(size, offset + length)));
    },
  };
}
