// MS-XCA "plain LZ77" (Xpress) decoder for compressed ETL buffers (format doc §1.6).
//
//   compressed bytes ──32-bit flag words (MSB first)──> literal byte | 16-bit match word
//     match: offset = (m >> 3) + 1, length = m & 7 (+ shared-nibble / byte / u16 / u32 extension) + 3
//   ──> output[outStart … outStart + expected)
//
// The caller owns (and reuses) the output array. The decoder never throws on bad input: it returns
// the number of bytes produced, or a negative XPRESS_* code, and never writes outside
// [outStart, outStart + expected).

/** Input ended inside a flag word, match word or length extension before the output was full. */
export const XPRESS_TRUNCATED = -1;
/** A match points before the start of the output. */
export const XPRESS_BAD_OFFSET = -2;
/** A match would run past the expected output size. */
export const XPRESS_OVERRUN = -3;
/** A 16/32-bit extended length is below the minimum the format allows (22). */
export const XPRESS_BAD_LENGTH = -4;

/** Below this length a byte loop beats copyWithin's call overhead. */
const BULK_COPY_MIN = 32;

export function xpressErrorText(code: number): string {
  switch (code) {
    case XPRESS_TRUNCATED:
      return 'compressed data ended early';
    case XPRESS_BAD_OFFSET:
      return 'match offset points before the start of the data';
    case XPRESS_OVERRUN:
      return 'match runs past the expected size';
    case XPRESS_BAD_LENGTH:
      return 'invalid extended match length';
    default:
      return `error ${code}`;
  }
}

/**
 * Decompresses input[inStart, inEnd) into output[outStart, outStart + expected).
 * Returns the number of bytes written (may be < expected when the input runs out exactly at a token
 * boundary) or a negative XPRESS_* error code.
 */
export function xpressDecompress(
  input: Uint8Array,
  inStart: number,
  inEnd: number,
  output: Uint8Array,
  outStart: number,
  expected: number,
): number {
  if (inEnd > input.length) inEnd = input.length;
  if (expected > output.length - outStart) return XPRESS_OVERRUN;
  const outEnd = outStart + expected;
  const outView = new DataView(output.buffer, output.byteOffset, output.byteLength);
  let ip = inStart;
  let op = outStart;
  let flags = 0;
  let flagCount = 0;
  let nibblePos = -1; // input index of the byte whose high nibble is still unused
  while (op < outEnd) {
    if (flagCount === 0) {
      if (ip + 4 > inEnd) {
        return ip >= inEnd ? op - outStart : XPRESS_TRUNCATED;
      }
      flags = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16) | (input[ip + 3] << 24)) >>> 0;
      ip += 4;
      flagCount = 32;
    }
    flagCount--;
    if (((flags >>> flagCount) & 1) === 0) {
      if (ip >= inEnd) return op - outStart;
      output[op++] = input[ip++];
      continue;
    }
    if (ip + 2 > inEnd) return ip >= inEnd ? op - outStart : XPRESS_TRUNCATED;
    const m = input[ip] | (input[ip + 1] << 8);
    ip += 2;
    const offset = (m >>> 3) + 1;
    let length = m & 7;
    if (length === 7) {
      if (nibblePos < 0) {
        if (ip >= inEnd) return XPRESS_TRUNCATED;
        nibblePos = ip;
        length = input[ip++] & 15;
      } else {
        length = input[nibblePos] >>> 4;
        nibblePos = -1;
      }
      if (length === 15) {
        if (ip >= inEnd) return XPRESS_TRUNCATED;
        const b = input[ip++];
        if (b !== 255) {
          length = b + 15;
        } else {
          if (ip + 2 > inEnd) return XPRESS_TRUNCATED;
          let total = input[ip] | (input[ip + 1] << 8);
          ip += 2;
          if (total === 0) {
            if (ip + 4 > inEnd) return XPRESS_TRUNCATED;
            total = (input[ip] | (input[ip + 1] << 8) | (input[ip + 2] << 16) | (input[ip + 3] << 24)) >>> 0;
            ip += 4;
          }
          if (total < 22) return XPRESS_BAD_LENGTH;
          length = total - 22 + 15;
        }
      }
      length += 7;
    }
    length += 3;
    let from = op - offset;
    if (from < outStart) return XPRESS_BAD_OFFSET;
    if (op + length > outEnd) return XPRESS_OVERRUN;
    if (offset >= length && length > BULK_COPY_MIN) {
      output.copyWithin(op, from, from + length); // no overlap: bulk copy
      op += length;
    } else if (offset >= 4) {
      // 4 bytes at a time: each word read ends at least `offset` ≥ 4 bytes behind the write cursor,
      // so it only reads bytes already produced (overlapping runs stay correct).
      const stop = op + length;
      while (op + 4 <= stop) {
        outView.setUint32(op, outView.getUint32(from, true), true);
        op += 4;
        from += 4;
      }
      while (op < stop) output[op++] = output[from++];
    } else {
      const stop = op + length;
      while (op < stop) output[op++] = output[from++]; // overlapping: byte-wise, as the format requires
    }
  }
  return op - outStart;
}
