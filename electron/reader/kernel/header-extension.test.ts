// Header extension group masks and kernel event version.
import { describe, expect, it } from 'vitest';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { GroupMask, decodeHeaderExtension, groupMaskEnabled } from './header-extension.js';
import { KernelHook } from './hooks.js';

describe('decodeHeaderExtension', () => {
  it('reads 8 group masks and the kernel event version', () => {
    const w = new ByteWriter()
      .u32(0x10 | 0x20 | 0x01000000)
      .u32(0x100)
      .u32(0x8000);
    for (let i = 0; i < 5; i++) w.u32(0);
    w.u32(0x46);
    for (const P of [4, 8] as const) {
      const rec = decodeHeaderExtension(
        rawEventForPayload(w.done(), { pointerSize: P, hookId: KernelHook.HeaderExtension }),
      );
      expect(rec?.kernelEventVersion).toBe(0x46);
      expect(groupMaskEnabled(rec!, GroupMask.CSwitch)).toBe(true);
      expect(groupMaskEnabled(rec!, GroupMask.Dpc)).toBe(true);
      expect(groupMaskEnabled(rec!, GroupMask.Interrupt)).toBe(false);
      expect(groupMaskEnabled(rec!, GroupMask.PerfCompactCSwitch)).toBe(true);
      expect(groupMaskEnabled(rec!, GroupMask.PerfProcessorIdle)).toBe(true);
    }
    expect(decodeHeaderExtension(rawEventForPayload(new Uint8Array(31), { pointerSize: 8 }))).toBeUndefined();
  });
});
