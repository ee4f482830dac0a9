// KernelTraceControl ImageId / DbgID_RSDS in FULL and EVENT_HEADER forms, both pointer sizes.
import { describe, expect, it } from 'vitest';
import { addressKeyToHex } from '../address.js';
import { createRawEvent, readEventAt } from '../event-parser.js';
import { ByteWriter, classicRecord, eventHeaderRecord } from '../testing.js';
import { KERNEL_TRACE_CONTROL_IMAGE_ID_GUID, eventKindName } from './hooks.js';
import {
  decodeDbgIdRsds,
  decodeImageId,
  imageIdOpcode,
  isDbgIdRsdsEvent,
  isImageIdEvent,
} from './image-id.js';

function parsed(record: Uint8Array) {
  const ev = createRawEvent();
  ev.bytes = new Uint8Array(record.length + 8);
  ev.bytes.set(record);
  ev.view = new DataView(ev.bytes.buffer);
  expect(readEventAt(ev, 0, (record.length + 7) & ~7)).toBeGreaterThan(0);
  return ev;
}

describe('KernelTraceControl ImageId / DbgID_RSDS', () => {
  for (const P of [4, 8] as const) {
    const base = P === 8 ? 0xfffff80021489000n : 0x82a00000n;
    it(`ImageId in a FULL header, pointer size ${P}`, () => {
      const payload = new ByteWriter()
        .ptr(base, P)
        .ptr(0x748000, P)
        .u32(0)
        .u32(0x50123456)
        .wstr('ntoskrnl.exe')
        .done();
      const ev = parsed(
        classicRecord({
          pointerSize: P,
          guid: KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
          opcode: 0,
          version: 2,
          timestamp: 1,
          payload,
        }),
      );
      expect(isImageIdEvent(ev)).toBe(true);
      expect(eventKindName(ev)).toBe('KernelTraceControl/ImageId');
      const rec = decodeImageId(ev);
      expect(rec).toMatchObject({
        imageSize: 0x748000,
        processId: 0,
        timeDateStamp: 0x50123456,
        originalFileName: 'ntoskrnl.exe',
      });
      expect(addressKeyToHex(rec!.imageBase)).toBe('0x' + base.toString(16));
    });
    it(`DbgID_RSDS in FULL and EVENT_HEADER forms, pointer size ${P}`, () => {
      const guidBytes = [
        0xdf, 0xd8, 0x83, 0xec, 0x59, 0x55, 0xe0, 0x46, 0xb6, 0x30, 0x13, 0x3e, 0xbd, 0x97, 0x92, 0x66,
      ];
      const payload = new ByteWriter().ptr(base, P).u32(0).raw(guidBytes).u32(2).astr('ntkrnlmp.pdb').done();
      const full = parsed(
        classicRecord({
          pointerSize: P,
          guid: KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
          opcode: 36,
          version: 2,
          timestamp: 1,
          payload,
        }),
      );
      const asProvider = parsed(
        eventHeaderRecord({
          pointerSize: P,
          provider: KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
          id: 36,
          opcode: 36,
          version: 2,
          timestamp: 1,
          payload,
        }),
      );
      for (const ev of [full, asProvider]) {
        expect(isDbgIdRsdsEvent(ev)).toBe(true);
        expect(imageIdOpcode(ev)).toBe(36);
        const rec = decodeDbgIdRsds(ev);
        expect(rec).toMatchObject({
          processId: 0,
          guid: 'ec83d8df-5559-46e0-b630-133ebd979266',
          age: 2,
          pdbFileName: 'ntkrnlmp.pdb',
        });
        expect(addressKeyToHex(rec!.imageBase)).toBe('0x' + base.toString(16));
      }
      expect(eventKindName(full)).toBe('KernelTraceControl/DbgID_RSDS');
    });
  }
  it('other GUIDs are not ImageId events; short payloads are rejected', () => {
    const ev = parsed(
      classicRecord({
        pointerSize: 8,
        guid: '9b79ee91-b5fd-41c0-a243-4248e266e9d0',
        opcode: 0,
        version: 2,
        timestamp: 1,
        payload: new Uint8Array(40),
      }),
    );
    expect(imageIdOpcode(ev)).toBe(-1);
    const short = parsed(
      classicRecord({
        pointerSize: 8,
        guid: KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
        opcode: 36,
        version: 2,
        timestamp: 1,
        payload: new Uint8Array(31),
      }),
    );
    expect(decodeDbgIdRsds(short)).toBeUndefined();
    expect(decodeImageId(short)).toBeDefined();
  });
});
