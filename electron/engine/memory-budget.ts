// The memory budget of a load, and the check that refuses a load the machine cannot hold.
//
// Budget (stated in README.md "Robustness" and electron/engine/README.md, tested by
// tests/fuzz/budget.test.ts on every hostile class through the real CLI, and after every fuzz
// input by scripts/fuzz/target.ts):
//
//     peak resident memory ≤ BUDGET_BYTES_PER_FILE_BYTE × file size + BUDGET_FIXED_BYTES
//
// Where it comes from: what the engine keeps grows with the event bytes it reads (~0.75 bytes of
// tables per event byte, measured on the writer's kernel mix), the reader's buffer table with the
// buffers (49 bytes per buffer, at most one per 0x48 file bytes: ≤ 0.7 per file byte), and the
// event bytes are the file's own bytes except in compressed buffers, which the reader lets expand at
// most MAX_FILE_EXPANSION (16×) as a whole (electron/reader/etl-trace.ts). So the worst case is a
// file of compressed buffers at 16×: ~0.75 × 16 + 0.7 ≈ 13 bytes per file byte; 16 leaves room for
// allocator slack. Typical files are far below it: plain ~1×, the 3.4×-compressed kernel mix ~2.5×
// (README "Measured"). The fixed part is the process (46 MB bundled, ~135 MB under tsx), the
// per-load fixed tables (slot tables of 4 MiB, 64 KiB windows), and the small-file expansion
// allowance of 64 MiB.

import { freemem, totalmem } from 'node:os';
import type { EtlTrace } from '../reader/index.js';
import { EngineError } from './query-common.js';

/** Resident bytes a load may use per byte of its file (worst case: compressed buffers at 16×). */
export const BUDGET_BYTES_PER_FILE_BYTE = 16;
/** Resident bytes a load may use whatever the file: the process itself and fixed tables. */
export const BUDGET_FIXED_BYTES = 384 * 1024 * 1024;

/** The budget for a file of `fileSize` bytes. */
export function memoryBudgetBytes(fileSize: number): number {
  return BUDGET_BYTES_PER_FILE_BYTE * fileSize + BUDGET_FIXED_BYTES;
}

/** Typical resident bytes per byte the engine ingests (tables + reader buffers, measured 0.7–1.1:
 *  README "Measured"); the estimate below uses the upper end. */
const ESTIMATE_BYTES_PER_EVENT_BYTE = 1.2;
/** The process and fixed tables, for the estimate (a bundled process is ~46 MB, tsx ~135 MB). */
const ESTIMATE_FIXED_BYTES = 160 * 1024 * 1024;
/** Environment variable: a cap in MiB on what one load may need (default: the memory available). */
export const MEMORY_LIMIT_ENV = 'ETLSCOPE_MEMORY_LIMIT_MB';

/** What loading this trace will likely need: the event bytes the reader will read (compressed
 *  buffers at their claimed, already bounded, size) × the engine's typical cost, plus the fixed part. */
export function estimateLoadBytes(trace: EtlTrace): number {
  const b = trace.buffers;
  let eventBytes = 0;
  for (let i = 0; i < b.length; i++) {
    eventBytes += b.dataEnd[i]! - 0x48; // what will be read, after the reader's bounds
  }
  return ESTIMATE_BYTES_PER_EVENT_BYTE * eventBytes + ESTIMATE_FIXED_BYTES;
}

export interface MachineMemory {
  /** Bytes the OS can give without swapping (MemAvailable on Linux). */
  readonly available: number;
  readonly total: number;
  /** Bytes from MEMORY_LIMIT_ENV, if set. */
  readonly cap?: number;
}

export function machineMemory(env: NodeJS.ProcessEnv = process.env): MachineMemory {
  const capMiB = Number(env[MEMORY_LIMIT_ENV]);
  const constrained = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() : 0;
  const total = constrained !== undefined && constrained > 0 ? Math.min(constrained, totalmem()) : totalmem();
  return {
    available: Math.min(freemem(), total),
    total,
    ...(Number.isFinite(capMiB) && capMiB > 0 ? { cap: capMiB * 1024 * 1024 } : {}),
  };
}

const gb = (bytes: number) =>
  bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1e6))} MB`;

/**
 * Throws EngineError('bad-file', 'TooLargeError') when the load would need more memory than the
 * machine has free (or than MEMORY_LIMIT_ENV allows): a clear message instead of swapping.
 */
export function checkLoadFitsMemory(trace: EtlTrace, fileName: string, memory = machineMemory()): void {
  const needed = estimateLoadBytes(trace);
  const limit = memory.cap ?? memory.available;
  if (needed <= limit) return;
  const why =
    memory.cap !== undefined
      ? `${MEMORY_LIMIT_ENV} allows ${gb(memory.cap)}`
      : `this machine has ${gb(memory.available)} free of ${gb(memory.total)}`;
  throw new EngineError(
    `${fileName} needs about ${gb(needed)} of memory to load (${gb(trace.source.size)} on disk), but ${why}. ` +
      `Close other programs, load it on a machine with more memory, or raise ${MEMORY_LIMIT_ENV}.`,
    'bad-file',
    'TooLargeError',
  );
}
