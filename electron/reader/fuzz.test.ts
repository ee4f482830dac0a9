// Fuzzing the reader with mutated and truncated copies of the real traces (deterministic seed):
// every case must end in a result or an EtlFormatError — never another exception, never a hang,
// never unbounded memory. Decoders and kind names run on every kernel record too.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from './byte-source.js';
import { EtlFormatError } from './errors.js';
import { openEtl } from './etl-trace.js';
import { decodeCompactCSwitchBatch, decodeCSwitch, decodeReadyThread } from './kernel/cswitch.js';
import { decodeDpc } from './kernel/dpc.js';
import { decodeHeaderExtension } from './kernel/header-extension.js';
import { KernelHook, eventKindName } from './kernel/hooks.js';
import { decodeImage } from './kernel/image.js';
import { decodeDbgIdRsds, decodeImageId, imageIdOpcode } from './kernel/image-id.js';
import { decodeIdleEnter, decodeIdleExit, decodePerfState } from './kernel/power.js';
import { decodeProcess } from './kernel/process.js';
import { decodeProfileInterval, decodeSampledProfile } from './kernel/profile.js';
import { decodeStackKeyDefinition, decodeStackKeyReference, decodeStackWalk } from './kernel/stack.js';
import { decodeThread, decodeThreadName } from './kernel/thread.js';
import { buildKitchenSinkTrace, mulberry32 } from './testing.js';
import type { RawEvent } from './types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const tracesDir = process.env.ETLSCOPE_TRACES ?? path.resolve(here, '..', '..', '..', 'shared', 'traces');

/** Seeds: whole small traces and prefixes of the big ones (a prefix is itself a truncated trace). */
const SEEDS: [name: string, prefixBytes: number][] = [
  ['perfview-small.etl', Infinity],
  ['perfview-selfdescribing.etl', Infinity],
  ['perfview-primitive-types.etl', Infinity],
  ['hw3d-tracelogging.etl', Infinity],
  ['krabsetw-powershell.etl', 64 * 1024],
  ['etlparser-amsi.etl', 160 * 1024],
  ['perfview-net452-x64.etl', 256 * 1024],
  ['perfview-diaghub-kernel.etl', 384 * 1024],
  ['etlparser-shutdown-perfdiag.etl', 384 * 1024],
  ['tx-process-win7.etl', 64 * 1024],
];
/** Cases per seed: 14 seeds × 500 = 7,000 cases, ~10 s here (well under the ~60 s budget when the box is loaded). */
const CASES_PER_SEED = 500;
/** One case may not take longer than this (a hang or quadratic blow-up shows up here). */
const MAX_CASE_MS = 3000;

/** Offsets worth hitting: buffer headers (sizes, offsets, flags, CPU) and the first record headers. */
function hotOffsets(bytes: Uint8Array): number[] {
  const hot: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (pos + 0x48 <= bytes.length && hot.length < 4000) {
    for (const f of [0, 1, 2, 3, 4, 5, 6, 0x18, 0x28, 0x29, 0x30, 0x34, 0x36]) hot.push(pos + f);
    for (let r = 0x48; r < 0x48 + 64; r++) hot.push(pos + r);
    const size = view.getUint32(pos, true);
    if (size < 0x48) break;
    pos += size;
  }
  return hot;
}

function decodeAll(ev: RawEvent): number {
  eventKindName(ev);
  let n = 0;
  const use = (x: unknown) => {
    if (x !== undefined) n++;
  };
  if (ev.family === 'system' || ev.family === 'compact' || ev.family === 'perfinfo') {
    const h = ev.hookId;
    if (h >= 0x0301 && h <= 0x0304) use(decodeProcess(ev));
    else if (h === KernelHook.ProcessDefunct) use(decodeProcess(ev));
    else if (h >= 0x0501 && h <= 0x0504) use(decodeThread(ev));
    else if (h === KernelHook.ThreadSetName) use(decodeThreadName(ev));
    else if (h === KernelHook.ImageLoad || (h >= 0x1402 && h <= 0x1404)) use(decodeImage(ev));
    else if (h === KernelHook.CSwitch) use(decodeCSwitch(ev));
    else if (h === KernelHook.CompactCSwitch) use(decodeCompactCSwitchBatch(ev));
    else if (h === KernelHook.ReadyThread) use(decodeReadyThread(ev));
    else if (h === KernelHook.SampledProfile) use(decodeSampledProfile(ev));
    else if (h >= 0x0f48 && h <= 0x0f4a) use(decodeProfileInterval(ev));
    else if (h === KernelHook.StackWalk) use(decodeStackWalk(ev));
    else if (h === 0x1825 || h === 0x1826) use(decodeStackKeyReference(ev));
    else if (h >= 0x1822 && h <= 0x1824) use(decodeStackKeyDefinition(ev));
    else if (h === KernelHook.IdleStateEnter) use(decodeIdleEnter(ev));
    else if (h === KernelHook.IdleStateExit) use(decodeIdleExit(ev));
    else if (h === KernelHook.PerfStateChange) use(decodePerfState(ev));
    else if (h === KernelHook.HeaderExtension || h === KernelHook.EndExtension)
      use(decodeHeaderExtension(ev));
    else use(decodeDpc(ev));
  } else {
    const op = imageIdOpcode(ev);
    if (op === 0) use(decodeImageId(ev));
    else if (op === 36) use(decodeDbgIdRsds(ev));
  }
  return n;
}

describe('fuzz: mutated and truncated real traces', () => {
  const seeds: [string, Uint8Array][] = SEEDS.filter(([name]) => existsSync(path.join(tracesDir, name))).map(
    ([name, prefix]) => {
      const full = readFileSync(path.join(tracesDir, name));
      return [name, new Uint8Array(full.buffer, full.byteOffset, Math.min(full.length, prefix))];
    },
  );
  // Synthetic seeds carry the kinds no real trace has (DPC/ISR, CSwitch, compact batches, power, MESSAGE…).
  for (const pointerSize of [4, 8] as const) {
    for (const compress of [false, true]) {
      seeds.push([
        `kitchen-sink-p${pointerSize}${compress ? '-xpress' : ''}`,
        buildKitchenSinkTrace({ pointerSize, compress }),
      ]);
    }
  }

  it('every case ends in a result or an EtlFormatError, within bounded time and memory', () => {
    const random = mulberry32(0x5eed_e71);
    const rssBefore = process.memoryUsage().rss;
    let results = 0;
    let formatErrors = 0;
    let diagnostics = 0;
    let slowest = 0;
    for (const [name, original] of seeds) {
      const hot = hotOffsets(original);
      for (let c = 0; c < CASES_PER_SEED; c++) {
        let bytes = original.slice();
        const mode = random();
        if (mode < 0.15) {
          bytes = bytes.subarray(0, Math.floor(random() * bytes.length)); // truncated
        } else {
          const flips = 1 + Math.floor(random() * (mode < 0.6 ? 3 : 24));
          for (let f = 0; f < flips; f++) {
            const at =
              random() < 0.7 && hot.length > 0
                ? hot[Math.floor(random() * hot.length)]
                : Math.floor(random() * bytes.length);
            if (at >= bytes.length) continue;
            bytes[at] =
              random() < 0.5 ? bytes[at] ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
          }
          if (mode > 0.9) bytes = bytes.subarray(0, Math.floor(bytes.length * (0.5 + random() / 2)));
        }
        const started = performance.now();
        try {
          const trace = openEtl(memoryByteSource(bytes, `${name}#${c}`));
          let events = 0;
          const stats = trace.forEachEvent(
            (ev) => {
              events++;
              decodeAll(ev);
            },
            { order: c % 2 === 0 ? 'merged' : 'per-cpu' },
          );
          expect(stats.events).toBe(events);
          // Every record is at least 8 bytes of decompressed data, and decompressed data per buffer is bounded.
          expect(events).toBeLessThanOrEqual(
            (trace.buffers.length * (trace.header.bufferSize + 0x10000)) / 8 + 1,
          );
          diagnostics += trace.diagnostics.length;
          expect(trace.diagnostics.length).toBeLessThanOrEqual(201);
          results++;
        } catch (error) {
          if (!(error instanceof EtlFormatError)) {
            throw new Error(`case ${name}#${c} threw ${String(error)}\n${(error as Error).stack ?? ''}`);
          }
          expect(error.message).toMatch(/^not an ETL trace: /);
          formatErrors++;
        }
        const ms = performance.now() - started;
        slowest = Math.max(slowest, ms);
        expect(ms, `case ${name}#${c}`).toBeLessThan(MAX_CASE_MS);
      }
    }
    console.log(
      `fuzz: ${results} results, ${formatErrors} EtlFormatErrors, ${diagnostics} diagnostics, slowest case ${slowest.toFixed(0)} ms`,
    );
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(results + formatErrors).toBe(seeds.length * CASES_PER_SEED);
    expect(results).toBeGreaterThan(formatErrors); // most mutations keep a readable trace
    expect(diagnostics).toBeGreaterThan(0); // and the corruptions were noticed
    expect(rssGrowthMb).toBeLessThan(1024);
  });
});
