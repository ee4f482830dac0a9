// Hand-built MS-XCA plain LZ77 streams: every token form of §1.6, overlapping copies, bad input.
import { describe, expect, it } from 'vitest';
import { xpressLiterals } from './testing.js';
import {
  XPRESS_BAD_LENGTH,
  XPRESS_BAD_OFFSET,
  XPRESS_OVERRUN,
  XPRESS_TRUNCATED,
  xpressDecompress,
} from './xpress.js';

type Token = { lit: number } | { offset: number; length: number };

/** Serializes tokens by hand: flag words MSB first, shared nibble bytes, byte/u16/u32 extensions. */
function encode(tokens: Token[], opts: { forceU32?: boolean } = {}): Uint8Array {
  const out: number[] = [];
  let flagPos = -1;
  let flagBits = 0;
  let flagCount = 32;
  let nibblePos = -1;
  const putFlag = (bit: number) => {
    if (flagCount === 32) {
      if (flagPos >= 0) writeFlags();
      flagPos = out.length;
      out.push(0, 0, 0, 0);
      flagBits = 0;
      flagCount = 0;
    }
    flagBits = (flagBits << 1) | bit;
    flagCount++;
  };
  const writeFlags = () => {
    const v = (flagBits << (32 - flagCount)) >>> 0;
    out[flagPos] = v & 255;
    out[flagPos + 1] = (v >>> 8) & 255;
    out[flagPos + 2] = (v >>> 16) & 255;
    out[flagPos + 3] = (v >>> 24) & 255;
  };
  for (const t of tokens) {
    if ('lit' in t) {
      putFlag(0);
      out.push(t.lit);
      continue;
    }
    putFlag(1);
    const len = t.length - 3;
    const m = ((t.offset - 1) << 3) | Math.min(len, 7);
    out.push(m & 255, m >>> 8);
    if (len < 7) continue;
    const rest = len - 7;
    const nib = Math.min(rest, 15);
    if (nibblePos < 0) {
      nibblePos = out.length;
      out.push(nib);
    } else {
      out[nibblePos] |= nib << 4;
      nibblePos = -1;
    }
    if (rest < 15) continue;
    const more = rest - 15;
    if (more < 255 && !opts.forceU32) {
      out.push(more);
      continue;
    }
    out.push(255);
    const encoded = t.length - 3; // len = L − 22 + 15 + 7 + 3  ⇒  L = length − 3
    if (opts.forceU32 || encoded > 0xffff) {
      out.push(0, 0, encoded & 255, (encoded >>> 8) & 255, (encoded >>> 16) & 255, encoded >>> 24);
    } else {
      out.push(encoded & 255, encoded >>> 8);
    }
  }
  if (flagPos >= 0) writeFlags();
  return Uint8Array.from(out);
}

function decode(input: Uint8Array, expected: number): { n: number; out: Uint8Array } {
  const out = new Uint8Array(expected + 8).fill(0xee);
  const n = xpressDecompress(input, 0, input.length, out, 4, expected);
  return { n, out: out.subarray(4, 4 + Math.max(0, n)) };
}

const lits = (s: string): Token[] => [...s].map((c) => ({ lit: c.charCodeAt(0) }));

describe('xpressDecompress', () => {
  it('copies literals across several flag words', () => {
    const text = 'The quick brown fox jumps over the lazy dog, 0123456789!';
    const { n, out } = decode(encode(lits(text)), text.length);
    expect(n).toBe(text.length);
    expect(Buffer.from(out).toString('latin1')).toBe(text);
  });

  it('decodes literal-only streams from the test builder', () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    const { n, out } = decode(xpressLiterals(data), data.length);
    expect(n).toBe(1000);
    expect(out).toEqual(data);
  });

  it('short matches (3..9) including an overlapping run', () => {
    // "abc" + copy(offset 3, len 9) = abcabcabcabc ; then copy(offset 1, len 4) of 'c' = cccc
    const { n, out } = decode(
      encode([...lits('abc'), { offset: 3, length: 9 }, { offset: 1, length: 4 }]),
      16,
    );
    expect(n).toBe(16);
    expect(Buffer.from(out).toString('latin1')).toBe('abcabcabcabccccc');
  });

  it('nibble-extended lengths (10..24) share one byte between two matches', () => {
    const tokens: Token[] = [...lits('xy'), { offset: 2, length: 10 }, { offset: 1, length: 24 }];
    const enc = encode(tokens);
    // flag word + 2 literals + m16 + nibble byte + m16 (nibble reused: no new byte)
    expect(enc.length).toBe(4 + 2 + 2 + 1 + 2);
    const { n, out } = decode(enc, 36);
    expect(n).toBe(36);
    expect(Buffer.from(out).toString('latin1')).toBe('xy'.repeat(6) + 'y'.repeat(24));
  });

  it('byte-extended lengths (25..279)', () => {
    const tokens: Token[] = [...lits('ab'), { offset: 2, length: 25 }, { offset: 2, length: 279 }];
    const { n, out } = decode(encode(tokens), 2 + 25 + 279);
    expect(n).toBe(306);
    for (let i = 0; i < 306; i++) expect(out[i]).toBe(i % 2 === 0 ? 97 : 98);
  });

  it('16-bit and 32-bit lengths', () => {
    const long16 = 5000;
    const a = decode(encode([{ lit: 9 }, { offset: 1, length: long16 }]), 1 + long16);
    expect(a.n).toBe(1 + long16);
    expect(a.out.every((b) => b === 9)).toBe(true);
    const long32 = 70000;
    const b = decode(encode([{ lit: 5 }, { offset: 1, length: long32 }]), 1 + long32);
    expect(b.n).toBe(1 + long32);
    expect(b.out.every((x) => x === 5)).toBe(true);
    const c = decode(encode([{ lit: 5 }, { offset: 1, length: 300 }], { forceU32: true }), 301);
    expect(c.n).toBe(301);
  });

  it('overlapping matches with offsets of 4..7 (word-at-a-time path) repeat the pattern', () => {
    for (const [pattern, length] of [
      ['abcd', 21],
      ['abcde', 13],
      ['abcdefg', 30],
    ] as const) {
      const { n, out } = decode(
        encode([...lits(pattern), { offset: pattern.length, length }]),
        pattern.length + length,
      );
      expect(n).toBe(pattern.length + length);
      expect(Buffer.from(out).toString('latin1')).toBe(pattern.repeat(20).slice(0, pattern.length + length));
    }
  });

  it('distant non-overlapping matches copy the right bytes', () => {
    const text = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    const { n, out } = decode(encode([...lits(text), { offset: 26, length: 26 }]), 52);
    expect(n).toBe(52);
    expect(Buffer.from(out).toString('latin1')).toBe(text + text);
  });

  it('reports errors instead of crashing or writing out of bounds', () => {
    const good = encode([...lits('abc'), { offset: 3, length: 40 }]);
    // truncated inside the match word / extension
    expect(decode(good.subarray(0, good.length - 1), 43).n).toBe(XPRESS_TRUNCATED);
    // offset before the start
    expect(decode(encode([{ lit: 1 }, { offset: 5, length: 3 }]), 4).n).toBe(XPRESS_BAD_OFFSET);
    // match longer than the expected output
    expect(decode(encode([{ lit: 1 }, { offset: 1, length: 9 }]), 5).n).toBe(XPRESS_OVERRUN);
    // extended length below the minimum
    const bad = Uint8Array.from([0, 0, 0, 0x40, 1, 0x07, 0x00, 0x0f, 0xff, 0x05, 0x00]);
    expect(decode(bad, 100).n).toBe(XPRESS_BAD_LENGTH);
    // input ends early at a token boundary: fewer bytes than expected
    expect(decode(encode(lits('abcd')), 10).n).toBe(4);
    // output region never overflows the caller's window
    const out = new Uint8Array(16).fill(0xee);
    expect(xpressDecompress(good, 0, good.length, out, 4, 8)).toBe(XPRESS_OVERRUN);
    expect(out[12]).toBe(0xee);
  });

  it('treats trailing input after a full output as padding', () => {
    const enc = encode(lits('hello world'));
    const padded = new Uint8Array(enc.length + 7);
    padded.set(enc);
    expect(decode(padded, 5).n).toBe(5);
  });
});

describe('xpressDecompress on random input', () => {
  it('never throws and never writes outside [outStart, outStart + expected)', () => {
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const out = new Uint8Array(4096);
    for (let round = 0; round < 2000; round++) {
      const input = Uint8Array.from({ length: 1 + Math.floor(random() * 600) }, () =>
        Math.floor(random() * 256),
      );
      const expected = Math.floor(random() * 3000);
      out.fill(0xa5);
      const n = xpressDecompress(input, 0, input.length, out, 64, expected);
      if (n > expected) throw new Error(`round ${round}: ${n} > ${expected}`);
      for (let i = 0; i < 64; i++)
        if (out[i] !== 0xa5) throw new Error(`wrote before the start in round ${round}`);
      for (let i = 64 + expected; i < out.length; i++)
        if (out[i] !== 0xa5) throw new Error(`wrote past the end in round ${round}`);
    }
  });
});
