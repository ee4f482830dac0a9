// SampledProfile (both pointer sizes, DPC/ISR flags) and profile interval payloads.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { KernelHook } from './hooks.js';
import {
  createSampledProfileScratch,
  decodeProfileInterval,
  decodeSampledProfile,
  decodeSampledProfileInto,
} from './profile.js';

describe('decodeSampledProfile', () => {
  for (const P of [4, 8] as const) {
    it(`pointer size ${P}`, () => {
      const ip = P === 8 ? 0xfffff8021234abcdn : 0x81234567n;
      const p = new ByteWriter().ptr(ip, P).u32(88).u16(2).u8(0b1000_0001).u8(0).done();
      const rec = decodeSampledProfile(
        rawEventForPayload(p, { pointerSize: P, hookId: KernelHook.SampledProfile }),
      );
      expect(addressKeyToHex(rec!.instructionPointer)).toBe('0x' + ip.toString(16));
      expect(rec).toMatchObject({
        threadId: 88,
        count: 2,
        flags: 0x81,
        executingDpc: true,
        executingIsr: false,
      });
      const isr = new ByteWriter().ptr(ip, P).u32(0).u16(1).u8(2).u8(0).done();
      expect(decodeSampledProfile(rawEventForPayload(isr, { pointerSize: P }))).toMatchObject({
        threadId: 0,
        executingIsr: true,
        executingDpc: false,
      });
      expect(
        decodeSampledProfile(rawEventForPayload(new Uint8Array(P + 3), { pointerSize: P })),
      ).toBeUndefined();
    });
  }
});

describe('decodeProfileInterval', () => {
  it('reads source, new and old interval (v3 name tolerated)', () => {
    const p = new ByteWriter().u32(0).u32(10000).u32(5000).wstr('Timer').done();
    expect(decodeProfileInterval(rawEventForPayload(p, { pointerSize: 8, version: 3 }))).toEqual({
      source: 0,
      newInterval: 10000,
      oldInterval: 5000,
    });
    expect(decodeProfileInterval(rawEventForPayload(new Uint8Array(7), { pointerSize: 4 }))).toBeUndefined();
  });
});

describe('decodeSampledProfileInto', () => {
  it('fills the scratch like decodeSampledProfile', () => {
    const out = createSampledProfileScratch();
    for (const P of [4, 8] as const) {
      const ev = rawEventForPayload(
        new ByteWriter().ptr(0xfffff80000001234n, P).u32(44).u16(3).u8(1).u8(0).done(),
        { pointerSize: P },
      );
      expect(decodeSampledProfileInto(ev, out)).toBe(true);
      const rec = decodeSampledProfile(ev)!;
      expect(out).toEqual({ instructionPointer: rec.instructionPointer, threadId: 44, count: 3, flags: 1 });
    }
    expect(decodeSampledProfileInto(rawEventForPayload(new Uint8Array(7), { pointerSize: 4 }), out)).toBe(
      false,
    );
  });
});
