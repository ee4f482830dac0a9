// File and memory byte sources: positional reads, short reads at the end, readInto bounds, errors.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileByteSource, memoryByteSource, readIntoFrom } from './byte-source.js';
import type { ByteSource } from './types.js';

const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) & 255);

function check(source: ByteSource & { readInto?: unknown }) {
  expect(source.size).toBe(5000);
  expect(source.read(10, 5)).toEqual(data.subarray(10, 15));
  expect(source.read(4990, 100)).toEqual(data.subarray(4990)); // short at the end
  expect(source.read(6000, 10).length).toBe(0);
  const target = new Uint8Array(20).fill(7);
  expect(readIntoFrom(source, 100, target, 4, 10)).toBe(10);
  expect(target.subarray(4, 14)).toEqual(data.subarray(100, 110));
  expect(target[3]).toBe(7);
  expect(target[14]).toBe(7);
  expect(readIntoFrom(source, 4995, target, 0, 20)).toBe(5);
  expect(readIntoFrom(source, 0, target, 15, 100)).toBe(5); // never past the target
}

describe('byte sources', () => {
  it('memoryByteSource reads views and into arrays', () => {
    check(memoryByteSource(data, 'mem'));
  });

  it('fileByteSource reads by position without loading the file, and closes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-bytes-'));
    try {
      const file = path.join(dir, 'x.bin');
      writeFileSync(file, data);
      const source = fileByteSource(file);
      expect(source.name).toBe(file);
      check(source);
      source.close();
      source.close(); // idempotent
      expect(() => source.read(0, 1)).toThrow(/closed/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('readIntoFrom falls back to read() for sources without readInto', () => {
    const plain: ByteSource = {
      size: 5000,
      name: 'plain',
      read: (o, n) => data.slice(o, Math.min(5000, o + n)),
      close() {},
    };
    check(plain);
  });
});

describe('fileByteSource errors', () => {
  it('refuses directories and missing files with a plain message', () => {
    expect(() => fileByteSource(tmpdir())).toThrow(/not a regular file/);
    expect(() => fileByteSource(path.join(tmpdir(), 'no-such-etlscope-file.etl'))).toThrow(/ENOENT/);
  });
});
