// Names of the scheduler's numeric fields in CSwitch and ReadyThread (format doc §5.3, §5.5), as WPA
// shows them: KTHREAD_STATE (OldThreadState), KWAIT_REASON (OldThreadWaitReason), KPROCESSOR_MODE
// (OldThreadWaitMode), and the ReadyThread Flags bits. Values beyond the tables print as numbers.

/** KTHREAD_STATE. */
export const THREAD_STATE_NAMES: readonly string[] = [
  'Initialized',
  'Ready',
  'Running',
  'Standby',
  'Terminated',
  'Waiting',
  'Transition',
  'DeferredReady',
  'GateWaitObsolete',
  'WaitingForProcessInSwap',
];

/** KTHREAD_STATE value of a preempted thread (it stays ready from its switch-out). */
export const THREAD_STATE_READY = 1;
export const THREAD_STATE_STANDBY = 3;
export const THREAD_STATE_WAITING = 5;

/** KWAIT_REASON (Windows 10/11 ntkeapi.h). */
export const WAIT_REASON_NAMES: readonly string[] = [
  'Executive',
  'FreePage',
  'PageIn',
  'PoolAllocation',
  'DelayExecution',
  'Suspended',
  'UserRequest',
  'WrExecutive',
  'WrFreePage',
  'WrPageIn',
  'WrPoolAllocation',
  'WrDelayExecution',
  'WrSuspended',
  'WrUserRequest',
  'WrEventPair',
  'WrQueue',
  'WrLpcReceive',
  'WrLpcReply',
  'WrVirtualMemory',
  'WrPageOut',
  'WrRendezvous',
  'WrKeyedEvent',
  'WrTerminated',
  'WrProcessInSwap',
  'WrCpuRateControl',
  'WrCalloutStack',
  'WrKernel',
  'WrResource',
  'WrPushLock',
  'WrMutex',
  'WrQuantumEnd',
  'WrDispatchInt',
  'WrPreempted',
  'WrYieldExecution',
  'WrFastMutex',
  'WrGuardedMutex',
  'WrRundown',
  'WrAlertByThreadId',
  'WrDeferredPreempt',
  'WrPhysicalFault',
  'WrIoRing',
  'WrMdlCache',
  'WrRcu',
];

export const WAIT_MODE_NAMES: readonly string[] = ['KernelMode', 'UserMode'];

/** ReadyThread Flags bit 0: the readying CPU was executing a DPC ("readied from a DPC"). */
export const READY_FLAG_EXECUTING_DPC = 0x1;

export function threadStateName(value: number): string {
  return THREAD_STATE_NAMES[value] ?? String(value);
}
export function waitReasonName(value: number): string {
  return WAIT_REASON_NAMES[value] ?? String(value);
}
export function waitModeName(value: number): string {
  return WAIT_MODE_NAMES[value] ?? String(value);
}
