// Power-group idle enter/exit, perf-state and idle-state-change payloads.
import { describe, expect, it } from 'vitest';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { KernelHook } from './hooks.js';
import { decodeIdleEnter, decodeIdleExit, decodeIdleStateChange, decodePerfState } from './power.js';

describe('power decoders (any pointer size, any kernel header)', () => {
  for (const P of [4, 8] as const) {
    it(`idle enter / exit, pointer size ${P}`, () => {
      const enter = new ByteWriter().u32(2).u32(0x11).u64(123456).done();
      expect(
        decodeIdleEnter(
          rawEventForPayload(enter, { pointerSize: P, hookId: KernelHook.IdleStateEnter, family: 'system' }),
        ),
      ).toEqual({ state: 2, flags: 0x11, expectedDuration: 123456 });
      const exit = new ByteWriter().u32(2).u32(0).done();
      expect(
        decodeIdleExit(
          rawEventForPayload(exit, { pointerSize: P, hookId: KernelHook.IdleStateExit, family: 'compact' }),
        ),
      ).toEqual({ state: 2, status: 0 });
    });
    it(`perf state and idle state change, pointer size ${P}`, () => {
      const perf = new ByteWriter().u32(1).u32(3).u32(1).i32(0).u64(0xf0n).done();
      expect(
        decodePerfState(rawEventForPayload(perf, { pointerSize: P, hookId: KernelHook.PerfStateChange })),
      ).toEqual({ type: 1, newState: 3, oldState: 1, result: 0, processors: 0xf0n });
      const change = new ByteWriter().u32(1).u32(0).u64(0x5n).done();
      expect(decodeIdleStateChange(rawEventForPayload(change, { pointerSize: P }))).toEqual({
        newState: 1,
        oldState: 0,
        processors: 5n,
      });
    });
  }
  it('short payloads are rejected; a bare state is enough for enter', () => {
    expect(decodeIdleEnter(rawEventForPayload(new Uint8Array(3), { pointerSize: 8 }))).toBeUndefined();
    expect(decodeIdleEnter(rawEventForPayload(new ByteWriter().u32(1).done(), { pointerSize: 8 }))).toEqual({
      state: 1,
      flags: 0,
      expectedDuration: 0,
    });
    expect(decodeIdleExit(rawEventForPayload(new Uint8Array(2), { pointerSize: 8 }))).toBeUndefined();
    expect(decodePerfState(rawEventForPayload(new Uint8Array(11), { pointerSize: 8 }))).toBeUndefined();
  });
});
