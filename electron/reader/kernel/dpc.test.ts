// DPC / ThreadedDPC / TimerDPC / ISR / ISR-MSI payloads for both pointer sizes, and the scratch variant.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { createDpcScratch, decodeDpc, decodeDpcInto } from './dpc.js';
import { KernelHook } from './hooks.js';

describe('decodeDpc', () => {
  for (const P of [4, 8] as const) {
    const routine = P === 8 ? 0xfffff80212345678n : 0x8123abcdn;
    const hex = P === 8 ? '0xfffff80212345678' : '0x8123abcd';
    it(`DPC family, pointer size ${P}`, () => {
      for (const [hook, kind] of [
        [KernelHook.Dpc, 0],
        [KernelHook.ThreadedDpc, 1],
        [KernelHook.TimerDpc, 2],
      ] as const) {
        const payload = new ByteWriter().u64(123456789).ptr(routine, P).done();
        const rec = decodeDpc(rawEventForPayload(payload, { pointerSize: P, hookId: hook }));
        expect(rec?.kind).toBe(kind);
        expect(rec?.enterTicks).toBe(123456789);
        expect(addressKeyToHex(rec!.routine)).toBe(hex);
        expect(rec?.vector).toBeUndefined();
      }
    });
    it(`ISR and ISR-MSI, pointer size ${P}`, () => {
      const isr = new ByteWriter().u64(5).ptr(routine, P).u8(1).u8(0xb1).u16(0).done();
      expect(decodeDpc(rawEventForPayload(isr, { pointerSize: P, hookId: KernelHook.Isr }))).toMatchObject({
        kind: 3,
        enterTicks: 5,
        returnValue: 1,
        vector: 0xb1,
      });
      const msi = new ByteWriter().u64(6).ptr(routine, P).u8(0).u8(0x60).u16(0).u32(17).done();
      const rec = decodeDpc(rawEventForPayload(msi, { pointerSize: P, hookId: KernelHook.IsrMsi }));
      expect(rec).toMatchObject({ kind: 4, returnValue: 0, vector: 0x60, messageNumber: 17 });
      expect(addressKeyToHex(rec!.routine)).toBe(hex);
    });
  }
  it('tolerates longer payloads, rejects short ones and other hooks', () => {
    const longer = new ByteWriter().u64(9).ptr(0xfffff80000000010n, 8).u32(0xdead).done();
    expect(
      decodeDpc(rawEventForPayload(longer, { pointerSize: 8, hookId: KernelHook.Dpc }))?.enterTicks,
    ).toBe(9);
    expect(
      decodeDpc(rawEventForPayload(new Uint8Array(12), { pointerSize: 8, hookId: KernelHook.Dpc })),
    ).toBeUndefined();
    expect(
      decodeDpc(rawEventForPayload(new Uint8Array(16), { pointerSize: 8, hookId: KernelHook.CSwitch })),
    ).toBeUndefined();
  });
});

describe('decodeDpcInto', () => {
  it('fills the scratch like decodeDpc, without allocating per event', () => {
    const out = createDpcScratch();
    for (const P of [4, 8] as const) {
      const msi = new ByteWriter().u64(6).ptr(0xfffff80000000abcn, P).u8(1).u8(0x60).u16(0).u32(17).done();
      const ev = rawEventForPayload(msi, { pointerSize: P, hookId: KernelHook.IsrMsi });
      expect(decodeDpcInto(ev, out)).toBe(true);
      const rec = decodeDpc(ev)!;
      expect(out).toEqual({
        kind: 4,
        enterTicks: 6,
        routine: rec.routine,
        returnValue: 1,
        vector: 0x60,
        messageNumber: 17,
      });
      const plain = rawEventForPayload(new ByteWriter().u64(7).ptr(0x1234, P).done(), {
        pointerSize: P,
        hookId: KernelHook.TimerDpc,
      });
      expect(decodeDpcInto(plain, out)).toBe(true);
      expect(out).toEqual({
        kind: 2,
        enterTicks: 7,
        routine: 0x1234,
        returnValue: -1,
        vector: -1,
        messageNumber: -1,
      });
    }
    expect(
      decodeDpcInto(rawEventForPayload(new Uint8Array(11), { pointerSize: 4, hookId: KernelHook.Dpc }), out),
    ).toBe(false);
  });
});
