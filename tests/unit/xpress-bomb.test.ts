// Decompression bombs: a compressed buffer may not claim more than MAX_XPRESS_RATIO × its bytes on
// disk (an 18-byte Xpress stream can expand to 64 MiB, and the logfile header's buffer size is a
// claim too). The claim is refused with a diagnostic naming the buffer; the rest reads normally.

import { describe, expect, it } from 'vitest';
import { simulate } from '../../scripts/writer/simulate.js';
import { SCENARIOS } from '../../scripts/writer/scenarios.js';
import { MAX_XPRESS_RATIO, openEtl } from '../../electron/reader/etl-trace.js';
import { memoryByteSource } from '../../electron/reader/byte-source.js';

/** Logfile header BufferSize: header buffer (0x48) + SYSTEM header (0x20) + 0. */
const HEADER_BUFFER_SIZE_OFFSET = 0x48 + 0x20;

describe('decompression bombs', () => {
  it('refuses a compressed buffer claiming 64 MiB, even when the header allows 64 MiB buffers', () => {
    const { bytes } = simulate(SCENARIOS.deepIdle12Core!, { seconds: 0.2, seed: 4, compress: true });
    const copy = bytes!.slice();
    const view = new DataView(copy.buffer);
    view.setUint32(HEADER_BUFFER_SIZE_OFFSET, 64 * 1024 * 1024, true);
    // The first data buffer after the (short) header buffer: walk by BufferSize.
    let at = view.getUint32(0, true);
    let patched = -1;
    while (at + 0x48 < copy.length) {
      const size = view.getUint32(at, true);
      if ((view.getUint16(at + 0x34, true) & 0x40) !== 0) {
        view.setUint32(at + 4, 64 * 1024 * 1024, true); // SavedOffset: the uncompressed size claimed
        patched = at;
        break;
      }
      at += size;
    }
    expect(patched).toBeGreaterThan(0);
    const before = process.memoryUsage().rss;
    const trace = openEtl(memoryByteSource(copy, 'bomb.etl'));
    let events = 0;
    trace.forEachEvent(() => events++, { order: 'per-cpu' });
    const bomb = trace.diagnostics.find((d) => d.fileOffset === patched);
    expect(bomb?.message).toContain(`more than ${MAX_XPRESS_RATIO}×`);
    expect(events).toBeGreaterThan(1000);
    expect(process.memoryUsage().rss - before).toBeLessThan(200e6);
  });
});
