// Thread v2/v3/v4 payloads by length (addresses, priorities, names) and Thread SetName.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { KernelHook } from './hooks.js';
import { decodeThread, decodeThreadName } from './thread.js';

function thread(P: 4 | 8, opts: { priorities: boolean; name?: string }): Uint8Array {
  const w = new ByteWriter().u32(504).u32(5060);
  w.ptr(0xa000, P).ptr(0x9000, P).ptr(0x8000, P).ptr(0x7000, P);
  w.ptr(0x1111, P)
    .ptr(P === 8 ? 0x7ff993bb3d60n : 0x77001234n, P)
    .ptr(0x5000, P)
    .u32(0);
  if (opts.priorities) w.u8(13).u8(5).u8(2).u8(0);
  if (opts.name !== undefined) w.wstr(opts.name);
  return w.done();
}

describe('decodeThread', () => {
  for (const P of [4, 8] as const) {
    const win32 = P === 8 ? '0x7ff993bb3d60' : '0x77001234';
    it(`v2 (StartAddr, no priorities), pointer size ${P}`, () => {
      const rec = decodeThread(
        rawEventForPayload(thread(P, { priorities: false }), {
          pointerSize: P,
          hookId: KernelHook.ThreadStart,
          version: 2,
        }),
      );
      expect(rec).toMatchObject({ processId: 504, threadId: 5060, basePriority: 0, name: '' });
      expect(addressKeyToHex(rec!.startAddress)).toBe('0x1111');
      expect(addressKeyToHex(rec!.win32StartAddress)).toBe(win32);
    });
    it(`v3 (Affinity) with priorities and an empty name, v4 with a name, pointer size ${P}`, () => {
      const v3 = decodeThread(
        rawEventForPayload(thread(P, { priorities: true, name: '' }), { pointerSize: P, version: 3 }),
      );
      expect(v3).toMatchObject({ basePriority: 13, name: '' });
      expect(addressKeyToHex(v3!.startAddress)).toBe(win32);
      const v4 = decodeThread(
        rawEventForPayload(thread(P, { priorities: true, name: 'worker 1' }), { pointerSize: P, version: 4 }),
      );
      expect(v4).toMatchObject({ threadId: 5060, basePriority: 13, name: 'worker 1' });
    });
  }
  it('ids-only payloads decode without addresses; shorter ones are rejected', () => {
    const ids = new ByteWriter().u32(1).u32(2).done();
    expect(decodeThread(rawEventForPayload(ids, { pointerSize: 8, version: 2 }))).toMatchObject({
      processId: 1,
      threadId: 2,
      startAddress: 0,
    });
    expect(decodeThread(rawEventForPayload(new Uint8Array(7), { pointerSize: 8 }))).toBeUndefined();
  });
});

describe('decodeThreadName', () => {
  it('reads ids and the name', () => {
    const p = new ByteWriter().u32(4).u32(88).wstr('MiMappedPageWriter').done();
    expect(
      decodeThreadName(rawEventForPayload(p, { pointerSize: 8, hookId: KernelHook.ThreadSetName })),
    ).toEqual({ processId: 4, threadId: 88, name: 'MiMappedPageWriter' });
    expect(decodeThreadName(rawEventForPayload(new Uint8Array(4), { pointerSize: 8 }))).toBeUndefined();
  });
});
