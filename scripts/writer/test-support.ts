// Test helpers for the writer's own tests (not product code): a plain-LZ77 decoder written from
// MS-XCA §2.4 and a minimal ETL buffer/record walker written from the format doc, both independent
// of electron/reader so that writer tests check the bytes against the format, not against the reader.

export interface DecodeStats {
  literals: number;
  shortMatches: number;
  nibbleMatches: number;
  byteMatches: number;
  word16Matches: number;
  word32Matches: number;
  maxOffset: number;
}

/** Decodes plain LZ77 into exactly `outSize` bytes, counting which length forms it met. */
export function xpressDecompress(
  input: Uint8Array,
  outSize: number,
): { out: Uint8Array; stats: DecodeStats } {
  const out = new Uint8Array(outSize);
  const stats: DecodeStats = {
    literals: 0,
    shortMatches: 0,
    nibbleMatches: 0,
    byteMatches: 0,
    word16Matches: 0,
    word32Matches: 0,
    maxOffset: 0,
  };
  let inPos = 0;
  let outPos = 0;
  let flags = 0;
  let flagBits = 0;
  let nibbleAt = -1;
  const u16 = (): number => input[inPos++] | (input[inPos++] << 8);
  while (outPos < outSize) {
    if (flagBits === 0) {
      if (inPos + 4 > input.length) throw new Error('truncated flags');
      flags =
        (input[inPos] | (input[inPos + 1] << 8) | (input[inPos + 2] << 16) | (input[inPos + 3] << 24)) >>> 0;
      inPos += 4;
      flagBits = 32;
    }
    flagBits--;
    if (((flags >>> flagBits) & 1) === 0) {
      if (inPos >= input.length) throw new Error('truncated literal');
      out[outPos++] = input[inPos++];
      stats.literals++;
      continue;
    }
    if (inPos + 2 > input.length) throw new Error('truncated match');
    const m = u16();
    const offset = (m >>> 3) + 1;
    let len = m & 7;
    if (len === 7) {
      let nibble: number;
      if (nibbleAt < 0) {
        nibbleAt = inPos++;
        nibble = input[nibbleAt] & 15;
      } else {
        nibble = input[nibbleAt] >>> 4;
        nibbleAt = -1;
      }
      len = nibble;
      if (nibble === 15) {
        const b = input[inPos++];
        if (b !== 255) {
          len = b + 15;
          stats.byteMatches++;
        } else {
          let total = u16();
          if (total === 0) {
            total =
              (input[inPos] |
                (input[inPos + 1] << 8) |
                (input[inPos + 2] << 16) |
                (input[inPos + 3] << 24)) >>>
              0;
            inPos += 4;
            stats.word32Matches++;
          } else {
            stats.word16Matches++;
          }
          if (total < 22) throw new Error('bad long length');
          len = total - 22 + 15;
        }
      } else {
        stats.nibbleMatches++;
      }
      len += 7;
    } else {
      stats.shortMatches++;
    }
    len += 3;
    if (offset > outPos) throw new Error(`offset ${offset} before start at ${outPos}`);
    stats.maxOffset = Math.max(stats.maxOffset, offset);
    for (let i = 0; i < len; i++) {
      out[outPos] = out[outPos - offset];
      outPos++;
    }
  }
  return { out, stats };
}

export interface WalkedBuffer {
  fileOffset: number;
  bufferSize: number;
  savedOffset: number;
  timeStamp: number;
  sequence: number;
  cpu: number;
  flags: number;
  type: number;
  compressed: boolean;
  /** The uncompressed buffer (header + events up to SavedOffset). */
  bytes: Uint8Array;
}

export interface WalkedEvent {
  buffer: number;
  cpu: number;
  offset: number;
  headerType: number;
  size: number;
  hookId: number;
  version: number;
  timestamp: number;
  payloadOffset: number;
  payloadSize: number;
  bytes: Uint8Array;
  view: DataView;
}

const u64 = (v: DataView, o: number): number => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;

/** Walks every buffer by its own BufferSize, decompressing flagged ones. */
export function walkBuffers(file: Uint8Array): WalkedBuffer[] {
  const out: WalkedBuffer[] = [];
  const fv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let pos = 0;
  while (pos + 0x48 <= file.length) {
    const size = fv.getUint32(pos, true);
    if (size < 0x48 || pos + size > file.length) throw new Error(`bad BufferSize ${size} at ${pos}`);
    const saved = fv.getUint32(pos + 4, true);
    const flags = fv.getUint16(pos + 0x34, true);
    const compressed = (flags & 0x40) !== 0;
    let bytes: Uint8Array;
    if (compressed) {
      bytes = new Uint8Array(saved);
      bytes.set(file.subarray(pos, pos + 0x48));
      const { out: body } = xpressDecompress(file.subarray(pos + 0x48, pos + size), saved - 0x48);
      bytes.set(body, 0x48);
    } else {
      bytes = file.subarray(pos, pos + size);
    }
    out.push({
      fileOffset: pos,
      bufferSize: size,
      savedOffset: saved,
      timeStamp: u64(fv, pos + 0x10),
      sequence: u64(fv, pos + 0x18),
      cpu: fv.getUint16(pos + 0x28, true) & 0x7ff,
      flags,
      type: fv.getUint16(pos + 0x36, true),
      compressed,
      bytes,
    });
    pos += size;
  }
  if (pos !== file.length) throw new Error(`trailing ${file.length - pos} bytes`);
  return out;
}

/** Header sizes by header type (format doc §3.1); the size field is at 0 or 4. */
const HEADER_SIZES: Readonly<Record<number, number>> = {
  0x01: 0x20,
  0x02: 0x20,
  0x03: 0x18,
  0x04: 0x18,
  0x0a: 0x30,
  0x14: 0x30,
  0x10: 0x10,
  0x11: 0x10,
  0x12: 0x50,
  0x13: 0x50,
};

/** Records of one buffer, 8-byte aligned from 0x48 to SavedOffset. Throws on anything malformed. */
export function walkEvents(buffer: WalkedBuffer, index: number): WalkedEvent[] {
  const out: WalkedEvent[] = [];
  const b = buffer.bytes;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0x48;
  while (pos < buffer.savedOffset) {
    if (pos % 8 !== 0) throw new Error(`unaligned record at ${pos}`);
    const type = b[pos + 2];
    if (b[pos + 3] !== 0xc0) throw new Error(`bad marker flags at ${pos}`);
    const headerSize = HEADER_SIZES[type];
    if (headerSize === undefined) throw new Error(`unknown header type ${type} at ${pos}`);
    const sizeAtZero = type === 0x0a || type === 0x14 || type === 0x12 || type === 0x13;
    const size = v.getUint16(sizeAtZero ? pos : pos + 4, true);
    if (size < headerSize || pos + size > buffer.savedOffset)
      throw new Error(`bad record size ${size} at ${pos}`);
    const isKernel = !sizeAtZero;
    const tsOffset = type === 0x10 || type === 0x11 ? 8 : 16;
    let payloadOffset = pos + headerSize;
    if ((type === 0x12 || type === 0x13) && (v.getUint16(pos + 4, true) & 1) !== 0) {
      for (;;) {
        const itemSize = v.getUint16(payloadOffset, true);
        const linkage = v.getUint16(payloadOffset + 4, true) & 1;
        payloadOffset += itemSize;
        if (linkage === 0) break;
      }
    }
    out.push({
      buffer: index,
      cpu: buffer.cpu,
      offset: pos,
      headerType: type,
      size,
      hookId: isKernel ? v.getUint16(pos + 6, true) : 0,
      version: isKernel ? v.getUint16(pos, true) & 0xff : 0,
      timestamp: u64(v, pos + tsOffset),
      payloadOffset,
      payloadSize: pos + size - payloadOffset,
      bytes: b,
      view: v,
    });
    pos += (size + 7) & ~7;
  }
  if (pos !== buffer.savedOffset) throw new Error(`records end at ${pos}, SavedOffset ${buffer.savedOffset}`);
  return out;
}

/** Decodes one 0x0525 batch (format doc §5.4): switch times and old thread ids, in order. */
export function decodeCompactBatch(e: WalkedEvent): { ts: number; old: number }[] {
  const out: { ts: number; old: number }[] = [];
  const v = e.view;
  let t = u64(v, e.payloadOffset);
  const tids = Array.from({ length: 16 }, (_, k) => v.getUint32(e.payloadOffset + 8 + 4 * k, true));
  let p = e.payloadOffset + 0x58;
  const endAt = e.offset + e.size;
  while (p < endAt) {
    const type = v.getUint16(p, true) & 3;
    if (type === 0) {
      t += v.getUint16(p, true) >>> 2;
      out.push({ ts: t, old: 0 });
      p += 2;
    } else if (type === 1) {
      t += v.getUint32(p, true) >>> 2;
      out.push({ ts: t, old: 0 });
      p += 4;
    } else if (type === 2) {
      const word = v.getUint32(p, true);
      t += word >>> 15;
      out.push({ ts: t, old: tids[(word >>> 2) & 15] });
      p += 4;
    } else {
      t += v.getUint32(p, true) >>> 2;
      out.push({ ts: t, old: tids[v.getUint32(p + 4, true) & 15] });
      p += 8;
    }
  }
  return out;
}
