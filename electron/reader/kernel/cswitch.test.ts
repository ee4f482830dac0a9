// CSwitch (v1–v4), compact CSwitch batches (all four record types) and ReadyThread from hand-built payloads.
import { describe, expect, it } from 'vitest';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import {
  createCSwitchScratch,
  decodeCompactCSwitchBatch,
  decodeCSwitch,
  decodeCSwitchInto,
  decodeReadyThread,
} from './cswitch.js';
import { KernelHook } from './hooks.js';

describe('decodeCSwitch', () => {
  const payload = new ByteWriter()
    .u32(1234)
    .u32(0)
    .u8(9)
    .u8(0xff)
    .u8(2)
    .u8(0)
    .u8(6)
    .u8(0b1011_0111)
    .u8(5)
    .u8(3)
    .u32(777)
    .i32(-5)
    .done();
  for (const P of [4, 8] as const) {
    it(`v4 payload (pointer size ${P} does not matter)`, () => {
      const rec = decodeCSwitch(
        rawEventForPayload(payload, { pointerSize: P, hookId: KernelHook.CSwitch, version: 4 }),
      );
      expect(rec).toEqual({
        newThreadId: 1234,
        oldThreadId: 0,
        newThreadPriority: 9,
        oldThreadPriority: -1,
        previousCState: 2,
        oldThreadWaitReason: 6,
        oldThreadWaitMode: 1,
        oldThreadState: 5,
        oldThreadWaitIdealProcessor: 3,
        newThreadWaitTime: 777,
        oldThreadRemainingQuantum: -5,
      });
    });
  }
  it('v1 has no C-state; short payloads are rejected; longer ones tolerated', () => {
    expect(
      decodeCSwitch(rawEventForPayload(payload.subarray(0, 16), { pointerSize: 8, version: 1 }))
        ?.previousCState,
    ).toBe(0);
    expect(
      decodeCSwitch(rawEventForPayload(payload.subarray(0, 15), { pointerSize: 8, version: 2 })),
    ).toBeUndefined();
    const longer = new Uint8Array(32);
    longer.set(payload);
    expect(decodeCSwitch(rawEventForPayload(longer, { pointerSize: 8, version: 4 }))?.newThreadWaitTime).toBe(
      777,
    );
  });
});

describe('decodeCompactCSwitchBatch', () => {
  it('decodes IdleShort, Idle, Lite and Full records with cumulative time deltas', () => {
    const w = new ByteWriter().u64(1_000_000);
    const tids = [100, 200, 300, ...new Array(13).fill(0)];
    for (const t of tids) w.u32(t);
    for (let i = 0; i < 16; i++) w.u8(8);
    // IdleShort: delta 5
    w.u16((5 << 2) | 0);
    // Idle: delta 70000
    w.u32(((70000 << 2) | 1) >>> 0);
    // Lite: index 1, priInc 2, stateWr 6 (wait reason 6 → Waiting), delta 300
    w.u32(((300 << 15) | (6 << 9) | (2 << 6) | (1 << 2) | 2) >>> 0);
    // Full: delta 1000 | index 2, stateWr 0x27 + 1 (Ready), priority 10, wait time 4242
    w.u32(((1000 << 2) | 3) >>> 0).u32(((4242 << 15) | (10 << 10) | ((0x27 + 1) << 4) | 2) >>> 0);
    const batch = decodeCompactCSwitchBatch(
      rawEventForPayload(w.done(), { pointerSize: 8, hookId: KernelHook.CompactCSwitch }),
    );
    expect(batch).toEqual([
      {
        ticks: 1_000_005,
        oldThreadId: 0,
        oldWasIdle: true,
        oldThreadState: 0,
        oldThreadWaitReason: 0,
        newThreadWaitTime: 0,
      },
      {
        ticks: 1_070_005,
        oldThreadId: 0,
        oldWasIdle: true,
        oldThreadState: 0,
        oldThreadWaitReason: 0,
        newThreadWaitTime: 0,
      },
      {
        ticks: 1_070_305,
        oldThreadId: 200,
        oldWasIdle: false,
        oldThreadState: 5,
        oldThreadWaitReason: 6,
        newThreadWaitTime: 0,
      },
      {
        ticks: 1_071_305,
        oldThreadId: 300,
        oldWasIdle: false,
        oldThreadState: 1,
        oldThreadWaitReason: 0,
        newThreadWaitTime: 4242,
      },
    ]);
  });
  it('rejects a payload shorter than the batch header and stops at a partial record', () => {
    expect(
      decodeCompactCSwitchBatch(rawEventForPayload(new Uint8Array(0x57), { pointerSize: 8 })),
    ).toBeUndefined();
    const w = new ByteWriter().zeros(0x58).u16(1); // Idle record needs 4 bytes: only 2 present
    expect(decodeCompactCSwitchBatch(rawEventForPayload(w.done(), { pointerSize: 4 }))).toEqual([]);
  });
});

describe('decodeReadyThread', () => {
  it('reads the 8-byte payload', () => {
    const p = new ByteWriter().u32(4321).u8(1).u8(0xfe).u8(0b1001).u8(0).done();
    for (const P of [4, 8] as const) {
      expect(decodeReadyThread(rawEventForPayload(p, { pointerSize: P }))).toEqual({
        readiedThreadId: 4321,
        adjustReason: 1,
        adjustIncrement: -2,
        flags: 9,
      });
    }
    expect(decodeReadyThread(rawEventForPayload(new Uint8Array(3), { pointerSize: 8 }))).toBeUndefined();
  });
});

describe('decodeCSwitchInto', () => {
  it('fills the scratch exactly like decodeCSwitch', () => {
    const payload = new ByteWriter()
      .u32(8)
      .u32(12)
      .u8(1)
      .u8(2)
      .u8(1)
      .u8(0)
      .u8(3)
      .u8(0)
      .u8(2)
      .u8(1)
      .u32(9)
      .i32(4)
      .done();
    const out = createCSwitchScratch();
    for (const version of [1, 2, 4]) {
      const ev = rawEventForPayload(payload, { pointerSize: 8, hookId: KernelHook.CSwitch, version });
      expect(decodeCSwitchInto(ev, out)).toBe(true);
      expect(out).toEqual(decodeCSwitch(ev));
    }
    expect(decodeCSwitchInto(rawEventForPayload(new Uint8Array(15), { pointerSize: 8 }), out)).toBe(false);
  });
});
