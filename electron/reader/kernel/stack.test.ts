// StackWalk frames and stack-key references/definitions, both pointer sizes.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { KernelHook } from './hooks.js';
import { decodeStackKeyDefinition, decodeStackKeyReference, decodeStackWalk } from './stack.js';

describe('stack decoders', () => {
  for (const P of [4, 8] as const) {
    const a = P === 8 ? 0xfffff80000001000n : 0x80001000n;
    const b = P === 8 ? 0x00007ff612340000n : 0x00401000n;
    it(`StackWalk, pointer size ${P}`, () => {
      const p = new ByteWriter().u64(999).u32(4).u32(8).ptr(a, P).ptr(b, P).done();
      const rec = decodeStackWalk(rawEventForPayload(p, { pointerSize: P, hookId: KernelHook.StackWalk }));
      expect(rec).toMatchObject({ eventTicks: 999, processId: 4, threadId: 8 });
      expect(rec!.frames.map(addressKeyToHex)).toEqual(['0x' + a.toString(16), '0x' + b.toString(16)]);
      expect(decodeStackWalk(rawEventForPayload(new Uint8Array(15), { pointerSize: P }))).toBeUndefined();
    });
    it(`stack keys, pointer size ${P}`, () => {
      const ref = new ByteWriter().u64(5).u32(1).u32(2).ptr(0xabcd, P).done();
      expect(
        decodeStackKeyReference(
          rawEventForPayload(ref, { pointerSize: P, hookId: KernelHook.StackKeyKernelRef }),
        ),
      ).toMatchObject({ eventTicks: 5, processId: 1, threadId: 2, stackKey: 0xabcd, kernel: true });
      expect(
        decodeStackKeyReference(
          rawEventForPayload(ref, { pointerSize: P, hookId: KernelHook.StackKeyUserRef }),
        )?.kernel,
      ).toBe(false);
      const def = new ByteWriter().ptr(0xabcd, P).ptr(a, P).ptr(b, P).ptr(a, P).done();
      const rec = decodeStackKeyDefinition(
        rawEventForPayload(def, { pointerSize: P, hookId: KernelHook.StackKeyRundown }),
      );
      expect(rec?.stackKey).toBe(0xabcd);
      expect(rec?.frames).toHaveLength(3);
      expect(
        decodeStackKeyDefinition(rawEventForPayload(new Uint8Array(P - 1), { pointerSize: P })),
      ).toBeUndefined();
    });
  }
});
