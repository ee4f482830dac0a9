// The hostile classes of issue 9, made deterministically (the regression inputs of
// tests/fuzz/hostile.test.ts; the small ones are also committed in tests/fuzz/regressions/):
//
//   cpuCount(claim)        a short writer trace whose logfile header says NumberOfProcessors = claim
//   bitFlippedSmall(bytes) perfview-small.etl with bit 31 of NumberOfProcessors flipped (4 → 2^31 + 4)
//   xpressBombSingle()     one compressed buffer whose real Xpress stream decodes to ~64 MiB, with a
//                          logfile BufferSize of 64 MiB so only the ratio can refuse it
//   xpressBombMany(n)      n compressed buffers each just under the per-buffer ratio (256×): a real
//                          stream of ~250 bytes → 64 KiB of DPC events each, so only the whole-file
//                          expansion limit bounds them
//   tinyBuffers(path, n)   a header buffer then n minimal buffers (a header and nothing else)
//
//   node --import tsx scripts/fuzz/hostile.ts OUT_DIR     writes the small ones (the committed files)

import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS } from '../writer/scenarios.js';
import { simulate } from '../writer/simulate.js';
import { xpressCompress } from '../writer/xpress-compress.js';
import { firstBuffers } from './structure.js';

const BUFFER_HEADER = 0x48;
/** Logfile header payload (after the header buffer's 0x48 and the 0x20-byte SYSTEM header). */
const LOGFILE_PAYLOAD = BUFFER_HEADER + 0x20;
export const NUMBER_OF_PROCESSORS_OFFSET = LOGFILE_PAYLOAD + 0x0c;
const LOGFILE_BUFFER_SIZE_OFFSET = LOGFILE_PAYLOAD;
const FLAG_COMPRESSED = 0x40;
const MAX_XPRESS_RATIO = 256;

/** A short plain writer trace: header buffer + data buffers of 4 KiB (deep-idle 12-core scenario). */
function smallTrace(maxBytes: number): Uint8Array {
  const { bytes } = simulate(SCENARIOS.deepIdle12Core!, { seconds: 0.005, seed: 9, bufferSize: 4096 });
  return firstBuffers(bytes!, maxBytes).slice();
}

export function cpuCount(claim: number): Uint8Array {
  const file = smallTrace(16 * 1024);
  new DataView(file.buffer).setUint32(NUMBER_OF_PROCESSORS_OFFSET, claim >>> 0, true);
  return file;
}

export function bitFlippedSmall(perfviewSmall: Uint8Array): Uint8Array {
  const file = perfviewSmall.slice();
  file[NUMBER_OF_PROCESSORS_OFFSET + 3]! ^= 0x80;
  return file;
}

/** The header buffer (and its logfile header) of a writer trace, with the logfile BufferSize set. */
function headerBuffer(bufferSize: number): Uint8Array {
  const file = smallTrace(16 * 1024);
  const size = new DataView(file.buffer).getUint32(0, true);
  const header = file.slice(0, size);
  new DataView(header.buffer).setUint32(LOGFILE_BUFFER_SIZE_OFFSET, bufferSize, true);
  return header;
}

/** A plain DPC record (PERFINFO header, hook 0x0F42) as the writer's first data buffer holds them. */
function dpcRecords(bytes: number): Uint8Array {
  const { bytes: trace } = simulate(SCENARIOS.backupServer!, { seconds: 0.01, seed: 5, bufferSize: 65536 });
  const view = new DataView(trace!.buffer, trace!.byteOffset, trace!.byteLength);
  // Find one DPC record (PERFINFO header type 0x11, hook 0x0F42) in the data buffers.
  let pos = view.getUint32(0, true);
  let record: Uint8Array | undefined;
  while (record === undefined && pos + BUFFER_HEADER < trace!.length) {
    const size = view.getUint32(pos, true);
    const end = pos + view.getUint32(pos + 4, true);
    for (let e = pos + BUFFER_HEADER; e + 4 <= end;) {
      const n = view.getUint16(e + 4, true); // PERFINFO/SYSTEM headers: Size at +4, HookId at +6
      if (n < 4) break;
      if (view.getUint8(e + 2) === 0x11 && view.getUint16(e + 6, true) === 0x0f42) {
        record = trace!.slice(e, e + ((n + 7) & ~7));
        break;
      }
      e += (n + 7) & ~7;
    }
    pos += size;
  }
  if (record === undefined) throw new Error('no DPC record in the writer trace');
  const out = new Uint8Array(bytes - (bytes % record.length));
  for (let at = 0; at < out.length; at += record.length) out.set(record, at);
  return out;
}

/** A compressed data buffer: header + Xpress stream of `events`, padded on disk to `diskBytes`. */
function compressedBuffer(events: Uint8Array, sequence: number, diskBytes?: number): Uint8Array {
  const stream = xpressCompress(events);
  const size = Math.max(diskBytes ?? 0, (BUFFER_HEADER + stream.length + 7) & ~7);
  const buffer = new Uint8Array(size);
  const view = new DataView(buffer.buffer);
  view.setUint32(0x00, size, true);
  view.setUint32(0x04, BUFFER_HEADER + events.length, true); // SavedOffset: the uncompressed end
  view.setUint32(0x18, sequence, true);
  view.setUint8(0x28, 0); // CPU 0
  view.setUint32(0x30, BUFFER_HEADER + events.length, true);
  view.setUint16(0x34, FLAG_COMPRESSED, true);
  view.setUint16(0x36, 1, true); // GENERIC
  buffer.set(stream, BUFFER_HEADER);
  return buffer;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function xpressBombSingle(): Uint8Array {
  const claimed = 64 * 1024 * 1024 - 1024;
  return concat([headerBuffer(64 * 1024 * 1024), compressedBuffer(dpcRecords(claimed), 1)]);
}

export function xpressBombMany(count: number): Uint8Array {
  const events = dpcRecords(64 * 1024 - BUFFER_HEADER);
  // On disk just enough that the claim stays within the per-buffer ratio.
  const disk = BUFFER_HEADER + Math.ceil(events.length / MAX_XPRESS_RATIO) + 8;
  const one = compressedBuffer(events, 0, (disk + 7) & ~7);
  const parts = [headerBuffer(64 * 1024)];
  for (let i = 0; i < count; i++) {
    const copy = one.slice();
    new DataView(copy.buffer).setUint32(0x18, i + 1, true);
    parts.push(copy);
  }
  return concat(parts);
}

/** Writes a header buffer then `count` minimal buffers on CPUs 0–3 to `filePath`; returns its size. */
export function writeTinyBuffers(filePath: string, count: number): number {
  const header = headerBuffer(BUFFER_HEADER);
  const chunkBuffers = 16384;
  const chunk = new Uint8Array(chunkBuffers * BUFFER_HEADER);
  const view = new DataView(chunk.buffer);
  const fd = openSync(filePath, 'w');
  try {
    writeSync(fd, header);
    let size = header.length;
    for (let written = 0; written < count;) {
      const n = Math.min(chunkBuffers, count - written);
      for (let k = 0; k < n; k++) {
        const o = k * BUFFER_HEADER;
        view.setUint32(o, BUFFER_HEADER, true);
        view.setUint32(o + 4, BUFFER_HEADER, true);
        view.setUint32(o + 0x18, written + k + 1, true);
        view.setUint8(o + 0x28, (written + k) & 3);
        view.setUint16(o + 0x36, 1, true);
      }
      writeSync(fd, chunk, 0, n * BUFFER_HEADER);
      written += n;
      size += n * BUFFER_HEADER;
    }
    return size;
  } finally {
    closeSync(fd);
  }
}

/** The committed regression inputs (small): name → bytes. */
export function committedHostileInputs(): Record<string, Uint8Array> {
  return {
    'cpu-count-ffffffff.bin': cpuCount(0xffffffff),
    'cpu-count-16m.bin': cpuCount(16_000_000),
    'xpress-bomb-single.bin': xpressBombSingle(),
    'xpress-bomb-many.bin': xpressBombMany(160),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) throw new Error('usage: hostile.ts OUT_DIR');
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of Object.entries(committedHostileInputs())) {
    writeFileSync(path.join(out, name), bytes);
    console.log(`${name}: ${bytes.length} bytes`);
  }
}
