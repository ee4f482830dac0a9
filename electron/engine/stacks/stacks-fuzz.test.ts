// Hostile stacks: copies of a trace with stack walks and stack keys, damaged in the stack payloads
// (bit flips, frame counts and keys set to absurd values, truncation), must load and answer stack
// queries — or fail with a clear EngineError — quickly and within bounded memory, never crash.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../scripts/writer/scenarios.js';
import { simulate } from '../../../scripts/writer/simulate.js';
import { mulberry32 } from '../../reader/testing.js';
import { NEVER_CANCELLED } from '../query-common.js';
import { EngineError } from '../query-common.js';
import { loadEngine } from '../session.js';

const dir = mkdtempSync(path.join(tmpdir(), 'etlscope-stackfuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** Mutated copies per trace kind: enough to hit every stack payload field many times (~10 s). */
const CASES = 24;

/** Offsets of the stack events' payloads (0x1820, 0x1822–0x1826) in a plain file: PERFINFO
 *  headers (0x10 bytes: version u16, header type u8, flags u8, size u16, hook id u16, time), 8-aligned. */
function stackPayloads(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at + 16 < bytes.length; at += 8) {
    const hook = view.getUint16(at + 6, true);
    const size = view.getUint16(at + 4, true);
    if (
      hook >= 0x1820 &&
      hook <= 0x1826 &&
      hook !== 0x1821 &&
      size >= 0x18 &&
      (bytes[at + 3]! & 0xc0) === 0xc0
    )
      out.push(at + 16);
  }
  return out;
}

describe('hostile stack payloads', () => {
  for (const keys of [false, true]) {
    it(`${keys ? 'stack keys' : 'stack walks'}: every damaged copy loads or fails clearly, fast`, () => {
      const { bytes } = simulate(SCENARIOS.audioWorkstation!, { seconds: 0.15, seed: 9, stackKeys: keys });
      const original = bytes!;
      const payloads = stackPayloads(original);
      expect(payloads.length).toBeGreaterThan(50);
      const random = mulberry32(keys ? 7 : 3);
      for (let c = 0; c < CASES; c++) {
        const copy = original.slice();
        const view = new DataView(copy.buffer);
        for (let k = 0; k < 40; k++) {
          const at = payloads[Math.floor(random() * payloads.length)]! + 8 * Math.floor(random() * 4);
          if (at + 8 > copy.length) continue;
          const kind = Math.floor(random() * 3);
          if (kind === 0) copy[at + Math.floor(random() * 8)]! ^= 1 << Math.floor(random() * 8);
          else if (kind === 1)
            view.setUint32(at, [0xffffffff, 0x7fffffff, 0, 0x10000][Math.floor(random() * 4)]!, true);
          else view.setUint32(at, Math.floor(random() * 0x100000000), true);
        }
        const file = path.join(dir, `case-${keys}-${c}.etl`);
        writeFileSync(file, c % 6 === 5 ? copy.subarray(0, Math.floor(copy.length * random())) : copy);
        const started = performance.now();
        try {
          const engine = loadEngine(file, {});
          for (const view of ['top-down', 'bottom-up'] as const)
            engine.query(
              { kind: 'stacks', table: 'cpuSampled', filter: {}, groupBy: ['module'], view, maxNodes: 500 },
              NEVER_CANCELLED,
            );
        } catch (error) {
          expect(error).toBeInstanceOf(EngineError);
        }
        expect(performance.now() - started).toBeLessThan(15_000);
      }
      expect(process.memoryUsage().heapUsed).toBeLessThan(1.5e9);
    });
  }
});
