// MS-XCA "plain LZ77" (Xpress) compressor, used by the ETL writer for compressed buffers
// (format doc §1.6). An independent implementation of the encoder side of MS-XCA §2.3:
//
//   input bytes ──hash(3 bytes)──> chain of earlier positions ──longest match (lazy by one)──>
//   tokens: 32-bit flag words (MSB first; 0 = literal, 1 = match) interleaved with
//           literal bytes and 16-bit match words (offset−1)<<3 | min(len−3, 7),
//           extra length: shared nibble byte → 1 byte → 16-bit → 32-bit (see encodeMatch)
//
// Offsets reach back at most 8192 bytes (13 bits). The decoder lives in the test file on purpose:
// the reader has its own, and the round trip between them is the real check.

/** Shortest match the format can encode. */
const MIN_MATCH = 3;
/** 13 offset bits: (m >> 3) + 1 ≤ 8192. */
const MAX_OFFSET = 8192;
/** 2^15 hash heads: small enough to stay in cache, spread enough for 64 KiB buffers. */
const HASH_BITS = 15;
const HASH_SIZE = 1 << HASH_BITS;
/** Chain positions examined per match search: trace buffers are repetitive, 16 finds good matches fast. */
const MAX_CHAIN = 16;
/** Matches shorter than this try the lazy step (a literal, then a longer match one byte later). */
const LAZY_BELOW = 8;
/** A match this long is good enough: stop searching and skip the lazy step. */
const GOOD_ENOUGH_MATCH = 64;

let headScratch = new Int32Array(HASH_SIZE);
let prevScratch = new Int32Array(0);

function hash3(data: Uint8Array, pos: number): number {
  const v = data[pos] | (data[pos + 1] << 8) | (data[pos + 2] << 16);
  return Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS);
}

/** Output sink that grows as needed (worst case is input + 4/32 flags + 4). */
class ByteSink {
  bytes: Uint8Array;
  pos = 0;
  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }
  ensure(extra: number): void {
    if (this.pos + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.pos + extra));
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
  }
  u8(v: number): void {
    this.bytes[this.pos++] = v & 0xff;
  }
  u16(v: number): void {
    this.bytes[this.pos++] = v & 0xff;
    this.bytes[this.pos++] = (v >>> 8) & 0xff;
  }
  u32At(at: number, v: number): void {
    this.bytes[at] = v & 0xff;
    this.bytes[at + 1] = (v >>> 8) & 0xff;
    this.bytes[at + 2] = (v >>> 16) & 0xff;
    this.bytes[at + 3] = (v >>> 24) & 0xff;
  }
}

/**
 * Compresses `input` with MS-XCA plain LZ77. The result decompresses to exactly `input.length`
 * bytes. `maxMatch` bounds match lengths (tests use it to reach specific length forms).
 */
export function xpressCompress(input: Uint8Array, maxMatch = Number.MAX_SAFE_INTEGER): Uint8Array {
  const n = input.length;
  const out = new ByteSink(n + (n >>> 3) + 16);
  if (prevScratch.length < n) prevScratch = new Int32Array(Math.max(n, 65536));
  const head = headScratch;
  const prev = prevScratch;
  head.fill(-1);

  let flags = 0;
  let flagCount = 0;
  let flagPos = 0;
  out.pos = 4;
  let nibblePos = -1;

  const insert = (pos: number): void => {
    if (pos + MIN_MATCH > n) return;
    const h = hash3(input, pos);
    prev[pos] = head[h];
    head[h] = pos;
  };

  let bestOffset = 0;
  const findMatch = (pos: number): number => {
    if (pos + MIN_MATCH > n) return 0;
    const limit = Math.min(n - pos, maxMatch);
    let candidate = head[hash3(input, pos)];
    let bestLen = 0;
    let chain = MAX_CHAIN;
    while (candidate >= 0 && pos - candidate <= MAX_OFFSET && chain-- > 0) {
      if (input[candidate + bestLen] === input[pos + bestLen] && input[candidate] === input[pos]) {
        let len = 0;
        while (len < limit && input[candidate + len] === input[pos + len]) len++;
        if (len > bestLen) {
          bestLen = len;
          bestOffset = pos - candidate;
          if (len >= GOOD_ENOUGH_MATCH || len === limit) break;
        }
      }
      candidate = prev[candidate];
    }
    return bestLen >= MIN_MATCH ? bestLen : 0;
  };

  const pushFlag = (bit: number): void => {
    flags = ((flags << 1) | bit) >>> 0;
    flagCount++;
    if (flagCount === 32) {
      out.u32At(flagPos, flags);
      flags = 0;
      flagCount = 0;
      out.ensure(4);
      flagPos = out.pos;
      out.pos += 4;
    }
  };

  const encodeMatch = (length: number, offset: number): void => {
    out.ensure(12);
    let extra = length - MIN_MATCH;
    const offsetBits = (offset - 1) << 3;
    if (extra < 7) {
      out.u16(offsetBits | extra);
    } else {
      out.u16(offsetBits | 7);
      extra -= 7;
      const nibble = extra < 15 ? extra : 15;
      if (nibblePos < 0) {
        nibblePos = out.pos;
        out.u8(nibble);
      } else {
        out.bytes[nibblePos] |= nibble << 4;
        nibblePos = -1;
      }
      if (extra >= 15) {
        extra -= 15;
        if (extra < 255) {
          out.u8(extra);
        } else {
          out.u8(255);
          const total = extra + 15 + 7; // = length − 3, stored directly
          if (total < 65536) {
            out.u16(total);
          } else {
            out.u16(0);
            out.ensure(4);
            out.u32At(out.pos, total);
            out.pos += 4;
          }
        }
      }
    }
    pushFlag(1);
  };

  let pos = 0;
  while (pos < n) {
    let len = findMatch(pos);
    let offset = bestOffset;
    if (len > 0 && len < LAZY_BELOW && pos + 1 < n) {
      insert(pos);
      const nextLen = findMatch(pos + 1);
      if (nextLen > len + 1) {
        // Lazy step: a literal now buys a clearly longer match at the next byte.
        out.ensure(1);
        out.u8(input[pos]);
        pushFlag(0);
        pos++;
        len = nextLen;
        offset = bestOffset;
      } else {
        encodeMatch(len, offset);
        for (let i = 1; i < len; i++) insert(pos + i);
        pos += len;
        continue;
      }
    }
    if (len === 0) {
      insert(pos);
      out.ensure(1);
      out.u8(input[pos]);
      pushFlag(0);
      pos++;
      continue;
    }
    encodeMatch(len, offset);
    for (let i = 0; i < len; i++) insert(pos + i);
    pos += len;
  }
  // Unused flag bits are set to 1 (MS-XCA): a decoder that knows the output size stops first.
  const finalFlags =
    flagCount === 0 ? 0xffffffff : ((flags << (32 - flagCount)) | ((1 << (32 - flagCount)) - 1)) >>> 0;
  out.u32At(flagPos, finalFlags);
  return out.bytes.slice(0, out.pos);
}

/** Releases the scratch tables (they grow to the largest input seen). */
export function releaseXpressScratch(): void {
  headScratch = new Int32Array(HASH_SIZE);
  prevScratch = new Int32Array(0);
}
