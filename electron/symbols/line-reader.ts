// Lines out of a byte stream read in bounded chunks, for the side-file readers (breakpad.ts,
// sym-txt.ts): a Breakpad `.sym` can be hundreds of MB, so no reader ever holds the whole file, or
// one string of it. Lines come as byte ranges of the chunk (`forEachLineBytes`), so a reader can
// skip the records it does not need without decoding them, and decodes the others one line at a
// time — each kept name is then a small string of its own, never a slice that pins a whole decoded
// chunk in memory. A line cut by a chunk boundary is joined first; a line longer than the limit is
// dropped as it streams (never buffered) and reported.
//
//   file ──fileChunks (FileHandle.read, 1 MiB)──> chunks ──forEachLineBytes──> onLine(bytes, start, end, n)
//                                                        └─forEachLine──> onLine(text, n)

import { open } from 'node:fs/promises';
import { SymbolCancelledError } from './symbol-errors.js';

/** Bytes per read: large enough that syscalls and decode calls are few, small enough to be no burden. */
export const READ_CHUNK_BYTES = 1024 * 1024;

/** Longest line kept: real Breakpad lines (C++ template names) stay under a few KiB; 64 KiB leaves
 *  headroom while bounding what a hostile file with no newlines can make us buffer. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

export interface ForEachLineOptions {
  readonly maxLineBytes?: number;
  /** Called for a line over the limit (its text is not kept); `bytes` is its length. */
  readonly onOverlong?: (lineNumber: number, bytes: number) => void;
  readonly signal?: AbortSignal;
  /** Names the source in the cancellation message. */
  readonly origin?: string;
}

/**
 * Calls `onLine` with every line as `bytes[start, end)` (without `\n` or a trailing `\r`), numbered
 * from 1, awaiting only between chunks so that a callback per line stays cheap. The bytes are only
 * valid during the call. Returns the number of lines seen.
 */
export async function forEachLineBytes(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onLine: (bytes: Uint8Array, start: number, end: number, lineNumber: number) => void,
  options: ForEachLineOptions = {},
): Promise<number> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let skipping = false; // inside an overlong line: drop bytes up to the next newline
  let lineNumber = 0;

  const emit = (bytes: Uint8Array, start: number, end: number) => {
    lineNumber++;
    if (end - start > maxLineBytes) {
      options.onOverlong?.(lineNumber, end - start);
      return;
    }
    onLine(bytes, start, end > start && bytes[end - 1] === 13 ? end - 1 : end, lineNumber);
  };
  const hold = (part: Uint8Array) => {
    if (part.length === 0) return;
    pendingBytes += part.length;
    if (skipping) return;
    if (pendingBytes > maxLineBytes) {
      skipping = true;
      pending = [];
      return;
    }
    pending.push(new Uint8Array(part)); // a copy (Buffer.slice would not be): the source reuses its buffer
  };
  const finishPending = (last: Uint8Array) => {
    const bytes = pendingBytes + last.length;
    if (skipping || bytes > maxLineBytes) {
      lineNumber++;
      options.onOverlong?.(lineNumber, bytes);
    } else {
      const whole = new Uint8Array(bytes);
      let at = 0;
      for (const part of pending) {
        whole.set(part, at);
        at += part.length;
      }
      whole.set(last, at);
      emit(whole, 0, bytes);
    }
    pending = [];
    pendingBytes = 0;
    skipping = false;
  };

  for await (const bytes of chunks) {
    if (options.signal?.aborted) throw new SymbolCancelledError(options.origin ?? 'reading lines');
    // Newlines are found through a Buffer view (its indexOf is a native memchr, far faster than
    // TypedArray.prototype.indexOf); lines are handed out on the plain array (cheaper subarrays).
    const view = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let newline = view.indexOf(10);
    if (newline < 0) {
      hold(bytes);
      continue;
    }
    if (pendingBytes > 0) finishPending(bytes.subarray(0, newline));
    else emit(bytes, 0, newline);
    for (;;) {
      const start = newline + 1;
      newline = view.indexOf(10, start);
      if (newline < 0) {
        hold(bytes.subarray(start));
        break;
      }
      emit(bytes, start, newline);
    }
  }
  if (pendingBytes > 0) finishPending(new Uint8Array(0));
  return lineNumber;
}

/** forEachLineBytes with each line decoded as UTF-8 (invalid bytes become U+FFFD). */
export function forEachLine(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onLine: (text: string, lineNumber: number) => void,
  options: ForEachLineOptions = {},
): Promise<number> {
  const decoder = new TextDecoder('utf-8');
  return forEachLineBytes(
    chunks,
    (bytes, start, end, n) => onLine(decoder.decode(bytes.subarray(start, end)), n),
    options,
  );
}

/** The bytes of `file` in chunks of `chunkBytes`, through one reused buffer (async reads). */
export async function* fileChunks(file: string, chunkBytes = READ_CHUNK_BYTES): AsyncGenerator<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(chunkBytes);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkBytes, null);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}
