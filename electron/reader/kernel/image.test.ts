// Image load/unload/rundown payloads (v1 and v3 layouts from P) and KernelBase.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { KernelHook } from './hooks.js';
import { decodeImage, decodeKernelBase } from './image.js';

describe('decodeImage', () => {
  for (const P of [4, 8] as const) {
    const base = P === 8 ? 0xfffff802424ab000n : 0x82a00000n;
    it(`v3 layout from P, pointer size ${P}`, () => {
      const w = new ByteWriter()
        .ptr(base, P)
        .ptr(0xab6000, P)
        .u32(0)
        .u32(0x98f4a1)
        .u32(0x426a2e90)
        .u8(1)
        .u8(2)
        .u16(0);
      w.ptr(base, P).u32(0).u32(0).u32(0).u32(0).wstr('\\SystemRoot\\system32\\ntoskrnl.exe');
      const rec = decodeImage(
        rawEventForPayload(w.done(), {
          pointerSize: P,
          hookId: KernelHook.ImageDCStart,
          version: 3,
          family: 'system',
        }),
      );
      expect(rec).toMatchObject({
        imageSize: 0xab6000,
        processId: 0,
        checksum: 0x98f4a1,
        timeDateStamp: 0x426a2e90,
        fileName: '\\SystemRoot\\system32\\ntoskrnl.exe',
      });
      expect(addressKeyToHex(rec!.imageBase)).toBe('0x' + base.toString(16));
      expect(addressKeyToHex(rec!.defaultBase)).toBe('0x' + base.toString(16));
    });
    it(`v1 short layout, pointer size ${P}`, () => {
      const w = new ByteWriter().ptr(base, P).ptr(0x1000, P).u32(4).wstr('\\Windows\\x.dll');
      expect(decodeImage(rawEventForPayload(w.done(), { pointerSize: P, version: 1 }))).toMatchObject({
        imageSize: 0x1000,
        processId: 4,
        fileName: '\\Windows\\x.dll',
      });
    });
  }
  it('rejects short payloads; KernelBase is one pointer', () => {
    expect(
      decodeImage(rawEventForPayload(new Uint8Array(55), { pointerSize: 8, version: 3 })),
    ).toBeUndefined();
    const kb = new ByteWriter().ptr(0xfffff8016aa00000n, 8).done();
    expect(
      addressKeyToHex(
        decodeKernelBase(rawEventForPayload(kb, { pointerSize: 8, hookId: KernelHook.KernelBase }))!,
      ),
    ).toBe('0xfffff8016aa00000');
    expect(decodeKernelBase(rawEventForPayload(new Uint8Array(3), { pointerSize: 4 }))).toBeUndefined();
  });
});
