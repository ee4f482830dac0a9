// openEtl / forEachEvent on hand-built files: ordering, filters, cancellation, progress, compressed
// buffers, 32-bit headers, clocks and origin, lost-event flags, corrupt and truncated input.
import { describe, expect, it } from 'vitest';
import { memoryByteSource } from './byte-source.js';
import { EtlFormatError } from './errors.js';
import { openEtl, ticksToNs } from './etl-trace.js';
import { decodeCompactCSwitchBatch, decodeCSwitch } from './kernel/cswitch.js';
import { decodeDpc } from './kernel/dpc.js';
import { decodeHeaderExtension } from './kernel/header-extension.js';
import { eventKindName } from './kernel/hooks.js';
import { decodeImage } from './kernel/image.js';
import { decodeDbgIdRsds, imageIdOpcode } from './kernel/image-id.js';
import { decodeIdleEnter } from './kernel/power.js';
import { decodeProcess } from './kernel/process.js';
import { decodeThread } from './kernel/thread.js';
import {
  buildBuffer,
  buildKitchenSinkTrace,
  concatBytes,
  kernelRecord,
  logfileHeaderRecord,
  type LogfileHeaderOptions,
} from './testing.js';
import type { RawEvent } from './types.js';

const BUF = 1024;

/** A decoder result for the kinds the pipeline test checks. */
function decodeAny(ev: RawEvent): unknown {
  switch (ev.hookId) {
    case 0x0524:
      return decodeCSwitch(ev);
    case 0x0525:
      return decodeCompactCSwitchBatch(ev);
    case 0x0f32:
      return decodeDpc(ev);
    case 0x0301:
      return ev.family === 'system' ? decodeProcess(ev) : undefined;
    case 0x0501:
      return decodeThread(ev);
    case 0x1403:
      return decodeImage(ev);
    case 0x1239:
      return decodeIdleEnter(ev);
    case 0x0005:
      return decodeHeaderExtension(ev);
    default:
      return imageIdOpcode(ev) === 36 ? decodeDbgIdRsds(ev) : undefined;
  }
}
const SEC = 10_000_000; // 10 MHz QPC

function dpc(ts: number, routine = 0xfffff80000001000n): Uint8Array {
  const payload = new Uint8Array(16);
  const v = new DataView(payload.buffer);
  v.setBigUint64(0, BigInt(ts - 10), true);
  v.setBigUint64(8, routine, true);
  return kernelRecord({
    kind: 'perfinfo',
    pointerSize: 8,
    hookId: 0x0f44,
    version: 2,
    timestamp: ts,
    payload,
  });
}

function headerBuffer(o: Partial<LogfileHeaderOptions> = {}, size = BUF): Uint8Array {
  return buildBuffer({
    records: [logfileHeaderRecord({ pointerSize: 8, bufferSize: BUF, headerTimestamp: 1000, ...o })],
    size,
    cpu: 0,
    sequence: 0,
    type: 4,
    flags: 1,
  });
}

/** Two CPUs, buffers written out of order; CPU 1's buffers interleave in time with CPU 0's. */
function sampleFile(opts: { compress?: boolean; header?: Partial<LogfileHeaderOptions> } = {}): Uint8Array {
  const c = opts.compress ?? false;
  return concatBytes([
    headerBuffer(opts.header),
    buildBuffer({ records: [dpc(5000), dpc(5100)], size: BUF, cpu: 1, sequence: 2, compress: c }),
    buildBuffer({ records: [dpc(2000), dpc(3000)], size: BUF, cpu: 0, sequence: 3, compress: c }),
    buildBuffer({ records: [dpc(1500), dpc(2500)], size: BUF, cpu: 1, sequence: 1, compress: c }),
    buildBuffer({ records: [dpc(6000)], size: BUF, cpu: 0, sequence: 4, compress: c }),
  ]);
}

function collect(
  trace: ReturnType<typeof openEtl>,
  options?: Parameters<ReturnType<typeof openEtl>['forEachEvent']>[1],
) {
  const seen: { cpu: number; ts: number; kind: string }[] = [];
  const stats = trace.forEachEvent(
    (ev: RawEvent) => seen.push({ cpu: ev.cpu, ts: ev.timestamp, kind: eventKindName(ev) }),
    options,
  );
  return { seen, stats };
}

describe('openEtl', () => {
  it('reads the header, pre-scans buffers and merges CPUs by timestamp (header events first)', () => {
    const trace = openEtl(memoryByteSource(sampleFile()));
    expect(trace.header.pointerSize).toBe(8);
    expect(trace.header.loggerName).toBe('Test Logger');
    expect(trace.header.logFileName).toBe('C:\\test.etl');
    expect(trace.header.headerTimestamp).toBe(1000);
    expect(trace.buffers.length).toBe(5);
    expect(Array.from(trace.buffers.cpu)).toEqual([0, 1, 0, 1, 0]);
    expect(trace.cpus).toEqual([0, 1]);
    const { seen, stats } = collect(trace);
    expect(seen[0].kind).toBe('EventTrace/Header');
    expect(seen.slice(1).map((e) => e.ts)).toEqual([1500, 2000, 2500, 3000, 5000, 5100, 6000]);
    expect(seen.slice(1).map((e) => e.cpu)).toEqual([1, 0, 1, 0, 1, 1, 0]);
    expect(stats).toMatchObject({ events: 8, buffersRead: 5, stopped: false });
    expect(trace.diagnostics).toEqual([]);
    expect(trace.clock.originKind).toBe('header');
    expect(ticksToNs(trace.clock, 1000 + SEC)).toBe(1e9);
  });

  it('per-cpu order streams each CPU in sequence order, CPU after CPU; includeCpu filters', () => {
    const trace = openEtl(memoryByteSource(sampleFile()));
    const { seen } = collect(trace, { order: 'per-cpu' });
    expect(seen.slice(1).map((e) => `${e.cpu}:${e.ts}`)).toEqual([
      '0:2000',
      '0:3000',
      '0:6000',
      '1:1500',
      '1:2500',
      '1:5000',
      '1:5100',
    ]);
    const only1 = collect(trace, { includeCpu: (cpu) => cpu === 1 }).seen;
    expect(only1.map((e) => e.ts)).toEqual([1500, 2500, 5000, 5100]); // header buffer belongs to CPU 0
  });

  it('decompresses Xpress buffers and gives the same events', () => {
    const plain = collect(openEtl(memoryByteSource(sampleFile()))).seen;
    const trace = openEtl(memoryByteSource(sampleFile({ compress: true })));
    expect(Array.from(trace.buffers.compressed)).toEqual([0, 1, 1, 1, 1]);
    expect(collect(trace).seen).toEqual(plain);
    expect(trace.diagnostics).toEqual([]);
  });

  it('names a buffer that fails to decompress and keeps reading the others', () => {
    const file = sampleFile({ compress: true });
    const trace0 = openEtl(memoryByteSource(file));
    const off = trace0.buffers.fileOffset[2];
    file[off + 0x48] = 0xff; // first flag word now says "match" with offset garbage
    file[off + 0x49] = 0xff;
    file[off + 0x4a] = 0xff;
    file[off + 0x4b] = 0xff;
    const trace = openEtl(memoryByteSource(file));
    const { seen } = collect(trace);
    expect(seen.map((e) => e.ts)).toEqual([1000, 1500, 2500, 5000, 5100, 6000]);
    const d = trace.diagnostics.find((x) => x.code === 'decompress-failed');
    expect(d?.fileOffset).toBe(off);
    expect(d?.message).toContain(`0x${off.toString(16)}`);
  });

  it('shouldStop cancels between buffers; onProgress reports the final count', () => {
    const trace = openEtl(memoryByteSource(sampleFile()));
    let calls = 0;
    const { stats } = collect(trace, { shouldStop: () => ++calls > 2 });
    expect(stats.stopped).toBe(true);
    expect(stats.events).toBeLessThan(8);
    const progress: number[] = [];
    trace.forEachEvent(() => {}, { onProgress: (_b, events) => progress.push(events) });
    expect(progress.at(-1)).toBe(8);
  });

  it('reads the 32-bit logfile header form and legacy processor numbers', () => {
    const file = concatBytes([
      buildBuffer({
        records: [
          logfileHeaderRecord({
            pointerSize: 4,
            bufferSize: BUF,
            headerTimestamp: 50,
            perfFreq: 3_117_777,
            loggerName: 'x86',
          }),
        ],
        size: BUF,
        cpu: 0,
        sequence: 0,
        type: 4,
      }),
      buildBuffer({ records: [dpc(60)], size: BUF, cpu: 3, sequence: 1, legacyProcessorNumber: true }),
    ]);
    const trace = openEtl(memoryByteSource(file));
    expect(trace.header.pointerSize).toBe(4);
    expect(trace.header.loggerName).toBe('x86');
    expect(trace.header.perfFreq).toBe(3_117_777);
    expect(trace.clock.frequency).toBe(3_117_777);
    expect(trace.buffers.cpu[1]).toBe(3);
    expect(collect(trace).seen.map((e) => e.cpu)).toEqual([0, 3]);
  });

  it('clock types: system time is 10 MHz, CPU cycles use CpuSpeedInMHz', () => {
    const sys = openEtl(memoryByteSource(sampleFile({ header: { clockType: 2, perfFreq: 1234 } })));
    expect(sys.clock.frequency).toBe(10_000_000);
    const cyc = openEtl(memoryByteSource(sampleFile({ header: { clockType: 3, cpuSpeedMHz: 2500 } })));
    expect(cyc.clock.frequency).toBe(2.5e9);
    const qpc = openEtl(memoryByteSource(sampleFile({ header: { clockType: 1, perfFreq: 2_109_960 } })));
    expect(qpc.clock.frequency).toBe(2_109_960);
  });

  it('circular loggers: the origin moves to the first data event when it is > 60 s after the header', () => {
    const late = 1000 + 61 * SEC;
    const file = concatBytes([
      headerBuffer(),
      buildBuffer({ records: [dpc(late + 5), dpc(late + 9)], size: BUF, cpu: 0, sequence: 1 }),
      buildBuffer({ records: [dpc(late)], size: BUF, cpu: 1, sequence: 2 }),
    ]);
    const trace = openEtl(memoryByteSource(file));
    expect(trace.clock.originKind).toBe('first-event');
    expect(trace.clock.originTicks).toBe(late);
    const near = concatBytes([
      headerBuffer(),
      buildBuffer({ records: [dpc(1000 + 59 * SEC)], size: BUF, cpu: 0, sequence: 1 }),
    ]);
    expect(openEtl(memoryByteSource(near)).clock.originKind).toBe('header');
  });

  it('reports lost events and buffers from the header and from buffer flags', () => {
    const file = concatBytes([
      headerBuffer({ eventsLost: 12, buffersLost: 3 }),
      buildBuffer({ records: [dpc(2000)], size: BUF, cpu: 0, sequence: 1, flags: 0x2 }),
      buildBuffer({ records: [dpc(3000)], size: BUF, cpu: 0, sequence: 2, flags: 0x4 }),
      buildBuffer({ records: [dpc(4000)], size: BUF, cpu: 0, sequence: 3, flags: 0x2 }),
    ]);
    const trace = openEtl(memoryByteSource(file));
    const codes = trace.diagnostics.map((d) => `${d.code}: ${d.message}`);
    expect(codes.filter((c) => c.startsWith('events-lost'))).toHaveLength(2);
    expect(codes.some((c) => c.includes('12 lost events'))).toBe(true);
    expect(codes.some((c) => c.includes('3 lost buffers'))).toBe(true);
    expect(codes.some((c) => c.startsWith('events-lost: 2 buffers'))).toBe(true);
    expect(codes.some((c) => c.startsWith('buffers-lost: 1 buffers'))).toBe(true);
  });

  it('non-ETL input is an EtlFormatError in plain words', () => {
    expect(() => openEtl(memoryByteSource(new Uint8Array(10)))).toThrow(EtlFormatError);
    const text = new TextEncoder().encode('hello, this is not a trace at all '.repeat(20));
    expect(() => openEtl(memoryByteSource(text))).toThrow(/not an ETL trace/);
    try {
      openEtl(memoryByteSource(new Uint8Array(4096)));
    } catch (e) {
      expect(e).toBeInstanceOf(EtlFormatError);
      expect((e as EtlFormatError).fileOffset).toBe(0x48);
    }
  });

  it('truncated last buffer: keeps the events that are present, with a diagnostic', () => {
    const file = sampleFile();
    const cut = file.subarray(0, 4 * BUF + 0x48 + 40); // last buffer: header + 1 of its events … partly
    const trace = openEtl(memoryByteSource(cut));
    expect(trace.buffers.length).toBe(5);
    expect(trace.diagnostics.some((d) => d.code === 'truncated' && d.fileOffset === 4 * BUF)).toBe(true);
    const { seen } = collect(trace);
    expect(seen.length).toBe(8); // the one event of the last buffer is 32 bytes: still complete
    const tiny = openEtl(memoryByteSource(file.subarray(0, 4 * BUF + 20)));
    expect(tiny.diagnostics.some((d) => d.code === 'truncated')).toBe(true);
    expect(collect(tiny).seen.length).toBe(7);
  });

  it('corrupt buffer size: resyncs on the logfile buffer stride and names the offset', () => {
    const file = sampleFile();
    new DataView(file.buffer).setUint32(2 * BUF, 0, true); // BufferSize 0
    const trace = openEtl(memoryByteSource(file));
    expect(trace.diagnostics.find((d) => d.code === 'corrupt-buffer-size')?.fileOffset).toBe(2 * BUF);
    expect(trace.buffers.length).toBe(4);
    expect(collect(trace).seen.length).toBe(6);
    const wrong = sampleFile();
    new DataView(wrong.buffer).setUint32(BUF, BUF + 8, true); // plausible-looking but misaligning
    const t2 = openEtl(memoryByteSource(wrong));
    expect(t2.buffers.length).toBe(5);
    expect(t2.diagnostics.some((d) => d.code === 'corrupt-buffer-size')).toBe(true);
  });

  it('corrupt record inside a buffer: diagnostic with the file offset, rest of the buffer skipped', () => {
    const file = sampleFile();
    const secondEvent = 3 * BUF + 0x48 + 32; // CPU 1, sequence 1: second DPC record (records are 32 bytes)
    file[secondEvent + 2] = 0x0d; // ERROR header type
    const trace = openEtl(memoryByteSource(file));
    const { seen } = collect(trace);
    expect(seen.length).toBe(7);
    const d = trace.diagnostics.find((x) => x.code === 'corrupt-event');
    expect(d?.fileOffset).toBe(secondEvent);
    expect(d?.message).toContain('0x' + secondEvent.toString(16));
  });
});

describe('buffer order check', () => {
  it('says once when a CPU buffer in sequence order starts before the previous one ends', () => {
    const file = concatBytes([
      headerBuffer(),
      buildBuffer({ records: [dpc(5000), dpc(6000)], size: BUF, cpu: 0, sequence: 1 }),
      buildBuffer({ records: [dpc(2000)], size: BUF, cpu: 0, sequence: 2 }),
      buildBuffer({ records: [dpc(7000)], size: BUF, cpu: 0, sequence: 3 }),
    ]);
    const trace = openEtl(memoryByteSource(file));
    expect(collect(trace, { order: 'per-cpu' }).seen.map((e) => e.ts)).toEqual([
      1000, 5000, 6000, 2000, 7000,
    ]);
    const unordered = trace.diagnostics.filter((d) => d.code === 'unordered-buffers');
    expect(unordered).toHaveLength(1);
    expect(unordered[0].fileOffset).toBe(2 * BUF);
    const clean = openEtl(memoryByteSource(sampleFile()));
    collect(clean);
    expect(clean.diagnostics).toEqual([]);
  });
});

describe('several loggers in one file', () => {
  it("orders each logger's buffers by its own sequence numbers and merges them in time", () => {
    const withLogger = (bytes: Uint8Array, id: number) => {
      new DataView(bytes.buffer, bytes.byteOffset).setUint16(0x2a, id, true);
      return bytes;
    };
    const file = concatBytes([
      headerBuffer(),
      withLogger(buildBuffer({ records: [dpc(2000), dpc(2100)], size: BUF, cpu: 0, sequence: 1 }), 7),
      withLogger(buildBuffer({ records: [dpc(1000), dpc(3000)], size: BUF, cpu: 0, sequence: 1 }), 9),
      withLogger(buildBuffer({ records: [dpc(2500)], size: BUF, cpu: 0, sequence: 2 }), 7),
      withLogger(buildBuffer({ records: [dpc(4000)], size: BUF, cpu: 0, sequence: 2 }), 9),
    ]);
    const trace = openEtl(memoryByteSource(file));
    expect(Array.from(trace.buffers.loggerId)).toEqual([20, 7, 9, 7, 9]);
    const expected = [1000, 1000, 2000, 2100, 2500, 3000, 4000];
    expect(collect(trace).seen.map((e) => e.ts)).toEqual(expected);
    expect(collect(trace, { order: 'per-cpu' }).seen.map((e) => e.ts)).toEqual(expected);
    expect(trace.diagnostics).toEqual([]);
  });
});

describe('every record kind through the whole pipeline', () => {
  for (const P of [4, 8] as const) {
    for (const compress of [false, true]) {
      it(`pointer size ${P}${compress ? ', compressed' : ''}`, () => {
        const trace = openEtl(memoryByteSource(buildKitchenSinkTrace({ pointerSize: P, compress })));
        const kinds: string[] = [];
        const decoded: Record<string, unknown> = {};
        trace.forEachEvent((ev) => {
          const kind = eventKindName(ev);
          kinds.push(kind);
          expect(ev.pointerSize).toBe(ev.family === 'message' ? 8 : P);
          const d = decodeAny(ev);
          if (d !== undefined) decoded[kind] = d;
        });
        expect(trace.diagnostics).toEqual([]);
        expect(kinds).toHaveLength(33); // header + 22 records on CPU 0 + 10 on CPU 1
        expect(kinds[0]).toBe('EventTrace/Header');
        for (const k of [
          'PerfInfo/DPC',
          'PerfInfo/ThreadedDPC',
          'PerfInfo/TimerDPC',
          'PerfInfo/ISR',
          'PerfInfo/ISR-MSI',
          'Thread/CSwitch',
          'Thread/CompactCSwitch',
          'Thread/ReadyThread',
          'PerfInfo/SampledProfile',
          'PerfInfo/SetInterval',
          'StackWalk/Stack',
          'StackWalk/KeyCreate',
          'StackWalk/KeyKernelRef',
          'Process/DCStart',
          'Process/Start',
          'Process/End',
          'Thread/DCStart',
          'Thread/Start',
          'Thread/SetName',
          'Image/DCStart',
          'Image/Load',
          'Image/KernelBase',
          'KernelTraceControl/ImageId',
          'KernelTraceControl/DbgID_RSDS',
          'Power/IdleStateEnter',
          'Power/IdleStateExit',
          'Power/PerfStateChange',
          'EventTrace/Extension',
          'EventTrace/RundownComplete',
          'PPM/67',
          'Message/3',
          '11111111-2222-3333-4444-555555555555/1',
        ]) {
          expect(kinds, k).toContain(k);
        }
        expect(decoded['Thread/CSwitch']).toMatchObject({
          newThreadId: 8,
          oldThreadId: 0,
          previousCState: 1,
          newThreadWaitTime: 5,
        });
        expect(decoded['PerfInfo/ISR-MSI']).toMatchObject({ kind: 4, vector: 0x60, messageNumber: 3 });
        expect((decoded['Thread/CompactCSwitch'] as unknown[]).length).toBe(4);
        expect(decoded['Process/Start']).toMatchObject({
          processId: 100,
          imageFileName: 'app.exe',
          commandLine: 'app.exe -x',
        });
        expect(decoded['Thread/Start']).toMatchObject({ threadId: 104, name: 'main' });
        expect(decoded['Image/DCStart']).toMatchObject({
          processId: 0,
          fileName: '\\SystemRoot\\system32\\ntoskrnl.exe',
        });
        expect(decoded['KernelTraceControl/DbgID_RSDS']).toMatchObject({
          age: 1,
          pdbFileName: 'ntkrnlmp.pdb',
        });
        expect(decoded['Power/IdleStateEnter']).toEqual({ state: 1, flags: 0, expectedDuration: 1000 });
        expect(decoded['EventTrace/Extension']).toMatchObject({ kernelEventVersion: 0x46 });
      });
    }
  }
});

describe('size fields pointing past the end of the file', () => {
  it('a data buffer whose size runs past EOF is re-read with the logfile stride when that lines up', () => {
    const file = sampleFile();
    new DataView(file.buffer).setUint32(BUF, 0x0100_0400, true); // a high bit flipped
    const trace = openEtl(memoryByteSource(file));
    expect(trace.buffers.length).toBe(5);
    expect(collect(trace).seen).toHaveLength(8);
    expect(trace.diagnostics.find((d) => d.code === 'corrupt-buffer-size')?.fileOffset).toBe(BUF);
  });
  it('a header buffer with a tiny size still yields its logfile header', () => {
    const file = sampleFile();
    new DataView(file.buffer).setUint32(0, 0x50, true);
    const trace = openEtl(memoryByteSource(file));
    expect(trace.header.loggerName).toBe('Test Logger');
    expect(collect(trace).seen.length).toBeGreaterThanOrEqual(7);
  });
});
