// Process v3/v4/v5 payloads with and without SIDs, both pointer sizes.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { ByteWriter, rawEventForPayload } from '../testing.js';
import { KernelHook } from './hooks.js';
import { decodeProcess } from './process.js';

function sid(w: ByteWriter, P: 4 | 8, subs: number[]): ByteWriter {
  w.ptr(0xffffa00012340000n, P).u32(0);
  if (P === 8) w.u32(0); // TOKEN_USER is 2·P bytes
  w.u8(1).u8(subs.length).raw([0, 0, 0, 0, 0, 5]);
  for (const s of subs) w.u32(s);
  return w;
}

describe('decodeProcess', () => {
  for (const P of [4, 8] as const) {
    const key = P === 8 ? 0xffffca8688b693c0n : 0x85a2c030n;
    it(`v4 with SID, pointer size ${P}`, () => {
      const w = new ByteWriter()
        .ptr(key, P)
        .u32(6780)
        .u32(3856)
        .u32(1)
        .i32(0x40010004)
        .ptr(0x1ad000, P)
        .u32(2);
      sid(w, P, [21, 4151223144, 1000]).astr('app.exe').wstr('"C:\\app.exe" -x').wstr('pkg').wstr('appid');
      const rec = decodeProcess(
        rawEventForPayload(w.done(), {
          pointerSize: P,
          hookId: KernelHook.ProcessStart,
          version: 4,
          family: 'system',
        }),
      );
      expect(rec).toMatchObject({
        processId: 6780,
        parentId: 3856,
        sessionId: 1,
        exitStatus: 0x40010004,
        flags: 2,
        userSid: 'S-1-5-21-4151223144-1000',
        imageFileName: 'app.exe',
        commandLine: '"C:\\app.exe" -x',
        packageFullName: 'pkg',
        applicationId: 'appid',
      });
      expect(addressKeyToHex(rec!.uniqueProcessKey)).toBe('0x' + key.toString(16));
    });
    it(`v3 without SID and v5 with trailing bytes, pointer size ${P}`, () => {
      const v3 = new ByteWriter()
        .ptr(key, P)
        .u32(4)
        .u32(0)
        .u32(0xffffffff)
        .i32(0)
        .ptr(0, P)
        .u32(0)
        .astr('System')
        .wstr('')
        .done();
      expect(decodeProcess(rawEventForPayload(v3, { pointerSize: P, version: 3 }))).toMatchObject({
        processId: 4,
        sessionId: 0xffffffff,
        userSid: '',
        imageFileName: 'System',
        flags: 0,
      });
      const v5 = new ByteWriter().ptr(key, P).u32(496).u32(600).u32(0).i32(0).ptr(0, P).u32(0);
      sid(v5, P, [18]).astr('svchost.exe').wstr('').wstr('').wstr('').u64(132000000000000000n);
      expect(
        decodeProcess(
          rawEventForPayload(v5.done(), { pointerSize: P, hookId: KernelHook.ProcessDefunct, version: 5 }),
        ),
      ).toMatchObject({ processId: 496, userSid: 'S-1-5-18', imageFileName: 'svchost.exe' });
    });
  }
  it('rejects payloads shorter than the fixed part', () => {
    expect(
      decodeProcess(rawEventForPayload(new Uint8Array(35), { pointerSize: 8, version: 4 })),
    ).toBeUndefined();
    expect(
      decodeProcess(rawEventForPayload(new Uint8Array(23), { pointerSize: 4, version: 4 })),
    ).toBeUndefined();
  });
});
