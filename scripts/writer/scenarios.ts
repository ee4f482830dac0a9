// The seed scenarios etlscope is tested and demonstrated with, after the real cases it exists for:
//   backupServer     24 CPUs; CPUs 0,2,4,6 pegged by ndis.sys!ndisInterruptDpc (≈16,300/s, avg ≈220 µs)
//   audioWorkstation  8 CPUs compiling (cl.exe spawns); storport.sys/volsnap.sys DPCs reaching 10 ms;
//                     HD Audio / portcls / USB audio interrupts; a Wi-Fi driver without symbols
//   deepIdle12Core   12 CPUs with C1/C2/C3 residency; CPUs 8–11 stuck in C3 almost all the time
//   scale            16 CPUs, a realistic DPC/ISR/CSwitch/ReadyThread/profile/idle mix, streamed to a size
// Each is a ScenarioSpec (simulate.ts turns it into a trace plus its truth). Driver names, paths and
// sizes are those of real Windows 10 x64 images; routine names are real or plausible exports/internals.
// The stack stories (StackSpec, stacks.ts): backupServer's NDIS DPCs through the Intel teaming and
// Symantec IDS drivers into tcpip; audioWorkstation's volsnap (and storport → volsnap) DPCs spinning
// in ntoskrnl!KxWaitForSpinLockAndAcquire. DRIVERS is also what scripts/drivers builds into PE + PDB.

import type { CallPath, DriverSpec, InterruptSpec, ProcessSpec, ScenarioSpec } from './simulate.js';
import { KERNEL_STACK_FUNCTIONS } from './stacks.js';

const ALL = 'all' as const;
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Kernel images with the routines the scenarios use (real sizes of 19041 builds, rounded). */
export const DRIVERS: Readonly<Record<string, DriverSpec>> = {
  ntoskrnl: {
    file: 'ntoskrnl.exe',
    dir: '\\SystemRoot\\system32',
    size: 0xab6000,
    pdb: 'ntkrnlmp.pdb',
    functions: [
      'KiIdleLoop',
      'PpmIdleExecuteTransition',
      'ExpTimerDpcRoutine',
      'IopTimerDispatch',
      'CcScanDpc',
      'KiBalanceSetManagerDeferredRoutine',
      'PopCheckForIdleness',
      'KiExecuteAllDpcs',
      'KiSwapContext',
      'KiDispatchInterrupt',
      'KeWaitForSingleObject',
      'ExAllocatePoolWithTag',
      'MmAccessFault',
      'NtReadFile',
      'NtWriteFile',
      'ExpWorkerThread',
      'KiSystemServiceCopyEnd',
      'RtlCopyMemory',
      'KeAcquireSpinLockAtDpcLevel',
      'KxWaitForSpinLockAndAcquire',
      'IofCompleteRequest',
      'IopfCompleteRequest',
      'NtDeviceIoControlFile',
      'NtWaitForSingleObject',
      // The dispatch chains and deep chains of the stack model (stacks.ts), not named above.
      ...KERNEL_STACK_FUNCTIONS.filter(
        (f) =>
          ![
            'KiIdleLoop',
            'PpmIdleExecuteTransition',
            'KiExecuteAllDpcs',
            'KiSwapContext',
            'KiDispatchInterrupt',
            'MmAccessFault',
            'KiSystemServiceCopyEnd',
          ].includes(f),
      ),
    ],
    publicsOnly: true, // like Microsoft's public ntkrnlmp.pdb
  },
  hal: {
    file: 'hal.dll',
    dir: '\\SystemRoot\\system32',
    size: 0x66000,
    pdb: 'hal.pdb',
    functions: ['HalpTimerClockInterrupt', 'HalpTimerClockIpiRoutine', 'HalpInterruptCmciService'],
  },
  ndis: {
    file: 'ndis.sys',
    size: 0x16c000,
    pdb: 'ndis.pdb',
    functions: [
      'ndisInterruptDpc',
      'ndisMiniportMessageIsr',
      'ndisMiniportDpc',
      'ndisMDispatchReceiveNetBufferLists',
      'NdisMIndicateReceiveNetBufferLists',
      'ndisPeriodicReceivesTimer',
      'ndisFilterIndicateReceiveNetBufferLists',
      'NdisFIndicateReceiveNetBufferLists',
      'ndisCallReceiveHandler',
    ],
  },
  storport: {
    file: 'storport.sys',
    size: 0xa8000,
    pdb: 'storport.pdb',
    functions: [
      'RaidpAdapterDpcRoutine',
      'RaidpAdapterMSIInterruptRoutine',
      'RaidpAdapterInterruptRoutine',
      'RaidUnitCompleteRequest',
      'StorPortPause',
      'RaidAdapterRequestComplete',
    ],
  },
  tcpip: {
    file: 'tcpip.sys',
    size: 0x2ed000,
    pdb: 'tcpip.pdb',
    functions: [
      'TcpPeriodicTimeoutHandler',
      'IppTimeout',
      'TcpTcbCarefulDatagram',
      'FlpReturnNetBufferListChain',
      'FlReceiveNetBufferListChain',
      'IppReceiveHeaderBatch',
      'IpFlcReceivePackets',
      'TcpTcbFastDatagram',
    ],
  },
  acpi: {
    file: 'ACPI.sys',
    size: 0xd4000,
    pdb: 'acpi.pdb',
    functions: ['ACPIInterruptServiceRoutine', 'ACPIInterruptServiceRoutineDPC', 'ACPIWorkerThread'],
  },
  wdf: {
    file: 'Wdf01000.sys',
    size: 0xe5000,
    pdb: 'Wdf01000.pdb',
    functions: [
      'FxInterrupt::_InterruptThunk',
      'FxInterrupt::_InterruptDpcThunk',
      'FxTimer::_FxTimerDpcThunk',
    ],
  },
  volsnap: {
    file: 'volsnap.sys',
    size: 0x5a000,
    pdb: 'volsnap.pdb',
    functions: [
      'VspWriteContextCompletionRoutine',
      'VspReleaseWrites',
      'VspCleanupDiffAreaDpc',
      'VspDecrementRefCount',
    ],
  },
  hdaudbus: {
    file: 'HDAudBus.sys',
    size: 0x2e000,
    pdb: 'HDAudBus.pdb',
    functions: ['HdaController::Isr', 'HdaController::StreamDpc', 'HdaController::CodecDpc'],
  },
  portcls: {
    file: 'portcls.sys',
    size: 0x6a000,
    pdb: 'portcls.pdb',
    functions: ['CInterruptSync::DpcRoutine', 'CPortPinWaveRT::NotificationDpc', 'PcServiceGroupDpc'],
  },
  dxgkrnl: {
    file: 'dxgkrnl.sys',
    size: 0x3c6000,
    pdb: 'dxgkrnl.pdb',
    functions: ['DpiFdoDpcForIsr', 'DpiFdoMessageInterruptRoutine', 'DxgkNotifyDpcCB'],
  },
  usbxhci: {
    file: 'USBXHCI.SYS',
    size: 0x90000,
    pdb: 'usbxhci.pdb',
    functions: [
      'Interrupter_WdfEvtInterruptIsr',
      'Interrupter_WdfEvtInterruptDpc',
      'TR_TransferEventHandler',
    ],
  },
  /** Symantec Endpoint Protection's IDS: an NDIS filter that inspects every received packet. */
  idsvia: {
    file: 'IDSvia64.sys',
    dir: '\\??\\C:\\ProgramData\\Symantec\\Symantec Endpoint Protection\\14.3.558.0000.105\\Data\\Definitions\\IPSDefs\\20201014.061',
    size: 0x1a8000,
    pdb: 'IDSvia64.pdb',
    functions: [
      'IdsFilterReceiveNetBufferLists',
      'InetInspectReceive',
      'IdsMatchSignatures',
      'IdsReassembleStream',
    ],
  },
  /** Intel Advanced Network Services teaming: an NDIS intermediate driver between the NIC and the stack. */
  iansw60e: {
    file: 'iansw60e.sys',
    size: 0xc2000,
    pdb: 'iansw60e.pdb',
    functions: [
      'iansProtocolReceiveNetBufferLists',
      'iansTeamReceive',
      'iansTeamHashPacket',
      'iansMiniportReturnNetBufferLists',
    ],
  },
  /** User-mode system DLLs, mapped into every user process (ntdll with publics only, as Microsoft ships it). */
  ntdll: {
    file: 'ntdll.dll',
    size: 0x1f8000,
    pdb: 'ntdll.pdb',
    user: true,
    publicsOnly: true,
    functions: [
      'RtlUserThreadStart',
      'LdrInitializeThunk',
      'NtWaitForSingleObject',
      'NtReadFile',
      'NtWriteFile',
      'NtDeviceIoControlFile',
      'RtlAllocateHeap',
      'RtlpAllocateHeapInternal',
      'RtlFreeHeap',
      'RtlEnterCriticalSection',
    ],
  },
  kernel32: {
    file: 'KERNEL32.DLL',
    size: 0xc2000,
    pdb: 'kernel32.pdb',
    user: true,
    functions: ['BaseThreadInitThunk', 'ReadFileStub', 'CreateFileW'],
  },
  kernelbase: {
    file: 'KERNELBASE.dll',
    size: 0x2a6000,
    pdb: 'kernelbase.pdb',
    user: true,
    functions: ['ReadFile', 'WriteFile', 'DeviceIoControl', 'WaitForSingleObjectEx', 'CreateFileW'],
  },
  /** A vendor Wi-Fi driver without public symbols: Function shows rtwlane.sys+0x…. */
  rtwlane: {
    file: 'rtwlane.sys',
    size: 0x5e0000,
    functions: ['(RxDpc)', '(TxDpc)', '(Isr)'],
    reloadAtSeconds: 1.5, // the Wi-Fi adapter resets: unloaded and loaded again at another base
  },
};

const d = DRIVERS;

/** The kernel's own clock and timer work every Windows CPU does. */
function kernelBackground(cpus: readonly number[] | 'all', cpuCount: number): InterruptSpec[] {
  const n = cpus === 'all' ? cpuCount : cpus.length;
  return [
    {
      module: 'hal.dll',
      function: 'HalpTimerClockInterrupt',
      kind: 'ISR',
      cpus,
      perSecond: 64 * n, // 15.625 ms clock tick per CPU
      arrivals: 'periodic',
      duration: { meanUs: 1.6, sigma: 0.25, minUs: 0.6 },
      vector: 0xd1,
    },
    {
      module: 'ntoskrnl.exe',
      function: 'ExpTimerDpcRoutine',
      kind: 'TimerDPC',
      cpus,
      perSecond: 20 * n,
      duration: { meanUs: 2.4, sigma: 0.4, minUs: 0.5 },
    },
    {
      module: 'ntoskrnl.exe',
      function: 'IopTimerDispatch',
      kind: 'TimerDPC',
      cpus,
      perSecond: n,
      arrivals: 'periodic',
      duration: { meanUs: 3.5, sigma: 0.3 },
    },
    {
      module: 'ntoskrnl.exe',
      function: 'KiBalanceSetManagerDeferredRoutine',
      kind: 'DPC',
      cpus: [0],
      perSecond: 1,
      arrivals: 'periodic',
      duration: { meanUs: 6, sigma: 0.3 },
    },
    {
      module: 'ntoskrnl.exe',
      function: 'CcScanDpc',
      kind: 'TimerDPC',
      cpus: [0],
      perSecond: 1,
      arrivals: 'periodic',
      duration: { meanUs: 4, sigma: 0.3 },
    },
  ];
}

const KERNEL_DRIVERS = [d.ntoskrnl, d.hal, d.acpi, d.wdf, d.storport, d.tcpip, d.ndis];
/** The user-mode DLLs every scenario maps into its user processes. */
const USER_DLLS = [d.ntdll, d.kernel32, d.kernelbase];

const path = (weight: number, ...frames: string[]): CallPath => ({ weight, frames });
const NDIS_RX = [
  'ndis.sys!ndisInterruptDpc',
  'ndis.sys!ndisMiniportDpc',
  'ndis.sys!NdisMIndicateReceiveNetBufferLists',
  'ndis.sys!ndisMDispatchReceiveNetBufferLists',
];
/** The received packet after the teaming driver handed it up and the IDS filter got it. */
const THROUGH_IDS = [
  ...NDIS_RX,
  'iansw60e.sys!iansProtocolReceiveNetBufferLists',
  'iansw60e.sys!iansTeamReceive',
  'ndis.sys!NdisMIndicateReceiveNetBufferLists',
  'ndis.sys!ndisMDispatchReceiveNetBufferLists',
  'ndis.sys!ndisFilterIndicateReceiveNetBufferLists',
  'IDSvia64.sys!IdsFilterReceiveNetBufferLists',
  'IDSvia64.sys!InetInspectReceive',
];
/** IDS passes the packet on: NDIS calls tcpip's receive handler. */
const TO_TCPIP = [
  ...THROUGH_IDS,
  'ndis.sys!NdisFIndicateReceiveNetBufferLists',
  'ndis.sys!ndisCallReceiveHandler',
  'tcpip.sys!FlReceiveNetBufferListChain',
  'tcpip.sys!IpFlcReceivePackets',
  'tcpip.sys!IppReceiveHeaderBatch',
];

/**
 * backupServer's story: the samples in the pegged NDIS DPCs run through the Intel teaming driver
 * and the Symantec IDS filter (IDS calling back into NDIS), then tcpip. By sampled module: IDSvia64
 * ≈ 32 %, ndis ≈ 24 % (20 of those 24 under InetInspectReceive), tcpip ≈ 22 %, iansw60e ≈ 18 %.
 */
const BACKUP_NDIS_PATHS: readonly CallPath[] = [
  path(4, 'ndis.sys!ndisInterruptDpc', 'ndis.sys!ndisMiniportDpc'),
  path(10, ...NDIS_RX, 'iansw60e.sys!iansProtocolReceiveNetBufferLists', 'iansw60e.sys!iansTeamReceive'),
  path(
    8,
    ...NDIS_RX,
    'iansw60e.sys!iansProtocolReceiveNetBufferLists',
    'iansw60e.sys!iansTeamReceive',
    'iansw60e.sys!iansTeamHashPacket',
  ),
  path(20, ...THROUGH_IDS, 'IDSvia64.sys!IdsMatchSignatures'),
  path(12, ...THROUGH_IDS),
  path(14, ...THROUGH_IDS, 'ndis.sys!NdisFIndicateReceiveNetBufferLists'),
  path(6, ...THROUGH_IDS, 'ndis.sys!NdisFIndicateReceiveNetBufferLists', 'ndis.sys!ndisCallReceiveHandler'),
  path(12, ...TO_TCPIP, 'tcpip.sys!TcpTcbFastDatagram'),
  path(6, ...TO_TCPIP),
  path(4, ...TO_TCPIP, 'tcpip.sys!TcpTcbCarefulDatagram'),
  path(4, ...TO_TCPIP, 'tcpip.sys!TcpTcbFastDatagram', 'ntoskrnl.exe!RtlCopyMemory'),
];

/** The volsnap completion routine spinning on a kernel spinlock (the audio workstation's 10 ms DPCs). */
const VOLSNAP_SPIN = [
  'volsnap.sys!VspWriteContextCompletionRoutine',
  'volsnap.sys!VspReleaseWrites',
  'ntoskrnl.exe!KeAcquireSpinLockAtDpcLevel',
  'ntoskrnl.exe!KxWaitForSpinLockAndAcquire',
];
const AUDIO_VOLSNAP_PATHS: readonly CallPath[] = [
  path(70, ...VOLSNAP_SPIN),
  path(
    12,
    'volsnap.sys!VspWriteContextCompletionRoutine',
    'ntoskrnl.exe!KeAcquireSpinLockAtDpcLevel',
    'ntoskrnl.exe!KxWaitForSpinLockAndAcquire',
  ),
  path(10, 'volsnap.sys!VspWriteContextCompletionRoutine', 'volsnap.sys!VspReleaseWrites'),
  path(8, 'volsnap.sys!VspWriteContextCompletionRoutine'),
];
/** storport completes the write; IofCompleteRequest runs volsnap's completion routine, which spins. */
const AUDIO_STORPORT_PATHS: readonly CallPath[] = [
  path(
    45,
    'storport.sys!RaidpAdapterDpcRoutine',
    'storport.sys!RaidUnitCompleteRequest',
    'ntoskrnl.exe!IofCompleteRequest',
    ...VOLSNAP_SPIN,
  ),
  path(25, 'storport.sys!RaidpAdapterDpcRoutine', 'storport.sys!RaidUnitCompleteRequest'),
  path(
    15,
    'storport.sys!RaidpAdapterDpcRoutine',
    'storport.sys!RaidUnitCompleteRequest',
    'ntoskrnl.exe!IofCompleteRequest',
    'ntoskrnl.exe!IopfCompleteRequest',
  ),
  path(15, 'storport.sys!RaidpAdapterDpcRoutine'),
];

const systemProcess = (threads: number): ProcessSpec => ({
  name: 'System',
  pid: 4,
  parentPid: 0,
  threads,
  path: '',
  commandLine: '',
  basePriority: 13,
  user: false,
});
const svc = (name: string, pid: number, threads: number, commandLine: string): ProcessSpec => ({
  name,
  pid,
  parentPid: 688,
  threads,
  path: `\\Device\\HarddiskVolume3\\Windows\\System32\\${name}`,
  commandLine,
  user: false,
});

export const backupServer: ScenarioSpec = {
  name: 'backupServer',
  description:
    '24-CPU file/backup server: CPUs 0,2,4,6 pegged by ndis.sys!ndisInterruptDpc (16,300 DPCs/s, avg ≈220 µs), ' +
    'storage, timer and ACPI/WDF interrupts elsewhere, backup and SQL threads, C1/C2 idle.',
  cpuCount: 24,
  defaultSeconds: 10,
  build: 17763,
  drivers: [...KERNEL_DRIVERS, d.idsvia, d.iansw60e, ...USER_DLLS],
  stacks: {
    dpcIsrSampleProbability: 1,
    dpcEventProbability: 0.02,
    routines: { 'ndis.sys!ndisInterruptDpc': BACKUP_NDIS_PATHS },
  },
  processes: [
    systemProcess(24),
    svc('services.exe', 688, 6, 'C:\\Windows\\system32\\services.exe'),
    svc('lsass.exe', 700, 8, 'C:\\Windows\\system32\\lsass.exe'),
    svc('svchost.exe', 1080, 12, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p'),
    svc('wbengine.exe', 4120, 16, '"C:\\Windows\\system32\\wbengine.exe"'),
    svc(
      'sqlservr.exe',
      2264,
      20,
      '"C:\\Program Files\\Microsoft SQL Server\\MSSQL15.MSSQLSERVER\\MSSQL\\Binn\\sqlservr.exe" -sMSSQLSERVER',
    ),
  ],
  interrupts: [
    {
      module: 'ndis.sys',
      function: 'ndisInterruptDpc',
      kind: 'DPC',
      cpus: [0, 2, 4, 6],
      perSecond: 16_300, // 163k in 10 s
      arrivals: 'even',
      duration: { meanUs: 220, sigma: 0.22, minUs: 70, maxUs: 950 },
      precededBy: {
        module: 'ndis.sys',
        function: 'ndisMiniportMessageIsr',
        kind: 'ISR-MSI',
        probability: 0.3,
        duration: { meanUs: 3.2, sigma: 0.3, minUs: 1 },
        vector: 0x92,
      },
    },
    {
      module: 'storport.sys',
      function: 'RaidpAdapterDpcRoutine',
      kind: 'DPC',
      cpus: range(8, 24),
      perSecond: 3_000,
      duration: { meanUs: 32, sigma: 0.6, minUs: 4, tail: { probability: 0.004, meanUs: 450, sigma: 0.5 } },
      precededBy: {
        module: 'storport.sys',
        function: 'RaidpAdapterMSIInterruptRoutine',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 5, sigma: 0.35, minUs: 1 },
        vector: 0xa1,
      },
      nestedIsr: {
        module: 'Wdf01000.sys',
        function: 'FxInterrupt::_InterruptThunk',
        kind: 'ISR',
        probability: 0.02,
        duration: { meanUs: 9, sigma: 0.4 },
        vector: 0x71,
      },
    },
    {
      module: 'tcpip.sys',
      function: 'TcpPeriodicTimeoutHandler',
      kind: 'TimerDPC',
      cpus: ALL,
      perSecond: 24 * 10,
      arrivals: 'periodic',
      duration: { meanUs: 14, sigma: 0.5 },
    },
    {
      module: 'tcpip.sys',
      function: 'FlpReturnNetBufferListChain',
      kind: 'ThreadedDPC',
      cpus: [9, 11, 13],
      perSecond: 150,
      duration: { meanUs: 12, sigma: 0.4 },
    },
    {
      module: 'tcpip.sys',
      function: 'IppTimeout',
      kind: 'TimerDPC',
      cpus: [1, 3, 5, 7],
      perSecond: 8,
      arrivals: 'periodic',
      duration: { meanUs: 9, sigma: 0.4 },
    },
    {
      module: 'ACPI.sys',
      function: 'ACPIInterruptServiceRoutineDPC',
      kind: 'DPC',
      cpus: [0],
      perSecond: 4,
      duration: { meanUs: 40, sigma: 0.4 },
      precededBy: {
        module: 'ACPI.sys',
        function: 'ACPIInterruptServiceRoutine',
        kind: 'ISR',
        probability: 1,
        duration: { meanUs: 22, sigma: 0.3 },
        vector: 0x30,
      },
    },
    {
      module: 'Wdf01000.sys',
      function: 'FxInterrupt::_InterruptDpcThunk',
      kind: 'DPC',
      cpus: [1, 3, 5, 7, 9, 11],
      perSecond: 240,
      duration: { meanUs: 18, sigma: 0.5 },
      precededBy: {
        module: 'Wdf01000.sys',
        function: 'FxInterrupt::_InterruptThunk',
        kind: 'ISR',
        probability: 1,
        duration: { meanUs: 6, sigma: 0.4 },
        vector: 0x71,
      },
    },
    ...kernelBackground(ALL, 24),
  ],
  cpuLoad: (cpu) => ([0, 2, 4, 6].includes(cpu) ? 0.08 : cpu < 12 ? 0.3 : 0.18),
  burstMs: 9,
  sliceMs: 3,
  idleWeights: (cpu) => ([0, 2, 4, 6].includes(cpu) ? [1] : [0.55, 0.45]),
};

export const audioWorkstation: ScenarioSpec = {
  name: 'audioWorkstation',
  description:
    '8-CPU audio workstation compiling a project (cl.exe spawns) while a DAW plays: storport.sys and volsnap.sys ' +
    'DPCs reaching 10 ms, HD Audio/portcls/USB audio interrupts, a Wi-Fi driver without symbols, C1–C3 idle.',
  cpuCount: 8,
  defaultSeconds: 10,
  build: 19045,
  drivers: [
    ...KERNEL_DRIVERS,
    d.volsnap,
    d.hdaudbus,
    d.portcls,
    d.dxgkrnl,
    d.usbxhci,
    d.rtwlane,
    ...USER_DLLS,
  ],
  stacks: {
    dpcIsrSampleProbability: 1,
    dpcEventProbability: 0.05,
    routines: {
      'volsnap.sys!VspWriteContextCompletionRoutine': AUDIO_VOLSNAP_PATHS,
      'storport.sys!RaidpAdapterDpcRoutine': AUDIO_STORPORT_PATHS,
    },
  },
  processes: [
    systemProcess(8),
    svc('services.exe', 688, 4, 'C:\\Windows\\system32\\services.exe'),
    svc('svchost.exe', 1080, 8, 'C:\\Windows\\system32\\svchost.exe -k LocalServiceNetworkRestricted -p'),
    svc('audiodg.exe', 3300, 4, 'C:\\Windows\\system32\\AUDIODG.EXE 0x4a0'),
    {
      name: 'reaper.exe',
      pid: 5400,
      parentPid: 4400,
      threads: 6,
      path: '\\Device\\HarddiskVolume3\\Program Files\\REAPER (x64)\\reaper.exe',
      commandLine: '"C:\\Program Files\\REAPER (x64)\\reaper.exe"',
      basePriority: 15,
      user: true,
    },
    {
      name: 'MSBuild.exe',
      pid: 7000,
      parentPid: 4400,
      threads: 8,
      path: '\\Device\\HarddiskVolume3\\Program Files\\Microsoft Visual Studio\\2022\\Community\\MSBuild\\Current\\Bin\\amd64\\MSBuild.exe',
      commandLine: 'MSBuild.exe /m /p:Configuration=Release plugin.sln',
      user: true,
    },
  ],
  spawns: [
    {
      name: 'cl.exe',
      path: '\\Device\\HarddiskVolume3\\Program Files\\Microsoft Visual Studio\\2022\\Community\\VC\\Tools\\MSVC\\14.38.33130\\bin\\Hostx64\\x64\\cl.exe',
      commandLine: 'cl.exe /c /O2 /MP /nologo src\\dsp\\filter.cpp',
      parentPid: 7000,
      perSecond: 6,
      lifetimeMs: { meanUs: 1_200_000, sigma: 0.5, minUs: 150_000, maxUs: 4_000_000 },
      cpus: ALL,
    },
  ],
  interrupts: [
    {
      module: 'storport.sys',
      function: 'RaidpAdapterDpcRoutine',
      kind: 'DPC',
      cpus: ALL,
      perSecond: 2_400,
      duration: {
        meanUs: 45,
        sigma: 0.8,
        minUs: 4,
        maxUs: 9_000,
        tail: { probability: 0.01, meanUs: 1_400, sigma: 0.7 },
      },
      spikes: [{ atSeconds: 3.2, cpu: 2, durationUs: 10_000 }],
      precededBy: {
        module: 'storport.sys',
        function: 'RaidpAdapterMSIInterruptRoutine',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 5, sigma: 0.35, minUs: 1 },
        vector: 0xa1,
      },
      nestedIsr: {
        module: 'HDAudBus.sys',
        function: 'HdaController::Isr',
        kind: 'ISR',
        probability: 0.03,
        duration: { meanUs: 7, sigma: 0.3 },
        vector: 0x63,
      },
    },
    {
      module: 'volsnap.sys',
      function: 'VspWriteContextCompletionRoutine',
      kind: 'DPC',
      cpus: ALL,
      perSecond: 350,
      duration: {
        meanUs: 90,
        sigma: 0.9,
        minUs: 6,
        maxUs: 9_000,
        tail: { probability: 0.02, meanUs: 2_500, sigma: 0.6 },
      },
      spikes: [{ atSeconds: 6.7, cpu: 5, durationUs: 9_600 }],
    },
    {
      module: 'HDAudBus.sys',
      function: 'HdaController::StreamDpc',
      kind: 'DPC',
      cpus: [0],
      perSecond: 100, // 10 ms audio period
      arrivals: 'periodic',
      duration: { meanUs: 24, sigma: 0.3 },
      precededBy: {
        module: 'HDAudBus.sys',
        function: 'HdaController::Isr',
        kind: 'ISR',
        probability: 1,
        duration: { meanUs: 7, sigma: 0.3 },
        vector: 0x63,
      },
    },
    {
      module: 'portcls.sys',
      function: 'CPortPinWaveRT::NotificationDpc',
      kind: 'DPC',
      cpus: [0],
      perSecond: 100,
      arrivals: 'periodic',
      duration: { meanUs: 31, sigma: 0.35 },
    },
    {
      module: 'dxgkrnl.sys',
      function: 'DpiFdoDpcForIsr',
      kind: 'DPC',
      cpus: [0, 1],
      perSecond: 240,
      duration: { meanUs: 38, sigma: 0.6 },
      precededBy: {
        module: 'dxgkrnl.sys',
        function: 'DpiFdoMessageInterruptRoutine',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 4, sigma: 0.3 },
        vector: 0xb0,
      },
    },
    {
      module: 'USBXHCI.SYS',
      function: 'Interrupter_WdfEvtInterruptDpc',
      kind: 'DPC',
      cpus: [0, 1, 2, 3],
      perSecond: 1_000, // 1 kHz USB audio interface
      arrivals: 'periodic',
      duration: { meanUs: 16, sigma: 0.45 },
      precededBy: {
        module: 'USBXHCI.SYS',
        function: 'Interrupter_WdfEvtInterruptIsr',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 3, sigma: 0.3 },
        vector: 0x82,
      },
    },
    {
      module: 'portcls.sys',
      function: 'PcServiceGroupDpc',
      kind: 'ThreadedDPC',
      cpus: [0, 1],
      perSecond: 200,
      duration: { meanUs: 28, sigma: 0.5 },
    },
    {
      module: 'rtwlane.sys',
      function: '(RxDpc)',
      kind: 'DPC',
      cpus: ALL,
      perSecond: 300,
      duration: { meanUs: 110, sigma: 0.8, maxUs: 3_000 },
    },
    ...kernelBackground(ALL, 8),
  ],
  cpuLoad: () => 0.62,
  burstMs: 12,
  sliceMs: 4,
  idleWeights: () => [0.5, 0.3, 0.2],
};

const STUCK = [8, 9, 10, 11];

export const deepIdle12Core: ScenarioSpec = {
  name: 'deepIdle12Core',
  description:
    '12-core laptop-style idle system: C1/C2/C3 residency on CPUs 0–7, CPUs 8–11 parked in C3 nearly all the time ' +
    '(no threads, a clock interrupt once a second).',
  cpuCount: 12,
  defaultSeconds: 10,
  build: 22631,
  drivers: [d.ntoskrnl, d.hal, d.acpi, d.tcpip, d.ndis, d.usbxhci, d.storport, ...USER_DLLS],
  processes: [
    systemProcess(8),
    svc('svchost.exe', 1080, 6, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p'),
    {
      name: 'explorer.exe',
      pid: 4400,
      parentPid: 4300,
      threads: 6,
      path: '\\Device\\HarddiskVolume3\\Windows\\explorer.exe',
      commandLine: 'C:\\Windows\\Explorer.EXE',
      user: true,
    },
  ],
  interrupts: [
    ...kernelBackground(range(0, 8), 12),
    {
      module: 'hal.dll',
      function: 'HalpTimerClockInterrupt',
      kind: 'ISR',
      cpus: STUCK,
      perSecond: STUCK.length, // tick-less parked cores: one clock interrupt per second
      arrivals: 'periodic',
      duration: { meanUs: 2.5, sigma: 0.2 },
      vector: 0xd1,
    },
    {
      module: 'ndis.sys',
      function: 'ndisInterruptDpc',
      kind: 'DPC',
      cpus: [0, 1],
      perSecond: 120,
      duration: { meanUs: 25, sigma: 0.5 },
    },
    {
      module: 'tcpip.sys',
      function: 'TcpPeriodicTimeoutHandler',
      kind: 'TimerDPC',
      cpus: [0],
      perSecond: 10,
      arrivals: 'periodic',
      duration: { meanUs: 11, sigma: 0.4 },
    },
    {
      module: 'USBXHCI.SYS',
      function: 'Interrupter_WdfEvtInterruptDpc',
      kind: 'DPC',
      cpus: [2],
      perSecond: 30,
      duration: { meanUs: 14, sigma: 0.4 },
      precededBy: {
        module: 'USBXHCI.SYS',
        function: 'Interrupter_WdfEvtInterruptIsr',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 3, sigma: 0.3 },
        vector: 0x82,
      },
    },
  ],
  cpuLoad: (cpu) => (STUCK.includes(cpu) ? 0 : cpu === 0 ? 0.12 : 0.04),
  burstMs: 3,
  sliceMs: 1.5,
  idleWeights: (cpu) => (STUCK.includes(cpu) ? [0, 0, 1] : cpu < 4 ? [0.3, 0.4, 0.3] : [0.2, 0.3, 0.5]),
};

export const scale: ScenarioSpec = {
  name: 'scale',
  description:
    '16-CPU realistic mix for benchmarks (DPC/ISR from ndis/storport/tcpip/dxgkrnl/USB, CSwitch, ReadyThread, ' +
    'SampledProfile, idle enter/exit), streamed until the file reaches --size.',
  cpuCount: 16,
  defaultSeconds: 10,
  build: 19041,
  drivers: [...KERNEL_DRIVERS, d.dxgkrnl, d.usbxhci, ...USER_DLLS],
  stacks: {
    routines: {
      'ndis.sys!ndisInterruptDpc': [
        path(
          3,
          ...NDIS_RX,
          'ndis.sys!ndisFilterIndicateReceiveNetBufferLists',
          'ndis.sys!NdisFIndicateReceiveNetBufferLists',
          'ndis.sys!ndisCallReceiveHandler',
          'tcpip.sys!FlReceiveNetBufferListChain',
          'tcpip.sys!IpFlcReceivePackets',
          'tcpip.sys!IppReceiveHeaderBatch',
          'tcpip.sys!TcpTcbFastDatagram',
        ),
        path(1, 'ndis.sys!ndisInterruptDpc', 'ndis.sys!ndisMiniportDpc'),
      ],
      'storport.sys!RaidpAdapterDpcRoutine': [
        path(
          2,
          'storport.sys!RaidpAdapterDpcRoutine',
          'storport.sys!RaidUnitCompleteRequest',
          'ntoskrnl.exe!IofCompleteRequest',
          'ntoskrnl.exe!IopfCompleteRequest',
        ),
        path(1, 'storport.sys!RaidpAdapterDpcRoutine', 'storport.sys!RaidAdapterRequestComplete'),
      ],
    },
  },
  processes: [
    systemProcess(16),
    svc('svchost.exe', 1080, 16, 'C:\\Windows\\system32\\svchost.exe -k netsvcs -p'),
    svc('sqlservr.exe', 2264, 32, 'sqlservr.exe -sMSSQLSERVER'),
    {
      name: 'chrome.exe',
      pid: 9100,
      parentPid: 4400,
      threads: 24,
      path: '\\Device\\HarddiskVolume3\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
      commandLine: '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe"',
      user: true,
    },
  ],
  interrupts: [
    {
      module: 'ndis.sys',
      function: 'ndisInterruptDpc',
      kind: 'DPC',
      cpus: [0, 2, 4, 6],
      perSecond: 12_000,
      duration: { meanUs: 60, sigma: 0.6 },
      precededBy: {
        module: 'ndis.sys',
        function: 'ndisMiniportMessageIsr',
        kind: 'ISR-MSI',
        probability: 0.5,
        duration: { meanUs: 3, sigma: 0.3 },
        vector: 0x92,
      },
    },
    {
      module: 'storport.sys',
      function: 'RaidpAdapterDpcRoutine',
      kind: 'DPC',
      cpus: ALL,
      perSecond: 8_000,
      duration: { meanUs: 30, sigma: 0.7, tail: { probability: 0.005, meanUs: 600 } },
      precededBy: {
        module: 'storport.sys',
        function: 'RaidpAdapterMSIInterruptRoutine',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 4, sigma: 0.3 },
        vector: 0xa1,
      },
      nestedIsr: {
        module: 'Wdf01000.sys',
        function: 'FxInterrupt::_InterruptThunk',
        kind: 'ISR',
        probability: 0.01,
        duration: { meanUs: 6, sigma: 0.3 },
      },
    },
    {
      module: 'storport.sys',
      function: 'RaidUnitCompleteRequest',
      kind: 'ThreadedDPC',
      cpus: [8, 9, 10, 11],
      perSecond: 600,
      duration: { meanUs: 22, sigma: 0.5 },
    },
    {
      module: 'dxgkrnl.sys',
      function: 'DpiFdoDpcForIsr',
      kind: 'DPC',
      cpus: [1, 3],
      perSecond: 480,
      duration: { meanUs: 35, sigma: 0.5 },
      precededBy: {
        module: 'dxgkrnl.sys',
        function: 'DpiFdoMessageInterruptRoutine',
        kind: 'ISR-MSI',
        probability: 1,
        duration: { meanUs: 4, sigma: 0.3 },
      },
    },
    {
      module: 'USBXHCI.SYS',
      function: 'Interrupter_WdfEvtInterruptDpc',
      kind: 'DPC',
      cpus: [5, 7],
      perSecond: 1_000,
      arrivals: 'periodic',
      duration: { meanUs: 12, sigma: 0.4 },
    },
    {
      module: 'tcpip.sys',
      function: 'TcpPeriodicTimeoutHandler',
      kind: 'TimerDPC',
      cpus: ALL,
      perSecond: 160,
      arrivals: 'periodic',
      duration: { meanUs: 12, sigma: 0.5 },
    },
    ...kernelBackground(ALL, 16),
  ],
  cpuLoad: (cpu) => 0.25 + (0.4 * ((cpu * 37) % 16)) / 16,
  burstMs: 6,
  sliceMs: 1.2,
  idleWeights: () => [0.4, 0.35, 0.25],
};

export const SCENARIOS: Readonly<Record<string, ScenarioSpec>> = {
  backupServer,
  audioWorkstation,
  deepIdle12Core,
  scale,
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS);
