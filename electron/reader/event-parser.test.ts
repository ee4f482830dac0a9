// Every header kind of format doc §3, hand-built, through readEventAt.
import { describe, expect, it } from 'vitest';
import { guidAt } from './address.js';
import {
  EVENT_BAD_EXTENDED,
  EVENT_BAD_MARKER,
  EVENT_BAD_SIZE,
  EVENT_UNKNOWN_TYPE,
  createRawEvent,
  extendedItems,
  readEventAt,
} from './event-parser.js';
import { classicRecord, eventHeaderRecord, kernelRecord, messageRecord } from './testing.js';
import { HeaderType, NO_ID } from './types.js';

function parse(record: Uint8Array, at = 0x10) {
  const bytes = new Uint8Array(at + ((record.length + 7) & ~7) + 8).fill(0xff);
  bytes.set(record, at);
  const ev = createRawEvent();
  ev.bytes = bytes;
  ev.view = new DataView(bytes.buffer);
  const next = readEventAt(ev, at, at + ((record.length + 7) & ~7));
  return { ev, next, at };
}

const payload = Uint8Array.from({ length: 13 }, (_, i) => i + 1);

describe('readEventAt', () => {
  it('SYSTEM and COMPACT headers, 32 and 64 bit', () => {
    for (const kind of ['system', 'compact'] as const) {
      for (const P of [4, 8] as const) {
        const rec = kernelRecord({
          kind,
          pointerSize: P,
          hookId: 0x030a,
          version: 3,
          timestamp: 0x1_0000_0005,
          threadId: 77,
          processId: 4,
          payload,
        });
        const { ev, next, at } = parse(rec);
        const headerSize = kind === 'system' ? 0x20 : 0x18;
        expect(next).toBe(at + ((headerSize + 13 + 7) & ~7));
        expect(ev.family).toBe(kind);
        expect(ev.pointerSize).toBe(P);
        expect(ev.hookId).toBe(0x030a);
        expect(ev.opcode).toBe(10);
        expect(ev.version).toBe(3);
        expect(ev.timestamp).toBe(0x1_0000_0005);
        expect(ev.threadId).toBe(77);
        expect(ev.processId).toBe(4);
        expect(ev.payloadOffset).toBe(at + headerSize);
        expect(ev.payloadSize).toBe(13);
        expect(ev.bytes[ev.payloadOffset]).toBe(1);
      }
    }
  });

  it('PERFINFO header with PEBS index and PMC counters before the payload', () => {
    const rec = kernelRecord({
      kind: 'perfinfo',
      pointerSize: 8,
      hookId: 0x0524,
      version: 4,
      timestamp: 99,
      pmcCounters: [1, 2],
      pebsIndex: 7,
      payload,
    });
    const { ev, at } = parse(rec);
    expect(ev.family).toBe('perfinfo');
    expect(ev.headerType).toBe(HeaderType.PerfInfo64);
    expect(ev.version).toBe(4);
    expect(ev.threadId).toBe(NO_ID);
    expect(ev.payloadOffset).toBe(at + 16 + 8 + 16);
    expect(ev.payloadSize).toBe(13);
    expect(ev.extOffset).toBe(at + 16);
    expect(ev.extSize).toBe(24);
    const plain = parse(
      kernelRecord({ kind: 'perfinfo', pointerSize: 4, hookId: 0x0f44, version: 2, timestamp: 5, payload }),
    ).ev;
    expect(plain.pointerSize).toBe(4);
    expect(plain.payloadSize).toBe(13);
  });

  it('FULL and INSTANCE headers carry the class GUID, opcode and version', () => {
    for (const instance of [false, true]) {
      for (const P of [4, 8] as const) {
        const rec = classicRecord({
          pointerSize: P,
          instance,
          guid: 'b3e675d7-2554-4f18-830b-2762732560de',
          opcode: 36,
          version: 2,
          timestamp: 1234,
          threadId: 5,
          processId: 6,
          payload,
        });
        const { ev, at } = parse(rec);
        expect(ev.family).toBe(instance ? 'instance' : 'full');
        expect(ev.pointerSize).toBe(P);
        expect(ev.opcode).toBe(36);
        expect(ev.version).toBe(2);
        expect(guidAt(ev.bytes, ev.guidOffset)).toBe('b3e675d7-2554-4f18-830b-2762732560de');
        expect(ev.payloadOffset).toBe(at + (instance ? 0x48 : 0x30));
        expect(ev.payloadSize).toBe(13);
        expect(ev.timestamp).toBe(1234);
      }
    }
  });

  it('EVENT_HEADER with inline extended items (linkage bit) and without', () => {
    const rec = eventHeaderRecord({
      pointerSize: 8,
      provider: '0f67e49f-fe51-4e9f-b490-6f2948cc6027',
      id: 67,
      version: 1,
      opcode: 3,
      task: 9,
      timestamp: 42,
      extended: [
        { type: 6, data: new Uint8Array(8 + 3 * 8) },
        { type: 12, data: Uint8Array.from([9, 0, 65, 66, 67, 0, 0, 0, 0]) },
      ],
      payload,
    });
    const { ev, at } = parse(rec);
    expect(ev.family).toBe('eventheader');
    expect(ev.eventId).toBe(67);
    expect(ev.version).toBe(1);
    expect(ev.opcode).toBe(3);
    expect(ev.task).toBe(9);
    expect(ev.extOffset).toBe(at + 0x50);
    expect(ev.extSize).toBe(40 + 24);
    expect(ev.payloadOffset).toBe(at + 0x50 + 64);
    expect(ev.payloadSize).toBe(13);
    expect(extendedItems(ev)).toEqual([
      { extType: 6, dataOffset: at + 0x58, dataSize: 32 },
      { extType: 12, dataOffset: at + 0x50 + 40 + 8, dataSize: 9 },
    ]);
    const plain = parse(
      eventHeaderRecord({
        pointerSize: 4,
        provider: '0f67e49f-fe51-4e9f-b490-6f2948cc6027',
        id: 1,
        version: 0,
        timestamp: 1,
        payload,
      }),
    ).ev;
    expect(plain.pointerSize).toBe(4);
    expect(plain.extOffset).toBe(-1);
    expect(extendedItems(plain)).toEqual([]);
    expect(plain.payloadSize).toBe(13);
  });

  it('MESSAGE records are walked by size', () => {
    const { ev, next, at } = parse(messageRecord({ messageNumber: 12, timestamp: 777, payload }));
    expect(ev.family).toBe('message');
    expect(ev.headerType).toBe(HeaderType.Message);
    expect(ev.timestamp).toBe(777);
    expect(ev.threadId).toBe(1);
    expect(ev.payloadSize).toBe(13);
    expect(next).toBe(at + ((24 + 13 + 7) & ~7));
  });

  it('rejects bad markers, unknown types, bad sizes and broken extended items', () => {
    const good = kernelRecord({
      kind: 'system',
      pointerSize: 8,
      hookId: 1,
      version: 2,
      timestamp: 1,
      payload,
    });
    const noFlag = good.slice();
    noFlag[3] = 0x40;
    expect(parse(noFlag).next).toBe(EVENT_BAD_MARKER);
    const unknown = good.slice();
    unknown[2] = 0x0d;
    expect(parse(unknown).next).toBe(EVENT_UNKNOWN_TYPE);
    const small = good.slice();
    small[4] = 0x10;
    small[5] = 0;
    expect(parse(small).next).toBe(EVENT_BAD_SIZE);
    const big = good.slice();
    big[5] = 0x40;
    expect(parse(big).next).toBe(EVENT_BAD_SIZE);
    const ext = eventHeaderRecord({
      pointerSize: 8,
      provider: '0f67e49f-fe51-4e9f-b490-6f2948cc6027',
      id: 1,
      version: 0,
      timestamp: 1,
      extended: [{ type: 1, data: new Uint8Array(16) }],
      payload: new Uint8Array(0),
    });
    ext[0x50 + 4] = 1; // linkage set on the last item: the next item would lie past the record
    expect(parse(ext).next).toBe(EVENT_BAD_EXTENDED);
  });
});
