// Text lines out of a byte stream read in bounded chunks, for the side-file readers (breakpad.ts,
// sym-txt.ts): a Breakpad `.sym` can be hundreds of MB, so no reader ever holds the whole file as
// one string. A chunk is cut at its last newline (a UTF-8 multi-byte sequence never contains 0x0A,
// so that cut is always between characters), decoded once and split; the tail waits for the next
// chunk. A line longer than the limit is dropped as it streams (never buffered) and reported.
//
//   file ──fileChunks (FileHandle.read, 1 MiB)──> Uint8Array chunks ──forEachLine──> onLine(text, n)

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
 * Calls `onLine` for every line (without `\n` or a trailing `\r`), numbered from 1, awaiting only
 * between chunks so that a callback per line stays cheap. Returns the number of lines seen.
 */
export async function forEachLine(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onLine: (text: string, lineNumber: number) => void,
  options: ForEachLineOptions = {},
): Promise<number> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const decoder = new TextDecoder('utf-8');
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let skipping = false; // inside an overlong line: drop bytes up to the next newline
  let lineNumber = 0;

  const emit = (text: string, bytes: number) => {
    lineNumber++;
    if (bytes > maxLineBytes) {
      options.onOverlong?.(lineNumber, bytes);
      return;
    }
    onLine(text.endsWith('\r') ? text.slice(0, -1) : text, lineNumber);
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
    pending.push(part.slice()); // a copy: the chunk's buffer may be reused by the source
  };
  const finishPending = (last: Uint8Array) => {
    const bytes = pendingBytes + last.length;
    if (skipping || bytes > maxLineBytes) {
      emit('', bytes);
    } else {
      const whole = new Uint8Array(bytes);
      let at = 0;
      for (const part of pending) {
        whole.set(part, at);
        at += part.length;
      }
      whole.set(last, at);
      emit(decoder.decode(whole), bytes);
    }
    pending = [];
    pendingBytes = 0;
    skipping = false;
  };

  for await (const chunk of chunks) {
    if (options.signal?.aborted) throw new SymbolCancelledError(options.origin ?? 'reading lines');
    const first = chunk.indexOf(10);
    if (first < 0) {
      hold(chunk);
      continue;
    }
    finishPending(chunk.subarray(0, first));
    const last = chunk.lastIndexOf(10);
    if (last > first) {
      const lines = decoder.decode(chunk.subarray(first + 1, last)).split('\n');
      for (const text of lines) {
        // UTF-8 takes at most 3 bytes per UTF-16 unit: measure exactly only when it could matter.
        const bytes = text.length * 3 <= maxLineBytes ? text.length : Buffer.byteLength(text, 'utf8');
        emit(text, bytes);
      }
    }
    hold(chunk.subarray(last + 1));
  }
  if (pendingBytes > 0) finishPending(new Uint8Array(0));
  return lineNumber;
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
