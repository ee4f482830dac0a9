// Round trips of the writer's Xpress compressor through a small plain-LZ77 decoder written here
// from MS-XCA §2.4 (format doc §1.6), plus checks that every length form is really produced.
import { describe, expect, it } from 'vitest';
import { xpressCompress } from './xpress-compress.js';
import { xpressDecompress, type DecodeStats } from './test-support.js';

/** Deterministic xorshift bytes. */
function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return out;
}

function roundTrip(data: Uint8Array, maxMatch?: number): DecodeStats {
  const packed = xpressCompress(data, maxMatch);
  const { out, stats } = xpressDecompress(packed, data.length);
  expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
  return stats;
}

describe('xpressCompress', () => {
  it('round-trips empty and tiny inputs', () => {
    for (const n of [0, 1, 2, 3, 4, 31, 32, 33]) roundTrip(randomBytes(n, n + 7));
  });

  it('round-trips random data (all literals) (one flag bit per byte: at most 12.5 % larger)', () => {
    const data = randomBytes(65536, 42);
    const packed = xpressCompress(data);
    expect(packed.length).toBeLessThan(data.length * 1.125 + 8);
    const stats = roundTrip(data);
    expect(stats.literals).toBeGreaterThan(60000);
  });

  it('produces every length form: short, nibble, byte, 16-bit and 32-bit', () => {
    const runs = new Uint8Array(200_000); // zeros → one huge match, 32-bit length form
    const s1 = roundTrip(runs);
    expect(s1.word32Matches).toBeGreaterThan(0);
    const s2 = roundTrip(runs, 3000); // 16-bit form (length − 3 ≥ 277)
    expect(s2.word16Matches).toBeGreaterThan(0);
    const s3 = roundTrip(runs, 200); // byte form (25..279)
    expect(s3.byteMatches).toBeGreaterThan(0);
    const s4 = roundTrip(runs, 20); // nibble form (10..24), both halves of the shared byte
    expect(s4.nibbleMatches).toBeGreaterThan(1);
    const mixed = randomBytes(4000, 9);
    for (let i = 0; i < mixed.length; i += 16) mixed.copyWithin(i + 8, i, i + 5); // 5-byte repeats
    const s5 = roundTrip(mixed);
    expect(s5.shortMatches).toBeGreaterThan(0);
  });

  it('uses offsets up to 8192 and never beyond', () => {
    const block = randomBytes(8192, 5);
    const data = new Uint8Array(8192 * 3);
    data.set(block, 0);
    data.set(randomBytes(8192, 6), 8192);
    data.set(block, 16384); // repeats exactly 16384 back: unreachable
    const stats = roundTrip(data);
    expect(stats.maxOffset).toBeLessThanOrEqual(8192);
    const near = new Uint8Array(8192 + 600);
    near.set(block, 0);
    near.set(block.subarray(0, 600), 8192); // exactly 8192 back: the longest offset
    expect(roundTrip(near).maxOffset).toBe(8192);
  });

  it('round-trips trace-like repetitive records and compresses them well', () => {
    const data = new Uint8Array(65536 - 72);
    const view = new DataView(data.buffer);
    let ts = 123456789;
    for (let off = 0; off + 32 <= data.length; off += 32) {
      ts += 37 + (off % 97);
      view.setUint32(off, 0xc0110002, true);
      view.setUint16(off + 4, 32, true);
      view.setUint16(off + 6, 0x0f44, true);
      view.setUint32(off + 8, ts, true);
      view.setUint32(off + 16, ts - 2000, true);
      view.setUint32(off + 24, 0x12345678 + (off % 3) * 16, true);
    }
    const packed = xpressCompress(data);
    expect(packed.length).toBeLessThan(data.length / 2);
    roundTrip(data);
  });

  it('round-trips many random mixes of repeats and noise', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const noise = randomBytes(6000, seed);
      const data = new Uint8Array(6000);
      for (let i = 0; i < data.length; i++) {
        const r = noise[i];
        data[i] = r < 128 && i > 300 ? data[i - 1 - (noise[(i * 7) % 6000] % 300)] : r;
      }
      roundTrip(data);
    }
  });
});
