// Kind names for kernel hooks, classic GUIDs, manifest providers and TraceLogging traits.
import { describe, expect, it } from 'vitest';
import { createRawEvent, readEventAt } from '../event-parser.js';
import { classicRecord, eventHeaderRecord, kernelRecord } from '../testing.js';
import { KernelHook, classicKernelHook, eventKindName, kernelHookName } from './hooks.js';

function parsed(record: Uint8Array) {
  const ev = createRawEvent();
  ev.bytes = new Uint8Array(record.length + 8);
  ev.bytes.set(record);
  ev.view = new DataView(ev.bytes.buffer);
  readEventAt(ev, 0, (record.length + 7) & ~7);
  return ev;
}

describe('eventKindName', () => {
  it('names kernel hooks, unknown hooks and unknown groups', () => {
    expect(kernelHookName(KernelHook.Dpc)).toBe('PerfInfo/DPC');
    expect(kernelHookName(KernelHook.ImageLoad)).toBe('Image/Load');
    expect(kernelHookName(KernelHook.ImageDCStart)).toBe('Image/DCStart');
    expect(kernelHookName(KernelHook.CSwitch)).toBe('Thread/CSwitch');
    expect(kernelHookName(KernelHook.IdleStateEnter)).toBe('Power/IdleStateEnter');
    expect(kernelHookName(0x010a)).toBe('DiskIo/10');
    expect(kernelHookName(0x1c05)).toBe('Group0x1c/5');
    const ev = parsed(
      kernelRecord({
        kind: 'perfinfo',
        pointerSize: 8,
        hookId: KernelHook.IsrMsi,
        version: 2,
        timestamp: 1,
        payload: new Uint8Array(24),
      }),
    );
    expect(eventKindName(ev)).toBe('PerfInfo/ISR-MSI');
  });
  it('names classic events by GUID (kernel group GUIDs map to hook names) and manifest events by provider/id', () => {
    const image = parsed(
      classicRecord({
        pointerSize: 8,
        guid: '2cb15d1d-5fc1-11d2-abe1-00a0c911f518',
        opcode: 10,
        version: 3,
        timestamp: 1,
        payload: new Uint8Array(8),
      }),
    );
    expect(eventKindName(image)).toBe('Image/Load');
    const unknown = parsed(
      classicRecord({
        pointerSize: 8,
        guid: '11111111-2222-3333-4444-555555555555',
        opcode: 7,
        version: 0,
        timestamp: 1,
        payload: new Uint8Array(0),
      }),
    );
    expect(eventKindName(unknown)).toBe('11111111-2222-3333-4444-555555555555/7');
    expect(eventKindName(unknown)).toBe('11111111-2222-3333-4444-555555555555/7'); // cached path
    const clr = parsed(
      eventHeaderRecord({
        pointerSize: 8,
        provider: 'e13c0d23-ccbc-4e12-931b-d9cc2eee27e4',
        id: 80,
        version: 0,
        timestamp: 1,
        payload: new Uint8Array(4),
      }),
    );
    expect(eventKindName(clr)).toBe('Microsoft-Windows-DotNETRuntime/80');
    const other = parsed(
      eventHeaderRecord({
        pointerSize: 8,
        provider: 'e13c0d23-ccbc-4e12-931b-d9cc2eee27e4',
        id: 81,
        version: 0,
        timestamp: 1,
        payload: new Uint8Array(4),
      }),
    );
    expect(eventKindName(other)).toBe('Microsoft-Windows-DotNETRuntime/81');
  });
  it('uses the TraceLogging provider name from the PROV_TRAITS item', () => {
    const traits = Uint8Array.from([12, 0, ...new TextEncoder().encode('MyProvider'), 0]);
    const ev = parsed(
      eventHeaderRecord({
        pointerSize: 8,
        provider: '12345678-0000-0000-0000-000000000001',
        id: 5,
        version: 0,
        timestamp: 1,
        extended: [{ type: 12, data: traits }],
        payload: new Uint8Array(2),
      }),
    );
    expect(eventKindName(ev)).toBe('MyProvider/5');
  });
});

describe('classicKernelHook', () => {
  it('maps kernel group GUIDs in FULL headers to hook ids, and nothing else', () => {
    const image = parsed(
      classicRecord({
        pointerSize: 8,
        guid: '2cb15d1d-5fc1-11d2-abe1-00a0c911f518',
        opcode: 10,
        version: 3,
        timestamp: 1,
        payload: new Uint8Array(8),
      }),
    );
    expect(classicKernelHook(image)).toBe(KernelHook.ImageLoad);
    const dcStart = parsed(
      classicRecord({
        pointerSize: 4,
        guid: '2cb15d1d-5fc1-11d2-abe1-00a0c911f518',
        opcode: 3,
        version: 3,
        timestamp: 1,
        payload: new Uint8Array(8),
      }),
    );
    expect(classicKernelHook(dcStart)).toBe(KernelHook.ImageDCStart);
    const dpc = parsed(
      classicRecord({
        pointerSize: 8,
        instance: true,
        guid: 'ce1dbfb4-137e-4da6-87b0-3f59aa102cbc',
        opcode: 68,
        version: 2,
        timestamp: 1,
        payload: new Uint8Array(16),
      }),
    );
    expect(classicKernelHook(dpc)).toBe(KernelHook.Dpc);
    const other = parsed(
      classicRecord({
        pointerSize: 8,
        guid: '11111111-2222-3333-4444-555555555555',
        opcode: 3,
        version: 0,
        timestamp: 1,
        payload: new Uint8Array(0),
      }),
    );
    expect(classicKernelHook(other)).toBe(-1);
    const kernel = parsed(
      kernelRecord({
        kind: 'perfinfo',
        pointerSize: 8,
        hookId: KernelHook.Dpc,
        version: 2,
        timestamp: 1,
        payload: new Uint8Array(16),
      }),
    );
    expect(classicKernelHook(kernel)).toBe(-1);
  });
});
