// Writer → reader round trip of the scheduling and power events issue 11 added to the writer
// (Power IdleStateChange 0x1235, Thread SetName 0x0548) and of the fields the scheduling pass reads
// (ReadyThread Flags "readied from a DPC", every CSwitch field, PerfStateChange masks), for both
// pointer sizes and with compression.
import { describe, expect, it } from 'vitest';
import { EtlWriter } from '../../scripts/writer/etl-writer.js';
import {
  writeCSwitch,
  writeIdleStateChange,
  writePerfStateChange,
  writeReadyThread,
  writeThreadSetName,
} from '../../scripts/writer/kernel-events.js';
import {
  decodeCSwitch,
  decodeIdleStateChange,
  decodePerfState,
  decodeReadyThread,
  decodeThreadName,
  KernelHook,
  memoryByteSource,
  openEtl,
  READY_FLAG_EXECUTING_DPC,
  waitReasonName,
} from '../../electron/reader/index.js';

describe('scheduling and power events round trip', () => {
  for (const pointerSize of [4, 8] as const)
    for (const compress of [false, true])
      it(`pointer size ${pointerSize}, compress ${compress}`, () => {
        const w = new EtlWriter({ cpuCount: 2, pointerSize, compress, bufferSize: 4096 });
        const t = (us: number) => w.startTicks + us * 10;
        writeThreadSetName(w, 0, t(1), 1100, 1204, 'ImageDecoder');
        writeIdleStateChange(w, 0, t(2), 2, 0, 0xfffffen);
        writePerfStateChange(w, 1, t(3), 4, 0, 0xfffffen);
        writeReadyThread(w, 1, t(4), 4120, 1, 2, READY_FLAG_EXECUTING_DPC);
        writeCSwitch(w, 1, t(5), {
          newThreadId: 4120,
          oldThreadId: 1340,
          newThreadPriority: 15,
          oldThreadPriority: 9,
          previousCState: 0,
          oldThreadWaitReason: 27,
          oldThreadWaitMode: 1,
          oldThreadState: 5,
          oldThreadWaitIdealProcessor: 3,
          newThreadWaitTime: 77,
        });
        const trace = openEtl(memoryByteSource(w.close().bytes!));
        const seen: string[] = [];
        trace.forEachEvent(
          (ev) => {
            switch (ev.hookId) {
              case KernelHook.ThreadSetName:
                expect(decodeThreadName(ev)).toEqual({
                  processId: 1100,
                  threadId: 1204,
                  name: 'ImageDecoder',
                });
                seen.push('name');
                break;
              case KernelHook.IdleStateChange:
                expect(decodeIdleStateChange(ev)).toEqual({
                  newState: 2,
                  oldState: 0,
                  processors: 0xfffffen,
                });
                seen.push('target');
                break;
              case KernelHook.PerfStateChange:
                expect(decodePerfState(ev)).toMatchObject({
                  type: 1,
                  newState: 4,
                  oldState: 0,
                  processors: 0xfffffen,
                });
                expect(ev.cpu).toBe(1);
                seen.push('perf');
                break;
              case KernelHook.ReadyThread:
                expect(decodeReadyThread(ev)).toEqual({
                  readiedThreadId: 4120,
                  adjustReason: 1,
                  adjustIncrement: 2,
                  flags: READY_FLAG_EXECUTING_DPC,
                });
                seen.push('ready');
                break;
              case KernelHook.CSwitch: {
                const r = decodeCSwitch(ev)!;
                expect(r).toMatchObject({
                  newThreadId: 4120,
                  oldThreadId: 1340,
                  newThreadPriority: 15,
                  oldThreadPriority: 9,
                  oldThreadWaitMode: 1,
                  oldThreadState: 5,
                  oldThreadWaitIdealProcessor: 3,
                  newThreadWaitTime: 77,
                });
                expect(waitReasonName(r.oldThreadWaitReason)).toBe('WrResource');
                seen.push('cswitch');
                break;
              }
              default:
                break;
            }
          },
          { order: 'merged' },
        );
        expect(seen).toEqual(['name', 'target', 'perf', 'ready', 'cswitch']);
      });
});
