// Structural checks of what EtlWriter and the kernel-event encoders write, read back with the
// independent walker in test-support.ts (not electron/reader): buffer sizes, sequence numbers,
// per-CPU order, alignment, SavedOffset, filler, header fields, compression, payload offsets (§5).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EtlWriter, guidToBytes } from './etl-writer.js';
import {
  KERNEL_TRACE_CONTROL_IMAGE_ID_GUID,
  writeCompactCSwitchBatches,
  writeCSwitch,
  writeDbgIdRsds,
  writeDpc,
  writeIdleEnter,
  writeIdleExit,
  writeImage,
  writeIsr,
  writePerfStateChange,
  writeProcess,
  writeReadyThread,
  writeSampledProfile,
  writeStackWalk,
  writeThread,
  type CompactSwitch,
} from './kernel-events.js';
import {
  decodeCompactBatch,
  walkBuffers,
  walkEvents,
  type WalkedBuffer,
  type WalkedEvent,
} from './test-support.js';

const u64 = (v: DataView, o: number): number => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;
const ptr = (v: DataView, o: number, P: 4 | 8): bigint =>
  P === 8 ? v.getBigUint64(o, true) : BigInt(v.getUint32(o, true));
const utf16 = (b: Uint8Array, o: number): string => {
  let s = '';
  for (let p = o; b[p] | b[p + 1]; p += 2) s += String.fromCharCode(b[p] | (b[p + 1] << 8));
  return s;
};

function allEvents(buffers: WalkedBuffer[]): WalkedEvent[] {
  return buffers.flatMap((b, i) => walkEvents(b, i));
}

/** Checks every invariant of the layout that holds for any file the writer produces. */
function checkStructure(file: Uint8Array, bufferSize: number, compressed: boolean): WalkedBuffer[] {
  const buffers = walkBuffers(file);
  const header = buffers[0];
  expect(header.type).toBe(4);
  expect(header.sequence).toBe(0);
  expect(header.cpu).toBe(0);
  expect(header.compressed).toBe(false);
  expect(header.flags).toBe(0x21);
  if (compressed) {
    expect(header.bufferSize % 512).toBe(0);
    expect(header.bufferSize).toBeLessThan(bufferSize);
  } else {
    expect(header.bufferSize).toBe(bufferSize);
  }
  const hv = new DataView(header.bytes.buffer, header.bytes.byteOffset);
  const lh = 0x48 + 0x20;
  expect(hv.getUint32(lh + 0x24, true)).toBe(buffers.length); // BuffersWritten incl. the header buffer
  expect((hv.getUint32(lh + 0x20, true) & 0x04000000) !== 0).toBe(compressed);
  const data = buffers.slice(1);
  const sequences = data.map((b) => b.sequence).sort((a, b) => a - b);
  expect(sequences).toEqual(data.map((_, i) => i + 1)); // unique 1..N
  const lastTsByCpu = new Map<number, number>();
  const bySeq = [...data].sort((a, b) => a.sequence - b.sequence);
  let lastFlush = 0;
  for (const b of bySeq) {
    expect(b.type).toBe(0);
    expect(b.flags & 0x20).toBe(0x20);
    expect(b.compressed).toBe((b.flags & 0x40) !== 0);
    if (!b.compressed) {
      expect(b.bufferSize).toBe(bufferSize);
      expect(b.bytes.subarray(b.savedOffset).every((x) => x === 0xff)).toBe(true);
    } else {
      expect(b.bufferSize).toBeLessThan(bufferSize);
      expect(b.bytes.length).toBe(b.savedOffset); // decompressed to exactly SavedOffset − 0x48 bytes
    }
    expect(b.savedOffset).toBeLessThanOrEqual(bufferSize);
    const v = new DataView(b.bytes.buffer, b.bytes.byteOffset);
    expect(v.getUint32(0x30, true)).toBe(b.savedOffset);
    expect(b.timeStamp).toBeGreaterThanOrEqual(lastFlush); // flushed in sequence order
    lastFlush = b.timeStamp;
    const events = walkEvents(b, 0);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(e.offset % 8).toBe(0);
      const last = lastTsByCpu.get(b.cpu) ?? -Infinity;
      expect(e.timestamp).toBeGreaterThanOrEqual(last); // per-CPU order across buffers in sequence order
      lastTsByCpu.set(b.cpu, e.timestamp);
    }
    expect(b.timeStamp).toBeGreaterThanOrEqual(events[events.length - 1].timestamp);
  }
  return buffers;
}

describe('EtlWriter layout', () => {
  for (const P of [8, 4] as const) {
    for (const compress of [false, true]) {
      it(`writes a valid ${P * 8}-bit ${compress ? 'compressed' : 'plain'} file with every event kind`, () => {
        const bufferSize = 8192;
        const w = new EtlWriter({
          cpuCount: 3,
          pointerSize: P,
          bufferSize,
          compress,
          loggerName: 'L',
          logFileName: 'F.etl',
        });
        const t0 = w.startTicks;
        const base = P === 8 ? 0xfffff80362a00000n : 0x82000000n;
        for (let i = 0; i < 3000; i++) {
          const cpu = i % 3;
          const ts = t0 + 100 + i * 50;
          writeDpc(w, cpu, 'DPC', ts - 30, ts, base + 0x1010n);
          if (i % 10 === 0) writeIsr(w, cpu, 'ISR-MSI', ts - 4, ts + 1, base + 0x2000n, 0x92, 7);
          if (i % 7 === 0)
            writeCSwitch(w, cpu, ts + 2, {
              newThreadId: 1000 + i,
              oldThreadId: 0,
              newThreadPriority: 8,
              oldThreadPriority: 0,
              previousCState: 2,
              oldThreadWaitReason: 0,
              oldThreadWaitMode: 0,
              oldThreadState: 2,
              oldThreadWaitIdealProcessor: cpu,
              newThreadWaitTime: 5,
            });
          if (i % 5 === 0) writeSampledProfile(w, cpu, ts + 3, base + 0x1020n, 1234, { executingDpc: true });
        }
        const { stats, bytes } = w.close();
        const buffers = checkStructure(bytes!, bufferSize, compress);
        expect(stats.buffers).toBe(buffers.length);
        expect(stats.bytes).toBe(bytes!.length);
        if (compress) expect(stats.compressedBuffers).toBe(buffers.length - 1);
        const events = allEvents(buffers);
        expect(events.length).toBe(stats.events);
        const dpcs = events.filter((e) => e.hookId === 0x0f44);
        expect(dpcs.length).toBe(3000);
        for (const e of dpcs) {
          expect(e.headerType).toBe(P === 8 ? 0x11 : 0x10);
          expect(e.payloadSize).toBe(8 + P);
          expect(e.timestamp - u64(e.view, e.payloadOffset)).toBe(30);
          expect(ptr(e.view, e.payloadOffset + 8, P)).toBe(base + 0x1010n);
        }
        const isr = events.find((e) => e.hookId === 0x0f32)!;
        expect(isr.payloadSize).toBe(P === 8 ? 24 : 20);
        expect(isr.bytes[isr.payloadOffset + 9 + P]).toBe(0x92);
        expect(isr.view.getUint32(isr.payloadOffset + 12 + P, true)).toBe(7);
        const sample = events.find((e) => e.hookId === 0x0f2e)!;
        expect(sample.view.getUint32(sample.payloadOffset + P, true)).toBe(1234);
        expect(sample.bytes[sample.payloadOffset + P + 6] & 3).toBe(1);
        const cs = events.find((e) => e.hookId === 0x0524)!;
        expect(cs.version).toBe(4);
        expect(cs.payloadSize).toBe(24);
        expect(cs.bytes[cs.payloadOffset + 10]).toBe(2);
        // Header event: SYSTEM32/64, pointer size, CPU count, frequency, strings.
        const headerEvent = walkEvents(buffers[0], 0)[0];
        expect(headerEvent.headerType).toBe(P === 8 ? 0x02 : 0x01);
        expect(headerEvent.hookId).toBe(0);
        expect(headerEvent.timestamp).toBe(t0);
        const h = headerEvent.payloadOffset;
        const hv = headerEvent.view;
        expect(hv.getUint32(h, true)).toBe(bufferSize);
        expect(hv.getUint32(h + 0x08, true)).toBe(19041);
        expect(hv.getUint32(h + 0x0c, true)).toBe(3);
        expect(hv.getUint32(h + 0x2c, true)).toBe(P);
        const after = h + 0x38 + 2 * P + 176;
        expect(u64(hv, after + 8)).toBe(10_000_000);
        expect(hv.getBigUint64(after + 16, true)).toBe(w.startTimeFileTime);
        expect(hv.getUint32(after + 24, true)).toBe(1);
        const structSize = P === 8 ? 0x118 : 0x110;
        expect(utf16(headerEvent.bytes, h + structSize)).toBe('L');
        expect(utf16(headerEvent.bytes, h + structSize + 4)).toBe('F.etl');
        expect(headerEvent.size).toBe(0x20 + structSize + 4 + 12);
        const endTime = hv.getBigUint64(h + 0x10, true);
        expect(endTime).toBe(w.startTimeFileTime + BigInt(Math.round((stats.lastTimestamp - t0) / 1)));
        const ext = walkEvents(buffers[0], 0)[1];
        expect(ext.hookId).toBe(0x0005);
        expect(ext.payloadSize).toBe(36);
      });
    }
  }

  it('streams to a file and matches the in-memory bytes', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'etlw-'));
    try {
      const make = (file?: string): Uint8Array | undefined => {
        const w = new EtlWriter({ cpuCount: 2, path: file, compress: true });
        for (let i = 0; i < 20000; i++)
          writeDpc(
            w,
            i & 1,
            'TimerDPC',
            w.startTicks + i * 10,
            w.startTicks + i * 10 + 5,
            0xfffff80000001000n,
          );
        return w.close().bytes;
      };
      const memory = make()!;
      make(path.join(dir, 'a.etl'));
      expect(Buffer.from(readFileSync(path.join(dir, 'a.etl'))).equals(Buffer.from(memory))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a timestamp that goes back on the same CPU but allows it on another CPU', () => {
    const w = new EtlWriter({ cpuCount: 2 });
    writeReadyThread(w, 0, w.startTicks + 100, 5);
    writeReadyThread(w, 1, w.startTicks + 50, 5);
    expect(() => writeReadyThread(w, 0, w.startTicks + 99, 5)).toThrow(/goes back/);
    expect(() => writeReadyThread(w, 2, w.startTicks + 200, 5)).toThrow(/out of range/);
    w.close();
  });

  it('marks lost events on buffers and in the header', () => {
    const w = new EtlWriter({ cpuCount: 1, eventsLost: 17, buffersLost: 2 });
    writeIdleEnter(w, 0, w.startTicks + 1, 2);
    w.markLoss(0, 'events');
    writeIdleExit(w, 0, w.startTicks + 9, 2);
    const buffers = walkBuffers(w.close().bytes!);
    expect(buffers[1].flags & 0x02).toBe(0x02);
    const hv = new DataView(buffers[0].bytes.buffer, buffers[0].bytes.byteOffset);
    expect(hv.getUint32(0x48 + 0x20 + 0x30, true)).toBe(17);
    expect(hv.getUint32(0x48 + 0x20 + 0x114, true)).toBe(2);
  });

  it('writes EVENT_HEADER events with inline extended items (linkage, 8-aligned) and 32-bit WOW64 headers', () => {
    const w = new EtlWriter({ cpuCount: 1 });
    const provider = '6c2b7d4e-3f1a-4b8c-9d2e-5a6f7b8c9d0e';
    const stack = new Uint8Array(8 + 3 * 8);
    w.writeEventHeader(
      0,
      w.startTicks + 5,
      { provider, id: 42, version: 1, opcode: 3, task: 7, keyword: 0x10n, threadId: 9, processId: 8 },
      Uint8Array.of(1, 2, 3),
      [
        { extType: 3, data: Uint8Array.of(1, 0, 0, 0) },
        { extType: 6, data: stack },
      ],
    );
    w.writeEventHeader(0, w.startTicks + 6, { provider, id: 43, pointerSize: 4 }, new Uint8Array(0));
    const [e, wow] = allEvents(walkBuffers(w.close().bytes!)).slice(2);
    expect(e.headerType).toBe(0x13);
    expect(e.view.getUint16(e.offset + 4, true) & 1).toBe(1);
    expect([...e.bytes.subarray(e.offset + 0x18, e.offset + 0x28)]).toEqual([...guidToBytes(provider)]);
    expect(e.view.getUint16(e.offset + 0x28, true)).toBe(42);
    expect(e.view.getUint16(e.offset + 0x50, true)).toBe(16); // align8(8 + 4)
    expect(e.view.getUint16(e.offset + 0x54, true)).toBe(1); // linkage: another item follows
    expect(e.view.getUint16(e.offset + 0x60 + 2, true)).toBe(6);
    expect(e.view.getUint16(e.offset + 0x60 + 4, true)).toBe(0);
    expect(e.payloadOffset - e.offset).toBe(0x50 + 16 + 40);
    expect([...e.bytes.subarray(e.payloadOffset, e.payloadOffset + e.payloadSize)]).toEqual([1, 2, 3]);
    expect(wow.headerType).toBe(0x12);
    expect(wow.size).toBe(0x50);
  });

  for (const P of [8, 4] as const) {
    it(`encodes process, thread, image, RSDS, stack and power payloads at the §5 offsets (${P * 8}-bit)`, () => {
      const w = new EtlWriter({ cpuCount: 1, pointerSize: P });
      const ts = w.startTicks + 10;
      writeProcess(w, 0, ts, 'DCStart', {
        uniqueProcessKey: 0x1234n,
        processId: 4120,
        parentId: 688,
        sessionId: 0,
        directoryTableBase: 0x1aa000n,
        userSid: 'S-1-5-18',
        imageFileName: 'wbengine.exe',
        commandLine: 'wbengine',
      });
      writeThread(w, 0, ts, 'Start', {
        processId: 4120,
        threadId: 4124,
        stackBase: 1n,
        stackLimit: 2n,
        userStackBase: 3n,
        userStackLimit: 4n,
        affinity: 0xffn,
        win32StartAddr: 0x7ff6a0001a40n,
        tebBase: 5n,
        basePriority: 9,
        name: 'worker',
      });
      writeImage(w, 0, ts, 'Load', {
        imageBase: 0xfffff80362a00000n,
        imageSize: 0x16c000,
        processId: 0,
        checksum: 1,
        timeDateStamp: 2,
        defaultBase: 0xfffff80362a00000n,
        fileName: '\\SystemRoot\\System32\\drivers\\ndis.sys',
      });
      const guid = '0a1b2c3d-4e5f-4061-a273-8495a6b7c8d9';
      writeDbgIdRsds(w, 0, ts, 0xfffff80362a00000n, 0, guid, 3, 'ndis.pdb');
      writeStackWalk(w, 0, ts, ts - 1, 4120, 4124, [0x10n, 0x20n, 0x30n]);
      writePerfStateChange(w, 0, ts, 2, 1, 1n);
      const switches: CompactSwitch[] = [];
      let at = ts + 10;
      for (let i = 0; i < 300; i++) {
        at += i % 50 === 0 ? 200_000 : i % 13 === 0 ? 20_000 : 900; // Full/Idle, Lite/IdleShort deltas
        switches.push({
          ts: at,
          oldThreadId: i % 3 === 0 ? 0 : 2000 + (i % 20) * 4,
          oldThreadPriority: 8 + (i % 4),
          oldThreadState: i % 2 === 0 ? 5 : 1,
          oldThreadWaitReason: 6,
          newThreadWaitTime: i,
        });
      }
      const batches = writeCompactCSwitchBatches(w, 0, switches);
      expect(batches).toBeGreaterThan(1);
      const events = allEvents(walkBuffers(w.close().bytes!)).slice(2);
      const [proc, thread, image, rsds, stack, perf] = events;
      // Process v4: SID at 2P+20 (TOKEN_USER 2P + S-1-5-18), then the image name.
      expect(proc.hookId).toBe(0x0303);
      expect(proc.view.getUint32(proc.payloadOffset + P, true)).toBe(4120);
      const sid = proc.payloadOffset + 2 * P + 20;
      expect(proc.bytes[sid + 2 * P]).toBe(1);
      expect(proc.bytes[sid + 2 * P + 1]).toBe(1);
      expect(proc.view.getUint32(sid + 2 * P + 8, true)).toBe(18);
      const nameAt = sid + 2 * P + 12;
      expect(String.fromCharCode(...proc.bytes.subarray(nameAt, nameAt + 12))).toBe('wbengine.exe');
      // Thread v3 (SYSTEM header), name at 16 + 7P.
      expect(thread.headerType).toBe(P === 8 ? 0x02 : 0x01);
      expect(thread.version).toBe(3);
      expect(thread.view.getUint32(thread.payloadOffset + 4, true)).toBe(4124);
      expect(thread.view.getInt8(thread.payloadOffset + 12 + 7 * P)).toBe(9);
      expect(utf16(thread.bytes, thread.payloadOffset + 16 + 7 * P)).toBe('worker');
      // Image v3: FileName at 3P + 32.
      expect(image.hookId).toBe(0x030a);
      expect(utf16(image.bytes, image.payloadOffset + 3 * P + 32)).toBe(
        '\\SystemRoot\\System32\\drivers\\ndis.sys',
      );
      expect(Number(ptr(image.view, image.payloadOffset + P, P))).toBe(0x16c000);
      // DbgID_RSDS: FULL header with the KernelTraceControl ImageId GUID, type 36.
      expect(rsds.headerType).toBe(P === 8 ? 0x14 : 0x0a);
      expect(rsds.bytes[rsds.offset + 4]).toBe(36);
      expect([...rsds.bytes.subarray(rsds.offset + 0x18, rsds.offset + 0x28)]).toEqual([
        ...guidToBytes(KERNEL_TRACE_CONTROL_IMAGE_ID_GUID),
      ]);
      expect([...rsds.bytes.subarray(rsds.payloadOffset + P + 4, rsds.payloadOffset + P + 20)]).toEqual([
        ...guidToBytes(guid),
      ]);
      expect(rsds.view.getUint32(rsds.payloadOffset + P + 20, true)).toBe(3);
      expect(
        String.fromCharCode(...rsds.bytes.subarray(rsds.payloadOffset + P + 24, rsds.payloadOffset + P + 32)),
      ).toBe('ndis.pdb');
      expect(stack.payloadSize).toBe(16 + 3 * P);
      expect(perf.payloadSize).toBe(24);
      // Compact CSwitch batches decode back to the switches (independent decoder of §5.4).
      const decoded: { ts: number; old: number }[] = [];
      for (const e of events.filter((x) => x.hookId === 0x0525)) {
        expect(e.size).toBeLessThanOrEqual(0x400);
        decoded.push(...decodeCompactBatch(e));
      }
      expect(decoded).toEqual(switches.map((s) => ({ ts: s.ts, old: s.oldThreadId })));
    });
  }
});
