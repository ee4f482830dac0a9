// Processes and threads over the trace's lifetime: Process/Thread Start/End/DCStart/DCEnd (and
// SetName) events become instances with their lifetimes, so a TID reused by another thread later
// resolves to the instance alive at a row's time; threads never logged get an "Unknown" process.
// Built by finalize (finalize.ts) from every partial's metadata events.
//
//   process + thread events (time order) ──> ThreadDirectory {threads, processes, labels, lookup(tid, t)}

import type { ProcessInfo, ThreadInfo } from './model.js';
import type { ProcessEvent, ThreadEvent } from './partial.js';

export interface ThreadDirectory {
  readonly threads: ThreadInfo[];
  readonly processes: ProcessInfo[];
  readonly threadLabels: string[];
  readonly threadTids: number[];
  readonly threadProcess: number[];
  readonly processLabels: string[];
  readonly processIds: number[];
  /** Thread instance for (tid, time); creates an "unknown process" instance for unseen tids. */
  lookup(tid: number, timeNs: number): number;
  /** The tid's instance when it has only one (then `lookup` does not depend on the time; an
   *  unseen tid gets its instance here), else −1. */
  directInstance(tid: number): number;
}

export function buildThreadDirectory(
  processEvents: readonly ProcessEvent[],
  threadEvents: readonly ThreadEvent[],
): ThreadDirectory {
  const processes: ProcessInfo[] = [];
  const processByPid = new Map<number, number[]>();
  type MutableProcess = { -readonly [K in keyof ProcessInfo]: ProcessInfo[K] };
  for (const e of [...processEvents].sort((a, b) => a.timeNs - b.timeNs)) {
    const list = processByPid.get(e.processId) ?? [];
    const last = list.length > 0 ? (processes[list[list.length - 1]!] as MutableProcess) : undefined;
    if (e.kind === 'start' || e.kind === 'dcstart') {
      if (last !== undefined && last.endNs === Infinity && e.kind === 'dcstart') continue;
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      list.push(processes.length);
      processes.push({
        processId: e.processId,
        parentId: e.parentId,
        name: e.imageFileName,
        commandLine: e.commandLine,
        startNs: e.kind === 'dcstart' ? -Infinity : e.timeNs,
        endNs: Infinity,
      });
    } else if (e.kind === 'end') {
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      else {
        list.push(processes.length);
        processes.push({
          processId: e.processId,
          parentId: e.parentId,
          name: e.imageFileName,
          commandLine: e.commandLine,
          startNs: -Infinity,
          endNs: e.timeNs,
        });
      }
    } else if (last === undefined) {
      list.push(processes.length);
      processes.push({
        processId: e.processId,
        parentId: e.parentId,
        name: e.imageFileName,
        commandLine: e.commandLine,
        startNs: -Infinity,
        endNs: Infinity,
      });
    }
    processByPid.set(e.processId, list);
  }
  const processLabels: string[] = [];
  const processIds: number[] = [];
  for (const p of processes) {
    const name = p.processId === 0 && p.name === '' ? 'Idle' : p.name === '' ? 'Unknown' : p.name;
    processLabels.push(`${name} (${p.processId})`);
    processIds.push(p.processId);
  }
  const processAt = (pid: number, timeNs: number): number => {
    let list = processByPid.get(pid);
    if (list === undefined) {
      list = [processes.length];
      processByPid.set(pid, list);
      processes.push({
        processId: pid,
        parentId: 0,
        name: pid === 0 ? 'Idle' : 'Unknown',
        commandLine: '',
        startNs: -Infinity,
        endNs: Infinity,
      });
      processLabels.push(`${pid === 0 ? 'Idle' : 'Unknown'} (${pid})`);
      processIds.push(pid);
    }
    let found = list[0]!;
    for (const index of list) if (processes[index]!.startNs <= timeNs) found = index;
    return found;
  };

  const threads: ThreadInfo[] = [];
  const threadLabels: string[] = [];
  const threadTids: number[] = [];
  const threadProcess: number[] = [];
  const byTid = new Map<number, number[]>();
  type MutableThread = { -readonly [K in keyof ThreadInfo]: ThreadInfo[K] };
  const addThread = (t: ThreadInfo): number => {
    const index = threads.length;
    threads.push(t);
    threadTids.push(t.threadId);
    threadProcess.push(-1);
    threadLabels.push('');
    const list = byTid.get(t.threadId) ?? [];
    list.push(index);
    byTid.set(t.threadId, list);
    return index;
  };
  for (const e of [...threadEvents].sort((a, b) => a.timeNs - b.timeNs)) {
    const list = byTid.get(e.threadId);
    const last = list !== undefined ? (threads[list[list.length - 1]!] as MutableThread) : undefined;
    if (e.kind === 'start' || e.kind === 'dcstart') {
      if (
        last !== undefined &&
        last.endNs === Infinity &&
        (e.kind === 'dcstart' || last.processId === e.processId)
      ) {
        if (e.name !== '') last.name = e.name;
        continue;
      }
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      addThread({
        threadId: e.threadId,
        processId: e.processId,
        name: e.name,
        startNs: e.kind === 'dcstart' ? -Infinity : e.timeNs,
        endNs: Infinity,
      });
    } else if (e.kind === 'end') {
      if (last !== undefined && last.endNs === Infinity) last.endNs = e.timeNs;
      else
        addThread({
          threadId: e.threadId,
          processId: e.processId,
          name: e.name,
          startNs: -Infinity,
          endNs: e.timeNs,
        });
    } else if (e.kind === 'dcend') {
      if (last === undefined)
        addThread({
          threadId: e.threadId,
          processId: e.processId,
          name: e.name,
          startNs: -Infinity,
          endNs: Infinity,
        });
    } else if (last !== undefined) {
      last.name = e.name;
    } else {
      addThread({
        threadId: e.threadId,
        processId: e.processId,
        name: e.name,
        startNs: -Infinity,
        endNs: Infinity,
      });
    }
  }
  const labelThread = (index: number) => {
    const t = threads[index]!;
    threadLabels[index] = t.name !== '' ? `${t.name} (${t.threadId})` : String(t.threadId);
    threadProcess[index] = processAt(t.processId, t.startNs === -Infinity ? 0 : t.startNs);
  };
  for (let i = 0; i < threads.length; i++) labelThread(i);

  // Per tid: the instances in start order. Callers resolve each distinct tid once through
  // `directInstance` and call `lookup` per row only for tids with several instances (TID reuse).
  const instancesOf = (tid: number): number[] => {
    let list = byTid.get(tid);
    if (list === undefined) {
      const index = addThread({
        threadId: tid,
        processId: tid === 0 ? 0 : UNKNOWN_PID,
        name: '',
        startNs: -Infinity,
        endNs: Infinity,
      });
      if (tid === 0) labelThread(index);
      else {
        threadLabels[index] = String(tid);
        threadProcess[index] = unknownProcess();
      }
      list = byTid.get(tid)!;
    }
    return list;
  };
  const directInstance = (tid: number): number => {
    const list = instancesOf(tid);
    return list.length === 1 ? list[0]! : -1;
  };
  const lookup = (tid: number, timeNs: number): number => {
    const list = instancesOf(tid);
    let found = list[0]!;
    for (const index of list) if (threads[index]!.startNs <= timeNs) found = index;
    return found;
  };
  let unknownIndex = -1;
  const unknownProcess = (): number => {
    if (unknownIndex < 0) {
      unknownIndex = processes.length;
      processes.push({
        processId: UNKNOWN_PID,
        parentId: 0,
        name: 'Unknown',
        commandLine: '',
        startNs: -Infinity,
        endNs: Infinity,
      });
      processLabels.push('Unknown');
      processIds.push(-1);
    }
    return unknownIndex;
  };
  return {
    threads,
    processes,
    threadLabels,
    threadTids,
    threadProcess,
    processLabels,
    processIds,
    lookup,
    directInstance,
  };
}

/** Process id of threads whose process was never logged. */
const UNKNOWN_PID = 0xfffffffe;
